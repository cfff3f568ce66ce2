"""The customer-value pipeline step (`pulse analyze`): fits customer lifetime value (analysis.clv: BG/NBD and
Gamma-Gamma) on every stored order and stores what it expects of each customer (store.customer_values), which
the dashboard's Loyalty page reads. Pages never fit.

Incremental: a fit is tried only when the orders changed since the last one tried (an import added some, `pulse
forget` deleted some) or the time zone its days are counted in did (`read_clv_pending`); otherwise nothing is
read and pymc-marketing is not imported. When too few customers bought twice for the models, that is a warning
in the run's record and the last good fit is kept, never a failure: the other pipeline steps go on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version

import polars as pl

from analysis.clv import MIN_REPEAT_CUSTOMERS, TimeUnit, fit_clv, read_purchase_days
from pulse.errors import AnalysisError, InputError
from store.customer_values import (
    OrdersSnapshot,
    read_last_clv_attempt,
    read_orders_snapshot,
    write_clv_skipped,
    write_customer_values,
)
from store.engine import Engine
from store.orders import read_orders
from store.runs import recorded_run

TIME_UNIT: TimeUnit = "week"  # the unit of the published BG/NBD fits, and of the stored record


@dataclass(frozen=True)
class ClvStepResult:
    """What the step did: fitted and stored (`fitted`), or not, with the reason as a warning."""

    snapshot: OrdersSnapshot
    fitted: bool
    counts: dict[str, int] = field(default_factory=dict)
    warning: str | None = None


def read_clv_pending(engine: Engine, timezone: str = "UTC") -> OrdersSnapshot | None:
    """The stored orders' snapshot when customer value is to be fitted (there are orders, and they or the time
    zone changed since the last fit tried); None when there is nothing to do. Two small queries."""
    snapshot = read_orders_snapshot(engine)
    if snapshot.orders == 0:
        return None
    last = read_last_clv_attempt(engine)
    if last is not None and last.snapshot == snapshot and last.timezone == timezone:
        return None
    return snapshot


def refresh_customer_values(
    engine: Engine, timezone: str = "UTC", snapshot: OrdersSnapshot | None = None
) -> ClvStepResult | None:
    """Fit customer value on every stored order and store it, when `read_clv_pending` says so (or `snapshot`,
    what it returned, is given); None when there was nothing to do. The run is recorded ("clv"), with a warning
    as its message when no fit could be made."""
    snapshot = snapshot or read_clv_pending(engine, timezone)
    if snapshot is None:
        return None
    with recorded_run(engine, "pipeline", "clv", versions=_versions()) as run:
        result = _fit_and_store(engine, timezone, snapshot)
        run.counts, run.message = result.counts, result.warning
    return result


def _fit_and_store(engine: Engine, timezone: str, snapshot: OrdersSnapshot) -> ClvStepResult:
    orders = read_orders(engine)
    counts = {"orders": orders.height, **count_customers(orders, timezone)}
    warning = _too_few_repeat_customers(counts)
    if warning is None:
        try:
            result = fit_clv(orders, time_unit=TIME_UNIT, timezone=timezone)
        except (AnalysisError, InputError) as error:
            warning = f"{error.message} {error.hint or ''}".strip()
    if warning is not None:
        write_clv_skipped(engine, snapshot, timezone, warning)
        return ClvStepResult(snapshot, False, counts, warning)
    notes = " ".join(result.notes) or None
    write_customer_values(engine, result.to_json(), result.values, snapshot, timezone, notes)
    return ClvStepResult(snapshot, True, counts, notes)


def count_customers(orders: pl.DataFrame, timezone: str = "UTC") -> dict[str, int]:
    """Customers with a purchase, and those who bought on two local days or more (the models' repeat
    customers, over every order), without fitting anything."""
    days = read_purchase_days(orders, timezone=timezone).group_by("customer_hash").len()
    return {"customers": days.height, "repeat_customers": days.filter(pl.col("len") > 1).height}


def _too_few_repeat_customers(counts: dict[str, int]) -> str | None:
    if counts["repeat_customers"] >= MIN_REPEAT_CUSTOMERS:
        return None
    return (
        f"Customer value was not fitted: only {counts['repeat_customers']} of {counts['customers']} customers "
        f"in {counts['orders']:,} orders bought on two days or more, and the models need at least "
        f"{MIN_REPEAT_CUSTOMERS}. Import orders over a longer period, with a customer id or email on each "
        "(`pulse import FILE --kind order`)."
    )


def _versions() -> dict[str, str]:
    try:
        return {"pymc_marketing": version("pymc-marketing")}
    except PackageNotFoundError:  # pragma: no cover - a dependency of the project
        return {}
