"""The demo's themes with the real model (all-MiniLM-L6-v2) and the small-business library: readable names a
manager can say out loud, and most comments under a library theme."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import polars as pl
import pytest

from analysis.embeddings import embed
from analysis.themes.library import load_library
from analysis.themes.theming import OTHER, theme_texts

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
UNREADABLE = re.compile(r"@\w|https?://|www\.|#\w|crumb|kettle|\d", re.IGNORECASE)


@pytest.mark.slow
def test_demo_themes__names_carry_no_handle_link_number_or_business_name() -> None:
    with (DEMO / "mentions.csv").open(encoding="utf-8") as handle:
        mentions = [row["text"] for row in csv.DictReader(handle)]
    with (DEMO / "reviews.csv").open(encoding="utf-8") as handle:
        reviews = [row["text"] for row in csv.DictReader(handle)][:300]
    texts = mentions + reviews
    assert sum("@crumbandkettle" in text for text in mentions) >= 10  # the handles are there to be left out
    themed = theme_texts(texts, embed, load_library("small_business"), business_name="Crumb & Kettle")
    table = themed.theme_table()
    names = table.filter(pl.col("name") != OTHER)["name"].to_list()
    assert 8 <= len(names) <= 25
    assert not [name for name in names if UNREADABLE.search(name)]
    covered = [number >= 0 and themed.topics[number].heading is not None for number in themed.main.tolist()]
    assert sum(covered) / len(texts) > 0.8  # measured 2026-12-05: see the README's themes table
