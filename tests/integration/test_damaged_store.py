"""A damaged SQLite store (issue 17): every command says the file is damaged, names it and points to `pulse
restore` and SQLite's `.recover`, instead of a traceback; `pulse backup` refuses it, and `pulse restore` puts a
backup in its place. The stores are real ones (`pulse db upgrade` and `pulse demo`), then damaged as files are
in the wild: cut short (a copy or a disk that filled up), or with pages overwritten (a bad sector, a sync tool
writing over an open database)."""

from __future__ import annotations

import gc
import os
import random
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli.main import main

PAGE = 4096  # SQLite's default page size, which Pulse's stores use


def cut_short(path: Path) -> None:
    """Keep the first half of the file, as an interrupted copy leaves it."""
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2 // PAGE * PAGE])


def overwrite_first_page(path: Path) -> None:
    """Garbage over the first page (the header and the schema): SQLite says "file is not a database"."""
    _overwrite(path, 1)


def overwrite_feedback_page(path: Path) -> None:
    """Garbage over the feedback table's root page: the file opens, the table cannot be read."""
    with closing(sqlite3.connect(path)) as connection:
        page = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = 'feedback'").fetchone()[0]
    _overwrite(path, page)


def _overwrite(path: Path, page: int) -> None:
    garbage = random.Random(page).randbytes(PAGE)
    with path.open("r+b") as handle:
        handle.seek((page - 1) * PAGE)
        handle.write(garbage)


DAMAGES: dict[str, Callable[[Path], None]] = {
    "cut short": cut_short,
    "first page overwritten": overwrite_first_page,
    "a table's page overwritten": overwrite_feedback_page,
}


@pytest.fixture
def store(tmp_path: Path, demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A real SQLite store with the small demo in it, all of it in the file (the -wal journal emptied)."""
    path = tmp_path / "store" / "pulse.db"
    monkeypatch.setenv("PULSE_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("PULSE_DEMO_DIR", str(demo_dir))
    assert pulse("db", "upgrade").exit_code == 0
    assert pulse("demo").exit_code == 0
    gc.collect()  # the commands' engines, and their pooled connections
    with closing(sqlite3.connect(path)) as connection:
        assert connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
    return path


def pulse(*arguments: str) -> Result:
    return CliRunner().invoke(main, list(arguments))


def assert_says_damaged(result: Result, path: Path) -> None:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert f"The store {path} is damaged" in result.output
    assert "pulse restore" in result.output and ".recover" in result.output


COMMANDS = {
    "db status": ("db", "status"),
    "db upgrade": ("db", "upgrade"),
    "metrics": ("metrics",),
    "forget": ("forget", "--email", "someone@example.com", "--yes"),
}


@pytest.mark.parametrize("damage", ["cut short", "first page overwritten"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_commands__say_a_damaged_store_is_damaged_and_what_to_do(
    store: Path, damage: str, command: str
) -> None:
    DAMAGES[damage](store)
    assert_says_damaged(pulse(*COMMANDS[command]), store)


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_import__into_a_damaged_store_says_it_is_damaged(store: Path, damage: str, tmp_path: Path) -> None:
    survey = tmp_path / "survey.csv"
    survey.write_text("response_id,submitted_at,nps,comment\nR9,2026-11-20T10:00:00Z,9,Great\n", "utf-8")
    DAMAGES[damage](store)
    assert_says_damaged(pulse("import", str(survey)), store)


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_backup__refuses_a_damaged_store_and_writes_no_file(store: Path, damage: str, tmp_path: Path) -> None:
    DAMAGES[damage](store)
    target = tmp_path / "backups" / "pulse-backup.db"
    assert_says_damaged(pulse("backup", str(target)), store)
    assert not target.exists()


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_restore__puts_a_backup_in_the_place_of_a_damaged_store(
    store: Path, damage: str, tmp_path: Path
) -> None:
    backup = tmp_path / "pulse-backup.db"
    assert pulse("backup", str(backup)).exit_code == 0
    Path(f"{store}-wal").write_bytes(b"\x37\x7f\x06\x82" + os.urandom(PAGE))  # a journal of the damaged file
    DAMAGES[damage](store)

    restored = pulse("restore", str(backup), "--yes")

    assert restored.exit_code == 0, restored.output
    assert "(4 feedback items)" in restored.output
    assert "Feedback items: 4" in pulse("db", "status").output
    with closing(sqlite3.connect(store)) as connection:
        assert connection.execute("PRAGMA quick_check").fetchone()[0] == "ok"
