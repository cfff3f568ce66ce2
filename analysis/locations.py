"""Locations compared with the business: each location's NPS, CSAT, impersonal-complaint rate and repeat-purchase
rate with its 95% interval, the funnel plot's control limits, and the locations that changed most since last
month. Pure functions over frames: the daily counts (store.daily_counts) and the orders (store.orders) are read
by the caller.

Every measure here is the mean of one answer's value: +1 for a promoter, -1 for a detractor and 0 for a passive
(NPS, shown in points); 1 or 0 for a satisfied CSAT answer, a scored comment that complains of impersonal
service, a customer who had bought at the location before (shares, shown in %). A location's figure, its n and
its interval come from the definitions that every page uses: analysis.metrics (NPS's adjusted-Wald interval,
CSAT's and the impersonal share's Wilson interval, on the daily counts grouped by location) and
analysis.loyalty.spans (the repeat-purchase rate of a span of days: a customer active at the location in the
span is returning when their first purchase there came before it, with its Wilson interval).

The funnel plot (Spiegelhalter 2005, "Funnel plots for comparing institutional performance", Statistics in
Medicine 24:1185-1202): the business's overall figure (pooled over the locations) is the target, and around it
the limits within which a location of n answers falls 95% and 99.8% of the time when it is no different from
the business. A location is called out only outside the 99.8% limits (about 3 standard errors), so a small
location with a few bad answers is not. Shares take the exact binomial limits of the paper's appendix (scipy's
binom.cdf and binom.ppf, with its interpolation between whole counts); NPS, a difference of two shares of the
same answers, has no exact form and takes the paper's normal approximation with the answer's variance,
p + d - (p - d)^2 (scipy's norm.ppf for the quantiles). No allowance is made for over-dispersion: with many
large locations a real business may show more spread than chance alone, which calls out more locations.

Changed most since last month: each location's figure over the last 30 days against the 30 before (both
ending at the latest day with data), the difference with its 95% interval, ranked by how clearly it moved (the
difference over its standard error). The difference is that of adjusted estimates, which keeps a location with
a handful of answers from a large z: Agresti-Caffo's interval for shares (statsmodels'
confint_proportions_2indep, method "agresti-caffo"), and for NPS the adjusted-Wald estimate of each month (3/4
added to promoters and detractors, 3 to n). Locations with fewer than `min_responses` answers in either month
are thin, and ranked after every other one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from analysis.loyalty.spans import read_span_loyalty
from analysis.metrics import Z95, read_counts_metrics

CONFIDENCE = {"95": 0.95, "998": 0.998}  # the funnel's inner and outer limits, by their columns' suffix
MONTH_DAYS = 30


@dataclass(frozen=True)
class LocationMeasure:
    """One measure compared between locations: its key, label, and which way is better."""

    key: str
    label: str
    higher_is_better: bool = True
    points: bool = False  # NPS: points from -100 to 100; otherwise a share from 0 to 1

    def scaled(self, mean: float) -> float:
        """A mean of the answers' values in the measure's unit (NPS in points)."""
        return 100 * mean if self.points else mean


MEASURES = {
    "nps": LocationMeasure("nps", "NPS", points=True),
    "csat": LocationMeasure("csat", "CSAT"),
    "impersonal": LocationMeasure("impersonal", "Impersonal complaints", higher_is_better=False),
    "repeat": LocationMeasure("repeat", "Repeat customers"),
}
TALLY_SCHEMA = {
    "location": pl.String,
    "measure": pl.String,
    "n": pl.Int64,
    "positive": pl.Int64,  # promoters; or the answers counted by a share
    "negative": pl.Int64,  # detractors; 0 for a share
    "value": pl.Float64,
    "low": pl.Float64,
    "high": pl.Float64,
}


def read_location_tallies(daily: pl.DataFrame) -> pl.DataFrame:
    """Each location's NPS, CSAT and impersonal share from daily counts (store.daily_counts, or
    analysis.metrics.read_day_counts with `location`), one row per location and measure (TALLY_SCHEMA): n, the
    answers counted (positive, negative), the figure and its 95% interval as analysis.metrics gives them.
    Feedback without a location is left out; so is a measure a location has no answer of."""
    located = daily.filter(pl.col("location").is_not_null())
    if located.is_empty():
        return pl.DataFrame(schema=TALLY_SCHEMA)
    metrics = read_counts_metrics(located, by="all", group_by=("location",))
    parts = [
        metrics.select(
            "location",
            pl.lit(measure).alias("measure"),
            pl.col(n).alias("n"),
            pl.col(positive).alias("positive"),
            (pl.col(negative) if negative else pl.lit(0)).cast(pl.Int64).alias("negative"),
            pl.col(value).alias("value"),
            pl.col(low).alias("low"),
            pl.col(high).alias("high"),
        )
        for measure, n, positive, negative, value, low, high in (
            ("nps", "nps_n", "promoters", "detractors", "nps", "nps_low", "nps_high"),
            ("csat", "csat_n", "satisfied", None, "csat", "csat_low", "csat_high"),
            (
                "impersonal",
                "scored_n",
                "impersonal_count",
                None,
                "impersonal_share",
                "impersonal_low",
                "impersonal_high",
            ),
        )
    ]
    return pl.concat(parts).cast(TALLY_SCHEMA).filter(pl.col("n") > 0).sort("measure", "location")  # type: ignore[arg-type]


def read_repeat_tallies(orders: pl.DataFrame, first: date, last: date, timezone: str = "UTC") -> pl.DataFrame:
    """Each location's repeat-purchase rate over the local days `first` to `last` (analysis.loyalty.spans),
    as rows of TALLY_SCHEMA with measure "repeat". Orders without a location are left out."""
    spans = read_span_loyalty(
        orders.filter(pl.col("location").is_not_null()), first, last, timezone, ("location",)
    )
    return (
        spans.select(
            "location",
            pl.lit("repeat").alias("measure"),
            pl.col("active_customers").alias("n"),
            pl.col("returning_customers").alias("positive"),
            pl.lit(0).alias("negative"),
            pl.col("repeat_rate").alias("value"),
            pl.col("repeat_rate_low").alias("low"),
            pl.col("repeat_rate_high").alias("high"),
        )
        .cast(TALLY_SCHEMA)  # type: ignore[arg-type]
        .sort("location")
    )


def overall_figures(tallies: pl.DataFrame) -> pl.DataFrame:
    """Per measure, the business's figure pooled over the locations: measure, n, positive, negative, the mean
    answer (`mean`, in -1..1 or 0..1), its per-answer standard deviation (`sd`) and `value` in the measure's
    unit."""
    pooled = tallies.group_by("measure").agg(pl.col("n", "positive", "negative").sum())
    mean = (pl.col("positive") - pl.col("negative")) / pl.col("n")
    spread = (pl.col("positive") + pl.col("negative")) / pl.col("n") - mean**2
    return (
        pooled.with_columns(mean.alias("mean"))
        .with_columns(spread.clip(lower_bound=0).sqrt().alias("sd"))
        .with_columns(
            pl.when(pl.col("measure") == "nps")
            .then(100 * pl.col("mean"))
            .otherwise(pl.col("mean"))
            .alias("value")
        )
        .sort("measure")
    )


def funnel_limits(measure: str, overall: dict[str, float], n: np.ndarray) -> dict[str, np.ndarray]:
    """The funnel's limits at each n (answers) around the business's `overall` row (overall_figures), in the
    measure's unit: low_95, high_95, low_998, high_998. Shares: exact binomial limits (Spiegelhalter 2005,
    appendix A.1.1, with scipy's binomial distribution); NPS: the normal approximation."""
    from scipy.stats import norm

    sizes = np.asarray(n, dtype=float)
    limits: dict[str, np.ndarray] = {}
    for name, confidence in CONFIDENCE.items():
        tail = (1 - confidence) / 2
        if measure == "nps":
            z = norm.ppf(1 - tail)
            margin = z * overall["sd"] / np.sqrt(sizes)
            low = np.clip(overall["mean"] - margin, -1, 1) * 100
            high = np.clip(overall["mean"] + margin, -1, 1) * 100
        else:
            low, high = (_binomial_limit(p, sizes, overall["mean"]) for p in (tail, 1 - tail))
        limits[f"low_{name}"], limits[f"high_{name}"] = low, high
    return limits


def funnel_curves(tallies: pl.DataFrame, measure: str, points: int = 120) -> pl.DataFrame:
    """The funnel's limit curves of `measure` for a chart: n from 1 to a little past the largest location's
    (`points` steps), with low_95, high_95, low_998, high_998 and `overall`, in the measure's unit (NPS in
    points, shares 0..1). Empty when the measure has no answers."""
    rows = tallies.filter(pl.col("measure") == measure)
    if rows.is_empty():
        return pl.DataFrame(schema={"n": pl.Float64, **dict.fromkeys(_LIMIT_COLUMNS, pl.Float64)})
    overall = overall_figures(rows).row(0, named=True)
    largest = float(rows["n"].max())  # type: ignore[arg-type]
    sizes = np.unique(np.round(np.geomspace(1, max(largest * 1.1, 2), points), 1))
    limits = funnel_limits(measure, overall, sizes)
    return pl.DataFrame({"n": sizes, **limits, "overall": np.full(len(sizes), overall["value"])})


_LIMIT_COLUMNS = ("low_95", "high_95", "low_998", "high_998", "overall")


def _binomial_limit(p: float, n: np.ndarray, target: float) -> np.ndarray:
    """The p-quantile of the share of n answers when each is 1 with chance `target`, interpolated between
    whole counts as Spiegelhalter 2005 (A.1.1) does: r_p = binom.ppf(p), alpha = (F(r_p) - p) / (F(r_p) -
    F(r_p - 1)), limit (r_p - alpha) / n."""
    from scipy.stats import binom

    if target <= 0 or target >= 1:  # every answer the same: no spread, the limits are the figure itself
        return np.full(np.shape(n), float(target))
    whole = binom.ppf(p, n, target)
    at, below = binom.cdf(whole, n, target), binom.cdf(whole - 1, n, target)
    step = np.where(at > below, at - below, 1.0)
    alpha = np.where(at > below, (at - p) / step, 0.0)
    return np.clip((whole - alpha) / n, 0, 1)


def compare_locations(tallies: pl.DataFrame) -> pl.DataFrame:
    """The tallies (read_location_tallies, read_repeat_tallies) with each measure's overall figure (`overall`),
    the funnel's limits at the location's n (low_95, high_95, low_998, high_998), and `called_out`: "above" or
    "below" when the figure is outside the 99.8% limits, else null; `better` says whether that is the good
    side. Sorted by measure, then most called out first, then by n."""
    if tallies.is_empty():
        return tallies.with_columns(
            pl.lit(None, pl.Float64).alias(name)
            for name in ("overall", "low_95", "high_95", "low_998", "high_998")
        ).with_columns(pl.lit(None, pl.String).alias("called_out"), pl.lit(None, pl.Boolean).alias("better"))
    overall = overall_figures(tallies)
    parts = []
    for row in overall.iter_rows(named=True):
        rows = tallies.filter(pl.col("measure") == row["measure"])
        limits = funnel_limits(row["measure"], row, rows["n"].to_numpy())
        parts.append(
            rows.with_columns(
                pl.lit(row["value"]).alias("overall"), *(pl.Series(k, v) for k, v in limits.items())
            )
        )
    compared = pl.concat(parts)
    side = (
        pl.when(pl.col("value") > pl.col("high_998"))
        .then(pl.lit("above"))
        .when(pl.col("value") < pl.col("low_998"))
        .then(pl.lit("below"))
    )
    higher_better = pl.col("measure").replace_strict(
        {key: measure.higher_is_better for key, measure in MEASURES.items()}, return_dtype=pl.Boolean
    )
    return (
        compared.with_columns(side.alias("called_out"))
        .with_columns(
            pl.when(pl.col("called_out").is_not_null())
            .then((pl.col("called_out") == "above") == higher_better)
            .alias("better")
        )
        .sort("measure", pl.col("called_out").is_null(), pl.col("n"), descending=[False, False, True])
    )


def month_windows(last_day: date, days: int = MONTH_DAYS) -> tuple[tuple[date, date], tuple[date, date]]:
    """The last `days` local days up to `last_day`, and the `days` before them: ((first, last), (first, last)),
    the earlier one first."""
    now_first = last_day - timedelta(days=days - 1)
    before_last = now_first - timedelta(days=1)
    return (before_last - timedelta(days=days - 1), before_last), (now_first, last_day)


def location_changes(before: pl.DataFrame, now: pl.DataFrame, min_responses: int = 30) -> pl.DataFrame:
    """Each location's and measure's change from `before` to `now` (two tallies frames of the same measures):
    location, measure, n_before, n_now, value_before, value_now, change (in the measure's unit), change_low and
    change_high (95%), z (the adjusted change over its standard error), thin (fewer than `min_responses`
    answers in either) and rank (1: the clearest change of that measure; thin ones after every other one).
    A location with no answer in one of the months has no change and is left out."""
    joined = before.select("location", "measure", "n", "positive", "negative", "value").join(
        now.select("location", "measure", "n", "positive", "negative", "value"),
        on=["location", "measure"],
        suffix="_now",
    )
    joined = joined.rename(
        {
            "n": "n_before",
            "positive": "positive_before",
            "negative": "negative_before",
            "value": "value_before",
        }
    )
    if joined.is_empty():
        return joined.with_columns(
            *(pl.lit(None, pl.Float64).alias(name) for name in ("change", "change_low", "change_high", "z")),
            pl.lit(None, pl.Boolean).alias("thin"),
            pl.lit(None, pl.UInt32).alias("rank"),
        )
    centre, margin = _adjusted_changes(joined)
    scale = np.where(joined["measure"].to_numpy() == "nps", 100.0, 1.0)
    changed = joined.with_columns(
        (pl.col("value_now") - pl.col("value_before")).alias("change"),
        pl.Series("change_low", (centre - margin) * scale),
        pl.Series("change_high", (centre + margin) * scale),
        pl.Series("z", np.where(margin > 0, centre / (margin / Z95), 0.0)),
        ((pl.col("n_before") < min_responses) | (pl.col("n_now") < min_responses)).alias("thin"),
    )
    ordered = changed.sort("measure", "thin", pl.col("z").abs(), descending=[False, False, True])
    return ordered.with_columns(
        pl.int_range(1, pl.len() + 1).over("measure").cast(pl.UInt32).alias("rank")
    ).select(
        "location",
        "measure",
        "n_before",
        "n_now",
        "value_before",
        "value_now",
        "change",
        "change_low",
        "change_high",
        "z",
        "thin",
        "rank",
    )


def _adjusted_changes(joined: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The adjusted change (now - before, as a mean answer) and its 95% margin: NPS by the adjusted Wald of each
    month, shares by statsmodels' Agresti-Caffo interval."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    nps = joined["measure"].to_numpy() == "nps"
    n_now, n_before = (joined[name].to_numpy().astype(float) for name in ("n_now", "n_before"))
    p_now, p_before = (joined[name].to_numpy().astype(float) for name in ("positive_now", "positive_before"))
    d_now, d_before = (joined[name].to_numpy().astype(float) for name in ("negative_now", "negative_before"))
    centre = np.zeros(joined.height)
    margin = np.zeros(joined.height)
    if nps.any():
        adjusted = []
        for n, p, d in ((n_now, p_now, d_now), (n_before, p_before, d_before)):
            share_p, share_d = (p[nps] + 0.75) / (n[nps] + 3), (d[nps] + 0.75) / (n[nps] + 3)
            variance = np.clip(share_p + share_d - (share_p - share_d) ** 2, 0, None) / (n[nps] + 3)
            adjusted.append((share_p - share_d, variance))
        (now_mean, now_variance), (before_mean, before_variance) = adjusted
        centre[nps] = now_mean - before_mean
        margin[nps] = Z95 * np.sqrt(now_variance + before_variance)
    shares = ~nps
    if shares.any():
        low, high = confint_proportions_2indep(
            p_now[shares],
            n_now[shares],
            p_before[shares],
            n_before[shares],
            method="agresti-caffo",
            compare="diff",
        )
        centre[shares] = (np.asarray(low) + np.asarray(high)) / 2
        margin[shares] = (np.asarray(high) - np.asarray(low)) / 2
    return centre, margin


def read_window_tallies(
    daily: pl.DataFrame, orders: pl.DataFrame | None, first: date, last: date, timezone: str = "UTC"
) -> pl.DataFrame:
    """Every measure's tallies per location over the local days `first` to `last`: the feedback's from the
    daily counts, the repeat rate's from the orders (none without orders; a customer's earlier purchases count
    as their history)."""
    parts = [read_location_tallies(daily.filter(pl.col("day").is_between(first, last)))]
    if orders is not None and not orders.is_empty():
        parts.append(read_repeat_tallies(orders, first, last, timezone))
    return pl.concat(parts)


def read_location_changes(
    daily: pl.DataFrame,
    orders: pl.DataFrame | None,
    last_day: date,
    timezone: str = "UTC",
    min_responses: int = 30,
    days: int = MONTH_DAYS,
) -> pl.DataFrame:
    """location_changes between the `days` days up to `last_day` and the `days` before them."""
    (before_first, before_last), (now_first, now_last) = month_windows(last_day, days)
    before = read_window_tallies(daily, orders, before_first, before_last, timezone)
    now = read_window_tallies(daily, orders, now_first, now_last, timezone)
    return location_changes(before, now, min_responses)
