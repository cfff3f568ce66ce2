"""Themes over time: owner edits applied, per-week figures, rising themes and rollout changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from analysis.themes import (
    add_theme,
    falling_themes,
    one_sided_p,
    resolve_themes,
    rising_themes,
    rollout_changes,
    theme_periods,
    two_proportion_z,
)
from tests.theme_data import topics_frame


def themed(weeks: dict[int, dict[int | None, int]], start: datetime | None = None) -> pl.DataFrame:
    """Items per week offset and topic id: {week: {topic_id: count}}; sentiment -0.5 for topic 3 else 0.5,
    impersonal for topic 3."""
    start = start or datetime(2026, 1, 5, 12, tzinfo=UTC)  # a Monday
    rows = []
    for week, counts in weeks.items():
        for topic_id, count in counts.items():
            for index in range(count):
                rows.append(
                    {
                        "feedback_id": len(rows),
                        "created_at": start + timedelta(weeks=week, hours=index % 100),
                        "topic_id": topic_id,
                        "sentiment_score": -0.5 if topic_id == 3 else 0.5,
                        "impersonal": topic_id == 3,
                    }
                )
    return pl.DataFrame(rows, schema_overrides={"created_at": pl.Datetime("us", "UTC"), "topic_id": pl.Int64})


def test_resolve_themes__follows_merges_names_and_hides() -> None:
    resolved = {row["topic_id"]: row for row in resolve_themes(topics_frame()).to_dicts()}
    assert resolved[3]["theme_id"] == 2 and resolved[3]["theme"] == "Coffee"
    assert resolved[1]["theme"] == "Bread · loaf"
    assert resolved[4]["hidden"] and not resolved[1]["hidden"]


def test_resolve_themes__a_merge_cycle_does_not_loop() -> None:
    topics = topics_frame().with_columns(pl.Series("merged_into", [2, 1, None, None], dtype=pl.Int64))
    assert resolve_themes(topics).height == 4


def test_theme_periods__volume_share_sentiment_and_impersonal() -> None:
    frame = add_theme(themed({0: {1: 6, 2: 2, 3: 2, 4: 5, None: 5}}), topics_frame())
    periods = theme_periods(frame, "UTC")
    by_theme = {row["theme"]: row for row in periods.to_dicts()}
    assert set(by_theme) == {"Bread · loaf", "Coffee"}  # parking hidden, kiosk merged into coffee
    assert by_theme["Coffee"]["volume"] == 4
    assert by_theme["Bread · loaf"]["total"] == 15  # 20 items less the 5 hidden ones
    assert by_theme["Coffee"]["share"] == pytest.approx(4 / 15)
    assert by_theme["Coffee"]["mean_sentiment"] == pytest.approx(0.0)
    assert by_theme["Coffee"]["impersonal_share"] == pytest.approx(0.5)


def test_rising_themes__a_planted_rise_is_found_and_noise_is_not() -> None:
    steady = {week: {1: 20, 2: 20} for week in range(4)}
    rise = add_theme(themed({**steady, 4: {1: 20, 2: 20, 3: 25}}), topics_frame())
    found = rising_themes(theme_periods(rise, "UTC"))
    assert found["theme"].to_list() == ["Coffee"]  # kiosk counts as coffee
    assert found["change"][0] > 0.1 and found["p_value"][0] < 0.05
    flat = add_theme(themed({**steady, 4: {1: 21, 2: 19}}), topics_frame())
    assert rising_themes(theme_periods(flat, "UTC")).is_empty()


def test_falling_themes__a_planted_fall_is_found_a_vanished_theme_too_and_noise_is_not() -> None:
    steady = {week: {1: 20, 2: 20} for week in range(4)}
    fall = falling_themes(
        theme_periods(add_theme(themed({**steady, 4: {1: 20, 2: 3}}), topics_frame()), "UTC")
    )
    assert fall["theme"].to_list() == ["Coffee"] and fall["change"][0] < -0.3 and fall["p_value"][0] < 0.05
    gone = falling_themes(theme_periods(add_theme(themed({**steady, 4: {1: 20}}), topics_frame()), "UTC"))
    assert gone.select("theme", "volume", "share").row(0) == ("Coffee", 0, 0.0)
    flat = add_theme(themed({**steady, 4: {1: 21, 2: 19}}), topics_frame())
    assert falling_themes(theme_periods(flat, "UTC")).is_empty()


def test_rising_themes__needs_the_minimum_count() -> None:
    few = add_theme(themed({0: {1: 30}, 1: {1: 30}, 2: {1: 2, 2: 3}}), topics_frame())
    assert rising_themes(theme_periods(few, "UTC"), min_count=5).is_empty()
    assert not rising_themes(theme_periods(few, "UTC"), min_count=1).is_empty()


def test_two_proportion_z__sign_and_degenerate_cases() -> None:
    assert two_proportion_z(30, 100, 10, 100) > 3
    assert two_proportion_z(10, 100, 30, 100) < -3
    assert two_proportion_z(0, 0, 5, 10) == 0.0


def test_rollout_changes__the_planted_change_comes_first_with_its_interval() -> None:
    frame = add_theme(
        themed({week: ({1: 30, 2: 5} if week < 4 else {1: 30, 2: 5, 3: 25}) for week in range(8)}),
        topics_frame(),
    )
    rollouts = pl.DataFrame({"name": ["Kiosk"], "started_on": [date(2026, 2, 2)]})  # week 4
    changes = rollout_changes(frame, rollouts)
    first = changes.row(0, named=True)
    assert first["theme"] == "Coffee" and first["change"] > 0.2
    assert first["change_low"] > 0 and first["change_low"] < first["change"] < first["change_high"]
    assert changes.height <= 3


def test_rollout_changes__no_data_around_the_rollout_gives_nothing() -> None:
    frame = add_theme(themed({0: {1: 5}}), topics_frame())
    rollouts = pl.DataFrame({"name": ["Later"], "started_on": [date(2027, 1, 1)]})
    assert rollout_changes(frame, rollouts).is_empty()


def test_two_proportion_z__and_one_sided_p_equal_statsmodels_and_scipy() -> None:
    from scipy.stats import norm
    from statsmodels.stats.proportion import proportions_ztest

    for hits, total, base_hits, base_total in [(30, 100, 10, 100), (3, 40, 20, 400), (12, 50, 100, 1000)]:
        z, _ = proportions_ztest([hits, base_hits], [total, base_total])
        assert two_proportion_z(hits, total, base_hits, base_total) == pytest.approx(z, rel=1e-12)
        assert one_sided_p(z) == pytest.approx(norm.sf(z), rel=1e-9)
