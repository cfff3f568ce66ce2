"""Pulse: this week against last week, the trend, and what customers said."""

from __future__ import annotations

import streamlit as st

from analysis.alerts import alert_scopes, alert_z, scoped_alerts, week_change_is_clear
from analysis.filters import rollouts_in_dates
from analysis.metrics import period_and_previous
from dashboard.charts import trend_figure
from dashboard.components import Kpi, render_empty_state, render_kpi_row, render_no_feedback, render_quote
from dashboard.data import (
    data_version,
    get_settings,
    load_filter_options,
    load_period_metrics,
    load_rollout_impacts,
    load_rollouts,
    load_week_quotes,
)
from dashboard.filters import current_filters
from dashboard.formatting import describe_filters
from pulse.formatting import (
    corrected_note,
    format_moment,
    format_nps,
    format_points,
    format_share,
    format_week,
)
from pulse.plain_text import markdown_literal
from reports.alerts import alert_message
from reports.findings import owner_answer, records_in_view

settings = get_settings()
version = data_version()
filters = current_filters()
st.title(f"{settings.business_name}: weekly pulse")
weekly = load_period_metrics(version, "week", filters)
if weekly.is_empty():
    render_no_feedback(load_filter_options(version).empty)
    st.stop()

answer = owner_answer(
    records_in_view(load_rollout_impacts(version), filters.channel, filters.since, filters.until)
)
ANSWER_STYLE = {"yes": st.error, "unclear": st.warning, "no": st.success, "none": st.info}
ANSWER_STYLE[answer.kind](
    f"**Is automation making customers feel it?** {markdown_literal(answer.sentence)}",
    icon=":material/psychology_alt:",
)
if answer.rollout is not None:
    st.page_link("app_pages/rollouts.py", label="See the rollout's card", icon=":material/arrow_forward:")

weeks = weekly["period"].sort(descending=True).to_list()
week = st.selectbox("Week", weeks, format_func=format_week, key="pulse__week", width=320)
this, last = period_and_previous(weekly, week)


def change(column: str, scale: float = 1.0) -> float | None:
    if last is None or this[column] is None or last[column] is None:
        return None
    return (this[column] - last[column]) * scale


COLOUR_Z = alert_z(6)  # the six figures' week-on-week changes, coloured only beyond the noise


def clear(measure: str) -> bool:
    return week_change_is_clear(measure, this, last, COLOUR_Z)


def ces_kpi() -> Kpi:
    answers = (
        f"from {this['ces_n']} answers; mean {this['ces_mean']:.1f} of 7"
        if this["ces_n"]
        else "no answers this week"
    )
    return Kpi(
        "CES",
        format_share(this["ces_share"]),
        format_points(change("ces_share", 100)),
        help=f"Customer Effort Score: share of 5–7 out of 7 (easy), {answers}.",
        clear=clear("ces"),
    )


kpis = [
    Kpi(
        "NPS",
        format_nps(this["nps"]),
        format_points(change("nps")),
        help=f"Promoters minus detractors, from {this['nps_n']} answers. 95% interval "
        f"{format_nps(this['nps_low'])} to {format_nps(this['nps_high'])}.",
        clear=clear("nps"),
    ),
    Kpi(
        "CSAT",
        format_share(this["csat"]),
        format_points(change("csat", 100)),
        help=f"Share of 4–5 out of 5, from {this['csat_n']} answers.",
        clear=clear("csat"),
    ),
    Kpi(
        "Feedback",
        f"{this['n']:,}",
        format_points(change("n"), "") if last else None,
        help="Survey responses, reviews and social mentions this week.",
        clear=clear("n"),
    ),
    Kpi(
        "Negative comments",
        format_share(this["negative_share"]),
        format_points(change("negative_share", 100)),
        lower_is_better=True,
        help=f"Share of the {this['scored_n']} scored comments that read negative.",
        clear=clear("negative"),
    ),
    Kpi(
        "Impersonal complaints",
        format_share(this["impersonal_share"]),
        format_points(change("impersonal_share", 100)),
        lower_is_better=True,
        help="Share of comments complaining of bots, canned replies or no human to reach.",
        clear=clear("impersonal"),
    ),
]
if weekly["ces_n"].sum() > 0:  # only where the surveys ask for the customer's effort
    kpis.append(ces_kpi())
render_kpi_row(kpis)
compared = f"compared with {format_week(last['period'])}" if last else "the first week with feedback"
described = describe_filters(filters)
where = f" ({described})" if described else ""
corrected = corrected_note(this["corrected_n"])
st.caption(
    f"Week of {format_week(week)}{where}, {compared}. Changes are in percentage points; grey where they are "
    "within the week-to-week noise." + (f" {corrected}" if corrected else "")
)
if this["thin"]:
    st.warning(
        f"Only {this['nps_n']} NPS answers this week: treat its NPS as a rough guide "
        f"(95% interval {format_nps(this['nps_low'])} to {format_nps(this['nps_high'])}).",
        icon=":material/warning:",
    )
# each channel too, when none is chosen: a change that one channel's customers meet shows there first
by_channel = load_period_metrics(version, "week", filters, ("channel",)) if filters.channel is None else None
for alert in scoped_alerts(alert_scopes(weekly, by_channel), week):
    st.error(alert_message(alert), icon=":material/notifications_active:")
if this["scored_n"] == 0 and this["n"] > 0:
    render_empty_state("This week's comments have not been scored yet.", "Run `pulse analyze`.")

st.subheader("Trend")
rollouts = rollouts_in_dates(load_rollouts(version), filters)
st.plotly_chart(trend_figure(weekly, rollouts), width="stretch", key="pulse__trend")
st.caption("Shaded: 95% interval. Hollow points: weeks with few answers. Dotted lines: automation rollouts.")

st.subheader("What customers said this week")
quotes = load_week_quotes(version, week, filters)
if quotes.is_empty():
    render_empty_state("No scored comments this week.", "Comments appear here once `pulse analyze` has run.")
for row in quotes.iter_rows(named=True):
    written = format_moment(row["created_at"], settings.timezone)
    render_quote(row["text"], f"{row['why']} · {row['kind']} · {written}")
