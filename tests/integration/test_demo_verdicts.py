"""The demo's planted effects, named by the product: the findings the pipeline stores for its five rollouts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from analysis.impact_pipeline import refresh_rollout_impacts
from analysis.theme_pipeline import update_themes
from store.engine import build_engine
from store.impacts import read_rollout_impact_records
from tests.theme_data import TEST_LIBRARY, TEST_MODEL, use_hash_encoders


def findings_of(demo_database: str) -> dict[str, dict[str, dict[str, object]]]:
    engine = build_engine(demo_database)
    refresh_rollout_impacts(engine)
    records = read_rollout_impact_records(engine)
    engine.dispose()
    return {record["name"]: {item["signal"]: item for item in record["findings"]} for record in records}


def is_harm(item: dict[str, object]) -> bool:
    change, better = item["change"], item["better"]
    assert isinstance(better, int)
    return isinstance(change, float) and change * better < 0 and item["status"] in ("clear", "likely")


def test_demo__the_chatbot_hurt_the_online_ordering_and_loyalty_app_did_not(demo_database: str) -> None:
    findings = findings_of(demo_database)
    chatbot = findings["Support chatbot"]
    # planted: a fifth of online customers meet the chatbot and cannot reach a person
    assert chatbot["impersonal"]["status"] == "clear" and is_harm(chatbot["impersonal"])
    assert chatbot["nps"]["status"] == "likely" and is_harm(chatbot["nps"])
    assert chatbot["nps"]["weeks_to_settle"] is not None
    for name in ("Online ordering", "Loyalty app"):
        assert not any(is_harm(item) for item in findings[name].values()), name


def test_demo__the_verdicts_judge_what_customers_did_from_the_orders(demo_database: str) -> None:
    findings = findings_of(demo_database)
    # planted: online customers failed by the chatbot come back less; the loyalty app raises visits
    assert is_harm(findings["Support chatbot"]["new_retention"])
    assert findings["Support chatbot"]["new_retention"]["n_before"] > 100
    app = findings["Loyalty app"]["repeat_rate"]
    assert app["status"] in ("clear", "likely") and app["change"] * app["better"] > 0
    assert (
        findings["Online ordering"]["repeat_rate"]["status"] == "too few answers"
    )  # no online orders before


def test_demo__the_chatbot_verdict_says_which_theme_the_drop_comes_from(
    demo_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_hash_encoders(monkeypatch)  # no model: the impersonal detector's theme is the flagged comments'
    copy = tmp_path / "pulse.db"
    with sqlite3.connect(demo_database.removeprefix("sqlite:///")) as source, sqlite3.connect(copy) as target:
        source.backup(target)  # the demo store, for this test alone
    engine = build_engine(f"sqlite:///{copy}")
    update_themes(engine, model_name=TEST_MODEL, library=TEST_LIBRARY)  # and the rollouts judged again
    chatbot = next(
        record for record in read_rollout_impact_records(engine) if record["name"] == "Support chatbot"
    )
    engine.dispose()
    first = chatbot["themes"][0]
    assert first["theme"] == "Impersonal experience" and first["explained"] < 0
    assert first["detractors_during"] > first["detractors_before"]
    assert (
        "Most of the NPS drop comes from 'Impersonal experience' (detractors who mention it: "
        in chatbot["verdict"]
    )
