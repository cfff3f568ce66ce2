"""Trends: NPS, CSAT, stars, CES, sentiment, impersonal complaints and volume per day, week or month, split by source,
channel, location or segment, next to every rollout and its verdict."""

from __future__ import annotations

import streamlit as st

from analysis.impact import ImpactSettings, recent_detectable_change
from dashboard.auth import require_role
from dashboard.components import render_no_feedback
from dashboard.data import (
    data_version,
    get_settings,
    load_filter_options,
    load_period_metrics,
    load_trends_figure,
)
from dashboard.filters import current_filters
from dashboard.formatting import describe_filters
from reports.verdicts import detectable_sentence

PERIODS = ("day", "week", "month")
SPLITS = ("none", "source", "channel", "location", "segment")

settings = get_settings()
require_role("viewer")  # staff accounts only add observations
version = data_version()
filters = current_filters()
st.title("Trends")
described = describe_filters(filters)
st.caption(
    "How customers' scores and words move, next to every automation rollout"
    + (f". Showing {described} (see the sidebar)." if described else ".")
)
period_column, split_column = st.columns([3, 2])
by = (
    period_column.segmented_control(
        "Period", PERIODS, format_func=str.capitalize, default="week", key="trends__by"
    )
    or "week"
)
split = split_column.selectbox("Split by", SPLITS, format_func=str.capitalize, key="trends__split")
group_by = () if split == "none" else (split,)
metrics = load_period_metrics(version, by, filters, group_by)
if metrics.is_empty():
    render_no_feedback(load_filter_options(version).empty)
    st.stop()

figure = load_trends_figure(version, by, filters, group_by[0] if group_by else None)
st.plotly_chart(figure, width="stretch", key="trends__chart")
st.caption(
    f"Shaded: 95% interval. Hollow points: {by}s with fewer than {settings.min_responses} answers of that "
    "measure (each point's n is in its hover). CES: the share of answers of 5–7 out of 7 (easy); stars: "
    "reviews' mean. Triangles: automation rollouts; point at one for its verdict, judged on all the feedback "
    "of its channel (see Rollouts)."
)
weeks = ImpactSettings().weeks
answers, change = recent_detectable_change(load_period_metrics(version, "week", filters), weeks)
st.caption(f"{detectable_sentence(answers, change, weeks)} (From the last {2 * weeks} weeks shown.)")
