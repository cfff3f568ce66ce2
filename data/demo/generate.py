"""Generate the demo dataset of Crumb & Kettle, a small bakery-café, deterministically.

    python data/demo/generate.py [--out DIR] [--seed N]

Writes surveys.csv, reviews.csv, mentions.csv, rollouts.csv and orders.csv beside this file (or into DIR). The texts come
from comments.csv, a hand-written bank of customer comments. The rollouts' effects live in the customers'
experiences, and so in their scores and the comments they write, never in a label of the output: a customer who
met the new support chatbot and could not reach a person scores low and says so.

Same seed, same bytes: only Python's own `random.Random` is used, and nothing iterates over a set.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
T = TypeVar("T")
SEED = 182
FIRST_DAY = date(2025, 8, 4)  # a Monday
LAST_DAY = date(2026, 11, 22)  # a Sunday: the data ends with a complete week
LOCAL = ZoneInfo("Europe/London")
LOCATION = "High Street"
REVIEW_COUNT = 600
MENTION_COUNT = 300
SURVEYS_PER_WEEK = 76  # before seasonality and the growth that online ordering brings


@dataclass(frozen=True)
class Rollout:
    name: str
    kind: str
    channel: str
    started_on: date
    description: str


ONLINE_ORDERING = Rollout(
    "Online ordering",
    "online_ordering",
    "online",
    date(2025, 10, 6),
    "Order and pay on the website for collection or local delivery.",
)
KIOSK = Rollout(
    "Self-service kiosk",
    "kiosk",
    "in-store",
    date(2026, 1, 12),
    "Two ordering kiosks by the door; the counter takes payment only at peak times.",
)
CHATBOT = Rollout(
    "Support chatbot",
    "chatbot",
    "online",
    date(2026, 4, 13),
    "A chatbot on the website answers questions and complaints; the contact phone line was retired.",
)
FOLLOW_UP_EMAILS = Rollout(
    "Automated follow-up emails",
    "automated_email",
    "all",
    date(2026, 7, 6),
    "A templated thank-you and review request is emailed after every order.",
)
LOYALTY_APP = Rollout(
    "Loyalty app",
    "loyalty_app",
    "all",
    date(2026, 9, 21),
    "Stamp card moved into an app: tenth coffee free, birthday treat.",
)
ROLLOUTS = (ONLINE_ORDERING, KIOSK, CHATBOT, FOLLOW_UP_EMAILS, LOYALTY_APP)


@dataclass(frozen=True)
class Experience:
    """Something that happens to a share (`rate`) of a channel's customers while it is in force."""

    theme: str
    mood: str  # good / bad
    rate: float
    channel: str = "all"
    start: date = FIRST_DAY
    end: date = LAST_DAY
    impersonal: bool = False  # a bad experience of being handled by a machine, not a person


EXPERIENCES = (
    # Before any rollout: a late delivery, a slow Saturday queue, an unanswered voicemail.
    Experience("delivery", "bad", 0.04, "online"),
    Experience("delivery", "bad", 0.012, "online", impersonal=True),
    Experience("queues_waiting", "bad", 0.05, "in-store", end=KIOSK.started_on),
    Experience("queues_waiting", "bad", 0.025, "in-store", start=KIOSK.started_on),
    Experience("staff_warmth", "good", 0.06, "in-store"),
    # Online ordering helps: quick, no queue.
    Experience("online_ordering", "good", 0.2, "online", start=ONLINE_ORDERING.started_on),
    Experience("online_ordering", "bad", 0.02, "online", start=ONLINE_ORDERING.started_on),
    # The kiosk: faster for some, cold for others.
    Experience("kiosk", "good", 0.05, "in-store", start=KIOSK.started_on),
    Experience("kiosk", "bad", 0.055, "in-store", start=KIOSK.started_on, impersonal=True),
    # The chatbot replaced the phone line: online customers cannot reach a person.
    Experience("support_chatbot", "bad", 0.2, "online", start=CHATBOT.started_on, impersonal=True),
    Experience("support_chatbot", "good", 0.02, "online", start=CHATBOT.started_on),
    # Templated follow-up emails: some feel like a number.
    Experience("automated_emails", "bad", 0.06, start=FOLLOW_UP_EMAILS.started_on, impersonal=True),
    Experience("automated_emails", "good", 0.01, start=FOLLOW_UP_EMAILS.started_on),
    # The loyalty app is mostly liked.
    Experience("loyalty_app", "good", 0.06, start=LOYALTY_APP.started_on),
    Experience("loyalty_app", "bad", 0.015, start=LOYALTY_APP.started_on, impersonal=True),
)

# Share of promoters, passives and detractors.
BASE_MIX = {"in-store": (0.60, 0.31, 0.09), "online": (0.52, 0.34, 0.14)}
MOOD_MIX = {"good": (0.85, 0.13, 0.02), "bad": (0.03, 0.22, 0.75)}
NPS_VALUES = {
    "promoter": ((9, 10), (4, 6)),
    "passive": ((7, 8), (45, 55)),
    "detractor": ((0, 1, 2, 3, 4, 5, 6), (2, 1, 2, 3, 5, 7, 9)),
}
CSAT_GIVEN = {
    "promoter": ((3, 4, 5), (3, 27, 70)),
    "passive": ((2, 3, 4, 5), (3, 22, 55, 20)),
    "detractor": ((1, 2, 3, 4, 5), (15, 35, 35, 13, 2)),
}
# The Customer Effort Score (1-7, 7 the easiest) that the online post-order survey asks: "How easy was it to
# order and get help?", by how easy the customer found it.
CES_VALUES = (1, 2, 3, 4, 5, 6, 7)
CES_GIVEN = {
    "easy": (1, 1, 2, 5, 13, 33, 45),
    "fair": (2, 4, 9, 17, 30, 25, 13),
    "hard": (12, 20, 24, 20, 13, 8, 3),
    "very hard": (35, 30, 17, 9, 5, 3, 1),
}
CES_SKIPPED = 0.08
TONE_GIVEN = {
    "promoter": (("positive", "mixed", "neutral"), (80, 10, 10)),
    "passive": (("positive", "neutral", "mixed", "negative"), (30, 35, 25, 10)),
    "detractor": (("negative", "mixed", "neutral"), (70, 20, 10)),
    "good": (("positive", "mixed"), (85, 15)),
    "bad": (("negative", "mixed"), (85, 15)),
}
BASE_THEMES = {
    "in-store": {
        "bread_pastry": 24,
        "coffee": 18,
        "staff_warmth": 14,
        "atmosphere": 8,
        "prices": 8,
        "queues_waiting": 5,
        "cleanliness": 5,
        "menu_variety": 7,
    },
    "online": {
        "bread_pastry": 20,
        "online_ordering": 12,
        "delivery": 10,
        "prices": 8,
        "menu_variety": 8,
        "coffee": 5,
        "staff_warmth": 4,
    },
}
WEEKDAY_SHARE = (0.12, 0.12, 0.13, 0.14, 0.16, 0.19, 0.14)
MONTH_FACTOR = {1: 0.93, 2: 0.94, 3: 0.97, 4: 1.0, 5: 1.02, 6: 0.98, 7: 0.94, 8: 0.92, 9: 1.0, 10: 1.02, 11: 1.04, 12: 1.1}  # fmt: skip
SEGMENTS = (("regular", "occasional", "first visit"), (45, 40, 15))
FIRST_NAMES = (
    "Sarah",
    "Tom",
    "Priya",
    "James",
    "Aisha",
    "Ben",
    "Chloe",
    "Daniel",
    "Ella",
    "Farid",
    "Grace",
    "Harry",
    "Isla",
    "Jack",
    "Kemi",
    "Liam",
    "Maya",
    "Noah",
    "Olivia",
    "Rosa",
)


@dataclass(frozen=True)
class Comment:
    theme: str
    tone: str
    register: str
    impersonal: bool
    text: str


def read_bank(path: Path = HERE / "comments.csv") -> list[Comment]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Comment(row["theme"], row["tone"], row["register"], row["impersonal"] == "1", row["text"])
            for row in csv.DictReader(handle)
        ]


class Generator:
    def __init__(self, bank: Sequence[Comment], seed: int) -> None:
        self.bank = list(bank)
        self.rng = random.Random(seed)
        self.ces_rng = random.Random(f"{seed}:ces")  # its own stream: the other columns are drawn as before

    def pick(self, values: Sequence[T], weights: Sequence[float]) -> T:
        return self.rng.choices(values, weights)[0]

    # --- one customer's experience -------------------------------------------------------------

    def experience(self, channel: str, day: date) -> Experience | None:
        """The notable thing this customer met, if any (at most one)."""
        draw = self.rng.random()
        for experience in EXPERIENCES:
            if experience.channel not in ("all", channel) or not experience.start <= day <= experience.end:
                continue
            if draw < experience.rate:
                return experience
            draw -= experience.rate
        return None

    def category(self, channel: str, experience: Experience | None, drift: float) -> str:
        promoters, passives, detractors = MOOD_MIX[experience.mood] if experience else BASE_MIX[channel]
        if experience is None:
            promoters, detractors = promoters + drift, max(detractors - drift / 2, 0.01)
        return self.pick(("promoter", "passive", "detractor"), (promoters, passives, detractors))

    def comment(self, register: str, channel: str, category: str, experience: Experience | None) -> str:
        if experience is not None:
            theme = experience.theme
            tone = self.pick(*TONE_GIVEN[experience.mood])
            impersonal = experience.impersonal
        else:
            themes = BASE_THEMES[channel]
            theme = self.pick(list(themes), list(themes.values()))
            tone = self.pick(*TONE_GIVEN[category])
            impersonal = False
        text = self.choose_text(theme, tone, register, impersonal)
        if register == "survey" and self.rng.random() < 0.15:
            other = BASE_THEMES[channel]
            extra_theme = self.pick(list(other), list(other.values()))
            extra = self.choose_text(extra_theme, self.pick(*TONE_GIVEN[category]), register, False)
            if extra != text:
                text = f"{text.rstrip()} {extra}"
        return self.roughen(text)

    def choose_text(self, theme: str, tone: str, register: str, impersonal: bool) -> str:
        """A bank text of that theme, preferring the tone, register and impersonal flag asked for."""
        in_theme = [c for c in self.bank if c.theme == theme]
        for keep in (
            lambda c: c.tone == tone and c.register == register and c.impersonal == impersonal,
            lambda c: c.tone == tone and c.impersonal == impersonal,
            lambda c: c.impersonal == impersonal and (c.tone == "negative") == (tone == "negative"),
            lambda c: True,
        ):
            candidates = [c for c in in_theme if keep(c)]
            if candidates:
                return self.rng.choice(candidates).text
        raise ValueError(f"the comment bank has no text for theme {theme!r}")

    def roughen(self, text: str) -> str:
        """Small, realistic variation in how the same thought is typed."""
        draw = self.rng.random()
        if draw < 0.08:
            return text.lower()
        if draw < 0.14:
            return text.rstrip(".")
        if draw < 0.17 and text.endswith("."):
            return text[:-1] + "!"
        return text

    def scores(self, category: str) -> tuple[int, int]:
        nps = self.pick(*NPS_VALUES[category])
        csat = self.pick(*CSAT_GIVEN[category])
        return nps, csat

    def effort(self, channel: str, day: date, category: str, experience: Experience | None) -> int | str:
        """The online survey's Customer Effort Score, blank in store and when skipped (from `ces_rng` only)."""
        if channel != "online" or self.ces_rng.random() < CES_SKIPPED:
            return ""
        return self.ces_rng.choices(CES_VALUES, CES_GIVEN[ease(day, category, experience)])[0]

    def moment(self, day: date) -> datetime:
        """A time within opening hours (7:00-18:00 local), in UTC."""
        minute = int(self.rng.triangular(0, 11 * 60, 4 * 60))
        local = datetime.combine(day, time(7), tzinfo=LOCAL) + timedelta(
            minutes=minute, seconds=self.rng.randrange(60)
        )
        return local.astimezone(UTC)

    # --- the three kinds of feedback -----------------------------------------------------------

    def online_share(self, day: date) -> float:
        return online_share(day)

    def surveys(self) -> list[dict[str, object]]:
        rows: list[dict[str, object]] = []
        drift = 0.0
        for day in _days():
            if day.weekday() == 0:
                drift = max(min(drift + self.rng.gauss(0, 0.012), 0.05), -0.05)
            expected = SURVEYS_PER_WEEK * WEEKDAY_SHARE[day.weekday()] * MONTH_FACTOR[day.month]
            expected *= 1 + 0.6 * (self.online_share(day) - 0.10)  # online ordering brings new customers
            for _ in range(self.poisson(expected)):
                rows.append(self.survey(day, drift, len(rows) + 1))
        return rows

    def survey(self, day: date, drift: float, number: int) -> dict[str, object]:
        channel = "online" if self.rng.random() < self.online_share(day) else "in-store"
        experience = self.experience(channel, day)
        category = self.category(channel, experience, drift)
        nps, csat = self.scores(category)
        comment_chance = 0.85 if experience else 0.4
        comment = (
            self.comment("survey", channel, category, experience)
            if self.rng.random() < comment_chance
            else ""
        )
        return {
            "response_id": f"R{number:06d}",
            "submitted_at": _iso(self.moment(day)),
            "respondent": _respondent(self.rng.randrange(4000)),
            "nps": "" if self.rng.random() < 0.03 else nps,
            "csat": "" if self.rng.random() < 0.07 else csat,
            "ces": self.effort(channel, day, category, experience),
            "comment": comment,
            "channel": channel,
            "location": LOCATION,
            "segment": self.pick(*SEGMENTS),
        }

    def reviews(self) -> list[dict[str, object]]:
        days = self.spread(REVIEW_COUNT)
        rows = []
        for number, day in enumerate(days, start=1):
            channel = "online" if self.rng.random() < self.online_share(day) else "in-store"
            experience = self.experience(channel, day)
            if experience is None and self.rng.random() < 0.5:
                experience = self.experience(channel, day)  # people review what struck them
            category = self.category(channel, experience, 0.0)
            nps, _ = self.scores(category)
            site = self.pick(("Google", "Tripadvisor"), (7, 3))
            rows.append(
                {
                    "review_id": f"{site[0]}-{number:05d}",
                    "site": site,
                    "published_at": _iso(self.moment(day)),
                    "author": f"{self.rng.choice(FIRST_NAMES)} {chr(65 + self.rng.randrange(26))}.",
                    "stars": _stars(nps, self.rng),
                    "text": self.comment("review", channel, category, experience),
                }
            )
        return rows

    def mentions(self) -> list[dict[str, object]]:
        days = self.spread(MENTION_COUNT)
        rows: list[dict[str, object]] = []
        for number, day in enumerate(days, start=1):
            channel = "online" if self.rng.random() < self.online_share(day) + 0.1 else "in-store"
            experience = self.experience(channel, day) or self.experience(channel, day)
            category = self.category(channel, experience, 0.0)
            rows.append(
                {
                    "mention_id": f"t1_demo{number:04d}",
                    "platform": "reddit",
                    "community": "r/" + self.pick(("HighStreetLocals", "UKBakers", "CasualUK"), (6, 2, 2)),
                    "posted_at": _iso(self.moment(day)),
                    "author": f"u/{self.rng.choice(FIRST_NAMES).lower()}_{self.rng.randrange(10, 99)}",
                    "text": self.comment("social", channel, category, experience),
                }
            )
        return rows

    def spread(self, count: int) -> list[date]:
        days = _days()
        weights = [MONTH_FACTOR[d.month] * (1 + self.online_share(d)) for d in days]
        return sorted(self.rng.choices(days, weights, k=count))

    def poisson(self, mean: float) -> int:
        # Knuth's method; exact for the small daily means here.
        limit, count, product = pow(2.718281828459045, -mean), 0, self.rng.random()
        while product > limit:
            count += 1
            product *= self.rng.random()
        return count


def online_share(day: date) -> float:
    """The share of customers who order online: a tenth by phone or email, then growing with online ordering."""
    if day < ONLINE_ORDERING.started_on:
        return 0.10
    weeks_since = (day - ONLINE_ORDERING.started_on).days / 7
    return min(0.12 + 0.02 * weeks_since, 0.38)


def ease(day: date, category: str, experience: Experience | None) -> str:
    """How easy an online customer found ordering and getting help. Before online ordering, orders went by
    phone or email; after it, a happy customer found it easy. A problem (a late delivery, a wrong order, an
    unhappy customer's complaint) was sorted on the phone until the chatbot replaced the phone line; since then
    it is very hard."""
    met = (experience.theme, experience.mood) if experience else None
    if met in (("online_ordering", "good"), ("support_chatbot", "good")):
        return "easy"
    if met == ("support_chatbot", "bad"):
        return "very hard"
    if met in (("delivery", "bad"), ("online_ordering", "bad")) or category == "detractor":
        return "very hard" if day >= CHATBOT.started_on else "hard"
    return "easy" if category == "promoter" and day >= ONLINE_ORDERING.started_on else "fair"


def _days() -> list[date]:
    return [FIRST_DAY + timedelta(days=n) for n in range((LAST_DAY - FIRST_DAY).days + 1)]


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _respondent(number: int) -> str:
    return "c" + hashlib.sha256(f"customer-{number}".encode()).hexdigest()[:12]


def _stars(nps: int, rng: random.Random) -> int:
    stars = 5 if nps >= 9 else 4 if nps >= 7 else 3 if nps >= 5 else 2 if nps >= 3 else 1
    if rng.random() < 0.1:
        stars = min(max(stars + rng.choice((-1, 1)), 1), 5)
    return stars


# --- the orders: what customers do (its own random stream, so the files above stay as they were) -----------

# Visits a week by the segment of a customer's first survey answer (median; each customer's own rate is
# spread around it), and the mix of segments among customers who never answer.
VISIT_RATE = {"regular": 0.4, "occasional": 0.12, "first visit": 0.06}
QUIET_SEGMENTS = (("regular", "occasional", "first visit"), (20, 45, 35))
QUIET_CUSTOMERS = 500  # customers at the start who never answer a survey
QUIET_ARRIVALS = {
    "in-store": 1.2,
    "online": 0.25,
}  # new such customers a day (online: before online ordering)
BASKET = {"in-store": 6.5, "online": 19.0}  # median order value in pounds
ANONYMOUS_A_DAY = 2.0  # orders with no customer: cash at the till
# A visit's chance of being a customer's last, by what happened (an answer's NPS group, or an experience).
LAST_VISIT = {"": 0.04, "promoter": 0.01, "passive": 0.05, "detractor": 0.3, "failed": 0.8, "problem": 0.1}
FAILED_BY_CHATBOT = 0.2  # of online orders since the chatbot: the customer could not reach a person
CHATBOT_VISITS = 0.75  # how often an online customer comes back once the phone line is gone
APP_TAKE_UP, APP_VISITS = 0.65, 2.0  # customers who take up the loyalty app, and how much more they visit


@dataclass
class Customer:
    id: str
    rate: float  # visits a week
    online: float  # the share of their orders placed online
    since: date
    planned: list[tuple[datetime, str, str]]  # orders known in advance: (moment, channel, NPS group or "")


class OrderGenerator:
    """A year and more of orders: each customer visits at their own rate (a Poisson process with the week's
    rhythm and the season, thinned from a bound) until a visit turns out to be their last; what they met on
    a visit (a survey answer's NPS group, a chatbot that failed them) sets that chance and how often they
    come back; survey respondents placed an order just before each answer."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"{seed}:orders")

    def customers(self, surveys: Sequence[dict[str, object]]) -> list[Customer]:
        answers: dict[str, list[dict[str, object]]] = {}
        for row in surveys:
            answers.setdefault(str(row["respondent"]), []).append(row)
        customers = [self.respondent(id_, rows) for id_, rows in answers.items()]
        quiet = [(FIRST_DAY, "in-store")] * QUIET_CUSTOMERS
        for day in _days():
            online = QUIET_ARRIVALS["online"] * (1 + 8 * (online_share(day) - 0.10))
            for channel, mean in (("in-store", QUIET_ARRIVALS["in-store"]), ("online", online)):
                quiet += [(day, channel)] * _poisson(self.rng, mean * MONTH_FACTOR[day.month])
        for number, (day, channel) in enumerate(quiet, start=4000):
            segment = self.rng.choices(*QUIET_SEGMENTS)[0]
            online = 0.8 if channel == "online" else 0.05
            first = [] if day == FIRST_DAY else [(self.order_moment(day, channel), channel, "")]  # a newcomer
            customers.append(Customer(_respondent(number), self.visit_rate(segment), online, day, first))
        return customers

    def respondent(self, id_: str, rows: list[dict[str, object]]) -> Customer:
        answers = sorted(  # each answer follows an order placed a little before it
            (
                _moment(row["submitted_at"]) - timedelta(minutes=self.rng.uniform(5, 50)),
                str(row["channel"]),
                _nps_group(row["nps"]),
            )
            for row in rows
        )
        first_day = answers[0][0].astimezone(LOCAL).date()
        segment = str(rows[0]["segment"])
        online = (sum(channel == "online" for _, channel, _ in answers) + 0.1) / (len(answers) + 0.5)
        since = (
            first_day
            if segment == "first visit"
            else first_day - timedelta(days=self.rng.expovariate(1 / 120))
        )
        return Customer(id_, self.visit_rate(segment), online, max(since, FIRST_DAY), answers)

    def visit_rate(self, segment: str) -> float:
        return VISIT_RATE[segment] * self.rng.lognormvariate(0, 0.5)

    def visits(self, customer: Customer) -> list[tuple[datetime, str, str]]:
        """(moment, channel, what happened) of each of the customer's orders."""
        bound = customer.rate / 7 * 7 * max(WEEKDAY_SHARE) * max(MONTH_FACTOR.values()) * 1.2 * APP_VISITS
        end = (LAST_DAY - FIRST_DAY).days + 1
        clock, multiplier, alive, app = float((customer.since - FIRST_DAY).days), 1.0, True, None
        planned, visits, chatbot_met = list(customer.planned), [], False
        while True:
            clock += self.rng.expovariate(bound)
            planned_clock = _clock(planned[0][0]) if planned else end
            if planned and planned_clock < clock:  # an order before a survey answer: the customer is back
                moment, channel, group = planned.pop(0)
                visits.append((moment, channel, group))
                clock, alive = planned_clock, self.rng.random() >= LAST_VISIT[group]
                multiplier = min(multiplier * {"promoter": 1.1, "detractor": 0.6}.get(group, 1.0), 1.2)
                if channel == "online" and moment >= _start(CHATBOT) and not chatbot_met:
                    multiplier, chatbot_met = multiplier * CHATBOT_VISITS, True
                continue
            if clock >= end:
                return visits
            if not alive:
                clock = planned_clock
                continue
            day = FIRST_DAY + timedelta(days=int(clock))
            if app is None and day >= LOYALTY_APP.started_on:
                app = self.rng.random() < APP_TAKE_UP
            rate = customer.rate * WEEKDAY_SHARE[day.weekday()] * MONTH_FACTOR[day.month] * multiplier
            if self.rng.random() >= rate * (APP_VISITS if app else 1.0) / bound:
                continue
            channel = "online" if self.rng.random() < customer.online else "in-store"
            met = self.experience(channel, day)
            visits.append((self.order_moment(day, channel), channel, met))
            alive = self.rng.random() >= LAST_VISIT[met]
            multiplier *= 0.3 if met == "failed" else 1.0
            if channel == "online" and day >= CHATBOT.started_on and not chatbot_met:
                multiplier, chatbot_met = multiplier * CHATBOT_VISITS, True

    def experience(self, channel: str, day: date) -> str:
        """What an order met: an online customer failed by the chatbot, a problem sorted out, or nothing."""
        if channel == "online" and day >= CHATBOT.started_on and self.rng.random() < FAILED_BY_CHATBOT:
            return "failed"
        return "problem" if channel == "online" and self.rng.random() < 0.04 else ""

    def order_moment(self, day: date, channel: str) -> datetime:
        hours = (7, 11, 4) if channel == "in-store" else (8, 13, 5)  # opening, span, busiest hour after it
        minute = int(self.rng.triangular(0, hours[1] * 60, hours[2] * 60)) + self.rng.random()
        return (datetime.combine(day, time(hours[0]), tzinfo=LOCAL) + timedelta(minutes=minute)).astimezone(
            UTC
        )

    def amount(self, channel: str, scale: float) -> float:
        return round(
            BASKET[channel] * scale * self.rng.lognormvariate(0, 0.45 if channel == "in-store" else 0.35), 1
        )

    def orders(self, surveys: Sequence[dict[str, object]]) -> list[dict[str, object]]:
        rows: list[tuple[datetime, str, float, str]] = []
        for customer in self.customers(surveys):
            scale = self.rng.lognormvariate(0, 0.3)
            for moment, channel, met in self.visits(customer):
                amount = self.amount(channel, scale)
                rows.append((moment, customer.id, amount, channel))
                if met in ("failed", "problem") and self.rng.random() < 0.3:  # refunded the next day
                    rows.append((moment + timedelta(days=1), customer.id, -amount, channel))
        for day in _days():
            for _ in range(_poisson(self.rng, ANONYMOUS_A_DAY * WEEKDAY_SHARE[day.weekday()] * 7)):
                rows.append(
                    (self.order_moment(day, "in-store"), "", self.amount("in-store", 1.0), "in-store")
                )
        rows = [row for row in rows if row[0].astimezone(LOCAL).date() <= LAST_DAY]
        return [
            {
                "order_id": f"CK{number:06d}",
                "customer_id": customer,
                "created_at": _iso(moment),
                "amount": f"{amount:.2f}",
                "channel": channel,
                "location": LOCATION,
            }
            for number, (moment, customer, amount, channel) in enumerate(sorted(rows), start=1)
        ]


def _moment(value: object) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _nps_group(nps: object) -> str:
    if nps == "":
        return ""
    return "promoter" if int(str(nps)) >= 9 else "detractor" if int(str(nps)) <= 6 else "passive"


def _start(rollout: Rollout) -> datetime:
    return datetime.combine(rollout.started_on, time(0), tzinfo=LOCAL).astimezone(UTC)


def _clock(moment: datetime) -> float:
    """Days since the first day's local midnight."""
    start = datetime.combine(FIRST_DAY, time(0), tzinfo=LOCAL)
    return (moment - start).total_seconds() / 86400


def _poisson(rng: random.Random, mean: float) -> int:
    limit, count, product = pow(2.718281828459045, -mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def rollout_rows() -> list[dict[str, object]]:
    return [
        {
            "name": r.name,
            "kind": r.kind,
            "channel": r.channel,
            "started_on": r.started_on.isoformat(),
            "ended_on": "",
            "description": r.description,
        }
        for r in ROLLOUTS
    ]


def write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def generate(out: Path = HERE, seed: int = SEED) -> dict[str, int]:
    """Write the five CSV files into `out`; returns the row count of each."""
    generator = Generator(read_bank(), seed)
    surveys = generator.surveys()
    files = {
        "surveys.csv": surveys,
        "reviews.csv": generator.reviews(),
        "mentions.csv": generator.mentions(),
        "rollouts.csv": rollout_rows(),
        "orders.csv": OrderGenerator(seed).orders(surveys),
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in files.items():
        write_csv(out / name, rows)
    return {name: len(rows) for name, rows in files.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--out", type=Path, default=HERE, help="folder to write into (default: beside this file)"
    )
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    arguments = parser.parse_args()
    for name, count in generate(arguments.out, arguments.seed).items():
        print(f"{name}: {count} rows")


if __name__ == "__main__":
    main()
