"""Does the impact verdict hold up? Weekly feedback is simulated with a known effect on NPS injected at a
known date, and analysis.impact.assess_rollout (as shipped: 8-week windows, 2,000 week resamples) judges it.

    python -m benchmarks.impact_validation [--runs 200]      (or: make bench, as "impact_validation")

The simulation: a day's answers are Poisson (weekly volume / 7, more on Saturdays and Sundays when there is
day-of-week seasonality); each answer is a promoter, passive or detractor with probabilities 50% / 30% / 20%
(NPS 30), shifted by the effect after the start and by a week-to-week swing ("noise": a normal shift of the
week's NPS with that sd, in points), and, with seasonality, by the weekday (weekend +10, weekdays -4 points).
An NPS shift of x points moves x/200 from detractors to promoters, so the true effect is exactly the
injected one.

Figures per scenario, over `runs` runs: coverage (the 95% interval holds the true effect), detection (the
interval excludes zero on the side of the effect: power, or the false-alarm rate when there is no effect),
and the smallest effect detected in at least 80% of runs at 30, 60 and 150 answers a week. A rate measured on
200 runs has a Monte Carlo margin of about ±3 points at 5% (95%), too wide to tell 5% from 7%; so every
scenario without an effect is also run 5 times as often (its first `runs` runs are the same ones), and its
false-alarm rate is given with its 95% Wilson interval.
"""

from __future__ import annotations

import argparse
import functools
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import polars as pl

from analysis.impact import (
    ITS_METHOD,
    TYPICAL_NPS_SD,
    ImpactSettings,
    assess_rollout,
    minimum_detectable_change,
)

Row = tuple[str, float, str]
START = date(2026, 4, 13)  # a Monday
BASE_PROMOTERS, BASE_DETRACTORS = 0.5, 0.2
WEEKDAY_VOLUME = np.array([1, 1, 1, 1, 1, 1.5, 1.5])  # Monday..Sunday
WEEKDAY_SHIFT = np.array([-4, -4, -4, -4, -4, 10, 10], dtype=float)  # NPS points
SCORE_OF_KIND = np.array([10, 8, 3])  # promoter, passive, detractor


@dataclass(frozen=True)
class Scenario:
    effect: float  # NPS points, injected at the start
    weekly_volume: int
    week_noise: float = 0.0  # sd of a week's NPS swing, in points
    weekday_seasonality: bool = True
    weeks_before: int = 8
    weeks_after: int = 8
    annual_amplitude: float = 0.0  # NPS points, a 52-week cycle
    comparison: bool = False  # a second channel ("in-store"), untouched, with the same swings and seasons

    @property
    def label(self) -> str:
        parts = [f"effect {self.effect:+g}", f"{self.weekly_volume}/week", f"noise {self.week_noise:g}"]
        if not self.weekday_seasonality:
            parts.append("no weekday pattern")
        if self.annual_amplitude:
            parts.append(f"yearly cycle ±{self.annual_amplitude:g}")
        if self.weeks_before != 8:
            parts.append(f"{self.weeks_before} weeks of history")
        if self.comparison:
            parts.append("untouched comparison channel")
        return ", ".join(parts)


def simulate(scenario: Scenario, rng: np.random.Generator) -> pl.DataFrame:
    """NPS answers for the scenario's weeks around START: created_at (noon UTC), nps and channel."""
    weeks = np.arange(-scenario.weeks_before, scenario.weeks_after)
    days = weeks[:, None] * 7 + np.arange(7)[None, :]  # days since START, (weeks, 7)
    shift = np.zeros(days.shape, dtype=float)
    if scenario.week_noise:
        shift += rng.normal(0, scenario.week_noise, size=(len(weeks), 1))
    if scenario.weekday_seasonality:
        shift += WEEKDAY_SHIFT[None, :]
    if scenario.annual_amplitude:
        shift += scenario.annual_amplitude * np.sin(2 * np.pi * days / 364)
    affected = simulate_channel(scenario, days, shift + np.where(days >= 0, scenario.effect, 0.0), rng)
    if not scenario.comparison:
        return affected.with_columns(channel=pl.lit("online"))
    untouched = simulate_channel(scenario, days, shift, rng)
    return pl.concat(
        [affected.with_columns(channel=pl.lit("online")), untouched.with_columns(channel=pl.lit("in-store"))]
    )


def simulate_channel(scenario: Scenario, days: Any, shift: Any, rng: np.random.Generator) -> pl.DataFrame:
    """Answers on `days` (days since START) whose NPS is 30 + `shift` points."""
    volume = WEEKDAY_VOLUME if scenario.weekday_seasonality else np.ones(7)
    counts = rng.poisson(np.broadcast_to(scenario.weekly_volume * volume / volume.sum(), days.shape))
    promoters = np.clip(BASE_PROMOTERS + shift / 200, 0, 1)
    detractors = np.clip(BASE_DETRACTORS - shift / 200, 0, 1 - promoters)
    p = np.repeat(promoters.ravel(), counts.ravel())
    d = np.repeat(detractors.ravel(), counts.ravel())
    uniform = rng.random(len(p))
    kinds = np.where(uniform < p, 0, np.where(uniform < 1 - d, 1, 2))
    start = datetime(START.year, START.month, START.day, 12, tzinfo=UTC)
    offsets = pl.Series(np.repeat(days.ravel(), counts.ravel()), dtype=pl.Int64)
    return pl.DataFrame({"offset": offsets, "nps": SCORE_OF_KIND[kinds]}).select(
        (pl.lit(start) + pl.duration(days=pl.col("offset"))).alias("created_at"),
        pl.col("nps").cast(pl.Int8),
    )


@dataclass(frozen=True)
class Outcome:
    coverage: float  # share of runs whose interval holds the true effect
    detected: float  # share of runs whose interval excludes 0 on the effect's side (any side when 0)
    mean_estimate: float
    mean_width: float
    its_share: float  # share of runs where the time series was the main estimate
    own_coverage: float | None = None  # with a comparison channel: the same, for the channel alone
    own_detected: float | None = None


@functools.cache  # the MDC search runs scenarios of the grid again: deterministic, so run once
def evaluate(scenario: Scenario, runs: int, seed: int = 0) -> Outcome:
    rng = np.random.default_rng([seed, zlib.crc32(scenario.label.encode())])
    channel = "online" if scenario.comparison else None
    covered = detected = its = own_covered = own_detected = 0
    estimates, widths = [], []
    for run in range(runs):
        feedback = simulate(scenario, rng)
        impact = assess_rollout(feedback, "simulated", START, channel, settings=ImpactSettings(seed=run))
        change, low, high = impact.main
        if change is None or low is None or high is None:
            continue
        covered += low <= scenario.effect <= high
        detected += is_detection(low, high, scenario.effect)
        its += impact.main_method == ITS_METHOD
        estimates.append(change)
        widths.append(high - low)
        _, own_low, own_high = impact.own
        if scenario.comparison and own_low is not None and own_high is not None:
            own_covered += own_low <= scenario.effect <= own_high
            own_detected += is_detection(own_low, own_high, scenario.effect)
    return Outcome(
        covered / runs,
        detected / runs,
        float(np.mean(estimates)),
        float(np.mean(widths)),
        its / runs,
        own_covered / runs if scenario.comparison else None,
        own_detected / runs if scenario.comparison else None,
    )


def wilson(rate: float, runs: int) -> tuple[float, float]:
    """The 95% Wilson interval of a rate measured in `runs` runs (statsmodels' proportion_confint)."""
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(rate * runs, runs, alpha=0.05, method="wilson")
    return float(low), float(high)


def is_detection(low: float, high: float, effect: float) -> bool:
    """Whether an interval says there was a change, on the effect's side (either side when there is none)."""
    if effect < 0:
        return high < 0
    if effect > 0:
        return low > 0
    return high < 0 or low > 0


GRID = [
    Scenario(effect, volume, noise)
    for volume in (30, 60, 150)
    for noise in (0.0, 5.0)
    for effect in (0.0, -5.0, -10.0, -20.0)
]
EXTRA = [
    Scenario(0.0, 150, weekday_seasonality=False),
    Scenario(-10.0, 150, weekday_seasonality=False),
    Scenario(0.0, 150, weeks_before=26),
    Scenario(-10.0, 150, weeks_before=26),
    Scenario(0.0, 150, 5.0, weeks_before=26),
    Scenario(-10.0, 150, 5.0, weeks_before=26),
    Scenario(0.0, 150, annual_amplitude=5.0),
    Scenario(-10.0, 150, annual_amplitude=5.0),
    Scenario(0.0, 150, 5.0, annual_amplitude=5.0, comparison=True),
    Scenario(-10.0, 150, 5.0, annual_amplitude=5.0, comparison=True),
]
CHECK_FACTOR = 5  # scenarios without an effect are also run 5 times as often, for a precise false-alarm rate


def false_alarm_check(scenario: Scenario, runs: int) -> list[Row]:
    """The false-alarm rate over `runs` runs, with its 95% Monte Carlo (Wilson) interval."""
    rate = evaluate(scenario, runs).detected
    low, high = wilson(rate, runs)
    label = f"{scenario.label}: false alarms in {runs:,} runs"
    return [
        (label, 100 * rate, "%"),
        (f"{label}, 95% interval low", 100 * low, "%"),
        (f"{label}, 95% interval high", 100 * high, "%"),
    ]


SEARCH_EFFECTS = (-2.5, -5.0, -7.5, -10.0, -12.5, -15.0, -17.5, -20.0, -22.5, -25.0, -30.0, -35.0, -40.0)


def smallest_detectable(volume: int, runs: int) -> tuple[float | None, float]:
    """The smallest drop (on SEARCH_EFFECTS) found in at least 80% of runs, with its detection rate."""
    for effect in SEARCH_EFFECTS:
        outcome = evaluate(Scenario(effect, volume), runs)  # the grid's runs, where the grid has the effect
        if outcome.detected >= 0.8:
            return effect, outcome.detected
    return None, 0.0


def validation_rows(runs: int = 200) -> list[Row]:
    rows: list[Row] = []
    for scenario in GRID + EXTRA:
        outcome = evaluate(scenario, runs)
        what = "false alarms" if scenario.effect == 0 else "detected"
        rows += [
            (f"{scenario.label}: coverage of the 95% interval", 100 * outcome.coverage, "%"),
            (f"{scenario.label}: {what}", 100 * outcome.detected, "%"),
            (f"{scenario.label}: mean estimate", outcome.mean_estimate, "points"),
            (f"{scenario.label}: mean interval width", outcome.mean_width, "points"),
        ]
        if outcome.its_share:
            rows.append((f"{scenario.label}: runs judged by the time series", 100 * outcome.its_share, "%"))
        if outcome.own_coverage is not None and outcome.own_detected is not None:
            rows += [
                (f"{scenario.label}: coverage, the channel alone", 100 * outcome.own_coverage, "%"),
                (f"{scenario.label}: {what}, the channel alone", 100 * outcome.own_detected, "%"),
            ]
        if scenario.effect == 0:
            rows += false_alarm_check(scenario, CHECK_FACTOR * runs)
    for volume in (30, 60, 150):
        effect, rate = smallest_detectable(volume, runs)
        formula = minimum_detectable_change(TYPICAL_NPS_SD, volume, 8) or 0.0
        rows += [
            (
                f"smallest drop detected in ≥80% of runs at {volume}/week (grid of 2.5 points)",
                abs(effect) if effect is not None else float("nan"),
                "points",
            ),
            (f"detection rate at that drop, {volume}/week", 100 * rate, "%"),
            (f"minimum detectable change by formula at {volume}/week (sd 78)", formula, "points"),
        ]
    return rows


def bench_impact_validation(runs: int = 200) -> list[Row]:
    started = time.perf_counter()
    rows = validation_rows(runs)
    rows.append(("runs per scenario", float(runs), "runs"))
    rows.append(("time for the whole validation", time.perf_counter() - started, "s"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=200)
    arguments = parser.parse_args()
    for figure, value, unit in bench_impact_validation(arguments.runs):
        print(f"| {figure} | {value:,.1f} {unit} |")


if __name__ == "__main__":
    main()
