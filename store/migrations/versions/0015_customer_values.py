"""Customer lifetime value, as the pipeline last fitted it (store/customer_values.py): one row per customer with
what the BG/NBD and Gamma-Gamma models expect of them (`customer_values`), and one row per fit tried, with the
fit's record and the orders it was fitted on (`clv_fits`).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "customer_values",
        sa.Column("customer_hash", sa.String(64), nullable=False),
        sa.Column("frequency", sa.Integer, nullable=False),
        sa.Column("probability_alive", sa.Float, nullable=False),
        sa.Column("expected_purchases", sa.Float, nullable=False),
        sa.Column("expected_spend", sa.Float),
        sa.Column("expected_value", sa.Float),
        sa.Column("spend_to_date", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("customer_hash", name="pk_customer_values"),
    )
    op.create_table(
        "clv_fits",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("fitted_at", UTC_DATETIME, nullable=False),
        sa.Column("orders", sa.Integer, nullable=False),
        sa.Column("last_order_id", sa.Integer),
        sa.Column("last_ordered_at", UTC_DATETIME),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("record", sa.Text),
        sa.Column("message", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_clv_fits"),
    )


def downgrade() -> None:
    op.drop_table("clv_fits")
    op.drop_table("customer_values")
