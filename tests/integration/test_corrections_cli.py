"""`pulse corrections export` on SQLite and PostgreSQL: the team's corrected labels as a labelled training file
in the format of the project's labelled data, exact texts back through the spreadsheet guard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine

from cli.main import main
from pulse.tables import undo_csv_safe
from store.explorer import correct_label
from store.feedback import read_feedback, upsert_feedback
from store.records import FeedbackFrame, FeedbackRecord, SourceSpec

MOMENT = datetime(2026, 11, 2, 9, tzinfo=UTC)
TEXTS = {
    "R1": '=HYPERLINK("x") The chatbot never let me reach a person.',
    "R2": None,
    "R3": "Lovely staff, but my order was wrong.",
}


def export(database_url: str, *arguments: str) -> Result:
    return CliRunner(env={"PULSE_DATABASE_URL": database_url}).invoke(
        main, ["corrections", "export", *arguments], catch_exceptions=False
    )


@pytest.fixture
def corrected(engine: Engine) -> dict[str, int]:
    """Three reviews, one without text; impersonal labels set on all three, sentiment on the last."""
    records = [
        FeedbackRecord(key, "review", MOMENT + timedelta(hours=n), text=text, stars=n + 2)
        for n, (key, text) in enumerate(TEXTS.items())
    ]
    upsert_feedback(
        engine, SourceSpec("Google reviews", "review", "google_business"), FeedbackFrame.of(records)
    )
    ids = dict(read_feedback(engine, ("external_id", "id")).iter_rows())
    correct_label(engine, ids["R1"], "impersonal", "true", by="eve")
    correct_label(engine, ids["R2"], "impersonal", "true", by="eve")
    correct_label(engine, ids["R3"], "impersonal", "false", by="sam")
    correct_label(engine, ids["R3"], "sentiment", "negative", by="sam")
    return ids


def test_corrections_export__impersonal_in_the_dev_files_format(
    corrected: dict[str, int], database_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "corrections.csv"
    result = export(database_url, str(out))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Wrote 2 corrected impersonal labels to {out}.",
        "Left out 1 correction of an item without text: it teaches nothing.",
    ]
    written = pl.read_csv(out, infer_schema=False)
    assert written.columns == ["id", "source", "text", "label", "note", "licence"]
    assert written["id"].to_list() == [f"pulse-{corrected['R1']}", f"pulse-{corrected['R3']}"]
    assert written["label"].to_list() == ["1", "0"]
    assert written["source"].unique().to_list() == ["Google reviews"]
    assert written["note"].to_list()[1].startswith("corrected by sam on 20")
    assert written["text"][0].startswith("'=")  # the spreadsheet guard ...
    assert [undo_csv_safe(text) for text in written["text"]] == [TEXTS["R1"], TEXTS["R3"]]  # ... taken off


def test_corrections_export__sentiment_in_the_sentiment_files_format(
    corrected: dict[str, int], database_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "sentiment.csv"
    assert export(database_url, str(out), "--field", "sentiment").exit_code == 0
    written = pl.read_csv(out)
    assert written.columns == ["id", "text", "label", "stars"]
    assert written.rows() == [(f"pulse-{corrected['R3']}", TEXTS["R3"], "negative", 4)]


def test_corrections_export__a_format_pulse_cannot_write_says_which_it_can(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    result = CliRunner(env={"PULSE_DATABASE_URL": database_url}).invoke(
        main, ["corrections", "export", str(tmp_path / "labels.txt")]
    )
    assert result.exit_code == 1
    assert "it writes .csv, .json, .xlsx files" in result.output
