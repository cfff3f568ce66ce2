"""The validation's simulator: the effect it injects is the one it says, and a run of it reports rates."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from analysis.impact.validation import START, Scenario, evaluate, simulate


def nps_before_and_after(frame: pl.DataFrame) -> list[float]:
    values = frame.with_columns(
        value=pl.when(pl.col("nps") >= 9).then(100.0).when(pl.col("nps") <= 6).then(-100.0).otherwise(0.0),
        after=pl.col("created_at").dt.date() >= START,
    )
    return values.group_by("after").agg(pl.col("value").mean()).sort("after")["value"].to_list()


def test_simulate__injects_the_effect_at_the_start() -> None:
    scenario = Scenario(-10.0, 20_000, weekday_seasonality=False)
    before, after = nps_before_and_after(simulate(scenario, np.random.default_rng(0)))
    # 50% promoters, 20% detractors: NPS 30; after, 45% and 25%: NPS 20 (se about 0.25 at 160,000 answers)
    assert before == pytest.approx(30, abs=1.5) and after - before == pytest.approx(-10, abs=1.5)


def test_simulate__comparison_channel_is_untouched() -> None:
    frame = simulate(Scenario(-20.0, 5_000, comparison=True), np.random.default_rng(1))
    assert set(frame["channel"].unique()) == {"online", "in-store"}
    before, after = nps_before_and_after(frame.filter(pl.col("channel") == "in-store"))
    assert after - before == pytest.approx(0, abs=3)


def test_evaluate__reports_rates_between_zero_and_one() -> None:
    outcome = evaluate(Scenario(-40.0, 150), runs=10)
    assert outcome.detected == 1.0  # a 40-point drop at 150 a week cannot be missed
    assert 0.0 <= outcome.coverage <= 1.0 and outcome.its_share == 0.0
    assert outcome.mean_estimate == pytest.approx(-40, abs=6)
