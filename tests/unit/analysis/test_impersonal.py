"""The impersonal-experience detector: contract tests with a tiny fake embedder (fast), paraphrases and the
quality floor with the real all-MiniLM-L6-v2 model (slow)."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import polars as pl
import pytest

from analysis.impersonal import (
    Finding,
    add_impersonal,
    detect_impersonal,
    sentences,
)
from analysis.impersonal_prototypes import COUNTER_PROTOTYPES, CUE_PROTOTYPES
from analysis.impersonal_threshold import FLAG_AT, IMPERSONAL_VERSION, unsure_band
from tests.shared_data import shared_data

CUE_NAMES = set(CUE_PROTOTYPES)


def bag_of_letters(texts: Sequence[str]) -> np.ndarray:
    """A deterministic stand-in embedder: unit vectors of letter counts (no model, no network)."""
    vectors = np.zeros((len(texts), 26), dtype=np.float32)
    for row, text in enumerate(texts):
        for letter in text.lower():
            if "a" <= letter <= "z":
                vectors[row, ord(letter) - ord("a")] += 1
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


def no_paraphrases(texts: Sequence[str]) -> np.ndarray:
    """An embedder whose vectors are close to no phrase (all zero): only the keyword rules can fire."""
    return np.zeros((len(texts), 26), dtype=np.float32)


def test_sentences__splits_and_drops_links_and_handles() -> None:
    parts = sentences("@AmazonHelp no reply yet! https://t.co/x Still waiting.\nThanks")
    assert parts == ["no reply yet!", "Still waiting."]


def test_sentences__a_one_sentence_text_is_its_own_sentence() -> None:
    assert sentences("My card has not arrived yet.") == ["My card has not arrived yet."]
    assert sentences("I called; nobody answered. Still waiting!") == [
        "I called",
        "nobody answered.",
        "Still waiting!",
    ]


def test_detect_impersonal__keyword_cues_fire_with_any_embedder() -> None:
    findings = detect_impersonal(
        ["They never called me back and I was on hold for 40 minutes.", "Lovely bread."],
        [-0.4, 0.6],
        bag_of_letters,
    )
    assert findings[0].impersonal
    assert {"no one got back to me", "phone tree or hold queue"} <= set(findings[0].cues)
    assert not findings[1].impersonal
    assert findings[1].cues == ()


@pytest.mark.slow
def test_detect_impersonal__weak_cues_need_a_negative_text(real_embedder) -> None:  # type: ignore[no-untyped-def]
    texts = ["The kiosk is awful and slow", "The kiosk is great"]
    findings = detect_impersonal(texts, [-0.5, 0.6], real_embedder)
    assert findings[0].cues == ("pushed to an app or kiosk",)
    assert not findings[1].impersonal


@pytest.mark.slow
def test_detect_impersonal__weak_cues_fire_in_the_negative_clause_of_a_mixed_text(real_embedder) -> None:  # type: ignore[no-untyped-def]
    texts = ["Great bread, but the kiosk is a nightmare.", "The kiosk is brilliant, but the bread was stale."]
    findings = detect_impersonal(texts, [0.0, 0.0], real_embedder)  # mixed texts score inside the band
    assert "pushed to an app or kiosk" in findings[0].cues
    assert not findings[1].impersonal


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("I was transferred from one department to another and nobody could help.", "passed around"),
        ("They kept redirecting me to different people for two weeks.", "passed around"),
        ("Another phone call, another runaround.", "passed around"),
        ("They said they would get back to me within a day, but nothing.", "no one got back to me"),
        ("The office is not taking my calls.", "no one got back to me"),
        ("I have yet to receive a call back from a manager.", "no one got back to me"),
        ("Nobody ever followed up on my complaint.", "no one got back to me"),
        ("The answers were so scripted it was insulting.", "canned reply"),
        ("All I got were auto-generated letters.", "canned reply"),
        ("I called three times and it went straight to voicemail.", "phone tree or hold queue"),
        ("I could not get in touch with anyone at the shop.", "no human reachable"),
    ],
)
def test_detect_impersonal__v3_phrasings_from_real_complaints_fire(text: str, family: str) -> None:
    finding = detect_impersonal([text], [-0.5], no_paraphrases)[0]
    assert finding.impersonal
    assert family in finding.cues


@pytest.mark.parametrize(
    "text",
    [
        "I have automatic bill pay and they charged me twice this month.",
        "Signed up on March 2 and 3 hours later the bill had doubled.",
        "The self-service equipment arrived a week late and was broken.",
        "I received a voicemail from a debt collector about a loan I never took.",
    ],
)
def test_detect_impersonal__money_holds_and_automatic_payments_are_not_cues(text: str) -> None:
    """False flags on real complaints that v3's rules no longer make (a negative text, so weak cues would count)."""
    finding = detect_impersonal([text], [-0.5], no_paraphrases)[0]
    assert not finding.impersonal, finding.cues


def test_add_impersonal__adds_typed_columns_in_range() -> None:
    frame = pl.DataFrame(
        {
            "text": ["Nobody got back to me.", "", None, "Great coffee"],
            "sentiment_score": [-0.3, 0.0, None, 0.8],
        }
    )
    scored = add_impersonal(frame, embedder=bag_of_letters)
    assert scored.schema["impersonal_cues"] == pl.List(pl.String)
    assert scored.schema["impersonal_score"] == pl.Float64
    assert scored.schema["impersonal"] == pl.Boolean
    assert scored["impersonal"].to_list() == [True, False, False, False]
    assert scored["impersonal_score"].is_between(0, 1).all()
    assert all(set(cues) <= CUE_NAMES for cues in scored["impersonal_cues"])


def test_add_impersonal__needs_a_sentiment_score() -> None:
    with pytest.raises(pl.exceptions.ColumnNotFoundError):
        add_impersonal(pl.DataFrame({"text": ["hello"]}), embedder=bag_of_letters)


def test_prototypes__every_family_has_many_phrases_and_plain_names() -> None:
    assert IMPERSONAL_VERSION.startswith("impersonal-minilm")
    for family, phrases in {**CUE_PROTOTYPES, **COUNTER_PROTOTYPES}.items():
        assert len(phrases) >= 8, family
        assert family == family.lower() and "_" not in family


@pytest.fixture(scope="module")
def real_embedder():  # type: ignore[no-untyped-def]
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from analysis.embeddings import embed

    return embed


def _detect_one(text: str, sentiment_score: float, embedder) -> Finding:  # type: ignore[no-untyped-def]
    return detect_impersonal([text], [sentiment_score], embedder)[0]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "sentiment_score"),
    [
        ("I just wanted to talk to someone", 0.0),
        ("stuck in press-1 hell", -0.77),
        ("The chatbot was useless and I could never reach a human. Awful!", -0.7),
    ],
)
def test_detect_impersonal__flags_paraphrases_without_keywords(
    text: str, sentiment_score: float, real_embedder
) -> None:  # type: ignore[no-untyped-def]
    finding = _detect_one(text, sentiment_score, real_embedder)
    assert finding.impersonal
    assert finding.cues and set(finding.cues) <= CUE_NAMES
    assert 0.5 <= finding.score <= 1


@pytest.mark.slow
def test_detect_impersonal__a_weak_paraphrase_alone_is_left_for_a_person(real_embedder) -> None:  # type: ignore[no-untyped-def]
    """Near a family's phrases but not close enough to flag (v3 flags at 0.55): in the Explorer's "Needs a look"."""
    finding = _detect_one(
        "They sent me to the website when I asked for help at the desk.", 0.4, real_embedder
    )
    assert not finding.impersonal
    assert unsure_band()[0] <= finding.score < FLAG_AT


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "sentiment_score"),
    [
        ("The new booking app is brilliant, so quick!", 0.62),
        ("The waiter was rude to us and ignored our order.", -0.65),
        ("Ordering on the screen was painless, great idea.", 0.74),
        ("They phoned me back within the hour, impressive.", 0.51),
        ("The engineer didn't turn up on the day.", 0.0),
    ],
)
def test_detect_impersonal__leaves_praise_of_automation_and_rude_humans_alone(
    text: str, sentiment_score: float, real_embedder
) -> None:  # type: ignore[no-untyped-def]
    finding = _detect_one(text, sentiment_score, real_embedder)
    assert not finding.impersonal
    assert finding.cues == ()


@pytest.mark.slow
def test_detect_impersonal__f1_floor_on_fresh_complaints() -> None:
    """A tripwire on issue 19's fresh labelled data: every 3rd train-allowed row of impersonal_dev2.csv (CFPB
    and FCC complaints, 200 rows, 57 complaints; read from ../shared/data, never copied here), scored as the
    product scores. Measured 2026-12-05 with impersonal v3: precision 0.742, recall 0.807, F1 0.773 (v2: 0.648 /
    0.614 / 0.631). v3's rules were written from these sources' missed and false flags, so this is a regression
    floor, not a measure of new text (benchmarks/impersonal_sources.py has the whole table, Trustpilot's too)."""
    from analysis.impersonal_eval import flag_figures
    from analysis.pipeline import score_frame

    rows = pl.read_csv(shared_data("impersonal_dev2.csv")).filter(pl.col("source") != "tp").gather_every(3)
    scored = score_frame(rows.select("id", "text", "label"))
    precision, _, f1 = flag_figures(scored["label"].to_numpy() == 1, scored["impersonal"].to_numpy())
    assert precision >= 0.68 and f1 >= 0.70


@pytest.mark.slow
def test_evaluate_impersonal__held_out_precision_and_f1_floors(real_embedder) -> None:  # type: ignore[no-untyped-def]
    from analysis.impersonal_eval import evaluate_impersonal

    labelled = shared_data("impersonal_dev.csv")

    # measured 2026-11-23 on the held-out half (sentiment v2, impersonal v2): precision 0.774, recall 0.585, F1 0.667
    result = evaluate_impersonal(labelled, "held_out", real_embedder)
    assert result["precision"] >= 0.70
    assert result["f1"] >= 0.60
