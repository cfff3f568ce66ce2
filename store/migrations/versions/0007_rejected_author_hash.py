"""Rejected rows keep the salted hash of their respondent or author, so that `pulse forget` finds a person's
rejected rows by who they are (never by a substring of the row, which matched other people's rows).

Plain ALTER TABLE statements (SQLite 3.35 and later drops a column in place), as in 0004.

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("rejected_rows", sa.Column("author_hash", sa.String(64)))


def downgrade() -> None:
    op.execute("ALTER TABLE rejected_rows DROP COLUMN author_hash")
