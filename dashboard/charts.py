"""Pure Plotly builders: frames in, figures out, no Streamlit. Colour-blind-safe (Okabe-Ito) palette.

Plotly reads a subset of HTML in a figure's text, hovers, annotations and legend, so every text that people
typed (rollout and theme names, a split's channels and locations) goes in through html_literal, and never into
a hovertemplate itself (whose %{...} it would fill in): a hover reads it from the trace's data."""

from __future__ import annotations

from dataclasses import dataclass
from textwrap import wrap
from typing import Any

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from analysis.quotes import shorten
from pulse.formatting import format_day, kind_words
from pulse.plain_text import html_literal

PALETTE = {
    "nps": "#0072B2",
    "csat": "#009E73",
    "sentiment": "#56B4E9",
    "negative": "#D55E00",
    "impersonal": "#CC79A7",
    "rollout": "#E69F00",
    "stars": "#E69F00",
    "ces": "#56B4E9",
    "muted": "#999999",
}
SERIES_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
THIN_NOTE = "thin: few responses"


@dataclass(frozen=True)
class Measure:
    """A measure of analysis.metrics.read_period_metrics as a chart draws it: its column (with <column>_low and
    <column>_high, its 95% interval), the count of answers behind it, how its values read, and the range it can
    take (`bounds`, in the unit drawn)."""

    column: str
    label: str
    n_column: str
    value: str  # the value in the hover, a Plotly format of %{y}
    colour: str
    bounds: tuple[float, float]
    scale: float = 1.0
    suffix: str = ""


NPS = Measure("nps", "NPS", "nps_n", "%{y:+.0f}", PALETTE["nps"], (-100, 100))
CSAT = Measure("csat", "CSAT", "csat_n", "%{y:.0f}%", PALETTE["csat"], (0, 100), scale=100, suffix="%")
STARS = Measure("stars_mean", "Stars", "stars_n", "%{y:.2f} of 5", PALETTE["stars"], (1, 5))
CES = Measure(
    "ces_share", "CES: easy", "ces_n", "%{y:.0f}% easy", PALETTE["ces"], (0, 100), scale=100, suffix="%"
)
SENTIMENT = Measure("sentiment_mean", "Sentiment", "sentiment_n", "%{y:+.2f}", PALETTE["sentiment"], (-1, 1))
IMPERSONAL = Measure(
    "impersonal_per_100", "Impersonal /100", "scored_n", "%{y:.1f} per 100", PALETTE["impersonal"], (0, 100)
)
PULSE_MEASURES = (NPS, CSAT, STARS, IMPERSONAL, CES)  # the Pulse page's trend: those with answers
TREND_MEASURES = (NPS, CSAT, STARS, CES, SENTIMENT, IMPERSONAL)  # the Trends page's
MIN_RESPONSES = 30  # a period with fewer answers of a measure is drawn hollow (settings.min_responses)


def measures_with_answers(metrics: pl.DataFrame, measures: tuple[Measure, ...]) -> list[Measure]:
    """The `measures` that have answers in `metrics` (NPS alone when none has: the chart is never empty)."""
    found = [m for m in measures if m.n_column in metrics.columns and (metrics[m.n_column].sum() or 0) > 0]
    return found or [NPS]


def interval_band(
    x: list, low: list, high: list, color: str, name: str, group: str | None = None
) -> go.Scatter:
    return go.Scatter(
        x=x + x[::-1],
        y=high + low[::-1],
        fill="toself",
        fillcolor=with_alpha(color, 0.15),
        line={"width": 0},
        hoverinfo="skip",
        name=f"{name} 95% interval",
        legendgroup=group,
        showlegend=False,
    )


def with_alpha(hex_color: str, alpha: float) -> str:
    red, green, blue = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def _scaled(metrics: pl.DataFrame, measure: Measure) -> pl.DataFrame:
    """The periods where the measure has a value, in the unit it is drawn in."""
    columns = [measure.column, f"{measure.column}_low", f"{measure.column}_high"]
    return metrics.drop_nulls(measure.column).with_columns(pl.col(columns) * measure.scale)


def _series(
    metrics: pl.DataFrame,
    measure: Measure,
    colour: str,
    name: str,
    group: str | None = None,
    min_responses: int = MIN_RESPONSES,
    in_legend: bool = False,
) -> list[go.Scatter]:
    """The measure's 95% band and its line (periods with fewer than `min_responses` of its answers hollow, their
    n in the hover). `group`: the split group the traces belong to, None when the figure is not split;
    `in_legend`: the line stands for its group in the legend (once per group)."""
    frame = _scaled(metrics, measure)
    name, group = html_literal(name), None if group is None else html_literal(group)
    periods = frame["period"].to_list()
    low, high = frame[f"{measure.column}_low"].to_list(), frame[f"{measure.column}_high"].to_list()
    answers = frame[measure.n_column].to_list()
    thin = [n < min_responses for n in answers]
    line = go.Scatter(
        x=periods,
        y=frame[measure.column].to_list(),
        mode="lines+markers",
        name=name,
        legendgroup=group,
        showlegend=in_legend,
        line={"color": colour, "width": 2},
        marker={
            "color": ["white" if is_thin else colour for is_thin in thin],
            "line": {"color": colour, "width": 1.5},
            "size": 6,
        },
        customdata=list(zip(answers, [THIN_NOTE if t else "" for t in thin], strict=True)),
        hovertemplate=f"%{{x|%-d %b %Y}}<br>{_prefix(group)}{measure.label} {measure.value}<br>"
        "n = %{customdata[0]} %{customdata[1]}<extra></extra>",
    )
    return [interval_band(periods, low, high, colour, name, group), line]


def trend_figure(
    metrics: pl.DataFrame, rollouts: pl.DataFrame, min_responses: int = MIN_RESPONSES
) -> go.Figure:
    """The Pulse page's trend: weekly NPS, CSAT, stars, impersonal complaints per 100 and CES, those that have
    answers, one above the other with 95% bands; thin weeks hollow; rollouts as labelled lines."""
    measures = measures_with_answers(metrics, PULSE_MEASURES)
    heights = [1.4] + [1.0] * (len(measures) - 1)  # the first row has the rollouts' labels
    figure = make_subplots(
        rows=len(measures), cols=1, shared_xaxes=True, vertical_spacing=0.05, row_heights=heights
    )
    for row, measure in enumerate(measures, start=1):
        for trace in _series(metrics, measure, measure.colour, measure.label, min_responses=min_responses):
            figure.add_trace(trace, row, 1)
        figure.update_yaxes(
            title_text=measure.label,
            range=_axis_range(metrics, measure, labels=row == 1),
            ticksuffix=measure.suffix,
            zeroline=measure is NPS,
            row=row,
            col=1,
        )
    add_rollouts(figure, rollouts, _axis_range(metrics, measures[0], labels=True))
    figure.update_layout(
        height=220 + 150 * len(measures),
        margin={"l": 10, "r": 10, "t": 20, "b": 10},
        hovermode="closest",
        showlegend=False,
    )
    return figure


def trends_figure(
    metrics: pl.DataFrame,
    rollouts: pl.DataFrame,
    split: str | None = None,
    min_responses: int = MIN_RESPONSES,
) -> go.Figure:
    """Per period (read_period_metrics): NPS, CSAT, stars, CES, mean sentiment and impersonal complaints per
    100, those that have answers, each with its 95% band and thin periods hollow, then the volume of feedback;
    one line per group of the `split` column; rollouts as labelled markers whose hover gives their verdict (a
    `verdict` column, if any)."""
    measures = measures_with_answers(metrics, TREND_MEASURES)
    rows = len(measures) + 1
    heights = [0.28] + [0.72 / (rows - 1)] * (
        rows - 1
    )  # the first measure tallest, with room for the rollouts
    figure = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.025, row_heights=heights)
    for index, (group, frame) in enumerate(_split(metrics, split)):
        group_colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        for row, measure in enumerate(measures, start=1):
            colour = measure.colour if group is None else group_colour
            in_legend = group is not None and row == 1
            for trace in _series(
                frame, measure, colour, group or measure.label, group, min_responses, in_legend
            ):
                figure.add_trace(trace, row, 1)
        figure.add_trace(
            _volume_bars(frame, PALETTE["muted"] if group is None else group_colour, group), rows, 1
        )
    top_range = _axis_range(metrics, measures[0], labels=True)
    add_rollouts(figure, rollouts, top_range)
    for row, measure in enumerate(measures, start=1):
        figure.update_yaxes(title_text=measure.label, ticksuffix=measure.suffix, row=row, col=1)
    figure.update_yaxes(range=top_range, zeroline=True, row=1, col=1)
    figure.update_yaxes(title_text="Feedback", rangemode="tozero", row=rows, col=1)
    figure.update_layout(
        height=250 + 160 * rows,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        hovermode="closest",
        barmode="stack",
        showlegend=split is not None,
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    )
    return figure


def _split(metrics: pl.DataFrame, split: str | None) -> list[tuple[str | None, pl.DataFrame]]:
    """(group, its rows) for each value of the `split` column, in order (a missing value is 'not set');
    [(None, metrics)] when there is no split."""
    if split is None:
        return [(None, metrics)]
    labelled = metrics.with_columns(pl.col(split).cast(pl.String).fill_null("not set"))
    return [(group, labelled.filter(pl.col(split) == group)) for group in sorted(labelled[split].unique())]


def _volume_bars(metrics: pl.DataFrame, colour: str, group: str | None) -> go.Bar:
    group = None if group is None else html_literal(group)
    return go.Bar(
        x=metrics["period"].to_list(),
        y=metrics["n"].to_list(),
        name=f"{group or 'Feedback'} volume",
        legendgroup=group,
        showlegend=False,
        marker={"color": colour, "opacity": 0.85},
        hovertemplate=f"%{{x|%-d %b %Y}}<br>{_prefix(group)}%{{y}} feedback items<extra></extra>",
    )


def _prefix(group: str | None) -> str:
    """'online · ' before a split group's values in a hover: the trace's legend group (its split group,
    escaped), read from the trace's data rather than written into the template."""
    return "%{fullData.legendgroup} · " if group is not None else ""


def _axis_range(metrics: pl.DataFrame, measure: Measure, labels: bool = False) -> list[float]:
    """A y range around the measure's intervals (5% of its whole range to spare), within its bounds; with room
    above for the rollouts' labels when `labels` (the first row)."""
    floor, ceiling = measure.bounds
    whole = ceiling - floor
    headroom = (0.14 if labels else 0.05) * whole
    frame = _scaled(metrics, measure)
    low, high = frame[f"{measure.column}_low"].min(), frame[f"{measure.column}_high"].max()
    if low is None or high is None:  # no period with an interval (a mean of one answer has none)
        return [floor, ceiling]
    bottom = max(floor, float(low) - 0.05 * whole)  # type: ignore[arg-type]
    top = min(ceiling, float(high) + 0.05 * whole) + headroom  # type: ignore[arg-type]
    return [bottom, top]


ROLLOUT_LABEL_CHARS = 16  # a longer name is shortened on the chart (whole in its hover): five fit on a phone


def add_rollouts(figure: go.Figure, rollouts: pl.DataFrame, y_range: list[float]) -> None:
    """Each rollout as a dotted line through every row and a labelled marker at the top of the first row (whose
    y range is `y_range`): names shortened, and labelled on two rows in turn so that neighbours' labels do not
    run into each other, on a phone too; the marker's hover gives the rollout's whole name, kind,
    channel and, when `rollouts` has a verdict column, its verdict."""
    if rollouts.is_empty():
        return
    rollouts = rollouts.sort("started_on")
    for row in rollouts.iter_rows(named=True):
        figure.add_shape(
            type="line",
            x0=row["started_on"],
            x1=row["started_on"],
            xref="x",
            yref="paper",
            y0=0,
            y1=1,
            line={"color": PALETTE["rollout"], "width": 1.5, "dash": "dot"},
        )
    bottom, top = y_range
    figure.add_trace(
        go.Scatter(
            x=rollouts["started_on"].to_list(),
            y=[top - (0.05 + 0.07 * (index % 2)) * (top - bottom) for index in range(rollouts.height)],
            mode="markers+text",
            marker={"symbol": "triangle-down", "size": 11, "color": PALETTE["rollout"]},
            text=[html_literal(shorten(name, ROLLOUT_LABEL_CHARS)) for name in rollouts["name"].to_list()],
            textposition="top center",
            textfont={"size": 11},
            cliponaxis=False,
            name="Rollouts",
            showlegend=False,
            hovertext=[rollout_hover(row) for row in rollouts.iter_rows(named=True)],
            hovertemplate="%{hovertext}<extra></extra>",
        ),
        1,
        1,
    )


def rollout_hover(rollout: dict[str, Any]) -> str:
    """'<b>Support chatbot</b><br>13 Apr 2026 · chatbot, online<br>NPS fell …' (the verdict wrapped), with the
    team's and the verdict's text escaped: Plotly reads hover text as HTML."""
    where = rollout["channel"] or "all channels"
    lines = [
        f"<b>{html_literal(rollout['name'])}</b>",
        html_literal(f"{format_day(rollout['started_on'])} · {kind_words(rollout['kind'])}, {where}"),
        *wrap(html_literal(rollout.get("verdict") or ""), 70, break_on_hyphens=False),
    ]
    return "<br>".join(lines)


def theme_trend_figure(weekly: pl.DataFrame, theme_ids: list[int], rollouts: pl.DataFrame) -> go.Figure:
    """Weekly share (%) of each theme in `theme_ids` (theme_periods rows), with the rollouts of those weeks
    as labelled lines."""
    figure = go.Figure()
    periods = weekly.select(pl.col("period").unique().sort())
    for index, theme_id in enumerate(theme_ids):
        found = weekly.filter(pl.col("theme_id") == theme_id)
        if found.is_empty():
            continue
        rows = (  # a week without the theme is a zero, not a gap
            periods.join(found, on="period", how="left")
            .with_columns(
                pl.col("volume", "share").fill_null(0), pl.col("theme").fill_null(found["theme"][0])
            )
            .sort("period")
        )
        figure.add_trace(
            go.Scatter(
                x=rows["period"].to_list(),
                y=(rows["share"] * 100).to_list(),
                mode="lines",
                name=html_literal(rows["theme"][0]),
                line={"color": SERIES_COLOURS[index % len(SERIES_COLOURS)], "width": 2},
                customdata=rows["volume"].to_list(),
                hovertemplate="%{x|%-d %b %Y}<br>%{y:.1f}% of feedback (%{customdata} items)<extra>%{fullData.name}</extra>",
            )
        )
    if not weekly.is_empty() and not rollouts.is_empty():
        first, last = weekly["period"].min(), weekly["period"].max()
        shown = rollouts.filter(pl.col("started_on").is_between(first, last))
        for row in shown.iter_rows(named=True):
            figure.add_vline(
                x=row["started_on"], line={"color": PALETTE["rollout"], "width": 1.5, "dash": "dot"}
            )
            figure.add_annotation(
                x=row["started_on"],
                y=1,
                yref="paper",
                text=html_literal(row["name"]),
                showarrow=False,
                yanchor="bottom",
            )
    figure.update_yaxes(title_text="Share of the week’s comments", ticksuffix="%", rangemode="tozero")
    figure.update_layout(
        height=420,
        margin={"l": 10, "r": 10, "t": 20, "b": 10},
        legend={"orientation": "h", "y": -0.15},
        hovermode="closest",
    )
    return figure


FUNNEL_UNITS = {  # per analysis.locations measure: how a value is drawn (scale, hover format, axis title)
    "nps": (1.0, "%{y:+.0f}", "NPS (points)"),
    "csat": (100.0, "%{y:.0f}%", "CSAT (% satisfied)"),
    "impersonal": (100.0, "%{y:.1f} per 100", "Impersonal complaints per 100 comments"),
    "repeat": (100.0, "%{y:.0f}%", "Repeat customers (%)"),
}
BETTER_COLOUR, WORSE_COLOUR = "#009E73", "#D55E00"


def location_funnel_figure(compared: pl.DataFrame, curves: pl.DataFrame, measure: str) -> go.Figure:
    """A funnel plot of one measure (analysis.locations: `compared` from compare_locations, `curves` from
    funnel_curves): each location a point at its n, the business's overall figure as a line, the 95% (dotted)
    and 99.8% (dashed) limits around it, and the locations outside the 99.8% limits coloured (green on the good
    side, vermillion on the bad) and labelled."""
    scale, value, title = FUNNEL_UNITS[measure]
    rows = compared.filter(pl.col("measure") == measure)
    figure = go.Figure()
    sizes = curves["n"].to_list()
    for suffix, dash, label in (("998", "dash", "99.8% limits"), ("95", "dot", "95% limits")):
        for side in ("low", "high"):
            figure.add_trace(
                go.Scatter(
                    x=sizes,
                    y=(curves[f"{side}_{suffix}"] * scale).to_list(),
                    mode="lines",
                    line={"color": PALETTE["muted"], "width": 1, "dash": dash},
                    name=label,
                    legendgroup=label,
                    showlegend=side == "low",
                    hoverinfo="skip",
                )
            )
    if not curves.is_empty():
        figure.add_trace(
            go.Scatter(
                x=[sizes[0], sizes[-1]],
                y=[curves["overall"][0] * scale] * 2,
                mode="lines",
                line={"color": PALETTE["nps"], "width": 2},
                name="The business overall",
                hoverinfo="skip",
            )
        )
    for label, condition, colour in (
        ("Within the limits", pl.col("called_out").is_null(), PALETTE["nps"]),
        ("Better than the business", pl.col("called_out").is_not_null() & pl.col("better"), BETTER_COLOUR),
        ("Worse than the business", pl.col("called_out").is_not_null() & ~pl.col("better"), WORSE_COLOUR),
    ):
        points = rows.filter(condition)
        if points.is_empty():
            continue
        names = [html_literal(name) for name in points["location"].to_list()]
        called = label != "Within the limits"
        figure.add_trace(
            go.Scatter(
                x=points["n"].to_list(),
                y=(points["value"] * scale).to_list(),
                mode="markers+text" if called else "markers",
                text=names if called else None,
                # above a point above the business, below one below it: away from the line, inside the plot
                textposition=[
                    "bottom center" if side == "below" else "top center"
                    for side in points["called_out"].to_list()
                ],
                marker={"color": colour, "size": 11 if called else 8, "line": {"color": "white", "width": 1}},
                name=label,
                customdata=list(
                    zip(
                        names,
                        (points["low"] * scale).to_list(),
                        (points["high"] * scale).to_list(),
                        strict=True,
                    )
                ),
                hovertemplate=f"%{{customdata[0]}}<br>{value} (95%: %{{customdata[1]:.1f}} to "
                "%{customdata[2]:.1f})<br>n = %{x}<extra></extra>",
            )
        )
    figure.update_layout(
        xaxis_title="Answers (n)",
        yaxis_title=title,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": -0.2},
        hovermode="closest",
    )
    figure.update_xaxes(rangemode="tozero")
    return figure
