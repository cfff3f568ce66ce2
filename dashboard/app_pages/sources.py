"""Sources: where feedback comes from, how the last runs went, and what was rejected."""

from __future__ import annotations

import polars as pl
import streamlit as st

from collectors.configured import run_collectors
from dashboard.auth import allowed, require_role
from dashboard.components import render_empty_state, render_error
from dashboard.data import (
    data_version,
    get_engine,
    get_live_sources,
    get_settings,
    load_rejected,
    load_runs,
    load_sources,
)
from dashboard.formatting import format_counts
from dashboard.imports import render_analysis, render_review_import, render_survey_import
from pulse.errors import PulseError
from pulse.formatting import EMPTY

require_role("viewer")  # staff accounts only add observations
st.title("Sources")
st.caption("Where feedback comes from: survey exports, review sites and social mentions.")
st.subheader("Import a file")
if not allowed("editor"):
    st.info("An editor or admin imports files.")
else:
    kind = st.segmented_control(
        "The file holds", ["Survey answers", "Reviews"], default="Survey answers", key="sources__kind"
    )
    upload = st.file_uploader(
        "A survey or review export (CSV, XLSX or JSON)",
        type=["csv", "tsv", "txt", "xlsx", "json", "jsonl", "ndjson"],
        key="sources__upload",
    )
    if upload is not None:
        try:
            if kind == "Reviews":
                render_review_import(upload.name, upload.getvalue())
            else:
                render_survey_import(upload.name, upload.getvalue())
        except PulseError as error:
            render_error(error)
    render_analysis()  # after an import: its new feedback scored in the background, with its progress

st.subheader("Collect now")
available = get_live_sources()
if not allowed("admin"):
    st.info("An admin runs the live sources.")
elif not available:
    render_empty_state(
        "No live source is configured.",
        "Set the App Store, Google Places or Reddit settings (see the README's Sources section), then restart.",
    )
else:
    chosen = st.multiselect("Live sources", list(available), default=list(available), key="sources__collect")
    if st.button("Collect now", key="sources__collect_now", disabled=not chosen):
        with st.status("Collecting…", expanded=True) as status:
            items_read: dict[str, int] = {}

            def show_progress(name: str, count: int) -> None:
                items_read[name] = items_read.get(name, 0) + count
                status.update(label=f"Collecting {name}: {items_read[name]:,} items read…")

            outcomes = run_collectors(get_engine(), [available[name] for name in chosen], show_progress)
            for outcome in outcomes:
                if outcome.error is not None:
                    render_error(outcome.error)
                elif outcome.result is not None:
                    st.write(f"{outcome.name}: {format_counts(outcome.result.as_dict()) or 'nothing new'}")
            failed = [outcome.name for outcome in outcomes if outcome.error is not None]
            status.update(
                label=f"Collected; {len(failed)} source(s) failed" if failed else "Collected",
                state="error" if failed else "complete",
            )

version = data_version()  # after any collection above, so the tables below show it
timezone = get_settings().timezone  # times are shown in the business's time zone

st.subheader("Sources")
sources = load_sources(version)
if sources.is_empty():
    render_empty_state("No sources yet.", "Import a file below, run `pulse import FILE`, or `pulse demo`.")
else:
    st.dataframe(
        sources.with_columns(pl.col("last_new_item").dt.convert_time_zone(timezone)),
        hide_index=True,
        width="stretch",
        placeholder=EMPTY,
        column_config={
            "name": "Source",
            "kind": "Kind",
            "platform": "Platform",
            "feedback": "Items",
            "rejected": "Rejected rows",
            "last_new_item": st.column_config.DatetimeColumn("Last new item", format="D MMM YYYY, HH:mm"),
        },
    )

runs = load_runs(version)
if not runs.is_empty():
    st.subheader("Recent runs")
    shown = runs.select(
        "name",
        "kind",
        "status",
        pl.col("started_at").dt.convert_time_zone(timezone),
        ((pl.col("finished_at") - pl.col("started_at")).dt.total_milliseconds() / 1000).alias("seconds"),
        pl.col("counts").map_elements(format_counts, return_dtype=pl.String),
        "message",
    )
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        placeholder=EMPTY,
        column_config={
            "name": "Run",
            "kind": "Kind",
            "status": "Status",
            "started_at": st.column_config.DatetimeColumn("Started", format="D MMM YYYY, HH:mm"),
            "seconds": st.column_config.NumberColumn("Took (s)", format="%.1f"),
            "counts": "Counts",
            "message": "Error",
        },
    )

rejected = load_rejected(version)
st.subheader("Rejected rows")
if rejected.is_empty():
    st.success("Every input row so far was imported.", icon=":material/check_circle:")
else:
    st.caption(f"The newest {rejected.height} rows that could not be imported, kept with their reason.")
    st.dataframe(
        rejected.select("source", "origin", "line", "reason", "raw"),
        hide_index=True,
        width="stretch",
        placeholder=EMPTY,
        column_config={"origin": "File or endpoint", "raw": st.column_config.TextColumn("Row as read")},
    )
