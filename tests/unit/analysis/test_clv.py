"""Customer lifetime value (analysis/clv.py): the per-customer summary on tiny literal orders, the errors, and
(slow: each fit compiles PyTensor code the first time) the fit against the published CDNOW results."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime

import polars as pl
import pytest

from analysis.clv import ClvResult, HoldoutCheck, customer_summary, fit_clv
from analysis.loyalty import ORDERS_SCHEMA
from pulse.errors import AnalysisError, InputError
from tests.cdnow import cdnow_orders


def orders(*rows: tuple[str | None, datetime, float | None]) -> pl.DataFrame:
    """The orders frame of (customer_hash, ordered_at in UTC, amount) rows."""
    return pl.DataFrame(
        [
            (f"o{number}", 1, customer, at.replace(tzinfo=UTC), amount, None, None)
            for number, (customer, at, amount) in enumerate(rows)
        ],
        schema=ORDERS_SCHEMA,
        orient="row",
    )


def summary_rows(frame: pl.DataFrame) -> dict[str, dict[str, float]]:
    return {row.pop("customer_hash"): row for row in frame.to_dicts()}


def test_customer_summary__one_purchase_a_day_refunds_and_anonymous_orders_left_out() -> None:
    frame = orders(
        ("a", datetime(2026, 1, 1, 10), 10.0),
        ("a", datetime(2026, 1, 1, 15), 5.0),  # the same day: one purchase of 15
        ("a", datetime(2026, 1, 8, 9), 20.0),
        ("b", datetime(2026, 1, 3, 12), 7.0),
        ("b", datetime(2026, 1, 5, 12), -7.0),  # a refund is not a purchase
        (None, datetime(2026, 1, 6, 12), 99.0),  # no customer
    )
    rows = summary_rows(customer_summary(frame, until=date(2026, 1, 15)))
    assert rows == {
        "a": {"frequency": 1.0, "recency": 1.0, "T": 2.0, "monetary_value": 20.0},
        "b": {"frequency": 0.0, "recency": 0.0, "T": 12 / 7, "monetary_value": 0.0},
    }


def test_customer_summary__days_are_the_business_local_days_and_units_days() -> None:
    frame = orders(("a", datetime(2026, 1, 1, 23, 30), 10.0), ("a", datetime(2026, 1, 2, 0, 30), 10.0))
    in_utc = summary_rows(customer_summary(frame, until=date(2026, 1, 11), time_unit="day"))
    in_new_york = summary_rows(
        customer_summary(frame, until=date(2026, 1, 11), time_unit="day", timezone="America/New_York")
    )
    assert in_utc["a"] == {"frequency": 1.0, "recency": 1.0, "T": 10.0, "monetary_value": 10.0}
    assert in_new_york["a"] == {"frequency": 0.0, "recency": 0.0, "T": 10.0, "monetary_value": 0.0}


def test_customer_summary__later_orders_are_the_holdout() -> None:
    frame = orders(
        ("a", datetime(2026, 1, 1), 10.0),
        ("a", datetime(2026, 1, 20), 10.0),
        ("a", datetime(2026, 1, 29), 10.0),
        ("b", datetime(2026, 1, 2), 10.0),
        ("c", datetime(2026, 1, 25), 10.0),  # first bought in the holdout: not a calibration customer
    )
    rows = summary_rows(customer_summary(frame, until=date(2026, 1, 15)))
    assert set(rows) == {"a", "b"}
    assert rows["a"]["holdout_purchases"] == 2 and rows["b"]["holdout_purchases"] == 0
    assert rows["a"]["holdout_T"] == 2.0  # 15 to 29 January


def test_customer_summary__calibrates_to_the_last_order_day_by_default() -> None:
    frame = orders(("a", datetime(2026, 1, 1), 1.0), ("a", datetime(2026, 1, 15), 1.0))
    assert summary_rows(customer_summary(frame))["a"]["T"] == 2.0


@pytest.mark.parametrize(
    ("frame", "until", "message"),
    [
        (orders(("a", datetime(2026, 1, 1), 1.0)).drop("customer_hash"), None, "no customer_hash column"),
        (orders((None, datetime(2026, 1, 1), 1.0)), None, "No purchase with a customer"),
        (orders(("a", datetime(2026, 1, 5), 1.0)), date(2026, 1, 1), "No orders on or before 2026-01-01"),
    ],
)
def test_customer_summary__unusable_orders_are_input_errors(
    frame: pl.DataFrame, until: date | None, message: str
) -> None:
    with pytest.raises(InputError, match=message) as raised:
        customer_summary(frame, until=until)
    assert raised.value.hint


def test_fit_clv__too_few_repeat_customers_say_what_to_do() -> None:
    frame = orders(
        *[(name, datetime(2026, 1, 1), 5.0) for name in "abcdefghijkl"], ("a", datetime(2026, 2, 1), 5.0)
    )
    with pytest.raises(AnalysisError, match="Only 1 of 12 customers bought again") as raised:
        fit_clv(frame)
    assert "longer period" in raised.value.hint


def test_fit_clv__unknown_method_is_an_input_error() -> None:
    with pytest.raises(InputError, match="Unknown fitting method 'nuts'"):
        fit_clv(orders(("a", datetime(2026, 1, 1), 1.0)), method="nuts")  # type: ignore[arg-type]


def test_clv_result__json_shape() -> None:
    holdout = HoldoutCheck(date(2026, 6, 30), 13.0, 2, 3.5, 4, 0.8, 0.25)
    result = ClvResult(
        time_unit="week",
        method="map",
        calibrated_until=date(2026, 3, 31),
        params={"r": 0.2, "alpha": 4.0, "a": 0.8, "b": 2.4},
        customers=2,
        repeat_customers=1,
        horizon_months=12,
        expected_purchases=1.5,
        expected_value=None,
        holdout=holdout,
        spend_model=None,
    )
    shape = result.to_json()
    assert shape["model"] == "BG/NBD" and shape["time_unit"] == "week" and shape["customers"] == 2
    assert shape["params"] == {"r": 0.2, "alpha": 4.0, "a": 0.8, "b": 2.4}
    assert shape["calibrated_until"] == "2026-03-31" and shape["expected_value_per_customer"] is None
    assert shape["holdout"]["actual_repeat_purchases"] == 4 and shape["holdout"]["last_day"] == "2026-06-30"


def test_clv_module__imports_no_pymc_at_import_time() -> None:
    """pymc-marketing takes seconds to import: the CLI and the dashboard must not pay for it at start-up."""
    check = (
        "import sys, analysis.clv; assert 'pymc_marketing' not in sys.modules and 'pymc' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", check], check=True)


# Published: BG/NBD, Fader, Hardie & Lee (2005), "Counting your customers the easy way", Marketing Science
# 24(2), table 1; Gamma-Gamma, Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves for customer
# base analysis", Journal of Marketing Research 42(4), on the 946 repeat customers' mean spend.
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.44}
# The same data and the same likelihood: the published figures are rounded to 3 or 4 significant figures
# (at most 0.2% for r), so the maximum-likelihood fit should land on them. 1% leaves room for where an
# optimiser stops on the flat ridge of q and v (they trade off: mean spend is p v / (q - 1)), and still fails
# a wrong summary (measured: counting the first purchase in the mean spend gives p 7.86, q 3.97, v 13.33;
# each order as a purchase instead of each day gives p 6.09, q 3.84, v 16.02, 2.5 to 3.7% off).
GAMMA_GAMMA_TOLERANCE = 0.01


@pytest.fixture(scope="module")
def cdnow_fit() -> ClvResult:
    return fit_clv(cdnow_orders(), until=date(1997, 9, 30), time_unit="week")


@pytest.mark.slow
def test_fit_clv__cdnow_bgnbd_matches_fader_hardie_lee_2005(cdnow_fit: ClvResult) -> None:
    assert cdnow_fit.customers == 2357 and cdnow_fit.repeat_customers == 946
    for name, published in PUBLISHED_BGNBD.items():
        assert cdnow_fit.params[name] == pytest.approx(published, rel=0.02), name


@pytest.mark.slow
def test_fit_clv__cdnow_gamma_gamma_matches_fader_hardie_lee_2005(cdnow_fit: ClvResult) -> None:
    assert cdnow_fit.spend_model == "Gamma-Gamma"
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert cdnow_fit.params[name] == pytest.approx(published, rel=GAMMA_GAMMA_TOLERANCE), name


@pytest.mark.slow
def test_fit_clv__cdnow_holdout_and_values(cdnow_fit: ClvResult) -> None:
    holdout = cdnow_fit.holdout
    assert holdout is not None and holdout.length == 39.0 and holdout.last_day == date(1998, 6, 30)
    assert holdout.actual_purchases == 1882
    assert holdout.predicted_purchases == pytest.approx(holdout.actual_purchases, rel=0.2)
    assert holdout.correlation is not None and holdout.correlation > 0.5
    values = cdnow_fit.values
    assert values.height == 2357 and values["customer_hash"].n_unique() == 2357
    assert values["probability_alive"].is_between(0, 1).all()
    # customers who never bought again are alive for BG/NBD (they have not had a chance to drop out)
    assert values.filter(pl.col("frequency") == 0)["probability_alive"].eq(1).all()
    assert cdnow_fit.expected_value == pytest.approx(values["expected_value"].mean())
    assert (values["expected_value"] >= 0).all() and cdnow_fit.expected_purchases > 0


@pytest.mark.slow
def test_fit_clv__cdnow_in_days_scales_alpha_by_seven_and_without_amounts_gives_no_value() -> None:
    frame = cdnow_orders().with_columns(amount=pl.lit(None, dtype=pl.Float64))
    result = fit_clv(frame, until=date(1997, 9, 30), time_unit="day")
    assert result.params["alpha"] == pytest.approx(7 * PUBLISHED_BGNBD["alpha"], rel=0.02)
    assert result.params["r"] == pytest.approx(PUBLISHED_BGNBD["r"], rel=0.02)
    assert result.spend_model is None and result.expected_value is None
    assert set(result.params) == {"r", "alpha", "a", "b"}
    assert "no spend model" in result.notes[0]
    assert "expected_value" not in result.values.columns
