"""Opening hours, the hours in which a follow-up case's clock runs: "Mon-Fri 09:00-17:00" (PULSE_BUSINESS_HOURS),
in the business's time zone (PULSE_TIMEZONE), less the days it is closed (PULSE_BUSINESS_CLOSED_DAYS, e.g. bank
holidays). Parsed here, on the ground floor, so that the settings refuse bad text when they are read; the clock
itself is analysis.case_rules.due_at."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from pulse.errors import ConfigError

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_WORDS = {
    **{name.lower(): index for index, name in enumerate(DAY_NAMES)},
    **{
        word: index
        for index, word in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
    "tues": 1,
    "weds": 2,
    "thur": 3,
    "thurs": 3,
}
_DAY = r"[A-Za-z]+"
_TIME = r"\d{1,2}[:.]\d{2}"
_CLAUSE = re.compile(
    rf"^(?P<days>{_DAY}(?:\s*[-–]\s*{_DAY})?)\s+(?P<ranges>{_TIME}\s*[-–]\s*{_TIME}(?:\s*(?:\s|&|and)\s*{_TIME}\s*[-–]\s*{_TIME})*)$",
    re.IGNORECASE,
)
_RANGE = re.compile(rf"({_TIME})\s*[-–]\s*({_TIME})")
HINT = (
    'Write the days and their hours, e.g. "Mon-Fri 09:00-17:00", "Mon-Sat 08:00-18:00" or '
    '"Mon-Fri 09:00-17:00, Sat 10:00-14:00" (a lunch break: "Mon-Fri 09:00-12:30 13:30-17:00"), in 24-hour '
    "time, closing at 24:00 at the latest."
)

Window = tuple[int, int]  # opening and closing, in minutes after local midnight


@dataclass(frozen=True)
class BusinessHours:
    """When the business is open, in local wall time in `timezone`: `windows[d]` are the (opening, closing)
    minutes after midnight of weekday d (0 Monday .. 6 Sunday), sorted and apart; `closed_days` are dates on
    which it does not open at all."""

    windows: tuple[tuple[Window, ...], ...]
    timezone: str = "Europe/London"
    closed_days: tuple[date, ...] = ()

    @property
    def weekmask(self) -> str:
        """numpy's business-day week mask, Monday first: '1111100' for Monday to Friday."""
        return "".join("1" if day else "0" for day in self.windows)

    def minutes_open(self, weekday: int) -> int:
        """How many minutes the business is open on `weekday` (0 Monday)."""
        return sum(close - opening for opening, close in self.windows[weekday])

    def describe(self) -> str:
        """The hours as they would be written: 'Mon-Fri 09:00-17:00, Sat 10:00-14:00'."""
        clauses: list[str] = []
        day = 0
        while day < 7:
            last = day
            while last + 1 < 7 and self.windows[last + 1] == self.windows[day]:
                last += 1
            if self.windows[day]:
                days = DAY_NAMES[day] if last == day else f"{DAY_NAMES[day]}-{DAY_NAMES[last]}"
                hours = " ".join(f"{_clock(a)}-{_clock(b)}" for a, b in self.windows[day])
                clauses.append(f"{days} {hours}")
            day = last + 1
        return ", ".join(clauses)


def parse_business_hours(
    text: str, timezone: str = "Europe/London", closed_days: Iterable[date] = ()
) -> BusinessHours:
    """`text` such as "Mon-Fri 09:00-17:00" or "Mon-Fri 09:00-17:00, Sat 10:00-14:00" (clauses separated by
    commas or semicolons; a day range may wrap, "Fri-Mon"; several ranges in a day are its opening windows);
    a ConfigError says what is wrong with anything else."""
    windows: list[list[Window]] = [[] for _ in DAY_NAMES]
    clauses = [clause.strip() for clause in re.split(r"[,;]", text or "") if clause.strip()]
    if not clauses:
        raise ConfigError("The business hours are empty.", hint=HINT)
    for clause in clauses:
        match = _CLAUSE.match(clause)
        if match is None:
            raise ConfigError(f"Cannot read the business hours {clause!r}.", hint=HINT)
        ranges = [(_minutes(a, clause), _minutes(b, clause)) for a, b in _RANGE.findall(match["ranges"])]
        for opening, close in ranges:
            if close <= opening:
                raise ConfigError(
                    f"In the business hours {clause!r}, {_clock(close)} is not after {_clock(opening)}.",
                    hint=HINT + " Hours past midnight go on the next day's line.",
                )
        for day in _days(match["days"], clause):
            windows[day].extend(ranges)
    for day, day_windows in enumerate(windows):
        day_windows.sort()
        for (_, close), (opening, _) in pairwise(day_windows):
            if opening < close:
                raise ConfigError(
                    f"The business hours give {DAY_NAMES[day]} overlapping hours.",
                    hint="Give each day's hours once: " + HINT,
                )
    return BusinessHours(tuple(tuple(day) for day in windows), timezone, tuple(sorted(set(closed_days))))


def _days(text: str, clause: str) -> list[int]:
    names = [part.strip().lower() for part in re.split(r"[-–]", text)]
    unknown = [name for name in names if name not in _DAY_WORDS]
    if unknown:
        raise ConfigError(
            f"In the business hours {clause!r}, {unknown[0]!r} is not a day.",
            hint="Name days Mon, Tue, Wed, Thu, Fri, Sat, Sun. " + HINT,
        )
    first = _DAY_WORDS[names[0]]
    last = _DAY_WORDS[names[-1]]
    return [(first + step) % 7 for step in range((last - first) % 7 + 1)]


def _minutes(text: str, clause: str) -> int:
    hours, minutes = (int(part) for part in re.split(r"[:.]", text))
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes):
        raise ConfigError(f"In the business hours {clause!r}, {text!r} is not a time of day.", hint=HINT)
    return 60 * hours + minutes


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
