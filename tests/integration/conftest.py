"""Fixtures shared by the integration tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli.main import main


@pytest.fixture
def pulse_cli(database_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """`pulse ARGS...` on a migrated store of each kind (SQLite, PostgreSQL), times read in Europe/London."""
    monkeypatch.setenv("PULSE_DATABASE_URL", database_url)
    monkeypatch.setenv("PULSE_TIMEZONE", "Europe/London")
    runner = CliRunner()

    def invoke(*arguments: str) -> Result:
        return runner.invoke(main, list(arguments), catch_exceptions=False)

    assert invoke("db", "upgrade").exit_code == 0
    return invoke


# A small demo folder for `pulse demo`: one reject in the surveys (NPS 12), two orders, one rollout, two cases (one
# worked and closed, one nobody has contacted) and one whose feedback is the rejected answer (skipped).
SURVEYS = """response_id,submitted_at,respondent,nps,csat,ces,comment,channel,location,segment
R000001,2026-11-16T09:00:00Z,c1,10,5,,Lovely sourdough as always.,in-store,High Street,regular
R000002,2026-11-17T10:00:00Z,c2,3,2,,The chatbot kept looping and I could not reach a person.,online,High Street,new
R000003,2026-11-18T11:00:00Z,c3,12,5,,score out of range,in-store,High Street,regular
"""
REVIEWS = """review_id,site,published_at,author,stars,text
G-00001,Google,2026-11-18T12:00:00Z,Sam K.,5,Best croissants in town and the staff remember your name.
"""
MENTIONS = """mention_id,platform,community,posted_at,author,text
t1_demo0001,reddit,r/HighStreetLocals,2026-11-19T13:00:00Z,u/jo_12,Anyone else miss being able to phone them?
"""
ORDERS = """order_id,customer_id,created_at,amount,channel,location
CK1,c1,2026-11-16T08:50:00Z,6.40,in-store,High Street
CK2,c2,2026-11-17T09:40:00Z,18.90,online,High Street
"""
ROLLOUTS = """name,kind,channel,started_on,ended_on,description
Support chatbot,chatbot,online,2026-04-13,,A chatbot answers questions.
"""
CASES = """case_id,source,external_id,reason,created_at,due_at,assignee,assigned_at,assigned_by,contacted_at,contact_note,status,closed_at,close_note
K0001,survey,R000002,detractor,2026-11-17T11:05:00Z,2026-11-19T11:05:00Z,Maya,2026-11-17T11:30:00Z,Sam,2026-11-17T14:00:00Z,Called; they were glad someone rang.,resolved,2026-11-18T10:00:00Z,Gave them the shop's direct number.
K0002,mention,t1_demo0001,impersonal,2026-11-19T14:05:00Z,2026-11-23T14:05:00Z,Tom,2026-11-19T14:05:00Z,pulse,,,assigned,,
K0003,survey,R000003,detractor,2026-11-18T12:05:00Z,2026-11-20T12:05:00Z,,,,,,new,,
"""


@pytest.fixture
def demo_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "demo"
    folder.mkdir()
    for name, text in {
        "surveys.csv": SURVEYS,
        "reviews.csv": REVIEWS,
        "mentions.csv": MENTIONS,
        "rollouts.csv": ROLLOUTS,
        "orders.csv": ORDERS,
        "cases.csv": CASES,
    }.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def pulse(database_url: str, demo_dir: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PULSE_DATABASE_URL", database_url)
    monkeypatch.setenv("PULSE_DEMO_DIR", str(demo_dir))
    runner = CliRunner()

    def invoke(*arguments: str):  # type: ignore[no-untyped-def]
        return runner.invoke(main, list(arguments), catch_exceptions=False)

    return invoke


@pytest.fixture(autouse=True)
def private_cache_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Pulse's cache folder (`pulse score`'s embeddings without a store) in a temporary folder, never the
    user's own."""
    folder = tmp_path_factory.mktemp("pulse-cache")
    monkeypatch.setenv("PULSE_CACHE_DIR", str(folder))
    return folder
