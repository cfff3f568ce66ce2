"""`pulse impact` end to end on a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main

START = datetime(2026, 4, 13, 12, tzinfo=UTC)


def survey_csv() -> str:
    """16 weeks of 10 answers a week: NPS 30 for 8 weeks before the start, then 0."""
    lines = ["response_id,submitted_at,nps,channel"]
    before, after = [10, 9, 10, 9, 10, 7, 8, 7, 3, 5], [10, 9, 10, 9, 7, 8, 3, 5, 0, 6]
    for week in range(-8, 8):
        for index, score in enumerate(before if week < 0 else after):
            moment = START + timedelta(weeks=week, days=index % 7)
            lines.append(f"R{week}_{index},{moment.isoformat()},{score},online")
    return "\n".join(lines) + "\n"


@pytest.fixture
def pulse(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PULSE_DATABASE_URL", database_url)
    monkeypatch.setenv("PULSE_TIMEZONE", "UTC")
    runner = CliRunner()

    def invoke(*arguments: str):  # type: ignore[no-untyped-def]
        return runner.invoke(main, list(arguments), catch_exceptions=False)

    invoke("db", "upgrade")
    surveys = tmp_path / "surveys.csv"
    surveys.write_text(survey_csv(), encoding="utf-8")
    assert invoke("import", str(surveys)).exit_code == 0
    return invoke


def test_impact__verdict_per_rollout_as_text_and_json(pulse) -> None:  # type: ignore[no-untyped-def]
    assert "No rollouts yet" in pulse("impact").output
    pulse("rollouts", "add", "--name", "Support chatbot", "--kind", "chatbot", "--start", "2026-04-13")
    text = pulse("impact")
    assert text.exit_code == 0, text.output
    assert "Support chatbot (from 2026-04-13; 8 weeks before against 8 in force)" in text.output
    assert (
        "After 'Support chatbot' (8 weeks so far): NPS fell 30 points, from +30 to +0 (likely" in text.output
    )
    assert "    NPS: -30.0 points (95% CI -" in text.output and "; 80 answers before, 80 since" in text.output
    # 3.013 * 78.6 (the spread of the answers before) * sqrt(2 / 80) = 37.4
    assert "With about 10 responses a week, only NPS changes larger than about 37 points" in text.output
    (record,) = json.loads(pulse("impact", "--json").output)
    assert record["name"] == "Support chatbot" and record["method"] == "8 weeks before against 8 in force"
    nps = record["findings"][0]
    assert (nps["signal"], nps["status"], nps["n_before"], nps["n_during"]) == ("nps", "likely", 80, 80)
    assert nps["adjusted_p"] >= nps["p_value"] and 0 < nps["probability_up"] < 0.1
    assert record["nps_change"] == pytest.approx(-30.0)
    assert record["nps_change_low"] < -30 < record["nps_change_high"]  # all weeks: -30 ± t(14) * 14.0
    assert (record["measures"]["nps"]["n_before"], record["measures"]["nps"]["n_after"]) == (80, 80)
    assert record["after"] == ["2026-04-13", "2026-06-08"]


def test_impact__shorter_windows_and_bad_options(pulse) -> None:  # type: ignore[no-untyped-def]
    pulse("rollouts", "add", "--name", "Support chatbot", "--kind", "chatbot", "--start", "2026-04-13")
    (record,) = json.loads(pulse("impact", "--weeks", "4", "--burn-in", "1", "--json").output)
    assert record["measures"]["nps"]["n_before"] == 40 and record["after"] == ["2026-04-20", "2026-05-18"]
    bad = pulse("impact", "--weeks", "1")
    assert bad.exit_code == 1 and "Hint: Windows need at least 2 weeks" in bad.output
