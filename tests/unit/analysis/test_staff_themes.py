"""Staff hear it too (analysis/themes/staff.py): staff observations counted by the customers' themes they mention,
as the pipeline themed them or as the staff member picked them, with owners' edits, beside the customers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from analysis.themes.staff import STAFF_SUMMARY_SCHEMA, staff_theme_mentions, staff_theme_summary, theme_names
from tests.theme_data import topics_frame

START = datetime(2026, 3, 2, 9, tzinfo=UTC)


def observations(rows: list[tuple[int, str, str | None, str]]) -> pl.DataFrame:
    """read_observations' columns from (id, text, picked theme, reported_by), a day apart, oldest first."""
    return pl.DataFrame(
        [
            {
                "id": item,
                "created_at": START + timedelta(days=index),
                "text": text,
                "channel": None,
                "theme": theme,
                "reported_by": who,
            }
            for index, (item, text, theme, who) in enumerate(rows)
        ],
        schema_overrides={"created_at": pl.Datetime("us", "UTC"), "channel": pl.String, "theme": pl.String},
    )


def pipeline_themes(assigned: dict[int, int | None]) -> pl.DataFrame:
    """read_themed_feedback's columns for staff items: feedback id -> topic id (None: no theme)."""
    return pl.DataFrame(
        {
            "feedback_id": list(assigned),
            "created_at": [START] * len(assigned),
            "topic_id": list(assigned.values()),
            "similarity": [0.8] * len(assigned),
            "sentiment_score": [-0.9] * len(assigned),
            "impersonal": [False] * len(assigned),
        },
        schema_overrides={
            "feedback_id": pl.Int64,
            "created_at": pl.Datetime("us", "UTC"),
            "topic_id": pl.Int64,
        },
    )


def summary(volumes: dict[int, tuple[str, int]]) -> pl.DataFrame:
    """A ThemeReport summary's theme_id, theme and volume (the customers' themes in view, biggest first)."""
    return pl.DataFrame(
        {
            "theme_id": list(volumes),
            "theme": [name for name, _ in volumes.values()],
            "volume": [volume for _, volume in volumes.values()],
        },
        schema={"theme_id": pl.Int64, "theme": pl.String, "volume": pl.Int64},
    )


def test_theme_names__offers_each_visible_theme_once_by_the_name_shown() -> None:
    assert theme_names(topics_frame()) == ["Bread · loaf", "Coffee"]  # 3 merged into Coffee, 4 hidden
    assert theme_names(topics_frame().clear()) == []


def test_staff_theme_mentions__counts_the_pipelines_theme_and_the_picked_one_with_merges_and_hides() -> None:
    staff = observations(
        [
            (10, "Customers asked for the bread recipe again", None, "maya"),
            (11, "The kiosk screen froze twice at lunch", "Coffee", "tom"),  # picked the merged-into theme
            (12, "Someone asked about parking", "Parking", "maya"),  # a hidden theme: left out
            (13, "A customer said it felt like a robot", "Not a theme", "tom"),  # an unknown name: none
        ]
    )
    themed = pipeline_themes({10: 1, 11: 3, 12: 4, 13: None})  # 3 is merged into 2 (Coffee), 4 hidden
    mentions = staff_theme_mentions(themed, staff, topics_frame())
    assert sorted(mentions.select("feedback_id", "theme_id").rows()) == [(10, 1), (11, 2)]  # 11 once
    assert mentions["reported_by"].to_list() == ["tom", "maya"]  # newest first


def test_staff_theme_mentions__without_observations_or_themes_is_empty() -> None:
    staff = observations([(10, "Busy morning", None, "maya")])
    assert staff_theme_mentions(pipeline_themes({10: 1}), staff.clear(), topics_frame()).is_empty()
    assert staff_theme_mentions(pipeline_themes({10: 1}), staff, topics_frame().clear()).is_empty()


def test_staff_theme_summary__counts_beside_the_customers_with_the_newest_quotes_redacted() -> None:
    staff = observations(
        [
            (10, "Bread sold out by ten", "Bread · loaf", "maya"),
            (11, "Asked for the loaf with seeds", "Bread · loaf", "tom"),
            (12, "Wanted the baker's number, call 07700 900123", "Bread · loaf", "priya"),
        ]
    )
    mentions = staff_theme_mentions(pipeline_themes({}), staff, topics_frame())
    table = staff_theme_summary(summary({2: ("Coffee", 30), 1: ("Bread · loaf", 12)}), mentions, quotes=2)
    assert table.schema == pl.Schema(STAFF_SUMMARY_SCHEMA)
    assert table.select("theme", "customers", "staff").rows() == [("Coffee", 30, 0), ("Bread · loaf", 12, 3)]
    bread = table.row(1, named=True)
    assert bread["quotes"] == ["Wanted the baker's number, call [phone]", "Asked for the loaf with seeds"]
    assert bread["reported_by"] == ["priya", "tom"]
    assert table.row(0, named=True)["quotes"] == []
    assert staff_theme_summary(summary({}), mentions).is_empty()
