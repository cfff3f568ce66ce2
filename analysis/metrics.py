"""NPS, CSAT and the share of negative and impersonal feedback per period, with 95% intervals.

NPS is promoters (9-10) minus detractors (0-6), in points from -100 to 100; skipped NPS answers are not in the
denominator. Its interval is the adjusted Wald (Rocks 2016): add 3 to n and 3/4 to promoters and detractors
before the multinomial variance, which holds up at the small weekly counts of a small business. CSAT is the
share of 4-5 on the 1-5 scale, and shares use Wilson intervals.
"""

from __future__ import annotations

import math
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


def nps_interval(promoters: int, detractors: int, n: int) -> tuple[float, float]:
    """95% adjusted-Wald interval of NPS in points; (nan, nan) when there are no answers."""
    if n == 0:
        return math.nan, math.nan
    adjusted_n = n + 3
    p = (promoters + 0.75) / adjusted_n
    d = (detractors + 0.75) / adjusted_n
    margin = Z95 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / adjusted_n)
    return max(-100.0, 100 * (p - d - margin)), min(100.0, 100 * (p - d + margin))


def wilson_interval(successes: int, n: int) -> tuple[float, float]:
    """95% Wilson score interval of a proportion, in 0..1; (nan, nan) when n is 0."""
    if n == 0:
        return math.nan, math.nan
    p = successes / n
    denominator = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denominator
    margin = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denominator
    return max(0.0, centre - margin), min(1.0, centre + margin)


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


def add_intervals(counts: pl.DataFrame, min_responses: int = 30) -> pl.DataFrame:
    """From per-period counts (nps_n, promoters, detractors, csat_n, satisfied, scored_n, negative,
    impersonal_count) to the measures and their intervals."""
    rows = []
    for row in counts.iter_rows(named=True):
        nps_low, nps_high = nps_interval(row["promoters"], row["detractors"], row["nps_n"])
        csat_low, csat_high = wilson_interval(row["satisfied"], row["csat_n"])
        negative_low, negative_high = wilson_interval(row["negative"], row["scored_n"])
        impersonal_low, impersonal_high = wilson_interval(row["impersonal_count"], row["scored_n"])
        rows.append(
            {
                "nps": _share(row["promoters"] - row["detractors"], row["nps_n"]) * 100,
                "nps_low": nps_low,
                "nps_high": nps_high,
                "csat": _share(row["satisfied"], row["csat_n"]),
                "csat_low": csat_low,
                "csat_high": csat_high,
                "negative_share": _share(row["negative"], row["scored_n"]),
                "negative_low": negative_low,
                "negative_high": negative_high,
                "impersonal_share": _share(row["impersonal_count"], row["scored_n"]),
                "impersonal_low": impersonal_low,
                "impersonal_high": impersonal_high,
            }
        )
    measures = pl.DataFrame(rows, schema={name: pl.Float64 for name in _MEASURES}, orient="row")
    return pl.concat([counts, measures], how="horizontal").with_columns(
        (pl.col("nps_n") < min_responses).alias("thin"),
        pl.col(_MEASURES).fill_nan(None),
    )


_MEASURES = [
    "nps",
    "nps_low",
    "nps_high",
    "csat",
    "csat_low",
    "csat_high",
    "negative_share",
    "negative_low",
    "negative_high",
    "impersonal_share",
    "impersonal_low",
    "impersonal_high",
]


def _share(part: int, whole: int) -> float:
    return part / whole if whole else math.nan


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
