"""analysis/impersonal_eval.py's figures for flags against labels, and their bootstrap intervals."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from analysis.impersonal_eval import bootstrap_intervals, flag_figures, precision_recall_f1


def test_flag_figures__agree_with_scikit_learns() -> None:
    rng = np.random.default_rng(1)
    truth, flags = rng.random(300) < 0.3, rng.random(300) < 0.25
    expected = precision_recall_f1(pl.Series(truth), pl.Series(flags))
    assert flag_figures(truth, flags) == pytest.approx(
        (expected["precision"], expected["recall"], expected["f1"])
    )
    assert flag_figures(truth, np.zeros(300, bool)) == (0.0, 0.0, 0.0)


def test_bootstrap_intervals__hold_the_figures_and_narrow_with_more_texts() -> None:
    rng = np.random.default_rng(0)
    truth = rng.random(400) < 0.25
    flags = truth ^ (rng.random(400) < 0.1)  # one text in ten called wrongly
    intervals = bootstrap_intervals(truth, flags)
    assert intervals.shape == (3, 2)
    for (low, high), value in zip(intervals, flag_figures(truth, flags), strict=True):
        assert low <= value <= high
    widths, fewer = np.diff(intervals).ravel(), np.diff(bootstrap_intervals(truth[:100], flags[:100])).ravel()
    assert (widths < fewer).all()
    np.testing.assert_array_equal(intervals, bootstrap_intervals(truth, flags))  # seeded
