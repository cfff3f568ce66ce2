"""Explorer: every feedback item, searchable and filterable, with its scores and cues; editors correct labels."""

from __future__ import annotations

from datetime import datetime
from functools import partial

import polars as pl
import streamlit as st

from analysis.filters import utc_bounds
from analysis.impersonal_threshold import unsure_band
from analysis.personal_data import redact_expr
from analysis.quotes import shorten
from dashboard.auth import allowed, require_role, tagged_by
from dashboard.components import flash, render_empty_state, render_error, render_flash
from dashboard.data import data_version, get_engine, get_settings, load_feedback_page
from dashboard.filters import current_filters
from dashboard.formatting import describe_filters
from dashboard.rollout_editor import judge_rollouts
from pulse.errors import PulseError
from pulse.formatting import EMPTY, format_moment, plural, sentiment_shown_expr
from pulse.tables import table_bytes
from store.explorer import CORRECTABLE, SENTIMENTS, FeedbackQuery, correct_label
from store.schema import CUSTOMER_KINDS, FEEDBACK_KINDS, SENTIMENT_PROBABILITY_COLUMNS

PAGE_ROWS = 100
REVIEW_ROWS = 20  # unsure items offered for a one-click label at a time
ANY = "any"
SHOWN_COLUMNS = (
    "id", "created_at", "kind", "channel", "text", "sentiment", "corrected_sentiment", "sentiment_score",
    "impersonal", "corrected_impersonal", "impersonal_cues", "nps", "csat", "stars",
)  # fmt: skip
SCORE_AT = SHOWN_COLUMNS.index("sentiment_score") + 1
DOWNLOADED_COLUMNS = (*SHOWN_COLUMNS[:SCORE_AT], *SENTIMENT_PROBABILITY_COLUMNS, *SHOWN_COLUMNS[SCORE_AT:])
LABEL_CHARS = 80  # of an item's text in the correction picker


def item_label(text: str | None, written: datetime, timezone: str) -> str:
    """An item as the correction picker names it: its text on one line, cut at a word to about LABEL_CHARS
    characters, and when it was written ('Could not reach a person… · 8 Oct 2026, 14:05')."""
    words = " ".join((text or "").split())
    return f"{shorten(words, LABEL_CHARS) if words else 'No comment'} · {format_moment(written, timezone)}"


require_role("viewer")  # staff accounts only add observations
st.title("Feedback explorer")
st.caption(
    "Every comment, review and mention, with how Pulse scored it. Correct a label where it got it wrong."
)
render_flash()
search = st.text_input("Find words in the text", key="explorer__search", placeholder="chatbot refund")
left, middle, right = st.columns(3)
kinds = left.multiselect(  # customers' kinds unless chosen: staff observations to editors who ask for them
    "Kind",
    list(FEEDBACK_KINDS if allowed("editor") else CUSTOMER_KINDS),
    key="explorer__kinds",
    help="None chosen: customers' feedback (surveys, reviews, mentions). Editors may choose staff "
    "observations too.",
)
sentiment = middle.selectbox("Sentiment", [ANY, *SENTIMENTS], key="explorer__sentiment")
impersonal_only = right.toggle("Impersonal complaints only", key="explorer__impersonal")
unsure = right.toggle(
    "Needs a look",
    key="explorer__unsure",
    help="Impersonal calls the detector is unsure of (a flag on weak evidence, or a near miss) that nobody "
    "has labelled yet: an editor confirms or rejects each in one click.",
)
page = st.number_input("Page", min_value=1, value=1, step=1, key="explorer__page")
filters = current_filters()
since, until = utc_bounds(filters, get_settings().timezone)
wanted = FeedbackQuery(
    search=search,
    kinds=tuple(kinds) or CUSTOMER_KINDS,
    sentiment=None if sentiment == ANY else sentiment,
    impersonal_only=impersonal_only,
    since=since,
    until=until,
    source=filters.source,
    channel=filters.channel,
    location=filters.location,
    unsure_impersonal=unsure_band() if unsure else None,
    limit=PAGE_ROWS,
    offset=(int(page) - 1) * PAGE_ROWS,
)
rows, total = load_feedback_page(data_version(), wanted)
if rows.is_empty() and unsure:
    render_empty_state("Nothing needs a look.", "Every unsure impersonal call here has been labelled.")
    st.stop()
if rows.is_empty():
    render_empty_state("Nothing matches.", "Clear the search or the filters, or import feedback on Sources.")
    st.stop()

described = describe_filters(filters)
st.caption(
    f"{plural(total, 'item')} {'matches' if total == 1 else 'match'}{f' ({described})' if described else ''}; "
    f"showing {wanted.offset + 1:,}–{wanted.offset + rows.height:,}, newest first."
)
shown = rows if allowed("admin") else rows.with_columns(redact_expr(pl.col("text")).alias("text"))
timezone = get_settings().timezone
shown = shown.with_columns(  # in the business's time zone; a date-only answer as its date
    pl.col("created_at").map_elements(
        lambda moment: format_moment(moment, timezone, sortable=True), return_dtype=pl.String
    )
)
st.dataframe(
    shown.select(*SHOWN_COLUMNS).with_columns(sentiment_shown_expr()),
    hide_index=True,
    width="stretch",
    row_height=70,  # three lines: a long comment wraps (a cell taller than 4rem wraps its text)
    placeholder=EMPTY,
    column_config={
        "id": "Item",
        "created_at": st.column_config.TextColumn(
            "When", help=f"In {timezone}; a date alone: a date-only answer"
        ),
        "text": st.column_config.TextColumn(
            "Text", width="large", help="A long comment wraps; double-click it to read it all."
        ),
        "sentiment_score": st.column_config.NumberColumn("Score", format="%.2f"),
        "corrected_sentiment": "Sentiment (corrected)",
        "corrected_impersonal": "Impersonal (corrected)",
        "impersonal_cues": "Cues",
    },
)
st.download_button(
    "Download this page (CSV)",
    data=partial(table_bytes, shown.select(*DOWNLOADED_COLUMNS), ".csv"),  # built on a click, not on each run
    file_name=f"feedback-page-{int(page)}.csv",
    mime="text/csv",
    key="explorer__download",
    help="The table, with each sentiment class's probability (sentiment_p_negative, _neutral, _positive) "
    "beside the score. Texts that a spreadsheet would run as a formula start with a quote ('), so they show "
    "as typed.",
)


def save(item: int, field: str, value: str) -> None:
    """Keep an editor's label, count it in every figure, and say so after the rerun."""
    try:
        correct_label(get_engine(), item, field, value, by=tagged_by())
        judge_rollouts()  # the corrected label counts in the verdicts too
        flash(f"Item {item}: {field} corrected to {value}.")
        st.rerun()
    except PulseError as error:
        render_error(error)


if unsure and allowed("editor"):
    st.subheader("Is it an impersonal-experience complaint?")
    for row in shown.head(REVIEW_ROWS).iter_rows(named=True):
        with st.container(border=True):
            cues = ", ".join(row["impersonal_cues"] or []) or "none strong enough"
            st.text(row["text"] or "")
            st.caption(
                f"Item {row['id']} · {row['created_at']} · score {row['impersonal_score']:.2f} · cues: {cues}"
            )
            yes, no = st.columns(2)
            if yes.button("Yes, impersonal", key=f"explorer__yes_{row['id']}"):
                save(int(row["id"]), "impersonal", "true")
            if no.button("No", key=f"explorer__no_{row['id']}"):
                save(int(row["id"]), "impersonal", "false")

if allowed("editor"):
    with st.form("explorer__correct"):
        st.markdown("**Correct a label**")
        labels = {
            item_id: item_label(text, written, timezone)
            for item_id, text, written in zip(rows["id"], shown["text"], rows["created_at"], strict=True)
        }
        item = st.selectbox("Item", list(labels), format_func=labels.__getitem__, key="explorer__item")
        field = st.radio("Label", list(CORRECTABLE), horizontal=True, key="explorer__field")
        value = st.selectbox(
            "Right value",
            [value for values in CORRECTABLE.values() for value in values],
            key="explorer__value",
            help="true / false: impersonal",
        )
        if st.form_submit_button("Save correction"):
            save(int(item), field, value)
