"""`pulse clv` and `pulse analyze`'s customer-value step on real stores; and the issue's validation through the
user's path: the CDNOW sample written as a generic orders export, imported with `pulse import --kind order`, and
`pulse clv --until 1997-09-30` matching Fader, Hardie and Lee (2005) within 2%."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner, Result

from cli.main import main
from store.customer_values import read_clv_fit, read_customer_values, read_last_clv_attempt
from store.engine import build_engine
from store.orders import read_orders
from store.runs import read_runs
from tests.cdnow import cdnow_orders

PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # Fader, Hardie and Lee (2005), weeks
PUBLISHED_SPEND = {
    "p": 6.25,
    "q": 3.74,
    "v": 15.44,
}  # Gamma-Gamma: 1% as tests/unit/analysis/test_clv.py says
FEW_ORDERS = """order_id,customer_id,created_at,amount
A1,ann@example.com,2026-11-02T09:00:00Z,12.50
A2,ann@example.com,2026-11-09T09:00:00Z,8.00
B1,bob@example.com,2026-11-03T10:00:00Z,5.00
"""

Pulse = Callable[..., Result]


def test_clv__no_orders_says_how_to_import_them(pulse) -> None:  # type: ignore[no-untyped-def]
    pulse("db", "upgrade")
    result = pulse("clv")
    assert result.exit_code == 1
    assert "The store holds no orders." in result.output
    assert "pulse import FILE --kind order" in result.output


def test_analyze__too_few_repeat_customers_is_a_warning_in_the_run_then_nothing_to_do(  # type: ignore[no-untyped-def]
    pulse, database_url: str, tmp_path: Path
) -> None:
    pulse("db", "upgrade")
    path = tmp_path / "orders.csv"
    path.write_text(FEW_ORDERS, encoding="utf-8")
    assert pulse("import", str(path), "--kind", "order").exit_code == 0
    first = pulse("analyze")
    assert first.exit_code == 0, first.output
    assert "Every feedback item is scored already." in first.stdout  # and the step ran all the same
    assert "Warning: Customer value was not fitted: only 1 of 2 customers in 3 orders" in first.stderr
    engine = build_engine(database_url)
    try:
        run = read_runs(engine).filter(pl.col("name") == "clv").row(0, named=True)
        assert run["status"] == "ok" and "only 1 of 2 customers" in run["message"]
        counts = {name: run["counts"][name] for name in ("orders", "customers", "repeat_customers")}
        assert counts == {"orders": 3, "customers": 2, "repeat_customers": 1}
        attempt = read_last_clv_attempt(engine)
        assert attempt is not None and not attempt.fitted and attempt.snapshot.orders == 3
        assert read_clv_fit(engine) is None and read_customer_values(engine).is_empty()
        second = pulse("analyze")
        assert second.exit_code == 0 and "Customer value" not in second.output  # the orders did not change
        assert read_runs(engine).filter(pl.col("name") == "clv").height == 1
        nothing_to_do = (
            "import sys; from analysis.clv_pipeline import refresh_customer_values; "
            "from pulse.settings import build_settings; from store.engine import build_engine; "
            f"assert refresh_customer_values(build_engine({database_url!r}), build_settings().timezone) is None; "
            "assert 'pymc_marketing' not in sys.modules and 'pymc' not in sys.modules"
        )
        subprocess.run([sys.executable, "-c", nothing_to_do], check=True)
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_pulse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Pulse, str]:
    """`pulse ARGS...` on a new SQLite store, days in Europe/London (so that midnight in summer is 23:00 UTC)."""
    url = f"sqlite:///{tmp_path / 'pulse.db'}"
    monkeypatch.setenv("PULSE_DATABASE_URL", url)
    monkeypatch.setenv("PULSE_TIMEZONE", "Europe/London")
    runner = CliRunner()

    def invoke(*arguments: str) -> Result:
        return runner.invoke(main, list(arguments), catch_exceptions=False)

    assert invoke("db", "upgrade").exit_code == 0
    return invoke, url


def write_cdnow_export(path: Path) -> int:
    """The CDNOW sample as a generic orders export: an order id made per row, the customer's id, the day and
    the amount, as a shop's export has them. Returns how many rows."""
    frame = cdnow_orders().select(
        "order_id",
        customer_id=pl.col("customer_hash"),
        date=pl.col("ordered_at").dt.date(),
        amount=pl.col("amount"),
    )
    frame.write_csv(path)
    return frame.height


@pytest.mark.slow
def test_clv__cdnow_imported_as_a_users_file_matches_the_published_fit(
    sqlite_pulse: tuple[Pulse, str], tmp_path: Path
) -> None:
    pulse, url = sqlite_pulse
    path = tmp_path / "cdnow_orders.csv"
    rows = write_cdnow_export(path)
    imported = pulse("import", str(path), "--kind", "order", "--json")
    assert imported.exit_code == 0, imported.output
    summary = json.loads(imported.stdout)
    assert (summary["imported"], summary["rejected"], summary["merged_lines"]) == (rows, 0, 0)
    engine = build_engine(url)
    try:
        stored = read_orders(engine)
    finally:
        engine.dispose()
    same_day = (
        stored.group_by("customer_hash", pl.col("ordered_at").dt.date()).len().filter(pl.col("len") > 1)
    )
    assert stored.height == rows == 6919 and same_day.height > 0  # several a day kept, as the export has them

    fitted = pulse("clv", "--until", "1997-09-30", "--json")
    assert fitted.exit_code == 0, fitted.output
    record = json.loads(fitted.stdout)
    assert (record["model"], record["time_unit"], record["customers"]) == ("BG/NBD", "week", 2357)
    assert record["calibrated_until"] == "1997-09-30"
    for name, value in PUBLISHED.items():
        assert record["params"][name] == pytest.approx(value, rel=0.02), name
    for name, value in PUBLISHED_SPEND.items():  # the day's amounts summed: none lost or merged on the way
        assert record["params"][name] == pytest.approx(value, rel=0.01), name
    holdout = record["holdout"]
    assert holdout["last_day"] == "1998-06-30" and holdout["actual_repeat_purchases"] > 0
    assert holdout["predicted_repeat_purchases"] == pytest.approx(holdout["actual_repeat_purchases"], rel=0.2)


@pytest.mark.slow
def test_clv_and_analyze__print_the_fit_and_store_it_once(
    sqlite_pulse: tuple[Pulse, str], tmp_path: Path
) -> None:
    pulse, url = sqlite_pulse
    path = tmp_path / "cdnow_orders.csv"
    write_cdnow_export(path)
    assert pulse("import", str(path), "--kind", "order").exit_code == 0
    printed = pulse("clv", "--until", "1997-09-30")
    assert printed.exit_code == 0, printed.output
    lines = printed.stdout.splitlines()
    assert lines[0].startswith("Model: BG/NBD (purchases) and Gamma-Gamma (spend), by maximum a posteriori")
    assert "up to 1997-09-30, in weeks" in lines[1]
    assert lines[2].startswith("Parameters: r 0.24") and ", p " in lines[2] and ", v " in lines[2]
    assert lines[3] == "Customers: 2,357 (946 bought again)."
    assert lines[4].startswith("Next 12 months, per customer:") and "worth" in lines[4]
    assert lines[5].startswith("Holdout (to 1998-06-30, 39.0 weeks):")
    engine = build_engine(url)
    try:
        assert read_clv_fit(engine) is None  # `pulse clv` stores nothing

        analyzed = pulse("analyze")
        assert analyzed.exit_code == 0, analyzed.output
        assert "Fitting customer lifetime value on 6,919 orders" in analyzed.stderr
        assert "Fitted customer value on 6,919 orders of 2,357 customers" in analyzed.stdout
        fit = read_clv_fit(engine)
        assert fit is not None and fit["calibrated_until"] == "1998-06-30" and fit["holdout"] is None
        assert fit["fitted_on"]["orders"] == 6919 and fit["fitted_on"]["timezone"] == "Europe/London"
        values = read_customer_values(engine)
        assert values.height == 2357 and values["expected_value"].null_count() == 0
        assert values["expected_value"].is_sorted(descending=True)

        again = pulse("analyze")
        assert again.exit_code == 0 and "customer value" not in again.output.casefold()
        assert read_runs(engine).filter(pl.col("name") == "clv").height == 1
    finally:
        engine.dispose()
