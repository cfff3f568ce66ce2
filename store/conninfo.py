"""A store's SQLAlchemy URL as the libpq connection string that other PostgreSQL clients take (the job queue,
jobs/app.py): only store/ reads SQLAlchemy URLs."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from pulse.errors import ConfigError


def postgres_conninfo(url: str, setting: str = "PULSE_QUEUE_URL") -> str:
    """`postgresql+psycopg://user:pw@host:5432/db?options=...` as `postgresql://user:pw@host:5432/db?options=...`
    (libpq's URI form, with the same percent-encoding); a URL of another database is a ConfigError naming
    `setting`."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise ConfigError(
            f"{setting} is not a database URL.",
            hint="Give a PostgreSQL URL: postgresql://user:password@host:5432/dbname.",
        ) from error
    if parsed.get_backend_name() != "postgresql":
        raise ConfigError(
            f"{setting} names a {parsed.get_backend_name()} database: the job queue needs PostgreSQL.",
            hint="Set PULSE_QUEUE_URL to a PostgreSQL database (postgresql://user:password@host:5432/dbname), or "
            "keep running `pulse collect`, `pulse analyze` and `pulse digest --send` from cron (README: "
            '"Running collectors on a schedule").',
        )
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def is_postgres_url(url: str) -> bool:
    try:
        return make_url(url).get_backend_name() == "postgresql"
    except ArgumentError:
        return False
