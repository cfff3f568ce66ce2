"""The weekly digest's content (reports.digest), on small literal frames."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from analysis.metrics import read_period_metrics
from pulse.errors import InputError
from reports.digest import build_digest

WEEK = date(2026, 11, 2)  # a Monday


def weekly_metrics() -> pl.DataFrame:
    """Two weeks: NPS 10, 9, 6 (+33) then 10, 10, 10, 0 (+50); every comment scored."""
    start = datetime(2026, 10, 26, 9, tzinfo=UTC)
    nps = [10, 9, 6, 10, 10, 10, 0]
    days = [0, 1, 2, 7, 8, 9, 10]
    frame = pl.DataFrame(
        {
            "created_at": [start + timedelta(days=day) for day in days],
            "nps": nps,
            "csat": [5, 4, 2, 5, 5, 4, 1],
            "sentiment": ["positive", "positive", "negative", "positive", "neutral", "positive", "negative"],
            "impersonal": [False, False, True, False, False, False, True],
        }
    )
    return read_period_metrics(frame, "week", "UTC", min_responses=3)


def theme_weeks(rows: list[tuple[date, int, str, int, int]]) -> pl.DataFrame:
    frame = pl.DataFrame(rows, schema=["period", "theme_id", "theme", "volume", "total"], orient="row")
    return frame.with_columns(share=pl.col("volume") / pl.col("total"))


def test_build_digest__figures_against_last_week_with_intervals() -> None:
    digest = build_digest(weekly_metrics(), pl.DataFrame(), "Hardware Hut")
    assert digest.week == WEEK and digest.compared_with == WEEK - timedelta(weeks=1)
    assert digest.subject == "Hardware Hut: weekly pulse, 2–8 Nov 2026"
    lines = [figure.line() for figure in digest.figures]
    # NPS: 3 promoters, 1 detractor of 4 = +50, against (2 - 1) / 3 = +33: +17 points
    assert lines[0].startswith("NPS: +50 (+17 pts against last week; 95% CI ")
    # CSAT 5, 5, 4, 1: 75%, against 5, 4, 2: 67%
    assert lines[1].startswith("CSAT: 75% (+8 pts against last week; 95% CI ")
    assert lines[2] == "Responses: 4 (+1 against last week)"
    assert lines[3].startswith("Negative comments: 25% (-8 pts against last week; 95% CI 5% to ")
    assert lines[4].startswith("Impersonal complaints: 25% (-8 pts against last week")
    assert digest.alerts == []  # fewer than 10 answers a week raise none
    assert "No themes yet" in digest.text()


def test_build_digest__the_first_week_has_nothing_to_compare_and_a_missing_week_is_an_error() -> None:
    first = build_digest(weekly_metrics(), pl.DataFrame(), "Hut", week=WEEK - timedelta(days=3))
    assert first.week == WEEK - timedelta(weeks=1) and first.compared_with is None
    assert first.figures[0].line().startswith("NPS: +33 (95% CI")
    assert "The first week with feedback: nothing to compare with." in first.text()
    with pytest.raises(InputError, match="no feedback in the week of 9–15 Nov 2026"):
        build_digest(weekly_metrics(), pl.DataFrame(), "Hut", week=date(2026, 11, 12))
    with pytest.raises(InputError, match="no feedback in the store yet"):
        build_digest(weekly_metrics().clear(), pl.DataFrame(), "Hut")


def test_build_digest__top_and_rising_themes_of_the_week() -> None:
    earlier = [(WEEK - timedelta(weeks=k), 1, "Bread", 40, 100) for k in range(1, 5)]
    earlier += [(WEEK - timedelta(weeks=k), 2, "Kiosk <queues>", 2, 100) for k in range(1, 5)]
    this_week = [
        (WEEK, 1, "Bread", 30, 100),
        (WEEK, 2, "Kiosk <queues>", 20, 100),
        (WEEK, 3, "Prices", 5, 100),
    ]
    digest = build_digest(weekly_metrics(), theme_weeks(earlier + this_week), "Hut")
    assert [theme.line() for theme in digest.top_themes] == [
        "Bread: 30 items, 30% of the week's feedback",
        "Kiosk <queues>: 20 items, 20% of the week's feedback",
        "Prices: 5 items, 5% of the week's feedback",
    ]
    # 20 of 100 this week against 8 of 400 before: rising; Prices is new (5 of 100 against 0): rising too
    assert [theme.theme for theme in digest.rising_themes] == ["Kiosk <queues>", "Prices"]
    assert digest.rising_themes[0].detail == "20% of the week's feedback, up from 2% over the 4 weeks before"
    html = digest.html()
    assert "Kiosk &lt;queues&gt;" in html and "<queues>" not in html  # customers' words are never markup
    assert "<h3>Rising themes</h3>" in html
