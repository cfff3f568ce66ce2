"""`pulse workspaces` and `pulse --workspace`: making, listing, removing workspaces and granting roles in them,
on SQLite and PostgreSQL, with the messages a user gets when a name is wrong."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from click.testing import CliRunner, Result

from cli.main import main
from store.migrate import current_revision, head_revision
from store.users import read_users
from store.workspaces import check_slug, list_workspaces, remove_workspace, schema_name, workspace_engine
from tests.app.pages import PASSWORD

NAME = f"shop-{os.getpid()}"  # PostgreSQL's workspace schemas are the database's: one name per test process


def _pulse(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=stdin)


@pytest.fixture
def store_url(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("PULSE_DATABASE_URL", database_url)
    monkeypatch.delenv("PULSE_WORKSPACE", raising=False)
    assert _pulse("db", "upgrade").exit_code == 0
    yield database_url
    if NAME in list_workspaces(database_url):
        remove_workspace(database_url, NAME)


def test_workspaces__made_listed_used_and_removed(store_url: str) -> None:
    before = list_workspaces(store_url)  # "default" (and on PostgreSQL any other test process's workspaces)
    assert before[0] == "default" and NAME not in before
    made = _pulse("workspaces", "add", NAME)
    assert made.exit_code == 0, made.output
    assert list_workspaces(store_url) == sorted([*before, NAME], key=lambda name: (name != "default", name))
    engine = workspace_engine(store_url, NAME)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
    again = _pulse("workspaces", "add", NAME)
    assert again.exit_code == 1 and "exists already" in again.output
    status = _pulse("--workspace", NAME, "db", "status")
    assert f"workspace {NAME}" in status.output and "Feedback items: 0;" in status.output
    upgraded = _pulse("db", "upgrade")  # every workspace
    assert upgraded.exit_code == 0 and f"workspace {NAME} is up to date" in upgraded.output
    listed = _pulse("workspaces", "list")
    assert {"default\t0 feedback items", f"{NAME}\t0 feedback items"} <= set(listed.output.splitlines())
    removed = _pulse("workspaces", "remove", NAME, "--yes")
    assert removed.exit_code == 0 and list_workspaces(store_url) == before


def test_workspaces__wrong_names_say_what_to_do(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = _pulse("workspaces", "add", "Main_St")
    assert bad.exit_code == 1 and "lower-case letters, digits and hyphens" in bad.output
    missing = _pulse("--workspace", "nowhere", "metrics")
    assert missing.exit_code == 1 and "There is no workspace 'nowhere'" in missing.output
    assert "pulse workspaces list" in missing.output
    monkeypatch.setenv("PULSE_WORKSPACE", "nowhere")  # the setting, as the option
    assert "There is no workspace 'nowhere'" in _pulse("metrics").output
    default = _pulse("workspaces", "remove", "default", "--yes")
    assert default.exit_code == 1 and "cannot be removed" in default.output


def test_workspaces__roles_are_granted_per_workspace_to_accounts_of_the_default_one(store_url: str) -> None:
    assert _pulse("workspaces", "add", NAME).exit_code == 0
    no_account = _pulse("workspaces", "grant", NAME, "ann", "editor")
    assert no_account.exit_code == 1 and "pulse users add ann" in no_account.output
    assert _pulse("users", "add", "ann", "--password-stdin", stdin=PASSWORD + "\n").exit_code == 0
    assert _pulse("users", "email", "ann", "ann@example.com").exit_code == 0
    assert _pulse("workspaces", "grant", NAME, "ann", "editor").exit_code == 0
    assert _pulse("workspaces", "grant", NAME, "ann", "admin").exit_code == 0  # a change, not a second row
    engine = workspace_engine(store_url, NAME)
    try:
        members = read_users(engine)
        assert members.select("username", "role", "email").rows() == [("ann", "admin", "ann@example.com")]
    finally:
        engine.dispose()
    here = _pulse("--workspace", NAME, "users", "add", "bob", "--password-stdin", stdin=PASSWORD + "\n")
    assert here.exit_code == 1 and "Accounts live in the default workspace" in here.output
    assert f"pulse workspaces grant {NAME} bob" in here.output
    assert _pulse("workspaces", "revoke", NAME, "ann").exit_code == 0
    again = _pulse("workspaces", "revoke", NAME, "ann")
    assert again.exit_code == 1 and "has no role" in again.output


@pytest.mark.parametrize("slug", ["a", "shop-2", "x" * 40])
def test_check_slug__takes_names_of_letters_digits_and_hyphens(slug: str) -> None:
    assert check_slug(slug) == slug
    assert schema_name(slug) == "ws_" + slug.replace("-", "_")


@pytest.mark.parametrize("slug", ["", "-shop", "shop-", "Shop", "shop_2", "x" * 41, "a b", 'x"; drop'])
def test_check_slug__refuses_anything_else(slug: str) -> None:
    with pytest.raises(Exception, match="is not a workspace name"):
        check_slug(slug)
