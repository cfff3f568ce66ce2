"""What identifies a survey export (collectors.surveys.sources): the vendor's form id, else its header."""

from __future__ import annotations

from pathlib import Path

from collectors.surveys import plan_survey_file
from collectors.surveys.sources import SurveyIdentity, recognise, survey_identity
from store.sources import StoredSource

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "surveys"


def identity_of(text: str, name: str = "export.csv") -> SurveyIdentity:
    return survey_identity(plan_survey_file(text.encode("utf-8"), name, timezone="UTC"))


def test_survey_identity__typeform_json_carries_its_form_id_in_the_link() -> None:
    identity = survey_identity(plan_survey_file(FIXTURES / "typeform_responses.json", timezone="UTC"))
    assert identity.form_id == "AbC"
    assert identity.keys == ("form:AbC", identity.signature)


def test_survey_identity__a_form_id_column_with_one_value_and_not_a_platform_id() -> None:
    assert identity_of("Form ID,Date,NPS\nf-77,2026-03-20,9\nf-77,2026-03-21,3\n").form_id == "f-77"
    assert (
        identity_of("Form ID,Date,NPS\nf-77,2026-03-20,9\nf-78,2026-03-21,3\n").form_id is None
    )  # two forms
    assert identity_of("Platform ID,Date,NPS\np1,2026-03-20,9\n").form_id is None


def test_survey_identity__the_header_in_any_order_under_any_name_is_the_same_survey() -> None:
    first = identity_of("Date,NPS,Comment\n2026-03-20,9,Nice\n", "responses.csv")
    reordered = identity_of("comment;nps;DATE\nFine;3;2026-04-01\n", "responses (1).csv")
    other = identity_of("Date,NPS,Why?\n2026-03-20,9,Nice\n")
    assert first.signature == reordered.signature != other.signature
    assert first.form_id is None and first.keys == (first.signature,)


def test_survey_identity__qualtrics_question_texts_tell_surveys_with_the_same_ids_apart() -> None:
    text = (FIXTURES / "qualtrics.csv").read_text(encoding="utf-8-sig")
    renamed = text.replace("On a scale from 0-10", "On a scale of zero to ten", 1)
    assert renamed != text
    assert identity_of(text).signature != identity_of(renamed).signature


def test_recognise__form_id_first_then_columns_but_never_another_forms_source() -> None:
    identity = SurveyIdentity("f1", "columns:abc", ("A",))
    sources = [
        StoredSource("Same columns, other form", "survey", "file", ("form:f2", "columns:abc"), ()),
        StoredSource("Same columns", "survey", "file", ("columns:abc",), ()),
        StoredSource("Reviews", "review", "trustpilot", ("columns:abc",), ()),
    ]
    assert [source.name for source in recognise(sources, identity)] == ["Same columns"]
    with_form = [*sources, StoredSource("The form", "survey", "typeform", ("form:f1",), ())]
    assert [source.name for source in recognise(with_form, identity)] == ["The form"]
