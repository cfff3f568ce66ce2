"""Alerts for the weekly pulse: a significant drop in NPS, CSAT or mean sentiment, or a spike in impersonal
complaints, in one week against its trailing baseline (the weeks just before it, pooled), for all the feedback
in view and for each channel of it (scoped_alerts): a chatbot that only online customers meet shows in the
online channel long before it moves the whole.

Each comparison is an interval for the week minus the baseline: NPS with the adjusted-Wald variance
(Rocks 2016) on each side, CSAT and the complaint rate with Agresti-Caffo's (one success and one failure added
to each side), sentiment with Welch's. An alert is raised when the whole interval is on the bad side, and only
for weeks with at least `min_answers` answers of that measure. False alerts are controlled over everything
checked in a week: WEEKLY_FALSE_ALERTS is split evenly (Bonferroni) over the measures and scopes, so four
measures on all the feedback are each checked at 99% (two-sided), and with two channels as well at 99.7%.
The Pulse page colours a change between two periods by the same test (change_is_clear): within the noise it is
grey. Numbers only: reports/alerts.py says them in words; benchmarks/impact_validation.py measures the false
alerts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from statistics import NormalDist
from typing import Any

import polars as pl

WEEKLY_FALSE_ALERTS = 0.02  # the chance of any false alert in a week without change: about one a year
MEASURES_CHECKED = 4
Z99 = 2.5758293035489004  # four measures on one scope: one-sided 0.5% each
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
    low: float  # the interval of the change, at `confidence`
    high: float
    baseline_weeks: int
    channel: str | None = None  # the channel alerted on (None: all the feedback in view)
    confidence: float = 0.99


def alert_z(checks: int) -> float:
    """The normal quantile each of `checks` one-sided checks uses, so that a week without change raises a
    false alert with probability WEEKLY_FALSE_ALERTS at most (Bonferroni)."""
    return NormalDist().inv_cdf(1 - WEEKLY_FALSE_ALERTS / checks)


def scoped_alerts(
    scopes: Sequence[tuple[str | None, pl.DataFrame]],
    week: date,
    baseline_weeks: int = 8,
    min_answers: int = 10,
) -> list[Alert]:
    """The alerts of `week` for each scope (a channel, or None for all the feedback in view), each from its
    weekly metrics, with the false alerts controlled over all the scopes' checks together. A channel's alert
    that all the feedback also raises for the same measure is left out (said once, for everyone)."""
    z = alert_z(MEASURES_CHECKED * len(scopes))
    alerts = [
        replace(alert, channel=scope)
        for scope, weekly in scopes
        for alert in weekly_alerts(weekly, week, baseline_weeks, min_answers, z)
    ]
    overall = {alert.measure for alert in alerts if alert.channel is None}
    return [alert for alert in alerts if alert.channel is None or alert.measure not in overall]


def alert_scopes(
    weekly: pl.DataFrame, by_channel: pl.DataFrame | None
) -> list[tuple[str | None, pl.DataFrame]]:
    """The scopes scoped_alerts checks: all the feedback (`weekly`), and each channel of `by_channel` (the
    same weekly metrics with a `channel` column) when there are two or more."""
    scopes: list[tuple[str | None, pl.DataFrame]] = [(None, weekly)]
    if by_channel is not None and by_channel["channel"].drop_nulls().n_unique() > 1:
        for name in by_channel["channel"].drop_nulls().unique().sort():
            scopes.append((name, by_channel.filter(pl.col("channel") == name)))
    return scopes


def weekly_alerts(
    weekly: pl.DataFrame, week: date, baseline_weeks: int = 8, min_answers: int = 10, z: float = Z99
) -> list[Alert]:
    """The alerts of `week`, from a weekly metrics frame (analysis.metrics.read_period_metrics, by week),
    each check at the one-sided normal quantile `z`."""
    ordered = weekly.sort("period")
    current = ordered.filter(pl.col("period") == week)
    baseline = ordered.filter(pl.col("period") < week).tail(baseline_weeks)
    if current.is_empty() or baseline.is_empty():
        return []
    this = current.row(0, named=True)
    base = pooled(baseline)
    weeks = baseline.height
    alerts = [
        nps_alert(this, base, weeks, min_answers, z),
        share_alert("csat", this, base, weeks, min_answers, "satisfied", "csat_n", worse=-1, z=z),
        sentiment_alert(this, base, weeks, min_answers, z),
        share_alert("impersonal", this, base, weeks, min_answers, "impersonal_count", "scored_n", z=z),
    ]
    confidence = 1 - 2 * NormalDist().cdf(-z)
    return [replace(alert, confidence=confidence) for alert in alerts if alert is not None]


# --- the Pulse page's colours --------------------------------------------------------------------------

SHARES = {  # a Pulse page figure: (part, whole) of its weekly metrics
    "csat": ("satisfied", "csat_n"),
    "negative": ("negative", "scored_n"),
    "impersonal": ("impersonal_count", "scored_n"),
    "ces": ("ces_easy", "ces_n"),
    "repeat": ("returning_customers", "active_customers"),  # analysis.loyalty.spans
}


def change_is_clear(measure: str, this: dict[str, Any], last: dict[str, Any] | None, z: float = Z99) -> bool:
    """Whether a figure's change from one period (`last`) to another (`this`) is beyond the noise, by the
    alerts' test (either way): NPS (adjusted Wald), a share of SHARES (Agresti-Caffo), the mean stars (Welch)
    or the volume `n` (the difference of two Poisson counts)."""
    if last is None:
        return False
    if measure == "nps":
        if not this["nps_n"] or not last["nps_n"]:
            return False
        low, high = nps_change_interval(this, last, z)
    elif measure == "n":
        margin = z * math.sqrt(this["n"] + last["n"])
        low, high = this["n"] - last["n"] - margin, this["n"] - last["n"] + margin
    elif measure == "stars":
        if this["stars_sd"] is None or last["stars_sd"] is None:
            return False
        change = this["stars_mean"] - last["stars_mean"]
        margin = z * math.sqrt(
            this["stars_sd"] ** 2 / this["stars_n"] + last["stars_sd"] ** 2 / last["stars_n"]
        )
        low, high = change - margin, change + margin
    else:
        part, whole = SHARES[measure]
        if not this.get(whole) or not last.get(whole):
            return False
        low, high = share_change_interval(this[part], this[whole], last[part], last[whole], z)
    return low > 0 or high < 0


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


def nps_change_interval(this: dict[str, Any], base: dict[str, Any], z: float) -> tuple[float, float]:
    """The adjusted-Wald interval (in points) of this NPS minus the base's."""
    week_nps, week_variance = adjusted_nps(this["promoters"], this["detractors"], this["nps_n"])
    base_nps, base_variance = adjusted_nps(base["promoters"], base["detractors"], base["nps_n"])
    margin = 100 * z * math.sqrt(week_variance + base_variance)
    return 100 * (week_nps - base_nps) - margin, 100 * (week_nps - base_nps) + margin


def share_change_interval(
    part: float, whole: float, base_part: float, base_whole: float, z: float
) -> tuple[float, float]:
    """Agresti-Caffo's interval (in points) of this share minus the base's."""
    adjusted_week, adjusted_base = (part + 1) / (whole + 2), (base_part + 1) / (base_whole + 2)
    margin = z * math.sqrt(
        adjusted_week * (1 - adjusted_week) / (whole + 2)
        + adjusted_base * (1 - adjusted_base) / (base_whole + 2)
    )
    return 100 * (adjusted_week - adjusted_base - margin), 100 * (adjusted_week - adjusted_base + margin)


def nps_alert(
    this: dict[str, Any], base: dict[str, float], weeks: int, min_answers: int, z: float = Z99
) -> Alert | None:
    if this["nps_n"] < min_answers or base["nps_n"] == 0:
        return None
    change = (
        100 * (this["promoters"] - this["detractors"]) / this["nps_n"]
        - 100 * (base["promoters"] - base["detractors"]) / base["nps_n"]
    )
    low, high = nps_change_interval(this, base, z)
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
    z: float = Z99,
) -> Alert | None:
    """A share that rose (worse=1: complaints, per 100) or fell (worse=-1: CSAT, in points) significantly."""
    if this[whole] < min_answers or base[whole] == 0:
        return None
    week_share, base_share = this[part] / this[whole], base[part] / base[whole]
    low, high = share_change_interval(this[part], this[whole], base[part], base[whole], z)
    if (worse > 0 and low <= 0) or (worse < 0 and high >= 0):
        return None
    change = 100 * (week_share - base_share)
    return Alert(measure, 100 * week_share, 100 * base_share, change, low, high, weeks)


def sentiment_alert(
    this: dict[str, Any], base: dict[str, float], weeks: int, min_answers: int, z: float = Z99
) -> Alert | None:
    n = this["sentiment_n"]
    if n < min_answers or not base["sentiment_n"] or this["sentiment_sd"] is None:
        return None
    change = this["sentiment_mean"] - base["sentiment_mean"]
    margin = z * math.sqrt(this["sentiment_sd"] ** 2 / n + base["sentiment_variance"] / base["sentiment_n"])
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
