from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from analysis.metrics import read_period_metrics
from dashboard.charts import PALETTE, trend_figure
from dashboard.formatting import format_nps, format_points, format_share, format_week


@pytest.fixture
def weekly() -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "created_at": pl.datetime_range(
                pl.datetime(2026, 3, 2, time_zone="UTC"),
                pl.datetime(2026, 3, 22, time_zone="UTC"),
                "4h",
                eager=True,
            )
        }
    )
    frame = frame.with_columns(
        nps=pl.int_range(0, frame.height).mod(11).cast(pl.Int8), csat=pl.lit(4, dtype=pl.Int8)
    )
    return read_period_metrics(frame, "week", "UTC", min_responses=40)


def test_trend_figure__draws_nps_and_csat_with_bands_and_hollow_thin_weeks(weekly: pl.DataFrame) -> None:
    rollouts = pl.DataFrame(
        {
            "name": ["Support chatbot"],
            "kind": ["chatbot"],
            "channel": [None],
            "started_on": [date(2026, 3, 9)],
        },
        schema_overrides={"channel": pl.String},
    )
    figure = trend_figure(weekly, rollouts).to_dict()
    names = [trace["name"] for trace in figure["data"]]
    assert names == ["NPS 95% interval", "NPS", "CSAT 95% interval", "CSAT", "Rollouts"]
    nps_trace = figure["data"][1]
    assert len(nps_trace["x"]) == weekly.height == 3
    thin = weekly["thin"].to_list()
    assert [color == "white" for color in nps_trace["marker"]["color"]] == thin
    assert list(figure["data"][4]["text"]) == ["Support chatbot"]
    assert [shape["x0"] for shape in figure["layout"]["shapes"]] == [date(2026, 3, 9)]
    low, high = figure["layout"]["yaxis"]["range"]
    assert -100 <= low < min(weekly["nps_low"]) and high > max(weekly["nps_high"])
    assert figure["data"][3]["line"]["color"] == PALETTE["csat"]


def test_trend_figure__no_rollouts_and_no_nps_answers_still_draws(weekly: pl.DataFrame) -> None:
    empty_rollouts = pl.DataFrame(
        schema={"name": pl.String, "kind": pl.String, "channel": pl.String, "started_on": pl.Date}
    )
    figure = trend_figure(weekly.with_columns(nps=None), empty_rollouts).to_dict()
    assert "shapes" not in figure["layout"] or not figure["layout"]["shapes"]
    assert figure["layout"]["yaxis"]["range"] == [-100, 100]


@pytest.mark.parametrize(
    ("value", "expected"), [(23.4, "+23"), (-7.6, "-8"), (0.0, "+0"), (None, "–"), (float("nan"), "–")]
)
def test_format_nps(value: float | None, expected: str) -> None:
    assert format_nps(value) == expected


def test_format_share_and_points() -> None:
    assert format_share(0.873) == "87%"
    assert format_points(3.2) == "+3 pts" and format_points(-12.0, "") == "-12 "
    assert format_points(float("nan")) is None


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (date(2026, 11, 16), "16–22 Nov 2026"),
        (date(2026, 9, 28), "28 Sep – 4 Oct 2026"),
        (date(2025, 12, 29), "29 Dec 2025 – 4 Jan 2026"),
    ],
)
def test_format_week(start: date, expected: str) -> None:
    assert format_week(start) == expected
