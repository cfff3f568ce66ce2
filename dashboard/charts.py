"""Pure Plotly builders: frames in, figures out, no Streamlit. Colour-blind-safe (Okabe-Ito) palette."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

PALETTE = {
    "nps": "#0072B2",
    "csat": "#009E73",
    "negative": "#D55E00",
    "impersonal": "#CC79A7",
    "rollout": "#E69F00",
    "muted": "#999999",
}


def _band(x: list, low: list, high: list, color: str, name: str) -> go.Scatter:
    return go.Scatter(
        x=x + x[::-1],
        y=high + low[::-1],
        fill="toself",
        fillcolor=_with_alpha(color, 0.15),
        line={"width": 0},
        hoverinfo="skip",
        name=f"{name} 95% interval",
        showlegend=False,
    )


def _with_alpha(hex_color: str, alpha: float) -> str:
    red, green, blue = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def _line(frame: pl.DataFrame, column: str, color: str, name: str, hover: str) -> go.Scatter:
    thin = frame["thin"].to_list()
    return go.Scatter(
        x=frame["period"].to_list(),
        y=frame[column].to_list(),
        mode="lines+markers",
        name=name,
        line={"color": color, "width": 2},
        marker={
            "color": ["white" if is_thin else color for is_thin in thin],
            "line": {"color": color, "width": 1.5},
            "size": 6,
        },
        customdata=list(
            zip(frame["nps_n"].to_list(), ["thin: few responses" if t else "" for t in thin], strict=True)
        ),
        hovertemplate=f"%{{x|%d %b %Y}}<br>{hover}<br>n = %{{customdata[0]}} %{{customdata[1]}}<extra></extra>",
    )


def trend_figure(metrics: pl.DataFrame, rollouts: pl.DataFrame) -> go.Figure:
    """Weekly NPS (top) and CSAT (bottom) with 95% bands; thin weeks hollow; rollouts as labelled lines."""
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06, row_heights=[0.58, 0.42])
    nps = metrics.drop_nulls("nps")
    csat = metrics.drop_nulls("csat").with_columns(pl.col("csat", "csat_low", "csat_high") * 100)
    periods = nps["period"].to_list()
    figure.add_trace(
        _band(periods, nps["nps_low"].to_list(), nps["nps_high"].to_list(), PALETTE["nps"], "NPS"), 1, 1
    )
    figure.add_trace(_line(nps, "nps", PALETTE["nps"], "NPS", "NPS %{y:+.0f}"), 1, 1)
    periods = csat["period"].to_list()
    figure.add_trace(
        _band(periods, csat["csat_low"].to_list(), csat["csat_high"].to_list(), PALETTE["csat"], "CSAT"), 2, 1
    )
    figure.add_trace(_line(csat, "csat", PALETTE["csat"], "CSAT", "CSAT %{y:.0f}%"), 2, 1)
    nps_range = _padded_range(nps["nps_low"], nps["nps_high"], -100, 100, pad=10, headroom=28)
    csat_range = _padded_range(csat["csat_low"], csat["csat_high"], 0, 100, pad=5, headroom=5)
    _add_rollouts(figure, rollouts, marker_y=nps_range[1] - 9)
    figure.update_yaxes(title_text="NPS", range=nps_range, zeroline=True, row=1, col=1)
    figure.update_yaxes(title_text="CSAT", range=csat_range, ticksuffix="%", row=2, col=1)
    figure.update_layout(
        height=560, margin={"l": 10, "r": 10, "t": 20, "b": 10}, hovermode="closest", showlegend=False
    )
    return figure


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
            text=rollouts["name"].to_list(),
            textposition="top center",
            textfont={"size": 11},
            name="Rollouts",
            customdata=list(
                zip(
                    rollouts["kind"].to_list(),
                    [c or "all channels" for c in rollouts["channel"].to_list()],
                    strict=True,
                )
            ),
            hovertemplate="<b>%{text}</b><br>%{x|%d %b %Y}<br>%{customdata[0]}, %{customdata[1]}<extra></extra>",
        ),
        1,
        1,
    )


THEME_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]


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
                name=rows["theme"][0],
                line={"color": THEME_COLOURS[index % len(THEME_COLOURS)], "width": 2},
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
                x=row["started_on"], y=1, yref="paper", text=row["name"], showarrow=False, yanchor="bottom"
            )
    figure.update_yaxes(title_text="Share of the week’s comments", ticksuffix="%", rangemode="tozero")
    figure.update_layout(
        height=420,
        margin={"l": 10, "r": 10, "t": 20, "b": 10},
        legend={"orientation": "h", "y": -0.15},
        hovermode="closest",
    )
    return figure
