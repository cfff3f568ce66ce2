"""The sidebar filters that the Pulse, Trends, Loyalty, Locations, Themes and Explorer pages share (dates, source, channel, location), kept in
the link's query parameters (`?channel=online&from=2026-03-02&to=2026-05-31`) so that a link opens the same view,
after a reload or a page switch too (the other pages keep them in their link). What a link asks for that this data
does not have falls back to its default."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

import streamlit as st

from analysis.filters import FilterOptions, Filters

ALL = {"source": "All sources", "channel": "All channels", "location": "All locations"}
DATE_KEYS = {"since": "from", "until": "to"}  # query parameter of each end of the date range
QUERY_KEYS = (*DATE_KEYS.values(), *ALL)
STATE_KEY = "filters__current"
QUERY_STATE_KEY = "filters__query"  # their query parameters, for the link of the next page


def filters_from_query(params: Mapping[str, str], options: FilterOptions) -> Filters:
    """The filters that query parameters ask for, each one valid for `options` or left at its default."""
    if options.empty:
        return Filters()
    since, until = (_day(params.get(key), options) for key in DATE_KEYS.values())
    if since is not None and until is not None and since > until:
        since = until = None
    chosen = {name: params.get(name) for name in ALL}
    return Filters(
        since=since,
        until=until,
        source=chosen["source"] if chosen["source"] in options.sources else None,
        channel=chosen["channel"] if chosen["channel"] in options.channels else None,
        location=chosen["location"] if chosen["location"] in options.locations else None,
    )


def _day(text: str | None, options: FilterOptions) -> date | None:
    """A date from a query parameter, within the data's days; None when it is missing or not a date."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return None
    if options.first_day is None or options.last_day is None:
        return None
    return min(max(day, options.first_day), options.last_day)


def without_defaults(filters: Filters, options: FilterOptions) -> Filters:
    """The same filters, with an end of the date range left open where it is the data's first or last day."""
    return replace(
        filters,
        since=None if filters.since == options.first_day else filters.since,
        until=None if filters.until == options.last_day else filters.until,
    )


def query_from_filters(filters: Filters) -> dict[str, str]:
    """The query parameters of the filters that are set."""
    query = dict(filters.columns)
    for name, key in DATE_KEYS.items():
        day = getattr(filters, name)
        if day is not None:
            query[key] = day.isoformat()
    return query


def render_sidebar_filters(options: FilterOptions) -> None:
    """The filters in the sidebar, first set from the link's query parameters; every change is written back
    to them. Pages read the result with current_filters()."""
    if options.empty:
        st.session_state[STATE_KEY] = Filters()
        return
    wanted = filters_from_query(linked_query(), options)
    st.markdown("**Filters**")
    days = st.date_input(
        "Dates",
        value=(wanted.since or options.first_day, wanted.until or options.last_day),
        min_value=options.first_day,
        max_value=options.last_day,
        key="filters__dates",
    )
    picked = list(days) if isinstance(days, tuple) else [days]
    chosen = Filters(
        since=picked[0] if picked else None,
        until=picked[1] if len(picked) > 1 else None,
        source=_select("Source", options.sources, wanted.source),
        channel=_select("Channel", options.channels, wanted.channel),
        location=_select("Location", options.locations, wanted.location),
    )
    st.caption(
        "For Pulse, Trends, Loyalty, Locations, Themes and Explorer. The page's link keeps them: share it to share this view."
    )
    filters = without_defaults(chosen, options)
    _write_query(query_from_filters(filters))
    st.session_state[STATE_KEY] = filters


def keep_filters_in_link() -> None:
    """For a page without the filters: keep their query parameters in its link, without reading any data."""
    _write_query(linked_query())


def linked_query() -> dict[str, str]:
    """The filters' query parameters of the link; when a switch of page has cleared them (Streamlit's navigation
    does), the last ones written in this session."""
    linked = {key: st.query_params[key] for key in QUERY_KEYS if key in st.query_params}
    remembered: dict[str, str] = st.session_state.get(QUERY_STATE_KEY, {})
    return linked or remembered


def _select(label: str, choices: tuple[str, ...], wanted: str | None) -> str | None:
    name = label.lower()
    everything = ALL[name]
    shown = [everything, *choices]
    key = f"filters__{name}"
    # the link's choice starts the box; then the box keeps its own (which show_channel may set)
    index = None if key in st.session_state else shown.index(wanted or everything)
    chosen = st.selectbox(label, shown, index=index, key=key)
    return None if chosen == everything else chosen


def _write_query(query: dict[str, str]) -> None:
    """Set the filters' query parameters to `query`, leaving any other parameter alone; remember them."""
    for key in QUERY_KEYS:
        if key not in query:
            st.query_params.pop(key, None)
        elif st.query_params.get(key) != query[key]:
            st.query_params[key] = query[key]
    st.session_state[QUERY_STATE_KEY] = query


def show_channel(channel: str) -> None:
    """A button's callback: the sidebar's channel filter set to `channel` for the run the click starts."""
    st.session_state["filters__channel"] = channel


def current_filters() -> Filters:
    """The filters that the sidebar set in this run (none before it has run)."""
    filters: Filters = st.session_state.get(STATE_KEY, Filters())
    return filters
