"""Small render_* helpers shared by the pages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st

from pulse.errors import PulseError


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    delta: str | None = None
    lower_is_better: bool = False
    help: str | None = None


def render_kpi_row(kpis: Sequence[Kpi]) -> None:
    for column, kpi in zip(st.columns(len(kpis)), kpis, strict=True):
        column.metric(
            kpi.label,
            kpi.value,
            kpi.delta,
            delta_color="inverse" if kpi.lower_is_better else "normal",
            help=kpi.help,
            border=True,
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
    st.error(error.message, icon=":material/error:")
    if error.hint:
        st.info(error.hint, icon=":material/lightbulb:")


def render_quote(text: str, caption: str) -> None:
    """Customer text shown as plain text, never as Markdown or HTML."""
    with st.container(border=True):
        st.text(text)
        st.caption(caption)


FLASH_KEY = "components__flash"  # a message for the next run: st.rerun() would wipe one shown now


def flash(message: str) -> None:
    """Show `message` on the page's next run (call just before st.rerun())."""
    st.session_state[FLASH_KEY] = message


def render_flash() -> None:
    """The message that the run before this one left with flash(), once."""
    if message := st.session_state.pop(FLASH_KEY, None):
        st.success(message, icon=":material/check_circle:")
