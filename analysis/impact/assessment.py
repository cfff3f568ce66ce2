"""Rollout impact, the assessment: one rollout's estimates put together (which one the verdict rests on), its
warnings and its verdict in plain language, every rollout's, and their plain records. See
analysis/impact/__init__.py for the method."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
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
    answers = nps_answer_groups(affected.filter(pl.col("week").is_between(earliest, after[1], closed="left")))
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
