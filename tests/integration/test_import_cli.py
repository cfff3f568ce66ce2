"""`pulse import FILE`, end to end on a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cli.main import main
from store.engine import build_engine
from store.schema import feedback, rejected_rows

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "surveys"


@pytest.fixture
def pulse(pulse_cli):  # type: ignore[no-untyped-def]
    return pulse_cli


def test_import__json_output_then_nothing_new_the_second_time(pulse, database_url: str) -> None:  # type: ignore[no-untyped-def]
    first = pulse("import", str(FIXTURES / "qualtrics.csv"), "--json")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert {key: summary[key] for key in ("imported", "duplicates", "rejected")} == {
        "imported": 4,
        "duplicates": 0,
        "rejected": 1,
    }
    assert summary["mapping"]["created_at"] == "RecordedDate"
    assert summary["rejected_rows"] == [
        {"line": 7, "reason": "nps 12 is out of range 0-10", "raw": summary["rejected_rows"][0]["raw"]}
    ]
    second = json.loads(pulse("import", str(FIXTURES / "qualtrics.csv"), "--json").stdout)
    assert (second["imported"], second["duplicates"], second["rejected"]) == (0, 4, 1)
    engine = build_engine(database_url)
    with engine.connect() as connection:
        stored = connection.execute(select(feedback.c.external_id, feedback.c.author_hash)).all()
        rejects = connection.execute(select(rejected_rows.c.origin, rejected_rows.c.line)).all()
    engine.dispose()
    assert len(stored) == 4
    assert rejects == [("qualtrics.csv", 7)]  # kept once, not once per import
    assert not any("@" in (author or "") for _id, author in stored)


def test_import__human_output_lists_mapping_notes_and_rejects(pulse) -> None:  # type: ignore[no-untyped-def]
    result = pulse("import", str(FIXTURES / "surveymonkey.csv"))
    assert result.exit_code == 0, result.output
    assert "created_at   <- End Date" in result.stdout
    assert "Preset SurveyMonkey (detected from the headers; 2 header rows)." in result.stdout
    assert "Dates read month-first (01/13/2026 01:19:27 PM seen)." in result.stdout
    assert "Imported 5 new survey answers, 0 already there, 1 rejected." in result.stdout
    assert "line 8: unparseable date '13/45/2026 12:05:00 PM'" in result.stdout


def test_import__map_override_and_source_name(pulse) -> None:  # type: ignore[no-untyped-def]
    result = pulse(
        "import",
        str(FIXTURES / "csat_ten_scale.csv"),
        "--map",
        "nps=Satisfaction",
        "--map",
        "comment=",
        "--source",
        "Post-visit survey",
        "--json",
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["mapping"] == {"created_at": "Submitted At", "nps": "Satisfaction"}
    assert summary["imported"] == 4


def test_import__mapping_file_and_preset(pulse, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('location = "Q4"\ntext = "Q3"\n', encoding="utf-8")
    result = pulse(
        "import",
        str(FIXTURES / "qualtrics.csv"),
        "--mapping",
        str(mapping),
        "--preset",
        "qualtrics",
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["mapping"]["location"] == "Q4"


def test_import__ambiguous_dates_exit_1_with_a_hint_then_dayfirst_imports(pulse) -> None:  # type: ignore[no-untyped-def]
    refused = pulse("import", str(FIXTURES / "ambiguous_dates.csv"))
    assert refused.exit_code == 1
    assert "Error: Every date in column 'Date' can be read day-first or month-first" in refused.output
    assert "Hint: Say how to read them: add --dayfirst" in refused.output
    accepted = pulse("import", str(FIXTURES / "ambiguous_dates.csv"), "--dayfirst", "--json")
    assert accepted.exit_code == 0 and json.loads(accepted.stdout)["imported"] == 3


@pytest.mark.parametrize(
    ("arguments", "error", "hint"),
    [
        (["binary.csv"], "does not look like a text CSV file", "Export the survey as CSV"),
        (["no_date.csv"], "has no submission date column", "--map created_at=COLUMN"),
        (["typeform.csv", "--map", "nps=Nope"], "has no column 'Nope'", "Its columns: '#'"),
        (["typeform.csv", "--map", "nps"], "is not field=column", "e.g. --map nps=Q1"),
        (["typeform.csv", "--preset", "monkey"], "There is no preset 'monkey'", "Presets: typeform"),
    ],
)
def test_import__bad_input_exits_1_with_error_and_hint(
    pulse, arguments: list[str], error: str, hint: str
) -> None:  # type: ignore[no-untyped-def]
    result = pulse("import", str(FIXTURES / arguments[0]), *arguments[1:])
    assert result.exit_code == 1
    assert "Error: " in result.output and error in result.output
    assert "Hint: " in result.output and hint in result.output


def test_import__refuses_an_unmigrated_store(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store that is there but was never upgraded (on SQLite an empty database file: only `pulse db upgrade`
    creates one where there is none, tests/integration/test_store_location.py)."""
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).touch()
    monkeypatch.setenv("PULSE_DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["import", str(FIXTURES / "typeform.csv")])
    assert result.exit_code == 1
    assert "Hint: Run `pulse db upgrade` first." in result.output


def test_import__says_which_personal_columns_it_left_out(pulse, database_url: str) -> None:  # type: ignore[no-untyped-def]
    summary = json.loads(pulse("import", str(FIXTURES / "surveymonkey.csv"), "--json").stdout)
    assert summary["left_out"] == ["IP Address", "First Name", "Last Name", "Custom Data 1"]
    text = pulse("import", str(FIXTURES / "qualtrics.csv")).output
    assert "Left out as personal data (stored nowhere, not even in rejected rows): 'IPAddress'," in text
    engine = build_engine(database_url)
    with engine.connect() as connection:
        raws = [json.dumps(raw) for raw in connection.execute(select(feedback.c.raw)).scalars()]
        raws += list(connection.execute(select(rejected_rows.c.raw)).scalars())
    engine.dispose()
    assert not [raw for raw in raws if "Latitude" in raw or "203.0.113" in raw or "Recipient" in raw]
