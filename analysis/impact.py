"""Did a rollout change how customers feel? Before / after differences, an interrupted time series, a
comparison channel, a verdict in plain language, and the smallest change the data could show.

Every measure is the mean of a per-response value, so one machinery serves them all: NPS (+100 for a
promoter, -100 for a detractor, 0 for a passive), CSAT (100 for a 4-5, else 0: percentage points), sentiment
(the score, -1..1) and impersonal complaints (100 for a complaint: per 100 scored items).

Windows are counted in whole weeks from the rollout's start date, in the business's time zone: the
`weeks` weeks before the start, and the `weeks` weeks after it (after an optional burn-in). Intervals are
bootstrap intervals that resample whole weeks (so that week-to-week swings, not only the sampling of
answers, count as noise), rescaled by sqrt(G / (G - 1)). With few weeks the weeks' spread is itself noisy
and can come out below what the sampling of answers implies (s^2 / n); then the answers' variance is used
(a dispersion floored at 1). The percentile interval is widened from the normal to Student's t with
Welch-Satterthwaite degrees of freedom (G - 1 a window for the weeks' variance, n - 1 for the answers').
The draws are vectorised with numpy and seeded.

The interrupted time series (segmented regression with statsmodels: level change and slope change, with
day-of-week effects when every weekday has answers, standard errors clustered by week, or the plain ones
when those are larger) is the channel's own estimate when there are at least `its_min_weeks_before` weeks of
answers before the start; otherwise the before / after difference is. When the rollout touched one channel
and there are others, the main estimate (the verdict's) is the difference in differences against them:
a change that every channel shows (a season, the weather, a holiday) is not the rollout's, and a before /
after comparison or a straight trend cannot tell the two apart. See benchmarks/impact_validation.py for how
these intervals hold up on simulated data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl
from scipy import stats

Z95 = 1.959963984540054
DID_METHOD, ITS_METHOD, BEFORE_AFTER_METHOD = (
    "difference in differences",
    "interrupted time series",
    "before / after",
)
TYPICAL_NPS_SD = 78.0  # points: the spread of single NPS answers at 50% promoters, 20% detractors
WEEKDAYS = 7


# Each measure as the per-response value whose mean it is (null where the response did not answer it)
MEASURES: dict[str, pl.Expr] = {
    "nps": pl.when(pl.col("nps") >= 9).then(100.0).when(pl.col("nps") <= 6).then(-100.0).otherwise(0.0),
    "csat": (pl.col("csat") >= 4).cast(pl.Float64) * 100,  # percentage points
    "sentiment": pl.col("sentiment_score").cast(pl.Float64),  # -1..1
    "impersonal": pl.col("impersonal").cast(pl.Float64) * 100,  # per 100 scored items
}
SOURCE_COLUMNS = {"nps": "nps", "csat": "csat", "sentiment": "sentiment_score", "impersonal": "impersonal"}


@dataclass(frozen=True)
class ImpactSettings:
    weeks: int = 8  # length of the before and of the after window
    burn_in_weeks: int = 0  # weeks after the start left out, while customers get used to the change
    resamples: int = 2000
    seed: int = 0
    min_answers: int = 30  # NPS answers per window below which the data are too thin
    its_weeks_before: int = 26  # history that the interrupted time series may use
    its_min_weeks_before: int = 12  # weeks with answers before the start for the ITS to be the main estimate
    its_min_weeks_after: int = 4

    def __post_init__(self) -> None:
        if self.weeks < 2 or self.burn_in_weeks < 0 or self.resamples < 100:
            raise ValueError("windows need at least 2 weeks, burn-in 0 or more, and at least 100 resamples")


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


@dataclass(frozen=True)
class RolloutImpact:
    name: str
    started_on: date
    channel: str | None  # the channel analysed (None: all feedback)
    before_start: date
    after_start: date
    after_end: date  # exclusive
    estimates: dict[str, Estimate]
    its: ItsEstimate | None
    did: DidEstimate | None
    main_method: str  # "difference in differences", "interrupted time series" or "before / after"
    weekly_answers: float  # NPS answers per week before the start
    minimum_detectable: float | None  # NPS points
    warnings: list[str] = field(default_factory=list)
    verdict: str = ""
    detectable_note: str = ""

    @property
    def main(self) -> tuple[float | None, float | None, float | None]:
        """The main NPS estimate, the verdict's: change, low, high. The comparison with the untouched channels
        when there is one (swings and seasons common to all channels cancel out), else the channel's own."""
        if self.main_method == DID_METHOD and self.did is not None:
            return self.did.change, self.did.low, self.did.high
        return self.own

    @property
    def own(self) -> tuple[float | None, float | None, float | None]:
        """The NPS estimate of the analysed feedback alone: the time series where there is enough history,
        else before / after."""
        if self.its is not None:
            return self.its.effect, self.its.effect_low, self.its.effect_high
        nps = self.estimates["nps"]
        return nps.change, nps.low, nps.high


# --- frames ------------------------------------------------------------------------------------------


def add_response_values(frame: pl.DataFrame, timezone: str) -> pl.DataFrame:
    """Per-response values of every measure (null where not answered) and the local date."""
    for name, column in SOURCE_COLUMNS.items():
        if column not in frame.columns:
            dtype = pl.Float64 if name == "sentiment" else (pl.Boolean if name == "impersonal" else pl.Int8)
            frame = frame.with_columns(pl.lit(None, dtype=dtype).alias(column))
    values = [
        pl.when(pl.col(SOURCE_COLUMNS[name]).is_not_null()).then(value).alias(f"{name}_value")
        for name, value in MEASURES.items()
    ]
    local_date = pl.col("created_at").dt.convert_time_zone(timezone).dt.date().alias("local_date")
    return frame.with_columns(*values, local_date)


def day_totals(feedback: pl.DataFrame, timezone: str) -> pl.DataFrame:
    """Per local day (`local_date`) and channel: the sum (`<measure>_total`), sum of squares
    (`<measure>_squares`) and count (`<measure>_count`) of every measure's per-response values. Everything
    below works on these, or on the NPS answers rebuilt from them (nps_answers)."""
    frame = add_response_values(feedback, timezone)
    if "channel" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias("channel"))
    return frame.group_by("local_date", "channel").agg(
        *[pl.col(f"{name}_value").sum().alias(f"{name}_total") for name in MEASURES],
        *[(pl.col(f"{name}_value") ** 2).sum().alias(f"{name}_squares") for name in MEASURES],
        *[pl.col(f"{name}_value").count().alias(f"{name}_count") for name in MEASURES],
    )


def day_totals_from_counts(counts: pl.DataFrame) -> pl.DataFrame:
    """day_totals from counts per local day (`day` and analysis.metrics.SUM_COLUMNS, as store.daily_counts
    keeps them): NPS, CSAT and complaint values are 100, 0 or -100, so their counts give their sums; the
    sentiment scores' sums are kept as they are. Impersonal flags come with a score, so their count is the
    scored items'."""
    summed = counts.group_by(pl.col("day").alias("local_date"), "channel").agg(
        pl.col("promoters", "detractors", "nps_n", "satisfied", "csat_n").sum(),
        pl.col("sentiment_sum", "sentiment_squares", "sentiment_n", "impersonal_count", "scored_n").sum(),
    )
    values = {  # measure: (sum, sum of squares, count)
        "nps": (
            100 * (pl.col("promoters") - pl.col("detractors")),
            10_000 * (pl.col("promoters") + pl.col("detractors")),
            pl.col("nps_n"),
        ),
        "csat": (100 * pl.col("satisfied"), 10_000 * pl.col("satisfied"), pl.col("csat_n")),
        "sentiment": (pl.col("sentiment_sum"), pl.col("sentiment_squares"), pl.col("sentiment_n")),
        "impersonal": (
            100 * pl.col("impersonal_count"),
            10_000 * pl.col("impersonal_count"),
            pl.col("scored_n"),
        ),
    }
    return summed.select(
        "local_date",
        "channel",
        *[total.cast(pl.Float64).alias(f"{name}_total") for name, (total, _, _) in values.items()],
        *[squares.cast(pl.Float64).alias(f"{name}_squares") for name, (_, squares, _) in values.items()],
        *[count.cast(pl.UInt32).alias(f"{name}_count") for name, (_, _, count) in values.items()],
    )


def add_week_index(frame: pl.DataFrame, start: date) -> pl.DataFrame:
    """`week`: whole weeks since the rollout's start (0 is its first week, -1 the week before)."""
    days = (pl.col("local_date") - pl.lit(start)).dt.total_days()
    return frame.with_columns(days.floordiv(7).alias("week"), (days / 7).alias("weeks_since"))


TOTAL_COLUMNS = [f"{name}_{part}" for part in ("total", "squares", "count") for name in MEASURES]


def weekly_totals(days: pl.DataFrame) -> pl.DataFrame:
    """Per week with feedback: the sum, sum of squares and count of every measure's values (day totals summed).
    The bootstrap works on these, never on single rows."""
    return days.group_by("week").agg(pl.col(TOTAL_COLUMNS).sum()).sort("week")


def nps_answers(days: pl.DataFrame) -> pl.DataFrame:
    """The NPS answers of day totals (with week), one row each: `nps_value` 100, 0 or -100, with the day's
    local_date, week and weeks_since. A day's sum and sum of squares of such values give its promoters and
    detractors, so these are the answers themselves, in another order."""
    promoters = (pl.col("nps_squares") / 10_000 + pl.col("nps_total") / 100) / 2
    detractors = (pl.col("nps_squares") / 10_000 - pl.col("nps_total") / 100) / 2
    counts = days.select(
        "local_date",
        "week",
        "weeks_since",
        promoters.round().cast(pl.Int64).alias("100"),
        detractors.round().cast(pl.Int64).alias("-100"),
        (pl.col("nps_count") - promoters.round() - detractors.round()).cast(pl.Int64).alias("0"),
    )
    answers = counts.unpivot(["100", "0", "-100"], index=["local_date", "week", "weeks_since"])
    return answers.filter(pl.col("value") > 0).select(
        pl.col("local_date", "week", "weeks_since").repeat_by("value").explode(),
        pl.col("variable").cast(pl.Float64).repeat_by("value").explode().alias("nps_value"),
    )


@dataclass(frozen=True)
class WindowTotals:
    """One measure in one window: per week with answers, the sum, sum of squares and count of its values."""

    sums: Any
    squares: Any
    counts: Any
    weeks: Any  # the week numbers

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    @property
    def mean(self) -> float | None:
        return float(self.sums.sum() / self.n) if self.n else None

    @property
    def answer_variance(self) -> float:
        """The variance of the mean if answers were independent (no week-to-week swings): s^2 / n."""
        if self.n < 2:
            return 0.0
        mean = self.sums.sum() / self.n
        spread = max(float(self.squares.sum() / self.n - mean**2), 0.0) * self.n / (self.n - 1)
        return spread / self.n


def window_totals(weekly: pl.DataFrame, measure: str, first_week: int, last_week: int) -> WindowTotals:
    """A measure's weekly totals in the weeks [first_week, last_week) that have answers."""
    rows = weekly.filter(
        pl.col("week").is_between(first_week, last_week, closed="left") & (pl.col(f"{measure}_count") > 0)
    )
    sums, squares, counts = (
        rows[f"{measure}_{part}"].to_numpy().astype(float) for part in ("total", "squares", "count")
    )
    return WindowTotals(sums, squares, counts, rows["week"].to_numpy())


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
    """Welch-Satterthwaite degrees of freedom of a sum of independent means, from (variance, df) pairs."""
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
    """The answers with the day-of-week effects taken out (estimated by least squares with the time terms),
    when every weekday has at least 5 answers; and whether they were."""
    weekdays = rows["local_date"].dt.weekday().to_numpy()
    if np.bincount(weekdays, minlength=WEEKDAYS + 1)[1:].min() < 5:
        return rows, False
    dummies = np.column_stack([(weekdays == day).astype(float) for day in range(2, WEEKDAYS + 1)])
    design = np.column_stack([segments(rows["weeks_since"].to_numpy()), dummies])
    coefficients, *_ = np.linalg.lstsq(design, rows["nps_value"].to_numpy(), rcond=None)
    adjusted = rows["nps_value"].to_numpy() - dummies @ coefficients[4:]
    return rows.with_columns(pl.Series("nps_value", adjusted)), True


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
    """The weeks' means of `rows` (nps_value, week, weeks_since) regressed on time, weighted by answers."""
    import statsmodels.api as sm

    weeks = (
        rows.group_by("week")
        .agg(pl.col("nps_value").mean(), pl.col("weeks_since").mean(), pl.len().alias("answers"))
        .sort("week")
    )
    time, answers = weeks["weeks_since"].to_numpy(), weeks["answers"].to_numpy()
    fit = sm.WLS(weeks["nps_value"].to_numpy(), segments(time), weights=answers).fit()
    scale = max(float(fit.scale), within_week_variance(rows))
    after = time >= 0
    mean_time_after = float(np.average(time[after], weights=answers[after]))
    return WeeklySeries(fit.params, fit.normalized_cov_params * scale, float(fit.df_resid), mean_time_after)


def within_week_variance(rows: pl.DataFrame) -> float:
    """The variance of single answers around their week's mean (pooled over weeks): what the weeks' means
    would spread by if weeks did not swing. The regression's scale is floored at it, as a quasi-likelihood
    dispersion is floored at 1: with few weeks, their spread can come out smaller by chance."""
    deviations = rows.select(pl.col("nps_value") - pl.col("nps_value").mean().over("week"))
    degrees = rows.height - rows["week"].n_unique()
    return float((deviations.to_series() ** 2).sum()) / degrees if degrees > 0 else 0.0


# --- minimum detectable change ---------------------------------------------------------------------


def minimum_detectable_change(sd: float, weekly_answers: float, weeks: int) -> float | None:
    """The smallest change in a mean that a two-sided 5% test finds with 80% power, comparing `weeks` weeks
    before with `weeks` weeks after at `weekly_answers` answers a week and a per-answer spread `sd`.

    (t(0.975) + t(0.80)) * sd * sqrt(2 / (weekly_answers * weeks)), with Student's t on 2 * weeks - 2 degrees
    of freedom as the intervals have when weeks swing (with the normal's 1.96 + 0.84 it would be about 7%
    smaller at 8 weeks, and benchmarks/impact_validation.py finds that too optimistic)."""
    if weekly_answers <= 0 or weeks <= 1:
        return None
    degrees = 2 * weeks - 2
    multiplier = float(stats.t.ppf(0.975, degrees) + stats.t.ppf(0.80, degrees))
    return multiplier * sd * math.sqrt(2 / (weekly_answers * weeks))


def detectable_sentence(weekly_answers: float, change: float | None, weeks: int) -> str:
    """ "With about 40 responses a week, only NPS changes larger than about 17 points over 8 weeks can be
    detected." """
    if change is None:
        return "There are no NPS answers to tell a change from noise."
    step = 5 if weekly_answers < 100 else 10
    volume = max(1, round(weekly_answers / step) * step) if weekly_answers >= 5 else round(weekly_answers, 1)
    return (
        f"With about {volume:g} responses a week, only NPS changes larger than about {change:.0f} points "
        f"over {weeks} weeks can be detected."
    )


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


# --- one rollout -----------------------------------------------------------------------------------


def assess_rollout(
    feedback: pl.DataFrame,
    name: str,
    started_on: date,
    channel: str | None = None,
    other_rollouts: pl.DataFrame | None = None,
    settings: ImpactSettings | None = None,
    timezone: str = "UTC",
) -> RolloutImpact:
    """The impact of one rollout on `feedback` (created_at and any of nps, csat, sentiment_score,
    impersonal, channel). When `channel` names one of the feedback's channels, the analysis uses that
    channel and compares it with the others (difference in differences); otherwise all feedback."""
    days = day_totals(feedback, timezone)
    return assess_rollout_by_day(days, name, started_on, channel, other_rollouts, settings)


def assess_rollout_by_day(
    days: pl.DataFrame,
    name: str,
    started_on: date,
    channel: str | None = None,
    other_rollouts: pl.DataFrame | None = None,
    settings: ImpactSettings | None = None,
) -> RolloutImpact:
    """assess_rollout from the feedback's day totals (day_totals, or day_totals_from_counts)."""
    settings = settings or ImpactSettings()
    rng = np.random.default_rng(settings.seed)
    frame = add_week_index(days, started_on)
    affected, comparison = split_by_channel(frame, channel)
    before = (-settings.weeks, 0)
    after = (settings.burn_in_weeks, settings.burn_in_weeks + settings.weeks)
    weekly = weekly_totals(affected)
    estimates = {measure: difference(weekly, measure, before, after, settings, rng) for measure in MEASURES}
    earliest = -max(settings.its_weeks_before, settings.weeks)  # the answers that the ITS and the MDC use
    answers = nps_answers(affected.filter(pl.col("week").is_between(earliest, after[1], closed="left")))
    its = interrupted_time_series(answers, settings, after)
    did, comparison_weekly = None, 0.0
    if comparison is not None:
        did, comparison_weekly = compare_channels(weekly, comparison, (before, after), settings, rng)
    weekly_answers = estimates["nps"].n_before / settings.weeks
    method = main_method(its, did)
    effective = combined_volume(weekly_answers, comparison_weekly) if method == DID_METHOD else weekly_answers
    mdc = minimum_detectable_change(answer_sd(answers, before), effective, settings.weeks)
    impact = RolloutImpact(
        name=name,
        started_on=started_on,
        channel=channel if comparison is not None else None,
        before_start=started_on - timedelta(weeks=settings.weeks),
        after_start=started_on + timedelta(weeks=after[0]),
        after_end=started_on + timedelta(weeks=after[1]),
        estimates=estimates,
        its=its,
        did=did,
        main_method=method,
        weekly_answers=weekly_answers,
        minimum_detectable=mdc,
        detectable_note=detectable_sentence(weekly_answers, mdc, settings.weeks),
    )
    warnings = impact_warnings(impact, weekly, frame, other_rollouts, settings, rng)
    return replace(impact, warnings=warnings, verdict=verdict(impact, settings))


def compare_channels(
    weekly: pl.DataFrame,
    comparison: pl.DataFrame,
    windows: tuple[tuple[int, int], tuple[int, int]],
    settings: ImpactSettings,
    rng: np.random.Generator,
) -> tuple[DidEstimate | None, float]:
    """The NPS difference in differences against the other channels' rows, and their NPS answers a week in
    the before window."""
    others = ", ".join(sorted(comparison["channel"].drop_nulls().unique().to_list()))
    comparison_weekly = weekly_totals(comparison)
    did = difference_in_differences(weekly, comparison_weekly, others, "nps", windows, settings, rng)
    return did, window_totals(comparison_weekly, "nps", *windows[0]).n / settings.weeks


def main_method(its: ItsEstimate | None, did: DidEstimate | None) -> str:
    """Which estimate the verdict rests on: the comparison with untouched channels when it has an interval,
    else the time series when there was enough history, else before / after."""
    if did is not None and did.low is not None:
        return DID_METHOD
    return ITS_METHOD if its is not None else BEFORE_AFTER_METHOD


def combined_volume(affected_weekly: float, comparison_weekly: float) -> float:
    """The answers a week at which a plain before / after comparison is as precise as a difference in
    differences between these two volumes: 1 / (1 / affected + 1 / comparison)."""
    if affected_weekly <= 0 or comparison_weekly <= 0:
        return 0.0
    return 1 / (1 / affected_weekly + 1 / comparison_weekly)


def split_by_channel(frame: pl.DataFrame, channel: str | None) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """The rows of the rollout's channel and those of the other channels, when the data has that channel
    and at least one other; otherwise all rows and None."""
    if channel is None or "channel" not in frame.columns:
        return frame, None
    channels = set(frame["channel"].drop_nulls().unique().to_list())
    if channel not in channels or len(channels) < 2:
        return frame, None
    return frame.filter(pl.col("channel") == channel), frame.filter(pl.col("channel") != channel)


def answer_sd(frame: pl.DataFrame, window: tuple[int, int]) -> float:
    """The spread of single NPS answers in a window (a typical value when there are fewer than 10)."""
    values = frame.filter(pl.col("week").is_between(*window, closed="left"))["nps_value"].drop_nulls()
    if values.len() < 10:
        return TYPICAL_NPS_SD
    spread = float(np.std(values.to_numpy(), ddof=1))
    return spread if spread > 0 else TYPICAL_NPS_SD


# --- warnings and verdict --------------------------------------------------------------------------


def impact_warnings(
    impact: RolloutImpact,
    weekly: pl.DataFrame,
    everything: pl.DataFrame,
    other_rollouts: pl.DataFrame | None,
    settings: ImpactSettings,
    rng: np.random.Generator,
) -> list[str]:
    warnings = overlap_warnings(impact, other_rollouts)
    nps = impact.estimates["nps"]
    if min(nps.n_before, nps.n_after) < settings.min_answers:
        warnings.append(
            f"Too thin to judge: {nps.n_before} NPS answers in the {settings.weeks} weeks before and "
            f"{nps.n_after} after (fewer than {settings.min_answers} on a side)."
        )
    last_day = everything["local_date"].max()
    if isinstance(last_day, date) and last_day < impact.after_end - timedelta(days=1):
        covered = max(0, (last_day - impact.after_start).days + 1)
        warnings.append(
            f"The after window is not over yet: the data end on {last_day}, {covered} of its "
            f"{settings.weeks * 7} days."
        )
    early = change_before_start(weekly, settings, rng)
    change = impact.main[0]
    if (
        early is not None
        and early.significant
        and change is not None
        and early.change is not None
        and (early.change < 0) == (change < 0)
    ):
        warnings.append(
            f"NPS was already {'falling' if early.change < 0 else 'rising'} before the start "
            f"({early.change:+.1f} points between the two halves of the {settings.weeks} weeks before): "
            "the change may have begun before the rollout."
        )
    if impact.main_method != DID_METHOD:
        warnings.append(SEASONS_WARNING)
    return warnings


SEASONS_WARNING = (
    "Nothing untouched to compare with: a change of season in these weeks (spring into summer, the run-up to "
    "Christmas) would look just like an effect of the rollout. If it touched one channel, tag that channel, so "
    "that the others serve as a comparison."
)


def overlap_warnings(impact: RolloutImpact, other_rollouts: pl.DataFrame | None) -> list[str]:
    if other_rollouts is None or other_rollouts.is_empty():
        return []
    overlapping = other_rollouts.filter(
        (pl.col("name") != impact.name) | (pl.col("started_on") != impact.started_on),
        pl.col("started_on").is_between(impact.before_start, impact.after_end, closed="left"),
    )
    return [
        f"'{row['name']}' started on {row['started_on']}, inside this rollout's windows "
        f"({impact.before_start} to {impact.after_end - timedelta(days=1)}): part of the change may be its."
        for row in overlapping.iter_rows(named=True)
    ]


def change_before_start(
    weekly: pl.DataFrame, settings: ImpactSettings, rng: np.random.Generator
) -> Estimate | None:
    """A placebo: NPS in the second half of the before window minus the first half."""
    half = settings.weeks // 2
    if half < 2:
        return None
    return difference(weekly, "nps", (-2 * half, -half), (-half, 0), settings, rng)


def verdict(impact: RolloutImpact, settings: ImpactSettings) -> str:
    """'NPS fell 15.2 points (95% CI -29.7 to -0.7) in the 8 weeks after 'Support chatbot', against in-store,
    which it did not touch; impersonal complaints doubled (3.1 to 6.4 per 100). Online alone: -11.1 points
    (95% CI -31.3 to 9.0), against the trend of the 26 weeks before.'"""
    change, low, high = impact.main
    if change is None:
        return f"Not enough NPS answers around '{impact.name}' to judge its effect on NPS"
    when = f"in the {settings.weeks} weeks after '{impact.name}'{method_phrase(impact)}"
    if low is not None and high is not None and (low > 0 or high < 0):
        bounds = f" (95% CI {low:.1f} to {high:.1f})"
        text = f"NPS {'fell' if change < 0 else 'rose'} {abs(change):.1f} points{bounds} {when}"
    else:
        text = f"No clear change in NPS {when}: {signed_points(change, low, high)}"
    complaints = complaints_phrase(impact.estimates["impersonal"])
    text = f"{text}; {complaints}" if complaints else text
    if impact.main_method == DID_METHOD:
        own = own_sentence(impact)
        return f"{text}. {own}" if own else text
    return f"{text}. {comparison_sentence(impact.did)}" if impact.did is not None else text


def method_phrase(impact: RolloutImpact) -> str:
    """What the change is measured against, as the verdict says it."""
    if impact.main_method == DID_METHOD and impact.did is not None:
        return f", against {impact.did.comparison}, which it did not touch"
    if impact.its is not None:
        return f", against the trend of the {impact.its.weeks_before} weeks before"
    return ""


def signed_points(change: float, low: float | None, high: float | None) -> str:
    """'-15.2 points (95% CI -36.6 to 5.1)', without the interval when there is none."""
    bounds = f" (95% CI {low:.1f} to {high:.1f})" if low is not None and high is not None else ""
    return f"{change:+.1f} points{bounds}"


def own_sentence(impact: RolloutImpact) -> str:
    """'Online alone: -11.1 points (95% CI -31.3 to 9.0), against the trend of the 26 weeks before.'"""
    change, low, high = impact.own
    if change is None:
        return ""
    trend = f", against the trend of the {impact.its.weeks_before} weeks before" if impact.its else ""
    scope = impact.channel or "This channel"
    return f"{scope[:1].upper()}{scope[1:]} alone: {signed_points(change, low, high)}{trend}."


def comparison_sentence(did: DidEstimate) -> str:
    """'Against in-store, which it did not touch: -15.2 NPS points.' (when the comparison has no interval)"""
    return (
        f"Against {did.comparison}, which it did not touch: {signed_points(did.change, did.low, did.high)}."
    )


def complaints_phrase(estimate: Estimate) -> str:
    """'impersonal complaints doubled (3.1 to 6.4 per 100)', or '' when nothing is scored."""
    if estimate.before is None or estimate.after is None:
        return ""
    figures = f"({estimate.before:.1f} to {estimate.after:.1f} per 100)"
    if not estimate.significant:
        return f"impersonal complaints did not clearly change {figures}"
    if estimate.after < estimate.before:
        return f"impersonal complaints fell {figures}"
    ratio = estimate.after / estimate.before if estimate.before > 0 else math.inf
    if 1.85 <= ratio < 2.15:
        return f"impersonal complaints doubled {figures}"
    if 2.15 <= ratio < math.inf:
        return f"impersonal complaints rose {ratio:.1f}-fold {figures}"
    return f"impersonal complaints rose {figures}"


# --- all rollouts, and the store -------------------------------------------------------------------


def assess_rollouts(
    feedback: pl.DataFrame,
    rollouts: pl.DataFrame,
    settings: ImpactSettings | None = None,
    timezone: str = "UTC",
) -> list[RolloutImpact]:
    """The impact of every rollout (name, started_on, channel), oldest first."""
    return assess_rollouts_by_day(day_totals(feedback, timezone), rollouts, settings)


def assess_rollouts_by_day(
    days: pl.DataFrame, rollouts: pl.DataFrame, settings: ImpactSettings | None = None
) -> list[RolloutImpact]:
    """assess_rollouts from the feedback's day totals."""
    return [
        assess_rollout_by_day(days, row["name"], row["started_on"], row.get("channel"), rollouts, settings)
        for row in rollouts.sort("started_on").iter_rows(named=True)
    ]


def impact_record(impact: RolloutImpact) -> dict[str, Any]:
    """One rollout's impact as plain JSON-ready values."""
    change, low, high = impact.main
    return {
        "name": impact.name,
        "started_on": impact.started_on.isoformat(),
        "channel": impact.channel,
        "before": [impact.before_start.isoformat(), impact.started_on.isoformat()],
        "after": [impact.after_start.isoformat(), impact.after_end.isoformat()],
        "method": impact.main_method,
        "nps_change": change,
        "nps_change_low": low,
        "nps_change_high": high,
        "measures": {name: asdict(estimate) for name, estimate in impact.estimates.items()},
        "time_series": asdict(impact.its) if impact.its is not None else None,
        "comparison": asdict(impact.did) if impact.did is not None else None,
        "weekly_answers": impact.weekly_answers,
        "minimum_detectable_nps_change": impact.minimum_detectable,
        "verdict": impact.verdict,
        "detectable": impact.detectable_note,
        "warnings": impact.warnings,
    }


def add_verdicts(rollouts: pl.DataFrame, records: Sequence[dict[str, Any]]) -> pl.DataFrame:
    """The rollouts (name, started_on, ...) with the plain-language `verdict` of their impact_record ("" where
    there is none), in their order."""
    verdicts = pl.DataFrame(
        {
            "name": [record["name"] for record in records],
            "started_on": [date.fromisoformat(record["started_on"]) for record in records],
            "verdict": [record["verdict"] for record in records],
        },
        schema={"name": pl.String, "started_on": pl.Date, "verdict": pl.String},
    )
    joined = rollouts.join(verdicts, on=["name", "started_on"], how="left", maintain_order="left")
    return joined.with_columns(pl.col("verdict").fill_null(""))


def read_rollout_impacts(
    engine: Any, settings: ImpactSettings | None = None, timezone: str = "UTC"
) -> list[RolloutImpact]:
    """Every rollout's impact, from the store's daily counts (store.daily_counts, in `timezone`)."""
    from store.daily_counts import read_daily_counts
    from store.rollouts import read_rollouts

    days = day_totals_from_counts(read_daily_counts(engine, timezone))
    return assess_rollouts_by_day(days, read_rollouts(engine), settings)
