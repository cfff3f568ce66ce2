"""Workspaces are isolated by the store: for every page, command and export, a user of workspace A never sees,
counts or changes anything of workspace B, on SQLite and on PostgreSQL, crafted links and filters included.

Two workspaces are filled through the product (`pulse import`, `pulse rollouts add`), each with its own marker
word, location, rollout and count of answers; then every command and page is run in A and its output searched
for B's marker, B's location and B's count."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from cli.main import main
from dashboard.auth import SESSION_KEY, SINCE_KEY
from pulse.errors import InputError
from store.engine import Engine
from store.feedback import count_feedback
from store.state import read_data_version
from store.users import User
from store.webhooks import read_deliveries
from store.workspaces import list_workspaces, remove_workspace, workspace_engine
from tests.app.pages import APP, PASSWORD
from tests.stores import postgres_url, reset_postgres
from tests.webhook_requests import SECRET_SETTINGS, body, signed

SUFFIX = str(os.getpid())  # PostgreSQL's workspace schemas are the database's: one name per test process
PAGES = (
    "app_pages/pulse.py",
    "app_pages/follow_up.py",
    "app_pages/locations.py",
    "app_pages/trends.py",
    "app_pages/loyalty.py",
    "app_pages/themes.py",
    "app_pages/rollouts.py",
    "app_pages/explorer.py",
    "app_pages/observations.py",
    "app_pages/sources.py",
)


@dataclass(frozen=True)
class Tenant:
    name: str
    marker: str  # a word in every one of its comments, and in its rollout's name
    location: str
    answers: int


ALPHA = Tenant(f"alpha-{SUFFIX}", "Zephyrine", "Alpha Street", 12)
BRAVO = Tenant(f"bravo-{SUFFIX}", "Quokkaberry", "Bravo Road", 31)


def _pulse(*args: str, stdin: str | None = None) -> str:
    result = CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _survey(path: Path, tenant: Tenant) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["Response ID", "Submitted At", "NPS", "Comment", "Location"])
        for index in range(tenant.answers):
            writer.writerow(
                [
                    f"{tenant.name}-{index}",
                    f"2026-11-{1 + index % 20:02d} 10:00:00",
                    index % 11,
                    f"The {tenant.marker} chatbot never let me reach a person, answer {index}.",
                    f"{tenant.location} {'North' if index % 2 else 'South'}",  # two: the Locations page
                ]
            )
    return path


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def filled_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A store (made once a module, on SQLite and on PostgreSQL) with workspaces ALPHA and BRAVO filled, and an
    account "ann" who is an admin of ALPHA, staff in the default workspace (she may only add observations
    there), and nothing in BRAVO."""
    folder = tmp_path_factory.mktemp("workspaces")
    url = f"sqlite:///{folder / 'pulse.db'}" if request.param == "sqlite" else reset_postgres(postgres_url())
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("PULSE_DATABASE_URL", url)
        monkeypatch.delenv("PULSE_WORKSPACE", raising=False)
        _pulse("db", "upgrade")
        try:
            for tenant in (ALPHA, BRAVO):
                _pulse("workspaces", "add", tenant.name)
                _pulse(
                    "--workspace", tenant.name, "import", str(_survey(folder / f"{tenant.name}.csv", tenant))
                )
                _pulse(
                    "--workspace",
                    tenant.name,
                    "rollouts",
                    "add",
                    f"--name={tenant.marker} kiosk",
                    "--kind=kiosk",
                    "--start=2026-11-10",
                )
            _pulse("users", "add", "ann", "--role=staff", "--password-stdin", stdin=PASSWORD + "\n")
            _pulse("workspaces", "grant", ALPHA.name, "ann", "admin")
            yield url
        finally:
            for tenant in (ALPHA, BRAVO):
                if tenant.name in list_workspaces(url):
                    remove_workspace(url, tenant.name)


@pytest.fixture
def two_workspaces(filled_store: str, use_database) -> str:  # type: ignore[no-untyped-def]
    """The filled store, with the dashboard's caches cleared for each test."""
    use_database(filled_store)
    return filled_store


def _data_version(url: str, tenant: Tenant) -> int:
    engine = workspace_engine(url, tenant.name)
    try:
        return read_data_version(engine)
    finally:
        engine.dispose()


def _leaks(text: str) -> list[str]:
    """What of BRAVO's data `text` shows (its name may be echoed back to one who typed it in a link: the same
    words as for a workspace that does not exist; the picker's test checks that no list names it)."""
    return [found for found in (BRAVO.marker, BRAVO.location) if found in text]


READ_COMMANDS = (
    ("db", "status"),
    ("metrics",),
    ("impact",),
    ("digest",),
    ("rollouts", "list"),
    ("rollouts", "export"),
    ("rollouts", "history"),
    ("cases", "list"),
    ("users", "list"),
    ("themes", "list"),
)


@pytest.mark.parametrize("command", READ_COMMANDS, ids=" ".join)
def test_commands__in_workspace_a_show_nothing_of_workspace_b(
    two_workspaces: str, command: tuple[str, ...]
) -> None:
    output = _pulse("--workspace", ALPHA.name, *command)
    assert not _leaks(output), output
    if command == ("db", "status"):
        assert f"Feedback items: {ALPHA.answers};" in output
    if command[0] == "rollouts" and command[-1] != "history":
        assert f"{ALPHA.marker} kiosk" in output


def test_exports__of_workspace_a_hold_nothing_of_workspace_b(two_workspaces: str, tmp_path: Path) -> None:
    _pulse("--workspace", ALPHA.name, "export", "themes", "--format", "csv", "--out", str(tmp_path / "t.csv"))
    _pulse("--workspace", ALPHA.name, "rollouts", "export", str(tmp_path / "r.csv"))
    for path in (tmp_path / "t.csv", tmp_path / "r.csv"):
        assert not _leaks(path.read_text(encoding="utf-8"))
    assert ALPHA.marker in (tmp_path / "r.csv").read_text(encoding="utf-8")


def _signed_in_app(query: dict[str, str] | None = None) -> AppTest:
    """The app as ann sees it, opened by a link with `query` (default: to ALPHA)."""
    query = {"workspace": ALPHA.name} if query is None else query
    app = AppTest.from_file(APP, default_timeout=120)
    app.session_state[SESSION_KEY] = User("ann", "staff")
    app.session_state[SINCE_KEY] = 1e12  # signed in "now" for the session's length
    for key, value in query.items():
        app.query_params[key] = value
    return app


def _all_text(app: AppTest) -> str:
    """Everything a page shows as text: headings, markdown, captions, metrics, alerts, tables and widgets."""
    parts: list[str] = []
    for element in (*app.title, *app.header, *app.subheader, *app.markdown, *app.caption, *app.text):
        parts.append(str(element.value))
    for alert in (*app.info, *app.warning, *app.error, *app.success):
        parts.append(str(alert.value))
    for metric in app.metric:
        parts.extend((str(metric.label), str(metric.value)))
    for frame in (*app.dataframe, *app.table):
        parts.append(frame.value.to_csv() if hasattr(frame.value, "to_csv") else str(frame.value))
    for box in (*app.selectbox, *app.multiselect, *app.radio):
        parts.extend(str(option) for option in box.options)
    return "\n".join(parts)


@pytest.mark.parametrize("page", PAGES)
def test_pages__a_user_of_workspace_a_sees_nothing_of_workspace_b(
    two_workspaces: str, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    monkeypatch.setenv("PULSE_ANONYMOUS_ACCESS", "false")
    app = _signed_in_app()
    app.run()
    app.switch_page(page)
    app.run()
    assert not app.exception, app.exception
    shown = _all_text(app)
    assert not _leaks(shown), (page, _leaks(shown))
    if page in ("app_pages/locations.py", "app_pages/explorer.py"):  # and they show ALPHA's own
        assert ALPHA.location in shown, shown
    assert app.session_state["workspace__current"] == ALPHA.name


@pytest.mark.parametrize(
    "query",
    [
        {"workspace": BRAVO.name},  # a crafted link to the other workspace
        {"workspace": "no-such-place"},  # and to one that does not exist
        {"workspace": BRAVO.name, "location": BRAVO.location},  # with a filter of the other's
    ],
    ids=["other workspace", "no such workspace", "other workspace and its filter"],
)
def test_crafted_links__never_open_another_workspace(
    two_workspaces: str, monkeypatch: pytest.MonkeyPatch, query: dict[str, str]
) -> None:
    monkeypatch.setenv("PULSE_ANONYMOUS_ACCESS", "false")
    fresh = _signed_in_app(query)  # a new session opened by the link: her first workspace, and a warning
    fresh.run()
    assert fresh.session_state["workspace__current"] == "default"
    assert "You have no access to a workspace" in fresh.warning[0].value
    assert not _leaks(_all_text(fresh))
    app = _signed_in_app()  # a session in ALPHA, whose link is then changed by hand
    app.run()
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page("app_pages/explorer.py")
    app.run()
    assert not app.exception, app.exception
    assert app.session_state["workspace__current"] == ALPHA.name
    assert not _leaks(_all_text(app))
    assert ALPHA.marker in _all_text(app)


def test_the_workspace_picker__lists_only_the_users_workspaces(
    two_workspaces: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULSE_ANONYMOUS_ACCESS", "false")
    app = _signed_in_app({})
    app.run()
    picker = app.selectbox(key="workspace__picker")
    assert picker.options == ["default (staff)", f"{ALPHA.name} (admin)"]
    assert BRAVO.name not in " ".join(picker.options)


def test_the_receiver__stores_a_delivery_in_the_workspace_of_its_address(two_workspaces: str) -> None:
    from starlette.testclient import TestClient

    from hooks.app import build_app
    from pulse.settings import build_settings

    engines = {name: workspace_engine(two_workspaces, name) for name in ("default", ALPHA.name, BRAVO.name)}
    made: list[tuple[object, list[int]]] = []
    app = build_app(
        engines["default"],
        build_settings(**SECRET_SETTINGS),
        on_stored=lambda store, ids: made.append((store, ids)),
        workspace_engine=lambda name: _engine_or_error(engines, name),
    )
    before = {name: count_feedback(engine) for name, engine in engines.items()}
    content = body("tally_nps.json")
    with TestClient(app) as client:
        answer = client.post(
            f"/w/{ALPHA.name}/hooks/tally", content=content, headers=signed("tally", content)
        )
        unknown = client.post(
            "/w/no-such-place/hooks/tally", content=content, headers=signed("tally", content)
        )
    try:
        assert (answer.status_code, answer.json()["outcome"]) == (200, "stored")
        assert (unknown.status_code, unknown.json()["outcome"]) == (404, "unknown_workspace")
        after = {name: count_feedback(engine) for name, engine in engines.items()}
        assert after == {**before, ALPHA.name: before[ALPHA.name] + 1}
        assert [store for store, _ids in made] == [engines[ALPHA.name]]  # its cases are opened there
        assert read_deliveries(engines[ALPHA.name])["outcome"].to_list()[-1:] == ["stored"]
        assert read_deliveries(engines[BRAVO.name]).is_empty()
    finally:
        for engine in engines.values():
            engine.dispose()


def _engine_or_error(engines: dict[str, Engine], name: str) -> Engine:
    if name not in engines:
        raise InputError(f"There is no workspace {name!r}.")
    return engines[name]


# Last: it adds to ALPHA, which the tests above count (the store is made once a module).
def test_writes__in_workspace_a_change_nothing_of_workspace_b(two_workspaces: str, tmp_path: Path) -> None:
    before = _data_version(two_workspaces, BRAVO)
    more = Tenant(ALPHA.name, ALPHA.marker, ALPHA.location, 5)
    _pulse("--workspace", ALPHA.name, "import", str(_survey(tmp_path / "more.csv", more)))
    _pulse(
        "--workspace",
        ALPHA.name,
        "rollouts",
        "add",
        "--name=Email bot",
        "--kind=chatbot",
        "--start=2026-11-12",
    )
    _pulse("--workspace", ALPHA.name, "forget", f"--author={BRAVO.name}-1", "--yes")
    assert _data_version(two_workspaces, BRAVO) == before
    status = _pulse("--workspace", BRAVO.name, "db", "status")
    assert f"Feedback items: {BRAVO.answers};" in status
