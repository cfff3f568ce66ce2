"""The multi-location demo (`pulse demo --locations`): Crumb & Kettle as a franchise of 12 cafés, 26 weeks of
post-visit survey answers and till orders, generated here deterministically (Python's own `random.Random`,
seeded) and stored through the collectors' usual path (run_collector, store.orders.upsert_orders), so that the
Locations page has locations to compare.

The story, in the scores and words, never in a label:
- every café draws its answers from the same mix (about NPS +38), except two that truly differ:
  Old Town, better all along (about +65, and more regulars), and Riverside, which replaced its counter with
  ordering kiosks on KIOSK_DAY: since then about NPS -15, and many of its detractors say they were pointed at
  a screen (comments that `pulse analyze` finds impersonal);
- Village Green is tiny (about one answer a week): its figures swing far from the business's by chance alone,
  and the funnel plot shows that this is no evidence that it differs.
The comments come from the demo's hand-written bank (data/demo/comments.csv, the survey register).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from collectors.base import CollectContext, SourceBatch
from pulse.errors import InputError
from store.engine import Engine
from store.feedback import UpsertCounts
from store.orders import upsert_orders
from store.records import FeedbackFrame, FeedbackRecord, SourceSpec

SURVEYS = SourceSpec("Demo franchise: post-visit survey", "survey", "demo")
ORDERS = SourceSpec("Demo franchise: till orders", "order", "demo")
SEED = 59
FIRST_DAY = date(2026, 5, 25)  # a Monday: 26 weeks, so that the last 90 days follow 13 weeks of history
LAST_DAY = date(2026, 11, 22)  # a Sunday, the bakery demo's last day
KIOSK_DAY = date(2026, 10, 19)  # Riverside's kiosks: 5 weeks before the end
LOCAL = ZoneInfo("Europe/London")
# (promoters, passives) shares of the answers; detractors the rest
USUAL = (0.52, 0.34)
BETTER = (0.70, 0.25)
KIOSK = (0.30, 0.25)


@dataclass(frozen=True)
class Cafe:
    name: str
    answers_per_week: float
    regulars: float = 0.2  # the share of new customers who come most weeks


CAFES = (
    Cafe("Market Square", 30),
    Cafe("Riverside", 26),
    Cafe("Old Town", 24, regulars=0.35),
    Cafe("Station Road", 20),
    Cafe("Harbour", 18),
    Cafe("University", 16),
    Cafe("Castle Street", 14),
    Cafe("Northgate", 12),
    Cafe("Westfield", 11),
    Cafe("Mill Lane", 9),
    Cafe("Park Gate", 8),
    Cafe("Village Green", 1),
)


def read_comment_bank(path: Path) -> dict[str, list[str]]:
    """The survey comments of the demo's bank by kind: positive, neutral, negative, impersonal, kiosk (the
    impersonal ones about the kiosk)."""
    if not path.exists():
        raise InputError(
            f"The demo's comment bank {path} is missing.",
            hint="It ships with Pulse in data/demo/; set PULSE_DEMO_DIR to the folder that holds comments.csv.",
        )
    bank: dict[str, list[str]] = {
        "positive": [],
        "neutral": [],
        "negative": [],
        "impersonal": [],
        "kiosk": [],
    }
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["register"] != "survey":
                continue
            if row["impersonal"] == "1":
                bank["kiosk" if row["theme"] == "kiosk" else "impersonal"].append(row["text"])
            elif row["tone"] in ("positive", "negative"):
                bank[row["tone"]].append(row["text"])
            else:
                bank["neutral"].append(row["text"])
    return bank


def _moment(rng: random.Random, day: date) -> datetime:
    local = datetime.combine(day, time(8), tzinfo=LOCAL) + timedelta(minutes=rng.randrange(10 * 60))
    return local.astimezone(UTC)


def _days() -> Iterator[date]:
    day = FIRST_DAY
    while day <= LAST_DAY:
        yield day
        day += timedelta(days=1)


def _answer(rng: random.Random, mix: tuple[float, float]) -> tuple[int, int | None]:
    """An NPS answer (0-10) and a CSAT answer (1-5, or None when skipped) from a (promoters, passives) mix."""
    draw = rng.random()
    if draw < mix[0]:
        nps, csat = rng.choice((9, 10, 10)), rng.choice((4, 5, 5, 5))
    elif draw < mix[0] + mix[1]:
        nps, csat = rng.choice((7, 8)), rng.choice((3, 4, 4))
    else:
        nps, csat = rng.choice((0, 2, 3, 4, 5, 5, 6, 6)), rng.choice((1, 2, 2, 3))
    return nps, (None if rng.random() < 0.1 else csat)


def _comment(rng: random.Random, bank: dict[str, list[str]], nps: int, kiosk: bool) -> str | None:
    """A comment from the bank that fits the score, or None (most answer without one). At a café with new
    kiosks, the unhappy write more, and most of them about being pointed at a screen."""
    if rng.random() > (0.6 if kiosk and nps <= 8 else 0.35):
        return None
    if kiosk and (nps <= 6 or (nps <= 8 and rng.random() < 0.3)) and rng.random() < 0.85:
        return rng.choice(bank["kiosk"] + bank["impersonal"])
    if nps >= 9:
        return rng.choice(bank["positive"])
    if nps >= 7:
        return rng.choice(bank["neutral"])
    return rng.choice(bank["impersonal"] if rng.random() < 0.1 else bank["negative"])


def franchise_answers(bank: dict[str, list[str]], seed: int = SEED) -> list[FeedbackRecord]:
    """Every café's survey answers, day by day (each café its own random stream, so that one café's story
    leaves the others' answers as they are)."""
    records = []
    for index, cafe in enumerate(CAFES):
        rng = random.Random(f"{seed}-answers-{cafe.name}")
        for day in _days():
            kiosk = cafe.name == "Riverside" and day >= KIOSK_DAY
            mix = KIOSK if kiosk else BETTER if cafe.name == "Old Town" else USUAL
            for number in range(_poisson(rng, cafe.answers_per_week / 7)):
                nps, csat = _answer(rng, mix)
                records.append(
                    FeedbackRecord(
                        external_id=f"F{index:02d}-{day:%Y%m%d}-{number}",
                        kind="survey",
                        created_at=_moment(rng, day),
                        text=_comment(rng, bank, nps, kiosk),
                        nps=nps,
                        csat=csat,
                        channel="in-store",
                        location=cafe.name,
                    )
                )
    return records


def franchise_orders(seed: int = SEED) -> pl.DataFrame:
    """Every café's till orders (store.orders.ORDER_RECORD_SCHEMA), about four a week per survey answer:
    customers arrive week by week, some come most weeks (regulars), the rest now and then, and each may stop
    coming. A customer id is the café's own (a franchise's cafés keep separate loyalty cards)."""
    rows: dict[str, list[object]] = {
        name: [] for name in ("external_id", "customer_hash", "ordered_at", "amount")
    }
    locations: list[str] = []
    weeks = (LAST_DAY - FIRST_DAY).days // 7 + 1
    for index, cafe in enumerate(CAFES):
        rng = random.Random(f"{seed}-orders-{cafe.name}")
        customers: list[tuple[str, float]] = []  # (id, chance of a visit each week)
        for week in range(weeks):
            monday = FIRST_DAY + timedelta(weeks=week)
            kiosk = cafe.name == "Riverside" and monday >= KIOSK_DAY
            for _ in range(_poisson(rng, 1.3 * cafe.answers_per_week)):
                regular = rng.random() < cafe.regulars
                customers.append(
                    (f"C{index:02d}-{len(customers):05d}", 0.6 if regular else rng.choice((0.05, 0.15)))
                )
            staying = []
            for customer, chance in customers:
                if rng.random() < (0.06 if kiosk else 0.03):
                    continue  # stopped coming
                staying.append((customer, chance))
                if rng.random() < chance:
                    day = monday + timedelta(days=rng.randrange(7))
                    rows["external_id"].append(f"O{index:02d}-{len(locations):06d}")
                    rows["customer_hash"].append(customer)
                    rows["ordered_at"].append(_moment(rng, day))
                    rows["amount"].append(round(rng.uniform(3.0, 18.0), 2))
                    locations.append(cafe.name)
            customers = staying
    return pl.DataFrame(
        {
            **rows,
            "channel": ["in-store"] * len(locations),
            "location": locations,
            "item_count": [None] * len(locations),
            "items": [None] * len(locations),
            "raw": [None] * len(locations),
        },
        schema={
            "external_id": pl.String,
            "customer_hash": pl.String,
            "ordered_at": pl.Datetime("us", "UTC"),
            "amount": pl.Float64,
            "channel": pl.String,
            "location": pl.String,
            "item_count": pl.Int64,
            "items": pl.String,
            "raw": pl.String,
        },
    )


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw by counting exponential gaps (small means only)."""
    count, total = 0, rng.expovariate(1.0)
    while total < mean:
        count += 1
        total += rng.expovariate(1.0)
    return count


@dataclass
class LocationsDemoCollector:
    """The franchise's survey answers, for run_collector."""

    folder: Path
    name: str = "demo-locations"

    def collect(self, context: CollectContext) -> Iterator[SourceBatch]:
        bank = read_comment_bank(self.folder / "comments.csv")
        yield SourceBatch(SURVEYS, FeedbackFrame.of(franchise_answers(bank)), [])


def load_locations_demo_orders(engine: Engine) -> UpsertCounts:
    """Store the franchise's orders (again: adds nothing)."""
    return upsert_orders(engine, ORDERS, franchise_orders())
