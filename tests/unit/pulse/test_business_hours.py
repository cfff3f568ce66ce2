"""PULSE_BUSINESS_HOURS: opening hours read from plain text, bad text refused with a hint, when settings are read."""

from __future__ import annotations

from datetime import date

import pytest

from pulse.business_hours import parse_business_hours
from pulse.errors import ConfigError
from pulse.settings import build_settings


def test_parse_business_hours__weekdays_nine_to_five() -> None:
    hours = parse_business_hours("Mon-Fri 09:00-17:00", "Europe/Paris", [date(2026, 12, 25)])
    assert hours.windows[0] == ((540, 1020),) and hours.windows[5] == ()
    assert hours.weekmask == "1111100" and hours.minutes_open(4) == 480
    assert (hours.timezone, hours.closed_days) == ("Europe/Paris", (date(2026, 12, 25),))


@pytest.mark.parametrize(
    ("text", "described"),
    [
        ("Mon-Sat 08:00-18:00", "Mon-Sat 08:00-18:00"),
        ("Mon-Fri 09:00-17:00, Sat 10:00-14:00", "Mon-Fri 09:00-17:00, Sat 10:00-14:00"),
        ("monday-friday 9:00-12:30 13:30-17:00", "Mon-Fri 09:00-12:30 13:30-17:00"),
        ("Fri-Mon 10.00-16.00; Wed 12:00-24:00", "Mon 10:00-16:00, Wed 12:00-24:00, Fri-Sun 10:00-16:00"),
        ("Mon-Sun 00:00-24:00", "Mon-Sun 00:00-24:00"),
    ],
)
def test_parse_business_hours__accepts_common_ways_of_writing_them(text: str, described: str) -> None:
    assert parse_business_hours(text).describe() == described


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "empty"),
        ("9 to 5", "Cannot read"),
        ("Mon-Fri 17:00-09:00", "is not after"),
        ("Mon-Fri 09:00-25:00", "not a time of day"),
        ("Mon-Fri 09:70-17:00", "not a time of day"),
        ("Mon-Fry 09:00-17:00", "'fry' is not a day"),
        ("Mon-Fri 09:00-13:00 12:00-17:00", "overlapping"),
    ],
)
def test_parse_business_hours__bad_text_is_a_config_error_with_a_hint(text: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says) as raised:
        parse_business_hours(text)
    assert "Mon-Fri 09:00-17:00" in raised.value.hint


def test_build_settings__refuses_unreadable_business_hours(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULSE_BUSINESS_HOURS", "weekdays")
    with pytest.raises(ConfigError, match="PULSE_BUSINESS_HOURS"):
        build_settings()


def test_build_settings__closed_days_are_comma_separated_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULSE_BUSINESS_CLOSED_DAYS", "2026-12-25, 2026-12-28")
    assert build_settings().business_closed_days == [date(2026, 12, 25), date(2026, 12, 28)]
    monkeypatch.setenv("PULSE_BUSINESS_CLOSED_DAYS", "Christmas")
    with pytest.raises(ConfigError, match="PULSE_BUSINESS_CLOSED_DAYS"):
        build_settings()
