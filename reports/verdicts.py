"""Rollout verdicts in plain language, from analysis.impact's numbers: the verdict ("After 'Support chatbot'
(online, 12 weeks so far): complaints of impersonal service rose from 1 to 21 per 100 (clear). ..."), the
smallest change the data could show, the warnings, and the impact as a plain record with them (what the pipeline
stores for the pages and `pulse impact --json` prints)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from analysis.impact import DID_METHOD, RolloutImpact
from analysis.impact.findings import RECORD_FORMAT
from pulse.formatting import format_day, plural
from reports.findings import after_end_sentence, headline, headline_findings, why_sentence

SEASONS_WARNING = (
    "Nothing untouched to compare with: a change of season in these weeks (spring into summer, the run-up to "
    "Christmas) would look just like an effect of the rollout. If it touched one channel, tag that channel, so "
    "that the others serve as a comparison."
)


def impact_record(impact: RolloutImpact) -> dict[str, Any]:
    """One rollout's impact as plain JSON-ready values, with its verdict, detectable change and warnings."""
    change, low, high = impact.main
    nps = next((item for item in impact.findings if item.signal == "nps" and item.change is not None), None)
    if nps is not None:  # the findings' NPS, on all the weeks: the verdict's
        change, low, high = nps.change, nps.low, nps.high
    window = impact.window
    return {
        "format": RECORD_FORMAT,
        "name": impact.name,
        "started_on": impact.started_on.isoformat(),
        "channel": impact.channel,
        "before": [impact.before_start.isoformat(), impact.started_on.isoformat()],
        "after": [impact.after_start.isoformat(), impact.after_end.isoformat()],
        "method": method_description(impact),
        "nps_change": change,
        "nps_change_low": low,
        "nps_change_high": high,
        "measures": {name: asdict(estimate) for name, estimate in impact.estimates.items()},
        "time_series": asdict(impact.its) if impact.its is not None else None,
        "comparison": asdict(impact.did) if impact.did is not None else None,
        "weekly_answers": impact.weekly_answers,
        "minimum_detectable_nps_change": impact.minimum_detectable,
        "verdict": verdict(impact),
        "findings": finding_records(impact),
        "themes": [asdict(part) for part in impact.themes],
        "window": {
            "before_start": window.before_start.isoformat(),
            "ended_on": window.ended_on.isoformat() if window.ended_on else None,
            "end": window.after_end.isoformat(),
            "comparison": list(window.comparison),
        }
        if window is not None
        else None,
        "detectable": detectable_note(impact),
        "warnings": impact_warnings(impact),
    }


def impact_warnings(impact: RolloutImpact) -> list[str]:
    """What to keep in mind when reading the verdict: overlapping rollouts, thin data, an after window not
    over yet, a change that began before the start, and nothing untouched to compare with."""
    last_day = format_day(impact.after_end - timedelta(days=1))
    warnings = [
        f"'{name}' started on {format_day(started_on)}, inside this rollout's weeks "
        f"({format_day(impact.before_start)} to {last_day}): part of the change may be its."
        for name, started_on in impact.overlapping
    ]
    nps = impact.estimates["nps"]
    weeks = plural(impact.weeks, "week")
    if impact.thin:
        warnings.append(
            f"Too thin to judge: {plural(nps.n_before, 'NPS answer')} in the {weeks} before and "
            f"{nps.n_after:,} after (fewer than {impact.min_answers} on a side)."
        )
    if impact.unfinished and impact.data_end is not None:
        covered = max(0, (impact.data_end - impact.after_start).days + 1)
        warnings.append(
            f"The weeks after it are not over yet: the data end on {format_day(impact.data_end)}, "
            f"{covered} of its {impact.weeks * 7} days."
        )
    early = impact.early_change
    if impact.changed_before and early is not None and early.change is not None:
        warnings.append(
            f"NPS was already {'falling' if early.change < 0 else 'rising'} before the start "
            f"({early.change:+.1f} points between the two halves of the {weeks} before): "
            "the change may have begun before the rollout."
        )
    if impact.main_method != DID_METHOD:
        warnings.append(SEASONS_WARNING)
    return warnings


def detectable_note(impact: RolloutImpact) -> str:
    """detectable_sentence for the rollout's NPS answers before the start and its minimum detectable change."""
    return detectable_sentence(impact.weekly_answers, impact.minimum_detectable, impact.weeks)


def verdict(impact: RolloutImpact) -> str:
    """The headline of the findings (reports.findings.headline), with what happened after an end date."""
    records = finding_records(impact)
    ended = impact.window is not None and impact.window.ended_on is not None
    text = headline(impact.name, impact.channel, weeks_in_force(impact), records, ended)
    nps = next((item for item in records if item["signal"] == "nps"), None)
    why = why_sentence([asdict(part) for part in impact.themes], nps)
    text = f"{text} {why}" if why else text
    window = impact.window
    if window is not None and window.ended_on is not None:
        day = window.ended_on
        after = [after_end_sentence(item, day) for item in headline_findings(records) or records[:1]]
        text = " ".join([text, *[sentence for sentence in after if sentence]])
    return text


def finding_records(impact: RolloutImpact) -> list[dict[str, Any]]:
    """The findings as plain dicts, as stored and read by reports.findings."""
    return [{**asdict(finding), "adjusted_for": list(finding.adjusted_for)} for finding in impact.findings]


def weeks_in_force(impact: RolloutImpact) -> int:
    """Weeks with data from the start to the end of the findings' window (or the rollout's end)."""
    weeks = [finding.weeks_during for finding in impact.findings if finding.change is not None]
    return max(weeks, default=0)


def method_description(impact: RolloutImpact) -> str:
    """'27 weeks before against 12 weeks in force, against in-store (untouched)'."""
    window = impact.window
    if window is None:
        return impact.main_method
    periods = window.periods
    text = f"{plural(-periods.first, 'week')} before against {periods.ended} in force"
    if periods.last > periods.ended:
        text += f" and {periods.last - periods.ended} after it ended"
    compared = {name for finding in impact.findings for name in finding.adjusted_for}
    return f"{text}; against {', '.join(sorted(compared))}" if compared else text


def detectable_sentence(weekly_answers: float, change: float | None, weeks: int) -> str:
    """ "With about 40 responses a week, only NPS changes larger than about 17 points over 8 weeks can be
    detected." """
    if change is None:
        return "There are no NPS answers to tell a change from noise."
    step = 5 if weekly_answers < 100 else 10
    volume = max(1, round(weekly_answers / step) * step) if weekly_answers >= 5 else round(weekly_answers, 1)
    return (
        f"With about {plural(volume, 'response')} a week, only NPS changes larger than about {change:.0f} "
        f"points over {plural(weeks, 'week')} can be detected."
    )
