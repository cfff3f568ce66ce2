"""Customer lifetime value (analysis/clv.fit_clv): how long a fit takes, cold and warm, and whether a large
synthetic set's known parameters come back.

Each data set is fitted in a process of its own, twice: the first fit in the process is "cold" when PyTensor's
compile cache is empty (a fresh `base_compiledir`, as on a new machine: PyTensor compiles the models' C code,
then caches it under ~/.pytensor) and "warm" in a second process with that cache filled; the second fit in
the same process shows what is left once the models' functions are built. A fit is the whole of fit_clv: the
per-customer summary (pymc-marketing's rfm_summary / rfm_train_test_split), BG/NBD and Gamma-Gamma by MAP,
12-month predictions per customer and the holdout check. The import of pymc_marketing.clv is timed apart.

Data: the CDNOW sample (2,357 customers, tests/fixtures/cdnow/, calibrated to 1997-09-30) and SYNTHETIC_CUSTOMERS
customers drawn from a BG/NBD with known parameters over 52 weeks (calibrated to week 39), with Gamma-Gamma
spend; the rows report how far the fit lands from those parameters (one purchase a day at most blurs them a
little: two purchases drawn on one day count as one)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from benchmarks.child import PEAK, measured_child
from benchmarks.run import Row

SYNTHETIC_CUSTOMERS = 50_000
TRUE_PARAMS = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5, "p": 6.0, "q": 4.0, "v": 15.0}  # weeks
START = datetime(2025, 1, 6, tzinfo=UTC)
WEEKS, CALIBRATION_WEEKS = 52, 39

# a child that times the import, then fits the named data set twice and prints the timings as JSON
CHILD = (
    PEAK
    + """
import json, time
from benchmarks.clv import dataset
orders, until = dataset(sys.argv[1])
started = time.perf_counter()
import pymc_marketing.clv
imported = time.perf_counter() - started
from analysis.clv import fit_clv
seconds = []
for _ in range(2):
    started = time.perf_counter()
    result = fit_clv(orders, until=until, time_unit="week")
    seconds.append(time.perf_counter() - started)
print(json.dumps({"import": imported, "fits": seconds, "result": result.to_json()}))
"""
)


def synthetic_orders(customers: int = SYNTHETIC_CUSTOMERS, seed: int = 23) -> pl.DataFrame:
    """The orders frame of `customers` drawn from BG/NBD and Gamma-Gamma with TRUE_PARAMS: each customer's
    purchase rate ~ Gamma(r, alpha), dropout probability ~ Beta(a, b) after each repeat purchase (as BG/NBD has it: a
    customer who has not bought again is alive), first purchase in
    the first 13 weeks; each order's value ~ Gamma(p, nu), nu ~ Gamma(q, v) per customer."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(TRUE_PARAMS["r"], 1 / TRUE_PARAMS["alpha"], customers)
    dropout = rng.beta(TRUE_PARAMS["a"], TRUE_PARAMS["b"], customers)
    nu = rng.gamma(TRUE_PARAMS["q"], 1 / TRUE_PARAMS["v"], customers)
    at = rng.uniform(0, 13, customers)
    buying = np.ones(customers, dtype=bool)
    customer_ids, weeks = [np.arange(customers)], [at]
    while (
        buying.any()
    ):  # one round of purchases for every customer still buying: a loop over rounds, not rows
        at = at + rng.exponential(1 / np.maximum(rate, 1e-12))
        buying &= at < WEEKS
        customer_ids.append(np.flatnonzero(buying))
        weeks.append(at[buying])
        buying &= rng.uniform(size=customers) >= dropout  # after each repeat purchase (never after the first)
    customer = np.concatenate(customer_ids)
    amounts = rng.gamma(TRUE_PARAMS["p"], 1 / nu[customer])
    microseconds = np.concatenate(weeks) * 7 * 86_400 * 1e6
    return pl.DataFrame(
        {"customer": customer, "microseconds": microseconds.astype(np.int64), "amount": amounts}
    ).select(
        order_id=pl.format("s{}", pl.int_range(pl.len())),
        source_id=pl.lit(1, dtype=pl.Int64),
        customer_hash=pl.format("c{}", "customer"),
        ordered_at=pl.lit(START, dtype=pl.Datetime("us", "UTC")) + pl.duration(microseconds="microseconds"),
        amount="amount",
        channel=pl.lit(None, dtype=pl.String),
        location=pl.lit(None, dtype=pl.String),
    )


def dataset(name: str) -> tuple[pl.DataFrame, date]:
    if name == "cdnow":
        from tests.cdnow import cdnow_orders

        return cdnow_orders(), date(1997, 9, 30)
    return synthetic_orders(), (START + timedelta(weeks=CALIBRATION_WEEKS)).date()


def _fit_in_child(name: str, compiledir: Path, folder: Path) -> tuple[float, dict]:
    env = {**os.environ, "PYTENSOR_FLAGS": f"base_compiledir={compiledir}"}
    _seconds, peak_mib, out = measured_child(CHILD, [name], env, folder)
    return peak_mib, json.loads(out.decode().strip().splitlines()[-1])


def bench_clv() -> list[Row]:
    rows: list[Row] = [("load average (1 min) at the start, of this shared machine", os.getloadavg()[0], "")]
    for name, label in (
        ("cdnow", "CDNOW, 2,357 customers"),
        ("synthetic", f"synthetic, {SYNTHETIC_CUSTOMERS:,} customers"),
    ):
        with tempfile.TemporaryDirectory() as folder:
            compiledir = Path(folder) / "pytensor"
            print(f"  {label}: cold…", file=sys.stderr)
            peak_mib, cold = _fit_in_child(name, compiledir, Path(folder))
            print(f"  {label}: warm…", file=sys.stderr)
            _peak, warm = _fit_in_child(name, compiledir, Path(folder))
        result = warm["result"]
        rows += [
            (f"{label}: import pymc_marketing.clv", warm["import"], "s"),
            (f"{label}: fit, cold (empty PyTensor cache)", cold["fits"][0], "s"),
            (f"{label}: fit, warm cache, first in a new process", warm["fits"][0], "s"),
            (f"{label}: fit, again in the same process", warm["fits"][1], "s"),
            (f"{label}: peak memory of the cold process", peak_mib, "MiB"),
            (f"{label}: customers in the calibration period", result["customers"], ""),
        ]
        if name == "synthetic":
            rows += [
                (f"{label}: fitted {param} (true {TRUE_PARAMS[param]})", result["params"][param], "")
                for param in TRUE_PARAMS
            ]
        holdout = result["holdout"]
        rows += [
            (f"{label}: holdout repeat purchases, predicted", holdout["predicted_repeat_purchases"], ""),
            (f"{label}: holdout repeat purchases, actual", holdout["actual_repeat_purchases"], ""),
            (f"{label}: holdout, per-customer correlation", holdout["correlation"], ""),
        ]
    return rows


if __name__ == "__main__":  # a quick look without recording: python -m benchmarks.clv
    started = time.perf_counter()
    frame = synthetic_orders()
    print(frame.height, "orders drawn in", round(time.perf_counter() - started, 2), "s")
