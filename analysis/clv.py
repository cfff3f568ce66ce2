"""Customer lifetime value: BG/NBD for how often each customer buys, Gamma-Gamma for how much they spend.

The "buy till you die" models of Fader, Hardie and Lee (2005), through pymc-marketing's CLV module (the
older `lifetimes` package is archived and fails with current pandas). Input is the orders frame
(store.orders.read_orders: customer_hash, ordered_at in UTC, amount; see DOMAIN.md); orders without a customer
are left out, and so are refunds (negative amounts: a refund is not a purchase).

- A customer buys at most once a day: a day's orders are one purchase, worth the sum of their known amounts.
  Days are the business's local days (the `timezone` given). Recency and T are counted in weeks or days.
- The models are fitted on the orders up to and including `until` (a local date; the last order's day when
  not given) by maximum a posteriori (`method="map"`, a few seconds) with flat priors on (0, inf) for every
  parameter (`HalfFlat`, pymc-marketing's own default for Gamma-Gamma). PyMC's find_MAP maximises the log
  density without the Jacobian of the log transform, so with flat priors MAP is the maximum-likelihood
  estimate, the published fits' method. `method="mcmc"` samples the posterior instead (minutes).
- Gamma-Gamma is fitted on the repeat customers whose repeat purchases have a positive mean value (the first
  purchase is left out, as the model asks); every other customer is given the fitted population mean spend.
- Expected purchases and value over the next `horizon_months` (12) count a month as pymc-marketing's
  customer_lifetime_value does (4.345 weeks, 30 days); expected value is expected purchases times expected
  spend, that function's answer with no discount.
- When orders after `until` exist, the fit is checked against them: repeat purchases predicted for that
  holdout against those made, in total and per customer (Pearson correlation, mean absolute error).

pymc-marketing (with PyMC, PyTensor, ArviZ) takes about 6 s to import: it is imported inside the functions
that fit, never at module level. PyTensor compiles each model's C code once and caches it under ~/.pytensor.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, cast

import polars as pl

from analysis.loyalty.orders import read_purchases
from pulse.errors import AnalysisError, InputError

if TYPE_CHECKING:
    import pandas as pd

TimeUnit = Literal["week", "day"]
Method = Literal["map", "mcmc"]
TIME_UNITS: dict[str, float] = {"week": 7.0, "day": 1.0}  # days in one unit (rfm_summary's time_scaler)
MONTH_IN_UNITS: dict[str, float] = {"week": 4.345, "day": 30.0}  # pymc-marketing's month, per time unit
METHODS = ("map", "mcmc")
PURCHASE_PARAMS = ("r", "alpha", "a", "b")
SPEND_PARAMS = ("p", "q", "v")
MIN_REPEAT_CUSTOMERS = 10  # below this the four BG/NBD parameters are not identified
MIN_SPENDERS = 10  # repeat customers with a positive mean spend needed for the three Gamma-Gamma ones


@dataclass(frozen=True)
class HoldoutCheck:
    """Repeat purchases predicted for the orders after the calibration date, against those made."""

    last_day: date
    length: float  # in the fit's time unit
    customers: int
    predicted_purchases: float
    actual_purchases: int
    correlation: float | None  # per customer, Pearson; None when either side does not vary
    mean_absolute_error: float  # per customer, in purchases

    def to_json(self) -> dict[str, Any]:
        return {
            "last_day": self.last_day.isoformat(),
            "length": self.length,
            "customers": self.customers,
            "predicted_repeat_purchases": self.predicted_purchases,
            "actual_repeat_purchases": self.actual_purchases,
            "correlation": self.correlation,
            "mean_absolute_error": self.mean_absolute_error,
        }


@dataclass(frozen=True)
class ClvResult:
    """A fitted BG/NBD (and Gamma-Gamma, when amounts allow) and what it expects of each customer."""

    time_unit: TimeUnit
    method: Method
    calibrated_until: date
    params: dict[str, float]  # r, alpha, a, b; and p, q, v when spend was fitted
    customers: int
    repeat_customers: int
    horizon_months: int
    expected_purchases: float  # per customer, mean over customers, next horizon_months
    expected_value: float | None  # per customer, mean; None without a spend model
    holdout: HoldoutCheck | None
    notes: tuple[str, ...] = ()
    # one row per customer: customer_hash, frequency, probability_alive, expected_purchases and, with a spend
    # model, expected_spend and expected_value; spend_to_date (first purchase included) for value at risk
    values: pl.DataFrame = field(default_factory=pl.DataFrame, repr=False)
    model: str = "BG/NBD"
    spend_model: str | None = "Gamma-Gamma"

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "spend_model": self.spend_model,
            "method": self.method,
            "time_unit": self.time_unit,
            "calibrated_until": self.calibrated_until.isoformat(),
            "params": self.params,
            "customers": self.customers,
            "repeat_customers": self.repeat_customers,
            "horizon_months": self.horizon_months,
            "expected_purchases_per_customer": self.expected_purchases,
            "expected_value_per_customer": self.expected_value,
            "holdout": self.holdout.to_json() if self.holdout else None,
            "notes": list(self.notes),
        }


def read_purchase_days(orders: pl.DataFrame, *, timezone: str = "UTC") -> pl.DataFrame:
    """One row per customer and local day they bought on: customer_hash, day, amount (the day's known
    amounts summed; 0 when none is known). Orders without a customer, and refunds, are left out."""
    return (
        read_purchases(orders, timezone)  # what a purchase is, and its local day: the loyalty measures' own
        .group_by("customer_hash", "day")
        .agg(pl.col("amount").sum())
        .sort("customer_hash", "day")
    )


def customer_summary(
    orders: pl.DataFrame, *, until: date | None = None, time_unit: TimeUnit = "week", timezone: str = "UTC"
) -> pl.DataFrame:
    """Per customer who bought by `until`: customer_hash, frequency (repeat purchase days), recency and T (in
    `time_unit`s), monetary_value (mean value of the repeat purchases), by pymc-marketing's rfm_summary; with
    holdout_purchases and holdout_T when orders after `until` exist (rfm_train_test_split)."""
    days = read_purchase_days(orders, timezone=timezone)
    return _summarize(days, _calibration_day(days, until), time_unit)


def fit_clv(
    orders: pl.DataFrame,
    *,
    until: date | None = None,
    time_unit: TimeUnit = "week",
    timezone: str = "UTC",
    method: Method = "map",
    horizon_months: int = 12,
    random_seed: int = 0,
) -> ClvResult:
    """Fit BG/NBD and Gamma-Gamma on the orders up to `until` and predict each customer's next months."""
    if method not in METHODS:
        raise InputError(f"Unknown fitting method {method!r}.", f"Use one of {', '.join(METHODS)}.")
    days = read_purchase_days(orders, timezone=timezone)
    calibrated_until = _calibration_day(days, until)
    summary = _summarize(days, calibrated_until, time_unit)
    frame = summary.rename({"customer_hash": "customer_id"}).to_pandas()
    repeat_customers = int((frame["frequency"] > 0).sum())
    if repeat_customers < MIN_REPEAT_CUSTOMERS:
        raise AnalysisError(
            f"Only {repeat_customers} of {len(frame)} customers bought again by {calibrated_until}: "
            f"customer lifetime value needs at least {MIN_REPEAT_CUSTOMERS} repeat customers.",
            "Import orders over a longer period, or calibrate to a later date.",
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # pandas and xarray inside the library
        purchase_model = _fit_purchase_model(frame, method, random_seed)
        params = _fitted_params(purchase_model, PURCHASE_PARAMS)
        horizon = horizon_months * MONTH_IN_UNITS[time_unit]
        values = summary.select("customer_hash", "frequency").with_columns(
            probability_alive=_per_customer(purchase_model.expected_probability_alive(frame), frame),
            expected_purchases=_per_customer(
                purchase_model.expected_purchases(frame, future_t=horizon), frame
            ),
        )
        spend_model, notes = _fit_spend_model(frame, method, random_seed)
        if spend_model is not None:
            params |= _fitted_params(spend_model, SPEND_PARAMS)
            spend = _per_customer(spend_model.expected_customer_spend(_spend_data(frame)), frame)
            values = values.with_columns(expected_spend=spend).with_columns(
                expected_value=pl.col("expected_purchases") * pl.col("expected_spend")
            )
        holdout = _holdout_check(purchase_model, frame, days) if "holdout_T" in frame else None
    values = values.join(_spend_to_date(days, calibrated_until), on="customer_hash", how="left")
    return ClvResult(
        time_unit=time_unit,
        method=method,
        calibrated_until=calibrated_until,
        params=params,
        customers=len(frame),
        repeat_customers=repeat_customers,
        horizon_months=horizon_months,
        expected_purchases=float(values["expected_purchases"].mean()),  # type: ignore[arg-type]
        expected_value=float(values["expected_value"].mean()) if spend_model else None,  # type: ignore[arg-type]
        holdout=holdout,
        notes=notes,
        values=values,
        spend_model="Gamma-Gamma" if spend_model else None,
    )


def _calibration_day(days: pl.DataFrame, until: date | None) -> date:
    if days.is_empty():
        raise InputError(
            "No purchase with a customer in the orders.",
            "Import orders whose rows carry a customer id or email, so that repeat purchases can be counted.",
        )
    first_day, last_day = cast(date, days["day"].min()), cast(date, days["day"].max())
    if until is None:
        return last_day
    if until < first_day:
        raise InputError(
            f"No orders on or before {until}: the first is on {first_day}.",
            "Calibrate to a later date.",
        )
    return until


def _summarize(days: pl.DataFrame, until: date, time_unit: TimeUnit) -> pl.DataFrame:
    from pymc_marketing.clv.utils import rfm_summary, rfm_train_test_split

    if time_unit not in TIME_UNITS:
        raise InputError(f"Unknown time unit {time_unit!r}.", f"Use one of {', '.join(TIME_UNITS)}.")
    transactions = days.with_columns(pl.col("day").cast(pl.Datetime("us"))).to_pandas()
    options: dict[str, Any] = {
        "customer_id_col": "customer_hash",
        "datetime_col": "day",
        "monetary_value_col": "amount",
        "time_unit": "D",  # at most one purchase a day ...
        "time_scaler": TIME_UNITS[time_unit],  # ... counted in weeks or days
    }
    if days["day"].max() > until:  # type: ignore[operator]
        summary = rfm_train_test_split(transactions, train_period_end=until, **options)
        summary = summary.drop(columns="test_monetary_value").rename(
            columns={"test_frequency": "holdout_purchases", "test_T": "holdout_T"}
        )
    else:
        summary = rfm_summary(transactions, observation_period_end=until, **options)
    return pl.from_pandas(summary).rename({"customer_id": "customer_hash"})


def _fit_purchase_model(frame: pd.DataFrame, method: Method, random_seed: int) -> Any:
    from pymc_extras.prior import Prior
    from pymc_marketing.clv import BetaGeoModel

    flat = {name: Prior("HalfFlat") for name in PURCHASE_PARAMS}  # a and b given: no pooled phi / kappa
    model = BetaGeoModel(model_config=flat)
    _fit(model, frame[["customer_id", "frequency", "recency", "T"]], method, random_seed)
    return model


def _fit_spend_model(frame: pd.DataFrame, method: Method, random_seed: int) -> tuple[Any, tuple[str, ...]]:
    from pymc_extras.prior import Prior
    from pymc_marketing.clv import GammaGammaModel

    spenders = frame[(frame["frequency"] > 0) & (frame["monetary_value"] > 0)]
    if len(spenders) < MIN_SPENDERS:
        return None, (
            f"Only {len(spenders)} repeat customers with known amounts: no spend model, so no expected value "
            f"(at least {MIN_SPENDERS} are needed).",
        )
    model = GammaGammaModel(model_config={name: Prior("HalfFlat") for name in SPEND_PARAMS})
    _fit(model, spenders[["customer_id", "frequency", "monetary_value"]], method, random_seed)
    if _fitted_params(model, SPEND_PARAMS)["q"] <= 1:
        return None, ("The spend model's q is at most 1, so its mean spend is infinite: no expected value.",)
    return model, ()


def _fit(model: Any, data: pd.DataFrame, method: Method, random_seed: int) -> None:
    if method == "map":
        model.fit(data, method="map", progressbar=False, seed=random_seed)
    else:
        model.fit(data, method="mcmc", chains=2, cores=1, progressbar=False, random_seed=random_seed)


def _fitted_params(model: Any, names: tuple[str, ...]) -> dict[str, float]:
    """Each parameter's MAP value (or posterior mean, when sampled)."""
    params = {name: float(model.fit_result[name].mean()) for name in names}
    if not all(math.isfinite(value) and value > 0 for value in params.values()):
        raise AnalysisError(
            f"The {model._model_type} fit did not converge ({params}).",
            "Check the orders' dates and amounts; a longer period of orders usually helps.",
        )
    return params


def _per_customer(values: Any, frame: pd.DataFrame) -> pl.Series:
    """An xarray of per-customer values (over MAP's one draw, or the posterior's), as a series in frame's
    customer order (the library may reorder customers)."""
    draws = [dim for dim in ("chain", "draw") if dim in values.dims]
    series = values.mean(draws).to_pandas().reindex(frame["customer_id"])
    return pl.Series(series.to_numpy(), dtype=pl.Float64)


def _spend_data(frame: pd.DataFrame) -> pd.DataFrame:
    """Gamma-Gamma's input for every customer; those without a repeat purchase of known value count as having
    none, which gives them the population mean spend."""
    unknown = frame["monetary_value"] <= 0
    return frame.assign(
        frequency=frame["frequency"].where(~unknown, 0), monetary_value=frame["monetary_value"]
    )


def _holdout_check(purchase_model: Any, frame: pd.DataFrame, days: pl.DataFrame) -> HoldoutCheck:
    predicted = _per_customer(purchase_model.expected_purchases(frame, future_t=frame["holdout_T"]), frame)
    actual = pl.Series(frame["holdout_purchases"].to_numpy(), dtype=pl.Float64)
    pair = pl.DataFrame({"predicted": predicted, "actual": actual})
    correlation = pair.select(pl.corr("predicted", "actual")).item()
    return HoldoutCheck(
        last_day=days["day"].max(),  # type: ignore[arg-type]
        length=float(frame["holdout_T"].iloc[0]),
        customers=len(frame),
        predicted_purchases=float(predicted.sum()),
        actual_purchases=int(actual.sum()),
        correlation=correlation if correlation is not None and math.isfinite(correlation) else None,
        mean_absolute_error=float((predicted - actual).abs().mean()),  # type: ignore[arg-type]
    )


def _spend_to_date(days: pl.DataFrame, until: date) -> pl.DataFrame:
    """What each customer has spent up to the calibration date, first purchase included."""
    return (
        days.filter(pl.col("day") <= until)
        .group_by("customer_hash")
        .agg(spend_to_date=pl.col("amount").sum())
    )
