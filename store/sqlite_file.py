"""A SQLite store's file: checked before its engine is built (there, a SQLite database, readable), and the
driver's errors about it (damaged, read-only) turned into StoreErrors that say what is wrong, where, and what
to do. store.engine uses both; nothing else needs them."""

from __future__ import annotations

import codecs
import os
import sqlite3
from pathlib import Path

from pulse.errors import ConfigError, StoreError

SQLITE_HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database file
SUPPORTED_DATABASES = (
    "Pulse keeps its data in a SQLite file or a PostgreSQL database: set PULSE_DATABASE_URL to "
    "sqlite:///data/pulse.db (a path relative to where you run Pulse), sqlite:////srv/pulse/pulse.db (an "
    "absolute path) or postgresql+psycopg://user:password@host/dbname."
)
# the result codes of SQLite's errors (their low byte): https://www.sqlite.org/rescode.html
SQLITE_PERM, SQLITE_READONLY, SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_CANTOPEN, SQLITE_NOTADB = (
    3,
    8,
    10,
    11,
    14,
    26,
)
DAMAGED_WORDS = ("file is not a database", "database disk image is malformed")
PERMISSION_WORDS = ("readonly database", "unable to open database file", "access permission denied")


class DamagedStoreError(StoreError):
    """The store's file is not a sound SQLite database (truncated, overwritten, half copied...)."""


def damaged_store(path: Path | str, detail: str) -> DamagedStoreError:
    return DamagedStoreError(
        f"The store {path} is damaged ({detail}); Pulse cannot read it.",
        hint=(
            "Restore it from a backup: `pulse restore BACKUP_FILE` (a file made by `pulse backup`). Without a "
            "backup, SQLite's own command-line tool can save what is still readable into a new file: "
            f'`sqlite3 "{path}" ".recover" | sqlite3 recovered.db`, then `pulse restore recovered.db` and '
            "`pulse db upgrade`. If PULSE_DATABASE_URL names the wrong file, correct it instead."
        ),
    )


def no_store(path: Path) -> StoreError:
    return StoreError(
        f"There is no store at {path.absolute()}.",
        hint="Run `pulse db upgrade` to create the store there, or set PULSE_DATABASE_URL to where the store is "
        "(a typing mistake in the path?).",
    )


def check_store_file(path: Path, create: bool) -> None:
    """Raise a PulseError unless `path` can be the store's file: there already (unless `create`: then its
    folder is made), not a folder, and a SQLite database, not a spreadsheet or a CSV file. A file that starts
    like no SQLite database but is no text either is left for SQLite to find damaged (and `pulse restore` to
    replace)."""
    if path.is_dir():
        raise ConfigError(
            f"PULSE_DATABASE_URL names the folder {path}, not a file.", hint=SUPPORTED_DATABASES
        )
    if not path.exists():
        if not create:
            raise no_store(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except PermissionError as error:
            raise _folder_refused(_nearest_existing(path.parent)) from error
        return
    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
    except PermissionError as error:
        raise permission_problem(path) or _folder_refused(path.parent) from error
    if head and not head.startswith(SQLITE_HEADER) and _looks_like_data(path, head):
        raise ConfigError(
            f"PULSE_DATABASE_URL names {path}, which is not a SQLite database (it looks like a data file).",
            hint=f"{SUPPORTED_DATABASES} To bring a file's feedback into the store, run `pulse import FILE`.",
        )


def _looks_like_data(path: Path, head: bytes) -> bool:
    """A spreadsheet, a CSV, JSON or other text: not what is left of a damaged store."""
    if path.suffix.casefold() in (".csv", ".tsv", ".txt", ".json", ".jsonl", ".xlsx", ".xls", ".zip"):
        return True
    if head.startswith(b"PK\x03\x04"):  # XLSX, or another zip
        return True
    if b"\x00" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def translate_sqlite_error(path: Path, error: BaseException) -> StoreError | None:
    """The StoreError that says what a driver error about the store's file means (damaged, no permission),
    or None when it is about something else."""
    if not isinstance(error, sqlite3.DatabaseError):
        return None
    code = getattr(error, "sqlite_errorcode", -1) & 0xFF
    text = str(error)
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB) or text in DAMAGED_WORDS:
        return damaged_store(path, f'SQLite says "{text}"')
    if code in (SQLITE_PERM, SQLITE_READONLY, SQLITE_IOERR, SQLITE_CANTOPEN) or any(
        words in text for words in PERMISSION_WORDS
    ):  # these are also what SQLite says when it may not write the file, its folder or its journal
        return permission_problem(path)
    return None


def permission_problem(path: Path) -> StoreError | None:
    """A StoreError naming what the user running Pulse may not read or write: the store's file, its folder
    (SQLite writes the -wal and -shm files beside the store) or those files; None when all of them are."""
    folder = path.absolute().parent
    if path.exists() and not os.access(path, os.R_OK):
        return _refused(f"Pulse may not read the store {path}", path)
    if path.exists() and not os.access(path, os.W_OK):
        return _refused(f"The store {path} is read-only for the user running Pulse", path)
    if folder.exists() and not os.access(folder, os.W_OK | os.X_OK):
        return _folder_refused(folder)
    for journal in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        if journal.exists() and not os.access(journal, os.R_OK | os.W_OK):
            return _refused(f"The store's journal {journal} is read-only for the user running Pulse", journal)
    return None


def _nearest_existing(folder: Path) -> Path:
    folder = folder.absolute()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _folder_refused(folder: Path) -> StoreError:
    return _refused(
        f"The folder {folder} is read-only for the user running Pulse (SQLite writes the store's -wal and "
        "-shm files beside it)",
        folder,
    )


def _refused(what: str, where: Path) -> StoreError:
    return StoreError(
        f"{what}: a permission problem.",
        hint=f'Give that user read and write access (`chmod u+rw "{where}"`, or `chown` it to that user), or '
        "set PULSE_DATABASE_URL to a store in a folder it can write to.",
    )
