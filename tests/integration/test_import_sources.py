"""`pulse import` recognises the survey, not the file name: re-exports, copies and overlapping exports of one
survey go into one source and add only the answers it does not hold (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from collectors.base import run_collector
from collectors.surveys import SurveyFileCollector
from store.engine import build_engine
from store.feedback import upsert_feedback
from store.records import FeedbackFrame, SourceSpec
from store.schema import feedback, sources
from store.sources import read_source_identities

GOOGLE_FORMS = ["Timestamp", "How likely are you to recommend us?", "Anything else you'd like to tell us?"]
TYPEFORM = ["#", "How likely are you to recommend us?", "What is the main reason?", "Submit Date (UTC)"]
START = datetime(2026, 3, 20, 8, 0, 17, tzinfo=UTC)  # days over 12: read day-first


def answers(count: int, first: int = 0) -> list[dict[str, Any]]:
    """`count` distinct answers, one every 97 minutes (with seconds), numbered from `first`."""
    return [
        {
            "id": f"resp{number:05d}x",
            "at": START + timedelta(minutes=97 * number, seconds=number % 60),
            "nps": number % 11,
            "text": f"Answer number {number}: the bread was {'warm' if number % 2 else 'cold'}.",
        }
        for number in range(first, first + count)
    ]


def google_forms_csv(rows: list[dict[str, Any]]) -> str:
    """A Google Forms export: no response id, so each row is known by a hash of its cells."""
    return _csv(GOOGLE_FORMS, [[f"{r['at']:%d/%m/%Y %H:%M:%S}", r["nps"], r["text"]] for r in rows])


def typeform_csv(rows: list[dict[str, Any]], time_format: str = "%Y-%m-%d %H:%M:%S") -> str:
    """A Typeform export: the response token in '#'."""
    return _csv(TYPEFORM, [[r["id"], r["nps"], r["text"], f"{r['at']:{time_format}}"] for r in rows])


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


@pytest.fixture
def pulse(pulse_cli):  # type: ignore[no-untyped-def]
    return pulse_cli


def import_json(pulse: Any, path: Path, *options: str) -> dict[str, Any]:
    result = pulse("import", str(path), "--json", *options)
    assert result.exit_code == 0, result.output
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


def stored_by_source(database_url: str) -> dict[str, int]:
    engine = build_engine(database_url)
    query = (
        select(sources.c.name, func.count(feedback.c.id))
        .join(feedback, feedback.c.source_id == sources.c.id)
        .group_by(sources.c.name)
    )
    with engine.connect() as connection:
        counts = {name: count for name, count in connection.execute(query)}
    engine.dispose()
    return counts


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("export", [google_forms_csv, typeform_csv], ids=["row-hash", "response-id"])
def test_import__weekly_cumulative_reexports_under_other_names_store_each_answer_once(
    pulse: Any, database_url: str, tmp_path: Path, export: Any
) -> None:
    everything = answers(300)
    weeks = [
        write(tmp_path / "responses.csv", export(everything[:100])),
        write(tmp_path / "responses (1).csv", export(everything[:200])),
        write(tmp_path / "Customer survey (Responses) - week 3.csv", export(everything)),
    ]
    summaries = [import_json(pulse, path) for path in weeks]

    assert [(s["imported"], s["already_there"], s["rejected"]) for s in summaries] == [
        (100, 0, 0),
        (100, 100, 0),
        (100, 200, 0),
    ]
    assert [s["source_status"] for s in summaries] == ["new", "recognised", "recognised"]
    assert {s["source"] for s in summaries} == {"Survey: responses.csv"}
    assert stored_by_source(database_url) == {"Survey: responses.csv": 300}


def test_import__overlapping_export_adds_only_the_new_rows_and_says_how_many_were_there(
    pulse: Any, database_url: str, tmp_path: Path
) -> None:
    everything = answers(40)
    pulse("import", str(write(tmp_path / "march-1-to-20.csv", typeform_csv(everything[:25]))))
    result = pulse("import", str(write(tmp_path / "march-10-to-31.csv", typeform_csv(everything[15:]))))

    assert result.exit_code == 0, result.output
    assert "into 'Survey: march-1-to-20.csv' (recognised by its columns)" in result.stdout
    assert "Imported 15 new survey answers, 10 already there, 0 rejected." in result.stdout
    assert stored_by_source(database_url) == {"Survey: march-1-to-20.csv": 40}


def test_import__a_reexport_that_rewrites_the_times_keeps_each_response_once(
    pulse: Any, database_url: str, tmp_path: Path
) -> None:
    everything = answers(30)
    first = import_json(pulse, write(tmp_path / "export.csv", typeform_csv(everything[:20])))
    # the same file saved again by a spreadsheet (day first, seconds dropped), with 10 new responses
    resaved = write(tmp_path / "export.csv", typeform_csv(everything, "%d/%m/%Y %H:%M"))
    second = import_json(pulse, resaved)

    assert (first["imported"], second["imported"], second["already_there"]) == (20, 10, 20)
    assert stored_by_source(database_url) == {"Survey: export.csv": 30}


def test_import__ids_that_are_row_numbers_of_another_export_are_other_answers(
    pulse: Any, database_url: str, tmp_path: Path
) -> None:
    january, february = answers(3), answers(3, first=400)  # 400 x 97 minutes later: four weeks on
    for renumbered in (january, february):
        for number, row in enumerate(renumbered, start=1):
            row["id"] = str(number)
    import_json(pulse, write(tmp_path / "january.csv", typeform_csv(january)))
    summary = import_json(pulse, write(tmp_path / "february.csv", typeform_csv(february)))

    assert (summary["imported"], summary["already_there"], summary["source"]) == (3, 0, "Survey: january.csv")
    assert stored_by_source(database_url) == {"Survey: january.csv": 6}


def test_import__source_option_names_a_new_source_then_picks_it_with_a_warning_for_other_columns(
    pulse: Any, database_url: str, tmp_path: Path
) -> None:
    named = import_json(pulse, write(tmp_path / "a.csv", typeform_csv(answers(5))), "--source", "Post-visit")
    assert (named["source"], named["source_status"], named["warnings"]) == ("Post-visit", "new", [])

    grown = _csv(
        [*TYPEFORM, "Which shop?"],
        [[r["id"], r["nps"], r["text"], f"{r['at']}", "High St"] for r in answers(8)],
    )
    result = pulse("import", str(write(tmp_path / "b.csv", grown)), "--json", "--source", "Post-visit")
    summary = json.loads(result.stdout)
    assert (summary["imported"], summary["already_there"], summary["source_status"]) == (3, 5, "named")
    assert "does not look like the survey of 'Post-visit' (new columns: 'Which shop?')" in result.stderr
    assert summary["warnings"] and "Warning:" in result.stderr

    again = import_json(pulse, write(tmp_path / "b (1).csv", grown))  # no --source: now recognised
    assert (again["source"], again["source_status"], again["imported"]) == ("Post-visit", "recognised", 0)
    assert stored_by_source(database_url) == {"Post-visit": 8}


def test_import__source_option_for_a_new_name_warns_when_another_source_holds_the_survey(
    pulse: Any, database_url: str, tmp_path: Path
) -> None:
    path = write(tmp_path / "shop.csv", google_forms_csv(answers(4)))
    import_json(pulse, path)
    result = pulse("import", str(path), "--json", "--source", "Shop B")

    assert json.loads(result.stdout)["imported"] == 4  # as asked: a separate source
    assert "looks like the survey of 'Survey: shop.csv'" in result.stderr
    ambiguous = pulse("import", str(path))  # two sources hold it now: the user must say which
    assert ambiguous.exit_code == 1
    assert "looks like the survey of several sources" in ambiguous.output
    assert "--source NAME" in ambiguous.output
    assert stored_by_source(database_url) == {"Survey: shop.csv": 4, "Shop B": 4}


def test_import__source_option_refuses_a_source_of_reviews(pulse: Any, tmp_path: Path) -> None:
    reviews = Path(__file__).resolve().parent.parent / "fixtures" / "reviews" / "trustpilot_reviews.csv"
    assert pulse("import", str(reviews), "--kind", "review").exit_code == 0
    result = pulse(
        "import", str(write(tmp_path / "s.csv", typeform_csv(answers(2)))), "--source", "Trustpilot reviews"
    )
    assert result.exit_code == 1
    assert "holds reviews, not survey answers" in result.output


def test_import__another_survey_with_the_same_file_name_gets_its_own_source(
    pulse: Any, database_url: str, tmp_path: Path
) -> None:
    import_json(pulse, write(tmp_path / "responses.csv", typeform_csv(answers(3))))
    other = tmp_path / "other"
    other.mkdir()
    summary = import_json(pulse, write(other / "responses.csv", google_forms_csv(answers(2))))

    assert (summary["source"], summary["source_status"]) == ("Survey: responses.csv (2)", "new")
    assert stored_by_source(database_url) == {"Survey: responses.csv": 3, "Survey: responses.csv (2)": 2}


def test_import__the_vendors_form_id_wins_over_the_columns(
    pulse: Any, database_url: str, tmp_path: Path
) -> None:
    def with_form(form_id: str, extra: list[str]) -> str:
        header = ["Form ID", *TYPEFORM, *extra]
        rows = [
            [form_id, r["id"], r["nps"], r["text"], f"{r['at']}", *["x"] * len(extra)] for r in answers(3)
        ]
        return _csv(header, rows)

    first = import_json(pulse, write(tmp_path / "f1.csv", with_form("AbC123", [])))
    same_form = import_json(pulse, write(tmp_path / "f2.csv", with_form("AbC123", ["New question"])))
    other_form = import_json(pulse, write(tmp_path / "f3.csv", with_form("ZzZ999", [])))

    assert (same_form["source"], same_form["source_status"], same_form["already_there"]) == (
        first["source"],
        "recognised",
        3,
    )
    assert (other_form["source"], other_form["source_status"]) == ("Survey: f3.csv", "new")
    assert stored_by_source(database_url) == {"Survey: f1.csv": 3, "Survey: f3.csv": 3}


def test_import__a_source_from_before_recognition_is_found_by_its_old_name(
    pulse: Any, database_url: str, tmp_path: Path
) -> None:
    path = write(tmp_path / "x.csv", typeform_csv(answers(6)[:4]))
    engine = build_engine(database_url)
    run_collector(engine, SurveyFileCollector(path))  # as before: named after the file, no identity
    assert [s.identities for s in read_source_identities(engine)] == [()]

    by_name = import_json(pulse, write(tmp_path / "x.csv", typeform_csv(answers(6))))
    copy = import_json(pulse, write(tmp_path / "x (1).csv", typeform_csv(answers(6))))

    assert (by_name["source"], by_name["source_status"], by_name["imported"]) == (
        "Survey: x.csv",
        "recognised",
        2,
    )
    assert (copy["source"], copy["imported"], copy["already_there"]) == ("Survey: x.csv", 0, 6)
    assert read_source_identities(engine)[0].identities[0].startswith("columns:")
    engine.dispose()


def test_upsert_feedback__sources_remember_identities_and_columns(engine: Engine) -> None:
    from store.records import FeedbackRecord

    record = FeedbackRecord("r1", "survey", START, text="ok")
    upsert_feedback(
        engine, SourceSpec("S", "survey", "file", ("columns:a",), ("A", "B")), FeedbackFrame.of([record])
    )
    upsert_feedback(
        engine, SourceSpec("S", "survey", "file", ("form:f", "columns:a"), ("A",)), FeedbackFrame.of([record])
    )
    upsert_feedback(
        engine, SourceSpec("S", "survey", "file"), FeedbackFrame.of([record])
    )  # no identity: nothing forgotten

    (stored,) = read_source_identities(engine)
    assert (stored.name, stored.identities, stored.columns) == ("S", ("columns:a", "form:f"), ("A",))
