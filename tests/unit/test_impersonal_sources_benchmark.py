"""benchmarks/impersonal_sources.py: its precision, recall and F1, and their bootstrap intervals."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.impersonal_sources import figure_rows, precision_recall_f1


def test_precision_recall_f1__counts_hits_against_flags_and_truth() -> None:
    truth = np.array([True, True, True, False, False])
    flags = np.array([True, True, False, True, False])
    precision, recall, f1 = precision_recall_f1(truth, flags)
    assert (precision, recall) == (pytest.approx(2 / 3), pytest.approx(2 / 3))
    assert f1 == pytest.approx(2 / 3)
    assert precision_recall_f1(truth, np.zeros(5, bool)) == (0.0, 0.0, 0.0)


def test_figure_rows__each_interval_holds_its_figure_and_narrows_with_more_texts() -> None:
    rng = np.random.default_rng(0)
    truth = rng.random(400) < 0.25
    flags = truth ^ (rng.random(400) < 0.1)  # one text in ten called wrongly
    rows = figure_rows("test", truth, flags)
    assert [name.rsplit(": ", 1)[1] for name, _, _ in rows] == ["precision", "recall", "F1"]
    for _, value, unit in rows:
        low, high = interval(unit)
        assert low <= value <= high
    fewer = figure_rows("test", truth[:100], flags[:100])
    for (_, _, unit), (_, _, unit_of_fewer) in zip(rows, fewer, strict=True):
        assert np.diff(interval(unit)) < np.diff(interval(unit_of_fewer))


def interval(unit: str) -> tuple[float, float]:
    """The bounds written in a row's unit column, "(95% CI low to high)"."""
    low, high = unit.removeprefix("(95% CI ").removesuffix(")").split(" to ")
    return float(low), float(high)
