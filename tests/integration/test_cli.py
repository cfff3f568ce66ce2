"""The `pulse` command line, end to end on a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main


def test_db_upgrade__creates_then_reports_up_to_date(pulse) -> None:  # type: ignore[no-untyped-def]
    first = pulse("db", "upgrade")
    assert first.exit_code == 0 and "from empty to revision" in first.output
    second = pulse("db", "upgrade")
    assert "up to date" in second.output
    status = pulse("db", "status")
    assert "Feedback items: 0" in status.output


def test_commands__refuse_an_unmigrated_store_with_a_hint(pulse, database_url: str) -> None:  # type: ignore[no-untyped-def]
    if database_url.startswith("sqlite"):
        Path(database_url.removeprefix("sqlite:///")).touch()  # an empty SQLite file: a store of no revision
    result = pulse("demo")
    assert result.exit_code == 1
    assert "Error: The database is not at the current schema version." in result.output
    assert "Hint: Run `pulse db upgrade` first." in result.output


def test_demo__loads_once_keeps_rejects_and_adds_nothing_the_second_time(pulse) -> None:  # type: ignore[no-untyped-def]
    pulse("db", "upgrade")
    first = pulse("demo")
    assert first.exit_code == 0, first.output
    assert (
        "4 new feedback items, 0 already there, 1 rejected; 2 new orders (0 already there); 1 rollouts"
        in first.output
    )
    assert "; 2 follow-up cases added (0 already there; 1 open and 1 closed in all)." in first.output
    second = pulse("demo")
    assert (
        "0 new feedback items, 4 already there, 1 rejected; 0 new orders (2 already there); 0 rollouts added"
        in second.output
    )
    assert "; 0 follow-up cases added (2 already there; 1 open and 1 closed in all)." in second.output
    assert "already holds feedback" in pulse("demo", "--if-empty").output


def test_analyze__scores_new_feedback_once_with_each_class_probability(pulse, database_url: str) -> None:  # type: ignore[no-untyped-def]
    from store.engine import build_engine
    from store.feedback import read_feedback

    pulse("db", "upgrade")
    pulse("demo")
    assert "Scored 4 feedback items." in pulse("analyze").output
    assert "scored already" in pulse("analyze").output
    engine = build_engine(database_url)
    stored = read_feedback(engine, PROBABILITIES).rows()
    engine.dispose()
    assert len(stored) == 4 and all(sum(row) == pytest.approx(1) for row in stored)  # one per class


def test_rollouts__add_list_export_import(pulse, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pulse("db", "upgrade")
    added = pulse(
        "rollouts",
        "add",
        "--name",
        "Kiosk",
        "--kind",
        "kiosk",
        "--start",
        "2026-01-12",
        "--channel",
        "in-store",
        "--by",
        "sam",
    )
    assert added.exit_code == 0 and "Added rollout 1: Kiosk (kiosk) from 2026-01-12." in added.output
    listed = json.loads(pulse("rollouts", "list", "--json").output)
    assert [(r["name"], r["started_on"], r["created_by"]) for r in listed] == [("Kiosk", "2026-01-12", "sam")]
    target = tmp_path / "out.csv"
    assert "Wrote 1 rollouts" in pulse("rollouts", "export", str(target)).output
    assert "Imported 0 rollouts" in pulse("rollouts", "import", str(target)).output
    assert "Kiosk" in pulse("rollouts", "list").output


def test_rollouts_add__bad_kind_is_an_error_with_the_choices(pulse) -> None:  # type: ignore[no-untyped-def]
    pulse("db", "upgrade")
    result = pulse("rollouts", "add", "--name", "X", "--kind", "robot", "--start", "2026-01-12")
    assert result.exit_code == 1
    assert "Unknown rollout kind 'robot'" in result.output and "Hint: Use one of: chatbot" in result.output


def test_bad_setting__is_a_config_error(pulse, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PULSE_MIN_RESPONSES", "zero")
    result = pulse("db", "upgrade")
    assert result.exit_code == 1 and "PULSE_MIN_RESPONSES" in result.output


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["db"],
        ["db", "upgrade"],
        ["db", "status"],
        ["demo"],
        ["analyze"],
        ["clv"],
        ["score"],
        ["serve"],
        ["rollouts"],
        ["rollouts", "add"],
        ["rollouts", "list"],
        ["rollouts", "import"],
        ["rollouts", "export"],
    ],
)
def test_every_command__has_help(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"], prog_name="pulse")
    assert result.exit_code == 0 and "Usage: pulse" in result.output


def test_demo__keeps_each_rejected_row_with_its_line_and_reason(pulse) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from pulse.settings import build_settings
    from store.engine import build_engine, reading
    from store.schema import rejected_rows

    pulse("db", "upgrade")
    pulse("demo")
    with reading(build_engine(build_settings().database_url)) as connection:
        rows = connection.execute(
            select(rejected_rows.c.origin, rejected_rows.c.line, rejected_rows.c.reason)
        ).all()
    assert [tuple(row) for row in rows] == [("surveys.csv", 4, "nps must be between 0 and 10, not 12")]


SURVEYS_WITH_CES = """response_id,submitted_at,respondent,nps,csat,ces,comment,channel,location,segment
R000001,2026-11-16T09:00:00Z,c1,10,5,,Lovely sourdough as always.,in-store,High Street,regular
R000002,2026-11-17T10:00:00Z,c2,3,2,2,The chatbot kept looping and I could not reach a person.,online,High Street,new
R000003,2026-11-18T11:00:00Z,c3,9,5,6,,online,High Street,regular
R000004,2026-11-18T12:00:00Z,c4,9,5,8,ces out of range,online,High Street,regular
"""


def test_demo__loads_the_online_surveys_customer_effort_score(pulse, demo_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from pulse.settings import build_settings
    from store.engine import build_engine
    from store.feedback import read_feedback

    (demo_dir / "surveys.csv").write_text(SURVEYS_WITH_CES, encoding="utf-8")
    pulse("db", "upgrade")
    loaded = pulse("demo")
    assert "5 new feedback items, 0 already there, 1 rejected" in loaded.output
    stored = read_feedback(build_engine(build_settings().database_url), ("external_id", "ces"))
    assert dict(stored.filter(stored["external_id"].str.starts_with("R")).iter_rows()) == {
        "R000001": None,
        "R000002": 2,
        "R000003": 6,
    }
    metrics = json.loads(pulse("metrics", "--by", "all", "--json").output)
    assert (metrics[0]["ces_n"], metrics[0]["ces_mean"]) == (2, 4.0)


REVIEWS_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "reviews"


def test_import_reviews__trustpilot_export_twice_adds_nothing(pulse) -> None:  # type: ignore[no-untyped-def]
    pulse("db", "upgrade")
    path = str(REVIEWS_FIXTURES / "trustpilot_reviews.csv")
    first = json.loads(pulse("import", path, "--kind", "review", "--json").output)
    assert first["imported"] > 0 and first["duplicates"] == 0
    assert "stars" in first["mapping"]
    second = json.loads(pulse("import", path, "--kind", "review", "--json").output)
    assert (second["imported"], second["duplicates"]) == (0, first["imported"])


def test_import_reviews__survey_options_are_refused(pulse) -> None:  # type: ignore[no-untyped-def]
    pulse("db", "upgrade")
    result = pulse(
        "import", str(REVIEWS_FIXTURES / "trustpilot_reviews.csv"), "--kind", "review", "--dayfirst"
    )
    assert result.exit_code == 1 and "are for survey files" in result.output


def test_collect__nothing_configured_is_an_error_with_a_hint(pulse, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    for name in ("praw_client_id", "praw_client_secret", "PRAW_CLIENT_ID", "PRAW_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    pulse("db", "upgrade")
    result = pulse("collect")
    assert result.exit_code == 1
    assert "No live source is configured." in result.output and "PULSE_APP_STORE_APP_ID" in result.output


def test_collect__app_store_then_again_adds_nothing_and_a_failure_exits_1(  # type: ignore[no-untyped-def]
    pulse, monkeypatch: pytest.MonkeyPatch
) -> None:
    from functools import partial

    import collectors.reviews.live as live
    from collectors.reviews import AppStoreCollector, HttpClient
    from tests.http_replay import ReplayServer, Reply
    from tests.review_routes import APP_ID, app_store_routes

    pulse("db", "upgrade")
    monkeypatch.setenv("PULSE_APP_STORE_APP_ID", APP_ID)
    fast = HttpClient(timeout=5, sleep=lambda _seconds: None, jitter=lambda: 0.0)
    with ReplayServer(app_store_routes()) as server:
        monkeypatch.setattr(
            live, "AppStoreCollector", partial(AppStoreCollector, base_url=server.url, http=fast)
        )
        first = pulse("collect", "app-store")
        second = pulse("collect")
    assert first.exit_code == 0 and f"app-store:gb:{APP_ID}: 8 new" in first.output
    assert second.exit_code == 0 and "0 new" in second.output
    with ReplayServer(app_store_routes(page1=[Reply(500)])) as server:
        monkeypatch.setattr(
            live, "AppStoreCollector", partial(AppStoreCollector, base_url=server.url, http=fast)
        )
        failed = pulse("collect")
    assert failed.exit_code == 1 and "failed" in failed.output
    assert "No configured source is called 'nope'" in pulse("collect", "nope").output


PROBABILITIES = ("sentiment_p_negative", "sentiment_p_neutral", "sentiment_p_positive")
SCORE_INPUT = """id;comment;nps
1;The chatbot was useless and I could never reach a human. Awful!;2
2;Lovely sourdough and the staff remember my name.;10
3;;7
"""


@pytest.mark.slow
def test_score__writes_every_column_plus_the_scores_and_reuses_stored_embeddings(  # type: ignore[no-untyped-def]
    pulse, tmp_path: Path, database_url: str
) -> None:
    from sqlalchemy import func, select

    from store.engine import build_engine, reading
    from store.schema import embeddings

    source = tmp_path / "comments.csv"
    source.write_text(SCORE_INPUT, encoding="utf-8")
    pulse("db", "upgrade")
    result = pulse("score", str(source), "--text-column", "comment", "--out", str(tmp_path / "scored.json"))
    assert "Scored 3 rows" in result.output and "1 impersonal-experience complaints" in result.output
    rows = json.loads((tmp_path / "scored.json").read_text("utf-8"))
    assert list(rows[0]) == [
        "id", "comment", "nps", "sentiment", "sentiment_score", *PROBABILITIES, "impersonal", "impersonal_score",
        "impersonal_cues",
    ]  # fmt: skip
    complaint, praise, empty = rows
    assert (complaint["sentiment"], complaint["impersonal"], praise["sentiment"]) == (
        "negative",
        True,
        "positive",
    )
    assert complaint["impersonal_cues"] and not praise["impersonal_cues"]
    assert (empty["sentiment"], empty["sentiment_score"], empty["impersonal"]) == ("neutral", 0.0, False)
    for row in rows:  # each class's probability, summing to 1
        assert all(0 <= row[name] <= 1 for name in PROBABILITIES)
        assert sum(row[name] for name in PROBABILITIES) == pytest.approx(1)
    most_likely = [max(PROBABILITIES, key=row.__getitem__) for row in rows]
    assert most_likely == ["sentiment_p_negative", "sentiment_p_positive", "sentiment_p_neutral"]
    engine = build_engine(database_url)
    with reading(engine) as connection:
        stored = connection.execute(select(func.count()).select_from(embeddings)).scalar_one()
    pulse("score", str(source), "--text-column", "comment")
    with reading(engine) as connection:
        assert connection.execute(select(func.count()).select_from(embeddings)).scalar_one() == stored > 0
    engine.dispose()
    again = (tmp_path / "comments-scored.csv").read_text("utf-8").splitlines()
    assert again[0] == (
        "id,comment,nps,sentiment,sentiment_score,sentiment_p_negative,sentiment_p_neutral,sentiment_p_positive,"
        "impersonal,impersonal_score,impersonal_cues"
    )


@pytest.mark.slow
def test_score__needs_no_store_and_creates_none(tmp_path: Path, database_url: str) -> None:
    """A database URL where no store was made yet (a new SQLite path, an empty PostgreSQL schema): the file is
    scored, nothing is written to the database, and no file or folder is made for it."""
    from sqlalchemy import inspect

    from store.engine import build_engine

    source = tmp_path / "comments.csv"
    source.write_text(SCORE_INPUT, encoding="utf-8")
    runner = CliRunner(env={"PULSE_DATABASE_URL": database_url.replace("pulse.db", "new/pulse.db")})

    result = runner.invoke(main, ["score", str(source), "--text-column", "comment"])

    assert result.exit_code == 0, result.output
    assert "Scored 3 rows" in result.output and "pulse db upgrade" not in result.output
    assert (tmp_path / "comments-scored.csv").read_text("utf-8").count("\n") == 4
    if database_url.startswith("sqlite"):
        assert not (tmp_path / "new").exists()
    else:
        engine = build_engine(database_url)
        assert inspect(engine).get_table_names() == []
        engine.dispose()


@pytest.mark.slow
def test_score__without_a_store_keeps_embeddings_in_the_cache_folder_and_embeds_nothing_again(
    tmp_path: Path, private_cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from analysis import embedding_disk_cache

    embedded: list[int] = []
    real_embed = embedding_disk_cache.embed

    def counting_embed(texts, model_name):  # type: ignore[no-untyped-def]
        embedded.append(len(texts))
        return real_embed(texts, model_name)

    monkeypatch.setattr(embedding_disk_cache, "embed", counting_embed)
    source = tmp_path / "comments.csv"
    source.write_text(SCORE_INPUT, encoding="utf-8")
    runner = CliRunner(env={"PULSE_DATABASE_URL": f"sqlite:///{tmp_path / 'none' / 'pulse.db'}"})
    arguments = ["score", str(source), "--text-column", "comment"]

    first = runner.invoke(main, arguments)
    scored_first = (tmp_path / "comments-scored.csv").read_text("utf-8")
    assert first.exit_code == 0 and embedded and str(private_cache_folder) in first.output
    embedded.clear()
    second = runner.invoke(main, arguments)

    assert second.exit_code == 0 and embedded == []  # every vector came from the cache folder
    assert (tmp_path / "comments-scored.csv").read_text("utf-8") == scored_first
    cached = [path for path in (private_cache_folder / "embeddings").rglob("*") if path.is_file()]
    assert cached and all(path.name.endswith(".npy") for path in cached)  # numpy files, no database
    others = {path.parent.parent.name for path in private_cache_folder.rglob("*") if path.is_file()} - {
        "embeddings"
    }
    assert others <= {"onnx"}  # beside them, at most the model prepared for ONNX Runtime
    assert not (tmp_path / "none").exists()


def test_score__an_unknown_column_or_format_is_an_error_with_a_hint(pulse, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "comments.csv"
    source.write_text(SCORE_INPUT, encoding="utf-8")
    pulse("db", "upgrade")
    missing = CliRunner().invoke(main, ["score", str(source), "--text-column", "text"])
    assert missing.exit_code == 1 and "Choose --text-column from: id, comment, nps" in missing.output
    wrong = CliRunner().invoke(main, ["score", str(source), "--text-column", "comment", "--out", "x.parquet"])
    assert wrong.exit_code == 1 and "--out" in wrong.output


OBSERVATIONS = """observation_id,observed_at,reported_by,channel,theme,text
OBS1,2026-11-17T16:00:00Z,maya,online,Support chatbot,A regular was furious: the chatbot looped and nobody answered.
OBS2,2026-11-18T09:00:00Z,tom,in-store,,Worst morning ever: three customers left angry without ordering.
"""


def test_demo__loads_staff_observations_once_scores_them_and_leaves_the_figures(
    pulse, demo_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    pulse("db", "upgrade")
    assert "; 0 new staff observations (0 already there);" in pulse("demo").output  # a folder without them
    pulse("analyze")
    figures = [pulse("metrics", "--by", "week", "--json").output, pulse("metrics", "--group", "kind").output]
    (demo_dir / "observations.csv").write_text(OBSERVATIONS, encoding="utf-8")
    assert "; 2 new staff observations (0 already there);" in pulse("demo").output
    assert "; 0 new staff observations (2 already there);" in pulse("demo").output
    assert "Scored 2 feedback items." in pulse("analyze").output  # scored like every text
    assert [
        pulse("metrics", "--by", "week", "--json").output,
        pulse("metrics", "--group", "kind").output,
    ] == figures
