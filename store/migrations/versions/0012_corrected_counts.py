"""The daily counts count the items whose label a person corrected (`corrected_n`), and count every item with
its corrected labels (store/daily_counts.py). A store with corrections has all its days marked for a recount,
which the next refresh of the counts does (`pulse db upgrade` runs it); one without keeps its counts, with 0.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("daily_counts") as table:
        table.add_column(sa.Column("corrected_n", sa.Integer, nullable=False, server_default="0"))
    op.execute(
        "UPDATE store_state SET counts_stale_from = (SELECT min(created_at) FROM feedback), "
        "counts_stale_to = (SELECT max(created_at) FROM feedback) "
        "WHERE counts_timezone IS NOT NULL AND EXISTS (SELECT 1 FROM corrections)"
    )


def downgrade() -> None:
    with op.batch_alter_table("daily_counts") as table:
        table.drop_column("corrected_n")
