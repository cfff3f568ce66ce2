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
and the smallest effect detected in at least 80% of runs at 30, 60 and 150 answers a week.
"""

from __future__ import annotations

import argparse
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import polars as pl

from analysis.impact import (
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
    comparison_coverage: float | None = None  # the same, for the difference in differences
    comparison_detected: float | None = None


def evaluate(scenario: Scenario, runs: int, seed: int = 0) -> Outcome:
    rng = np.random.default_rng([seed, zlib.crc32(scenario.label.encode())])
    channel = "online" if scenario.comparison else None
    covered = detected = its = did_covered = did_detected = 0
    estimates, widths = [], []
    for run in range(runs):
        feedback = simulate(scenario, rng)
        impact = assess_rollout(feedback, "simulated", START, channel, settings=ImpactSettings(seed=run))
        change, low, high = impact.main
        if change is None or low is None or high is None:
            continue
        covered += low <= scenario.effect <= high
        detected += is_detection(low, high, scenario.effect)
        its += impact.its is not None
        estimates.append(change)
        widths.append(high - low)
        did = impact.did
        if did is not None and did.low is not None and did.high is not None:
            did_covered += did.low <= scenario.effect <= did.high
            did_detected += is_detection(did.low, did.high, scenario.effect)
    return Outcome(
        covered / runs,
        detected / runs,
        float(np.mean(estimates)),
        float(np.mean(widths)),
        its / runs,
        did_covered / runs if scenario.comparison else None,
        did_detected / runs if scenario.comparison else None,
    )


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
        if outcome.comparison_coverage is not None and outcome.comparison_detected is not None:
            rows += [
                (
                    f"{scenario.label}: coverage, difference in differences",
                    100 * outcome.comparison_coverage,
                    "%",
                ),
                (
                    f"{scenario.label}: {what}, difference in differences",
                    100 * outcome.comparison_detected,
                    "%",
                ),
            ]
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
