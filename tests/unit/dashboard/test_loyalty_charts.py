"""The Loyalty page's figures, as data."""

from __future__ import annotations

from datetime import date

import polars as pl

from dashboard.loyalty_charts import (
    cohort_figure,
    customer_value_figure,
    feedback_returns_figure,
    repeat_rate_figure,
)

WEEKS = [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)]


def weekly() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "period": WEEKS,
            "active_customers": [10, 20, 40],
            "new_customers": [10, 5, 4],
            "returning_customers": [0, 15, 36],
            "repeat_rate": [0.0, 0.75, 0.9],
            "repeat_rate_low": [0.0, 0.53, 0.77],
            "repeat_rate_high": [0.28, 0.89, 0.96],
        }
    )


def rollouts() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "name": ["<b>App</b>"],
            "kind": ["loyalty"],
            "channel": [None],
            "started_on": [date(2026, 3, 9)],
        },
        schema_overrides={"channel": pl.String},
    )


def test_repeat_rate_figure__the_rate_in_percent_with_its_band_the_customers_and_the_rollouts() -> None:
    figure = repeat_rate_figure(weekly(), rollouts()).to_dict()
    traces = {trace["name"]: trace for trace in figure["data"]}
    rate = traces["Repeat-purchase rate"]
    assert [round(v, 6) for v in rate["y"]] == [0.0, 75.0, 90.0] and list(rate["customdata"]) == [10, 20, 40]
    band = traces["Repeat-purchase rate 95% interval"]
    assert [round(v, 6) for v in band["y"]] == [28.0, 89.0, 96.0, 77.0, 53.0, 0.0]  # high forwards, low back
    assert list(traces["Returning customers"]["y"]) == [0, 15, 36]
    assert list(traces["New customers"]["y"]) == [10, 5, 4]
    assert traces["Returning customers"]["yaxis"] == "y2"
    markers = traces["Rollouts"]
    assert list(markers["text"]) == ["&lt;b&gt;App&lt;/b&gt;"]  # typed text escaped
    assert [shape["x0"] for shape in figure["layout"]["shapes"]] == [date(2026, 3, 9)]
    low, high = figure["layout"]["yaxis"]["range"]
    assert low == 0.0 and high > 96.0  # room above the band for the rollouts' labels
    ticks = list(figure["layout"]["yaxis"]["tickvals"])
    assert ticks[0] == 0 and ticks[-1] == 100 and high > 100  # the room above has no tick: it is not a rate
    assert list(figure["layout"]["yaxis"]["ticktext"]) == [f"{tick}%" for tick in ticks]


def test_cohort_figure__a_row_per_cohort_a_column_per_month_since_with_the_counts() -> None:
    cohorts = pl.DataFrame(
        {
            "cohort": [date(2026, 1, 1), date(2026, 1, 1), date(2026, 2, 1)],
            "months_since": [1, 2, 1],
            "customers": [50, 50, 20],
            "retained": [25, 10, 4],
            "rate": [0.5, 0.2, 0.2],
        }
    )
    heatmap = cohort_figure(cohorts).to_dict()["data"][0]
    assert list(heatmap["y"]) == ["Jan 2026", "Feb 2026"] and list(heatmap["x"]) == [1, 2]
    assert [list(row) for row in heatmap["z"]] == [[50.0, 20.0], [20.0, None]]  # February has no month 2 yet
    assert [list(row) for row in heatmap["text"]] == [["50%", "20%"], ["20%", ""]]  # a blank, not a "%"
    assert [list(cell) for cell in heatmap["customdata"][0]] == [[25, 50], [10, 50]]
    assert "of %{customdata[1]} customers" in heatmap["hovertemplate"]


def test_feedback_returns_figure__groups_with_customers_and_their_intervals() -> None:
    returns = pl.DataFrame(
        {
            "group": ["promoter", "passive", "detractor", "impersonal"],
            "customers": [100, 0, 50, 10],
            "returned": [80, 0, 25, 4],
            "return_rate": [0.8, None, 0.5, 0.4],
            "return_rate_low": [0.71, None, 0.36, 0.17],
            "return_rate_high": [0.87, None, 0.64, 0.69],
            "spend_per_customer": [30.0, None, 12.0, 10.0],
            "spend_low": [26.0, None, 9.0, 2.0],
            "spend_high": [34.0, None, 15.0, 18.0],
        }
    )
    rates, spends = feedback_returns_figure(returns, 90).to_dict()["data"]
    assert list(rates["x"]) == ["Promoters", "Detractors", "Complained of impersonal service"]  # no passives
    assert list(rates["y"]) == [80.0, 50.0, 40.0]
    assert [round(v, 6) for v in rates["error_y"]["array"]] == [7.0, 14.0, 29.0]
    assert [round(v, 6) for v in rates["error_y"]["arrayminus"]] == [9.0, 14.0, 23.0]
    assert list(spends["y"]) == [30.0, 12.0, 10.0] and list(spends["error_y"]["array"]) == [4.0, 3.0, 8.0]
    assert [list(pair) for pair in rates["customdata"]] == [[80, 100], [25, 50], [4, 10]]


def test_customer_value_figure__a_histogram_of_the_known_expected_values() -> None:
    values = pl.DataFrame({"customer_hash": ["a", "b", "c"], "expected_value": [12.5, None, 80.0]})
    (histogram,) = customer_value_figure(values).to_dict()["data"]
    assert histogram["type"] == "histogram" and list(histogram["x"]) == [12.5, 80.0]
