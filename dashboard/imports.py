"""The Sources page's file import: preview with the detected mapping, let the user fix it and pick the source
(the one that holds the same survey, whatever the file is called, or a new one), import with progress, then
score and theme the new feedback in the background (dashboard.analysis_job) with its progress on the page.

The reading and importing are the collectors' own (`collectors.surveys`, `collectors.reviews`); this module only
shows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from itertools import cycle
from typing import Any

import streamlit as st

from collectors.base import CollectResult, run_collector
from collectors.reviews import ReviewFileCollector
from collectors.reviews.presets import FIELD_LABELS as REVIEW_LABELS
from collectors.surveys import (
    FIELD_LABELS,
    FIELDS,
    PREVIEW_LABELS,
    SurveyFileCollector,
    SurveyPlan,
    detect_mapping,
)
from collectors.surveys.plan import check_importable, contact_note
from collectors.surveys.sources import assign_source, choose_survey_source, survey_source_options
from dashboard.analysis_job import AnalysisJob, start_analysis, store_job
from dashboard.components import render_error
from dashboard.data import count_survey_rows, current_workspace, get_engine, get_settings
from pulse.formatting import EMPTY, NOT_SCORED, format_moment, plural
from pulse.plain_text import markdown_literal
from pulse.uploads import saved_upload

NOT_USED = "(not used)"
NEW_SOURCE = "A new source…"
PREVIEW_ROWS = 10
JOB_KEY = "sources__analysis"  # the scoring job this session started or saw running
POLL_SECONDS = 1.0


def render_survey_import(file_name: str, data: bytes) -> None:
    timezone = get_settings().timezone
    plan = detect_mapping(data, file_name, timezone=timezone)
    st.caption(f"Detected format: {plan.preset or 'a generic export'}. Check the columns Pulse will use:")
    overrides: dict[str, str] = {}
    for column, field_name in zip(cycle(st.columns(3)), FIELDS):
        options = [NOT_USED, *plan.columns]
        detected = plan.mapping.get(field_name, NOT_USED)
        chosen = column.selectbox(
            FIELD_LABELS[field_name], options, index=options.index(detected), key=f"sources__map_{field_name}"
        )
        if chosen != detected:
            overrides[field_name] = "" if chosen == NOT_USED else chosen
    if overrides:
        plan = detect_mapping(data, file_name, mapping_overrides=overrides, timezone=timezone)
    contacts = contact_note(plan, get_settings().contact_key is not None)  # kept encrypted, or why not
    for note in [*plan.notes, *([contacts] if contacts else [])]:
        st.info(note, icon=":material/info:")
    preview = plan.preview(PREVIEW_ROWS)
    shown = {
        name: label
        for name, label in PREVIEW_LABELS.items()
        if name in plan.mapping or any(name in row and "rejected" in row for row in preview)
    }  # the fields read, and a rejected row's line, reason and cells when there is one
    _render_preview(preview, shown, count_survey_rows(data, file_name, timezone))
    source_name = _pick_source(plan, file_name)
    if st.button("Import", type="primary", key="sources__import_survey"):
        with saved_upload(data, file_name) as path:  # deleted when the import ends, finished or failed
            collector = SurveyFileCollector(
                path, None, overrides or None, timezone=timezone, contact_key=get_settings().contact_key
            )
            check_importable(collector.plan)
            choice = choose_survey_source(get_engine(), collector.plan, file_name, source_name)
            for warning in choice.warnings:
                st.warning(warning, icon=":material/warning:")
            assign_source(collector, choice)
            result = _import_with_progress(collector, collector.plan.data_rows or 0)
        _render_result(result, [(r.line, r.reason) for r in collector.first_rejects], choice.name)


def _pick_source(plan: SurveyPlan, file_name: str) -> str:
    """The source to import into: the one holding this survey by default, another survey source, or a new one
    named by the user."""
    options = survey_source_options(get_engine(), plan, file_name)
    names = [*options.recognised, *options.others, NEW_SOURCE]
    recognised = set(options.recognised)
    picked = st.selectbox(
        "Import into",
        names,
        index=0 if options.recognised else len(names) - 1,
        format_func=lambda name: f"{name} (this survey)" if name in recognised else name,
        key="sources__target",
        help="Pulse recognises a survey by its form id or its columns, whatever the file is called; answers "
        "already in the source are not added again.",
    )
    if len(options.recognised) > 1:
        st.warning(
            f"{len(options.recognised)} sources hold this survey; pick the one to import into.",
            icon=":material/warning:",
        )
    if picked != NEW_SOURCE:
        return str(picked)
    return st.text_input("Name of the new source", value=options.new_name, key="sources__new_source").strip()


def render_review_import(file_name: str, data: bytes) -> None:
    with saved_upload(data, file_name) as path:  # opened here: the import reads the file opened then
        collector = ReviewFileCollector(path, timezone=get_settings().timezone)
        read = collector.read()
    st.caption(
        f"Detected format: {read.preset}. Columns used: "
        + ", ".join(f"{REVIEW_LABELS[f]} ← {markdown_literal(c)}" for f, c in read.mapping.items())
    )
    for note in read.notes:
        st.info(note, icon=":material/info:")
    preview = [{"date": r.created_at, "stars": r.stars, "text": r.text} for r in read.records[:PREVIEW_ROWS]]
    _render_preview(preview, {name: REVIEW_LABELS[name] for name in ("date", "stars", "text")}, read.rows)
    if st.button("Import", type="primary", key="sources__import_reviews"):
        result = _import_with_progress(collector, read.rows)
        _render_result(
            result, [(r.line, r.reason) for r in collector.first_rejects], collector.source(read).name
        )


def _render_preview(rows: list[dict[str, Any]], columns: Mapping[str, str], total: int) -> None:
    """The first rows as they will be imported, under `columns` (field -> its name in words), and how many of
    the file's `total` rows they are."""
    timezone = get_settings().timezone
    st.caption(
        f"The first {len(rows):,} of {total:,} rows, as Pulse will read them:"
        if len(rows) < total
        else f"The file's {plural(total, 'row')}, as Pulse will read them:"
    )
    shown = [{label: _cell(row.get(name), timezone) for name, label in columns.items()} for row in rows]
    st.dataframe(shown, hide_index=True, width="stretch", placeholder=EMPTY)


def _cell(value: object, timezone: str) -> str:
    """A preview cell as people read it: a time in the business's time zone (a date-only answer as its date),
    nothing as a dash."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, datetime):
        return format_moment(value, timezone)
    return str(value)


def _import_with_progress(collector: SurveyFileCollector | ReviewFileCollector, total: int) -> CollectResult:
    bar = st.progress(0.0, text="Importing…")
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        bar.progress(min(done / total, 1.0) if total else 1.0, text=f"Importing… {done:,} of {total:,} rows")

    result = run_collector(get_engine(), collector, advance)
    bar.progress(1.0, text="Imported")
    return result


def _contacts_kept(result: CollectResult) -> str:
    return (
        f"; contact details kept, encrypted, for {plural(result.contacts, 'respondent')}"
        if result.contacts
        else ""
    )


def _render_result(result: CollectResult, first_rejects: list[tuple[int | None, str]], source: str) -> None:
    st.success(
        f"Import finished into {source!r}: {result.new:,} new, {result.duplicate:,} already there, "
        f"{result.rejected:,} rejected{_contacts_kept(result)}.",
        icon=":material/check:",
    )
    if first_rejects:
        _render_rejects(first_rejects)
    if result.new:
        st.session_state[JOB_KEY] = start_analysis(get_engine(), get_settings(), current_workspace())
        st.info(
            f"Pulse is scoring the new comments now (sentiment, impersonal complaints) and giving them their "
            f"themes, in the background: this page stays usable, and the progress shows below. Until it ends "
            f"they read “{NOT_SCORED}” in the Explorer.",
            icon=":material/hourglass_top:",
        )


def _render_rejects(first_rejects: list[tuple[int | None, str]]) -> None:
    st.warning("Some rows were not imported; they are kept in the store with their reason:")
    st.dataframe(
        [{"line": line, "reason": reason} for line, reason in first_rejects],
        width="stretch",
        placeholder=EMPTY,
    )


def render_analysis() -> None:
    """The scoring of new feedback (dashboard.analysis_job) that this session started, or that runs on the
    store now: its progress while it runs (polled), then how it ended."""
    running = store_job(get_settings(), current_workspace())
    if running is not None and running.running:
        st.session_state[JOB_KEY] = running
    job: AnalysisJob | None = st.session_state.get(JOB_KEY)
    if job is None:
        return
    if job.running:
        _render_running(job)
    else:
        _render_job(job)


@st.fragment(run_every=POLL_SECONDS)
def _render_running(job: AnalysisJob) -> None:
    if not job.running:
        st.rerun()  # the whole page, whose tables then show the new runs
    _render_job(job)


def _render_job(job: AnalysisJob) -> None:
    if job.running:  # no `with`: leaving it would mark the status complete
        counted = f" {job.done:,} of {job.total:,}" if job.total else ""
        status = st.status(f"{job.step}…{counted}", state="running", expanded=True)
        status.progress(job.done / job.total if job.total else 0.0)
        status.caption(f"Until this ends, the new comments read “{NOT_SCORED}”.")
    elif job.error is not None:
        with st.status("The new feedback is not scored yet", state="error", expanded=True):
            render_error(job.error)
            st.caption(f"Its comments read “{NOT_SCORED}” until `pulse analyze` scores them.")
    else:
        with st.status(_ended(job), state="complete", expanded=False):
            st.write(_themes_said(job))
            st.caption("The Pulse, Trends, Themes and Explorer pages count them now.")


def _ended(job: AnalysisJob) -> str:
    if not job.scored:
        return "Nothing to score: the new answers have no comment."
    return f"Scored {plural(job.scored, 'comment')} and gave them their themes."


def _themes_said(job: AnalysisJob) -> str:
    themes = job.themes
    if themes is None:
        return "No themes were given: there was nothing to theme."
    if themes.action == "fit":
        return (
            f"Themes fitted ({themes.reason}): {themes.topics} themes on {plural(themes.themed, 'comment')}."
        )
    return f"{plural(themes.themed, 'comment')} given one of the {themes.topics} current themes."
