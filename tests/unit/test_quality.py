"""Scorer quality on outside data, with floors set below what benchmarks/quality.py measured, so that a real
regression fails (measured 2026-11-23: VADER tweets r 0.878, Amazon r 0.571). The improved sentiment scorer's
and the impersonal detector's floors are in test_sentiment.py and test_impersonal.py."""

from __future__ import annotations

import pytest

from benchmarks.quality import SHARED_DATA, read_vader_set, sentiment_quality

pytestmark = pytest.mark.skipif(not SHARED_DATA.exists(), reason="needs ../shared/data beside the project")


@pytest.mark.parametrize(
    ("name", "min_r", "min_f1"), [("tweets", 0.85, 0.65), ("Amazon snippets", 0.54, 0.52)]
)
def test_vader__matches_the_papers_correlation_with_human_ratings(
    name: str, min_r: float, min_f1: float
) -> None:
    frame = read_vader_set(name)
    assert frame.height > 3000
    r, f1 = sentiment_quality(frame)
    assert r >= min_r and f1 >= min_f1
