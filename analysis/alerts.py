"""Alerts for the weekly pulse: a significant drop in NPS, CSAT or mean sentiment, or a spike in impersonal
complaints, in one week against its trailing baseline (the weeks just before it, pooled).

Each comparison is a 99% interval for the week minus the baseline: NPS with the adjusted-Wald variance
(Rocks 2016) on each side, CSAT and the complaint rate with Agresti-Caffo's (one success and one failure added
to each side), sentiment with Welch's. An alert is raised when the whole interval is on the bad side, and only
for weeks with at least `min_answers` answers of that measure. 99% rather than 95%, because four measures
are checked every week: at 95% about one week in ten would raise a false alert. Numbers only: reports/alerts.py
says them in words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

Z99 = 2.5758293035489004  # four measures are checked every week: at 99%, about one false alert in 40 weeks
# The alerts run on the Pulse page, which does not import scipy or statsmodels (half a second or more at its
# first load): share_alert's interval is statsmodels' confint_proportions_2indep(method="agresti-caffo"), written
# out (tests/unit/analysis/test_alerts.py checks that they agree); NPS's adjusted Wald has no library equivalent.


@dataclass(frozen=True)
class Alert:
    """A measure significantly worse this week than over the `baseline_weeks` weeks before it, in the
    measure's unit (NPS points, CSAT %, complaints per 100, sentiment score); reports.alerts says it in words."""

    measure: str  # nps, csat, sentiment, impersonal
    week_value: float
    baseline_value: float
    change: float  # week minus baseline
    low: float  # the 99% interval of the change
    high: float
    baseline_weeks: int


def weekly_alerts(
    weekly: pl.DataFrame, week: date, baseline_weeks: int = 8, min_answers: int = 10
) -> list[Alert]:
    """The alerts of `week`, from a weekly metrics frame (analysis.metrics.read_period_metrics, by week)."""
    ordered = weekly.sort("period")
    current = ordered.filter(pl.col("period") == week)
    baseline = ordered.filter(pl.col("period") < week).tail(baseline_weeks)
    if current.is_empty() or baseline.is_empty():
        return []
    this = current.row(0, named=True)
    base = pooled(baseline)
    weeks = baseline.height
    alerts = [
        nps_alert(this, base, weeks, min_answers),
        share_alert("csat", this, base, weeks, min_answers, "satisfied", "csat_n", worse=-1),
        sentiment_alert(this, base, weeks, min_answers),
        share_alert("impersonal", this, base, weeks, min_answers, "impersonal_count", "scored_n"),
    ]
    return [alert for alert in alerts if alert is not None]


def pooled(baseline: pl.DataFrame) -> dict[str, float]:
    """The baseline weeks' counts summed, and their sentiment scores' pooled mean and variance."""
    sums = {
        name: float(baseline[name].sum())
        for name in (
            "nps_n",
            "promoters",
            "detractors",
            "csat_n",
            "satisfied",
            "scored_n",
            "impersonal_count",
        )
    }
    scored = baseline.filter(pl.col("sentiment_n") > 0)
    counts = scored["sentiment_n"].to_numpy().astype(float)
    means = scored["sentiment_mean"].to_numpy()
    spreads = scored["sentiment_sd"].fill_null(0).to_numpy()
    n = float(counts.sum())
    mean = float((means * counts).sum() / n) if n else math.nan
    squares = ((counts - 1) * spreads**2).sum() + (counts * (means - mean) ** 2).sum() if n else 0.0
    variance = float(squares) / (n - 1) if n > 1 else math.nan
    return {**sums, "sentiment_n": n, "sentiment_mean": mean, "sentiment_variance": variance}


def nps_alert(this: dict[str, Any], base: dict[str, float], weeks: int, min_answers: int) -> Alert | None:
    if this["nps_n"] < min_answers or base["nps_n"] == 0:
        return None
    week_nps, week_variance = adjusted_nps(this["promoters"], this["detractors"], this["nps_n"])
    base_nps, base_variance = adjusted_nps(base["promoters"], base["detractors"], base["nps_n"])
    change = (
        100 * (this["promoters"] - this["detractors"]) / this["nps_n"]
        - 100 * (base["promoters"] - base["detractors"]) / base["nps_n"]
    )
    margin = 100 * Z99 * math.sqrt(week_variance + base_variance)
    low, high = 100 * (week_nps - base_nps) - margin, 100 * (week_nps - base_nps) + margin
    if high >= 0:
        return None
    week_value = 100 * (this["promoters"] - this["detractors"]) / this["nps_n"]
    return Alert("nps", week_value, week_value - change, change, low, high, weeks)


def adjusted_nps(promoters: float, detractors: float, n: float) -> tuple[float, float]:
    """Adjusted-Wald NPS (as a -1..1 difference) and the variance of its estimate."""
    p, d = (promoters + 0.75) / (n + 3), (detractors + 0.75) / (n + 3)
    return p - d, (p + d - (p - d) ** 2) / (n + 3)


def share_alert(
    measure: str,
    this: dict[str, Any],
    base: dict[str, float],
    weeks: int,
    min_answers: int,
    part: str,
    whole: str,
    worse: int = 1,
) -> Alert | None:
    """A share that rose (worse=1: complaints, per 100) or fell (worse=-1: CSAT, in points) significantly."""
    if this[whole] < min_answers or base[whole] == 0:
        return None
    week_share, base_share = this[part] / this[whole], base[part] / base[whole]
    adjusted_week, adjusted_base = (this[part] + 1) / (this[whole] + 2), (base[part] + 1) / (base[whole] + 2)
    margin = Z99 * math.sqrt(
        adjusted_week * (1 - adjusted_week) / (this[whole] + 2)
        + adjusted_base * (1 - adjusted_base) / (base[whole] + 2)
    )
    low, high = 100 * (adjusted_week - adjusted_base - margin), 100 * (adjusted_week - adjusted_base + margin)
    if (worse > 0 and low <= 0) or (worse < 0 and high >= 0):
        return None
    change = 100 * (week_share - base_share)
    return Alert(measure, 100 * week_share, 100 * base_share, change, low, high, weeks)


def sentiment_alert(
    this: dict[str, Any], base: dict[str, float], weeks: int, min_answers: int
) -> Alert | None:
    n = this["sentiment_n"]
    if n < min_answers or not base["sentiment_n"] or this["sentiment_sd"] is None:
        return None
    change = this["sentiment_mean"] - base["sentiment_mean"]
    margin = Z99 * math.sqrt(this["sentiment_sd"] ** 2 / n + base["sentiment_variance"] / base["sentiment_n"])
    if change + margin >= 0:
        return None
    return Alert(
        "sentiment",
        this["sentiment_mean"],
        base["sentiment_mean"],
        change,
        change - margin,
        change + margin,
        weeks,
    )
