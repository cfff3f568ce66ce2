"""dashboard.charts.location_funnel_figure as data: limits, the business's line, called-out points labelled."""

from __future__ import annotations

import polars as pl
import pytest

from analysis.locations import compare_locations, funnel_curves
from dashboard.charts import location_funnel_figure


def tallies() -> pl.DataFrame:
    names = ["A", "B", "C", "D", "<b>Worse</b>", "Tiny"]
    n = [200, 200, 200, 200, 200, 5]
    promoters = [120, 120, 120, 120, 60, 0]
    detractors = [30, 30, 30, 30, 80, 3]
    return pl.DataFrame(
        {
            "location": names,
            "measure": ["nps"] * 6,
            "n": n,
            "positive": promoters,
            "negative": detractors,
            "value": [100 * (p - d) / size for p, d, size in zip(promoters, detractors, n, strict=True)],
            "low": [-100.0] * 6,
            "high": [100.0] * 6,
        }
    )


def test_location_funnel_figure__limits_overall_line_and_the_called_out_location_labelled() -> None:
    frame = tallies()
    figure = location_funnel_figure(compare_locations(frame), funnel_curves(frame, "nps"), "nps").to_dict()
    traces = {trace["name"]: trace for trace in figure["data"]}
    assert {"99.8% limits", "95% limits", "The business overall"} <= set(traces)
    assert len([trace for trace in figure["data"] if trace["name"] == "99.8% limits"]) == 2  # low and high
    overall = traces["The business overall"]["y"]
    assert overall[0] == overall[1] == pytest.approx(100 * (540 - 203) / 1005)
    worse = traces["Worse than the business"]
    assert list(worse["text"]) == ["&lt;b&gt;Worse&lt;/b&gt;"]  # typed names drawn as typed, never as HTML
    assert list(worse["y"]) == [-10.0] and list(worse["x"]) == [200]
    within = traces["Within the limits"]
    assert sorted(within["x"]) == [5, 200, 200, 200, 200]  # the tiny location among them, unlabelled
    assert "text" not in within
    assert "Better than the business" not in traces
    assert figure["layout"]["xaxis"]["title"]["text"] == "Answers (n)"


def test_location_funnel_figure__shares_drawn_in_percent() -> None:
    frame = tallies().with_columns(
        pl.lit("csat").alias("measure"),
        pl.lit(0).alias("negative"),
        (pl.col("positive") / pl.col("n")).alias("value"),
    )
    figure = location_funnel_figure(compare_locations(frame), funnel_curves(frame, "csat"), "csat").to_dict()
    points = [trace for trace in figure["data"] if trace["mode"].startswith("markers")]
    assert max(y for trace in points for y in trace["y"]) == pytest.approx(60.0)
    assert figure["layout"]["yaxis"]["title"]["text"] == "CSAT (% satisfied)"
