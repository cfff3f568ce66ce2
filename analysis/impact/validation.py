"""Simulated feedback with a known effect on NPS injected at a known date, and how analysis.impact judges it
(as shipped: 8-week windows, 2,000 week resamples): benchmarks/impact_validation.py reports the rates over a
grid of scenarios (README, "Validation").

The simulation: a day's answers are Poisson (weekly volume / 7, more on Saturdays and Sundays when there is
day-of-week seasonality); each answer is a promoter, passive or detractor with probabilities 50% / 30% / 20%
(NPS 30), shifted by the effect after the start and by a week-to-week swing ("noise": a normal shift of the
week's NPS with that sd, in points), and, with seasonality, by the weekday (weekend +10, weekdays -4 points).
An NPS shift of x points moves x/200 from detractors to promoters, so the true effect is exactly the
injected one.
"""

from __future__ import annotations

import functools
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import polars as pl

from analysis.impact.assessment import ITS_METHOD, assess_rollout
from analysis.impact.findings import judge
from analysis.impact.signals import SIGNALS, Periods, Weekly, fit_signal
from analysis.impact.windows import ImpactSettings

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


def is_detection(low: float, high: float, effect: float) -> bool:
    """Whether an interval says there was a change, on the effect's side (either side when there is none)."""
    if effect < 0:
        return high < 0
    if effect > 0:
        return low > 0
    return high < 0 or low > 0


# --- the findings (analysis.impact.findings): every signal, weekly looks -----------------------------------

FINDINGS_BASE = {"csat": 80.0, "ces": 60.0, "negative": 25.0, "impersonal": 4.0}  # per 100 answers / comments
COMMENT_SHARE = 0.6  # of the answers, those with a scored comment


@dataclass(frozen=True)
class SignalScenario:
    """Weekly answers in an affected and an untouched channel (the same volume), a year of history before
    the start, a shared yearly cycle (NPS ± `annual_amplitude` points, the shares ± half as much) and shared
    weekly swings (sd `week_noise` points), with an effect after the start on NPS (points) and a factor on
    the impersonal complaints' rate."""

    weekly_volume: float
    nps_effect: float = 0.0
    impersonal_factor: float = 1.0
    week_noise: float = 3.0
    annual_amplitude: float = 5.0
    weeks_before: int = 52
    weeks_after: int = 26
    comments_a_week: float | None = None  # scored comments a week (default: COMMENT_SHARE of the answers)


def simulate_signals(
    scenario: SignalScenario, rng: np.random.Generator
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The affected and the untouched channel's weekly series of every signal (analysis.impact.signals.Weekly)."""
    weeks = np.arange(-scenario.weeks_before, scenario.weeks_after)
    phase = rng.uniform(0, 2 * np.pi)
    common = rng.normal(0, scenario.week_noise, len(weeks)) + scenario.annual_amplitude * np.sin(
        2 * np.pi * weeks / 52.18 + phase
    )
    after = weeks >= 0

    def channel(effect: float, factor: float) -> dict[str, Any]:
        answers = rng.poisson(scenario.weekly_volume, len(weeks)).astype(float)
        shift = common + np.where(after, effect, 0.0)
        promoters = np.clip(BASE_PROMOTERS + shift / 200, 0, 1)
        detractors = np.clip(BASE_DETRACTORS - shift / 200, 0, 1 - promoters)
        counts = np.array(
            [
                rng.multinomial(int(n), [p, 1 - p - d, d])
                for n, p, d in zip(answers, promoters, detractors, strict=True)
            ]
        )
        series = {
            "nps": Weekly(
                weeks,
                100.0 * (counts[:, 0] - counts[:, 2]),
                10_000.0 * (counts[:, 0] + counts[:, 2]),
                answers,
            )
        }
        comment_mean = scenario.comments_a_week or COMMENT_SHARE * scenario.weekly_volume
        comments = rng.poisson(comment_mean, len(weeks)).astype(float)
        for name, base in FINDINGS_BASE.items():
            rate = base + common / 2 * (1 if name in ("csat", "ces") else -1)
            if name == "impersonal":
                rate = base * np.where(after, factor, 1.0) * np.ones(len(weeks))
            n = comments if name in ("negative", "impersonal") else answers
            hits = rng.binomial(n.astype(int), np.clip(rate / 100, 0, 1)).astype(float)
            series[name] = Weekly(weeks, 100.0 * hits, 10_000.0 * hits, n)
        series["volume"] = Weekly(weeks, answers, answers**2, np.ones(len(weeks)))
        return series

    return channel(scenario.nps_effect, scenario.impersonal_factor), channel(0.0, 1.0)


def judge_look(
    affected: dict[str, Any], untouched: dict[str, Any], weeks_before: int, look: int
) -> dict[str, Any]:
    """The findings after `look` weeks in force, as the product judges them (without the weeks to settle)."""
    periods = Periods(-weeks_before, look, look)
    fits = {}
    for signal in SIGNALS:
        comparison = None if signal.name == "volume" else untouched[signal.name]
        fits[signal.name] = fit_signal(signal.name, affected[signal.name], periods, comparison, "untouched")
    return {finding.signal: finding for finding in judge(fits, settle=False)}
