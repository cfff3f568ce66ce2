"""The rollout impacts' pipeline step: reads the daily counts and the rollouts from the store and judges every
rollout (analysis.impact, which works on frames only)."""

from __future__ import annotations

from sqlalchemy import Engine

from analysis.impact import (
    ImpactSettings,
    RolloutImpact,
    assess_rollouts_by_day,
    day_totals_from_counts,
)
from store.daily_counts import read_daily_counts
from store.rollouts import read_rollouts


def read_rollout_impacts(
    engine: Engine, settings: ImpactSettings | None = None, timezone: str = "UTC"
) -> list[RolloutImpact]:
    """Every rollout's impact, from the store's daily counts (store.daily_counts, in `timezone`)."""
    days = day_totals_from_counts(read_daily_counts(engine, timezone))
    return assess_rollouts_by_day(days, read_rollouts(engine), settings)
