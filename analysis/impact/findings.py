"""Rollout impact, the findings: every vital sign's change since a rollout, on all the evidence there is, with
how sure it is. Numbers only; reports/verdicts.py says them in words.

The weeks: after the start, every week until the next rollout that touched the same customers (on the same
channel, or on all of them) or the data's end; when the rollout ended (its end date), the weeks after that
are its own period, so that it is judged before, during and after. Before the start, every week back to the
previous rollout that touched them (at most a year; two years, and then a yearly cycle is fitted, when there
is that much history and nothing to compare with), and at least MIN_WEEKS_BEFORE.

A comparison: the other channels of the data that no rollout touched in those weeks (a channel with its own
rollout is no control: its change would look like this rollout's, the other way round). The signals are fitted
by analysis.impact.signals, judged by analysis.impact.sequential: a change is "clear" when its anytime-valid
p-value, Holm-adjusted over the rollout's signals (and their changes after an end), is below 5%; "likely"
when not clear and at least 90% probable; otherwise not clear.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from analysis.impact.sequential import (
    ALPHA,
    LIKELY_AT,
    anytime_p_value,
    holm,
    interval95,
    probability_above_zero,
    weeks_to_settle,
)
from analysis.impact.signals import SIGNALS, Fit, Periods, Signal, Weekly, fit_signal, weekly_signals
from analysis.impact.windows import add_week_index, weekly_totals

# The stored impact records' format (reports.verdicts.impact_record's `format`): records of another format,
# written by an older Pulse, are judged again by the pipeline's next step (`pulse db upgrade` runs one).
RECORD_FORMAT = 3  # 2: the findings; 3: the loyalty signals' findings where the store has orders
MAX_WEEKS_BEFORE = 52
YEARLY_WEEKS_BEFORE = 104  # history from which the yearly cycle is fitted, when there is no comparison
MIN_WEEKS_BEFORE = 4
ALL_CHANNELS = ("all", "", None)
CLEAR, LIKELY, UNCLEAR, THIN = "clear", "likely", "not clear", "too few answers"


@dataclass(frozen=True)
class Finding:
    """One signal's change while the rollout was in force (and after it ended, when it did)."""

    signal: str
    label: str
    unit: str
    better: int  # +1: higher is better; -1: lower is; 0: neither
    before: float | None
    after: float | None  # before + change
    change: float | None
    low: float | None  # the 95% interval of this look
    high: float | None
    p_value: float | None  # anytime-valid
    adjusted_p: float | None  # Holm over the rollout's signals
    probability_up: float | None  # that the true change is above zero
    status: str  # clear, likely, not clear, too few answers
    weeks_to_settle: int | None  # more weeks at today's volume until a change this size is clear
    n_before: float
    n_during: float
    weeks_during: int
    adjusted_for: tuple[str, ...] = ()
    change_after_end: float | None = None  # the level after the rollout ended, against before
    after_end_low: float | None = None
    after_end_high: float | None = None
    after_end_status: str | None = None


@dataclass(frozen=True)
class Window:
    """The weeks of one rollout's findings, as dates, and what they are measured against."""

    before_start: date
    ended_on: date | None  # the first day after the rollout, when it ended inside the data
    after_end: date  # exclusive: the next rollout on the same customers, or the day after the data
    periods: Periods
    comparison: tuple[str, ...]  # untouched channels
    yearly: bool


def rollout_window(
    started_on: date,
    channel: str | None,
    ended_on: date | None,
    rollouts: pl.DataFrame,
    data_start: date,
    data_end: date,
    channels: set[str],
) -> Window:
    """The weeks to judge a rollout on: see the module's docstring."""
    touching = [
        row
        for row in rollouts.iter_rows(named=True)
        if row["started_on"] != started_on or row.get("channel") != channel
        if touches(row.get("channel"), channel)
    ]
    later = [row["started_on"] for row in touching if row["started_on"] > started_on]
    earlier = [row["started_on"] for row in touching if row["started_on"] < started_on]
    next_start = min([*later, data_end + timedelta(days=1)])
    last = max(1, math.ceil((next_start - started_on).days / 7))
    ended = last
    if ended_on is not None and ended_on < next_start:
        ended = max(1, min(last, math.ceil((ended_on - started_on).days / 7)))
    history = (started_on - data_start).days // 7
    previous = max(earlier, default=None)
    limit = YEARLY_WEEKS_BEFORE if history >= YEARLY_WEEKS_BEFORE else MAX_WEEKS_BEFORE
    weeks_before = min(history, limit)
    if previous is not None:
        weeks_before = min(weeks_before, (started_on - previous).days // 7)
    weeks_before = max(weeks_before, MIN_WEEKS_BEFORE)
    before_start = started_on - timedelta(weeks=weeks_before)
    after_end = started_on + timedelta(weeks=last)
    untouched = tuple(
        sorted(
            other
            for other in channels
            if channel not in ALL_CHANNELS
            and other != channel
            and not any(
                touches(row.get("channel"), other) and before_start <= row["started_on"] < after_end
                for row in rollouts.iter_rows(named=True)
            )
        )
    )
    return Window(
        before_start=before_start,
        ended_on=started_on + timedelta(weeks=ended) if ended < last else None,
        after_end=after_end,
        periods=Periods(-weeks_before, ended, last),
        comparison=untouched,
        yearly=weeks_before >= YEARLY_WEEKS_BEFORE - 4 and not untouched,
    )


def touches(rollout_channel: str | None, channel: str | None) -> bool:
    """Whether a rollout on `rollout_channel` touches the customers of `channel` (None / "all": everyone)."""
    return rollout_channel in ALL_CHANNELS or channel in ALL_CHANNELS or rollout_channel == channel


# --- the findings ----------------------------------------------------------------------------------


def rollout_findings(
    days: pl.DataFrame, started_on: date, channel: str | None, window: Window
) -> list[Finding]:
    """Every signal's finding for a rollout, from day totals (windows.day_totals) of all channels."""
    frame = add_week_index(days, started_on)
    scoped = channel not in ALL_CHANNELS and channel in set(frame["channel"].drop_nulls().to_list())
    affected = frame.filter(pl.col("channel") == channel) if scoped else frame
    days_covered = covered_days(frame, started_on)
    series = weekly_signals(weekly_totals(affected), days_covered)
    comparison = None
    if scoped and window.comparison:
        others = frame.filter(pl.col("channel").is_in(window.comparison))
        comparison = weekly_signals(weekly_totals(others), days_covered)
    fits = {signal.name: judged_fit(signal, series[signal.name], window, comparison) for signal in SIGNALS}
    return judge(fits)


def judged_fit(
    signal: Signal, series: Weekly, window: Window, comparison: dict[str, Weekly] | None
) -> Fit | None:
    """The signal's fit, against the comparison where it has answers; None with too few answers a side."""
    periods = window.periods
    before, during = series.between(periods.first, 0), series.between(0, periods.ended)
    needed = signal.min_answers
    if signal.name == "volume":
        if len(before.weeks) < needed or len(during.weeks) < 1:
            return None
    elif before.n < needed or during.n < needed:
        return None
    name = ", ".join(window.comparison)
    if comparison is not None and comparison[signal.name].n >= needed and signal.name != "volume":
        fit = fit_signal(signal.name, series, periods, comparison[signal.name], name, window.yearly)
        if fit is not None:
            return fit
    return fit_signal(signal.name, series, periods, yearly=window.yearly)


def scale_of(signal: Signal, fit: Fit) -> float:
    """The mixture's spread in the signal's unit (the volume's is relative to its level before)."""
    return signal.scale * max(fit.before, 1.0) if signal.name == "volume" else signal.scale


def judge(
    fits: dict[str, Fit | None], settle: bool = True, signals: Sequence[Signal] = SIGNALS
) -> list[Finding]:
    """The findings of the fitted `signals` (the vital signs of feedback by default; analysis.loyalty's
    signals of orders too), with the weighted Holm over all their tests (in force, and after an end); the
    weeks that would settle each unclear one when `settle`."""
    tests: list[tuple[tuple[str, str], float, float]] = []  # (signal, part), anytime p, weight
    for signal in signals:
        fit = fits[signal.name]
        if fit is None:
            continue
        scale = scale_of(signal, fit)
        p = anytime_p_value(fit.change, fit.variance, scale, fit.degrees_of_freedom)
        tests.append(((signal.name, "during"), p, signal.weight))
        if fit.after_end is not None and fit.after_end_variance is not None:
            p = anytime_p_value(fit.after_end, fit.after_end_variance, scale, fit.degrees_of_freedom)
            tests.append(((signal.name, "after"), p, signal.weight))
    adjusted_values = holm([p for _, p, _ in tests], [weight for *_, weight in tests])
    adjusted = {key: value for (key, _, _), value in zip(tests, adjusted_values, strict=True)}
    raw = {key: p for key, p, _ in tests}
    total = sum(weight for *_, weight in tests)
    multipliers = {key: total / weight for key, _, weight in tests}  # a test's first step, the hardest
    return [finding(signal, fits[signal.name], raw, adjusted, multipliers, settle) for signal in signals]


def finding(
    signal: Signal,
    fit: Fit | None,
    raw: dict[tuple[str, str], float],
    adjusted: dict[tuple[str, str], float],
    multipliers: dict[tuple[str, str], float],
    settle_it: bool = True,
) -> Finding:
    if fit is None:
        return thin_finding(signal)
    scale = scale_of(signal, fit)
    adjusted_p = adjusted[(signal.name, "during")]
    probability = probability_above_zero(fit.change, fit.variance, fit.degrees_of_freedom)
    status = status_of(adjusted_p, probability)
    low, high = interval95(fit.change, fit.variance, fit.degrees_of_freedom)
    settle = None
    if status != CLEAR and settle_it:
        weekly_weight = fit.n_during / max(fit.weeks_during, 1)
        settle = weeks_to_settle(
            fit.change,
            lambda weeks: fit.variance_with(weeks, weekly_weight),
            scale,
            multipliers[(signal.name, "during")],
            fit.degrees_of_freedom,
        )
    end_low = end_high = end_status = None
    if fit.after_end is not None and fit.after_end_variance is not None:
        end_low, end_high = interval95(fit.after_end, fit.after_end_variance, fit.degrees_of_freedom)
        end_probability = probability_above_zero(
            fit.after_end, fit.after_end_variance, fit.degrees_of_freedom
        )
        end_status = status_of(adjusted[(signal.name, "after")], end_probability)
    return Finding(
        signal=signal.name,
        label=signal.label,
        unit=signal.unit,
        better=signal.better,
        before=fit.before,
        after=fit.before + fit.change,
        change=fit.change,
        low=low,
        high=high,
        p_value=raw[(signal.name, "during")],
        adjusted_p=adjusted_p,
        probability_up=probability,
        status=status,
        weeks_to_settle=settle,
        n_before=fit.n_before,
        n_during=fit.n_during,
        weeks_during=fit.weeks_during,
        adjusted_for=fit.adjusted_for,
        change_after_end=fit.after_end,
        after_end_low=end_low,
        after_end_high=end_high,
        after_end_status=end_status,
    )


def thin_finding(signal: Signal) -> Finding:
    """A signal with too few answers on a side to be judged."""
    return Finding(
        signal.name,
        signal.label,
        signal.unit,
        signal.better,
        before=None,
        after=None,
        change=None,
        low=None,
        high=None,
        p_value=None,
        adjusted_p=None,
        probability_up=None,
        status=THIN,
        weeks_to_settle=None,
        n_before=0,
        n_during=0,
        weeks_during=0,
    )


def status_of(adjusted_p: float, probability_up: float) -> str:
    if adjusted_p < ALPHA:
        return CLEAR
    return LIKELY if max(probability_up, 1 - probability_up) >= LIKELY_AT else UNCLEAR


def covered_days(frame: pl.DataFrame, started_on: date) -> pl.DataFrame:
    """Per week (counted from `started_on`) between the data's first and last day: the days of it that the
    data cover (partial weeks at either end count in part)."""
    first, last = frame["local_date"].min(), frame["local_date"].max()
    assert isinstance(first, date) and isinstance(last, date)
    first_week, last_week = (first - started_on).days // 7, (last - started_on).days // 7
    rows = []
    for week in range(first_week, last_week + 1):
        week_start = started_on + timedelta(weeks=week)
        covered = (min(last, week_start + timedelta(days=6)) - max(first, week_start)).days + 1
        rows.append((week, float(covered)))
    return pl.DataFrame(rows, schema={"week": pl.Int64, "days": pl.Float64}, orient="row")
