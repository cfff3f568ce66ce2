"""The follow-up outcome from the store: the cases, their customers' answers and the orders, read once and handed
to analysis.case_outcomes (numbers only; reports/follow_up.py says them in words). Read on demand by the
Follow-up page (through dashboard/data.py's cache) and by the weekly digest: three reads and one small
regression, no batch step to keep."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl

from analysis.case_outcomes import HISTORY_DAYS, CaseOutcomes, case_outcomes
from store.cases import read_cases, read_customer_answers
from store.engine import Engine
from store.orders import read_orders
from store.state import utc_now


def read_case_outcomes(
    engine: Engine,
    timezone: str = "UTC",
    now: datetime | None = None,
    cases: pl.DataFrame | None = None,
    orders: pl.DataFrame | None = None,
) -> CaseOutcomes:
    """Did following up help, as the store stands at `now` (the present when None): the cases made by then, and
    the answers and orders before it. `cases` (store.cases.read_cases) and `orders` (store.orders.read_orders:
    the dashboard's cached frame) save reading them again when the caller has them. The windows are counted
    from moments, so `timezone` (the business's) only dates `as_of`."""
    now = (now or utc_now()).astimezone(UTC)
    cases = (read_cases(engine) if cases is None else cases).filter(pl.col("created_at") <= now)
    first_case = cases["feedback_created_at"].min()
    if isinstance(first_case, datetime):  # answers from the start of the history before the first case
        answers = read_customer_answers(engine, since=first_case - timedelta(days=HISTORY_DAYS), until=now)
    else:
        answers = read_customer_answers(engine, author_hashes=[])  # no case: nothing to look at
    orders = read_orders(engine, until=now) if orders is None else orders.filter(pl.col("ordered_at") < now)
    outcomes = case_outcomes(cases, answers, orders)
    return replace(outcomes, as_of=now.astimezone(ZoneInfo(timezone)).date())
