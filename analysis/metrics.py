"""NPS, CSAT and the share of negative and impersonal feedback per period, with 95% intervals.

NPS is promoters (9-10) minus detractors (0-6), in points from -100 to 100; skipped NPS answers are not in the
denominator. Its interval is the adjusted Wald (Rocks 2016): add 3 to n and 3/4 to promoters and detractors
before the multinomial variance, which holds up at the small weekly counts of a small business. CSAT is the
share of 4-5 on the 1-5 scale, and shares use Wilson intervals.
"""

from __future__ import annotations

from typing import Any

import polars as pl

Z95 = 1.959963984540054
PERIODS = {"day": "1d", "week": "1w", "month": "1mo"}


def period_expr(by: str, timezone: str, column: str = "created_at") -> pl.Expr:
    """The local calendar day, week (starting Monday) or month of each timestamp, as a date."""
    if by not in PERIODS:
        raise ValueError(f"period must be one of {list(PERIODS)}, not {by!r}")
    local = pl.col(column).dt.convert_time_zone(timezone)
    return local.dt.truncate(PERIODS[by]).dt.date().alias("period")


def nps_interval_exprs(promoters: pl.Expr, detractors: pl.Expr, n: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Low and high ends of the 95% adjusted-Wald interval of NPS, in points; null when n is 0."""
    adjusted_n = n + 3
    p = (promoters + 0.75) / adjusted_n
    d = (detractors + 0.75) / adjusted_n
    margin = Z95 * ((p + d - (p - d) ** 2).clip(lower_bound=0) / adjusted_n).sqrt()
    answered = n > 0
    low = pl.when(answered).then((100 * (p - d - margin)).clip(lower_bound=-100))
    high = pl.when(answered).then((100 * (p - d + margin)).clip(upper_bound=100))
    return low, high


def wilson_interval_exprs(successes: pl.Expr, n: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Low and high ends of the 95% Wilson score interval of a proportion, in 0..1; null when n is 0."""
    p = successes / n
    denominator = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denominator
    margin = Z95 * (p * (1 - p) / n + Z95**2 / (4 * n * n)).sqrt() / denominator
    answered = n > 0
    return (
        pl.when(answered).then((centre - margin).clip(lower_bound=0)),
        pl.when(answered).then((centre + margin).clip(upper_bound=1)),
    )


def share_expr(part: str, whole: str) -> pl.Expr:
    return pl.when(pl.col(whole) > 0).then(pl.col(part) / pl.col(whole))


def read_period_metrics(
    frame: pl.DataFrame, by: str = "week", timezone: str = "UTC", min_responses: int = 30
) -> pl.DataFrame:
    """One row per period: volume, NPS and CSAT with 95% intervals, negative and impersonal shares.

    `frame` has created_at (UTC) and any of nps, csat, sentiment, impersonal. Columns out: period, n,
    nps_n, nps, nps_low, nps_high, csat_n, csat, csat_low, csat_high, scored_n, negative_share,
    negative_low, negative_high, impersonal_share, impersonal_low, impersonal_high, thin (fewer than
    `min_responses` NPS answers).
    """
    frame = _with_optional_columns(frame)
    counts = (
        frame.with_columns(period_expr(by, timezone))
        .group_by("period")
        .agg(
            pl.len().alias("n"),
            pl.col("nps").is_not_null().sum().alias("nps_n"),
            (pl.col("nps") >= 9).sum().alias("promoters"),
            (pl.col("nps") <= 6).sum().alias("detractors"),
            pl.col("csat").is_not_null().sum().alias("csat_n"),
            (pl.col("csat") >= 4).sum().alias("satisfied"),
            pl.col("sentiment").is_not_null().sum().alias("scored_n"),
            (pl.col("sentiment") == "negative").sum().alias("negative"),
            pl.col("impersonal").fill_null(False).sum().alias("impersonal_count"),
        )
        .sort("period")
    )
    return add_intervals(counts, min_responses)


COUNT_COLUMNS = [
    "n",
    "nps_n",
    "promoters",
    "detractors",
    "csat_n",
    "satisfied",
    "scored_n",
    "negative",
    "impersonal_count",
]


def add_intervals(counts: pl.DataFrame, min_responses: int = 30) -> pl.DataFrame:
    """From per-period counts (nps_n, promoters, detractors, csat_n, satisfied, scored_n, negative,
    impersonal_count) to the measures and their intervals (null where a period has no answers)."""
    nps_low, nps_high = nps_interval_exprs(pl.col("promoters"), pl.col("detractors"), pl.col("nps_n"))
    csat_low, csat_high = wilson_interval_exprs(pl.col("satisfied"), pl.col("csat_n"))
    negative_low, negative_high = wilson_interval_exprs(pl.col("negative"), pl.col("scored_n"))
    impersonal_low, impersonal_high = wilson_interval_exprs(pl.col("impersonal_count"), pl.col("scored_n"))
    counts = counts.with_columns(pl.col(COUNT_COLUMNS).cast(pl.Int64))  # sums of booleans are unsigned
    return counts.with_columns(
        (100 * (pl.col("promoters") - pl.col("detractors")) / pl.col("nps_n").replace(0, None)).alias("nps"),
        nps_low.alias("nps_low"),
        nps_high.alias("nps_high"),
        share_expr("satisfied", "csat_n").alias("csat"),
        csat_low.alias("csat_low"),
        csat_high.alias("csat_high"),
        share_expr("negative", "scored_n").alias("negative_share"),
        negative_low.alias("negative_low"),
        negative_high.alias("negative_high"),
        share_expr("impersonal_count", "scored_n").alias("impersonal_share"),
        impersonal_low.alias("impersonal_low"),
        impersonal_high.alias("impersonal_high"),
        (pl.col("nps_n") < min_responses).alias("thin"),
    )


def _with_optional_columns(frame: pl.DataFrame) -> pl.DataFrame:
    defaults = {"nps": pl.Int8, "csat": pl.Int8, "sentiment": pl.String, "impersonal": pl.Boolean}
    return frame.with_columns(
        [
            pl.lit(None, dtype=dtype).alias(name)
            for name, dtype in defaults.items()
            if name not in frame.columns
        ]
    )


def period_and_previous(
    metrics: pl.DataFrame, period: object
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The metrics row of `period` and of the period just before it (None when there is none)."""
    ordered = metrics.sort("period")
    index = ordered["period"].to_list().index(period)
    current = ordered.row(index, named=True)
    previous = ordered.row(index - 1, named=True) if index > 0 else None
    return current, previous
