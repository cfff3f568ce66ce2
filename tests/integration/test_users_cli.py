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


def test_users_add__offers_every_role_of_the_store_weakest_first() -> None:
    from cli.users import ROLES
    from store.users import ROLES as STORE_ROLES

    assert ROLES == STORE_ROLES


def test_users__email_given_at_add_changed_listed_and_removed(pulse) -> None:  # type: ignore[no-untyped-def]
    pulse("db", "upgrade")
    added = add(
        "ann", "--role", "staff", "--email", " ann@example.com ", "--password-stdin", typed=f"{PASSWORD}\n"
    )
    assert added.exit_code == 0 and added.output.strip() == "Added ann (staff, ann@example.com)."
    add("bob", "--password-stdin", typed=f"{PASSWORD}\n")
    listed = pulse("users", "list").output
    assert "ann\tstaff\tlast sign-in: never\temail: ann@example.com" in listed
    assert "bob\tviewer\tlast sign-in: never\tno email" in listed
    changed = pulse("users", "email", "bob", "Bob.Lee@example.co.uk")
    assert changed.exit_code == 0 and "bob: email Bob.Lee@example.co.uk." in changed.output
    assert "bob\tviewer\tlast sign-in: never\temail: Bob.Lee@example.co.uk" in pulse("users", "list").output
    assert pulse("users", "email", "ann", "--remove").output.strip() == "ann: no email address now."
    assert "ann\tstaff\tlast sign-in: never\tno email" in pulse("users", "list").output


def test_users__a_bad_email_is_refused_before_the_password_is_asked(pulse) -> None:  # type: ignore[no-untyped-def]
    pulse("db", "upgrade")
    refused = add("ann", "--email", "Ann <ann@example.com>", typed=f"{PASSWORD}\n{PASSWORD}\n")
    assert refused.exit_code == 1 and "does not look like an email address" in refused.output
    assert "Password:" not in refused.output and "No users yet" in pulse("users", "list").output
    add("ann", "--password-stdin", typed=f"{PASSWORD}\n")
    for arguments in (["ann", "not an address"], ["ann"], ["ann", "ann@example.com", "--remove"]):
        wrong = pulse("users", "email", *arguments)
        assert wrong.exit_code == 1 and ("does not look like" in wrong.output or "either" in wrong.output)
    missing = pulse("users", "email", "zoe", "zoe@example.com")
    assert missing.exit_code == 1 and "There is no user 'zoe'" in missing.output
    assert "ann\tviewer\tlast sign-in: never\tno email" in pulse("users", "list").output
