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

from pulse.plain_text import html_literal

PALETTE = {
    "nps": "#0072B2",
    "csat": "#009E73",
    "sentiment": "#56B4E9",
    "negative": "#D55E00",
    "impersonal": "#CC79A7",
    "rollout": "#E69F00",
    "muted": "#999999",
}
SERIES_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
THIN_NOTE = "thin: few responses"


@dataclass(frozen=True)
class Measure:
    """A measure of analysis.metrics.read_period_metrics as a chart draws it: its column (with <column>_low and
    <column>_high, its 95% interval), the count of answers behind it, and how its values read."""

    column: str
    label: str
    n_column: str
    value: str  # the value in the hover, a Plotly format of %{y}
    colour: str
    scale: float = 1.0
    suffix: str = ""


NPS = Measure("nps", "NPS", "nps_n", "%{y:+.0f}", PALETTE["nps"])
CSAT = Measure("csat", "CSAT", "csat_n", "%{y:.0f}%", PALETTE["csat"], scale=100, suffix="%")
TREND_MEASURES = (
    NPS,
    CSAT,
    Measure("sentiment_mean", "Sentiment", "sentiment_n", "%{y:+.2f}", PALETTE["sentiment"]),
    Measure("impersonal_per_100", "Impersonal /100", "scored_n", "%{y:.1f} per 100", PALETTE["impersonal"]),
)


def _band(x: list, low: list, high: list, color: str, name: str, group: str | None = None) -> go.Scatter:
    return go.Scatter(
        x=x + x[::-1],
        y=high + low[::-1],
        fill="toself",
        fillcolor=_with_alpha(color, 0.15),
        line={"width": 0},
        hoverinfo="skip",
        name=f"{name} 95% interval",
        legendgroup=group,
        showlegend=False,
    )


def _with_alpha(hex_color: str, alpha: float) -> str:
    red, green, blue = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def _scaled(metrics: pl.DataFrame, measure: Measure) -> pl.DataFrame:
    """The periods where the measure has a value, in the unit it is drawn in."""
    columns = [measure.column, f"{measure.column}_low", f"{measure.column}_high"]
    return metrics.drop_nulls(measure.column).with_columns(pl.col(columns) * measure.scale)


def _series(
    metrics: pl.DataFrame, measure: Measure, colour: str, name: str, group: str | None = None
) -> list[go.Scatter]:
    """The measure's 95% band and its line (thin periods hollow, their n in the hover). `group`: the split
    group the traces belong to (shown once in the legend), None when the figure is not split."""
    frame = _scaled(metrics, measure)
    name, group = html_literal(name), None if group is None else html_literal(group)
    periods = frame["period"].to_list()
    low, high = frame[f"{measure.column}_low"].to_list(), frame[f"{measure.column}_high"].to_list()
    thin = frame["thin"].to_list()
    line = go.Scatter(
        x=periods,
        y=frame[measure.column].to_list(),
        mode="lines+markers",
        name=name,
        legendgroup=group,
        showlegend=group is not None and measure is NPS,
        line={"color": colour, "width": 2},
        marker={
            "color": ["white" if is_thin else colour for is_thin in thin],
            "line": {"color": colour, "width": 1.5},
            "size": 6,
        },
        customdata=list(
            zip(frame[measure.n_column].to_list(), [THIN_NOTE if t else "" for t in thin], strict=True)
        ),
        hovertemplate=f"%{{x|%d %b %Y}}<br>{_prefix(group)}{measure.label} {measure.value}<br>"
        "n = %{customdata[0]} %{customdata[1]}<extra></extra>",
    )
    return [_band(periods, low, high, colour, name, group), line]


def trend_figure(metrics: pl.DataFrame, rollouts: pl.DataFrame) -> go.Figure:
    """Weekly NPS (top) and CSAT (bottom) with 95% bands; thin weeks hollow; rollouts as labelled lines."""
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06, row_heights=[0.58, 0.42])
    for row, measure in enumerate((NPS, CSAT), start=1):
        for trace in _series(metrics, measure, measure.colour, measure.label):
            figure.add_trace(trace, row, 1)
    nps_range = _nps_range(metrics)
    csat = _scaled(metrics, CSAT)
    csat_range = _padded_range(csat["csat_low"], csat["csat_high"], 0, 100, pad=5, headroom=5)
    _add_rollouts(figure, rollouts, marker_y=nps_range[1] - 9)
    figure.update_yaxes(title_text="NPS", range=nps_range, zeroline=True, row=1, col=1)
    figure.update_yaxes(title_text="CSAT", range=csat_range, ticksuffix="%", row=2, col=1)
    figure.update_layout(
        height=560, margin={"l": 10, "r": 10, "t": 20, "b": 10}, hovermode="closest", showlegend=False
    )
    return figure


def trends_figure(metrics: pl.DataFrame, rollouts: pl.DataFrame, split: str | None = None) -> go.Figure:
    """Per period (read_period_metrics): NPS, CSAT, mean sentiment and impersonal complaints per 100, each
    with its 95% band and thin periods hollow, then the volume of feedback; one line per group of the `split`
    column; rollouts as labelled markers whose hover gives their verdict (a `verdict` column, if any)."""
    rows = len(TREND_MEASURES) + 1
    heights = [0.28] + [0.72 / (rows - 1)] * (rows - 1)  # NPS first and tallest, with room for the rollouts
    figure = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.025, row_heights=heights)
    for index, (group, frame) in enumerate(_split(metrics, split)):
        group_colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        for row, measure in enumerate(TREND_MEASURES, start=1):
            colour = measure.colour if group is None else group_colour
            for trace in _series(frame, measure, colour, group or measure.label, group):
                figure.add_trace(trace, row, 1)
        figure.add_trace(
            _volume_bars(frame, PALETTE["muted"] if group is None else group_colour, group), rows, 1
        )
    nps_range = _nps_range(metrics)
    _add_rollouts(figure, rollouts, marker_y=nps_range[1] - 9)
    for row, measure in enumerate(TREND_MEASURES, start=1):
        figure.update_yaxes(title_text=measure.label, ticksuffix=measure.suffix, row=row, col=1)
    figure.update_yaxes(range=nps_range, zeroline=True, row=1, col=1)
    figure.update_yaxes(title_text="Feedback", rangemode="tozero", row=rows, col=1)
    figure.update_layout(
        height=1050,
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
    thin = metrics["thin"].to_list()
    group = None if group is None else html_literal(group)
    return go.Bar(
        x=metrics["period"].to_list(),
        y=metrics["n"].to_list(),
        name=f"{group or 'Feedback'} volume",
        legendgroup=group,
        showlegend=False,
        marker={"color": colour, "opacity": [0.4 if is_thin else 0.85 for is_thin in thin]},
        hovertemplate=f"%{{x|%d %b %Y}}<br>{_prefix(group)}%{{y}} feedback items<extra></extra>",
    )


def _prefix(group: str | None) -> str:
    """'online · ' before a split group's values in a hover: the trace's legend group (its split group,
    escaped), read from the trace's data rather than written into the template."""
    return "%{fullData.legendgroup} · " if group is not None else ""


def _nps_range(metrics: pl.DataFrame) -> list[float]:
    """The NPS axis: around the intervals, with room above for the rollouts' labels."""
    nps = metrics.drop_nulls("nps")
    return _padded_range(nps["nps_low"], nps["nps_high"], -100, 100, pad=10, headroom=28)


def _padded_range(
    low: pl.Series, high: pl.Series, floor: float, ceiling: float, pad: float, headroom: float
) -> list[float]:
    """A y range around the intervals, with room above for labels, within [floor, ceiling + headroom]."""
    if low.is_empty():
        return [floor, ceiling]
    bottom = max(floor, float(low.min()) - pad)  # type: ignore[arg-type]
    top = min(ceiling, float(high.max()) + pad) + headroom  # type: ignore[arg-type]
    return [bottom, top]


def _add_rollouts(figure: go.Figure, rollouts: pl.DataFrame, marker_y: float) -> None:
    """Each rollout as a dotted line through every row and a labelled marker at the top of the first row;
    the marker's hover gives its kind, channel and, when `rollouts` has a verdict column, its verdict."""
    if rollouts.is_empty():
        return
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
    figure.add_trace(
        go.Scatter(
            x=rollouts["started_on"].to_list(),
            y=[marker_y] * rollouts.height,
            mode="markers+text",
            marker={"symbol": "triangle-down", "size": 11, "color": PALETTE["rollout"]},
            text=[html_literal(name) for name in rollouts["name"].to_list()],
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
        html_literal(f"{rollout['started_on']:%d %b %Y} · {rollout['kind']}, {where}"),
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
                hovertemplate="%{x|%d %b %Y}<br>%{y:.1f}% of feedback (%{customdata} items)<extra>%{fullData.name}</extra>",
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
