"""Rollout impacts stored: every rollout's impact as the pipeline judged it (analysis/impact_pipeline.py), one
JSON record per rollout, and the data version they are current at (store_state.impacts_version). The table
starts empty and the version NULL: `pulse db upgrade` judges the rollouts once.

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("store_state") as table:
        table.add_column(sa.Column("impacts_version", sa.Integer))
    op.create_table(
        "rollout_impacts",
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("started_on", sa.Date, nullable=False),
        sa.Column("record", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("position", name="pk_rollout_impacts"),
    )


def downgrade() -> None:
    op.drop_table("rollout_impacts")
    with op.batch_alter_table("store_state") as table:
        table.drop_column("impacts_version")
