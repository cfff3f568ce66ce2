"""Rollout verdicts in plain language, from analysis.impact's numbers: the verdict ("NPS fell 15.2 points
(95% CI -29.7 to -0.7) in the 8 weeks after 'Support chatbot' ..."), the smallest change the data could show,
the warnings, and the impact as a plain record with them (what the pipeline stores for the pages and
`pulse impact --json` prints)."""

from __future__ import annotations

import math
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from analysis.impact import DID_METHOD, DidEstimate, Estimate, RolloutImpact

SEASONS_WARNING = (
    "Nothing untouched to compare with: a change of season in these weeks (spring into summer, the run-up to "
    "Christmas) would look just like an effect of the rollout. If it touched one channel, tag that channel, so "
    "that the others serve as a comparison."
)


def impact_record(impact: RolloutImpact) -> dict[str, Any]:
    """One rollout's impact as plain JSON-ready values, with its verdict, detectable change and warnings."""
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
        "verdict": verdict(impact),
        "detectable": detectable_note(impact),
        "warnings": impact_warnings(impact),
    }


def impact_warnings(impact: RolloutImpact) -> list[str]:
    """What to keep in mind when reading the verdict: overlapping rollouts, thin data, an after window not
    over yet, a change that began before the start, and nothing untouched to compare with."""
    warnings = [
        f"'{name}' started on {started_on}, inside this rollout's windows "
        f"({impact.before_start} to {impact.after_end - timedelta(days=1)}): part of the change may be its."
        for name, started_on in impact.overlapping
    ]
    nps = impact.estimates["nps"]
    if impact.thin:
        warnings.append(
            f"Too thin to judge: {nps.n_before} NPS answers in the {impact.weeks} weeks before and "
            f"{nps.n_after} after (fewer than {impact.min_answers} on a side)."
        )
    if impact.unfinished and impact.data_end is not None:
        covered = max(0, (impact.data_end - impact.after_start).days + 1)
        warnings.append(
            f"The after window is not over yet: the data end on {impact.data_end}, {covered} of its "
            f"{impact.weeks * 7} days."
        )
    early = impact.early_change
    if impact.changed_before and early is not None and early.change is not None:
        warnings.append(
            f"NPS was already {'falling' if early.change < 0 else 'rising'} before the start "
            f"({early.change:+.1f} points between the two halves of the {impact.weeks} weeks before): "
            "the change may have begun before the rollout."
        )
    if impact.main_method != DID_METHOD:
        warnings.append(SEASONS_WARNING)
    return warnings


def detectable_note(impact: RolloutImpact) -> str:
    """detectable_sentence for the rollout's NPS answers before the start and its minimum detectable change."""
    return detectable_sentence(impact.weekly_answers, impact.minimum_detectable, impact.weeks)


def verdict(impact: RolloutImpact) -> str:
    """'NPS fell 15.2 points (95% CI -29.7 to -0.7) in the 8 weeks after 'Support chatbot', against in-store,
    which it did not touch; impersonal complaints doubled (3.1 to 6.4 per 100). Online alone: -11.1 points
    (95% CI -31.3 to 9.0), against the trend of the 26 weeks before.'"""
    change, low, high = impact.main
    if change is None:
        return f"Not enough NPS answers around '{impact.name}' to judge its effect on NPS"
    when = f"in the {impact.weeks} weeks after '{impact.name}'{method_phrase(impact)}"
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
