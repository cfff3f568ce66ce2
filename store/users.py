"""Built-in accounts for a small team: argon2id password hashes, four roles, an email address where case
notifications reach each user, and a lock after repeated failed
sign-ins. Failures are counted per name typed (sign_in_attempts), for real and unknown names alike, and each
attempt is counted before its password is checked, so parallel attempts cannot check more passwords than
the limit, and nothing in the answers or the work done tells which names exist."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple

import polars as pl
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, or_, select

from pulse.credentials import check_email, check_password, check_username, normalise_username
from pulse.errors import InputError
from store.engine import reading, upsert_insert, writing
from store.frames import read_frame
from store.schema import sign_in_attempts, store_state, users
from store.state import as_utc, utc_now

ROLES = (
    "staff",
    "viewer",
    "editor",
    "admin",
)  # each can do what the ones before it can (staff: only add observations)
MAX_FAILED_ATTEMPTS = 5
LOCK_MINUTES = 15
FAILURES_KEPT = timedelta(days=1)  # failures in a row older than this, with no lock, are forgotten
WRONG_MESSAGE = "Wrong user name or password."
LOCKED_MESSAGE = f"Too many failed attempts: try again after {LOCK_MINUTES} minutes."
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


def add_user(engine: Engine, username: str, password: str, role: str, email: str | None = None) -> None:
    """Create an account; the password is stored only as an argon2id hash. `email`: where case notifications
    reach them (checked: InputError when it does not look like one address)."""
    username = check_username(username)
    address = None if email is None else check_email(email)
    role = check_role(role)
    password_hash = _hasher.hash(check_password(password, username))
    with writing(engine) as connection:
        if connection.execute(select(users.c.id).where(users.c.username == username)).scalar() is not None:
            raise InputError(f"There is already a user {username!r}.", hint="Choose another name.")
        connection.execute(
            users.insert().values(
                username=username,
                password_hash=password_hash,
                role=role,
                created_at=utc_now(),
                email=address,
            )
        )


NO_PASSWORD = "!"  # a member's row in another workspace: they sign in with their account in the default one


def grant_role(engine: Engine, username: str, role: str, email: str | None = None) -> bool:
    """Give `username` (an account of the default workspace) `role` in the workspace of `engine`: a users row
    without a password, since accounts sign in against the default workspace. Returns whether the user was
    new there (False: their role was changed)."""
    name = check_username(username)
    role = check_role(role)
    with writing(engine) as connection:
        changed = connection.execute(
            users.update().where(users.c.username == name).values(role=role, email=email)
        ).rowcount
        if not changed:
            connection.execute(
                users.insert().values(
                    username=name, password_hash=NO_PASSWORD, role=role, created_at=utc_now(), email=email
                )
            )
    return not changed


def set_user_email(engine: Engine, username: str, email: str | None) -> bool:
    """Set (or, with None, remove) the email address of the account `username`; False when there is no such
    account. InputError when `email` does not look like one address."""
    address = None if email is None else check_email(email)
    name = normalise_username(username)
    with writing(engine) as connection:
        return bool(
            connection.execute(users.update().where(users.c.username == name).values(email=address)).rowcount
        )


def user_email(engine: Engine, username: str) -> str | None:
    """The email address of the account `username`, or None when it has none (or there is no such account)."""
    with reading(engine) as connection:
        return connection.execute(
            select(users.c.email).where(users.c.username == normalise_username(username))
        ).scalar()


def remove_user(engine: Engine, username: str) -> bool:
    """Delete an account; False when there was none of that name."""
    name = normalise_username(username)
    with writing(engine) as connection:
        return bool(connection.execute(users.delete().where(users.c.username == name)).rowcount)


def read_users(engine: Engine) -> pl.DataFrame:
    """Every account, without password hashes: username, role, email (None: none), created_at, last_sign_in_at,
    and locked_until while the name is locked."""
    columns = [users.c.username, users.c.role, users.c.email, users.c.created_at, users.c.last_sign_in_at]
    now = utc_now()
    with reading(engine) as connection:
        accounts = read_frame(connection, select(*columns).order_by(users.c.username))
        salt = _salt(connection)
        keys = [_name_key(name, salt) for name in accounts["username"]]
        locks = dict(
            connection.execute(
                select(sign_in_attempts.c.name_key, sign_in_attempts.c.locked_until).where(
                    sign_in_attempts.c.name_key.in_(keys), sign_in_attempts.c.locked_until > now
                )
            ).all()
        )
    locked_until = [as_utc(locks[key]) if key in locks else None for key in keys]
    return accounts.with_columns(
        pl.col("email").cast(pl.String),  # text even when no account has one
        pl.Series("locked_until", locked_until, dtype=pl.Datetime("us", "UTC")),
    )


def role_of(engine: Engine, username: str) -> str | None:
    """The role of the account `username` (for OpenID Connect users, their email), or None."""
    with reading(engine) as connection:
        return connection.execute(select(users.c.role).where(users.c.username == username)).scalar()


def account(engine: Engine, username: str) -> User | None:
    """The account `username` as it is now (its current role), or None when there is none any more."""
    with reading(engine) as connection:
        row = connection.execute(
            select(users.c.username, users.c.role).where(users.c.username == normalise_username(username))
        ).first()
    return None if row is None else User(row.username, row.role)


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: the user, or a message to show."""

    user: User | None
    message: str = ""


def sign_in(engine: Engine, username: str, password: str, now: datetime | None = None) -> SignIn:
    """Check a password. After MAX_FAILED_ATTEMPTS failures in a row the name is locked for LOCK_MINUTES.
    Each attempt is first counted (atomically, so that parallel attempts cannot check more than
    MAX_FAILED_ATTEMPTS passwords), then checked; a success clears the count. A real and an unknown name, locked
    or not, get the same messages after the same attempts and cost the same argon2 verification."""
    now = now or utc_now()
    name = normalise_username(username)
    allowed, name_key, row = _count_attempt(engine, name, now)
    checked_hash = row.password_hash if allowed and row is not None else _dummy_hash()
    matched = _matches(checked_hash, password)  # the same work on every path
    if not allowed:
        return SignIn(None, LOCKED_MESSAGE)
    if row is None or not matched:
        return SignIn(None, WRONG_MESSAGE)
    with writing(engine) as connection:
        connection.execute(sign_in_attempts.delete().where(sign_in_attempts.c.name_key == name_key))
        connection.execute(users.update().where(users.c.id == row.id).values(last_sign_in_at=now))
    return SignIn(User(row.username, row.role))


class _Account(NamedTuple):
    id: int
    username: str
    role: str
    password_hash: str


def _count_attempt(engine: Engine, name: str, now: datetime) -> tuple[bool, str, _Account | None]:
    """Count one more attempt for `name` unless it is locked; lock it when the count reaches the limit.
    Returns whether the attempt may check its password, the name's key, and the account (None if unknown)."""
    attempts = sign_in_attempts.c
    with writing(engine) as connection:
        connection.execute(
            sign_in_attempts.delete().where(
                attempts.last_failed_at < now - FAILURES_KEPT,
                or_(attempts.locked_until.is_(None), attempts.locked_until <= now),
            )
        )
        name_key = _name_key(name, _salt(connection))
        unlocked = or_(attempts.locked_until.is_(None), attempts.locked_until <= now)
        count = connection.execute(
            upsert_insert(connection, sign_in_attempts)
            .values(name_key=name_key, failed_attempts=1, last_failed_at=now)
            .on_conflict_do_update(
                index_elements=[attempts.name_key],
                set_={
                    "failed_attempts": attempts.failed_attempts + 1,
                    "locked_until": None,
                    "last_failed_at": now,
                },
                where=unlocked,
            )
            .returning(attempts.failed_attempts)
        ).scalar()  # None: the name is locked, and the row was left as it was
        if count is not None and count >= MAX_FAILED_ATTEMPTS:
            connection.execute(
                sign_in_attempts.update()
                .where(attempts.name_key == name_key)
                .values(failed_attempts=0, locked_until=now + timedelta(minutes=LOCK_MINUTES))
            )
        row = connection.execute(
            select(users.c.id, users.c.username, users.c.role, users.c.password_hash).where(
                users.c.username == name
            )
        ).first()
    return count is not None, name_key, None if row is None else _Account(*row)


def _salt(connection: Connection) -> str:
    return str(connection.execute(select(store_state.c.author_salt)).scalar() or "")


def _name_key(name: str, salt: str) -> str:
    """The key of a name typed at sign-in: keyed with the store's salt, so that what people type in the name
    field (sometimes a password) is never stored."""
    return hmac.new(salt.encode(), name.encode(errors="surrogatepass"), hashlib.sha256).hexdigest()


@cache
def _dummy_hash() -> str:
    """A hash no password matches, checked where there is no account to check, so that the work is the same."""
    return _hasher.hash(secrets.token_urlsafe(32))


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
