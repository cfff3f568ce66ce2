"""Every rollout's impact as the pipeline judged it (analysis/impact_pipeline.py), for the dashboard to read: one
plain record per rollout (analysis.impact.impact_record, kept as JSON), oldest first.

The records are current when store_state.impacts_version equals the data version: every write that changes
what the dashboard shows bumps the data version, so any change of feedback, scores, daily counts or rollouts
leaves them stale until the pipeline judges the rollouts again. Storing them bumps the data version too (the
dashboard's caches are keyed on it), and records the version they are current at.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine, select

from store.engine import reading, writing
from store.schema import rollout_impacts, store_state
from store.state import bump_data_version


@dataclass(frozen=True)
class ImpactsState:
    data_version: int
    impacts_version: int | None  # the data version the stored impacts are current at; None: never judged
    counts_timezone: str | None  # the daily counts' time zone; None: never counted

    @property
    def current(self) -> bool:
        return self.impacts_version == self.data_version


def read_impacts_state(engine: Engine) -> ImpactsState:
    with reading(engine) as connection:
        row = connection.execute(
            select(store_state.c.data_version, store_state.c.impacts_version, store_state.c.counts_timezone)
        ).one()
    return ImpactsState(int(row.data_version), row.impacts_version, row.counts_timezone)


def write_rollout_impacts(engine: Engine, records: Sequence[dict[str, Any]], judged_at: int) -> bool:
    """Replace the stored impacts with `records`, judged from the data at version `judged_at`; returns whether
    they were stored. Impacts judged from older data than the stored ones are not. When the data changed
    while they were judged, they are stored but stay stale (to be judged again by the next pipeline step)."""
    with writing(engine) as connection:
        state = connection.execute(
            select(store_state.c.data_version, store_state.c.impacts_version).with_for_update()
        ).one()
        if state.impacts_version is not None and state.impacts_version > judged_at:
            return False
        connection.execute(rollout_impacts.delete())
        if records:
            connection.execute(
                rollout_impacts.insert(),
                [
                    {
                        "position": position,
                        "name": record["name"],
                        "started_on": date.fromisoformat(record["started_on"]),
                        "record": json.dumps(record, default=_plain),
                    }
                    for position, record in enumerate(records)
                ],
            )
        bump_data_version(connection)
        unchanged = state.data_version == judged_at
        connection.execute(
            store_state.update().values(impacts_version=state.data_version + 1 if unchanged else judged_at)
        )
    return True


def _plain(value: Any) -> Any:
    """numpy's numbers as Python's, for JSON."""
    return value.item() if hasattr(value, "item") else float(value)


def read_rollout_impact_records(engine: Engine) -> list[dict[str, Any]]:
    """The stored impacts, oldest rollout first (as the pipeline last judged them; see read_impacts_state)."""
    with reading(engine) as connection:
        texts = connection.execute(
            select(rollout_impacts.c.record).order_by(rollout_impacts.c.position)
        ).scalars()
        return [json.loads(text) for text in texts]
