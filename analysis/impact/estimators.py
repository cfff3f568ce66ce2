"""Rollout impact, the estimators: week-bootstrap differences of window means, the difference in differences
against untouched channels, the interrupted time series, and the smallest change the data could show.
Numbers only; see analysis/impact/__init__.py for the method."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl
from scipy import stats

from analysis.impact.windows import ImpactSettings, WindowTotals, window_totals
from analysis.metrics import Z95

TYPICAL_NPS_SD = 78.0  # points: the spread of single NPS answers at 50% promoters, 20% detractors
WEEKDAYS = 7


@dataclass(frozen=True)
class Estimate:
    """A measure before and after, and the change with its 95% interval (None where it cannot be told)."""

    measure: str
    before: float | None
    after: float | None
    change: float | None
    low: float | None
    high: float | None
    n_before: int
    n_after: int

    @property
    def significant(self) -> bool:
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)


@dataclass(frozen=True)
class ItsEstimate:
    """Segmented regression of NPS answers on time: level change at the start, slope change (per week), and
    the average effect over the after window against the extrapolated trend, each with a 95% interval."""

    level_change: float
    level_low: float
    level_high: float
    slope_change: float
    slope_low: float
    slope_high: float
    effect: float
    effect_low: float
    effect_high: float
    slope_before: float
    slope_before_p: float
    weeks_before: int
    weekday_effects: bool

    @property
    def significant(self) -> bool:
        return self.effect_low > 0 or self.effect_high < 0


@dataclass(frozen=True)
class DidEstimate:
    """Difference in differences of a measure: the change where the rollout happened minus the change in
    the channels it did not touch, with a 95% bootstrap interval."""

    measure: str
    comparison: str
    affected_change: float
    comparison_change: float
    change: float
    low: float | None
    high: float | None


# --- bootstrap ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draws:
    """Bootstrap draws of a window's mean over whole weeks, with the variance they show, the variance that
    the sampling of answers alone implies (s^2 / n), and the numbers of weeks and answers."""

    values: Any
    week_variance: float
    answer_variance: float
    weeks: int
    n: int

    def stretched(self, rng: np.random.Generator) -> Any:
        """The draws with their variance raised to the answers' variance."""
        point = float(np.nanmean(self.values))
        if self.week_variance > 0:
            return point + (self.values - point) * math.sqrt(self.answer_variance / self.week_variance)
        return point + rng.normal(0, math.sqrt(self.answer_variance), len(self.values))  # every week alike


def bootstrap_means(totals: WindowTotals, resamples: int, rng: np.random.Generator) -> Draws | None:
    """Means of `resamples` resamples of whole weeks, rescaled by sqrt(G / (G - 1)); None below 2 weeks."""
    weeks = len(totals.sums)
    if weeks < 2:
        return None
    weights = rng.multinomial(weeks, np.full(weeks, 1 / weeks), size=resamples).astype(float)
    point = totals.sums.sum() / totals.counts.sum()
    resampled = (weights @ totals.sums) / (weights @ totals.counts)
    means = point + (resampled - point) * math.sqrt(weeks / (weeks - 1))
    return Draws(means, float(np.var(means, ddof=1)), totals.answer_variance, weeks, totals.n)


def combine_draws(
    parts: Sequence[Draws], signs: Sequence[int], rng: np.random.Generator
) -> tuple[Any, float]:
    """Draws of a sum or difference of window means (`signs` +1 / -1), and its degrees of freedom.

    Week resampling counts week-to-week swings as noise; but with few weeks its variance is noisy itself,
    and can come out below what the sampling of answers alone implies. When, over all the windows together,
    it does, the draws are stretched to the answers' variance (as a quasi-likelihood dispersion is floored
    at 1), with n - 1 degrees of freedom a window; otherwise the week draws stand, with G - 1. The degrees of
    freedom of the whole are Welch-Satterthwaite's."""
    if sum(part.week_variance for part in parts) >= sum(part.answer_variance for part in parts):
        values = [part.values for part in parts]
        variances = [(part.week_variance, part.weeks - 1) for part in parts]
    else:
        values = [part.stretched(rng) for part in parts]
        variances = [(part.answer_variance, part.n - 1) for part in parts]
    combined = sum(sign * value for sign, value in zip(signs, values, strict=True))
    return combined, welch_degrees_of_freedom(variances)


def welch_degrees_of_freedom(variances: Sequence[tuple[float, int]]) -> float:
    """Welch-Satterthwaite degrees of freedom of a sum of independent means, from (variance, df) pairs (from
    variances of bootstrap draws: statsmodels' and scipy's Welch tests take samples, not these)."""
    total = sum(variance for variance, _ in variances)
    spread = sum(variance**2 / max(degrees, 1) for variance, degrees in variances)
    return total**2 / spread if spread > 0 else math.inf


def interval(point: float, draws: Any, degrees_of_freedom: float) -> tuple[float, float]:
    """95% percentile interval of `draws` around `point`, widened from the normal to Student's t."""
    low, high = np.nanpercentile(draws, [2.5, 97.5])
    widen = float(stats.t.ppf(0.975, min(max(degrees_of_freedom, 1), 1e6))) / Z95
    return float(point + (low - point) * widen), float(point + (high - point) * widen)


def difference(
    weekly: pl.DataFrame,
    measure: str,
    before: tuple[int, int],
    after: tuple[int, int],
    settings: ImpactSettings,
    rng: np.random.Generator,
) -> Estimate:
    """After minus before for one measure, with its 95% week-bootstrap interval."""
    totals_before = window_totals(weekly, measure, *before)
    totals_after = window_totals(weekly, measure, *after)
    mean_before, mean_after = totals_before.mean, totals_after.mean
    counts = (totals_before.n, totals_after.n)
    if mean_before is None or mean_after is None:
        return Estimate(measure, mean_before, mean_after, None, None, None, *counts)
    change = mean_after - mean_before
    draws_before = bootstrap_means(totals_before, settings.resamples, rng)
    draws_after = bootstrap_means(totals_after, settings.resamples, rng)
    if draws_before is None or draws_after is None:
        return Estimate(measure, mean_before, mean_after, change, None, None, *counts)
    combined, degrees = combine_draws([draws_after, draws_before], [1, -1], rng)
    low, high = interval(change, combined, degrees)
    return Estimate(measure, mean_before, mean_after, change, low, high, *counts)


def difference_in_differences(
    affected: pl.DataFrame,
    comparison: pl.DataFrame,
    comparison_name: str,
    measure: str,
    windows: tuple[tuple[int, int], tuple[int, int]],
    settings: ImpactSettings,
    rng: np.random.Generator,
) -> DidEstimate | None:
    """The change in the affected channel minus the change in the comparison channels (weekly totals of
    each). Weeks are resampled together for both, so that swings common to all channels (weather, holidays)
    cancel out, as they do in the estimate."""
    means = [
        window_totals(part, measure, *window).mean for part in (affected, comparison) for window in windows
    ]
    if any(mean is None for mean in means):
        return None
    before, after, comparison_before, comparison_after = (float(mean or 0.0) for mean in means)
    affected_change, comparison_change = after - before, comparison_after - comparison_before
    change = affected_change - comparison_change
    contrasts = [
        paired_contrast_draws(affected, comparison, measure, window, settings, rng) for window in windows
    ]
    low = high = None
    if contrasts[0] is not None and contrasts[1] is not None:
        combined, degrees = combine_draws([contrasts[1], contrasts[0]], [1, -1], rng)
        low, high = interval(change, combined, degrees)
    return DidEstimate(measure, comparison_name, affected_change, comparison_change, change, low, high)


def paired_contrast_draws(
    affected: pl.DataFrame,
    comparison: pl.DataFrame,
    measure: str,
    window: tuple[int, int],
    settings: ImpactSettings,
    rng: np.random.Generator,
) -> Draws | None:
    """Draws of (affected mean - comparison mean) in a window, resampling the same weeks for both."""
    parts = [window_totals(part, measure, *window) for part in (affected, comparison)]
    weeks = np.union1d(parts[0].weeks, parts[1].weeks)
    if len(weeks) < 2:
        return None
    weights = rng.multinomial(len(weeks), np.full(len(weeks), 1 / len(weeks)), size=settings.resamples)
    draws = []
    for part in parts:
        sums, counts = np.zeros(len(weeks)), np.zeros(len(weeks))
        positions = np.searchsorted(weeks, part.weeks)
        sums[positions], counts[positions] = part.sums, part.counts
        with np.errstate(invalid="ignore", divide="ignore"):
            draws.append((weights @ sums) / (weights @ counts))
    point = float((parts[0].mean or 0.0) - (parts[1].mean or 0.0))
    values = point + (draws[0] - draws[1] - point) * math.sqrt(len(weeks) / (len(weeks) - 1))
    answer_variance = parts[0].answer_variance + parts[1].answer_variance
    return Draws(
        values, float(np.nanvar(values, ddof=1)), answer_variance, len(weeks), min(p.n for p in parts)
    )


# --- interrupted time series -----------------------------------------------------------------------


def interrupted_time_series(
    frame: pl.DataFrame, settings: ImpactSettings, after: tuple[int, int]
) -> ItsEstimate | None:
    """Segmented regression of weekly NPS (rows of `frame`, with week, weeks_since, local_date) from
    `its_weeks_before` weeks before the start to the end of the after window; None with too little data.

    Day-of-week effects, when every weekday has answers, are estimated on the answers (with the time terms)
    and taken out of each answer; then the weeks' means are regressed on time, weighted by their answers, and
    the intervals are Student's t on weeks - 4 degrees of freedom, with the residual variance floored at what
    the sampling of answers alone implies. Regressing weeks, not answers, makes the weeks' own swings part of
    the residual noise: answers regressed with errors clustered by week leaned on the few weeks after the
    start for the level and slope change, and the intervals came out too narrow when weeks swing (6.7% false
    alarms in 1,000 runs of benchmarks/impact_validation.py, 150 answers a week, swings of sd 5 points)."""
    rows = frame.filter(
        pl.col("nps_value").is_not_null()
        & (
            pl.col("week").is_between(-settings.its_weeks_before, -1)
            | pl.col("week").is_between(after[0], after[1], closed="left")
        )
    )
    weeks_before = rows.filter(pl.col("week") < 0)["week"].n_unique()
    weeks_after = rows.filter(pl.col("week") >= 0)["week"].n_unique()
    if weeks_before < settings.its_min_weeks_before or weeks_after < settings.its_min_weeks_after:
        return None
    rows, weekday_effects = without_weekday_effects(rows)
    fit = weekly_series_fit(rows)
    level, level_low, level_high, _ = fit.contrast({2: 1.0})
    slope, slope_low, slope_high, _ = fit.contrast({3: 1.0})
    effect, effect_low, effect_high, _ = fit.contrast({2: 1.0, 3: fit.mean_time_after})
    slope_before, _, _, slope_before_p = fit.contrast({1: 1.0})
    return ItsEstimate(
        level_change=level,
        level_low=level_low,
        level_high=level_high,
        slope_change=slope,
        slope_low=slope_low,
        slope_high=slope_high,
        effect=effect,
        effect_low=effect_low,
        effect_high=effect_high,
        slope_before=slope_before,
        slope_before_p=slope_before_p,
        weeks_before=int(weeks_before),
        weekday_effects=weekday_effects,
    )


def segments(time: Any) -> Any:
    """The segmented regression's design: intercept, time, level change and slope change at time 0."""
    post = (time >= 0).astype(float)
    return np.column_stack([np.ones_like(time), time, post, post * time])


def without_weekday_effects(rows: pl.DataFrame) -> tuple[pl.DataFrame, bool]:
    """The answers (groups of equal answers, see answer_weights) with the day-of-week effects taken out,
    estimated by least squares with the time terms (each group weighted by its answers), when every weekday
    has at least 5 answers; and whether they were."""
    weekdays, weights = rows["local_date"].dt.weekday().to_numpy(), answer_weights(rows)
    if np.bincount(weekdays, weights=weights, minlength=WEEKDAYS + 1)[1:].min() < 5:
        return rows, False
    dummies = np.column_stack([(weekdays == day).astype(float) for day in range(2, WEEKDAYS + 1)])
    design = np.column_stack([segments(rows["weeks_since"].to_numpy()), dummies])
    root = np.sqrt(weights)
    values = rows["nps_value"].to_numpy()
    coefficients, *_ = np.linalg.lstsq(design * root[:, None], values * root, rcond=None)
    adjusted = values - dummies @ coefficients[4:]
    return rows.with_columns(pl.Series("nps_value", adjusted)), True


def answer_weights(rows: pl.DataFrame) -> Any:
    """How many answers each row stands for: its `answers` (nps_answer_groups), else 1 (one answer a row)."""
    if "answers" in rows.columns:
        return rows["answers"].to_numpy().astype(float)
    return np.ones(rows.height)


@dataclass(frozen=True)
class WeeklySeries:
    """Weighted least squares of the weeks' mean NPS on the segmented design (weights: answers a week)."""

    params: Any
    cov: Any
    degrees_of_freedom: float
    mean_time_after: float

    def contrast(self, weights: dict[int, float]) -> tuple[float, float, float, float]:
        """A linear combination of the coefficients: estimate, 95% interval and two-sided p-value."""
        vector = np.zeros(len(self.params))
        for index, weight in weights.items():
            vector[index] = weight
        estimate = float(vector @ self.params)
        spread = math.sqrt(max(float(vector @ self.cov @ vector), 0.0))
        margin = float(stats.t.ppf(0.975, self.degrees_of_freedom)) * spread
        p_value = (
            float(2 * stats.t.sf(abs(estimate) / spread, self.degrees_of_freedom)) if spread > 0 else 0.0
        )
        return estimate, estimate - margin, estimate + margin, p_value


def weekly_series_fit(rows: pl.DataFrame) -> WeeklySeries:
    """The weeks' means of `rows` (nps_value, week, weeks_since, and answers when each row is a group of
    equal answers) regressed on time, weighted by answers."""
    import statsmodels.api as sm

    weighted = rows.with_columns(pl.Series("answers", answer_weights(rows)))
    answers = pl.col("answers")
    weeks = (
        weighted.group_by("week")
        .agg(
            ((pl.col("nps_value") * answers).sum() / answers.sum()).alias("nps_value"),
            ((pl.col("weeks_since") * answers).sum() / answers.sum()).alias("weeks_since"),
            answers.sum(),
        )
        .sort("week")
    )
    time, counts = weeks["weeks_since"].to_numpy(), weeks["answers"].to_numpy()
    fit = sm.WLS(weeks["nps_value"].to_numpy(), segments(time), weights=counts).fit()
    scale = max(float(fit.scale), within_week_variance(rows))
    after = time >= 0
    mean_time_after = float(np.average(time[after], weights=counts[after]))
    return WeeklySeries(fit.params, fit.normalized_cov_params * scale, float(fit.df_resid), mean_time_after)


def within_week_variance(rows: pl.DataFrame) -> float:
    """The variance of single answers around their week's mean (pooled over weeks): what the weeks' means
    would spread by if weeks did not swing. The regression's scale is floored at it, as a quasi-likelihood
    dispersion is floored at 1: with few weeks, their spread can come out smaller by chance."""
    weighted = rows.with_columns(pl.Series("answers", answer_weights(rows)))
    answers, value = pl.col("answers"), pl.col("nps_value")
    week_mean = ((value * answers).sum() / answers.sum()).over("week")
    squares = weighted.select((answers * (value - week_mean) ** 2).sum()).item()
    degrees = float(weighted["answers"].sum()) - weighted["week"].n_unique()
    return float(squares) / degrees if degrees > 0 else 0.0


# --- minimum detectable change ---------------------------------------------------------------------


def minimum_detectable_change(sd: float, weekly_answers: float, weeks: int) -> float | None:
    """The smallest change in a mean that a two-sided 5% test finds with 80% power, comparing `weeks` weeks
    before with `weeks` weeks after at `weekly_answers` answers a week and a per-answer spread `sd`.

    (t(0.975) + t(0.80)) * sd * sqrt(2 / (weekly_answers * weeks)), with Student's t on 2 * weeks - 2 degrees
    of freedom as the intervals have when weeks swing (with the normal's 1.96 + 0.84 it would be about 7%
    smaller at 8 weeks, and benchmarks/impact_validation.py finds that too optimistic). statsmodels'
    tt_ind_solve_power solves the noncentral t instead, which gives 3.0133 rather than 3.0128 at 8 weeks:
    close, but not today's tested numbers, and it is an iterative solve on the Trends page's path."""
    if weekly_answers <= 0 or weeks <= 1:
        return None
    degrees = 2 * weeks - 2
    multiplier = float(stats.t.ppf(0.975, degrees) + stats.t.ppf(0.80, degrees))
    return multiplier * sd * math.sqrt(2 / (weekly_answers * weeks))


def nps_answer_sd(promoters: float, detractors: float, n: float) -> float:
    """The spread (sample sd, in points) of single NPS answers scored +100, 0 and -100, from their counts; a
    typical value below 10 answers, as answer_sd."""
    if n < 10:
        return TYPICAL_NPS_SD
    p, d = promoters / n, detractors / n
    variance = (p + d - (p - d) ** 2) * n / (n - 1)
    return 100 * math.sqrt(variance) if variance > 0 else TYPICAL_NPS_SD


def recent_detectable_change(weekly: pl.DataFrame, weeks: int = 8) -> tuple[float, float | None]:
    """NPS answers a week, and the smallest NPS change that a rollout starting now could show over `weeks`
    weeks before and after, from weekly metrics (analysis.metrics.read_period_metrics by week): the volume and
    spread of the latest 2 * `weeks` calendar weeks (weeks without answers count as weeks)."""
    if weekly.is_empty():
        return 0.0, None
    first, last = weekly["period"].min(), weekly["period"].max()
    assert isinstance(first, date) and isinstance(last, date)
    recent = weekly.filter(pl.col("period") > last - timedelta(weeks=2 * weeks))
    calendar_weeks = min(2 * weeks, (last - first).days // 7 + 1)
    answers = int(recent["nps_n"].sum())
    weekly_answers = answers / calendar_weeks
    sd = nps_answer_sd(float(recent["promoters"].sum()), float(recent["detractors"].sum()), answers)
    return weekly_answers, minimum_detectable_change(sd, weekly_answers, weeks)


def answer_sd(frame: pl.DataFrame, window: tuple[int, int]) -> float:
    """The spread (sample sd) of single NPS answers in a window (answers, or groups of equal answers with their
    `answers`); a typical value when there are fewer than 10."""
    rows = frame.filter(pl.col("week").is_between(*window, closed="left") & pl.col("nps_value").is_not_null())
    weights, values = answer_weights(rows), rows["nps_value"].to_numpy()
    n = float(weights.sum())
    if n < 10:
        return TYPICAL_NPS_SD
    mean = float((weights * values).sum()) / n
    spread = math.sqrt(float((weights * (values - mean) ** 2).sum()) / (n - 1))
    return spread if spread > 0 else TYPICAL_NPS_SD
