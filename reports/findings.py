"""The findings of a rollout in words, and the answer to the owner's question: the headline of each rollout
("After 'Support chatbot' (online, 12 weeks): complaints of impersonal service rose from 1 to 21 per 100
(clear). NPS fell 18 points (likely: about a 99 in 100 chance; about 7 more weeks of answers would settle
it).") and the one sentence the Pulse page and the digest open with ("Yes: since ...", "Not yet clear: ...",
"Not so far: ..."). Everything here reads the plain records that the pipeline stores (impact_record's
`findings`: analysis.impact.findings.Finding as a dict), so the pages, the CLI and the digest say the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pulse.formatting import format_day, plural

CLEAR, LIKELY, UNCLEAR, THIN = "clear", "likely", "not clear", "too few answers"
HEADLINE_FINDINGS = 4  # at most this many findings in a headline
# the owner's order of importance; repeat_rate and new_retention: analysis.loyalty's signals of orders
SIGNAL_ORDER = ("nps", "impersonal", "negative", "csat", "ces", "repeat_rate", "new_retention", "volume")
COUNTED_IN = {"volume": "week", "repeat_rate": "customer", "new_retention": "customer"}  # else answers
ALL_CHANNELS = ("all", "", None)  # a rollout's channel when it touched every one (analysis.impact.findings')


def headline(
    name: str, channel: str | None, weeks: int, findings: Sequence[dict[str, Any]], ended: bool = False
) -> str:
    """The rollout's clearest findings first: clear harms, other clear changes, then likely harms."""
    scope = f"{channel}, " if channel else ""
    span = plural(weeks, "week")
    opening = f"After '{name}' ({scope}{'in force for ' + span if ended else span + ' so far'})"
    chosen = headline_findings(findings)
    if not chosen:
        judged = [item for item in findings if item["change"] is not None]
        if not judged:
            return f"Not enough answers around '{name}' yet to judge what it did."
        return f"{opening}: no clear change in any vital sign. {steady_sentence(judged)}"
    sentences = [capitalised(finding_sentence(item)) for item in chosen]
    return f"{opening}: " + " ".join(sentences)


def headline_findings(findings: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a headline names, in this order: clear harms (the clearest first), clear improvements, likely
    harms, likely improvements (each in SIGNAL_ORDER), and clear changes in volume."""

    def rank(item: dict[str, Any]) -> tuple[int, float]:
        kind = 2 * (item["status"] != CLEAR) + (not is_worse(item))
        if item["better"] == 0:
            kind = 4
        order = item["adjusted_p"] if kind == 0 else SIGNAL_ORDER.index(item["signal"])
        return kind, order

    named = [
        item
        for item in findings
        if item["status"] == CLEAR or (item["status"] == LIKELY and item["better"] != 0)
    ]
    return sorted(named, key=rank)[:HEADLINE_FINDINGS]


def finding_sentence(item: dict[str, Any]) -> str:
    """'complaints of impersonal service rose from 1 to 21 per 100 (clear)', 'NPS fell 18 points (likely:
    about a 9 in 10 chance; about 7 more weeks of answers would settle it)'."""
    return f"{change_phrase(item)} ({status_phrase(item)})."


def change_phrase(item: dict[str, Any]) -> str:
    change = item["change"]
    direction = "rose" if change > 0 else "fell"
    if item["unit"] == "points":
        return (
            f"{item['label']} {direction} {abs(change):.0f} points, from {signed(item['before'])} to "
            f"{signed(item['after'])}"
        )
    unit = unit_suffix(item)
    return f"{item['label']} {direction} from {item['before']:.0f} to {item['after']:.0f}{unit}"


def status_phrase(item: dict[str, Any]) -> str:
    if item["status"] == CLEAR:
        return "clear"
    probability = probability_worse(item) if is_worse(item) else probability_of_direction(item)
    text = f"likely: {chance_words(probability or 0.0)}" if item["status"] == LIKELY else "not clear yet"
    weeks = item.get("weeks_to_settle")
    if weeks:
        evidence = "orders" if COUNTED_IN.get(item["signal"]) == "customer" else "answers"
        text += f"; about {plural(weeks, 'more week')} of {evidence} would settle it"
    return text


def chance_words(probability: float) -> str:
    """'about a 9 in 10 chance', 'more than a 99 in 100 chance'."""
    if probability >= 0.995:
        return "more than a 99 in 100 chance"
    if probability >= 0.95:
        return f"about a {round(probability * 100)} in 100 chance"
    tenths = int(probability * 10 + 0.5)
    return f"about {'an' if tenths == 8 else 'a'} {tenths} in 10 chance"


def steady_sentence(findings: Sequence[dict[str, Any]]) -> str:
    """'NPS +3 points (anywhere from -6 to +12); complaints of impersonal service -3 per 100 (anywhere from -8
    to +1).': the change and its 95% interval, in words."""
    parts = []
    for item in findings[:2]:
        unit = unit_suffix(item)
        parts.append(
            f"{item['label']} {signed(item['change'])}{unit} (anywhere from {signed(item['low'])} to "
            f"{signed(item['high'])})"
        )
    return capitalised("; ".join(parts)) + "."


def why_sentence(themes: Sequence[dict[str, Any]], nps: dict[str, Any] | None) -> str | None:
    """'Most of the NPS drop comes from 'Reaching a person' (detractors who mention it: 1 to 9 per 100
    answers; without them NPS would have fallen 6 points, not 18) and 'Automated replies'.', when NPS moved
    clearly or likely and themes account for a fifth of it or more."""
    if nps is None or nps["change"] is None or nps["status"] not in (CLEAR, LIKELY) or not themes:
        return None
    change = themes[0]["nps_change"]
    named = [part for part in themes if abs(part["explained"]) >= 0.2 * abs(change)][:2]
    if not named or change == 0:
        return None
    first = named[0]
    without = first["nps_change_without"]
    moved = "fallen" if without < 0 else "risen"
    instead = f"falling {abs(change):.0f}" if change < 0 else f"rising {abs(change):.0f}"
    detail = (
        f"detractors who mention it: {first['detractors_before']:.0f} to {first['detractors_during']:.0f} per "
        f"100 answers; without them NPS would have {moved} {abs(without):.0f} points instead of {instead}"
    )
    others = "".join(f" and '{part['theme']}'" for part in named[1:])
    what = "drop" if change < 0 else "rise"
    return f"Most of the NPS {what} comes from '{first['theme']}' ({detail}){others}."


def signal_line(item: dict[str, Any]) -> str:
    """'NPS: -17.7 points (95% CI -28.5 to -6.9), likely worse (99%); 712 answers before, 403 since' or
    'CES: too few answers'."""
    if item["change"] is None:
        noun = COUNTED_IN.get(item["signal"], "answer")
        status = f"too few {noun}s" if noun == "customer" and item["status"] == THIN else item["status"]
        return f"{capitalised(item['label'])}: {status}"
    unit = unit_suffix(item)
    way = ""
    if item["status"] in (CLEAR, LIKELY):
        way = " worse" if is_worse(item) else " better" if item["better"] else ""
    chance = probability_worse(item) if is_worse(item) else None
    odds = f" ({chance:.0%} probable)" if chance is not None and item["status"] == LIKELY else ""
    settle = ""
    if item["status"] != CLEAR:
        weeks = item.get("weeks_to_settle")
        settle = (
            f"; clear in about {plural(weeks, 'more week')}"
            if weeks
            else "; not clear within a year at this volume"
        )
    return (
        f"{capitalised(item['label'])}: {item['change']:+.1f}{unit} (95% CI {item['low']:+.1f} to "
        f"{item['high']:+.1f}), {item['status']}{way}{odds}{settle}; {counted_before_and_since(item)}"
    )


def counted_before_and_since(item: dict[str, Any]) -> str:
    """'712 answers before, 403 since' ('27 weeks before, 12 since' for the volume of responses, customers for
    the loyalty signals)."""
    noun = COUNTED_IN.get(item["signal"], "answer")
    return f"{plural(round(item['n_before']), noun)} before, {round(item['n_during']):,} since"


def findings_rows(findings: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """The findings as a table's rows for a rollout's card, in words: the vital sign, before, since, the
    change, and how sure Pulse is of it (how_sure)."""
    rows = []
    for item in findings:
        if item["change"] is None:
            rows.append({"Vital sign": capitalised(item["label"]), "How sure": how_sure(item)})
            continue
        unit = unit_suffix(item)
        rows.append(
            {
                "Vital sign": capitalised(item["label"]),
                "Before": f"{item['before']:.1f}{unit}",
                "Since": f"{item['after']:.1f}{unit}",
                "Change": f"{item['change']:+.1f}{change_unit(item)}",
                "How sure": how_sure(item),
            }
        )
    return rows


def how_sure(item: dict[str, Any]) -> str:
    """'Clearly worse', 'Likely better (about a 9 in 10 chance)', 'Clearly higher' (the volume of responses,
    neither better nor worse), 'Not clear yet', 'Too few answers'."""
    if item["change"] is None or item["status"] not in (CLEAR, LIKELY):
        return capitalised(item["status"] if item["status"] != UNCLEAR else "not clear yet")
    if item["better"]:
        way = "worse" if is_worse(item) else "better"
    else:
        way = "higher" if item["change"] > 0 else "lower"
    if item["status"] == CLEAR:
        return f"Clearly {way}"
    probability = probability_worse(item) if is_worse(item) else probability_of_direction(item)
    return f"Likely {way} ({chance_words(probability or 0.0)})"


def range_rows(findings: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """How the findings were worked out, as a table's rows: each vital sign's change with its 95% range (the
    true change is in it 95 times in 100) and the answers it rests on."""
    return [
        {
            "Vital sign": capitalised(item["label"]),
            "Change": f"{item['change']:+.1f}{change_unit(item)}",
            "95% range": f"{item['low']:+.1f} to {item['high']:+.1f}",
            "Based on": counted_before_and_since(item),
        }
        for item in findings
        if item["change"] is not None
    ]


def theme_rows(themes: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """The themes behind the NPS change as a table's rows: detractors and negative comments that mention each,
    before and since, and NPS's change without its detractors."""
    return [
        {
            "Theme": part["theme"],
            "Detractors who mention it, per 100 answers": (
                f"{part['detractors_before']:.1f} → {part['detractors_during']:.1f}"
            ),
            "Negative comments that mention it, per 100": (
                f"{part['negative_before']:.1f} → {part['negative_during']:.1f}"
            ),
            "NPS change without them": f"{part['nps_change_without']:+.1f} (all: {part['nps_change']:+.1f})",
        }
        for part in themes
    ]


def after_end_sentence(item: dict[str, Any], ended_on: date) -> str | None:
    """'Since it ended on 1 Jun 2026, NPS is +2 points against before (not clear).'"""
    change = item.get("change_after_end")
    if change is None:
        return None
    status = item["after_end_status"]
    return (
        f"Since it ended on {format_day(ended_on)}, {item['label']} is {signed(change)}{unit_suffix(item)} "
        f"against before ({status})."
    )


# --- the owner's question -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """The answer to "is automation making us feel impersonal?": yes, not yet clear, not so far, or no
    rollout to judge; the sentence, and the rollout it rests on (name, started_on), if any."""

    kind: str  # yes, unclear, no, none
    sentence: str
    rollout: tuple[str, str] | None = None


def owner_answer(records: Sequence[dict[str, Any]]) -> Answer:
    """The answer from the rollouts' stored records (newest rollout first among equals): "Yes" when a
    rollout clearly made a vital sign worse, "Not yet clear" when one likely did, else "Not so far"."""
    if not records:
        return Answer("none", "No rollouts on the timeline yet: tag one to see what it did to customers.")
    newest_first = sorted(records, key=lambda record: record["started_on"], reverse=True)
    for kind, wanted in (("yes", CLEAR), ("unclear", LIKELY)):
        for record in newest_first:
            harms = [
                item
                for item in headline_findings(record.get("findings", []))
                if item["status"] == wanted and is_worse(item)
            ]
            if harms:
                return Answer(
                    kind, answer_sentence(kind, record, harms[0]), (record["name"], record["started_on"])
                )
    return Answer(
        "no",
        f"Not so far: none of the {plural(len(records), 'rollout')} has clearly or likely made customers' "
        "experience worse.",
    )


def records_in_view(
    records: Sequence[dict[str, Any]], channel: str | None, since: date | None, until: date | None
) -> list[dict[str, Any]]:
    """The rollouts whose findings speak for the data in view: those on `channel` or on every channel (all
    of them when no channel is chosen), whose weeks overlap the days from `since` to `until`."""
    kept = []
    for record in records:
        on = record.get("channel")
        if channel is not None and on not in (*ALL_CHANNELS, channel):
            continue
        window = record.get("window") or {}
        end = date.fromisoformat(window["end"]) if window.get("end") else None
        if until is not None and date.fromisoformat(record["started_on"]) > until:
            continue
        if since is not None and end is not None and end <= since:
            continue
        kept.append(record)
    return kept


def answer_sentence(kind: str, record: dict[str, Any], item: dict[str, Any]) -> str:
    started = date.fromisoformat(record["started_on"])
    since = f"since '{record['name']}' ({format_day(started)})"
    opening = "Yes" if kind == "yes" else "Not yet clear"
    nps = next((finding for finding in record.get("findings", []) if finding["signal"] == "nps"), None)
    why = why_sentence(record.get("themes", []), nps)
    return f"{opening}: {since}, {finding_sentence(item)}" + (f" {why}" if why else "")


# --- small helpers -----------------------------------------------------------------------------------


def is_worse(item: dict[str, Any]) -> bool:
    return item["change"] is not None and item["better"] != 0 and item["change"] * item["better"] < 0


def probability_worse(item: dict[str, Any]) -> float | None:
    up = item.get("probability_up")
    if up is None or item["better"] == 0:
        return None
    return 1 - up if item["better"] > 0 else up


def probability_of_direction(item: dict[str, Any]) -> float:
    up = item.get("probability_up") or 0.5
    return up if item["change"] > 0 else 1 - up


def unit_suffix(item: dict[str, Any]) -> str:
    """What follows a signal's number: '%', or a space and its unit (' points', ' per 100', ' a week')."""
    return "%" if item["unit"] == "%" else f" {item['unit']}"


def change_unit(item: dict[str, Any]) -> str:
    """What follows a change in a signal: as unit_suffix, but a change of a share is in points, not %."""
    return " points" if item["unit"] == "%" else unit_suffix(item)


def signed(value: float) -> str:
    """A whole number with its sign, '+0' for anything that rounds to zero."""
    text = f"{value:+.0f}"
    return "+0" if text == "-0" else text


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
