"""Follow-up: cases that a person takes to an unhappy customer (`cases`, with their history in `case_events` and
the owner's rules in `case_rules`), respondents' contact details encrypted at rest (`contacts`), the cases'
notifications (`notifications`), the requests of the survey webhooks' receiver (`webhook_deliveries`), staff
observations (feedback of kind "staff", with `feedback.reported_by`) and an email address per user (`users.email`).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("reported_by", sa.String(200)))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(320)))
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column(
            "feedback_id",
            sa.Integer,
            sa.ForeignKey("feedback.id", ondelete="CASCADE", name="fk_cases_feedback_id_feedback"),
            nullable=False,
        ),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("assignee", sa.String(200)),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("due_at", UTC_DATETIME, nullable=False),
        sa.Column("first_contact_at", UTC_DATETIME),
        sa.Column("closed_at", UTC_DATETIME),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cases"),
        sa.UniqueConstraint("feedback_id", name="uq_cases_feedback_id"),
    )
    op.create_index("ix_cases_status", "cases", ["status"])
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column(
            "case_id",
            sa.Integer,
            sa.ForeignKey("cases.id", ondelete="CASCADE", name="fk_case_events_case_id_cases"),
            nullable=False,
        ),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("before", sa.String(200)),
        sa.Column("after", sa.String(200)),
        sa.Column("note", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_case_events"),
    )
    op.create_index("ix_case_events_case_id", "case_events", ["case_id"])
    op.create_table(
        "case_rules",
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("threshold", sa.Integer),
        sa.Column("assignee", sa.String(200)),
        sa.Column("due_hours", sa.Integer, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("rule", name="pk_case_rules"),
    )
    op.create_table(
        "contacts",
        sa.Column("author_hash", sa.String(64), nullable=False),
        sa.Column("email", sa.LargeBinary, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("author_hash", name="pk_contacts"),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column(
            "case_id",
            sa.Integer,
            sa.ForeignKey("cases.id", ondelete="CASCADE", name="fk_notifications_case_id_cases"),
            nullable=False,
        ),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("target", sa.String(320), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UTC_DATETIME),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("sent_at", UTC_DATETIME),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.UniqueConstraint("case_id", "channel", "target", name="uq_notifications_case_id_channel_target"),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("vendor", sa.String(20), nullable=False),
        sa.Column("received_at", UTC_DATETIME, nullable=False),
        sa.Column("event_id", sa.String(300)),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("message", sa.Text),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column(
            "feedback_id",
            sa.Integer,
            sa.ForeignKey(
                "feedback.id", ondelete="SET NULL", name="fk_webhook_deliveries_feedback_id_feedback"
            ),
        ),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_deliveries"),
    )
    op.create_index("ix_webhook_deliveries_vendor_event_id", "webhook_deliveries", ["vendor", "event_id"])


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_vendor_event_id", "webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_table("notifications")
    op.drop_table("contacts")
    op.drop_table("case_rules")
    op.drop_index("ix_case_events_case_id", "case_events")
    op.drop_table("case_events")
    op.drop_index("ix_cases_status", "cases")
    op.drop_table("cases")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("reported_by")
