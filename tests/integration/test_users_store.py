"""store.users on SQLite and PostgreSQL: the lock counted atomically under parallel attempts, unknown names
answered like real ones, and names and passwords checked when an account is made."""

from __future__ import annotations

import unicodedata
from concurrent.futures import ThreadPoolExecutor

import polars as pl
import pytest
from sqlalchemy import Engine, select

import store.users as users_module
from pulse.errors import InputError
from store.schema import users
from store.users import (
    MAX_FAILED_ATTEMPTS,
    User,
    add_user,
    read_users,
    set_user_email,
    sign_in,
    user_email,
)

PASSWORD = "correct horse battery"
PARALLEL_ATTEMPTS = 40


def counted_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The password hashes that sign_in verifies against, one per argon2 verification (measured by wrapping
    the real verification, which still runs)."""
    checked: list[str] = []
    verify = users_module._matches

    def counting(password_hash: str, password: str) -> bool:
        checked.append(password_hash)
        return verify(password_hash, password)

    monkeypatch.setattr(users_module, "_matches", counting)
    return checked


def password_hash_of(engine: Engine, username: str) -> str:
    with engine.connect() as connection:
        return str(
            connection.execute(select(users.c.password_hash).where(users.c.username == username)).scalar_one()
        )


def test_sign_in__parallel_wrong_passwords_check_at_most_the_limit_then_lock(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(engine, "ann", PASSWORD, "viewer")
    checked = counted_checks(monkeypatch)
    with ThreadPoolExecutor(max_workers=PARALLEL_ATTEMPTS) as pool:  # each call takes its own connection
        outcomes = list(
            pool.map(lambda n: sign_in(engine, "ann", f"wrong guess {n}"), range(PARALLEL_ATTEMPTS))
        )
    assert all(outcome.user is None for outcome in outcomes)
    assert checked.count(password_hash_of(engine, "ann")) <= MAX_FAILED_ATTEMPTS
    assert read_users(engine)["locked_until"][0] is not None
    after = sign_in(engine, "ann", PASSWORD)
    assert after.user is None and "Too many failed attempts" in after.message


def test_sign_in__an_unknown_name_gets_the_same_answers_and_work_as_a_real_one(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(engine, "ann", PASSWORD, "viewer")
    checked = counted_checks(monkeypatch)

    def attempts(username: str) -> tuple[list[str], list[int]]:
        """The message of each attempt, and the argon2 verifications each one did."""
        messages, work = [], []
        for password in [*["wrong password!"] * MAX_FAILED_ATTEMPTS, PASSWORD, "wrong again!"]:
            before = len(checked)
            messages.append(sign_in(engine, username, password).message)
            work.append(len(checked) - before)
        return messages, work

    real, unknown = attempts("ann"), attempts("nobody")
    assert real == unknown
    messages, work = real
    assert messages[0] == "Wrong user name or password." and "Too many failed attempts" in messages[-1]
    assert work == [1] * len(work)  # the locked attempts too


def test_sign_in__a_success_clears_the_failures(engine: Engine) -> None:
    add_user(engine, "ann", PASSWORD, "viewer")
    for _ in range(2):
        for _ in range(MAX_FAILED_ATTEMPTS - 1):
            assert sign_in(engine, "ann", "wrong password!").user is None
        assert sign_in(engine, "ann", PASSWORD).user == User("ann", "viewer")
    assert read_users(engine)["locked_until"].to_list() == [None]
    assert read_users(engine)["last_sign_in_at"][0] is not None


@pytest.mark.parametrize("username", ["ann\nadmin", "an\tn", "ann\x00", "ann\u202e", "ann\u200b"])
def test_add_user__refuses_control_and_invisible_characters_in_names(engine: Engine, username: str) -> None:
    with pytest.raises(InputError, match="control or invisible characters") as refused:
        add_user(engine, username, PASSWORD, "viewer")
    assert refused.value.hint
    assert read_users(engine).is_empty()


def test_sign_in__compares_names_as_add_user_stored_them(engine: Engine) -> None:
    decomposed = unicodedata.normalize("NFD", "José")
    add_user(engine, f"  {decomposed} ", PASSWORD, "editor")
    assert read_users(engine)["username"].to_list() == ["José"]
    assert sign_in(engine, "José\t", PASSWORD).user == User("José", "editor")
    assert sign_in(engine, decomposed, PASSWORD).user == User("José", "editor")


@pytest.mark.parametrize(
    ("username", "password", "why"),
    [
        ("ann", "aaaaaaaaaa", "Repeats"),
        ("ann", "password12", "very common password"),
        ("annabelle7", "annabelle7", "contains the user name"),
        ("Annabelle", "my friend ANNABELLE at sea", "contains the user name"),
    ],
)
def test_add_user__refuses_a_guessable_password_and_says_why(
    engine: Engine, username: str, password: str, why: str
) -> None:
    with pytest.raises(InputError, match=why) as refused:
        add_user(engine, username, password, "viewer")
    assert "unrelated words" in refused.value.hint
    assert read_users(engine).is_empty()


def test_user_email__set_at_add_changed_and_removed(engine: Engine) -> None:
    add_user(engine, "bob", PASSWORD, "viewer")
    assert read_users(engine).schema["email"] == pl.String  # text, also when no account has one
    add_user(engine, "ann", PASSWORD, "staff", email="ann@example.com")
    assert (user_email(engine, "ann"), user_email(engine, " bob "), user_email(engine, "zoe")) == (
        "ann@example.com",
        None,
        None,
    )
    assert read_users(engine).select("username", "role", "email").rows() == [
        ("ann", "staff", "ann@example.com"),
        ("bob", "viewer", None),
    ]
    assert (
        set_user_email(engine, "bob", " bob@example.org ") and user_email(engine, "bob") == "bob@example.org"
    )
    assert set_user_email(engine, "ann", None) and user_email(engine, "ann") is None
    assert not set_user_email(engine, "zoe", "zoe@example.com")
    with pytest.raises(InputError, match="does not look like an email address"):
        set_user_email(engine, "bob", "bob at example")
    with pytest.raises(InputError, match="does not look like an email address"):
        add_user(engine, "cat", PASSWORD, "viewer", email="cat@")
    assert user_email(engine, "bob") == "bob@example.org" and read_users(engine).height == 2
