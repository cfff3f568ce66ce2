"""`pulse backup` and `pulse restore`: a round trip on a real SQLite store, and clear refusals."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest


def _counts(database_url: str) -> tuple[int, int]:
    path = database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        feedback = connection.execute("SELECT count(*) FROM feedback").fetchone()[0]
        rollouts = connection.execute("SELECT count(*) FROM rollouts").fetchone()[0]
    return feedback, rollouts


def test_backup_then_restore__brings_back_what_was_there(pulse, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if not database_url.startswith("sqlite"):
        result = pulse("backup", str(tmp_path / "pulse-backup.db"))
        assert result.exit_code == 1 and "pg_dump" in result.output and "pg_restore" in result.output
        return
    pulse("db", "upgrade")
    pulse("demo")
    saved = _counts(database_url)
    target = tmp_path / "backups" / "pulse-backup.db"
    backed_up = pulse("backup", str(target))
    assert backed_up.exit_code == 0 and f"({saved[0]} feedback items)" in backed_up.output
    pulse("rollouts", "add", "--name", "Kiosk", "--kind", "kiosk", "--start", "2026-06-01")
    assert _counts(database_url) == (saved[0], saved[1] + 1)
    restored = pulse("restore", str(target), "--yes")
    assert restored.exit_code == 0, restored.output
    assert _counts(database_url) == saved
    assert "Feedback items: 4; orders: 2;" in pulse("db", "status").output


def test_backup__refuses_to_overwrite_a_file(pulse, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if not database_url.startswith("sqlite"):
        pytest.skip("pulse backup works on SQLite stores")
    pulse("db", "upgrade")
    target = tmp_path / "kept.db"
    target.write_text("precious", encoding="utf-8")
    result = pulse("backup", str(target))
    assert result.exit_code == 1 and "exists already" in result.output and "new file name" in result.output
    assert target.read_text("utf-8") == "precious"


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"name,text\n", "is not a SQLite database"), (None, "is not a Pulse store")],
)
def test_restore__refuses_what_is_not_a_pulse_backup_and_keeps_the_store(  # type: ignore[no-untyped-def]
    pulse,
    database_url: str,
    tmp_path: Path,
    content: bytes | None,
    message: str,
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("pulse restore works on SQLite stores")
    pulse("db", "upgrade")
    pulse("demo")
    source = tmp_path / "other.db"
    if content is None:
        with sqlite3.connect(source) as other:
            other.execute("CREATE TABLE notes (text TEXT)")
    else:
        source.write_bytes(content)
    result = pulse("restore", str(source), "--yes")
    assert result.exit_code == 1 and message in result.output and "pulse backup" in result.output
    assert _counts(database_url)[0] == 4


def test_restore__asks_first_and_a_no_changes_nothing(pulse, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if not database_url.startswith("sqlite"):
        pytest.skip("pulse restore works on SQLite stores")
    pulse("db", "upgrade")
    backup = tmp_path / "empty-store.db"
    pulse("backup", str(backup))
    pulse("demo")
    from click.testing import CliRunner

    from cli.main import main

    answered = CliRunner().invoke(main, ["restore", str(backup)], input="n\n")
    assert "Replace everything in" in answered.output and answered.exit_code == 1
    assert _counts(database_url)[0] == 4
