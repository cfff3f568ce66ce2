"""The dashboard's filters applied to the orders and to what is worked out from them.

The sidebar's channel and location keep the orders of that channel or location; its last day keeps the orders
up to it. Its first day does not cut the orders: a customer's purchases before it are their history (whether
they are new or returning, which cohort they belong to); it keeps the periods (weeks, cohort months) that end on
or after it instead (periods_in_view). The source filter names feedback sources, which orders do not have: it
does not apply to them.
"""

from __future__ import annotations

import polars as pl

from analysis.filters import Filters, apply_filters
from analysis.metrics import day_period_expr


def orders_in_view(orders: pl.DataFrame, filters: Filters, timezone: str = "UTC") -> pl.DataFrame:
    """The orders of the filters' channel and location, up to their last local day (see the module)."""
    kept = Filters(until=filters.until, channel=filters.channel, location=filters.location)
    return apply_filters(orders, kept, timezone, date_column="ordered_at")


def periods_in_view(frame: pl.DataFrame, filters: Filters, by: str, column: str = "period") -> pl.DataFrame:
    """The rows of `frame` whose `column` (a week's or month's first day, as `by` says) is the period holding
    the filters' first day or later (all of them when it is open)."""
    if filters.since is None:
        return frame
    first = pl.select(day_period_expr(by, pl.lit(filters.since))).item()
    return frame.filter(pl.col(column) >= first)
