"""Themes: what customers talk about, which themes are rising, what changed after each rollout; the owner
renames, merges and hides themes here, and downloads the handout for a staff meeting."""

from __future__ import annotations

from functools import partial

import polars as pl
import streamlit as st

from analysis.theme_report import percent, signed
from dashboard.auth import allowed
from dashboard.charts import theme_trend_figure
from dashboard.components import render_empty_state, render_error, render_quote
from dashboard.data import (
    data_version,
    get_engine,
    load_rollouts,
    load_theme_export,
    load_theme_report,
    load_topics,
)
from pulse.errors import PulseError
from store.topics import hide_topic, merge_topic, rename_topic

PERIODS = {"Last 12 weeks": 12, "Last 26 weeks": 26, "Everything": None}

version = data_version()
st.title("Themes")
st.caption("What customers talk about, found in their words (BERTopic on sentence embeddings).")
topics = load_topics(version)
if topics.is_empty():
    render_empty_state(
        "No themes yet.", "Run `pulse themes fit` after `pulse analyze`, then reload this page."
    )
    st.stop()

period_column, top_column = st.columns([3, 2])
period = (
    period_column.segmented_control("Period", list(PERIODS), default="Last 12 weeks", key="themes__period")
    or "Last 12 weeks"
)
top = top_column.slider("Themes shown", 3, 20, 8, key="themes__top")
weeks = PERIODS[period]
report = load_theme_report(version, weeks, top)

if report.summary.is_empty():
    render_empty_state(
        "No themed feedback in this period.", "Pick a longer period, or run `pulse themes update`."
    )
    st.stop()

st.subheader("Top themes")
st.dataframe(
    report.summary.select(
        "theme",
        "volume",
        (pl.col("share") * 100).round(1).alias("share"),
        (pl.col("trend") * 100).round(1).alias("trend"),
        pl.col("mean_sentiment").round(2),
        (pl.col("impersonal_share") * 100).round(0).alias("impersonal"),
        "rising",
        pl.col("keywords").list.join(", "),
    ),
    hide_index=True,
    width="stretch",
    column_config={
        "theme": "Theme",
        "volume": "Items",
        "share": st.column_config.NumberColumn("Share", format="%.1f%%"),
        "trend": st.column_config.NumberColumn("Trend (4 weeks)", format="%+.1f pts"),
        "mean_sentiment": st.column_config.NumberColumn("Sentiment", format="%+.2f"),
        "impersonal": st.column_config.NumberColumn("Impersonal", format="%.0f%%"),
        "rising": "Rising",
        "keywords": "Keywords",
    },
)
rising = report.summary.filter(pl.col("rising"))["theme"].to_list()
st.caption(
    ("Rising this week: " + ", ".join(rising) + ". " if rising else "No theme is rising this week. ")
    + "Rising: a share above the four weeks before (one-sided test, p < 0.05, at least 5 items)."
)

st.subheader("Week by week")
st.plotly_chart(
    theme_trend_figure(report.weekly, report.summary["theme_id"].head(5).to_list(), load_rollouts(version)),
    width="stretch",
    key="themes__trend",
)

st.subheader("After each rollout")
if report.rollouts.is_empty():
    render_empty_state(
        "No rollout with feedback on both sides in this period.", "Tag rollouts on the Rollouts page."
    )
else:
    st.dataframe(
        report.rollouts.select(
            "rollout",
            "started_on",
            "theme",
            pl.concat_str(
                pl.col("share_before").map_elements(percent, return_dtype=pl.String),
                pl.lit(" → "),
                pl.col("share_after").map_elements(percent, return_dtype=pl.String),
            ).alias("share"),
            pl.col("change").map_elements(lambda v: percent(v, signed=True), return_dtype=pl.String),
            pl.concat_str(
                pl.col("change_low").map_elements(lambda v: percent(v, signed=True), return_dtype=pl.String),
                pl.lit(" to "),
                pl.col("change_high").map_elements(lambda v: percent(v, signed=True), return_dtype=pl.String),
            ).alias("interval"),
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "rollout": "Rollout",
            "started_on": st.column_config.DateColumn("Started", format="D MMM YYYY"),
            "theme": "Theme",
            "share": "Share, 4 weeks before → after",
            "change": "Change",
            "interval": "95% interval",
        },
    )

st.subheader("What they said")
for row in report.summary.iter_rows(named=True):
    with st.expander(f"{row['theme']} · {row['volume']} items · sentiment {signed(row['mean_sentiment'])}"):
        for quote in row["quotes"]:
            render_quote(quote, "close to the theme's centre; emails, phone numbers and @handles removed")

st.subheader("Download for a staff meeting")
downloads = st.columns(3)
for column, (format_name, mime) in zip(
    downloads, [("pdf", "application/pdf"), ("md", "text/markdown"), ("csv", "text/csv")], strict=True
):
    column.download_button(
        f"Download {format_name.upper()}",
        data=partial(load_theme_export, version, format_name, weeks),  # built on a click, not on each run
        file_name=f"themes.{format_name}",
        mime=mime,
        key=f"themes__download_{format_name}",
    )

if not allowed("editor"):
    st.stop()

st.subheader("Edit themes")
st.caption("Names, merges and hidden themes are kept when the themes are refitted.")
names = {row["id"]: f"{row['custom_name'] or row['label']} ({row['size']})" for row in topics.to_dicts()}
chosen = st.selectbox("Theme", list(names), format_func=names.__getitem__, key="themes__edit_theme")
current = topics.filter(pl.col("id") == chosen).row(0, named=True)
rename_column, merge_column = st.columns(2)
new_name = rename_column.text_input("New name", value=current["custom_name"] or "", key="themes__new_name")
targets = [topic_id for topic_id in names if topic_id != chosen]
into = merge_column.selectbox("Merge into", targets, format_func=names.__getitem__, key="themes__merge_into")
actions = st.columns(4)
try:
    if actions[0].button("Rename", key="themes__rename"):
        rename_topic(get_engine(), chosen, new_name)
        st.rerun()
    if actions[1].button("Merge", key="themes__merge"):
        merge_topic(get_engine(), chosen, into)
        st.rerun()
    hidden = bool(current["hidden"])
    if actions[2].button("Show" if hidden else "Hide", key="themes__hide"):
        hide_topic(get_engine(), chosen, hidden=not hidden)
        st.rerun()
    if current["merged_into"] and actions[3].button("Undo merge", key="themes__unmerge"):
        merge_topic(get_engine(), chosen, None)
        st.rerun()
except PulseError as error:
    render_error(error)
