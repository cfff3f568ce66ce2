"""Failed sign-ins are counted per user name typed, in their own table, whether or not such a user exists, so
that an unknown name locks exactly like a real one (store/users.py); the users table loses its own counter and
lock. Counters and locks in progress at the upgrade are forgotten (a lock lasts 15 minutes).

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sign_in_attempts",
        sa.Column("name_key", sa.String(64), nullable=False),
        sa.Column("failed_attempts", sa.Integer, nullable=False),
        sa.Column("locked_until", UTC_DATETIME),
        sa.Column("last_failed_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("name_key", name="pk_sign_in_attempts"),
    )
    with op.batch_alter_table("users") as table:
        table.drop_column("failed_attempts")
        table.drop_column("locked_until")


def downgrade() -> None:
    with op.batch_alter_table("users") as table:
        table.add_column(sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"))
        table.add_column(sa.Column("locked_until", UTC_DATETIME))
    op.drop_table("sign_in_attempts")
