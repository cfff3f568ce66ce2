"""Rollout impact, the assessment: one rollout's estimates put together (which one the verdict rests on), what
its warnings rest on (thin data, an unfinished window, an earlier change, overlapping rollouts), and every
rollout's. Numbers only: reports/verdicts.py puts them into words. See analysis/impact/__init__.py for the
method."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl

from analysis.impact.estimators import (
    DidEstimate,
    Estimate,
    ItsEstimate,
    answer_sd,
    difference,
    difference_in_differences,
    interrupted_time_series,
    minimum_detectable_change,
)
from analysis.impact.explained import ThemePart
from analysis.impact.findings import Finding, Window, rollout_findings, rollout_window
from analysis.impact.windows import (
    MEASURES,
    ImpactSettings,
    add_week_index,
    day_totals,
    nps_answer_groups,
    split_by_channel,
    weekly_totals,
    window_totals,
)

TIMELINE_SCHEMA = {"name": pl.String, "channel": pl.String, "started_on": pl.Date, "ended_on": pl.Date}
DID_METHOD, ITS_METHOD, BEFORE_AFTER_METHOD = (
    "difference in differences",
    "interrupted time series",
    "before / after",
)


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
    weeks: int  # the length of the before and of the after window
    min_answers: int  # NPS answers a window needs not to be too thin to judge
    data_end: date | None = None  # the last local day with feedback
    early_change: Estimate | None = None  # NPS in the second half of the before window minus the first half
    overlapping: list[tuple[str, date]] = field(default_factory=list)  # other rollouts inside the windows
    findings: list[Finding] = field(default_factory=list)  # every vital sign, on all the weeks (findings.py)
    window: Window | None = None  # the weeks of the findings
    themes: list[ThemePart] = field(default_factory=list)  # what the NPS change comes from (explained.py)

    @property
    def thin(self) -> bool:
        """Fewer than `min_answers` NPS answers on a side."""
        nps = self.estimates["nps"]
        return min(nps.n_before, nps.n_after) < self.min_answers

    @property
    def unfinished(self) -> bool:
        """The data end before the after window does."""
        return self.data_end is not None and self.data_end < self.after_end - timedelta(days=1)

    @property
    def changed_before(self) -> bool:
        """NPS already moved significantly, in the main estimate's direction, before the start."""
        early, change = self.early_change, self.main[0]
        return (
            early is not None
            and early.significant
            and change is not None
            and early.change is not None
            and (early.change < 0) == (change < 0)
        )

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


# --- one rollout -----------------------------------------------------------------------------------


def assess_rollout(
    feedback: pl.DataFrame,
    name: str,
    started_on: date,
    channel: str | None = None,
    other_rollouts: pl.DataFrame | None = None,
    settings: ImpactSettings | None = None,
    timezone: str = "UTC",
    ended_on: date | None = None,
) -> RolloutImpact:
    """The impact of one rollout on `feedback` (created_at and any of nps, csat, sentiment_score,
    impersonal, channel). When `channel` names one of the feedback's channels, the analysis uses that
    channel and compares it with the others (difference in differences); otherwise all feedback."""
    days = day_totals(feedback, timezone)
    return assess_rollout_by_day(days, name, started_on, channel, other_rollouts, settings, ended_on)


def assess_rollout_by_day(
    days: pl.DataFrame,
    name: str,
    started_on: date,
    channel: str | None = None,
    other_rollouts: pl.DataFrame | None = None,
    settings: ImpactSettings | None = None,
    ended_on: date | None = None,
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
    answers = nps_answer_groups(affected.filter(pl.col("week").is_between(earliest, after[1], closed="left")))
    its = interrupted_time_series(answers, settings, after)
    did, comparison_weekly = None, 0.0
    if comparison is not None:
        did, comparison_weekly = compare_channels(weekly, comparison, (before, after), settings, rng)
    weekly_answers = estimates["nps"].n_before / settings.weeks
    method = main_method(its, did)
    effective = combined_volume(weekly_answers, comparison_weekly) if method == DID_METHOD else weekly_answers
    mdc = minimum_detectable_change(answer_sd(answers, before), effective, settings.weeks)
    last_day, first_day = frame["local_date"].max(), frame["local_date"].min()
    window, findings = None, []
    if isinstance(first_day, date) and isinstance(last_day, date):
        timeline = other_rollouts if other_rollouts is not None else pl.DataFrame(schema=TIMELINE_SCHEMA)
        channels = set(frame["channel"].drop_nulls().to_list())
        window = rollout_window(started_on, channel, ended_on, timeline, first_day, last_day, channels)
        findings = rollout_findings(days, started_on, channel, window)
    return RolloutImpact(
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
        weeks=settings.weeks,
        min_answers=settings.min_answers,
        data_end=last_day if isinstance(last_day, date) else None,
        early_change=change_before_start(weekly, settings, rng),
        overlapping=overlapping_rollouts(name, started_on, settings, other_rollouts),
        findings=findings,
        window=window,
    )


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


# --- what the warnings rest on ----------------------------------------------------------------------


def overlapping_rollouts(
    name: str, started_on: date, settings: ImpactSettings, other_rollouts: pl.DataFrame | None
) -> list[tuple[str, date]]:
    """The other rollouts (name, started_on) that started inside this one's before and after windows."""
    if other_rollouts is None or other_rollouts.is_empty():
        return []
    before_start = started_on - timedelta(weeks=settings.weeks)
    after_end = started_on + timedelta(weeks=settings.burn_in_weeks + settings.weeks)
    overlapping = other_rollouts.filter(
        (pl.col("name") != name) | (pl.col("started_on") != started_on),
        pl.col("started_on").is_between(before_start, after_end, closed="left"),
    )
    return [(row["name"], row["started_on"]) for row in overlapping.iter_rows(named=True)]


def change_before_start(
    weekly: pl.DataFrame, settings: ImpactSettings, rng: np.random.Generator
) -> Estimate | None:
    """A placebo: NPS in the second half of the before window minus the first half."""
    half = settings.weeks // 2
    if half < 2:
        return None
    return difference(weekly, "nps", (-2 * half, -half), (-half, 0), settings, rng)


# --- all rollouts -------------------------------------------------------------------


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
        assess_rollout_by_day(
            days, row["name"], row["started_on"], row.get("channel"), rollouts, settings, row.get("ended_on")
        )
        for row in rollouts.sort("started_on").iter_rows(named=True)
    ]


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
