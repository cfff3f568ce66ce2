"""Generate the demo's follow-up cases (cases.csv) from its surveys and reviews, deterministically.

    python data/demo/cases.py [--folder DIR] [--seed N]

Reads surveys.csv and reviews.csv in DIR (beside this file by default) and writes cases.csv there: a case for
each detractor (NPS 0-6) and each 1-2 star review of the last WEEKS weeks of the data, as the case rules make
them (analysis/case_rules.py: reasons detractor and low_stars), each with its history as Crumb & Kettle's three
staff worked it: who it went to, when a person first reached the customer, and how it ended.

What happens to a case is drawn from its own seeded random stream (`random.Random("182:cases")`), case by case in
the order the cases were made, and from nothing else: not the customer's words, scores or what they did next.
So following up has no effect in the demo by construction, and the outcome measure (analysis/case_outcomes.py)
shows what chance and the data make of that. Whether a case is still open depends only on how close to the end
of the data it was made. Same seed, same bytes: only Python's own `random.Random`, nothing iterates over a set.
"""

from __future__ import annotations

import argparse
import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from analysis.case_rules import due_at
from pulse.business_hours import parse_business_hours
from pulse.settings import Settings

HERE = Path(__file__).resolve().parent
SEED = 182
LOCAL = ZoneInfo("Europe/London")
LAST_DAY = date(2026, 11, 22)  # the data's last day (data/demo/generate.py)
END = datetime.combine(LAST_DAY + timedelta(days=1), time(0), tzinfo=LOCAL).astimezone(UTC)  # nothing after
WEEKS = 20  # cases over the last 20 weeks: more than 90 days, so that buying again can be measured for some
STAFF = ("Maya", "Tom", "Priya")
OWNER = "Sam"  # the owner, who gives the detractors' cases out
PIPELINE = "pulse"  # store.cases.PIPELINE: the rules' own assignment
# Due times as `pulse analyze` gives them with the default settings: PULSE_CASE_DUE_HOURS business hours of
# PULSE_BUSINESS_HOURS (analysis/case_rules.due_at)
DUE_HOURS = Settings.model_fields["case_due_hours"].default
SCHEDULE = parse_business_hours(Settings.model_fields["business_hours"].default, "Europe/London")
OPENS, CLOSES = time(8), time(18)  # when staff follow up, Monday to Saturday
# What happens to a case: never contacted, contacted after its due time, or in time
NEVER, LATE = 0.05, 0.15
# Once contacted: sorted there and then, sorted later, no reply in the end, still waiting
ENDINGS = (("resolved_at_once", 0.40), ("resolved_later", 0.35), ("no_reply", 0.20), ("waiting", 0.05))

CONTACT_NOTES = (
    "Called; they were glad someone rang. Listening mostly.",
    "Phoned, apologised and asked what we could do better.",
    "Emailed a personal reply and offered to call.",
    "Rang and left a voicemail; emailed too.",
    "Spoke to them at the till on their next visit.",
)
RESOLVED_NOTES = (
    "Sorted: refunded the order and they will give us another go.",
    "They were happy with the apology and a coffee on us next time.",
    "Explained what changed and gave them the shop's direct number.",
    "Replaced the order; they thanked us for getting in touch.",
    "Talked it through; they had not known they could ask for a person.",
)
NO_REPLY_NOTES = (
    "Two calls and an email, no answer.",
    "No reply after a week; closing.",
    "Voicemail twice, no call back.",
)
REVIEW_NOTES = (
    "Replied to the review under our own names and invited them to get in touch.",
    "Replied on the review site and offered to talk it through in person.",
)
COLUMNS = (
    "case_id",
    "source",  # survey or review: the demo file the feedback is in
    "external_id",  # its response_id or review_id
    "reason",
    "created_at",
    "due_at",
    "assignee",
    "assigned_at",
    "assigned_by",
    "contacted_at",  # when it became "contacted" (empty when never, or sorted at the first contact)
    "contact_note",
    "status",  # as it stands at the end of the data
    "closed_at",  # when it became resolved or no_reply
    "close_note",
)


@dataclass(frozen=True)
class Trigger:
    source: str
    external_id: str
    reason: str
    at: datetime


def read_triggers(folder: Path, weeks: int = WEEKS) -> list[Trigger]:
    """The detractors' answers and the 1-2 star reviews of the last `weeks` weeks, in the order they came."""
    start = END - timedelta(weeks=weeks)
    found: list[Trigger] = []
    with (folder / "surveys.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            at = _moment(row["submitted_at"])
            if row["nps"].strip() and int(row["nps"]) <= 6 and start <= at < END:
                found.append(Trigger("survey", row["response_id"], "detractor", at))
    with (folder / "reviews.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            at = _moment(row["published_at"])
            if row["stars"].strip() and int(row["stars"]) <= 2 and start <= at < END:
                found.append(Trigger("review", row["review_id"], "low_stars", at))
    return sorted(found, key=lambda trigger: (trigger.at, trigger.external_id))


class CaseGenerator:
    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(f"{seed}:cases")

    def cases(self, triggers: Sequence[Trigger]) -> list[dict[str, object]]:
        return [self.case(number, trigger) for number, trigger in enumerate(triggers, start=1)]

    def case(self, number: int, trigger: Trigger) -> dict[str, object]:
        rng = self.rng
        # the pipeline runs every hour, a few minutes past
        created = trigger.at.replace(minute=0, second=0, microsecond=0) + timedelta(
            hours=1, minutes=rng.randint(2, 9)
        )
        due = due_at(created, DUE_HOURS, SCHEDULE)
        assignee = rng.choice(STAFF)
        fate = rng.random()
        ending = self.pick(ENDINGS)
        if trigger.reason == "low_stars":  # the rule gives reviews to one person, at once
            assignee, assigned_at, assigned_by = STAFF[0], created, PIPELINE
        else:  # the owner gives detractors out when the shop opens
            assigned_at, assigned_by = open_at(created + timedelta(minutes=rng.randint(10, 180)), rng), OWNER
        if fate < NEVER:  # nobody reaches them; half were never even given to anyone
            contact = None
            if rng.random() < 0.5 and assigned_by == OWNER:
                assignee, assigned_at, assigned_by = "", None, ""
        elif fate < NEVER + LATE:
            contact = open_at(due + timedelta(hours=rng.uniform(4, 96)), rng)
        else:
            delay = timedelta(hours=min(rng.expovariate(1 / 8), 40))  # a median of about 5.5 hours
            contact = open_at((assigned_at or created) + delay, rng)
        if assigned_at is not None and assigned_at >= END:
            assignee, assigned_at, assigned_by, contact = "", None, "", None
        row: dict[str, object] = {
            "case_id": f"K{number:04d}",
            "source": trigger.source,
            "external_id": trigger.external_id,
            "reason": trigger.reason,
            "created_at": _iso(created),
            "due_at": _iso(due),
            "assignee": assignee,
            "assigned_at": _iso(assigned_at),
            "assigned_by": assigned_by,
            "contacted_at": "",
            "contact_note": "",
            "status": "assigned" if assignee else "new",
            "closed_at": "",
            "close_note": "",
        }
        if contact is None or contact >= END:
            return row
        first_note = rng.choice(REVIEW_NOTES if trigger.reason == "low_stars" else CONTACT_NOTES)
        later = open_at(contact + timedelta(days=rng.uniform(1, 6)), rng)
        if (
            ending == "resolved_at_once"
        ):  # a review's public reply ends it; a customer's is sorted there and then
            note = first_note if trigger.reason == "low_stars" else rng.choice(RESOLVED_NOTES)
            return {**row, "status": "resolved", "closed_at": _iso(contact), "close_note": note}
        row.update(status="contacted", contacted_at=_iso(contact), contact_note=first_note)
        if ending == "waiting" or later >= END:
            return row
        closing, notes = (
            ("resolved", RESOLVED_NOTES) if ending == "resolved_later" else ("no_reply", NO_REPLY_NOTES)
        )
        return {**row, "status": closing, "closed_at": _iso(later), "close_note": rng.choice(notes)}

    def pick(self, choices: Sequence[tuple[str, float]]) -> str:
        names, weights = zip(*choices, strict=True)
        return self.rng.choices(names, weights)[0]


def open_at(moment: datetime, rng: random.Random) -> datetime:
    """`moment`, or when the shop is closed (before 8:00, from 18:00, on Sundays) a few minutes into its next
    opening."""
    local = moment.astimezone(LOCAL)
    day = local.date()
    if local.time() >= CLOSES:
        day += timedelta(days=1)
    elif local.time() >= OPENS and local.weekday() != 6:
        return moment
    if day.weekday() == 6:
        day += timedelta(days=1)
    opening = datetime.combine(day, OPENS, tzinfo=LOCAL) + timedelta(minutes=rng.randint(5, 90))
    return opening.astimezone(UTC)


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _iso(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else ""


def generate(folder: Path = HERE, seed: int = SEED, weeks: int = WEEKS) -> int:
    """Write folder/cases.csv from folder's surveys.csv and reviews.csv; returns the number of cases."""
    rows = CaseGenerator(seed).cases(read_triggers(folder, weeks))
    with (folder / "cases.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--folder", type=Path, default=HERE, help="the demo folder (default: beside this file)"
    )
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    arguments = parser.parse_args()
    print(f"cases.csv: {generate(arguments.folder, arguments.seed)} rows")


if __name__ == "__main__":
    main()
