"""analysis.case_rules: the built-in rules with the owner's changes, contact requests told from look-alikes, which
rule a feedback item meets first, and due times counted in business hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from analysis.case_rules import (
    MATCH_SCHEMA,
    CaseRule,
    asks_for_contact,
    asks_for_contact_expr,
    check_rule,
    default_rules,
    due_at,
    effective_rules,
    match_rules,
)
from pulse.business_hours import BusinessHours, parse_business_hours
from pulse.errors import InputError


@dataclass(frozen=True)
class Change:  # the shape of store.cases.RuleChange (analysis is pure: no store here)
    rule: str
    enabled: bool
    threshold: int | None
    assignee: str | None
    due_hours: int


def test_default_rules__four_rules_on_in_order_with_their_labels() -> None:
    rules = default_rules(48)
    assert [(rule.key, rule.label) for rule in rules] == [
        ("detractor", "Detractor (NPS 0-6)"),
        ("impersonal", "Impersonal-service complaint"),
        ("low_stars", "Review of 1-2 stars"),
        ("contact_request", "Asks to be contacted"),
    ]
    assert all(rule.enabled and rule.assignee is None and rule.due_hours == 48 for rule in rules)


def test_effective_rules__the_owners_changes_replace_the_defaults() -> None:
    changes = {
        "detractor": Change("detractor", True, 4, "ann", 24),
        "impersonal": Change("impersonal", False, None, None, 48),
        "low_stars": Change("low_stars", True, 9, None, 72),  # out of range: the default threshold
        "retired_rule": Change("retired_rule", True, None, None, 1),
    }
    rules = {rule.key: rule for rule in effective_rules(changes, default_due_hours=36)}
    assert list(rules) == ["detractor", "impersonal", "low_stars", "contact_request"]
    assert rules["detractor"] == CaseRule("detractor", True, 4, "ann", 24)
    assert rules["detractor"].label == "Detractor (NPS 0-4)"
    assert not rules["impersonal"].enabled
    assert (rules["low_stars"].threshold, rules["low_stars"].due_hours) == (2, 72)
    assert rules["contact_request"] == CaseRule("contact_request", True, None, None, 36)
    assert CaseRule("low_stars", threshold=1).label == "Review of 1 star"


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        (CaseRule("detractor", threshold=10), "from 0 to 9"),
        (CaseRule("low_stars", threshold=0), "from 1 to 4"),
        (CaseRule("impersonal", threshold=3), "has no threshold"),
        (CaseRule("contact_request", due_hours=0), "due after 0"),
        (CaseRule("vip"), "no rule 'vip'"),
    ],
)
def test_check_rule__a_change_that_cannot_be_kept_is_an_input_error(rule: CaseRule, says: str) -> None:
    with pytest.raises(InputError, match=says):
        check_rule(rule)


# Written by hand for this test, as customers write in survey comments and reviews (no labelled data of
# contact requests exists to draw them from).
ASKS = [
    "Please call me back on 07700 900123, the order was wrong.",
    "Can someone ring me about the refund?",
    "I'd like to speak to a manager about how I was treated.",
    "I’d like to speak to the owner.",
    "Could you get back to me about the missing items?",
    "Email me at jo@example.com, I never got the receipt.",
    "You can reach me on 0161 496 0000 any weekday.",
    "My number is 07700 900456 if anyone wants to discuss.",
    "My email address: sam@example.org - please reply",
    "Please contact me regarding my complaint.",
    "Very disappointed. Call me.",
    "PLEASE CALL ME BACK",
    "not happy please call me",
    "I want to talk to a real person, please get in touch.",
    "Would someone from the shop be able to phone me?",
    "I would appreciate a call back to sort this out.",
    "Still waiting for a reply to my email from last week.",
    "Looking forward to hearing from you.",
    "I'd love a reply from the owner.",
    "Text me when my order is ready please.",
    "Don't call me at work, email me instead.",
    "Can you ring me back? I was cut off.",
    "feel free to contact me about this",
    "Happy to be contacted about this if it helps.",
    "Could the manager give me a call?",
    "Give me a bell when you can.",
    "Please ask the manager to ring me",
    "I need someone to call me back today.",
    "Reach me on WhatsApp: 07700 900789",
    "I'd like a word with whoever is in charge.",
    "Can I speak to someone who isn't a robot?",
    "Ring me on 01632 960001.",
    "If somebody could get in touch that would be great",
    "Please respond to my email, it has been two weeks.",
]
DOES_NOT_ASK = [
    "Please don't contact me, I just wanted to leave a review.",
    "No need to call, it's sorted now.",
    "Great service, no need for anyone to contact me.",
    "I would rather not be contacted.",
    "Do not email me again.",
    "Please stop texting me.",
    "Stop calling me, I've unsubscribed twice.",
    "I didn't want anyone to ring me, just fix the website.",
    "Call me old-fashioned, but I prefer a person at the till.",
    "They call me every week with offers I never asked for.",
    "They text me at 6am with delivery updates, so annoying.",
    "The app keeps emailing me about my loyalty points.",
    "It keeps texting me reminders I can't turn off.",
    "Nobody called me back after I left three messages.",
    "Nobody has got back to me in two weeks.",
    "Never contacted me about the refund, still waiting.",
    "They said someone would call me back and nobody did.",
    "Someone was supposed to call me to go over the change but no one did.",
    "The chatbot promised to get back to me and never did.",
    "The automated email said someone will contact me within 48 hours.",
    "We were told the manager would get back to us.",
    "I asked to speak to a manager and was told there wasn't one.",
    "Thanks for getting back to me so quickly!",
    "The staff got back to me within an hour, great service.",
    "Can't fault them, they always get back to me the same day.",
    "I had a call back within the hour and it was all sorted.",
    "I called three times and nobody answered.",
    "It's impossible to talk to a human here, it's all bots.",
    "I wish I could speak to a real person instead of the chatbot.",
    "You can only contact them through the app now.",
    "The phone number is on the website but nobody picks up.",
    "My email is in your system, so why do I keep getting paper receipts?",
    "Please fix the card machine, it keeps declining.",
    "Lovely coffee, the barista remembered my name.",
]


@pytest.mark.parametrize("text", ASKS)
def test_asks_for_contact__requests(text: str) -> None:
    assert asks_for_contact(text)


@pytest.mark.parametrize("text", DOES_NOT_ASK)
def test_asks_for_contact__look_alikes_that_do_not_ask(text: str) -> None:
    assert not asks_for_contact(text)


def test_asks_for_contact_expr__the_same_over_a_column_and_false_for_no_text() -> None:
    frame = pl.DataFrame({"comment": [*ASKS, *DOES_NOT_ASK, None, ""]})
    flags = frame.select(asks_for_contact_expr("comment"))["comment"].to_list()
    assert flags == [True] * len(ASKS) + [False] * (len(DOES_NOT_ASK) + 2)
    assert asks_for_contact(None) is False


def candidates(**columns: list[object]) -> pl.DataFrame:
    rows = len(columns["feedback_id"])
    base: dict[str, list[object]] = {
        "feedback_id": [],
        "text": [None] * rows,
        "nps": [None] * rows,
        "stars": [None] * rows,
        "impersonal": [None] * rows,
    }
    base.update(columns)
    return pl.DataFrame(
        base,
        schema={
            "feedback_id": pl.Int64,
            "text": pl.String,
            "nps": pl.Int64,
            "stars": pl.Int64,
            "impersonal": pl.Boolean,
        },
    )


def test_match_rules__first_rule_met_is_the_reason_with_its_assignee_and_hours() -> None:
    frame = candidates(
        feedback_id=[1, 2, 3, 4, 5, 6, 7],
        nps=[3, 9, None, 7, None, 6, None],
        stars=[None, None, 1, None, 3, None, None],
        impersonal=[True, True, False, None, None, None, None],
        text=["A bot.", "Only bots!", "Cold.", "Please call me.", "Fine.", None, None],
    )
    rules = [
        CaseRule("detractor", threshold=6),
        CaseRule("impersonal", assignee="ann", due_hours=24),
        CaseRule("low_stars", threshold=2),
        CaseRule("contact_request", due_hours=8),
    ]
    expected = pl.DataFrame(
        {
            "feedback_id": [1, 2, 3, 4, 6],
            "reason": ["detractor", "impersonal", "low_stars", "contact_request", "detractor"],
            "assignee": [None, "ann", None, None, None],
            "due_hours": [48, 24, 48, 8, 48],
        },
        schema=MATCH_SCHEMA,
    )
    assert_frame_equal(match_rules(frame, rules), expected)


def test_match_rules__disabled_rules_and_thresholds() -> None:
    frame = candidates(
        feedback_id=[1, 2, 3], nps=[3, 5, 6], stars=[2, None, None], impersonal=[True, None, None]
    )
    rules = [
        CaseRule("detractor", threshold=4),
        CaseRule("impersonal", enabled=False),
        CaseRule("low_stars", threshold=1),
        CaseRule("contact_request", enabled=False),
    ]
    assert match_rules(frame, rules)[["feedback_id", "reason"]].rows() == [(1, "detractor")]
    off = [CaseRule(rule.key, enabled=False, threshold=rule.threshold) for rule in rules]
    assert match_rules(frame, off).is_empty() and match_rules(frame, off).schema == MATCH_SCHEMA
    assert match_rules(frame.clear(), rules).schema == MATCH_SCHEMA


# --- Due times ---------------------------------------------------------------------------------------------------
LONDON = ZoneInfo("Europe/London")
NINE_TO_FIVE = parse_business_hours("Mon-Fri 09:00-17:00", "Europe/London")


def london(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A London wall time, as the UTC moment the store keeps."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)


def test_due_at__48_hours_from_friday_afternoon_is_six_working_days_on() -> None:
    assert due_at(london(2026, 11, 20, 16), 48, NINE_TO_FIVE) == london(2026, 11, 30, 16)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (london(2026, 11, 16, 10), 2, london(2026, 11, 16, 12)),  # within the day
        (london(2026, 11, 16, 16), 1, london(2026, 11, 16, 17)),  # uses the day up: its closing time
        (london(2026, 11, 16, 16), 2, london(2026, 11, 17, 10)),  # over the night
        (london(2026, 11, 16, 7), 1, london(2026, 11, 16, 10)),  # before opening: from 09:00
        (london(2026, 11, 16, 19), 1, london(2026, 11, 17, 10)),  # after closing: from the next morning
        (london(2026, 11, 21, 12), 1, london(2026, 11, 23, 10)),  # Saturday: from Monday
        (london(2026, 11, 16, 10), 0, london(2026, 11, 16, 10)),
        (london(2026, 11, 16, 10, 30), 0.25, london(2026, 11, 16, 10, 45)),
    ],
)
def test_due_at__counts_only_opening_hours(start: datetime, hours: float, due: datetime) -> None:
    assert due_at(start, hours, NINE_TO_FIVE) == due


def test_due_at__wall_clock_hours_across_the_clocks_changing() -> None:
    # The clocks go back on Sunday 25 October 2026 and forward on Sunday 28 March 2027: opening hours stay
    # 09:00-17:00 local, so 8 hours from Friday 16:00 is Monday 16:00 local, whatever the UTC offset.
    assert due_at(london(2026, 10, 23, 16), 8, NINE_TO_FIVE) == london(2026, 10, 26, 16)
    assert due_at(london(2026, 10, 23, 16), 8, NINE_TO_FIVE) == datetime(2026, 10, 26, 16, tzinfo=UTC)
    assert due_at(london(2027, 3, 26, 16), 8, NINE_TO_FIVE) == datetime(2027, 3, 29, 15, tzinfo=UTC)


def test_due_at__closed_days_and_other_schedules() -> None:
    christmas = parse_business_hours(
        "Mon-Fri 09:00-17:00", "Europe/London", [date(2026, 12, 25), date(2026, 12, 28)]
    )
    # Thursday 24 Dec 12:00: 5 hours that day, then Tue 29 to Fri 1 Jan (32), Mon 4 Jan (8), 3 on Tue 5 Jan
    assert due_at(london(2026, 12, 24, 12), 48, christmas) == london(2027, 1, 5, 12)
    with_saturday = parse_business_hours("Mon-Fri 09:00-17:00, Sat 10:00-14:00", "Europe/London")
    assert due_at(london(2026, 11, 20, 16), 5, with_saturday) == london(2026, 11, 21, 14)
    assert due_at(london(2026, 11, 20, 16), 6, with_saturday) == london(2026, 11, 23, 10)
    lunch = parse_business_hours("Mon-Fri 09:00-12:00 13:00-17:00", "Europe/London")
    assert due_at(london(2026, 11, 16, 11), 2, lunch) == london(2026, 11, 16, 14)
    new_york = parse_business_hours("Mon-Fri 09:00-17:00", "America/New_York")
    assert due_at(datetime(2026, 11, 16, 14, tzinfo=UTC), 1, new_york) == datetime(
        2026, 11, 16, 15, tzinfo=UTC
    )


def test_due_at__negative_hours_are_refused() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        due_at(london(2026, 11, 16, 10), -1, NINE_TO_FIVE)


SCHEDULES = [
    NINE_TO_FIVE,
    parse_business_hours("Mon-Fri 09:00-17:00, Sat 10:00-14:00", "Europe/London", [date(2026, 12, 25)]),
    parse_business_hours("Tue-Sat 08:30-12:00 13:00-18:45", "Europe/London", [date(2027, 4, 2)]),
    parse_business_hours("Mon-Sun 00:00-24:00", "UTC"),
    parse_business_hours("Mon-Fri 09:00-17:00", "America/New_York", [date(2026, 11, 26)]),
]
starts = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
minutes = st.integers(min_value=1, max_value=60 * 300)


def is_open_at(moment: datetime, schedule: BusinessHours) -> bool:
    """Whether `moment` lies in an opening window (its closing time counting as in it)."""
    local = moment.astimezone(ZoneInfo(schedule.timezone))
    day = local.date()
    minute = local.hour * 60 + local.minute + local.second / 60 + local.microsecond / 60e6
    if minute == 0:  # a window that closes at 24:00 ends on the next day's midnight
        previous = day - timedelta(days=1)
        if previous not in schedule.closed_days and any(
            c == 1440 for _, c in schedule.windows[previous.weekday()]
        ):
            return True
    if day in schedule.closed_days:
        return False
    return any(opening < minute <= close for opening, close in schedule.windows[day.weekday()])


@given(start=starts, spent=minutes, schedule=st.sampled_from(SCHEDULES))
def test_due_at__never_before_the_start_and_always_in_opening_hours(
    start: datetime, spent: int, schedule: BusinessHours
) -> None:
    due = due_at(start, spent / 60, schedule)
    assert due >= start
    assert is_open_at(due, schedule)


@given(start=starts, first=minutes, then=minutes, schedule=st.sampled_from(SCHEDULES))
def test_due_at__adding_hours_in_two_steps_is_adding_them_at_once(
    start: datetime, first: int, then: int, schedule: BusinessHours
) -> None:
    in_two = due_at(due_at(start, first / 60, schedule), then / 60, schedule)
    assert in_two == due_at(start, (first + then) / 60, schedule)
