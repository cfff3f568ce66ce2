"""`pulse users add|list|remove`, on a real store."""

from __future__ import annotations

from click.testing import CliRunner, Result

from cli.main import main

PASSWORD = "long enough pass"


def add(username: str, *options: str, typed: str) -> Result:
    """`pulse users add` with `typed` on its standard input (the store is the one the `pulse` fixture set)."""
    return CliRunner().invoke(main, ["users", "add", username, *options], input=typed, catch_exceptions=False)


def test_users__add_list_remove_never_show_a_password(pulse) -> None:  # type: ignore[no-untyped-def]
    pulse("db", "upgrade")
    assert "No users yet" in pulse("users", "list").output
    added = add("ann@example.com", "--role", "editor", "--password-stdin", typed=f"{PASSWORD}\n")
    assert added.exit_code == 0 and added.output.strip() == "Added ann@example.com (editor)."
    listed = pulse("users", "list").output
    assert "ann@example.com\teditor\tlast sign-in: never" in listed and "long enough" not in listed
    short = add("bob", "--password-stdin", typed="short\n")
    assert short.exit_code == 1 and "at least 10" in short.output
    assert pulse("users", "remove", "ann@example.com").output.strip() == "Removed ann@example.com."
    missing = pulse("users", "remove", "ann@example.com")
    assert missing.exit_code == 1 and "pulse users list" in missing.output


def test_users_add__refuses_a_password_given_as_an_option(pulse) -> None:  # type: ignore[no-untyped-def]
    pulse("db", "upgrade")
    given = pulse("users", "add", "ann", "--password", PASSWORD)
    assert given.exit_code == 2 and "No such option '--password'" in given.output
    assert "No users yet" in pulse("users", "list").output


def test_users_add__asks_twice_at_a_hidden_prompt_and_again_for_a_weak_password(pulse) -> None:  # type: ignore[no-untyped-def]
    pulse("db", "upgrade")
    added = add("ann", typed=f"password12\n{PASSWORD}\n{PASSWORD}\n")
    assert added.exit_code == 0, added.output
    assert "This is a very common password." in added.output
    assert PASSWORD not in added.output and "password12" not in added.output
    assert added.output.count("Password:") == 2 and "Added ann (viewer)." in added.output
    differ = add("bob", typed=f"{PASSWORD}\nanother long pass\n")
    assert differ.exit_code == 1 and "the two passwords differ" in differ.output
    assert "bob" not in pulse("users", "list").output


def test_users_add__refuses_a_name_with_control_characters_before_asking(pulse) -> None:  # type: ignore[no-untyped-def]
    pulse("db", "upgrade")
    refused = add("ann\nadmin", typed=f"{PASSWORD}\n{PASSWORD}\n")
    assert refused.exit_code == 1 and "U+000A" in refused.output
    assert "Password:" not in refused.output
    assert "No users yet" in pulse("users", "list").output
