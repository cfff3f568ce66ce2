"""Themes: what customers talk about, under the library's headings, which themes are rising, what changed after
each rollout, and new themes the library does not cover; the owner renames, merges and hides themes here, takes
a new theme into the library, and downloads the handout for a staff meeting. The sidebar's filters apply."""

from __future__ import annotations

from functools import partial

import polars as pl
import streamlit as st

from dashboard.auth import allowed, require_role
from dashboard.charts import theme_trend_figure
from dashboard.components import render_empty_state, render_flash, render_quote
from dashboard.data import (
    data_version,
    get_settings,
    load_rollouts,
    load_staff_themes,
    load_theme_export,
    load_theme_report,
    load_topics,
)
from dashboard.filters import current_filters
from dashboard.formatting import describe_filters
from dashboard.theme_editor import render_new_themes, render_theme_editor
from pulse.formatting import format_moment, plural
from pulse.plain_text import markdown_literal
from reports.handout import percent, signed

PERIODS = {"Last 12 weeks": 12, "Last 26 weeks": 26, "Everything": None}
THEME_COLUMN = st.column_config.TextColumn(
    "Theme", width="large", help="A long name is cut short here: double-click it to read it all."
)
QUOTE_NOTE = "close to the theme's centre; emails, phone numbers and @handles removed"
SHORTENED_NOTE = "; shortened: search the Explorer for its first words to read it all"

require_role("viewer")  # staff accounts only add observations
version = data_version()
st.title("Themes")
st.caption(
    "What customers talk about, sentence by sentence: the themes of your theme library, and new ones found "
    "in what the library does not cover."
    + (f" Filtered: {described}." if (described := describe_filters(current_filters())) else "")
)
render_flash()
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
top = top_column.slider("Themes shown", 3, 25, 10, key="themes__top")
weeks = PERIODS[period]
filters = current_filters()
report = load_theme_report(version, weeks, top, filters)

if report.summary.is_empty():
    render_empty_state(
        "No themed feedback in this period.", "Pick a longer period, or run `pulse themes update`."
    )
    st.stop()

st.subheader("Top themes")
st.dataframe(
    report.summary.select(
        pl.col("heading").fill_null("New themes"),
        "theme",
        "volume",
        (pl.col("share") * 100).round(1).alias("share"),
        (pl.col("trend") * 100).round(1).alias("trend"),
        pl.col("mean_sentiment").round(2),
        pl.col("nps_with").round(0),
        pl.col("nps_without").round(0),
        (pl.col("impersonal_share") * 100).round(0).alias("impersonal"),
        "rising",
        "falling",
    ),
    hide_index=True,
    width="stretch",
    column_config={
        "heading": "Heading",
        "theme": THEME_COLUMN,
        "volume": "Comments",
        "share": st.column_config.NumberColumn("Share", format="%.1f%%"),
        "trend": st.column_config.NumberColumn("Trend (4 weeks)", format="%+.1f pts"),
        "mean_sentiment": st.column_config.NumberColumn(
            "Sentiment", format="%+.2f", help="Of the sentences that mention the theme (-1 to +1)."
        ),
        "nps_with": st.column_config.NumberColumn("NPS when mentioned", format="%+.0f"),
        "nps_without": st.column_config.NumberColumn("NPS otherwise", format="%+.0f"),
        "impersonal": st.column_config.NumberColumn("Impersonal", format="%.0f%%"),
        "rising": "Rising",
        "falling": "Falling",
    },
)
rising = [markdown_literal(name) for name in report.summary.filter(pl.col("rising"))["theme"]]
falling = [markdown_literal(name) for name in report.summary.filter(pl.col("falling"))["theme"]]
st.caption(
    ("Rising this week: " + ", ".join(rising) + ". " if rising else "No theme is rising this week. ")
    + ("Falling: " + ", ".join(falling) + ". " if falling else "")
    + "Rising or falling: a share above or below the four weeks before (one-sided test, p < 0.05, at least 5 items)."
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
            "theme": THEME_COLUMN,
            "share": "Share, 4 weeks before → after",
            "change": "Change",
            "interval": "95% range",
        },
    )

st.subheader("What they said")
for row in report.summary.iter_rows(named=True):
    with st.expander(  # the full name: an expander's label wraps
        f"{markdown_literal(row['theme'])} · {plural(row['volume'], 'comment')} · sentiment "
        f"{signed(row['mean_sentiment'])}"
    ):
        for quote in row["quotes"]:  # cut at a word by analysis.quotes.shorten, with an ellipsis
            render_quote(quote, QUOTE_NOTE + (SHORTENED_NOTE if quote.endswith("…") else ""))

st.subheader("Staff hear it too")
staff = load_staff_themes(version, weeks, top, filters)
if not staff["staff"].sum():
    render_empty_state(
        "No staff observation in this period mentions these themes.",
        "Staff write what customers said or did on the Observations page.",
    )
else:
    st.caption(
        "Staff observations that mention each theme (as Pulse themed them, or as the staff member tagged them), "
        "beside the customers' comments. They are never counted in the customers' figures."
    )
    st.dataframe(
        staff.select("theme", "customers", "staff"),
        hide_index=True,
        width="stretch",
        column_config={
            "theme": THEME_COLUMN,
            "customers": "Customers' comments",
            "staff": "Staff observations",
        },
    )
    named = allowed("editor")  # who reported an observation: editors and admins only
    timezone = get_settings().timezone
    for row in staff.filter(pl.col("staff") > 0).iter_rows(named=True):
        with st.expander(
            f"Staff on {markdown_literal(row['theme'])} · {plural(row['staff'], 'observation')}"
        ):
            for quote, who, when in zip(row["quotes"], row["reported_by"], row["quoted_at"], strict=True):
                render_quote(
                    quote,
                    f"{markdown_literal(who) if named else 'A member of staff'} · {format_moment(when, timezone)}",
                )

st.subheader("Download for a staff meeting")
downloads = st.columns(3)
for column, (format_name, mime) in zip(
    downloads, [("pdf", "application/pdf"), ("md", "text/markdown"), ("csv", "text/csv")], strict=True
):
    column.download_button(
        f"Download {format_name.upper()}",
        data=partial(load_theme_export, version, format_name, weeks, top, filters),  # built on a click
        file_name=f"themes.{format_name}",
        mime=mime,
        key=f"themes__download_{format_name}",
    )

if not allowed("editor"):
    st.stop()

render_new_themes(topics, report.summary)
render_theme_editor(topics)
