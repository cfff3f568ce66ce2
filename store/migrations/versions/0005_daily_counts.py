"""Daily counts for the dashboard: per local day, kind, source, channel, location and segment, the counts and
sums that every measure is derived from (store/daily_counts.py), and the state that keeps them current. The
table starts empty; `pulse db upgrade` (or the dashboard's first load) fills it in PULSE_TIMEZONE.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)
INTEGERS = (
    "n", "nps_n", "promoters", "detractors", "csat_n", "satisfied",
    "ces_n", "ces_easy", "ces_sum", "ces_squares", "stars_n", "stars_sum", "stars_squares",
    "sentiment_n", "scored_n", "negative", "impersonal_count",
)  # fmt: skip
FLOATS = ("sentiment_sum", "sentiment_squares")


def upgrade() -> None:
    with op.batch_alter_table("store_state") as table:
        table.add_column(sa.Column("counts_timezone", sa.String(64)))
        table.add_column(sa.Column("counts_stale_from", UTC_DATETIME))
        table.add_column(sa.Column("counts_stale_to", UTC_DATETIME))
    op.create_table(
        "daily_counts",
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("source_id", sa.Integer, nullable=False),
        sa.Column("channel", sa.String(100)),
        sa.Column("location", sa.String(200)),
        sa.Column("segment", sa.String(200)),
        *[sa.Column(name, sa.Integer, nullable=False) for name in INTEGERS],
        *[sa.Column(name, sa.Float, nullable=False) for name in FLOATS],
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name="fk_daily_counts_source_id_sources", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_daily_counts_day", "daily_counts", ["day"])


def downgrade() -> None:
    op.drop_index("ix_daily_counts_day", "daily_counts")
    op.drop_table("daily_counts")
    with op.batch_alter_table("store_state") as table:
        table.drop_column("counts_stale_to")
        table.drop_column("counts_stale_from")
        table.drop_column("counts_timezone")
