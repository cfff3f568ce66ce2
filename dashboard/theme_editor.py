"""The Themes page's editor: rename, merge and hide a theme, for editors and admins. Every widget is keyed on the
theme's id, never on its name or place in the list; every write goes to the theme of that id and says afterwards
what it wrote; an empty name box renames nothing, and a merge asks for a confirmation that names both themes."""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from analysis.themes.library import (
    ThemeLibrary,
    discovered_theme,
    library_toml,
    load_library,
    owned_file,
    save_library,
    with_theme,
)
from dashboard.components import flash, pick_by_id, render_error
from dashboard.data import get_engine, get_settings
from dashboard.rollout_editor import judge_rollouts
from pulse.errors import PulseError
from pulse.formatting import plural
from pulse.plain_text import markdown_literal
from store.topics import hide_topic, merge_topic, rename_topic


def theme_name(row: dict[str, Any]) -> str:
    """The owner's name of a theme, else its generated label."""
    return str(row["custom_name"] or row["label"])


def render_new_themes(topics: pl.DataFrame, summary: pl.DataFrame) -> None:
    """The discovered themes shown, each offered as "new theme?": name it, fold it into a library theme, hide
    it, or add it to the owner's library file (with a preset, download the library with it added)."""
    new = summary.filter(pl.col("new"))
    if new.is_empty():
        return
    st.subheader("New themes?")
    st.caption(
        "Found in what your theme library does not cover. Name one to keep it, fold it into a library theme, "
        "or hide it; to match it like the library's own themes from now on, add it to your library file."
    )
    library = load_library(get_settings().theme_library)
    by_id = {row["id"]: row for row in topics.iter_rows(named=True)}
    library_themes = {theme_id: theme_name(row) for theme_id, row in by_id.items() if row["heading"]}
    for row in new.iter_rows(named=True):
        theme_id = row["theme_id"]
        with st.expander(f"{markdown_literal(row['theme'])} · {plural(row['volume'], 'comment')}"):
            try:
                render_keep(by_id[theme_id])
                into = st.selectbox(
                    "Fold into",
                    list(library_themes),
                    format_func=lambda key: markdown_literal(library_themes[key]),
                    index=None,
                    key=f"themes__fold_{theme_id}",
                    placeholder="A library theme",
                )
                if into is not None and st.button("Fold in", key=f"themes__fold_button_{theme_id}"):
                    merge_topic(get_engine(), theme_id, into)
                    flash(
                        f"'{markdown_literal(row['theme'])}' now counts as '{markdown_literal(library_themes[into])}'."
                    )
                    rerun_judged()
            except PulseError as error:
                render_error(error)
            added = with_theme(
                library, discovered_theme(library, row["theme"], row["keywords"], row["quotes"])
            )
            render_add_to_library(added, row["theme"], theme_id)


def render_add_to_library(added: ThemeLibrary, name: str, theme_id: int) -> None:
    """Add a new theme to the owner's own library file (PULSE_THEME_LIBRARY names a file); with a preset, offer
    the library with the theme added as a download to save as that file."""
    own_file = owned_file(added)
    if own_file is None:
        st.download_button(
            "Download the library with this theme",
            data=library_toml(added),
            file_name="theme-library.toml",
            mime="application/toml",
            key=f"themes__library_{theme_id}",
            help="Save it and set PULSE_THEME_LIBRARY to its path: then this page adds themes to it directly.",
        )
        return
    if st.button(f"Add to the library ({own_file.name})", key=f"themes__library_{theme_id}"):
        try:
            save_library(added, own_file)
        except PulseError as error:
            render_error(error)
            return
        flash(
            f"Added '{markdown_literal(name)}' to {markdown_literal(own_file.name)}: the next `pulse themes "
            "update` refits with it."
        )
        st.rerun()


def rerun_judged() -> None:
    """After a change to the themes: the rollouts judged again (their verdicts name the themes an NPS change
    comes from), then the page again."""
    judge_rollouts()
    st.rerun()


def render_keep(current: dict[str, Any]) -> None:
    """A name box and a Keep button for a new theme: keeps it under that name (across refits)."""
    theme_id = current["id"]
    typed = st.text_input(
        "Name it", value=theme_name(current), key=f"themes__keep_name_{theme_id}", max_chars=200
    )
    if st.button("Keep with this name", key=f"themes__keep_{theme_id}") and typed.strip():
        stored = rename_topic(get_engine(), theme_id, typed)
        flash(f"Kept the new theme as '{markdown_literal(stored or '')}' (id {theme_id}).")
        rerun_judged()


def render_theme_editor(topics: pl.DataFrame) -> None:
    """Pick a theme by its id, then rename, merge, hide or show it."""
    st.subheader("Edit themes")
    st.caption("Names, merges and hidden themes are kept when the themes are refitted.")
    by_id = {row["id"]: row for row in topics.iter_rows(named=True)}
    labels = {theme_id: f"{theme_name(row)} ({row['size']})" for theme_id, row in by_id.items()}
    chosen = pick_by_id("Theme", labels, key="themes__edit_theme", placeholder="Choose a theme to edit")
    if chosen is None:
        return
    current = by_id[chosen]
    rename_column, merge_column = st.columns(2)
    try:
        with rename_column:
            render_rename(current)
        with merge_column:
            render_merge(current, by_id, {key: label for key, label in labels.items() if key != chosen})
        render_hide(current, by_id)
    except PulseError as error:
        render_error(error)


def render_rename(current: dict[str, Any]) -> None:
    """A name box that starts with the theme's name (its own box for each theme) and a Rename button; an empty
    box is refused. Where the owner named it, a button gives it back its generated label."""
    theme_id, name = current["id"], theme_name(current)
    box = f"themes__new_name_{theme_id}"
    typed = st.text_input("New name", value=name, key=box, max_chars=200)
    if st.button("Rename", key=f"themes__rename_{theme_id}"):
        new_name = typed.strip()
        if not new_name:
            st.warning(
                f"Type the new name first: an empty box renames nothing, so '{markdown_literal(name)}' keeps "
                "its name.",
                icon=":material/warning:",
            )
        elif new_name == current["custom_name"]:
            st.info(f"'{markdown_literal(name)}' already has that name.", icon=":material/info:")
        else:
            stored = rename_topic(get_engine(), theme_id, new_name)
            st.session_state.pop(box, None)  # the box starts again from the name stored
            flash(
                f"Renamed theme '{markdown_literal(name)}' (id {theme_id}) to '{markdown_literal(stored or '')}'."
            )
            rerun_judged()
    if current["custom_name"] and st.button(
        "Use the generated name",
        key=f"themes__reset_name_{theme_id}",
        help=f"Back to: {markdown_literal(current['label'])}",
    ):
        rename_topic(get_engine(), theme_id, None)
        st.session_state.pop(box, None)
        label = markdown_literal(current["label"])
        flash(f"Theme '{markdown_literal(name)}' (id {theme_id}) has its generated name again: '{label}'.")
        rerun_judged()


def render_merge(current: dict[str, Any], by_id: dict[int, dict[str, Any]], targets: dict[int, str]) -> None:
    """Pick the theme to merge this one into, confirm with a box that names both, then merge."""
    theme_id, name = current["id"], theme_name(current)
    into = pick_by_id(
        "Merge into",
        targets,
        key=f"themes__merge_into_{theme_id}",
        placeholder="Choose a theme to merge into",
    )
    if into is None:
        return
    into_name = theme_name(by_id[into])
    confirm = f"themes__confirm_merge_{theme_id}_{into}"
    confirmed = st.checkbox(
        f"Yes, merge '{markdown_literal(name)}' into '{markdown_literal(into_name)}'", key=confirm
    )
    if not st.button("Merge", key=f"themes__merge_{theme_id}"):
        return
    if not confirmed:
        st.warning("Tick the box to confirm first: nothing was merged.", icon=":material/warning:")
        return
    merge_topic(get_engine(), theme_id, into)
    st.session_state.pop(confirm, None)  # a next merge is confirmed again
    flash(
        f"Merged theme '{markdown_literal(name)}' (id {theme_id}) into '{markdown_literal(into_name)}' (id {into})."
    )
    rerun_judged()


def render_hide(current: dict[str, Any], by_id: dict[int, dict[str, Any]]) -> None:
    """Hide or show the theme; undo its merge when it is merged."""
    theme_id, name = current["id"], theme_name(current)
    hidden = bool(current["hidden"])
    hide, unmerge = st.columns(2)
    if hide.button("Show" if hidden else "Hide", key=f"themes__hide_{theme_id}"):
        hide_topic(get_engine(), theme_id, hidden=not hidden)
        flash(f"Theme '{markdown_literal(name)}' (id {theme_id}) is {'shown again' if hidden else 'hidden'}.")
        rerun_judged()
    merged_into = current["merged_into"]
    if merged_into is not None and unmerge.button("Undo merge", key=f"themes__unmerge_{theme_id}"):
        merge_topic(get_engine(), theme_id, None)
        into = theme_name(by_id[merged_into]) if merged_into in by_id else f"theme {merged_into}"
        flash(
            f"Theme '{markdown_literal(name)}' (id {theme_id}) is no longer merged into '{markdown_literal(into)}'."
        )
        rerun_judged()
