from __future__ import annotations

import re
from datetime import UTC, date, datetime

import polars as pl
import pytest

from analysis.metrics import read_period_metrics
from dashboard.charts import (
    PALETTE,
    rollout_hover,
    theme_trend_figure,
    trend_figure,
    trends_figure,
)
from pulse.formatting import format_moment, format_nps, format_points, format_share, format_week
from pulse.plain_text import markdown_literal


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
    figure = trend_figure(weekly, rollouts, min_responses=40).to_dict()
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


CHATBOT_VERDICT = (
    "NPS fell 6.1 points (95% CI -9.8 to -2.3) in the 8 weeks after 'Support chatbot'; impersonal complaints "
    "doubled (3.1 to 6.4 per 100)"
)


@pytest.fixture
def rollouts_with_verdicts() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "name": ["Support chatbot", "Kiosk <b>2</b>"],
            "kind": ["chatbot", "kiosk"],
            "channel": ["online", None],
            "started_on": [date(2026, 3, 9), date(2026, 3, 16)],
            "verdict": [CHATBOT_VERDICT, ""],
        },
        schema_overrides={"channel": pl.String},
    )


def split_weekly() -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "created_at": pl.datetime_range(
                pl.datetime(2026, 3, 2, time_zone="UTC"),
                pl.datetime(2026, 3, 22, time_zone="UTC"),
                "2h",
                eager=True,
            )
        }
    )
    frame = frame.with_columns(
        nps=pl.int_range(0, frame.height).mod(11).cast(pl.Int8),
        csat=pl.lit(4, dtype=pl.Int8),
        sentiment_score=pl.int_range(0, frame.height).mod(5).cast(pl.Float64) / 4 - 0.5,
        sentiment=pl.lit("neutral"),
        impersonal=pl.int_range(0, frame.height).mod(7) == 0,
        channel=pl.when(pl.int_range(0, frame.height).mod(3) == 0)
        .then(pl.lit("online"))
        .otherwise(pl.lit("in-store")),
    )
    return read_period_metrics(frame, "week", "UTC", min_responses=40, group_by=["channel"])


def lines(figure: dict, axis: str) -> list[dict]:
    return [
        trace
        for trace in figure["data"]
        if trace.get("yaxis", "y") == axis and trace.get("mode") == "lines+markers"
    ]


def test_trends_figure__every_measure_with_its_band_thin_periods_hollow_and_volume(
    weekly: pl.DataFrame, rollouts_with_verdicts: pl.DataFrame
) -> None:
    figure = trends_figure(weekly, rollouts_with_verdicts, min_responses=40).to_dict()
    names = [trace["name"] for trace in figure["data"]]
    assert names == [
        "NPS 95% interval",
        "NPS",
        "CSAT 95% interval",
        "CSAT",
        "Feedback volume",
        "Rollouts",
    ]  # fmt: skip: the measures with answers (no scored comments here)
    nps = figure["data"][1]
    assert [color == "white" for color in nps["marker"]["color"]] == weekly["thin"].to_list()
    assert [n for n, _ in nps["customdata"]] == weekly["nps_n"].to_list()
    assert "thin: few responses" in [note for _, note in nps["customdata"]]
    band = figure["data"][0]
    assert list(band["y"]) == [*weekly["nps_high"], *reversed(weekly["nps_low"])]
    assert figure["data"][3]["y"][0] == pytest.approx(100 * weekly["csat"][0])  # CSAT in %
    assert figure["data"][4]["type"] == "bar" and list(figure["data"][4]["y"]) == weekly["n"].to_list()
    titles = [figure["layout"][axis]["title"]["text"] for axis in ("yaxis", "yaxis2", "yaxis3")]
    assert titles == ["NPS", "CSAT", "Feedback"]
    assert figure["layout"]["showlegend"] is False


def test_trends_figure__rollout_markers_are_labelled_and_their_hover_gives_the_verdict(
    weekly: pl.DataFrame, rollouts_with_verdicts: pl.DataFrame
) -> None:
    figure = trends_figure(weekly, rollouts_with_verdicts).to_dict()
    markers = figure["data"][-1]
    assert markers["name"] == "Rollouts" and markers["mode"] == "markers+text"
    assert list(markers["text"]) == ["Support chatbot", "Kiosk &lt;b&gt;2&lt;/b&gt;"]  # as typed, not bold
    chatbot, kiosk = markers["hovertext"]
    assert CHATBOT_VERDICT in chatbot.replace("<br>", " ")
    assert chatbot.startswith("<b>Support chatbot</b><br>9 Mar 2026 · Chatbot, online<br>NPS fell")
    assert (
        kiosk == "<b>Kiosk &lt;b&gt;2&lt;/b&gt;</b><br>16 Mar 2026 · Kiosk, all channels"
    )  # the name escaped
    assert len(figure["layout"]["shapes"]) == 2 and figure["layout"]["shapes"][0]["yref"] == "paper"


def test_trends_figure__split_by_channel_draws_one_line_per_channel_in_each_row() -> None:
    metrics = split_weekly()
    figure = trends_figure(metrics, pl.DataFrame(), split="channel").to_dict()
    for axis in ("y", "y2", "y3", "y4"):
        assert [trace["name"] for trace in lines(figure, axis)] == ["in-store", "online"]
    assert [trace["showlegend"] for trace in lines(figure, "y")] == [True, True]
    assert [trace["name"] for trace in figure["data"] if trace["type"] == "bar"] == [
        "in-store volume",
        "online volume",
    ]
    assert lines(figure, "y")[0]["line"]["color"] != lines(figure, "y")[1]["line"]["color"]
    assert lines(figure, "y")[1]["legendgroup"] == "online"
    assert "%{fullData.legendgroup} · NPS" in lines(figure, "y")[1]["hovertemplate"]
    assert figure["layout"]["showlegend"] is True and figure["layout"]["barmode"] == "stack"


def test_rollout_hover__without_a_verdict_column() -> None:
    row = {"name": "Kiosk", "kind": "kiosk", "channel": None, "started_on": date(2026, 1, 12)}
    assert rollout_hover(row) == "<b>Kiosk</b><br>12 Jan 2026 · Kiosk, all channels"


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


TYPED = '<b>Bold</b> <a href="https://x.example">link</a> & %{y} *star* [x](y)'
TYPED_AS_HTML_TEXT = (
    '&lt;b&gt;Bold&lt;/b&gt; &lt;a href="https://x.example"&gt;link&lt;/a&gt; &amp; %{y} *star* [x](y)'
)


def figure_texts(figure: dict) -> list[str]:
    """Every text of a figure that Plotly reads as HTML: trace names, marker texts, hovers, hover templates,
    legend groups and annotations."""
    texts: list[str] = []
    for trace in figure["data"]:
        for field in ("name", "legendgroup", "hovertemplate"):
            texts.append(str(trace.get(field) or ""))
        for field in ("text", "hovertext"):
            value = trace.get(field)
            texts.extend([value] if isinstance(value, str) else list(value or []))
    texts.extend(note["text"] for note in figure["layout"].get("annotations", []))
    return texts


def test_figures__a_typed_name_is_drawn_as_text_never_as_html(weekly: pl.DataFrame) -> None:
    rollouts = pl.DataFrame(
        {"name": [TYPED], "kind": ["kiosk"], "channel": [TYPED], "started_on": [date(2026, 3, 9)]}
    )
    themes = pl.DataFrame(
        {"period": [date(2026, 3, 2), date(2026, 3, 9)], "theme_id": [1, 1], "theme": [TYPED, TYPED]}
    ).with_columns(volume=pl.lit(5), share=pl.lit(0.5))
    split = split_weekly().with_columns(channel=pl.when(pl.col("channel") == "online").then(pl.lit(TYPED)))
    figures = [
        trend_figure(weekly, rollouts).to_dict(),
        trends_figure(weekly, rollouts).to_dict(),
        trends_figure(split, rollouts, split="channel").to_dict(),
        theme_trend_figure(themes, [1], rollouts).to_dict(),
    ]
    for figure in figures:
        texts = figure_texts(figure)
        assert any(TYPED_AS_HTML_TEXT in text for text in texts)
        assert not [text for text in texts if "<a" in text or "<b>Bold" in text]
        templates = [trace.get("hovertemplate") or "" for trace in figure["data"]]
        assert not [template for template in templates if "x.example" in template]  # %{y} not filled in


def test_format_moment__in_the_business_time_zone_and_a_date_only_answer_as_its_date() -> None:
    date_only = datetime(2026, 10, 7, 23, 0, tzinfo=UTC)  # 8 Oct 2026, local midnight in London (BST)
    assert format_moment(date_only, "Europe/London") == "8 Oct 2026"
    assert format_moment(date_only, "Europe/London", sortable=True) == "2026-10-08"
    assert format_moment(date_only, "UTC") == "7 Oct 2026, 23:00"  # not midnight there: a time
    answered = datetime(2026, 10, 8, 13, 5, tzinfo=UTC)
    assert format_moment(answered, "Europe/London") == "8 Oct 2026, 14:05"
    assert format_moment(answered, "Europe/London", sortable=True) == "2026-10-08 14:05"
    assert format_moment(datetime(2026, 1, 5, 0, 0), "Europe/London") == "5 Jan 2026"  # naive: UTC
    assert format_moment(datetime(2026, 1, 5, 0, 0, 1, tzinfo=UTC), "Europe/London") == "5 Jan 2026, 00:00"
    assert format_moment(None, "Europe/London") == ""


def test_markdown_literal__every_markdown_and_html_mark_is_escaped() -> None:
    escaped = markdown_literal("<b>x</b> *y* _z_ [a](b) `c` # :red[d] $e$ &amp; \\ ~f~ 1. g")
    assert re.fullmatch(r"(\\[!-/:-@\[-`{-~]|[A-Za-z0-9 ])*", escaped)
    assert re.sub(r"\\(.)", r"\1", escaped) == "<b>x</b> *y* _z_ [a](b) `c` # :red[d] $e$ &amp; \\ ~f~ 1. g"
    addresses = markdown_literal("https://x.example www.x.example sam@x.example").replace("\\", "")
    assert addresses == "https\u2060://x.example www\u2060.x.example sam@\u2060x.example"  # no autolinks


def scored_weekly(**answers: pl.Expr) -> pl.DataFrame:
    """Three weeks of scored comments with the given answers (nps=..., stars=..., ces=...)."""
    frame = pl.DataFrame(
        {
            "created_at": pl.datetime_range(
                datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 22, tzinfo=UTC), "4h", eager=True
            )
        }
    )
    index = pl.int_range(0, frame.height)
    frame = frame.with_columns(
        sentiment_score=index.mod(5).cast(pl.Float64) / 4 - 0.5,
        sentiment=pl.lit("neutral"),
        impersonal=index.mod(7) == 0,
        **answers,
    )
    return read_period_metrics(frame, "week", "UTC", min_responses=40)


def test_trend_figure__draws_the_impersonal_rate_and_ces_where_a_survey_asks_it() -> None:
    index = pl.int_range(0, pl.len())
    weekly = scored_weekly(nps=index.mod(11).cast(pl.Int8), ces=(index.mod(7) + 1).cast(pl.Int8))
    figure = trend_figure(weekly, pl.DataFrame(), min_responses=40).to_dict()
    titles = [figure["layout"][axis]["title"]["text"] for axis in ("yaxis", "yaxis2", "yaxis3")]
    assert titles == ["NPS", "Impersonal /100", "CES: easy"]
    impersonal = figure["data"][3]
    assert impersonal["y"][0] == pytest.approx(weekly["impersonal_per_100"][0])  # per 100, with its band
    assert figure["data"][2]["name"] == "Impersonal /100 95% interval"
    assert figure["layout"]["yaxis3"]["ticksuffix"] == "%"


def test_trend_figure__a_review_source_draws_its_stars_not_empty_nps() -> None:
    weekly = scored_weekly(stars=(pl.int_range(0, pl.len()).mod(5) + 1).cast(pl.Int8))
    figure = trend_figure(weekly, pl.DataFrame(), min_responses=40).to_dict()
    assert [trace["name"] for trace in figure["data"] if trace.get("mode") == "lines+markers"] == [
        "Stars",
        "Impersonal /100",
    ]
    low, high = figure["layout"]["yaxis"]["range"]
    assert low >= 1 and high <= 5 * 1.15  # the stars' own range, with room for the rollouts' labels
    trends = trends_figure(weekly, pl.DataFrame(), min_responses=40).to_dict()
    assert trends["layout"]["yaxis"]["title"]["text"] == "Stars"


def test_trend_figure__rollout_labels_are_short_and_take_turns_on_two_rows(weekly: pl.DataFrame) -> None:
    rollouts = pl.DataFrame(
        {
            "name": ["Automated booking reminders", "Kiosk", "Loyalty app"],
            "kind": ["automated_email", "kiosk", "loyalty_app"],
            "channel": [None, None, None],
            "started_on": [date(2026, 3, 4), date(2026, 3, 11), date(2026, 3, 18)],
        },
        schema_overrides={"channel": pl.String},
    )
    markers = trend_figure(weekly, rollouts).to_dict()["data"][-1]
    assert list(markers["text"]) == ["Automated…", "Kiosk", "Loyalty app"]
    first, second, third = markers["y"]
    assert first == third > second  # neighbours' labels on different rows
    assert markers["hovertext"][0].startswith("<b>Automated booking reminders</b>")


def test_trend_figure__a_single_review_has_no_interval_and_still_draws() -> None:
    one = pl.DataFrame(
        {"created_at": [datetime(2026, 3, 2, 12, tzinfo=UTC)], "stars": [1]},
        schema={"created_at": pl.Datetime("us", "UTC"), "stars": pl.Int8},
    )
    weekly = read_period_metrics(one, "week", "UTC", min_responses=40)
    assert weekly["stars_mean_low"].to_list() == [None]  # a mean of one answer has no interval
    figure = trend_figure(weekly, pl.DataFrame(), min_responses=40).to_dict()
    low, high = figure["layout"]["yaxis"]["range"]
    assert (low, high) == (1, 5)  # the stars' whole range
