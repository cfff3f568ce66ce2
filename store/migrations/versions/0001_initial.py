"""The initial store: sources, feedback, rejected rows, scores, embeddings, topics, rollouts, runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "store_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("data_version", sa.Integer, nullable=False),
    )
    op.execute("INSERT INTO store_state (id, data_version) VALUES (1, 0)")
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("platform", sa.String(50), nullable=False),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.UniqueConstraint("name", name="uq_sources_name"),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("started_at", UTC_DATETIME, nullable=False),
        sa.Column("finished_at", UTC_DATETIME),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("cursor", sa.Text),
        sa.Column("message", sa.Text),
        sa.Column("versions", sa.JSON, nullable=False),
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "source_id",
            sa.Integer,
            sa.ForeignKey("sources.id", ondelete="CASCADE", name="fk_feedback_source_id_sources"),
            nullable=False,
        ),
        sa.Column("external_id", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("text", sa.Text),
        sa.Column("nps", sa.SmallInteger),
        sa.Column("csat", sa.SmallInteger),
        sa.Column("stars", sa.SmallInteger),
        sa.Column("author_hash", sa.String(64)),
        sa.Column("url", sa.Text),
        sa.Column("location", sa.String(200)),
        sa.Column("channel", sa.String(100)),
        sa.Column("segment", sa.String(200)),
        sa.Column("raw", sa.JSON),
        sa.Column("ingested_at", UTC_DATETIME, nullable=False),
        sa.UniqueConstraint("source_id", "external_id", name="uq_feedback_source_id_external_id"),
    )
    op.create_index("ix_feedback_created_at", "feedback", ["created_at"])
    op.create_table(
        "rejected_rows",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "run_id",
            sa.Integer,
            sa.ForeignKey("runs.id", ondelete="SET NULL", name="fk_rejected_rows_run_id_runs"),
        ),
        sa.Column(
            "source_id",
            sa.Integer,
            sa.ForeignKey("sources.id", ondelete="CASCADE", name="fk_rejected_rows_source_id_sources"),
        ),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("line", sa.Integer),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
    )
    op.create_table(
        "scores",
        sa.Column(
            "feedback_id",
            sa.Integer,
            sa.ForeignKey("feedback.id", ondelete="CASCADE", name="fk_scores_feedback_id_feedback"),
            primary_key=True,
        ),
        sa.Column("sentiment", sa.String(10), nullable=False),
        sa.Column("sentiment_score", sa.Float, nullable=False),
        sa.Column("impersonal", sa.Boolean, nullable=False),
        sa.Column("impersonal_score", sa.Float, nullable=False),
        sa.Column("impersonal_cues", sa.JSON, nullable=False),
        sa.Column("model_version", sa.String(100), nullable=False),
        sa.Column("scored_at", UTC_DATETIME, nullable=False),
    )
    op.create_table(
        "embeddings",
        sa.Column("text_hash", sa.String(64), primary_key=True),
        sa.Column("model_name", sa.String(200), primary_key=True),
        sa.Column("dimensions", sa.Integer, nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
    )
    op.create_table(
        "topics",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("model_version", sa.String(100), nullable=False),
        sa.Column("topic_number", sa.Integer, nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("keywords", sa.JSON, nullable=False),
        sa.Column("custom_name", sa.String(200)),
        sa.Column("hidden", sa.Boolean, nullable=False),
        sa.Column(
            "merged_into",
            sa.Integer,
            sa.ForeignKey("topics.id", ondelete="SET NULL", name="fk_topics_merged_into_topics"),
        ),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.UniqueConstraint("model_version", "topic_number", name="uq_topics_model_version_topic_number"),
    )
    op.create_table(
        "topic_assignments",
        sa.Column(
            "feedback_id",
            sa.Integer,
            sa.ForeignKey(
                "feedback.id", ondelete="CASCADE", name="fk_topic_assignments_feedback_id_feedback"
            ),
            primary_key=True,
        ),
        sa.Column(
            "topic_id",
            sa.Integer,
            sa.ForeignKey("topics.id", ondelete="CASCADE", name="fk_topic_assignments_topic_id_topics"),
            nullable=False,
        ),
        sa.Column("probability", sa.Float),
    )
    op.create_table(
        "rollouts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(100)),
        sa.Column("started_on", sa.Date, nullable=False),
        sa.Column("ended_on", sa.Date),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.UniqueConstraint("name", "started_on", name="uq_rollouts_name_started_on"),
    )


def downgrade() -> None:
    for table in (
        "rollouts",
        "topic_assignments",
        "topics",
        "embeddings",
        "scores",
        "rejected_rows",
        "feedback",
        "runs",
        "sources",
        "store_state",
    ):
        op.drop_table(table)
