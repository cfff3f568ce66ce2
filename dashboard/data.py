"""The only module with Streamlit caches. Loaders read the store and are keyed on its data version."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import polars as pl
import streamlit as st

from analysis.case_rules import CaseRule, effective_rules
from analysis.filters import FILTER_COLUMNS, FilterOptions, Filters, apply_filters, read_filter_options
from analysis.metrics import read_counts_metrics
from analysis.quotes import pick_quotes
from pulse.errors import StoreError
from pulse.settings import Settings, build_settings
from store.cases import read_case_events, read_case_states, read_cases, read_rule_changes
from store.customer_values import read_clv_fit, read_customer_values
from store.daily_counts import daily_counts_ready, read_daily_counts
from store.engine import Engine, pool_options
from store.explorer import FeedbackQuery, search_feedback
from store.feedback import read_feedback, read_rejected
from store.impacts import read_rollout_impact_records
from store.migrate import is_current
from store.notifications import read_notifications
from store.observations import read_observations
from store.orders import count_orders, read_orders
from store.rollouts import read_rollout_changes, read_rollouts
from store.runs import read_runs
from store.schema import SENTIMENT_PROBABILITY_COLUMNS
from store.sources import read_sources
from store.state import read_data_version
from store.topics import read_topics
from store.users import read_users
from store.workspaces import DEFAULT_WORKSPACE, list_workspaces, workspace_engine

if TYPE_CHECKING:  # the themes, their export and the live sources are imported when used: not at start-up
    import plotly.graph_objects as go

    from analysis.case_outcomes import CaseOutcomes
    from analysis.themes import ThemeReport
    from collectors.base import Collector

WORKSPACE_KEY = "workspace__current"
QUOTE_COLUMNS = (
    "id",  # the feedback's: the Pulse page links a quote to its follow-up case
    "created_at",
    "kind",
    "text",
    "sentiment_score",
    "impersonal",
    "impersonal_score",
    "impersonal_cues",
    *SENTIMENT_PROBABILITY_COLUMNS,
    "nps",
    "csat",
    "stars",
    *FILTER_COLUMNS,
)


@st.cache_resource
def get_settings() -> Settings:
    return build_settings()


@st.cache_resource
def get_live_sources() -> dict[str, Collector]:
    """The configured live sources, built once per server (building the Reddit client reads praw.ini)."""
    from collectors.configured import configured_collectors

    return configured_collectors(get_settings())


@st.cache_resource
def get_workspace_engine(workspace: str) -> Engine:
    """The engine of one workspace's store (store.workspaces): it reaches that workspace's tables alone."""
    # only `pulse db upgrade` and `pulse workspaces add` make a store
    engine = workspace_engine(
        get_settings().database_url, workspace, create=False, **pool_options(get_settings())
    )
    if not is_current(engine):
        raise StoreError(
            "The database has not been created or migrated yet.",
            hint="Run `pulse db upgrade` (or `make run`, which does it), then reload this page.",
        )
    # pages read the days as the writers counted them: in PULSE_TIMEZONE, by `pulse db upgrade` at the latest
    daily_counts_ready(engine, get_settings().timezone)
    return engine


def get_home_engine() -> Engine:
    """The default workspace's store: where the built-in accounts sign in."""
    return get_workspace_engine(DEFAULT_WORKSPACE)


def current_workspace() -> str:
    """This browser session's workspace: set by the app (dashboard.workspaces) only after it checked that the
    user has a role there; "default" until then."""
    return str(st.session_state.get(WORKSPACE_KEY, DEFAULT_WORKSPACE))


def get_engine() -> Engine:
    """The store of this session's workspace: every loader reads through it, so a page sees that workspace's
    rows and no other's."""
    return get_workspace_engine(current_workspace())


def list_all_workspaces() -> list[str]:
    """Every workspace of the store, "default" first (read afresh: one made by the CLI shows at once)."""
    return list_workspaces(get_settings().database_url)


DataVersion = tuple[str, int]  # (workspace, its store's data version): the key of every cached loader


def data_version() -> DataVersion:
    """Cheap: one row of one table. Every loader below takes it, so new data clears their caches; it names the
    workspace, so that two workspaces at the same version never share a cached result."""
    return current_workspace(), read_data_version(get_engine())


@st.cache_data(ttl=3600, max_entries=4, show_spinner="Counting the feedback…")
def load_daily_counts(version: DataVersion) -> pl.DataFrame:
    """Counts and sums per local day, kind, source, channel, location and segment (store.daily_counts), as
    the writers left them: reading never recounts."""
    return read_daily_counts(get_engine(), get_settings().timezone)


@st.cache_data(ttl=3600, max_entries=4)
def load_filter_options(version: DataVersion) -> FilterOptions:
    """The days, sources, channels and locations that the sidebar filters offer."""
    return read_filter_options(load_daily_counts(version), date_column="day")


@st.cache_data(ttl=3600, max_entries=32, show_spinner="Computing the figures…")
def load_period_metrics(
    version: DataVersion, by: str, filters: Filters, group_by: tuple[str, ...] = ()
) -> pl.DataFrame:
    """NPS, CSAT, sentiment, complaints and volume per day, week or month of the filtered feedback, for each
    group of the `group_by` columns."""
    counts = apply_filters(load_daily_counts(version), filters, date_column="day")
    return read_counts_metrics(counts, by, get_settings().min_responses, group_by)


@st.cache_resource(ttl=3600, max_entries=32)
def load_trend_figure(version: DataVersion, filters: Filters) -> go.Figure:
    """The Pulse page's trend (dashboard.charts.trend_figure) of the filtered feedback, built once per store
    version and filters and shared by every session (never changed after it is built). A resource, not data: a
    Figure unpickles as slowly as it is built, and st.plotly_chart validates a dict again by building a Figure
    from it (0.06 s a run for this one), while it takes a Figure as it is."""
    from analysis.filters import rollouts_in_dates
    from dashboard.charts import trend_figure

    weekly = load_period_metrics(version, "week", filters)
    rollouts = rollouts_in_dates(load_rollouts(version), filters)
    return trend_figure(weekly, rollouts, get_settings().min_responses)


@st.cache_resource(ttl=3600, max_entries=32)
def load_trends_figure(version: DataVersion, by: str, filters: Filters, split: str | None) -> go.Figure:
    """The Trends page's figure (dashboard.charts.trends_figure) per `by` period, split by `split` (a shared
    resource, as load_trend_figure)."""
    from analysis.filters import rollouts_in_dates
    from dashboard.charts import trends_figure

    metrics = load_period_metrics(version, by, filters, () if split is None else (split,))
    rollouts = rollouts_in_dates(load_rollouts_with_verdicts(version), filters)
    return trends_figure(metrics, rollouts, split, get_settings().min_responses)


@st.cache_data(ttl=600, max_entries=4, show_spinner="Counting the file's rows…")
def count_survey_rows(data: bytes, file_name: str, timezone: str) -> int:
    """An uploaded survey file's data rows, counted on the whole file once per file (the preview reads only its
    first rows)."""
    from collectors.surveys import plan_survey_file

    return plan_survey_file(data, file_name, timezone=timezone).data_rows or 0


@st.cache_data(ttl=3600, max_entries=4)
def load_rollouts(version: DataVersion) -> pl.DataFrame:
    return read_rollouts(get_engine())


@st.cache_data(ttl=3600, max_entries=4)
def load_rollout_changes(version: DataVersion) -> pl.DataFrame:
    return read_rollout_changes(get_engine())


@st.cache_data(ttl=3600, max_entries=4)
def load_rollout_impacts(version: DataVersion) -> list[dict[str, Any]]:
    """Each rollout's before / after verdict as the pipeline judged and stored it (analysis/impact_pipeline.py),
    as plain records (reports.verdicts.impact_record). The page only reads them."""
    return read_rollout_impact_records(get_engine())


@st.cache_data(ttl=3600, max_entries=4)
def load_rollouts_with_verdicts(version: DataVersion) -> pl.DataFrame:
    """The rollouts, each with the plain-language verdict of its impact."""
    from analysis.impact import add_verdicts

    return add_verdicts(load_rollouts(version), load_rollout_impacts(version))


@st.cache_data(ttl=3600, max_entries=64)
def load_week_quotes(
    version: DataVersion, week_start: date, filters: Filters, count: int = 3
) -> pl.DataFrame:
    timezone = get_settings().timezone
    since = datetime.combine(week_start, time(0), tzinfo=ZoneInfo(timezone))
    feedback = read_feedback(get_engine(), QUOTE_COLUMNS, since=since, until=since + timedelta(days=7))
    return pick_quotes(apply_filters(feedback, filters, timezone), count)


@st.cache_data(ttl=3600, max_entries=4)
def load_sources(version: DataVersion) -> pl.DataFrame:
    return read_sources(get_engine())


@st.cache_data(ttl=3600, max_entries=4)
def load_runs(version: DataVersion) -> pl.DataFrame:
    return read_runs(get_engine())


@st.cache_data(ttl=3600, max_entries=4)
def load_rejected(version: DataVersion) -> pl.DataFrame:
    return read_rejected(get_engine())


@st.cache_data(ttl=3600, max_entries=32, show_spinner="Searching…")
def load_feedback_page(version: DataVersion, wanted: FeedbackQuery) -> tuple[pl.DataFrame, int]:
    return search_feedback(get_engine(), wanted)


@st.cache_data(ttl=3600, max_entries=16, show_spinner="Summarising the themes…")
def load_theme_report(
    version: DataVersion, weeks: int | None = None, top: int = 8, filters: Filters | None = None
) -> ThemeReport:
    """The themes of the current model over the last `weeks` whole weeks of the themed feedback that `filters`
    keep (all of it when None), with trends, NPS with and without each theme, quotes and rollout changes."""
    from analysis.theme_pipeline import store_theme_report

    return store_theme_report(get_engine(), get_settings().timezone, top=top, weeks=weeks, filters=filters)


@st.cache_data(ttl=3600, max_entries=16)
def load_staff_themes(
    version: DataVersion, weeks: int | None = None, top: int = 8, filters: Filters | None = None
) -> pl.DataFrame:
    """Staff hear it too: for the themes load_theme_report shows (the same `weeks`, `top` and `filters`), how
    many staff observations mention each beside the customers' count, with a few quotes and who reported them
    (analysis.themes.staff.staff_theme_summary; the page shows the names to editors only)."""
    from analysis.theme_pipeline import store_staff_themes

    report = load_theme_report(version, weeks, top, filters)
    return store_staff_themes(
        get_engine(), report.summary, get_settings().timezone, report.first_day, filters
    )


@st.cache_data(ttl=3600, max_entries=32)
def load_observations(version: DataVersion, reported_by: str | None = None) -> pl.DataFrame:
    """Staff observations, newest first (store.observations.read_observations): only those of `reported_by`
    when given. They carry who reported them: the page drops the name for those who may not see it."""
    return read_observations(get_engine(), reported_by=reported_by)


@st.cache_data(ttl=3600, max_entries=4)
def load_topics(version: DataVersion) -> pl.DataFrame:
    """The current themes with the owner's edits (no centroids)."""
    return read_topics(get_engine()).drop("centroid")


# No spinner: the download button calls this on a click, outside the page's run, where none can show.
@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def load_theme_export(
    version: DataVersion,
    format_name: str,
    weeks: int | None = None,
    top: int = 8,
    filters: Filters | None = None,
) -> bytes:
    """The staff-meeting handout of what the page shows (the last `weeks` weeks, its `top` themes, `filters`)
    as a csv, md or pdf file."""
    from reports.handout import theme_report_bytes

    report = load_theme_report(version, weeks, top, filters)
    return theme_report_bytes(report, format_name, get_settings().business_name)


# --- orders and loyalty (the Loyalty page, and the Pulse page's returning-customer card) -------------------


@st.cache_data(ttl=3600, max_entries=4)
def load_has_orders(version: DataVersion) -> bool:
    return count_orders(get_engine()) > 0


@st.cache_data(ttl=3600, max_entries=2, show_spinner="Reading the orders…")
def load_orders(version: DataVersion) -> pl.DataFrame:
    """Every stored order (store.orders.read_orders)."""
    return read_orders(get_engine())


@st.cache_data(ttl=3600, max_entries=16)
def load_orders_in_view(version: DataVersion, filters: Filters) -> pl.DataFrame:
    """The orders of the filters' channel and location up to their last day (analysis.loyalty.orders_in_view:
    the days before the first are kept, as a customer's history)."""
    from analysis.loyalty import orders_in_view

    return orders_in_view(load_orders(version), filters, get_settings().timezone)


@st.cache_data(ttl=3600, max_entries=16, show_spinner="Counting the customers…")
def load_weekly_loyalty(version: DataVersion, filters: Filters) -> pl.DataFrame:
    """Active, new and returning customers and the repeat-purchase rate per week of the filters' days."""
    from analysis.loyalty import periods_in_view, read_period_loyalty

    weekly = read_period_loyalty(load_orders_in_view(version, filters), "week", get_settings().timezone)
    return periods_in_view(weekly, filters, "week")


@st.cache_data(ttl=3600, max_entries=16)
def load_recent_loyalty(
    version: DataVersion, filters: Filters, weeks: int = 4
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The repeat-purchase rate of the last `weeks` weeks up to the filters' last day, and of those before."""
    from analysis.loyalty import recent_loyalty

    orders = load_orders_in_view(version, filters)
    return recent_loyalty(orders, weeks, get_settings().timezone, filters.until)


@st.cache_data(ttl=3600, max_entries=32)
def load_span_loyalty(
    version: DataVersion, filters: Filters, first: date, last: date
) -> dict[str, Any] | None:
    """The repeat-purchase rate of the weeks starting on the Mondays `first` to `last` (the Pulse page's span)."""
    from analysis.loyalty import span_loyalty

    return span_loyalty(load_orders_in_view(version, filters), first, last, get_settings().timezone)


@st.cache_data(ttl=3600, max_entries=16, show_spinner="Following the cohorts…")
def load_cohort_retention(version: DataVersion, filters: Filters) -> pl.DataFrame:
    """Cohort retention of the cohorts whose month is in the filters' days."""
    from analysis.loyalty import periods_in_view, read_cohort_retention

    cohorts = read_cohort_retention(load_orders_in_view(version, filters), get_settings().timezone)
    return periods_in_view(cohorts, filters, "month", column="cohort")


@st.cache_data(ttl=3600, max_entries=16)
def load_feedback_returns(version: DataVersion, filters: Filters) -> pl.DataFrame:
    """The return rate and spend of promoters, passives, detractors and impersonal complainers, from the
    answers the filters keep and the orders in view."""
    from analysis.loyalty import read_feedback_returns

    timezone = get_settings().timezone
    columns = ("author_hash", "created_at", "nps", "impersonal", *FILTER_COLUMNS)
    answers = apply_filters(read_feedback(get_engine(), columns), filters, timezone)
    return read_feedback_returns(load_orders_in_view(version, filters), answers)


@st.cache_data(ttl=3600, max_entries=16)
def load_lapse_days(version: DataVersion, filters: Filters) -> int | None:
    """The lapse threshold the orders in view suggest (analysis.loyalty.suggest_lapse_days)."""
    from analysis.loyalty import suggest_lapse_days

    return suggest_lapse_days(load_orders_in_view(version, filters), get_settings().timezone)


@st.cache_data(ttl=3600, max_entries=16)
def load_customer_status(version: DataVersion, filters: Filters, lapse_days: int) -> pl.DataFrame:
    """Every customer of the orders in view: last purchase, past value, and lapsed after `lapse_days`."""
    from analysis.loyalty import read_customer_status

    orders = load_orders_in_view(version, filters)
    return read_customer_status(orders, lapse_days, timezone=get_settings().timezone)


@st.cache_data(ttl=3600, max_entries=4)
def load_customer_values(version: DataVersion) -> pl.DataFrame | None:
    """Each customer's expected value and chance of still being a customer as the pipeline stored them
    (`pulse analyze`: analysis/clv_pipeline.py); None when it has not yet."""
    values = read_customer_values(get_engine())
    return None if values.is_empty() else values


@st.cache_data(ttl=3600, max_entries=4)
def load_clv_fit(version: DataVersion) -> dict[str, Any] | None:
    """The stored lifetime-value fit (analysis.clv.ClvResult.to_json, with `fitted_at`, an ISO time); None
    without one."""
    return read_clv_fit(get_engine())


# --- follow-up cases (the Follow-up page, and the Pulse page's link to it) ---------------------------------------
# Not cached: cases change with every click on the Follow-up page, from the CLI (`pulse cases`) and from the
# pipeline, none of which moves the data version. Each run reads them afresh (one small query: a row per case),
# so that a write shows at once, in every session, with no cache to clear.


def load_cases() -> pl.DataFrame:
    """Every follow-up case with the customer's feedback (store.cases.read_cases), read afresh (not cached)."""
    return read_cases(get_engine())


def load_case_states() -> pl.DataFrame:
    """Every case's id, feedback_id and moments (store.cases.read_case_states), without the feedback, read
    afresh (not cached): the Pulse page's link and quotes."""
    return read_case_states(get_engine())


def load_case_events(case_id: int) -> pl.DataFrame:
    """The history of one case, oldest first (store.cases.read_case_events), read afresh (not cached)."""
    return read_case_events(get_engine(), case_id)


def load_case_notifications(case_id: int) -> pl.DataFrame:
    """The notifications of one case, sent or still to send, with their errors (store.notifications), read
    afresh (not cached)."""
    return read_notifications(get_engine(), case_id)


def load_user_names() -> list[str]:
    """The accounts' user names, to assign a case to (not cached: an account added shows at once)."""
    return read_users(get_engine())["username"].to_list()


def load_case_rules() -> list[CaseRule]:
    """The rules that make cases (analysis.case_rules.effective_rules), with the owner's changes
    (store.cases.read_rule_changes) on the defaults and PULSE_CASE_DUE_HOURS. Not cached: a saved change shows
    at once."""
    return effective_rules(read_rule_changes(get_engine()), get_settings().case_due_hours)


def cases_stamp(cases: pl.DataFrame) -> tuple[int, str]:
    """What changes whenever a case does (how many there are, and the latest change), for a cache that follows
    them: a case's every write sets its updated_at."""
    latest = cases["updated_at"].max()
    return cases.height, str(latest)


@st.cache_data(ttl=3600, max_entries=4, show_spinner="Comparing the customers followed up…")
def load_case_outcomes(version: DataVersion, stamp: tuple[int, str]) -> CaseOutcomes:
    """Did following up help (analysis.case_outcomes_pipeline.read_case_outcomes): cached on the store's data
    version (new answers and orders) and on the cases' `stamp` (cases_stamp: a case moved on)."""
    from analysis.case_outcomes_pipeline import read_case_outcomes  # imported when used: not at start-up

    orders = load_orders(version) if load_has_orders(version) else None
    return read_case_outcomes(get_engine(), get_settings().timezone, orders=orders)


NO_CONTACT_KEY = (
    "No contact details kept (set PULSE_CONTACT_KEY to keep the email addresses that survey respondents give: "
    "`pulse contacts key` makes one)."
)


@dataclass(frozen=True)
class ContactsShown:
    """The respondents' email addresses that could be read, by author hash, and why others could not."""

    emails: dict[str, str]
    problem: str | None = None


def load_contacts(author_hashes: Sequence[str]) -> ContactsShown:
    """The email addresses that the respondents of `author_hashes` gave (store.contacts.read_contacts, decrypted
    with PULSE_CONTACT_KEY). Not cached: decrypted addresses are never kept in the server's memory beyond the
    run that shows them. Callers show them to editors and admins only."""
    key = get_settings().contact_key
    if key is None:
        return ContactsShown({}, NO_CONTACT_KEY)
    from pulse.contact_crypto import ContactKeyError  # cryptography: only with a key, and not at start-up
    from store.contacts import read_contacts

    wanted = [author for author in author_hashes if author]
    if not wanted:
        return ContactsShown({})
    try:
        return ContactsShown(read_contacts(get_engine(), wanted, key))
    except ContactKeyError as error:  # a key that opens only some: show those, and say why not the others
        return ContactsShown(error.readable, f"{error.message} {error.hint or ''}".strip())


# --- locations (the Locations page) ----------------------------------------------------------------------------


def _location_inputs(version: DataVersion, filters: Filters) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """The daily counts of the filters' source and channel (every location, every day), and the orders of their
    channel up to their last day (None without orders)."""
    kept = Filters(source=filters.source, channel=filters.channel)
    daily = apply_filters(load_daily_counts(version), kept, date_column="day")
    if not load_has_orders(version):
        return daily, None
    return daily, load_orders_in_view(version, Filters(until=filters.until, channel=filters.channel))


@st.cache_data(ttl=3600, max_entries=16, show_spinner="Comparing the locations…")
def load_location_comparison(version: DataVersion, filters: Filters, first: date, last: date) -> pl.DataFrame:
    """Every location's NPS, CSAT, impersonal complaints and repeat customers over the local days `first` to
    `last`, against the business's, with the funnel's limits (analysis.locations.compare_locations)."""
    from analysis.locations import compare_locations, read_window_tallies

    daily, orders = _location_inputs(version, filters)
    return compare_locations(read_window_tallies(daily, orders, first, last, get_settings().timezone))


@st.cache_data(ttl=3600, max_entries=16)
def load_location_curves(
    version: DataVersion, filters: Filters, first: date, last: date, measure: str
) -> pl.DataFrame:
    """The funnel's limit curves of `measure` (analysis.locations.funnel_curves) for load_location_comparison."""
    from analysis.locations import funnel_curves

    return funnel_curves(load_location_comparison(version, filters, first, last), measure)


@st.cache_data(ttl=3600, max_entries=16, show_spinner="Comparing the months…")
def load_location_changes(version: DataVersion, filters: Filters, last_day: date) -> pl.DataFrame:
    """Each location's change over the 30 days up to `last_day` against the 30 before
    (analysis.locations.read_location_changes)."""
    from analysis.locations import read_location_changes

    daily, orders = _location_inputs(version, filters)
    settings = get_settings()
    return read_location_changes(daily, orders, last_day, settings.timezone, settings.min_responses)
