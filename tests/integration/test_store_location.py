"""Where the store is (issue 17): PULSE_DATABASE_URL naming a database Pulse does not support, a file that is no
database, a mistyped path, or a store the user may not write. Each is a message that says what is wrong and
what to do, never a traceback, and only `pulse db upgrade` (and `pulse restore`) makes a new store."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import make_url, text

from cli.main import main
from store.engine import build_engine

SUPPORTED = "Pulse keeps its data in a SQLite file or a PostgreSQL database"


def pulse(url: str, *arguments: str) -> Result:
    return CliRunner(env={"PULSE_DATABASE_URL": url}).invoke(main, list(arguments))


def assert_refused(result: Result, *words: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    for word in words:
        assert word in result.output, result.output


@pytest.mark.parametrize(
    "url",
    [
        "mysql://pulse:secret@db.example.com/pulse",  # what a MySQL host's control panel gives
        "mysql+pymysql://pulse:secret@localhost/pulse",
        "http://pulse:secret@localhost:8501/",  # the dashboard's address, pasted by mistake
        "postgresql+psycopg2://pulse:secret@localhost/pulse",  # the driver of older guides, not Pulse's
    ],
)
def test_commands__a_database_pulse_does_not_support_is_named_with_the_ones_it_does(url: str) -> None:
    result = pulse(url, "db", "status")
    assert_refused(result, SUPPORTED, "sqlite:///", "postgresql+psycopg://")
    assert "secret" not in result.output


def test_commands__a_sqlite_url_naming_a_csv_says_it_is_no_database_and_leaves_the_file(
    tmp_path: Path,
) -> None:
    export = tmp_path / "responses.csv"  # a survey export, named in PULSE_DATABASE_URL instead of imported
    content = "response_id,submitted_at,nps,comment\nR1,2026-11-20T10:00:00Z,9,Great\n"
    export.write_text(content, encoding="utf-8")
    for command in (("db", "status"), ("db", "upgrade"), ("metrics",)):
        assert_refused(
            pulse(f"sqlite:///{export}", *command), "is not a SQLite database", SUPPORTED, "pulse import"
        )
    assert export.read_text(encoding="utf-8") == content


def test_commands__a_sqlite_url_naming_a_folder_says_so(tmp_path: Path) -> None:
    assert_refused(pulse(f"sqlite:///{tmp_path}", "db", "status"), "names the folder", SUPPORTED)


@pytest.mark.parametrize(
    "command",
    [
        ("db", "status"),
        ("metrics",),
        ("demo",),
        ("themes", "list"),
        ("backup", "copy.db"),
        ("rollouts", "list"),
    ],
)
def test_commands__a_mistyped_store_path_says_there_is_none_and_creates_nothing(
    tmp_path: Path, command: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "dta" / "pulse.db"  # "data" mistyped
    result = pulse(f"sqlite:///{missing}", *command)
    assert_refused(result, f"There is no store at {missing}", "pulse db upgrade", "PULSE_DATABASE_URL")
    assert not missing.parent.exists()
    assert not (tmp_path / "copy.db").exists()


def test_import__into_a_mistyped_store_path_says_there_is_none_and_creates_nothing(tmp_path: Path) -> None:
    survey = tmp_path / "survey.csv"
    survey.write_text("response_id,submitted_at,nps,comment\nR1,2026-11-20T10:00:00Z,9,Great\n", "utf-8")
    missing = tmp_path / "pulse-store.db"
    assert_refused(pulse(f"sqlite:///{missing}", "import", str(survey)), "There is no store at")
    assert not missing.exists()


def test_db_upgrade__creates_the_store_and_its_folder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'pulse.db'}"
    assert pulse(url, "db", "upgrade").exit_code == 0
    status = pulse(url, "db", "status")
    assert status.exit_code == 0 and "Feedback items: 0" in status.output


# --- permissions: root ignores file modes, so the files are made immutable for it (ext4's chattr +i) ---------


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """`path` (a file or a folder) read-only for this user, as `chmod a-w` makes it for anyone but root."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
    else:
        path.chmod(path.stat().st_mode & ~0o222)
    try:
        yield
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        else:
            path.chmod(path.stat().st_mode | 0o200)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "store" / "pulse.db"
    assert pulse(f"sqlite:///{path}", "db", "upgrade").exit_code == 0
    for journal in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        journal.unlink(missing_ok=True)  # as after every connection closed: SQLite makes them again
    return path


@pytest.mark.parametrize(
    "command",
    [("db", "upgrade"), ("rollouts", "add", "--name", "Kiosk", "--kind", "kiosk", "--start", "2026-06-01")],
)
def test_commands__a_read_only_store_file_is_a_permission_problem_named_with_its_path(
    store: Path, command: tuple[str, ...]
) -> None:
    with read_only(store):
        result = pulse(f"sqlite:///{store}", *command)
    assert_refused(
        result, f"The store {store} is read-only", "permission problem", "chmod", "PULSE_DATABASE_URL"
    )
    assert "server" not in result.output


def test_commands__a_read_only_store_folder_is_a_permission_problem_named_with_its_path(store: Path) -> None:
    with read_only(store.parent):
        result = pulse(f"sqlite:///{store}", "db", "status")
    assert_refused(result, f"The folder {store.parent} is read-only", "-wal", "permission problem", "chmod")


def test_db_upgrade__a_new_store_in_a_read_only_folder_is_a_permission_problem(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    with read_only(folder):
        result = pulse(f"sqlite:///{folder / 'stores' / 'pulse.db'}", "db", "upgrade")
    assert_refused(result, f"The folder {folder} is read-only", "permission problem")


def test_commands__a_postgresql_user_that_may_only_read_is_a_permission_problem(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's permissions (SQLite's are the read-only files above)")
    assert pulse(database_url, "db", "upgrade").exit_code == 0
    admin = build_engine(database_url)
    reader = f"pulse_reader_{os.getpid()}"
    with admin.begin() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar()
        connection.execute(text(f"DROP ROLE IF EXISTS {reader}"))
        connection.execute(text(f"CREATE ROLE {reader} LOGIN PASSWORD 'reader'"))
        connection.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO {reader}"))
        connection.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {reader}"))
    reader_url = make_url(database_url).set(username=reader, password="reader").render_as_string(False)
    try:
        status = pulse(reader_url, "db", "status")
        added = pulse(
            reader_url, "rollouts", "add", "--name", "Kiosk", "--kind", "kiosk", "--start", "2026-06-01"
        )
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP OWNED BY {reader}"))
            connection.execute(text(f"DROP ROLE {reader}"))
        admin.dispose()
    assert status.exit_code == 0 and "Feedback items: 0" in status.output
    assert_refused(
        added, f"The database user {reader} may not", "permission problem", "GRANT", "PULSE_DATABASE_URL"
    )
    assert "reader@" not in added.output and ":reader" not in added.output  # the password is never shown
