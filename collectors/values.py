"""One set of value parsers for every import (surveys, reviews, the review APIs and the orders to come), so that
a value is read the same way wherever it comes from:

- dates: ISO 8601 (with or without time and zone), numeric dates in US and European forms (day-first or
  month-first, decided on the evidence of the whole column: `DateEvidence`, `decide_dayfirst`), Excel serial
  numbers and XLSX datetimes; times without a zone are read in the zone given (`parse_moment`);
- scores: whole numbers in a range, "9.0", "10 - Extremely likely", and labels ("Very satisfied", "Strongly
  agree") for the scales that have them (`parse_score`, `ScoreScale`, `ScaleEvidence`);
- stars: 1 to 5 from 4, "4.0", "4 stars" or "FOUR" (`parse_stars`).

Each parser raises ValueError with the reason a row is rejected for."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from collectors.zones import ZONE_PATTERN, zone_of
from pulse.errors import InputError


def norm(text: Any) -> str:
    """Lower case, letters and digits only (and '#', Typeform's id column)."""
    return re.sub(r"[^0-9a-z#]+", "", str(text).casefold()) if text is not None else ""


def time_zone(name: str) -> tzinfo:
    """The IANA time zone `name`; InputError when there is none."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InputError(
            f"{name!r} is not a time zone.", hint="Use an IANA name such as Europe/London."
        ) from error


_ISO_START = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
_TIME_AND_ZONE = (  # an optional time (with AM/PM) and zone (collectors.zones), after a date
    r"(?:(?:[T ]|,\s*|\s+at\s+)\s*(?P<hour>\d{1,2})[:.](?P<minute>\d{2})"
    r"(?:[:.](?P<second>\d{2})(?:[.,](?P<fraction>\d{1,9}))?)?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?"
    rf"\s*\(?(?P<zone>{ZONE_PATTERN})?\)?"
)
_NUMERIC_DATE = re.compile(
    r"(?P<a>\d{1,4})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})" + _TIME_AND_ZONE
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_NAME_DATE = (
    re.compile(  # Feb 16 2026, 16 February 2026, February 16, 2026 3:04 PM, Mon, 16 Feb 2026...
        r"(?i:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
        r"(?:(?P<day>\d{1,2})(?i:st|nd|rd|th)?[\s/.\-]+(?P<month>[A-Za-z]{3,9})\.?"
        r"|(?P<month2>[A-Za-z]{3,9})\.?[\s/.\-]+(?P<day2>\d{1,2})(?i:st|nd|rd|th)?)"
        r",?[\s/.\-]+(?P<year>\d{4}|\d{2})" + _TIME_AND_ZONE
    )
)
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_EXCEL_EPOCH = datetime(1899, 12, 30)


def _date_order(text: str) -> str | None:
    """'dayfirst' or 'monthfirst' when a numeric date shows its order, 'ambiguous' when it cannot."""
    match = _NUMERIC_DATE.fullmatch(text)
    if match is None or len(match["a"]) > 2:
        return None
    first, second = int(match["a"]), int(match["b"])
    if first > 12 >= second:
        return "dayfirst"
    if second > 12 >= first:
        return "monthfirst"
    return "ambiguous" if first != second and first <= 12 and second <= 12 else None


def _numeric_date(match: re.Match[str], dayfirst: bool | None, zone: tzinfo | None) -> datetime:
    a, b, c = match["a"], match["b"], match["c"]
    if len(a) == 4:
        year, month, day = int(a), int(b), int(c)
    elif len(c) in (2, 4):
        first, second = int(a), int(b)
        if dayfirst is None:
            if first != second and first <= 12 and second <= 12:
                raise ValueError(f"ambiguous date {match.string!r} (day-first or month-first?)")
            dayfirst = first > 12
        day, month = (first, second) if dayfirst else (second, first)
        year = _full_year(c)
    else:
        raise ValueError(f"unparseable date {match.string!r}")
    return _with_time(match, year, month, day, zone)


def _month_name_date(match: re.Match[str], zone: tzinfo | None) -> datetime:
    name = (match["month"] or match["month2"]).casefold()
    month = _MONTHS.get(name)
    if month is None:
        raise ValueError(f"unparseable date {match.string!r} ({name!r} is not a month)")
    return _with_time(match, _full_year(match["year"]), month, int(match["day"] or match["day2"]), zone)


def _full_year(text: str) -> int:
    return int(text) if len(text) == 4 else 2000 + int(text) if int(text) < 70 else 1900 + int(text)


def _with_time(match: re.Match[str], year: int, month: int, day: int, zone: tzinfo | None) -> datetime:
    """The date with the time and zone that `match` (_TIME_AND_ZONE) found; a zone abbreviation is read in
    `zone`, the business's (collectors.zones)."""
    hour = int(match["hour"] or 0)
    if match["ampm"]:
        pm = match["ampm"][0] in "Pp"
        if hour > 12 or hour == 0:
            raise ValueError(f"unparseable date {match.string!r}")
        hour = hour % 12 + (12 if pm else 0)
    fraction = (match["fraction"] or "").ljust(6, "0")[:6]
    written = match["zone"]
    moment = datetime(
        year, month, day, hour, int(match["minute"] or 0), int(match["second"] or 0), int(fraction)
    )
    return moment.replace(tzinfo=zone_of(written, zone)) if written else moment


def excel_serial(number: float) -> datetime:
    if not 1 <= number < 2_958_466:  # day 1 to the year 9999
        raise ValueError(f"unparseable date {number!r} (not an Excel date serial number)")
    return _EXCEL_EPOCH + timedelta(seconds=round(number * 86_400))


UNIX_SECONDS = (1e8, 1e10)  # 1973-03-03 to 2286-11-20
UNIX_MILLISECONDS = (1e11, 1e13)  # the same span in milliseconds


def number_moment(number: float) -> datetime:
    """A date written as a number: an Excel serial day (1 to 2,958,465, up to the year 9999; no zone), else
    a Unix time in seconds (10^8 to 10^10) or milliseconds (10^11 to 10^13), in UTC. ValueError otherwise."""
    if UNIX_SECONDS[0] <= number < UNIX_SECONDS[1]:
        return datetime.fromtimestamp(number, UTC)
    if UNIX_MILLISECONDS[0] <= number < UNIX_MILLISECONDS[1]:
        return datetime.fromtimestamp(number / 1000, UTC)
    if not 1 <= number < 2_958_466:
        raise ValueError(f"unparseable date {number!r} (neither an Excel date serial number nor a Unix time)")
    return excel_serial(number)


def parse_moment(value: Any, zone: tzinfo, dayfirst: bool | None = None) -> datetime:
    """A time-zone aware datetime from a cell: ISO 8601, numeric dates (day-first when `dayfirst`), dates with
    the month's name ("Feb 16 2026", "16 February 2026 15:04"), Excel serial numbers, Unix times (seconds or
    milliseconds) or an XLSX datetime, with a zone abbreviation or offset (collectors.zones). Naive values are
    read in `zone`, which is also the context of an abbreviation. Raises ValueError with a reason."""
    if value is None:
        raise ValueError("no date")
    if type(value) is str and value[4:5] == "-":  # ISO 8601, the common case, kept fast
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = _parse_date_text(value.strip(), dayfirst, zone)
    elif isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment = number_moment(float(value))
    else:
        moment = _parse_date_text(str(value).strip(), dayfirst, zone)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _parse_date_text(text: str, dayfirst: bool | None, zone: tzinfo | None = None) -> datetime:
    if not text:
        raise ValueError("no date")
    if _ISO_START.match(text):
        try:
            return datetime.fromisoformat(re.sub(r"(?:\s*(?:UTC|GMT)|z)$", "+00:00", text))
        except ValueError:
            pass
    match = _NUMERIC_DATE.fullmatch(text) or _MONTH_NAME_DATE.fullmatch(text)
    if match is not None:
        try:
            if match.re is _NUMERIC_DATE:
                return _numeric_date(match, dayfirst, zone)
            return _month_name_date(match, zone)
        except ValueError as error:
            reason = str(error)
            raise ValueError(
                reason
                if reason.startswith(("ambiguous", "unparseable"))
                else f"unparseable date {text[:60]!r} ({reason})"
            ) from None
    if _NUMBER.fullmatch(text):
        return number_moment(float(text.replace(",", ".")))
    raise ValueError(f"unparseable date {text[:60]!r}")


def looks_like_date(value: Any) -> bool:
    if isinstance(value, datetime | date):
        return True
    if not isinstance(value, str):
        return False
    text = value.strip()
    return bool(_ISO_START.match(text) or _NUMERIC_DATE.fullmatch(text) or _month_name(text))


def _month_name(text: str) -> bool:
    match = _MONTH_NAME_DATE.fullmatch(text)
    return match is not None and (match["month"] or match["month2"]).casefold() in _MONTHS


@dataclass
class DateEvidence:
    dayfirst: int = 0
    monthfirst: int = 0
    ambiguous: int = 0
    dayfirst_example: str = ""
    monthfirst_example: str = ""
    ambiguous_example: str = ""

    def add(self, value: Any, count: int = 1) -> None:
        if not isinstance(value, str) or value[:4].isdigit():
            return
        order = _date_order(value.strip())
        if order == "dayfirst":
            self.dayfirst += count
            self.dayfirst_example = self.dayfirst_example or value.strip()
        elif order == "monthfirst":
            self.monthfirst += count
            self.monthfirst_example = self.monthfirst_example or value.strip()
        elif order == "ambiguous":
            self.ambiguous += count
            self.ambiguous_example = self.ambiguous_example or value.strip()


def decide_dayfirst(
    evidence: DateEvidence, forced: bool | None, column: str, whole_column: bool
) -> tuple[bool | None, str | None]:
    """Day-first or month-first for the whole column, with the sentence that says why."""
    if forced is not None:
        return forced, f"Dates read {'day' if forced else 'month'}-first, as asked."
    if evidence.dayfirst and evidence.monthfirst:
        dayfirst = evidence.dayfirst >= evidence.monthfirst
        return dayfirst, (
            f"Column '{column}' mixes day-first dates ({evidence.dayfirst_example}, {evidence.dayfirst} rows) "
            f"and month-first dates ({evidence.monthfirst_example}, {evidence.monthfirst} rows); read "
            f"{'day' if dayfirst else 'month'}-first, so rows that only fit the other order are rejected."
        )
    if evidence.dayfirst:
        return True, f"Dates read day-first ({evidence.dayfirst_example} seen)."
    if evidence.monthfirst:
        return False, f"Dates read month-first ({evidence.monthfirst_example} seen)."
    if evidence.ambiguous and whole_column:
        raise InputError(
            f"Every date in column '{column}' can be read day-first or month-first "
            f"(e.g. {evidence.ambiguous_example}), so Pulse cannot tell which is meant.",
            hint="Say how to read them: add --dayfirst (31/01/2026) or --monthfirst (01/31/2026).",
        )
    if evidence.ambiguous:
        return None, (
            f"The first rows' dates in '{column}' can be read day-first or month-first "
            f"(e.g. {evidence.ambiguous_example}); the whole file decides, or choose with --dayfirst/--monthfirst."
        )
    return None, None


MAX_TEXT_CHARS = 100_000  # a comment longer than this is stored cut, its length kept in the raw data


CSAT_LABELS = {
    "verysatisfied": 5,
    "extremelysatisfied": 5,
    "satisfied": 4,
    "somewhatsatisfied": 4,
    "neutral": 3,
    "neithersatisfiednordissatisfied": 3,
    "somewhatdissatisfied": 2,
    "dissatisfied": 2,
    "verydissatisfied": 1,
    "extremelydissatisfied": 1,
}
CES_LABELS = {  # CES 2.0: "The company made it easy for me to handle my issue", 1-7 agreement
    "stronglyagree": 7,
    "agree": 6,
    "somewhatagree": 5,
    "neitheragreenordisagree": 4,
    "somewhatdisagree": 3,
    "disagree": 2,
    "stronglydisagree": 1,
}
_SCORE_TEXT = re.compile(r"(?P<number>[+-]?\d+(?:[.,]\d+)?)(?:\s*(?:[-–:=(/]|\s).*)?", re.DOTALL)


def read_number(value: Any, name: str, labels: Mapping[str, int] | None = None) -> float | None:
    """The number a cell holds, None when it is empty: a number, '9', '9.0', '10 - Extremely likely' and, with
    `labels`, words such as 'Very satisfied' (normalised as `norm` does). ValueError when it holds none."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{name} {value!r} is not a number")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return float(text)
    if labels and norm(text) in labels:
        return float(labels[norm(text)])
    match = _SCORE_TEXT.fullmatch(text)
    if match is None:
        raise ValueError(f"{name} {text[:40]!r} is not a number")
    return float(match["number"].replace(",", "."))


def parse_score(
    value: Any, name: str, low: int, high: int, labels: Mapping[str, int] | None = None
) -> int | None:
    """A whole score in [low, high], None for an empty cell (or NaN); ValueError with a reason otherwise.
    Reads what `read_number` reads."""
    if type(value) is str and value.isdigit() and value.isascii():  # the common case, kept fast
        score = int(value)
        if low <= score <= high:
            return score
        raise ValueError(f"{name} {score} is out of range {low}-{high}")
    number = read_number(value, name, labels)
    if number is None or math.isnan(number):
        return None
    if not number.is_integer():
        raise ValueError(f"{name} {number:g} is not a whole number")
    score = int(number)
    if not low <= score <= high:
        raise ValueError(f"{name} {score} is out of range {low}-{high}")
    return score


STAR_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}  # Google Business Profile's ONE ... FIVE


def parse_stars(value: Any) -> int | None:
    """A 1-5 star rating from 4, "4", "4.0", "4 stars" or "FOUR" (what `read_number` reads); None when blank;
    ValueError when it is not one (half stars included)."""
    try:
        number = read_number(value, "stars", STAR_WORDS)
    except ValueError:
        number = math.nan
    if number is None:
        return None
    if not math.isfinite(number) or not number.is_integer() or not 1 <= number <= 5:
        raise ValueError(f"stars must be a whole number from 1 to 5, not {value!r}")
    return int(number)


def score_or_none(value: Any, labels: Mapping[str, int] | None = None) -> int | None:
    try:
        return parse_score(value, "score", -1_000_000, 1_000_000, labels)
    except ValueError:
        return None


@dataclass(frozen=True)
class ScoreScale:
    """A score field that Pulse counts on one scale and never rescales."""

    field_name: str
    label: str
    low: int
    high: int
    labels: Mapping[str, int]

    @property
    def span(self) -> str:
        return f"{self.low}-{self.high}"

    def parse(self, value: Any) -> int | None:
        return parse_score(value, self.field_name, self.low, self.high, self.labels)


CSAT_SCALE = ScoreScale("csat", "CSAT", 1, 5, CSAT_LABELS)
CES_SCALE = ScoreScale("ces", "CES", 1, 7, CES_LABELS)
SCALED_FIELDS = (CSAT_SCALE, CES_SCALE)


SCALE_BULK = 0.98  # a column's scale is the smallest usual one that holds this share of its answers
USUAL_SCALES = ((1, 5), (0, 5), (1, 7), (0, 7), (1, 10), (0, 10))  # smallest first


@dataclass
class ScaleEvidence:
    """The scores seen in a column, with how often: its scale is decided by the bulk of them, so that an odd
    answer (a 0 in a 1-5 column) is rejected with its line instead of changing the column's scale."""

    labels: Mapping[str, int]
    counts: Counter[int] = field(default_factory=Counter)

    @property
    def low(self) -> int | None:
        return min(self.counts) if self.counts else None

    @property
    def high(self) -> int | None:
        return max(self.counts) if self.counts else None

    def add(self, value: Any, count: int = 1) -> None:
        score = score_or_none(value, self.labels)
        if score is not None:
            self.counts[score] += count

    def scale(self, expected: str) -> str:
        """The smallest usual scale (USUAL_SCALES) that holds at least SCALE_BULK of the answers, else one from
        the lowest to the highest value ("0-12"); `expected` when there are none."""
        if not self.counts:
            return expected
        total = sum(self.counts.values())
        for low, high in USUAL_SCALES:
            if self.inside(low, high) >= SCALE_BULK * total:
                return f"{low}-{high}"
        low = 0 if min(self.counts) <= 0 else 1
        high = next((top for top in (5, 7, 10) if max(self.counts) <= top), max(self.counts))
        return f"{low}-{high}"

    def inside(self, low: int, high: int) -> int:
        return sum(count for score, count in self.counts.items() if low <= score <= high)

    def outside(self, low: int, high: int) -> dict[int, int]:
        """The odd values, outside [low, high], with how often each was seen."""
        return {score: count for score, count in sorted(self.counts.items()) if not low <= score <= high}
