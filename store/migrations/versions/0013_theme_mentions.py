"""Themes from a library, sentence by sentence: a comment can mention several themes (`theme_mentions`: one row
per feedback item and theme it mentions, with the mean sentiment of its sentences that mention it), a theme
carries the library heading it is listed under (`topics.heading`), and a library theme's seed is
"library:<key>" (up to 48 characters). Stores fitted before keep their themes until the next
`pulse themes update`, which refits with the library.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("topics") as table:
        table.add_column(sa.Column("heading", sa.String(100)))
        table.alter_column("seed", existing_type=sa.String(40), type_=sa.String(60))
    op.create_table(
        "theme_mentions",
        sa.Column(
            "feedback_id",
            sa.Integer,
            sa.ForeignKey("feedback.id", ondelete="CASCADE", name="fk_theme_mentions_feedback_id_feedback"),
            primary_key=True,
        ),
        sa.Column(
            "topic_id",
            sa.Integer,
            sa.ForeignKey("topics.id", ondelete="CASCADE", name="fk_theme_mentions_topic_id_topics"),
            primary_key=True,
        ),
        sa.Column("similarity", sa.Float),
        sa.Column("sentiment_score", sa.Float),
        sa.PrimaryKeyConstraint("feedback_id", "topic_id", name="pk_theme_mentions"),
    )
    op.create_index("ix_theme_mentions_topic_id", "theme_mentions", ["topic_id"])


def downgrade() -> None:
    op.drop_index("ix_theme_mentions_topic_id", "theme_mentions")
    op.drop_table("theme_mentions")
    with op.batch_alter_table("topics") as table:
        table.alter_column("seed", existing_type=sa.String(60), type_=sa.String(40))
        table.drop_column("heading")
