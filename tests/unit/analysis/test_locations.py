"""analysis.locations: locations against the business on a funnel plot, and what changed since last month, on
tiny literal frames."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import polars as pl
import pytest
from statsmodels.stats.proportion import proportion_confint

from analysis.locations import (
    compare_locations,
    funnel_limits,
    location_changes,
    month_windows,
    overall_figures,
    read_location_tallies,
    read_repeat_tallies,
)
from analysis.metrics import read_day_counts


def answers(location: str, promoters: int, passives: int, detractors: int, day: int = 1) -> pl.DataFrame:
    """NPS answers at `location` (CSAT 5 for promoters, 3 otherwise; no comments scored)."""
    scores = [10] * promoters + [8] * passives + [2] * detractors
    return pl.DataFrame(
        {
            "created_at": [datetime(2026, 3, day, 12, tzinfo=UTC)] * len(scores),
            "location": [location] * len(scores),
            "nps": scores,
            "csat": [5 if score == 10 else 3 for score in scores],
        },
        schema_overrides={"nps": pl.Int8, "csat": pl.Int8},
    )


def tallies_of(*frames: pl.DataFrame) -> pl.DataFrame:
    return read_location_tallies(read_day_counts(pl.concat(frames), group_by=("location",)))


def test_read_location_tallies__nps_and_csat_with_the_pages_intervals_feedback_without_a_location_left_out() -> (
    None
):
    nowhere = answers("x", 5, 0, 0).with_columns(pl.lit(None, pl.String).alias("location"))
    tallies = tallies_of(answers("North", 6, 2, 2), answers("South", 1, 0, 3), nowhere)
    nps = tallies.filter(pl.col("measure") == "nps").sort("location")
    assert nps["location"].to_list() == ["North", "South"]
    assert nps["n"].to_list() == [10, 4] and nps["value"].to_list() == [40.0, -50.0]
    assert nps["positive"].to_list() == [6, 1] and nps["negative"].to_list() == [2, 3]
    csat = tallies.filter((pl.col("measure") == "csat") & (pl.col("location") == "North")).row(0, named=True)
    low, high = proportion_confint(6, 10, method="wilson")
    assert csat["value"] == 0.6 and csat["low"] == pytest.approx(low) and csat["high"] == pytest.approx(high)
    assert tallies.filter(pl.col("measure") == "impersonal").is_empty()  # nothing scored yet


def test_funnel_limits__narrow_as_n_grows_and_hold_the_stated_share_of_a_binomial() -> None:
    overall = {"mean": 0.8, "sd": 0.4}
    sizes = np.array([10, 100, 1000])
    limits = funnel_limits("csat", overall, sizes)
    widths = limits["high_998"] - limits["low_998"]
    assert widths[0] > widths[1] > widths[2]
    assert (limits["low_998"] <= limits["low_95"]).all() and (limits["high_95"] <= limits["high_998"]).all()
    # about 95% of draws of 1000 answers fall inside the 95% limits (exact binomial limits, interpolated)
    draws = np.random.default_rng(7).binomial(1000, 0.8, 20_000) / 1000
    inside = ((draws >= limits["low_95"][2]) & (draws <= limits["high_95"][2])).mean()
    assert 0.93 < inside < 0.97
    nps = funnel_limits("nps", {"mean": 0.3, "sd": 0.8}, np.array([25, 400]))
    assert nps["high_95"][1] == pytest.approx(30 + 1.96 * 80 / 20, abs=0.01)  # points, normal approximation
    assert nps["high_998"][0] - 30 == pytest.approx(3.0902 * 80 / 5, abs=0.01)


def test_compare_locations__a_large_clearly_worse_location_is_called_out_and_a_small_noisy_one_is_not() -> (
    None
):
    big = [answers(name, 120, 50, 30) for name in ("A", "B", "C", "D")]  # NPS +45 each, 200 answers
    worse = answers("Worse", 60, 60, 80)  # NPS -10 on 200 answers
    tiny = answers("Tiny", 0, 2, 3)  # NPS -60 on 5 answers: further from the business, but only 5
    compared = compare_locations(tallies_of(*big, worse, tiny)).filter(pl.col("measure") == "nps")
    by_location = {row["location"]: row for row in compared.iter_rows(named=True)}
    overall = overall_figures(tallies_of(*big, worse, tiny)).filter(pl.col("measure") == "nps")
    assert by_location["A"]["overall"] == pytest.approx(overall["value"][0])
    assert by_location["Worse"]["called_out"] == "below" and by_location["Worse"]["better"] is False
    assert by_location["Tiny"]["value"] < by_location["Worse"]["value"]
    assert by_location["Tiny"]["called_out"] is None
    assert by_location["Tiny"]["low_998"] < by_location["Worse"]["low_998"]  # wider at 5 answers
    assert compared["location"][0] == "Worse"  # called out first


def test_compare_locations__lower_impersonal_share_is_the_better_side() -> None:
    tallies = pl.DataFrame(
        {
            "location": ["A", "B", "C"],
            "measure": ["impersonal"] * 3,
            "n": [400, 400, 400],
            "positive": [20, 22, 90],
            "negative": [0, 0, 0],
            "value": [0.05, 0.055, 0.225],
            "low": [0.0] * 3,
            "high": [1.0] * 3,
        }
    )
    rows = {row["location"]: row for row in compare_locations(tallies).iter_rows(named=True)}
    assert (rows["C"]["called_out"], rows["C"]["better"]) == ("above", False)  # 22.5 per 100 against 11
    assert (rows["A"]["called_out"], rows["A"]["better"]) == ("below", True)


def test_read_repeat_tallies__per_location_returning_to_that_location() -> None:
    day = lambda d: datetime(2026, 3, d, 12, tzinfo=UTC)  # noqa: E731
    orders = pl.DataFrame(
        {
            "customer_hash": ["a", "a", "b", "b", "c", "a"],
            "ordered_at": [day(1), day(20), day(2), day(21), day(22), day(23)],
            "amount": [5.0] * 6,
            "location": ["North", "North", "North", "North", "North", "South"],
        }
    )
    tallies = read_repeat_tallies(orders, date(2026, 3, 15), date(2026, 3, 31))
    rows = {row["location"]: row for row in tallies.iter_rows(named=True)}
    assert (rows["North"]["n"], rows["North"]["positive"]) == (3, 2)  # a and b came back; c is new
    assert (rows["South"]["n"], rows["South"]["positive"]) == (1, 0)  # a's first visit to South
    assert rows["North"]["low"] < rows["North"]["value"] < rows["North"]["high"]


def test_month_windows__the_last_thirty_days_and_the_thirty_before() -> None:
    assert month_windows(date(2026, 11, 22)) == (
        (date(2026, 9, 24), date(2026, 10, 23)),
        (date(2026, 10, 24), date(2026, 11, 22)),
    )


def test_location_changes__a_clear_change_at_a_large_location_ranks_above_a_wild_swing_at_a_tiny_one() -> (
    None
):
    before = tallies_of(answers("Big", 165, 90, 45), answers("Tiny", 3, 0, 0), answers("Still", 40, 10, 10))
    now = tallies_of(answers("Big", 120, 90, 90), answers("Tiny", 0, 0, 3), answers("Still", 40, 10, 10))
    changes = location_changes(before, now, min_responses=30).filter(pl.col("measure") == "nps")
    rows = {row["location"]: row for row in changes.iter_rows(named=True)}
    assert rows["Tiny"]["change"] == -200.0 and rows["Big"]["change"] == pytest.approx(-30.0)
    assert rows["Big"]["rank"] == 1 and rows["Big"]["change_high"] < 0  # clearly down
    assert rows["Tiny"]["thin"] and rows["Tiny"]["rank"] == 3  # thin: after every solid location
    assert rows["Still"]["change"] == 0 and rows["Still"]["change_low"] < 0 < rows["Still"]["change_high"]
    # even without the thin rule the adjusted change keeps the tiny swing below the large clear one
    assert abs(rows["Tiny"]["z"]) < abs(rows["Big"]["z"])


def test_location_changes__shares_use_agresti_caffo() -> None:
    from statsmodels.stats.proportion import confint_proportions_2indep

    before = tallies_of(answers("A", 50, 50, 0))  # CSAT: 50 of 100
    now = tallies_of(answers("A", 70, 30, 0))  # 70 of 100
    row = location_changes(before, now).filter(pl.col("measure") == "csat").row(0, named=True)
    low, high = confint_proportions_2indep(70, 100, 50, 100, method="agresti-caffo", compare="diff")
    assert row["change"] == pytest.approx(0.2)
    assert (row["change_low"], row["change_high"]) == (pytest.approx(low), pytest.approx(high))
    assert row["z"] > 2


def test_funnel_curves__from_one_answer_to_past_the_largest_location() -> None:
    from analysis.locations import funnel_curves

    curves = funnel_curves(tallies_of(answers("A", 60, 30, 10), answers("B", 5, 3, 2)), "nps")
    assert curves["n"][0] == 1 and curves["n"][-1] >= 100
    assert curves["overall"].unique().to_list() == [pytest.approx(100 * (65 - 12) / 110)]  # pooled
    assert curves["high_998"][-1] - curves["low_998"][-1] < curves["high_998"][10] - curves["low_998"][10]
    assert funnel_curves(tallies_of(answers("A", 1, 0, 0)), "impersonal").is_empty()


def test_funnel_limits__no_spread_when_every_answer_is_the_same() -> None:
    limits = funnel_limits("repeat", {"mean": 0.0, "sd": 0.0}, np.array([5, 50]))
    assert limits["low_998"].tolist() == limits["high_998"].tolist() == [0.0, 0.0]
    everyone = pl.DataFrame(
        {
            "location": ["A", "B"],
            "measure": ["repeat", "repeat"],
            "n": [10, 40],
            "positive": [0, 0],
            "negative": [0, 0],
            "value": [0.0, 0.0],
            "low": [0.0, 0.0],
            "high": [0.3, 0.1],
        }
    )
    assert compare_locations(everyone)["called_out"].null_count() == 2  # nobody differs from a business of 0%
