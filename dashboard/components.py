"""Small render_* helpers shared by the pages."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import streamlit as st

from dashboard.kpis import Kpi
from pulse.errors import PulseError
from pulse.plain_text import markdown_literal

KPI_WIDTH = 170  # px: whole labels, and two cards to a row on a phone (390 px)


def render_kpi_row(kpis: Sequence[Kpi]) -> None:
    """The cards side by side, wrapping onto more rows where the page is narrow."""
    with st.container(horizontal=True, gap="small"):
        for kpi in kpis:
            st.metric(
                kpi.label,
                kpi.value,
                kpi.delta,
                delta_color="off" if not kpi.clear else "inverse" if kpi.lower_is_better else "normal",
                help=kpi.help,
                border=True,
                width=KPI_WIDTH,
            )


def render_empty_state(message: str, what_to_do: str) -> None:
    st.info(f"{message}\n\n{what_to_do}", icon=":material/info:")


def render_no_feedback(store_is_empty: bool) -> None:
    """What to do when there is nothing to show: load feedback, or widen the sidebar's filters."""
    if store_is_empty:
        render_empty_state(
            "No feedback in the store yet.",
            "Load the demo with `pulse demo`, then score it with `pulse analyze`.",
        )
    else:
        render_empty_state(
            "No feedback matches the filters.",
            "Widen the dates, or choose all sources, channels and locations, in the sidebar.",
        )


def render_error(error: PulseError) -> None:
    """The error's message as plain text (it may quote what a user typed), its hint as Markdown."""
    st.error(markdown_literal(error.message), icon=":material/error:")
    if error.hint:
        st.info(error.hint, icon=":material/lightbulb:")


FOLLOW_UP_PAGE = "app_pages/follow_up.py"


def render_quote(text: str, caption: str, case_id: int | None = None) -> None:
    """Customer text shown as plain text, never as Markdown or HTML; with a link to its follow-up case when
    it has one."""
    with st.container(border=True):
        st.text(text)
        st.caption(caption)
        if case_id is not None:
            st.page_link(
                FOLLOW_UP_PAGE,
                label=f"Follow-up case {case_id}",
                icon=":material/support_agent:",
                query_params={"case": str(case_id)},
            )


FLASH_KEY = "components__flash"  # a message for the next run: st.rerun() would wipe one shown now


def flash(message: str) -> None:
    """Show `message` (Markdown: pass what a user typed through markdown_literal) on the page's next run
    (call just before st.rerun())."""
    st.session_state[FLASH_KEY] = message


def render_flash() -> None:
    """The message that the run before this one left with flash(), once."""
    if message := st.session_state.pop(FLASH_KEY, None):
        st.success(message, icon=":material/check_circle:")


def pick_by_id(label: str, labels: Mapping[int, str], key: str, placeholder: str) -> int | None:
    """A select box of items by id (`labels`: id -> what it shows) that keeps the chosen item, by its id, when
    labels change (a rename, here or in another session); None until one is chosen.

    Streamlit's browser side sends back the label it shows, and a label it cannot find any more makes the box
    fall back to its default: after a rename, the next click would switch to the first item. So the box's key
    carries a digest of its labels: new labels make a new box, which starts on the item chosen before. Equal
    labels get the item's id added, so that each stands for one item."""
    counts: dict[str, int] = {}
    for text in labels.values():
        counts[text] = counts.get(text, 0) + 1
    shown = {item: text if counts[text] == 1 else f"{text} · #{item}" for item, text in labels.items()}
    digest = hashlib.sha256("\n".join(f"{item}\t{text}" for item, text in shown.items()).encode()).hexdigest()
    chosen_key = f"{key}__chosen"
    chosen = st.session_state.get(chosen_key)
    ids = list(shown)
    picked = st.selectbox(
        label,
        ids,
        index=ids.index(chosen) if chosen in shown else None,
        format_func=shown.__getitem__,
        key=f"{key}__{digest[:12]}",
        placeholder=placeholder,
    )
    st.session_state[chosen_key] = picked
    return picked
