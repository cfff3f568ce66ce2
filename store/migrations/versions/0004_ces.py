"""Customer Effort Score: a nullable `ces` (1-7) on feedback.

Both steps are plain ALTER TABLE statements (SQLite 3.35 and later drops a column in place), never a batch
copy of the table: copying `feedback` would drop and recreate it, and with SQLite's foreign keys on, dropping
it deletes every score, theme assignment and correction that refers to it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("feedback", sa.Column("ces", sa.SmallInteger))


def downgrade() -> None:
    op.execute("ALTER TABLE feedback DROP COLUMN ces")
