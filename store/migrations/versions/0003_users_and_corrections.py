"""Users (built-in accounts with a role and a limit on failed sign-ins), label corrections, the audit trail of
rollout changes, and a random salt per store for authors' hashes (hashes stored before stay as they were).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("store_state", sa.Column("author_salt", sa.String(64)))
    op.execute(sa.text("UPDATE store_state SET author_salt = :salt").bindparams(salt=secrets.token_hex(16)))
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("failed_attempts", sa.Integer, nullable=False),
        sa.Column("locked_until", UTC_DATETIME),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("last_sign_in_at", UTC_DATETIME),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_table(
        "corrections",
        sa.Column("feedback_id", sa.Integer, nullable=False),
        sa.Column("field", sa.String(20), nullable=False),
        sa.Column("value", sa.String(20), nullable=False),
        sa.Column("corrected_by", sa.String(200), nullable=False),
        sa.Column("corrected_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["feedback_id"], ["feedback.id"], name="fk_corrections_feedback_id_feedback", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("feedback_id", "field", name="pk_corrections"),
    )

    op.create_table(
        "rollout_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("rollout_id", sa.Integer, nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("changed_by", sa.String(200), nullable=False),
        sa.Column("changed_at", UTC_DATETIME, nullable=False),
        sa.Column("before", sa.JSON),
        sa.Column("after", sa.JSON),
    )


def downgrade() -> None:
    op.drop_table("rollout_changes")
    op.drop_table("corrections")
    op.drop_table("users")
    with op.batch_alter_table("store_state") as table:
        table.drop_column("author_salt")
