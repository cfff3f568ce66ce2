"""The rules that turn new feedback into a follow-up case, and when the case's first contact is due.

Four built-in rules, in order (a feedback item that meets several gets the first as its case's reason):
`detractor` (NPS at most the threshold, 6), `impersonal` (the impersonal-experience detector, or the team's
correction, flagged it), `low_stars` (a review of at most the threshold's stars, 2) and `contact_request` (the
comment asks to be contacted). The owner can turn each off, change its threshold, send its cases to a named
person and give it its own time to first contact (store.cases.RuleChange, kept in case_rules).

A case's due time counts business hours (`due_at`): the clock runs only while the business is open, as help
desks count a service-level target in business hours (Zendesk's "business hours" SLAs, for instance), so 48
hours from Friday 16:00 with Mon-Fri 09:00-17:00 is the Monday after next, six working days on.

Pure: no store. analysis.cases_pipeline reads the candidates and the owner's changes and stores the cases.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from pulse.business_hours import BusinessHours
from pulse.errors import InputError

RULE_KEYS = (
    "detractor",
    "impersonal",
    "low_stars",
    "contact_request",
)  # in order: the first met is the reason
DEFAULT_THRESHOLDS: dict[str, int] = {"detractor": 6, "low_stars": 2}
THRESHOLD_RANGES: dict[str, tuple[int, int]] = {"detractor": (0, 9), "low_stars": (1, 4)}
DEFAULT_DUE_HOURS = 48  # the PULSE_CASE_DUE_HOURS default
# How each reason is counted in a sentence ("3 detractors, 1 contact request")
REASON_NOUNS: dict[str, tuple[str, str]] = {
    "detractor": ("detractor", "detractors"),
    "impersonal": ("impersonal-service complaint", "impersonal-service complaints"),
    "low_stars": ("low-star review", "low-star reviews"),
    "contact_request": ("contact request", "contact requests"),
}
MATCH_SCHEMA = {"feedback_id": pl.Int64, "reason": pl.String, "assignee": pl.String, "due_hours": pl.Int64}


@dataclass(frozen=True)
class CaseRule:
    """One rule as it applies now: its key, whether it is on, its threshold (detractor: NPS at most this;
    low_stars: stars at most this; None for the others), who its cases go to (None: nobody yet) and the
    business hours until first contact is due."""

    key: str
    enabled: bool = True
    threshold: int | None = None
    assignee: str | None = None
    due_hours: int = DEFAULT_DUE_HOURS

    @property
    def label(self) -> str:
        """The rule for people: 'Detractor (NPS 0-6)', 'Review of 1-2 stars'..."""
        if self.key == "detractor":
            return f"Detractor (NPS 0-{self.threshold})"
        if self.key == "low_stars":
            return "Review of 1 star" if self.threshold == 1 else f"Review of 1-{self.threshold} stars"
        if self.key == "impersonal":
            return "Impersonal-service complaint"
        return "Asks to be contacted"


class RuleSetting(Protocol):
    """The owner's setting of one rule (store.cases.RuleChange has this shape)."""

    @property
    def rule(self) -> str: ...
    @property
    def enabled(self) -> bool: ...
    @property
    def threshold(self) -> int | None: ...
    @property
    def assignee(self) -> str | None: ...
    @property
    def due_hours(self) -> int: ...


def default_rules(due_hours: int = DEFAULT_DUE_HOURS) -> list[CaseRule]:
    """The built-in rules, all on, nobody assigned, due after `due_hours` business hours (PULSE_CASE_DUE_HOURS)."""
    return [CaseRule(key, True, DEFAULT_THRESHOLDS.get(key), None, due_hours) for key in RULE_KEYS]


def effective_rules(changes: Mapping[str, RuleSetting], default_due_hours: int) -> list[CaseRule]:
    """The built-in rules, in order, with the owner's stored `changes` (store.cases.read_rule_changes) applied;
    a stored threshold that no longer makes sense (out of range) falls back to the default."""
    rules = []
    for rule in default_rules(default_due_hours):
        change = changes.get(rule.key)
        if change is None:
            rules.append(rule)
            continue
        threshold = rule.threshold
        if rule.key in THRESHOLD_RANGES and change.threshold is not None:
            low, high = THRESHOLD_RANGES[rule.key]
            threshold = change.threshold if low <= change.threshold <= high else rule.threshold
        rules.append(CaseRule(rule.key, change.enabled, threshold, change.assignee, change.due_hours))
    return rules


def check_rule(rule: CaseRule) -> CaseRule:
    """`rule` when the owner's change to it can be kept; otherwise an InputError saying what to change."""
    if rule.key not in RULE_KEYS:
        raise InputError(f"There is no rule {rule.key!r}.", hint=f"The rules are: {', '.join(RULE_KEYS)}.")
    if rule.key in THRESHOLD_RANGES:
        low, high = THRESHOLD_RANGES[rule.key]
        if rule.threshold is None or not low <= rule.threshold <= high:
            scale = "NPS" if rule.key == "detractor" else "stars"
            raise InputError(
                f"The {rule.key} rule's threshold must be {scale} from {low} to {high}, not {rule.threshold}.",
                hint=f"Its cases are feedback with {scale} at most the threshold (default "
                f"{DEFAULT_THRESHOLDS[rule.key]}).",
            )
    elif rule.threshold is not None:
        raise InputError(
            f"The {rule.key} rule has no threshold.",
            hint="Only the detractor (NPS) and low_stars (stars) rules have one.",
        )
    if not 1 <= rule.due_hours <= 2000:
        raise InputError(
            f"A case cannot be due after {rule.due_hours} business hours.",
            hint="Give the business hours to first contact, from 1 to 2000 (default 48).",
        )
    return rule


# --- Contact requests --------------------------------------------------------------------------------------------
# A rule list, not a trained model: there is no labelled data of customers asking to be contacted (the labelled
# sets in ../shared/data label sentiment, impersonal service and banking intents, none of them this), and the
# ways people ask are few and plain. Texts are matched without case, on word boundaries, in two passes: first
# the phrases that are *not* requests are blanked out (negated: "don't call me", "no need to call", "nobody got
# back to me"; reported or described: "they said someone would call me back", "they text me at 6am", "it keeps
# emailing me"), then what is left is searched for a request ("please call me", "can someone ring me", "I'd like
# to speak to a manager", "reach me on 07700...", "my number is ...", "call me back", "get back to me").
# Every pattern is written in the syntax that Python's `re` and polars (Rust's regex crate) share: no
# look-around, no back-references. Checked on the 1,400 real complaints of ../shared/data/impersonal_dev*.csv
# (labelled for impersonal service, not for this): 13 flagged, 10 of them asking for, or still waiting for, a call
# or a reply; the other 3 a quoted letter, a reported "would ... call me back" far from its subject, and "I need
# to speak to the local office".
_APOSTROPHE = "['’]"
_VERB = (
    r"(?:call|ring|phone|contact|e-?mail|text|message|whatsapp|g[eo]t\s+back|g[eo]t\s+in\s+touch|reach"
    r"|speak|talk|repl(?:y|ied|ies)|respond|hear|heard|g[ai]ve\s+me\s+a)"
)
_WORDS = rf"(?:\w+(?:{_APOSTROPHE}\w+)?\s+)"  # a word and the space after it (never across punctuation)
_NEGATED = (
    rf"\b(?:don{_APOSTROPHE}?t|do\s+not|didn{_APOSTROPHE}?t|did\s+not|doesn{_APOSTROPHE}?t|does\s+not"
    rf"|won{_APOSTROPHE}?t|will\s+not|wouldn{_APOSTROPHE}?t|would\s+not|can{_APOSTROPHE}?t|cannot|can\s+not"
    rf"|couldn{_APOSTROPHE}?t|could\s+not|haven{_APOSTROPHE}?t|have\s+not|hasn{_APOSTROPHE}?t|has\s+not"
    r"|never|no\s+need\s+(?:for\s+\w+\s+)?to|not\s+necessary\s+to|rather\s+not|not\s+to|nobody"
    r"|no\s+(?:one|person|human|body|staff|manager|agent|rep)|stop|stopped|without|unable\s+to|failed\s+to"
    rf"|forgot\s+to|refused\s+to|yet\s+to)\s+{_WORDS}{{0,4}}?{_VERB}\w*"
)
_REPORTED = (
    rf"\b(?:(?:they|he|she|who|which)(?:{_APOSTROPHE}(?:d|ll|s|re|ve))?"
    r"|(?:someone|somebody|anyone|anybody|you|staff|(?:a|the)\s+(?:manager|owner))\s+(?:would|will|was|were"
    r"|is|are|has|had|said|promised|kept|keeps|always|supposed)"
    r"|(?:promised|supposed|told|said|meant|going)\s+to|keeps?\s+(?:on\s+)?|kept\s+(?:on\s+)?)"
    rf"\s*{_WORDS}{{0,4}}?{_VERB}\w*"
    # ... would call me back / will have to call me / have their manager call me / wait for them to contact me
    rf"|\b(?:would|will)\s+(?:(?:have|be|able|to|get|a|me)\s+){{0,3}}{_VERB}\w*"
    rf"|\b(?:their|his|her)\s+{_WORDS}{{0,2}}?{_VERB}\w*|\bthem\s+to\s+{_VERB}\w*"
)
_ASKING_VERB = (
    r"(?:call|ring|phone|contact|e-?mail|text|message|whatsapp|reply|respond|get\s+back|get\s+in\s+touch"
    r"|reach\s+out|reach\s+me|give\s+me\s+a\s+(?:call|ring|bell))"
)
_STAFF = r"(?:manager|owner|supervisor|person|human|real\s+person|member\s+of\s+staff|team)"
_SOMEONE = rf"(?:you|someone|somebody|anyone|anybody|(?:a|the|your)\s+{_STAFF})"
_REQUESTS = (
    # please call me / please can someone get back to me / please ask the manager to ring me
    r"\bplease[,\s]+(?:(?:can|could|would|will|do|just|kindly|urgently|someone|somebody|anyone|you|ask|have|get"
    rf"|the|a|your|manager|owner|staff|member|of|person|human|to)\s+){{0,5}}{_ASKING_VERB}\b",
    # can someone ring me? / would someone from the shop be able to phone me? / could the manager call me
    rf"\b(?:can|could|would|will|may)\s+{_SOMEONE}(?:\s+from\s+(?:the\s+)?\w+)?"
    rf"(?:\s+(?:please|kindly|just|possibly|maybe|perhaps))?(?:\s+be\s+able\s+to)?\s+{_ASKING_VERB}\b",
    # I need someone to call me back / if somebody could get in touch
    rf"\b(?:someone|somebody|anyone|anybody|(?:a|the|your)\s+{_STAFF})\s+(?:could|can|should|to|must|please"
    rf"|might)\s+(?:please\s+)?{_ASKING_VERB}\b",
    # I'd like to speak to a manager / can I talk to someone / I demand to speak with the owner
    rf"\b(?:i{_APOSTROPHE}?d|i\s+would|i\s+want|i\s+wanna|i\s+need|i{_APOSTROPHE}?m\s+asking|i\s+am\s+asking"
    rf"|i\s+demand|i\s+ask|i{_APOSTROPHE}?m\s+requesting|i\s+request|let\s+me|can\s+i|could\s+i|may\s+i)\s+"
    r"(?:(?:like|love|prefer|want|really|just|urgently|still|to|now|please)\s+){0,4}(?:speak|talk|chat)\s+"
    r"(?:to|with)\b",
    # I look forward to hearing from you / still waiting for a reply / I'd like to hear back
    rf"\b(?:i{_APOSTROPHE}?d|i\s+would|i\s+want|i\s+need|i\s+hope|look\s+forward|looking\s+forward|await"
    rf"|awaiting|i{_APOSTROPHE}?m\s+waiting|i\s+am\s+waiting|still\s+waiting)\s+"
    r"(?:(?:like|love|to|really|just|still|for)\s+){0,3}"
    r"(?:hear(?:ing)?\s+(?:back|from)|(?:a|your)\s+(?:reply|response|call|callback|call\s+back))\b",
    # reach me on 07700 900123 / call me at 0161... / contact me via email / ring me on my mobile
    r"\b(?:reach|contact|call|ring|text|phone|e-?mail|message|whatsapp)\s+me\s+(?:on|at|via|by)\s+"
    r"(?:[+(]?\d|\S+@|my\s+(?:mobile|cell|number|phone|email|e-mail)|email|e-mail|phone|mobile|whatsapp"
    r"|this\s+(?:number|email|address))",
    # my number is 07700 900123 / my email address: sam@example.org
    r"\bmy\s+(?:(?:phone|mobile|cell|contact|telephone|home|work)\s+)?(?:number|no\.?|email|e-mail"
    r"|email\s+address|e-mail\s+address|details)\s*(?:is|are|:)\s*(?:[+(\[<]?\d|\S+@|\[|<|x{2,})",
    # you can reach me / feel free to contact me / happy to be contacted
    r"\b(?:you\s+can|you\s+may|feel\s+free\s+to)\s+(?:call|ring|phone|contact|e-?mail|text|reach|message)"
    r"\s+me\b",
    r"\bhappy\s+(?:to\s+be\s+(?:called|contacted|phoned|emailed|rung)|for\s+you\s+to\s+(?:call|ring|phone"
    r"|contact|e-?mail|text)\s+me)\b",
    # call me back / call me. / email me instead / text me when it's ready / give me a ring
    r"\b(?:call|ring|phone|text|e-?mail|contact|message)\s+me(?:\s+back\b|\s+(?:asap|please|urgently|instead"
    r"|when|whenever|once|if|tomorrow|today|tonight|this\s+(?:morning|afternoon|evening|week)|any\s*time"
    r"|as\s+soon)\b|\s*[.!?;:)]|\s*$)",
    r"\bgive\s+me\s+a\s+(?:call|ring|bell|buzz)\b",
    # get back to me
    r"\bget\s+back\s+to\s+me\b",
    # I would appreciate a call back / I'd like a word with the owner / requesting a callback
    r"\b(?:arrange|request|requesting|book|appreciate|welcome|like|love|want|need|expect"
    r"|expecting)\s+a\s+(?:quick\s+|phone\s+|personal\s+)?(?:call\s*back|callback|call|phone\s+call|reply"
    r"|response|word)\b",
    r"\bget\s+a\s+(?:call\s*back|callback)\b",
)
NOT_A_REQUEST = f"(?i)(?:{_NEGATED})|(?:{_REPORTED})"
CONTACT_REQUEST = "(?i)" + "|".join(f"(?:{pattern})" for pattern in _REQUESTS)


def asks_for_contact_expr(text: str | pl.Expr = "text") -> pl.Expr:
    """Whether each text asks the business to contact its writer (False for a null text): the rule list above,
    as a polars expression over the column `text`."""
    column = pl.col(text) if isinstance(text, str) else text
    return (
        column.fill_null("")
        .str.replace_all(NOT_A_REQUEST, " ")
        .str.contains(CONTACT_REQUEST)
        .fill_null(False)
    )


def asks_for_contact(text: str | None) -> bool:
    """Whether `text` asks to be contacted ("please call me", "can someone ring me", "my number is ..."; not
    "don't contact me" or "they said someone would call me back"): asks_for_contact_expr on one text. A rule
    list, not a trained model: no labelled data of customers asking to be contacted exists to train or measure
    one on (see the note above _APOSTROPHE), and the phrases are few and plain."""
    return bool(pl.select(asks_for_contact_expr(pl.lit(text, dtype=pl.String))).item())


# --- Matching ----------------------------------------------------------------------------------------------------


def rule_expr(rule: CaseRule) -> pl.Expr:
    """Whether each candidate (store.cases.CANDIDATE_SCHEMA) meets `rule`, never null."""
    if rule.key == "detractor":
        met = pl.col("nps") <= rule.threshold
    elif rule.key == "low_stars":
        met = pl.col("stars") <= rule.threshold
    elif rule.key == "impersonal":
        met = pl.col("impersonal")
    elif rule.key == "contact_request":
        met = asks_for_contact_expr("text")
    else:
        raise ValueError(f"unknown rule {rule.key!r}")
    return met.fill_null(False)


def match_rules(candidates: pl.DataFrame, rules: Sequence[CaseRule]) -> pl.DataFrame:
    """The candidates that meet an enabled rule (MATCH_SCHEMA: feedback_id, reason, assignee, due_hours): the
    reason is the first rule met in `rules`' order, the assignee and due hours are that rule's."""
    enabled = [rule for rule in rules if rule.enabled]
    if not enabled or candidates.is_empty():
        return pl.DataFrame(schema=MATCH_SCHEMA)
    reason = pl.coalesce([pl.when(rule_expr(rule)).then(pl.lit(rule.key)) for rule in enabled])
    keys = [rule.key for rule in enabled]
    settings = pl.DataFrame(
        {
            "reason": keys,
            "assignee": [rule.assignee for rule in enabled],
            "due_hours": [rule.due_hours for rule in enabled],
        },
        schema={"reason": pl.String, "assignee": pl.String, "due_hours": pl.Int64},
    )
    return (
        candidates.select("feedback_id", reason.alias("reason"))
        .filter(pl.col("reason").is_not_null())
        .join(settings, on="reason", how="left")
        .select([pl.col(name).cast(dtype) for name, dtype in MATCH_SCHEMA.items()])
    )


# --- Due times in business hours ---------------------------------------------------------------------------------
_MICROSECONDS_PER_MINUTE = 60_000_000
_UNIX_EPOCH_WEEKDAY = 3  # 1970-01-01, numpy's day 0, was a Thursday


def due_at(start: datetime, hours: float, schedule: BusinessHours) -> datetime:
    """The moment at which `hours` business hours have passed since `start` (UTC), the clock running only while
    `schedule` says the business is open: Mon-Fri 09:00-17:00 and 48 hours from Friday 16:00 is the Monday after
    next at 16:00 (six working days on). Counted on the local wall clock in the schedule's time zone (so a day opening 09:00-17:00 has
    8 hours in summer and in winter), with numpy's business-day calendar (weekmask and closed days) stepping the
    days. A due time that uses up a day's hours is that day's closing time, never the next opening. Returns an
    aware UTC datetime, never before `start`; 0 hours is `start` itself."""
    if hours < 0 or math.isnan(hours):
        raise ValueError(f"hours must be 0 or more, not {hours}")
    start = start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)
    need = round(hours * 3600 * 1_000_000)  # in microseconds, so that sums are exact
    if need == 0:
        return start
    zone = ZoneInfo(schedule.timezone)
    local = start.astimezone(zone).replace(tzinfo=None)
    today = local.date()
    calendar = np.busdaycalendar(weekmask=schedule.weekmask, holidays=list(schedule.closed_days))
    since_midnight = (local - datetime.combine(today, datetime.min.time())) // timedelta(microseconds=1)
    if np.is_busday(np.datetime64(today), busdaycal=calendar):
        found, need = _within_day(schedule, today, need, since_midnight)
        if found is not None:
            return _to_utc(found, zone, start)
    # Whole open days after today: enough of them to hold `need` even if each were the shortest
    per_weekday = np.array([schedule.minutes_open(day) * _MICROSECONDS_PER_MINUTE for day in range(7)])
    shortest = int(per_weekday[per_weekday > 0].min())
    count = need // shortest + 2
    days = np.busday_offset(
        np.datetime64(today + timedelta(days=1)), np.arange(count), roll="forward", busdaycal=calendar
    )
    weekdays = (days.astype("int64") + _UNIX_EPOCH_WEEKDAY) % 7
    elapsed = np.cumsum(per_weekday[weekdays])
    index = int(np.searchsorted(elapsed, need, side="left"))
    left = need - (int(elapsed[index - 1]) if index else 0)
    day = days[index].astype(date)
    found, _ = _within_day(schedule, day, left, 0)
    assert found is not None  # `elapsed[index]` covers `need`
    return _to_utc(found, zone, start)


def _within_day(schedule: BusinessHours, day: date, need: int, after: int) -> tuple[datetime | None, int]:
    """Where in `day`'s opening windows, counting from `after` microseconds past midnight, `need` microseconds
    of opening time run out: (that moment, 0), or (None, what is still needed after the day's last window)."""
    for opening, close in schedule.windows[day.weekday()]:
        begin = max(opening * _MICROSECONDS_PER_MINUTE, after)
        end = close * _MICROSECONDS_PER_MINUTE
        if begin >= end:
            continue
        if need <= end - begin:
            return datetime.combine(day, datetime.min.time()) + timedelta(microseconds=begin + need), 0
        need -= end - begin
    return None, need


def _to_utc(local: datetime, zone: ZoneInfo, start: datetime) -> datetime:
    # a wall time in the hour that the clocks go back can read earlier than `start`: never due before it
    return max(local.replace(tzinfo=zone).astimezone(UTC), start)
