"""The process of a run: its id and the host it runs on, so that a run whose process was killed (SIGKILL, a
reboot) is found by the next run on that host and marked "interrupted" instead of staying "running" for ever
(store/runs.py). Runs from before this revision have neither and are left as they are.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as table:
        table.add_column(sa.Column("pid", sa.Integer))
        table.add_column(sa.Column("host", sa.String(255)))


def downgrade() -> None:
    with op.batch_alter_table("runs") as table:
        table.drop_column("host")
        table.drop_column("pid")
