"""The Follow-up page (AppTest): the answer first, the cases overdue first, a case opened by its link, contact
details and buttons for editors and admins only, each move kept in the history with who made it, the rules
saved; and the Pulse page's way to it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis.case_measures import count_open_cases
from pulse.contact_crypto import new_key
from store.cases import NewCase, create_cases, read_case_events, read_cases, read_rule_changes
from store.contacts import write_contacts
from store.daily_counts import refresh_daily_counts
from store.engine import build_engine
from store.feedback import read_feedback, upsert_feedback
from store.records import FeedbackFrame, FeedbackRecord, SourceSpec
from store.users import add_user
from tests.app.pages import APP, PASSWORD, sign_in_as, signed_out_app
from tests.app.widgets import as_read
from tests.cases import demo_copy_with_cases

PAGE = "app_pages/follow_up.py"
NOW = datetime.now(UTC)
WORDS = {
    "S1": "Nobody answered the chat, only a bot. Call me on 07700 900123.",
    "S2": "The kiosk ate my order twice.",
    "S3": "Robot replies every time, never a person.",
}


def page_links(app: AppTest) -> list[object]:
    return [element.proto for element in app.get("page_link")]


@pytest.fixture
def empty_store_url(each_store_url: str) -> str:
    """This page's tests, its roles' included, run on SQLite and on PostgreSQL."""
    return each_store_url


@pytest.fixture
def three_cases(empty_store_url: str) -> dict[str, int]:
    """Three open cases: S1 due in 10 h (a detractor), S2 overdue by 5 h (1 star), S3 due in 30 h; by
    external id."""
    engine = build_engine(empty_store_url)
    records = [
        FeedbackRecord(
            "S1",
            "survey",
            NOW - timedelta(hours=2),
            WORDS["S1"],
            nps=2,
            channel="online",
            author_hash="a" * 64,
        ),
        FeedbackRecord("S2", "review", NOW - timedelta(hours=30), WORDS["S2"], stars=1, location="Leeds"),
        FeedbackRecord(
            "S3", "survey", NOW - timedelta(hours=1), WORDS["S3"], nps=4, csat=2, channel="online"
        ),
    ]
    upsert_feedback(engine, SourceSpec("Survey: test", "survey", "file"), FeedbackFrame.of(records))
    refresh_daily_counts(engine, "Europe/London")
    ids = dict(zip(*read_feedback(engine, ("external_id", "id")).get_columns(), strict=True))
    made = create_cases(
        engine,
        [
            NewCase(ids["S1"], "detractor", NOW + timedelta(hours=10)),
            NewCase(ids["S2"], "low_stars", NOW - timedelta(hours=5)),
            NewCase(ids["S3"], "impersonal", NOW + timedelta(hours=30)),
        ],
        now=NOW - timedelta(hours=20),
    )
    engine.dispose()
    return dict(zip(("S1", "S2", "S3"), made, strict=True))


def follow_up_page(url: str, use_database, case: int | None = None) -> AppTest:  # type: ignore[no-untyped-def]
    use_database(url)
    app = AppTest.from_file(APP, default_timeout=120)
    if case is not None:
        app.query_params["case"] = str(case)
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    return app


def case_ids_listed(app: AppTest) -> list[int]:
    (listed,) = [frame for frame in app.dataframe if "Customer said" in frame.value.columns]
    return listed.value["Case"].tolist()


def history(app: AppTest) -> list[tuple[str, str]]:
    """The picked case's history: (by, what) for each line."""
    (table,) = [
        frame for frame in app.dataframe if list(frame.value.columns) == ["When", "By", "What", "Note"]
    ]
    return list(zip(table.value["By"], table.value["What"], strict=True))


def test_follow_up_page__without_cases_says_how_they_are_made_and_shows_the_rules(
    empty_store_url: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    app = follow_up_page(empty_store_url, use_database)
    assert app.title[0].value == "Follow-up"
    assert any(
        "No follow-up cases yet." in info.value and "`pulse analyze`" in info.value for info in app.info
    )
    (rules,) = app.dataframe
    assert rules.value["Rule"].tolist() == [
        "Detractor (NPS 0-6)",
        "Impersonal-service complaint",
        "Review of 1-2 stars",
        "Asks to be contacted",
    ]
    assert rules.value["First contact due within (business hours)"].tolist() == [48] * 4
    assert not app.metric


def test_follow_up_page__answers_first_and_lists_overdue_first_then_by_due_time(
    three_cases: dict[str, int], empty_store_url: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    app = follow_up_page(empty_store_url, use_database)
    assert app.warning[0].value == (
        "3 open cases, 1 overdue; 0% contacted within the due time (last 90 days)."
    )
    assert [(metric.label, metric.value) for metric in app.metric] == [
        ("Open cases", "3"),
        ("Overdue", "1"),
        ("Contacted in time", "0%"),
        ("Median first contact", "–"),
    ]
    assert case_ids_listed(app) == [three_cases["S2"], three_cases["S1"], three_cases["S3"]]
    (listed,) = [frame for frame in app.dataframe if "Customer said" in frame.value.columns]
    assert listed.value["Due"].tolist()[0] == "overdue by 5 h"
    assert listed.value["Why"].tolist() == [
        "Review of 1-2 stars",
        "Detractor (NPS 0-6)",
        "Impersonal-service complaint",
    ]
    # open access: no "my cases", every case; the first listed is open
    assert not [control for control in app.segmented_control if control.key == "follow_up__whose"]
    assert app.selectbox(key="follow_up__case").value == three_cases["S2"]
    assert ":red-badge[:material/schedule: Overdue by 5 h]" in [block.value for block in app.markdown]


def test_follow_up_page__a_link_opens_its_case(
    three_cases: dict[str, int], empty_store_url: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    app = follow_up_page(empty_store_url, use_database, case=three_cases["S3"])
    assert app.selectbox(key="follow_up__case").value == three_cases["S3"]
    assert as_read(app.subheader[0].value) == f"Case {three_cases['S3']}: Impersonal-service complaint"
    assert WORDS["S3"] in [text.value for text in app.text]
    app.selectbox(key="follow_up__case").select(three_cases["S1"]).run()
    assert app.query_params["case"] == str(three_cases["S1"])  # the link follows the pick
    assert as_read(app.subheader[0].value) == f"Case {three_cases['S1']}: Detractor (NPS 0-6)"


def test_follow_up_page__a_viewer_sees_no_contact_details_and_no_buttons(  # type: ignore[no-untyped-def]
    three_cases: dict[str, int], empty_store_url: str, use_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = build_engine(empty_store_url)
    add_user(engine, "ann", PASSWORD, "viewer")
    app = sign_in_as(signed_out_app(empty_store_url, use_database, monkeypatch), "ann", PASSWORD)
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    assert app.segmented_control(key="follow_up__whose").value == "mine"
    assert any("No cases assigned to you" in info.value for info in app.info)
    app.segmented_control(key="follow_up__whose").set_value("all").run()
    app.selectbox(key="follow_up__case").select(three_cases["S1"]).run()
    assert any(
        caption.value == "Contact details hidden: editors and admins see them." for caption in app.caption
    )
    assert not [button for button in app.button if button.key and button.key.startswith("follow_up__")]
    assert not app.get("code")
    texts = [text.value for text in app.text]
    assert "Nobody answered the chat, only a bot. Call me on [phone]." in texts  # masked for a viewer
    (listed,) = [frame for frame in app.dataframe if "Customer said" in frame.value.columns]
    assert "07700" not in " ".join(listed.value["Customer said"])
    assert not [box for box in app.checkbox if box.key and box.key.startswith("follow_up__rule")]


def test_follow_up_page__an_editor_assigns_contacts_and_resolves_and_the_history_names_them(  # type: ignore[no-untyped-def]
    three_cases: dict[str, int], empty_store_url: str, use_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = build_engine(empty_store_url)
    add_user(engine, "eve", PASSWORD, "editor")
    app = sign_in_as(signed_out_app(empty_store_url, use_database, monkeypatch), "eve", PASSWORD)
    case_id = three_cases["S1"]
    app.query_params["case"] = str(case_id)
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    assert app.selectbox(key="follow_up__case").value == case_id  # the link opens it, whoever it is for
    assert WORDS["S1"] in [text.value for text in app.text]  # unmasked for an editor
    assert app.selectbox(key=f"follow_up__assignee_{case_id}").options[0] == "Me"
    app.selectbox(key=f"follow_up__assignee_{case_id}").select("Me")
    app.button(key=f"follow_up__assign_{case_id}").click().run()
    assert not app.exception, app.exception
    assert as_read(app.success[0].value) == f"Case {case_id} assigned to eve."
    app.button(key=f"follow_up__contacted_{case_id}").click().run()
    assert app.success[0].value == f"Case {case_id}: Contacted."
    app.text_area(key=f"follow_up__note_{case_id}").input("Called: the bot lost her order; refunded.")
    app.button(key=f"follow_up__add_note_{case_id}").click().run()
    app.button(key=f"follow_up__resolved_{case_id}").click().run()
    assert not app.exception, app.exception
    stored = read_cases(engine, case_ids=[case_id]).row(0, named=True)
    assert (stored["status"], stored["assignee"]) == ("resolved", "eve")
    assert stored["first_contact_at"] is not None and stored["closed_at"] is not None
    assert history(app) == [
        ("pulse", 'Made by the rule "Detractor (NPS 0-6)"'),
        ("eve", "Assigned to eve"),
        ("eve", "Assigned (was New)"),
        ("eve", "Contacted (was Assigned)"),
        ("eve", "Note"),
        ("eve", "Resolved (was Contacted)"),
    ]
    assert read_case_events(engine, case_id)["by"].to_list()[1:] == ["eve"] * 5
    # now mine, and closed: "My cases" with every status lists it; Reopen in place of the status buttons
    app.pills(key="follow_up__status").set_value([]).run()
    assert case_ids_listed(app) == [case_id]
    assert [button.key for button in app.button if button.key == f"follow_up__reopen_{case_id}"]


def test_follow_up_page__contact_details_need_the_key_and_the_editor_role(  # type: ignore[no-untyped-def]
    three_cases: dict[str, int], empty_store_url: str, use_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = new_key()
    write_contacts(build_engine(empty_store_url), {"a" * 64: "jo.customer@example.com"}, key)
    case_id = three_cases["S1"]  # the respondent who gave the address
    app = follow_up_page(empty_store_url, use_database, case=case_id)  # open access: an admin; no key set
    assert any(caption.value.startswith("No contact details kept") for caption in app.caption)
    assert not app.get("code")

    monkeypatch.setenv("PULSE_CONTACT_KEY", key)
    editor = follow_up_page(empty_store_url, use_database, case=case_id)
    assert [block.value for block in editor.get("code")] == ["jo.customer@example.com"]  # type: ignore[attr-defined]
    editor.selectbox(key="follow_up__case").select(three_cases["S3"]).run()  # gave none
    assert any(caption.value == "The customer gave no contact details." for caption in editor.caption)

    monkeypatch.setenv("PULSE_CONTACT_KEY", new_key())  # another key cannot open it, and says so
    other = follow_up_page(empty_store_url, use_database, case=case_id)
    assert not other.get("code")
    assert any("cannot be read with PULSE_CONTACT_KEY" in caption.value for caption in other.caption)


def test_follow_up_page__open_access_records_dashboard_and_a_typed_assignee(
    three_cases: dict[str, int], empty_store_url: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    app = follow_up_page(empty_store_url, use_database)
    case_id = three_cases["S2"]
    assignee = app.selectbox(key=f"follow_up__assignee_{case_id}")
    assert assignee.options == ["Nobody", "Someone else…"]  # nobody is "me" under open access
    assignee.select("Someone else…").run()
    app.text_input(key=f"follow_up__assignee_name_{case_id}").input("Priya")
    app.button(key=f"follow_up__assign_{case_id}").click().run()
    app.button(key=f"follow_up__no_reply_{case_id}").click().run()
    assert not app.exception, app.exception
    engine = build_engine(empty_store_url)
    stored = read_cases(engine, case_ids=[case_id]).row(0, named=True)
    assert (stored["status"], stored["assignee"]) == ("no_reply", "Priya")
    assert set(read_case_events(engine, case_id)["by"].to_list()[1:]) == {"dashboard"}
    # the measures follow: S2 was first contacted (no reply) after its due time
    assert app.warning == [] or "overdue" not in app.warning[0].value
    assert [(metric.label, metric.value) for metric in app.metric][:3] == [
        ("Open cases", "2"),
        ("Overdue", "0"),
        ("Contacted in time", "0%"),
    ]


def test_follow_up_page__an_admin_saves_a_rule_change(
    three_cases: dict[str, int], empty_store_url: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    app = follow_up_page(empty_store_url, use_database)
    app.number_input(key="follow_up__rule_threshold_detractor").set_value(5)
    app.checkbox(key="follow_up__rule_enabled_contact_request").uncheck()
    app.number_input(key="follow_up__rule_due_low_stars").set_value(24)
    app.button(key="follow_up__save_rules").click().run()
    assert not app.exception, app.exception
    assert as_read(app.success[0].value).startswith(
        "Saved the rules: Detractor (NPS 0-5); Review of 1-2 stars; Asks to be contacted."
    )
    changes = read_rule_changes(build_engine(empty_store_url))
    assert (changes["detractor"].threshold, changes["detractor"].due_hours) == (5, 48)
    assert changes["contact_request"].enabled is False
    assert changes["low_stars"].due_hours == 24
    assert "impersonal" not in changes  # unchanged rules are not written
    rules = next(frame for frame in app.dataframe if "Rule" in frame.value.columns).value
    assert rules["Rule"].tolist()[0] == "Detractor (NPS 0-5)"
    assert rules["First contact due within (business hours)"].tolist() == [48, 48, 24, 48]
    app.button(key="follow_up__save_rules").click().run()
    assert any(info.value == "Nothing changed." for info in app.info)


def test_follow_up_page__a_staff_account_is_not_offered_it(  # type: ignore[no-untyped-def]
    three_cases: dict[str, int], empty_store_url: str, use_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A staff account's navigation is the Observations page alone, a link to a case included; the page's own
    refusal, when run by its file: tests/app/test_observations_page.py (OTHER_PAGES)."""
    add_user(build_engine(empty_store_url), "sam", PASSWORD, "staff")
    app = signed_out_app(empty_store_url, use_database, monkeypatch)
    app.query_params["case"] = str(three_cases["S1"])
    sign_in_as(app, "sam", PASSWORD)
    assert not app.exception, app.exception
    assert [title.value for title in app.title] == ["Observations"]
    assert WORDS["S1"] not in [text.value for text in app.text]


@pytest.fixture
def demo_with_cases(demo_database: str, tmp_path: Path) -> tuple[str, dict[int, int]]:
    return demo_copy_with_cases(demo_database, tmp_path)


def test_pulse_page__links_to_the_follow_up_page_with_its_counts_and_quotes_to_their_cases(
    demo_with_cases: tuple[str, dict[int, int]], use_database
) -> None:  # type: ignore[no-untyped-def]
    url, cases = demo_with_cases
    open_n, overdue_n = count_open_cases(read_cases(build_engine(url)), datetime.now(UTC))
    assert open_n and overdue_n  # the demo's own open cases and the one made overdue here
    use_database(url)
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    assert not app.exception, app.exception
    links = page_links(app)
    summary = [link.label for link in links if link.label.startswith("Follow-up:")]  # type: ignore[attr-defined]
    assert summary == [f"Follow-up: {open_n:,} open cases, {overdue_n} overdue"]
    quoted = [link for link in links if link.label.startswith("Follow-up case")]  # type: ignore[attr-defined]
    assert 1 <= len(quoted) == len(app.text)  # every quote of the week has its case
    for link in quoted:
        case_id = int(link.label.removeprefix("Follow-up case "))  # type: ignore[attr-defined]
        assert case_id in cases.values() and link.query_string == f"case={case_id}"  # type: ignore[attr-defined]
