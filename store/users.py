"""Built-in accounts for a small team: argon2id password hashes, three roles, and a lock after repeated failed
sign-ins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, select

from pulse.errors import InputError
from store.engine import reading, writing
from store.frames import read_frame
from store.schema import users
from store.state import as_utc, utc_now

ROLES = ("viewer", "editor", "admin")  # each can do what the ones before it can
MAX_FAILED_ATTEMPTS = 5
LOCK_MINUTES = 15
MIN_PASSWORD_CHARS = 10
_hasher = PasswordHasher()


@dataclass(frozen=True)
class User:
    """Who is signed in, and what they may do."""

    username: str
    role: str

    def can(self, role: str) -> bool:
        """Whether this user has `role` or a stronger one."""
        return ROLES.index(self.role) >= ROLES.index(role)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError(f"Unknown role {role!r}.", hint=f"Use one of: {', '.join(ROLES)}.")
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise InputError(
            f"The password has {len(password)} characters; it needs at least {MIN_PASSWORD_CHARS}.",
            hint="A few unrelated words make a long password that is easy to remember.",
        )
    return password


def add_user(engine: Engine, username: str, password: str, role: str) -> None:
    """Create an account; the password is stored only as an argon2id hash."""
    username = username.strip()
    if not username:
        raise InputError("A user needs a name.", hint="Use their email address or first name.")
    password_hash = _hasher.hash(check_password(password))
    with writing(engine) as connection:
        if connection.execute(select(users.c.id).where(users.c.username == username)).scalar() is not None:
            raise InputError(f"There is already a user {username!r}.", hint="Choose another name.")
        connection.execute(
            users.insert().values(
                username=username,
                password_hash=password_hash,
                role=check_role(role),
                failed_attempts=0,
                created_at=utc_now(),
            )
        )


def remove_user(engine: Engine, username: str) -> bool:
    """Delete an account; False when there was none of that name."""
    with writing(engine) as connection:
        return bool(connection.execute(users.delete().where(users.c.username == username)).rowcount)


def read_users(engine: Engine) -> pl.DataFrame:
    """Every account, without password hashes: username, role, created_at, last_sign_in_at, locked_until."""
    columns = [
        users.c.username,
        users.c.role,
        users.c.created_at,
        users.c.last_sign_in_at,
        users.c.locked_until,
    ]
    with reading(engine) as connection:
        return read_frame(connection, select(*columns).order_by(users.c.username))


def role_of(engine: Engine, username: str) -> str | None:
    """The role of the account `username` (for OpenID Connect users, their email), or None."""
    with reading(engine) as connection:
        return connection.execute(select(users.c.role).where(users.c.username == username)).scalar()


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: the user, or a message to show."""

    user: User | None
    message: str = ""


def sign_in(engine: Engine, username: str, password: str, now: datetime | None = None) -> SignIn:
    """Check a password. After MAX_FAILED_ATTEMPTS failures in a row the account is locked for LOCK_MINUTES;
    the message never says whether the user exists."""
    now = now or utc_now()
    with writing(engine) as connection:
        row = connection.execute(select(users).where(users.c.username == username.strip())).first()
        if row is None:
            _hasher.hash(password)  # the same work as a real check, so timing does not tell who exists
            return SignIn(None, "Wrong user name or password.")
        if row.locked_until is not None and as_utc(row.locked_until) > now:
            return SignIn(None, f"Too many failed attempts: try again after {LOCK_MINUTES} minutes.")
        if not _matches(row.password_hash, password):
            failures = row.failed_attempts + 1
            locked = now + timedelta(minutes=LOCK_MINUTES) if failures >= MAX_FAILED_ATTEMPTS else None
            connection.execute(
                users.update()
                .where(users.c.id == row.id)
                .values(failed_attempts=0 if locked else failures, locked_until=locked)
            )
            return SignIn(None, "Wrong user name or password.")
        connection.execute(
            users.update()
            .where(users.c.id == row.id)
            .values(failed_attempts=0, locked_until=None, last_sign_in_at=now)
        )
    return SignIn(User(row.username, row.role))


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
