"""The time zone written after an exported time: an abbreviation ("2025/04/01 01:14:16 PM BST", as Google Forms'
CSV download writes them; "EST", "CEST", "AEST"...) or an offset ("+0100", "+01:00", "UTC+1", "GMT-5").

An abbreviation stands for a fixed offset (BST is UTC+1, EST UTC-5), except the generic US names (ET, CT, MT,
PT), which follow their zone's daylight saving time. Some abbreviations mean different zones in different parts
of the world (IST: India, Ireland or Israel; CST: US Central, China or Cuba; BST: British Summer Time or
Bangladesh). They are read in the business's context, its time zone (`PULSE_TIMEZONE`): the reading used in that
very zone wins, else the reading used on its continent (the first part of its IANA name: Europe, America, Asia,
Australia...), else the commonest reading, listed first below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Reading:
    """One meaning of an abbreviation: its offset from UTC in minutes (or an IANA zone that keeps daylight
    saving time), and the IANA zones where it is used."""

    minutes: int
    zones: tuple[str, ...]
    iana: str | None = None  # a generic name (ET, PT...): the zone itself, summer and winter

    def zone(self) -> tzinfo:
        if self.iana is not None:
            return ZoneInfo(self.iana)
        return UTC if self.minutes == 0 else timezone(timedelta(minutes=self.minutes))


def _h(hours: float, *zones: str, iana: str | None = None) -> Reading:
    return Reading(round(hours * 60), zones, iana)


_US = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Phoenix")
_AU = ("Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane", "Australia/Hobart")

# Abbreviation -> its readings, the commonest first.
ABBREVIATIONS: dict[str, tuple[Reading, ...]] = {
    "UTC": (_h(0),),
    "UT": (_h(0),),
    "GMT": (_h(0, "Europe/London", "Europe/Dublin"),),
    "Z": (_h(0),),
    # Europe and Africa
    "BST": (_h(1, "Europe/London"), _h(6, "Asia/Dhaka")),
    "IST": (
        _h(5.5, "Asia/Kolkata", "Asia/Calcutta"),
        _h(1, "Europe/Dublin"),
        _h(2, "Asia/Jerusalem", "Asia/Tel_Aviv"),
    ),
    "WET": (_h(0, "Europe/Lisbon"),),
    "WEST": (_h(1, "Europe/Lisbon"),),
    "CET": (_h(1, "Europe/Paris", "Europe/Berlin"),),
    "CEST": (_h(2, "Europe/Paris", "Europe/Berlin"),),
    "MET": (_h(1),),
    "MEST": (_h(2),),
    "EET": (_h(2, "Europe/Athens", "Europe/Helsinki"),),
    "EEST": (_h(3, "Europe/Athens", "Europe/Helsinki"),),
    "MSK": (_h(3, "Europe/Moscow"),),
    "WAT": (_h(1, "Africa/Lagos"),),
    "CAT": (_h(2, "Africa/Maputo", "Africa/Harare"),),
    "EAT": (_h(3, "Africa/Nairobi"),),
    "SAST": (_h(2, "Africa/Johannesburg"),),
    # North and South America
    "EST": (_h(-5, *_US),),
    "EDT": (_h(-4, *_US),),
    "CST": (_h(-6, *_US), _h(8, "Asia/Shanghai", "Asia/Taipei", "Asia/Macau"), _h(-5, "America/Havana")),
    "CDT": (_h(-5, *_US), _h(-4, "America/Havana")),
    "MST": (_h(-7, *_US),),
    "MDT": (_h(-6, *_US),),
    "PST": (_h(-8, *_US), _h(8, "Asia/Manila")),
    "PDT": (_h(-7, *_US),),
    "AKST": (_h(-9, "America/Anchorage"),),
    "AKDT": (_h(-8, "America/Anchorage"),),
    "HST": (_h(-10, "Pacific/Honolulu"),),
    "HDT": (_h(-9, "America/Adak"),),
    "AST": (_h(-4, "America/Halifax", "America/Puerto_Rico"), _h(3, "Asia/Riyadh", "Asia/Baghdad")),
    "ADT": (_h(-3, "America/Halifax"),),
    "NST": (_h(-3.5, "America/St_Johns"),),
    "NDT": (_h(-2.5, "America/St_Johns"),),
    "BRT": (_h(-3, "America/Sao_Paulo"),),
    "ART": (_h(-3, "America/Argentina/Buenos_Aires"),),
    "ET": (_h(-5, *_US, iana="America/New_York"),),
    "CT": (_h(-6, *_US, iana="America/Chicago"),),
    "MT": (_h(-7, *_US, iana="America/Denver"),),
    "PT": (_h(-8, *_US, iana="America/Los_Angeles"),),
    # Asia and the Pacific
    "GST": (_h(4, "Asia/Dubai"),),
    "PKT": (_h(5, "Asia/Karachi"),),
    "ICT": (_h(7, "Asia/Bangkok", "Asia/Ho_Chi_Minh"),),
    "WIB": (_h(7, "Asia/Jakarta"),),
    "SGT": (_h(8, "Asia/Singapore"),),
    "HKT": (_h(8, "Asia/Hong_Kong"),),
    "PHT": (_h(8, "Asia/Manila"),),
    "AWST": (_h(8, "Australia/Perth"),),
    "JST": (_h(9, "Asia/Tokyo"),),
    "KST": (_h(9, "Asia/Seoul"),),
    "ACST": (_h(9.5, "Australia/Adelaide", "Australia/Darwin"),),
    "ACDT": (_h(10.5, "Australia/Adelaide"),),
    "AEST": (_h(10, *_AU),),
    "AEDT": (_h(11, *_AU),),
    "NZST": (_h(12, "Pacific/Auckland"),),
    "NZDT": (_h(13, "Pacific/Auckland"),),
}
_CONTINENT_ALIASES = {"US": "America", "Canada": "America", "Mexico": "America", "Brazil": "America"}
_OFFSET = re.compile(r"(?:UTC|GMT)?\s*(?P<sign>[+-])(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?")
# What a time's zone may be written as, for the date parsers' patterns.
ZONE_PATTERN = r"(?:UTC|GMT)(?:\s*[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{2}(?::?\d{2})?|[A-Z]{1,5}"


def zone_of(text: str, context: tzinfo | None = None) -> tzinfo:
    """The zone written `text` (an abbreviation or an offset), abbreviations read in the business's zone
    `context`. ValueError for an abbreviation Pulse does not know."""
    text = text.strip()
    readings = ABBREVIATIONS.get(text)
    if readings is not None:
        return resolve(readings, context).zone()
    match = _OFFSET.fullmatch(text)
    if match is None:
        raise ValueError(f"unknown time zone {text!r}")
    offset = timedelta(hours=int(match["hours"]), minutes=int(match["minutes"] or 0))
    if offset >= timedelta(hours=15):
        raise ValueError(f"time zone offset {text!r} is out of range")
    return timezone(-offset if match["sign"] == "-" else offset) if offset else UTC


def resolve(readings: tuple[Reading, ...], context: tzinfo | None) -> Reading:
    """The reading used in the zone `context`, else on its continent, else the first."""
    name = getattr(context, "key", None) if context is not None else None
    if not name or len(readings) == 1:
        return readings[0]
    for reading in readings:
        if name in reading.zones:
            return reading
    continent = _continent(name)
    for reading in readings:
        if any(_continent(zone) == continent for zone in reading.zones):
            return reading
    return readings[0]


def _continent(name: str) -> str:
    first = name.split("/", 1)[0]
    return _CONTINENT_ALIASES.get(first, first)
