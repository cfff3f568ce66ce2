"""Topic quality on Banking77 (outside data), with floors below what benchmarks/topics.py measured
(2026-11-24: NMI 0.802, ARI 0.515, no outliers), so that a real regression fails. Slow: it embeds the
3,080 test texts with the real model the first time (then they are cached in the temporary folder)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from analysis.themes import OUTLIER, fit_topics
from tests.topic_data import banking77_embeddings

pytestmark = (
    pytest.mark.slow
)  # skipped with a reason without ../shared/data (tests/shared_data.py), never in CI


def test_fit_topics__banking77_intents_are_recovered() -> None:
    frame, vectors = banking77_embeddings("test")
    fit = fit_topics(frame["text"].to_list(), vectors)
    intents = frame["category"].to_list()
    assert normalized_mutual_info_score(intents, fit.assignments) >= 0.78
    assert adjusted_rand_score(intents, fit.assignments) >= 0.45
    assert float(np.mean(fit.assignments == OUTLIER)) <= 0.05
    assert 40 <= len(fit.topics) <= 120
