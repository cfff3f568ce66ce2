"""`pulse metrics` end to end on a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main

# Week of Mon 2 Nov 2026: 10, 9, 6 and a skipped NPS; week of Mon 9 Nov: 3, 8.
SURVEYS = """response_id,submitted_at,nps,csat,comment,channel
R1,2026-11-02T09:00:00Z,10,5,Lovely.,in-store
R2,2026-11-03T10:00:00Z,9,4,Good.,online
R3,2026-11-04T11:00:00Z,6,2,Meh.,online
R4,2026-11-05T11:00:00Z,,5,No score.,in-store
R5,2026-11-10T11:00:00Z,3,1,The chatbot looped.,online
R6,2026-11-11T11:00:00Z,8,,Fine.,in-store
"""


@pytest.fixture
def pulse(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PULSE_DATABASE_URL", database_url)
    monkeypatch.setenv("PULSE_TIMEZONE", "UTC")
    monkeypatch.setenv("PULSE_MIN_RESPONSES", "3")
    runner = CliRunner()

    def invoke(*arguments: str):  # type: ignore[no-untyped-def]
        return runner.invoke(main, list(arguments), catch_exceptions=False)

    invoke("db", "upgrade")
    surveys = tmp_path / "surveys.csv"
    surveys.write_text(SURVEYS, encoding="utf-8")
    imported = invoke("import", str(surveys))
    assert imported.exit_code == 0, imported.output
    return invoke


def test_metrics__json_per_week_with_hand_computed_nps_and_csat(pulse) -> None:  # type: ignore[no-untyped-def]
    result = pulse("metrics", "--by", "week", "--json")
    assert result.exit_code == 0, result.output
    weeks = json.loads(result.output)
    assert [week["period"] for week in weeks] == ["2026-11-02", "2026-11-09"]
    first, second = weeks
    # Week 1: 4 responses, 3 NPS answers (2 promoters, 1 detractor): NPS = 100 * (2 - 1) / 3 = 33.33
    assert (first["n"], first["nps_n"]) == (4, 3)
    assert first["nps"] == pytest.approx(33.3333, abs=1e-3)
    assert first["nps_low"] < first["nps"] < first["nps_high"]
    # CSAT 5, 4, 2, 5: three of four are 4-5
    assert first["csat"] == pytest.approx(0.75) and first["csat_low"] < 0.75 < first["csat_high"]
    # Week 2: one detractor, one passive: NPS = 100 * (0 - 1) / 2 = -50, thin (2 < 3)
    assert second["nps"] == pytest.approx(-50.0) and second["thin"] is True
    assert {"stars_mean", "sentiment_mean", "impersonal_per_100", "negative_share"} <= set(first)


def test_metrics__all_since_and_grouped(pulse) -> None:  # type: ignore[no-untyped-def]
    everything = json.loads(pulse("metrics", "--by", "all", "--json").output)
    # 5 NPS answers: promoters 10, 9; detractors 6, 3: NPS = 100 * (2 - 2) / 5 = 0
    assert len(everything) == 1 and everything[0]["period"] == "all"
    assert (everything[0]["n"], everything[0]["nps"]) == (6, pytest.approx(0.0))
    later = json.loads(pulse("metrics", "--by", "all", "--since", "2026-11-09", "--json").output)
    assert later[0]["n"] == 2
    grouped = json.loads(pulse("metrics", "--by", "all", "--group", "channel", "--json").output)
    by_channel = {row["channel"]: row for row in grouped}
    # online: 9, 6, 3 -> 100 * (1 - 2) / 3
    assert by_channel["online"]["nps"] == pytest.approx(-33.3333, abs=1e-3)
    sources = json.loads(pulse("metrics", "--by", "all", "--group", "source", "--json").output)
    assert [row["source"] for row in sources] == ["Survey: surveys.csv"]


def test_metrics__table_marks_thin_weeks_with_their_answers(pulse) -> None:  # type: ignore[no-untyped-def]
    result = pulse("metrics")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split()[:3] == ["period", "n", "NPS"]
    assert "2026-11-09" in lines[2] and "-50 (" in lines[2] and "thin, 2 answers" in lines[2]
    assert "thin, " not in lines[1]


def test_metrics__bad_date_and_empty_range(pulse) -> None:  # type: ignore[no-untyped-def]
    bad = pulse("metrics", "--since", "9 Nov")
    assert bad.exit_code == 1
    assert "--since '9 Nov' is not a date." in bad.output and "Hint: Write it as YYYY-MM-DD." in bad.output
    empty = pulse("metrics", "--since", "2030-01-01")
    assert empty.exit_code == 0 and "No feedback since 2030-01-01" in empty.output
    assert pulse("metrics", "--since", "2030-01-01", "--json").output.strip() == "[]"


CES_FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "surveys" / "ces.csv"


def test_metrics__ces_imported_from_a_survey_file_per_week_and_overall(pulse) -> None:  # type: ignore[no-untyped-def]
    imported = json.loads(pulse("import", str(CES_FIXTURE), "--json").output)
    assert imported["imported"] == 7 and imported["mapping"]["ces"].startswith("How easy was it")
    weeks = {row["period"]: row for row in json.loads(pulse("metrics", "--by", "week", "--json").output)}
    # Week of 2 Nov: CES 7, 6, 5, 2 (C5 skipped it): mean 20 / 4 = 5.0; 5-7 in 3 of 4
    first = weeks["2026-11-02"]
    assert (first["ces_n"], first["ces_mean"], first["ces_share"]) == (4, 5.0, 0.75)
    assert first["ces_share_low"] < 0.75 < first["ces_share_high"]
    assert first["ces_mean_low"] < 5.0 < first["ces_mean_high"]
    # Week of 9 Nov: CES 4 and 1: mean 2.5, none of 5-7
    assert (weeks["2026-11-09"]["ces_n"], weeks["2026-11-09"]["ces_mean"]) == (2, 2.5)
    assert weeks["2026-11-09"]["ces_share"] == 0.0
    overall = json.loads(pulse("metrics", "--by", "all", "--json").output)[0]
    # the first file's six answers have no CES; the CES file's: 7, 6, 5, 2, 4, 1: mean 25 / 6, 5-7 in 3 of 6
    assert overall["ces_n"] == 6
    assert overall["ces_mean"] == pytest.approx(25 / 6, abs=1e-4) and overall["ces_share"] == 0.5
    table = pulse("metrics", "--by", "all").output.splitlines()
    assert "CES mean, % 5-7" in table[0] and "4.17, 50%" in table[1]
