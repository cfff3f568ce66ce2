"""Stores for the dashboard's tests, made as `pulse db upgrade` makes them."""

from __future__ import annotations

from sqlalchemy import Engine

from analysis.impact_pipeline import refresh_rollout_impacts
from pulse.settings import build_settings
from store.migrate import upgrade


def upgrade_as_pulse_db_upgrade_does(engine: Engine) -> None:
    """Migrate, count the days in PULSE_TIMEZONE and judge the rollouts: the stores the dashboard is pointed at
    are made as `pulse db upgrade` makes them (its pages only read the counts and verdicts)."""
    upgrade(engine)
    refresh_rollout_impacts(engine, build_settings().timezone)
