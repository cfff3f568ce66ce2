"""Themes of texts, sentence by sentence, with embeddings that share words (HashEncoder): library themes by
matching, a comment with several themes and the sentiment of each, new themes named without handles, links or
the business's name, and the rest as Other."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from analysis.themes.clustering import OUTLIER
from analysis.themes.library import LibraryTheme, ThemeLibrary
from analysis.themes.matching import KEYWORD_BONUS, LibraryIndex, keyword_pattern
from analysis.themes.naming import clean_for_keywords, phrase_name
from analysis.themes.theming import OTHER, assign_texts, pieces_to_embed, theme_texts
from tests.theme_data import HashEncoder

embed = HashEncoder(384).encode
LIBRARY = ThemeLibrary(
    name="Bakery",
    themes=(
        LibraryTheme(
            "bread", "Product", "Bread and pastry", "The bread.", ("great fresh bread",), ("bread", "loaf")
        ),
        LibraryTheme(
            "queues", "Service", "Speed and queues", "Waiting.", ("the queue was endless",), ("queue",)
        ),
        LibraryTheme("impersonal", "Automation", "Impersonal experience", detector="impersonal"),
    ),
)


def test_keyword_pattern__whole_words_and_plurals_only() -> None:
    pattern = keyword_pattern(["loaf", "queue", "£"])
    assert pattern is not None
    assert pattern.search("Two queues today") and pattern.search("a loaf") and pattern.search("£4 for tea")
    assert not pattern.search("loafers in the queueing area")


def test_library_index__a_keyword_adds_its_bonus_and_a_weak_match_is_left_out() -> None:
    index = LibraryIndex.build(LIBRARY, embed)
    assert index.keys == ["bread", "queues"]  # the detector's theme is not matched
    sentences = ["great fresh bread", "fresh bread loaf", "car park full"]
    themes, scores = index.match(sentences, embed(sentences))
    assert themes.tolist() == [0, 0, OUTLIER]
    assert scores[0] == pytest.approx(
        1 + KEYWORD_BONUS, abs=1e-5
    )  # the example itself, and the keyword "bread"


def test_theme_texts__a_comment_carries_each_theme_with_its_own_sentiment() -> None:
    texts = ["Great fresh bread, but the queue was endless and awful.", "car park full", "ok"]
    themed = theme_texts(texts, embed, LIBRARY, impersonal=[False, False, True])
    mentions = themed.mentions.filter(pl.col("text") == 0)
    by_name = {themed.topics[row["topic"]].label: row["sentiment_score"] for row in mentions.to_dicts()}
    assert set(by_name) == {"Bread and pastry", "Speed and queues"}
    assert by_name["Bread and pastry"] > 0 > by_name["Speed and queues"]
    columns = themed.text_columns()
    assert columns["theme"].to_list()[1] == OTHER and columns["theme_id"].to_list()[1] is None
    assert columns["themes"][0].split(";")[0] == columns["theme"][0]
    assert set(columns["themes"][0].split(";")) == {"Bread and pastry", "Speed and queues"}
    assert columns["theme"][2] == "Impersonal experience"  # flagged by the detector, nothing else
    table = themed.theme_table()
    assert table.filter(pl.col("name") == OTHER)["size"].to_list() == [1]
    assert table["share"].to_list()[:1] == [pytest.approx(1 / 3)]


def test_theme_texts__new_themes_are_named_without_handles_links_numbers_or_the_business() -> None:
    rest = [f"@crumbandkettle parking meter broken again https://x.co/{n} {n}" for n in range(12)]
    other = [f"lovely staff smile every visit number {n}" for n in range(12)]
    themed = theme_texts(rest + other, embed, LIBRARY, business_name="Crumb & Kettle")
    new = [topic for topic in themed.topics if topic.heading is None]
    assert len(new) == 2 and all(topic.size == 12 for topic in new)
    names = " ".join(topic.label.lower() for topic in new)
    assert "parking" in names or "meter" in names
    assert not any(mark in names for mark in ("@", "http", "crumb", "kettle", "x.co")) and not any(
        character.isdigit() for character in names
    )
    later = assign_texts(["parking meter broken again today", "fresh bread"], embed, LIBRARY, themed.topics)
    assert [themed.topics[number].heading for number in later.main.tolist()] == [None, "Product"]


def test_theme_texts__no_text_gives_no_theme() -> None:
    themed = theme_texts(["", None], embed, LIBRARY)
    assert themed.topics == [] and themed.main.tolist() == [OUTLIER, OUTLIER]
    assert themed.text_columns()["theme"].to_list() == [OTHER, OTHER]


def test_clean_for_keywords_and_phrase_name() -> None:
    cleaned = clean_for_keywords(
        ["@CrumbAndKettle Crumb & Kettle's loaf #yum at 10pm, see www.x.com or a@b.io"], "Crumb & Kettle"
    )
    assert cleaned == ["& loaf at , see or"]
    assert phrase_name(["card delivery", "delivery time", "tracking"]) == "Card delivery · tracking"
    assert pieces_to_embed(["One. Two and three.", None]) == ["One.", "Two and three.", "One. Two and three."]
    assert np.allclose(np.linalg.norm(embed(["a b"]), axis=1), 1)


def test_text_columns__a_comment_whose_main_theme_is_not_listed_takes_its_listed_one() -> None:
    texts = [
        "the queue was endless",
        "the queue was endless again",
        "great fresh bread, but the queue was endless",
    ]
    themed = theme_texts(texts, embed, LIBRARY)
    columns = themed.text_columns(max_themes=1)  # only Speed and queues is listed
    assert columns["theme"].to_list() == ["Speed and queues"] * 3
    assert columns["themes"].to_list() == ["Speed and queues"] * 3
    assert themed.theme_table(max_themes=1)["name"].to_list() == ["Speed and queues"]  # no Other: all listed
