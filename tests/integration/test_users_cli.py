"""`pulse users add|list|remove`, on a real store."""

from __future__ import annotations

from tests.integration.test_cli import demo_dir, pulse  # noqa: F401  (fixtures)


def test_users__add_list_remove_never_show_a_password(pulse) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    pulse("db", "upgrade")
    assert "No users yet" in pulse("users", "list").output
    added = pulse("users", "add", "ann@example.com", "--role", "editor", "--password", "long enough pass")
    assert added.output.strip() == "Added ann@example.com (editor)."
    listed = pulse("users", "list").output
    assert "ann@example.com\teditor\tlast sign-in: never" in listed and "long enough" not in listed
    short = pulse("users", "add", "bob", "--password", "short")
    assert short.exit_code == 1 and "at least 10" in short.output
    assert pulse("users", "remove", "ann@example.com").output.strip() == "Removed ann@example.com."
    missing = pulse("users", "remove", "ann@example.com")
    assert missing.exit_code == 1 and "pulse users list" in missing.output
