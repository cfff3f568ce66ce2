"""Each score keeps the scorer's probability of each sentiment class (pulse.measures.SENTIMENT_PROBABILITY_COLUMNS:
sentiment_p_negative, sentiment_p_neutral, sentiment_p_positive, 0..1, summing to 1), so that weekly means
and shares of the classes can be compared over time. Nullable: scores from before this revision and scores
by VADER alone (which has no probabilities) keep NULL until `pulse analyze` scores them again.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

PROBABILITY_COLUMNS = ("sentiment_p_negative", "sentiment_p_neutral", "sentiment_p_positive")


def upgrade() -> None:
    with op.batch_alter_table("scores") as table:
        for name in PROBABILITY_COLUMNS:
            table.add_column(sa.Column(name, sa.Float))


def downgrade() -> None:
    with op.batch_alter_table("scores") as table:
        for name in reversed(PROBABILITY_COLUMNS):
            table.drop_column(name)
