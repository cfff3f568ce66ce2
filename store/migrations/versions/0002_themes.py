"""Themes: topic centroids, sizes and seeds; fitted topic models; how each assignment was made.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "topic_models",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("embedding_model", sa.String(200), nullable=False),
        sa.Column("documents", sa.Integer, nullable=False),
        sa.Column("fitted_at", UTC_DATETIME, nullable=False),
        sa.UniqueConstraint("version", name="uq_topic_models_version"),
    )
    with op.batch_alter_table("topics") as batch:
        batch.add_column(sa.Column("centroid", sa.LargeBinary))
        batch.add_column(sa.Column("size", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("seed", sa.String(40)))
    with op.batch_alter_table("topic_assignments") as batch:
        batch.alter_column("topic_id", existing_type=sa.Integer, nullable=True)
        batch.add_column(sa.Column("model_version", sa.String(100), nullable=False, server_default=""))
        batch.add_column(sa.Column("method", sa.String(10), nullable=False, server_default="fit"))
        batch.create_index("ix_topic_assignments_topic_id", ["topic_id"])


def downgrade() -> None:
    op.execute("DELETE FROM topic_assignments WHERE topic_id IS NULL")
    with op.batch_alter_table("topic_assignments") as batch:
        batch.drop_index("ix_topic_assignments_topic_id")
        batch.drop_column("method")
        batch.drop_column("model_version")
        batch.alter_column("topic_id", existing_type=sa.Integer, nullable=False)
    with op.batch_alter_table("topics") as batch:
        batch.drop_column("seed")
        batch.drop_column("size")
        batch.drop_column("centroid")
    op.drop_table("topic_models")
