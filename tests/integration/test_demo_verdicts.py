"""The demo's planted effects, named by the product: the findings the pipeline stores for its five rollouts."""

from __future__ import annotations

from analysis.impact_pipeline import refresh_rollout_impacts
from store.engine import build_engine
from store.impacts import read_rollout_impact_records


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
