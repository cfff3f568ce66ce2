"""Locations: which of a business's locations really differ from the business (a funnel plot of NPS, CSAT,
impersonal complaints and repeat customers, so that a small location is not called out for a few answers), and
which changed most since last month."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import streamlit as st

from analysis.filters import Filters
from analysis.locations import MEASURES, MONTH_DAYS, month_windows
from dashboard.auth import require_role
from dashboard.charts import location_funnel_figure
from dashboard.components import render_empty_state, render_no_feedback
from dashboard.data import (
    data_version,
    get_settings,
    load_filter_options,
    load_location_changes,
    load_location_comparison,
    load_location_curves,
)
from dashboard.filters import current_filters
from dashboard.formatting import describe_filters
from pulse.formatting import format_day, plural
from pulse.plain_text import markdown_literal
from reports.locations import clarity_words, differ_sentence, format_location_change, format_location_value

SPANS = {"30": "Last 30 days", "90": "Last 90 days", "all": "The sidebar's dates"}
BUTTONS = {
    "nps": "NPS",
    "csat": "CSAT",
    "impersonal": "Impersonal",
    "repeat": "Repeat",
}  # short: a phone's width
TOP_CHANGES = 5

settings = get_settings()
require_role("viewer")  # staff accounts only add observations
version = data_version()
options = load_filter_options(version)
filters = current_filters()
st.title("Locations")
described = describe_filters(Filters(source=filters.source, channel=filters.channel))  # the dates: below
st.caption(
    "Each location against the business as a whole: called out only when it differs by more than chance"
    + (f". Showing {described} (see the sidebar)." if described else ".")
)
if options.empty:
    render_no_feedback(True)
    st.stop()
if len(options.locations) < 2:
    only = f" ({markdown_literal(options.locations[0])})" if options.locations else ""
    render_empty_state(
        f"The store has {'one location' if options.locations else 'no locations'}{only}: there is nothing to "
        "compare.",
        "Locations come from the `location` column of survey and order imports (map it on the Sources page "
        "or in `pulse import`): with two or more, this page compares them. To see it with a franchise of 12 "
        "cafés, load `pulse demo --locations` into a store of its own.",
    )
    st.stop()

last_day = filters.until or options.last_day
assert last_day is not None and options.first_day is not None
answer = st.container()  # the answer first, above the choices it depends on
span_column, measure_column = st.columns([2, 3])
span_key = (
    span_column.segmented_control(
        "Compare over", list(SPANS), format_func=SPANS.get, default="90", key="locations__span"
    )
    or "90"
)
measure = (
    measure_column.segmented_control(
        "Measure",
        list(MEASURES),
        format_func=BUTTONS.get,
        default="nps",
        key="locations__measure",
    )
    or "nps"
)
if span_key == "all":
    first_day = filters.since or options.first_day
    span_words = f"from {format_day(first_day)} to {format_day(last_day)}"
else:
    first_day = max(last_day - timedelta(days=int(span_key) - 1), options.first_day)
    span_words = f"over the last {span_key} days (to {format_day(last_day)})"
compared = load_location_comparison(version, filters, first_day, last_day)
if compared.is_empty():
    with answer:
        render_no_feedback(False)
    st.stop()

called = compared.filter(pl.col("called_out").is_not_null())
sentence = differ_sentence(compared, compared["location"].n_unique(), span_words)
ANSWER_STYLE = (
    answer.info if called.is_empty() else answer.error if (~called["better"]).any() else answer.success
)
ANSWER_STYLE(
    f"**Do any locations differ from the business?** {markdown_literal(sentence)}",
    icon=":material/storefront:",
)

rows = compared.filter(pl.col("measure") == measure)
if rows.is_empty():
    if measure == "impersonal":
        render_empty_state(
            "No comment at these locations is scored yet.",
            "Run `pulse analyze`, which finds the comments that complain of impersonal service.",
        )
    elif measure == "repeat":
        render_empty_state(
            "No orders with a location in these days.",
            "Import your orders or visits export with its location column: `pulse import FILE --kind order`.",
        )
    else:
        render_empty_state(
            f"No {MEASURES[measure].label} answers at these locations in these days.",
            "Widen the dates, or choose another measure.",
        )
else:
    curves = load_location_curves(version, filters, first_day, last_day, measure)
    st.plotly_chart(
        location_funnel_figure(compared, curves, measure), width="stretch", key="locations__funnel"
    )
    overall = rows["overall"][0]
    st.caption(
        f"Each point is a location, placed by its number of answers (across) and its {MEASURES[measure].label} "
        f"(up). The line is the business overall ({format_location_value(measure, overall)}); the funnel "
        "around it is how far a location of that size strays by chance alone: 95 in 100 such locations fall "
        "inside the dotted lines, 998 in 1,000 inside the dashed ones. Only a location outside the dashed lines "
        "is called out: small locations have wide limits, so a few bad answers do not call one out."
    )
    table = pl.DataFrame(
        {
            "Location": rows["location"],
            MEASURES[measure].label: [
                format_location_value(measure, value) for value in rows["value"].to_list()
            ],
            "95% interval": [
                f"{format_location_value(measure, low)} to {format_location_value(measure, high)}"
                for low, high in zip(rows["low"].to_list(), rows["high"].to_list(), strict=True)
            ],
            "Answers" if measure != "repeat" else "Customers": rows["n"],
            "Against the business": [
                "Within the limits" if side is None else "Better" if better else "Worse"
                for side, better in zip(rows["called_out"].to_list(), rows["better"].to_list(), strict=True)
            ],
        }
    )
    st.dataframe(table, hide_index=True, key="locations__table")
    if measure == "repeat":
        st.caption(
            "Customers: those who bought at the location in these days; repeat, those of them who had bought "
            "there before. Over days that start soon after the first orders, nearly everyone counts as new."
        )

st.subheader("Changed most since last month")
(before_first, before_last), (now_first, now_last) = month_windows(last_day, MONTH_DAYS)
changes = load_location_changes(version, filters, last_day).filter(pl.col("measure") == measure)
if changes.is_empty():
    render_empty_state(
        f"No location has {MEASURES[measure].label} figures in both months.",
        f"The last {MONTH_DAYS} days ({format_day(now_first)} to {format_day(now_last)}) are compared with the "
        f"{MONTH_DAYS} before them.",
    )
else:
    top = changes.head(TOP_CHANGES)
    st.dataframe(
        pl.DataFrame(
            {
                "Location": top["location"],
                f"Last {MONTH_DAYS} days": [
                    format_location_value(measure, value) for value in top["value_now"].to_list()
                ],
                f"{MONTH_DAYS} days before": [
                    format_location_value(measure, value) for value in top["value_before"].to_list()
                ],
                "Change": [format_location_change(measure, value) for value in top["change"].to_list()],
                "95% interval": [
                    f"{format_location_change(measure, low)} to {format_location_change(measure, high)}"
                    for low, high in zip(
                        top["change_low"].to_list(), top["change_high"].to_list(), strict=True
                    )
                ],
                "Answers (before, now)": [
                    f"{before:,}, {now:,}"
                    for before, now in zip(top["n_before"].to_list(), top["n_now"].to_list(), strict=True)
                ],
                "How clear": [
                    clarity_words(z, thin)
                    for z, thin in zip(top["z"].to_list(), top["thin"].to_list(), strict=True)
                ],
            }
        ),
        hide_index=True,
        key="locations__changes",
    )
    st.caption(
        f"{format_day(now_first)} to {format_day(now_last)} against {format_day(before_first)} to "
        f"{format_day(before_last)}: the {plural(min(TOP_CHANGES, changes.height), 'location')} whose "
        f"{MEASURES[measure].label} moved most clearly (the change against its noise), locations with fewer "
        f"than {settings.min_responses} answers in either month (PULSE_MIN_RESPONSES) last."
    )

with st.expander("How this was worked out"):
    st.markdown(
        """
- **The figures** are those of the other pages, per location: NPS (promoters 9–10 minus detractors 0–6, with
  its adjusted-Wald interval), CSAT (the share of 4–5, Wilson interval), impersonal complaints (the comments
  that `pulse analyze` finds complain of impersonal service, per 100 scored comments) and repeat customers (of
  the customers who bought at a location in these days, the share who had bought there before). Feedback and
  orders without a location are left out. The sidebar's source and channel apply; its location does not (every
  location is compared).
- **The business overall** is all the locations' answers together.
- **The funnel** (Spiegelhalter, 2005): the limits within which a location with that many answers falls when
  it is no different from the business, 95% (dotted) and 99.8% (dashed); exact binomial limits for shares,
  the normal approximation for NPS. A location is called out only outside the 99.8% limits: with a dozen
  locations, a call at 95% would flag one now and then by chance alone.
- **Changed most**: each location's last 30 days against the 30 before, both ending on the last day shown;
  the difference with its 95% interval (adjusted, so that a location with a handful of answers does not look
  sure), ranked by the change over its standard error. Clear: 3 or more standard errors; likely: 2 or more.
"""
    )
