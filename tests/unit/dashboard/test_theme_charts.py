"""The Themes page's chart, tested as data."""

from __future__ import annotations

from datetime import date

import polars as pl

from dashboard.charts import theme_trend_figure


def test_theme_trend_figure__one_line_per_theme_and_only_rollouts_in_range() -> None:
    weekly = pl.DataFrame(
        {
            "period": [
                date(2026, 3, 2),
                date(2026, 3, 9),
                date(2026, 3, 16),
                date(2026, 3, 2),
                date(2026, 3, 16),
            ],
            "theme_id": [1, 1, 1, 2, 2],
            "theme": ["Bread", "Bread", "Bread", "Coffee", "Coffee"],
            "volume": [5, 6, 5, 3, 4],
            "share": [0.5, 0.6, 0.5, 0.3, 0.4],
        }
    )
    rollouts = pl.DataFrame({"name": ["Old", "Kiosk"], "started_on": [date(2025, 1, 1), date(2026, 3, 5)]})
    figure = theme_trend_figure(weekly, [2, 1], rollouts).to_dict()
    assert [trace["name"] for trace in figure["data"]] == ["Coffee", "Bread"]
    assert list(figure["data"][0]["y"]) == [30.0, 0.0, 40.0]  # the week without coffee is a zero
    assert [note["text"] for note in figure["layout"]["annotations"]] == ["Kiosk"]
