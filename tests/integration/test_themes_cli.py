"""`pulse themes ...` and `pulse export themes` end to end on a real store, with stored test embeddings."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli.main import main
from store.engine import build_engine
from store.migrate import upgrade
from store.rollouts import Rollout, add_rollout
from store.topics import read_topics
from tests.theme_data import START, TEST_MODEL, seed_themed_store, use_hash_encoders, write_test_library


@pytest.fixture(autouse=True)
def _hash_encoders(monkeypatch: pytest.MonkeyPatch) -> None:
    use_hash_encoders(monkeypatch)


@pytest.fixture
def pulse(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PULSE_DATABASE_URL", database_url)
    monkeypatch.setenv("PULSE_THEME_LIBRARY", str(write_test_library(tmp_path)))
    engine = build_engine(database_url)
    upgrade(engine)
    seed_themed_store(engine, per_cluster=30)
    add_rollout(
        engine, Rollout(name="Kiosk", kind="kiosk", started_on=(START.date().replace(day=16))), by="t"
    )
    engine.dispose()
    runner = CliRunner()

    def invoke(*arguments: str) -> Result:
        return runner.invoke(main, list(arguments), catch_exceptions=False)

    return invoke


def themes_json(pulse) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    return json.loads(pulse("themes", "list", "--json").output)


def test_themes_fit_list_rename_hide_merge(pulse) -> None:  # type: ignore[no-untyped-def]
    assert "No themes yet" in pulse("themes", "list").output
    fitted = pulse("themes", "fit", "--model", TEST_MODEL)
    assert fitted.exit_code == 0 and "Fitted" in fitted.output and "120 feedback items" in fitted.output
    themes = themes_json(pulse)
    assert sum(theme["size"] for theme in themes) == 150  # the 30 flagged comments count in two themes
    first, second = themes[0]["id"], themes[1]["id"]
    assert pulse("themes", "rename", str(first), "Bread talk").exit_code == 0
    assert pulse("themes", "merge", str(second), str(first)).exit_code == 0
    assert pulse("themes", "hide", str(first)).exit_code == 0
    listed = pulse("themes", "list").output
    assert "Bread talk [hidden]" in listed and f"merged into {first}" in listed
    missing = pulse("themes", "rename", "99999", "x")
    assert missing.exit_code == 1 and "Hint:" in missing.output


def test_themes_update__assigns_without_refitting(pulse, database_url: str) -> None:  # type: ignore[no-untyped-def]
    first = pulse("themes", "update", "--model", TEST_MODEL)
    assert "Refitted (no model yet)" in first.output
    engine = build_engine(database_url)
    ids = read_topics(engine)["id"].to_list()
    seed_themed_store(engine, per_cluster=3, offset=500)
    again = pulse("themes", "update", "--model", TEST_MODEL)
    assert "Themed 12 new feedback items" in again.output
    assert read_topics(engine)["id"].to_list() == ids
    engine.dispose()


def test_export_themes__csv_md_pdf(pulse, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pulse("themes", "fit", "--model", TEST_MODEL)
    table = list(csv.DictReader(io.StringIO(pulse("export", "themes", "--format", "csv").output)))
    assert table and {"theme", "volume", "share_percent", "trend_points", "quote_1"} <= set(table[0])
    assert all(row["quote_1"] for row in table)
    markdown = pulse("export", "themes", "--format", "md", "--since", "2026-03-09").output
    assert "| theme | heading | comments |" in markdown and "## After each rollout" in markdown
    assert "Kiosk (2026-03-16)" in markdown
    out = tmp_path / "themes.pdf"
    written = pulse("export", "themes", "--format", "pdf", "--out", str(out))
    assert written.exit_code == 0 and out.read_bytes().startswith(b"%PDF")


def test_export_themes__without_a_model_says_what_to_do(pulse) -> None:  # type: ignore[no-untyped-def]
    assert "pulse themes fit" in pulse("export", "themes").output


@pytest.mark.parametrize(
    "command", [["themes"], ["themes", "fit"], ["themes", "update"], ["themes", "list"], ["export", "themes"]]
)
def test_theme_commands__have_help(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"], prog_name="pulse")
    assert result.exit_code == 0 and "Usage: pulse" in result.output


def test_themes_merge__into_an_unknown_theme_says_so_and_changes_nothing(pulse) -> None:  # type: ignore[no-untyped-def]
    assert pulse("themes", "fit", "--model", TEST_MODEL).exit_code == 0
    first = themes_json(pulse)[0]["id"]
    result = pulse("themes", "merge", str(first), "999999")
    assert result.exit_code == 1
    assert "There is no theme 999999 to merge" in result.output and "pulse themes list" in result.output
    assert all(theme["merged_into"] is None for theme in themes_json(pulse))


BAKERY_LIBRARY = """name = "Bakery"
[[theme]]
key = "bread"
heading = "Product"
name = "Bread and pastry"
examples = ["great fresh bread"]
keywords = ["bread", "loaf"]
[[theme]]
key = "queues"
heading = "Service"
name = "Speed and queues"
examples = ["the queue was endless"]
keywords = ["queue"]
"""


def test_themes_file__writes_every_input_column_and_the_themes_and_prints_the_table(  # type: ignore[no-untyped-def]
    pulse, tmp_path: Path
) -> None:
    library = tmp_path / "bakery.toml"
    library.write_text(BAKERY_LIBRARY, encoding="utf-8")
    source = tmp_path / "comments.csv"
    rows = [("1", "Great fresh bread, but the queue was endless."), ("2", "car park full"), ("3", "")]
    rows += [(str(4 + n), f"parking meter broken again {n}") for n in range(12)]
    with source.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([("id", "comment"), *rows])
    result = pulse("themes", "file", str(source), "--text-column", "comment", "--library", str(library))
    assert result.exit_code == 0, result.output
    written = list(csv.DictReader((tmp_path / "comments-themes.csv").open(encoding="utf-8")))
    assert [row["id"] for row in written] == [row[0] for row in rows]  # every row, in order
    assert list(written[0]) == ["id", "comment", "theme", "theme_id", "themes"]
    assert written[0]["themes"].split(";") == [
        written[0]["theme"],
        *({"Bread and pastry", "Speed and queues"} - {written[0]["theme"]}),
    ]
    assert written[2]["theme"] == "Other" and written[2]["theme_id"] == ""
    assert len({row["theme"] for row in written[3:]}) == 1 and written[3]["theme"] != "Other"  # a new theme
    assert "Themed 15 rows" in result.output and "(new)" in result.output and "Other" in result.output


def test_themes_file__a_missing_column_says_which_there_are(pulse, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "comments.csv"
    source.write_text("id,comment\n1,hello\n", encoding="utf-8")
    result = pulse("themes", "file", str(source), "--text-column", "text")
    assert result.exit_code == 1 and "no column 'text'" in result.output and "comment" in result.output


def test_themes_library__shows_a_preset_with_its_comments_and_checks_a_file(  # type: ignore[no-untyped-def]
    pulse, tmp_path: Path
) -> None:
    shown = pulse("themes", "library", "--show", "small_business")
    assert shown.exit_code == 0 and shown.output.startswith("# Pulse's theme library")
    mine = tmp_path / "mine.toml"
    mine.write_text(shown.output, encoding="utf-8")
    checked = pulse("themes", "library", "--check", str(mine))
    assert checked.exit_code == 0 and "Small business: 25 themes" in checked.output
    mine.write_text(shown.output.replace('key = "delivery"', 'key = "Delivery X"'), encoding="utf-8")
    broken = pulse("themes", "library", "--check", str(mine))
    assert broken.exit_code == 1 and "Theme 18 (Delivery)" in broken.output and "Hint:" in broken.output
