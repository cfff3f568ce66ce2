"""Pulse: the answer to the owner's question, the vital signs against a span before that means something, the
trend, and what customers said."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from analysis.alerts import alert_scopes, scoped_alerts
from analysis.case_measures import count_open_cases
from analysis.comparison import Comparison, latest_rollout, recent_weeks, since_rollout
from analysis.filters import rollouts_in_dates
from analysis.metrics import period_and_previous
from dashboard.auth import require_role
from dashboard.components import (
    FOLLOW_UP_PAGE,
    render_empty_state,
    render_kpi_row,
    render_no_feedback,
    render_quote,
)
from dashboard.data import (
    data_version,
    get_settings,
    load_case_states,
    load_filter_options,
    load_has_orders,
    load_period_metrics,
    load_rollout_impacts,
    load_rollouts,
    load_span_loyalty,
    load_trend_figure,
    load_week_quotes,
)
from dashboard.filters import current_filters, show_channel
from dashboard.formatting import describe_filters
from dashboard.kpis import comparison_sentence, returning_customers_kpi, vital_sign_kpis
from pulse.formatting import corrected_note, format_moment, format_nps, format_week
from pulse.plain_text import markdown_literal
from reports.alerts import alert_message
from reports.findings import owner_answer, records_in_view
from reports.follow_up import follow_up_link_label

settings = get_settings()
require_role("viewer")  # staff accounts only add observations
version = data_version()
filters = current_filters()
st.title(f"{settings.business_name}: weekly pulse")
weekly = load_period_metrics(version, "week", filters)
if weekly.is_empty():
    render_no_feedback(load_filter_options(version).empty)
    st.stop()

records = records_in_view(load_rollout_impacts(version), filters.channel, filters.since, filters.until)
answer = owner_answer(records)
ANSWER_STYLE = {"yes": st.error, "unclear": st.warning, "no": st.success, "none": st.info}
ANSWER_STYLE[answer.kind](
    f"**Is automation making customers feel it?** {markdown_literal(answer.sentence)}",
    icon=":material/psychology_alt:",
)
answered_by = next(
    (record for record in records if (record["name"], record["started_on"]) == answer.rollout), None
)
with st.container(horizontal=True, vertical_alignment="center"):
    if answered_by is not None:
        st.page_link("app_pages/rollouts.py", label="See the rollout's card", icon=":material/arrow_forward:")
        channel = answered_by.get("channel")
        if channel and channel != "all" and filters.channel is None:
            st.button(
                f"See {channel} only",
                on_click=show_channel,
                args=(channel,),
                icon=":material/filter_alt:",
                key="pulse__see_channel",
                help=f"Set the sidebar's channel to {channel}: the customers this rollout touched.",
            )

weeks = weekly["period"].sort(descending=True).to_list()
week_column, compare_column = st.columns([1, 2])
week = week_column.selectbox("Up to the week of", weeks, format_func=format_week, key="pulse__week")
rollout = latest_rollout(rollouts_in_dates(load_rollouts(version), filters), filters.channel, week)
since = {"rollout": f"Since '{rollout['name']}'"} if rollout is not None else {}
COMPARISONS = {"weeks": "Last 4 weeks", **since, "week": "This week"}
compared_how = (
    compare_column.segmented_control(
        "Compared with the span before",
        list(COMPARISONS),
        format_func=COMPARISONS.__getitem__,
        default="weeks",
        key="pulse__compare",
    )
    or "weeks"
)
MIN = settings.min_responses
comparison: Comparison | None = None
if compared_how == "rollout" and rollout is not None:
    comparison = since_rollout(weekly, week, rollout["started_on"], MIN)
if comparison is None:
    comparison = recent_weeks(weekly, week, 1 if compared_how == "week" else 4, MIN)
now = comparison.now.figures
asked = {column for column in ("nps_n", "csat_n", "stars_n", "scored_n", "ces_n") if weekly[column].sum()}
kpis = vital_sign_kpis(comparison, asked)
if load_has_orders(version):  # what customers did in the same weeks
    spans = (comparison.now, comparison.before)
    now_loyalty, before_loyalty = (
        None if span is None else load_span_loyalty(version, filters, span.first, span.last) for span in spans
    )
    kpis.append(returning_customers_kpi(now_loyalty, before_loyalty))
render_kpi_row(kpis)
corrected = corrected_note(now["corrected_n"])
st.caption(
    comparison_sentence(comparison, rollout, describe_filters(filters))
    + " NPS and the shares change in points, feedback in items; grey where the change is within the noise."
    + (f" {corrected}" if corrected else "")
)
if "nps_n" in asked and now["nps_n"] < MIN:
    st.warning(
        f"Only {now['nps_n']} NPS answers in these weeks: treat their NPS as a rough guide "
        f"(95% interval {format_nps(now['nps_low'])} to {format_nps(now['nps_high'])}).",
        icon=":material/warning:",
    )
# the week's alerts, for each channel too when none is chosen: a change that one channel's customers meet
# shows there first
by_channel = load_period_metrics(version, "week", filters, ("channel",)) if filters.channel is None else None
for alert in scoped_alerts(alert_scopes(weekly, by_channel), week):
    st.error(alert_message(alert), icon=":material/notifications_active:")
# the unhappy customers someone is to contact: a link to the Follow-up page (read afresh: not cached)
cases = load_case_states()
if not cases.is_empty():
    open_n, overdue_n = count_open_cases(cases, datetime.now(UTC))
    st.page_link(
        FOLLOW_UP_PAGE, label=follow_up_link_label(open_n, overdue_n), icon=":material/support_agent:"
    )
this_week, _ = period_and_previous(weekly, week)
if this_week["scored_n"] == 0 and this_week["n"] > 0:
    render_empty_state("This week's comments have not been scored yet.", "Run `pulse analyze`.")

st.subheader("Trend")
st.plotly_chart(load_trend_figure(version, filters), width="stretch", key="pulse__trend")
st.caption(
    "Shaded: 95% interval. Hollow points: weeks with few answers. Dotted lines: automation rollouts; point at "
    "a triangle for its name."
)

st.subheader("What customers said this week")
quotes = load_week_quotes(version, week, filters)
if quotes.is_empty():
    render_empty_state("No scored comments this week.", "Comments appear here once `pulse analyze` has run.")
case_of = dict(zip(cases["feedback_id"], cases["id"], strict=True))
for row in quotes.iter_rows(named=True):
    written = format_moment(row["created_at"], settings.timezone)
    render_quote(row["text"], f"{row['why']} · {row['kind']} · {written}", case_of.get(row["id"]))
