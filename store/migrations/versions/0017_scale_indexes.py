"""Indexes for large stores on PostgreSQL (issue 25, benchmarks/scale.py): a trigram index on feedback.text, so
that the Explorer's word search (ILIKE '%word%') and its count read the matching rows instead of every row.
PostgreSQL only, and only where the pg_trgm extension can be created (it ships with PostgreSQL's contrib and is a
trusted extension, which a database's owner may create): without it the search still works, by reading every
row, and `pulse db upgrade` says so. SQLite gets nothing: its LIKE cannot use such an index.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

TEXT_INDEX = "ix_feedback_text_trgm"
log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        with bind.begin_nested():  # in public, beside every workspace's schema, unless it is there already
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    except sa.exc.DBAPIError as error:
        log.warning(
            "PostgreSQL's pg_trgm extension could not be created (%s): the Explorer's word search reads every "
            "row. Ask the database's administrator to run CREATE EXTENSION pg_trgm, then `pulse db upgrade`.",
            str(error.orig).splitlines()[0],
        )
        return
    schema = bind.execute(
        sa.text(
            "SELECT nspname FROM pg_extension JOIN pg_namespace ON pg_namespace.oid = extnamespace "
            "WHERE extname = 'pg_trgm'"
        )
    ).scalar_one()
    operators = f"{bind.dialect.identifier_preparer.quote(schema)}.gin_trgm_ops"  # whatever the search path
    op.execute(f"CREATE INDEX IF NOT EXISTS {TEXT_INDEX} ON feedback USING gin (text {operators})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {TEXT_INDEX}")  # the extension stays: other tables may use it
