"""Orders and visits (`pulse import --kind order`): one row per order of a source, unique on source and order id,
the customer kept only as the salted hash that survey respondents get (store/orders.py). Sources may now hold
orders (kind "order").

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "source_id",
            sa.Integer,
            sa.ForeignKey("sources.id", ondelete="CASCADE", name="fk_orders_source_id_sources"),
            nullable=False,
        ),
        sa.Column("external_id", sa.String(300), nullable=False),
        sa.Column("customer_hash", sa.String(64)),
        sa.Column("ordered_at", UTC_DATETIME, nullable=False),
        sa.Column("amount", sa.Float),
        sa.Column("channel", sa.String(100)),
        sa.Column("location", sa.String(200)),
        sa.Column("item_count", sa.Integer),
        sa.Column("items", sa.Text),
        sa.Column("raw", sa.JSON),
        sa.Column("ingested_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
        sa.UniqueConstraint("source_id", "external_id", name="uq_orders_source_id_external_id"),
    )
    op.create_index("ix_orders_ordered_at", "orders", ["ordered_at"])


def downgrade() -> None:
    op.drop_index("ix_orders_ordered_at", "orders")
    op.drop_table("orders")
