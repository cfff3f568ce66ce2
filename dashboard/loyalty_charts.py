"""The Loyalty page's Plotly builders: frames of analysis.loyalty in, figures out, no Streamlit (as
dashboard/charts.py, whose palette, interval bands and rollout markers they share)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from dashboard.charts import PALETTE, add_rollouts, interval_band

REPEAT_COLOUR = "#0072B2"
GROUP_LABELS = {
    "promoter": "Promoters",
    "passive": "Passives",
    "detractor": "Detractors",
    "impersonal": "Complained of impersonal service",
}
GROUP_COLOURS = {"promoter": "#009E73", "passive": "#999999", "detractor": "#D55E00", "impersonal": "#CC79A7"}


def repeat_rate_figure(weekly: pl.DataFrame, rollouts: pl.DataFrame) -> go.Figure:
    """Per week (analysis.loyalty.read_period_loyalty): the repeat-purchase rate (%) with its 95% band above,
    the active customers (returning and new, stacked) below; rollouts as on the Trends page."""
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06, row_heights=[0.62, 0.38])
    weeks = weekly["period"].to_list()
    rate = (weekly["repeat_rate"] * 100).to_list()
    low, high = (weekly["repeat_rate_low"] * 100).to_list(), (weekly["repeat_rate_high"] * 100).to_list()
    figure.add_trace(interval_band(weeks, low, high, REPEAT_COLOUR, "Repeat-purchase rate"), 1, 1)
    figure.add_trace(
        go.Scatter(
            x=weeks,
            y=rate,
            mode="lines+markers",
            name="Repeat-purchase rate",
            line={"color": REPEAT_COLOUR, "width": 2},
            marker={"size": 5},
            customdata=weekly["active_customers"].to_list(),
            hovertemplate="%{x|%-d %b %Y}<br>%{y:.0f}% had bought before<br>of %{customdata} customers"
            "<extra></extra>",
        ),
        1,
        1,
    )
    for column, name, colour in (
        ("returning_customers", "Returning customers", REPEAT_COLOUR),
        ("new_customers", "New customers", PALETTE["rollout"]),
    ):
        figure.add_trace(
            go.Bar(
                x=weeks,
                y=weekly[column].to_list(),
                name=name,
                marker={"color": colour, "opacity": 0.8},
                hovertemplate=f"%{{x|%-d %b %Y}}<br>%{{y}} {name.lower()}<extra></extra>",
            ),
            2,
            1,
        )
    y_range = _rate_range(low, high)
    ticks = _rate_ticks(y_range)  # labelled by hand: given ticks, Plotly leaves out a ticksuffix
    add_rollouts(figure, rollouts, y_range)
    figure.update_yaxes(
        title_text="Repeat-purchase rate",
        range=y_range,
        tickvals=ticks,
        ticktext=[f"{tick}%" for tick in ticks],
        row=1,
        col=1,
    )
    figure.update_yaxes(title_text="Customers", rangemode="tozero", row=2, col=1)
    figure.update_layout(
        height=560,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        hovermode="closest",
        barmode="stack",
        legend={"orientation": "h", "y": -0.08, "x": 0},
    )
    return figure


def _rate_range(low: list[float | None], high: list[float | None]) -> list[float]:
    """A y range (%) around the band, with room above it for the rollouts' labels."""
    lows = [value for value in low if value is not None]
    highs = [value for value in high if value is not None]
    if not lows or not highs:
        return [0.0, 100.0]
    bottom, top = max(0.0, min(lows) - 5), min(100.0, max(highs) + 5)
    return [bottom, top + 0.2 * (top - bottom)]


def _rate_ticks(y_range: list[float]) -> list[int]:
    """Round ticks inside the range, none above 100% (the room left for the rollouts' labels is not a rate)."""
    bottom, top = y_range
    step = next(step for step in (5, 10, 20, 25) if (min(top, 100) - bottom) / step <= 6)
    return [tick for tick in range(0, 101, step) if bottom <= tick <= top]


def cohort_figure(cohorts: pl.DataFrame) -> go.Figure:
    """The cohort retention heatmap (analysis.loyalty.read_cohort_retention): a row per cohort month (the
    oldest on top), a column per month since the first purchase, the share who bought in it; the hover gives
    the counts."""
    ordered = cohorts.sort("cohort", "months_since")
    months = ordered["months_since"].unique().sort().to_list()
    columns = [str(month) for month in months]

    def wide(values: str) -> pl.DataFrame:
        table = ordered.pivot(on="months_since", index="cohort", values=values, sort_columns=True)
        return table.select(
            pl.col("cohort"),
            *(
                pl.col(column) if column in table.columns else pl.lit(None).alias(column)
                for column in columns
            ),
        )

    rates, retained = wide("rate"), wide("retained")
    sizes = ordered.group_by("cohort").agg(pl.col("customers").first()).sort("cohort")["customers"].to_list()
    z = [[None if rate is None else 100 * rate for rate in row] for row in rates.drop("cohort").rows()]
    counts = [
        [[kept, size] for kept in row]
        for row, size in zip(retained.drop("cohort").rows(), sizes, strict=True)
    ]
    labels = [f"{cohort:%b %Y}" for cohort in rates["cohort"].to_list()]
    figure = go.Figure(
        go.Heatmap(
            x=months,
            y=labels,
            z=z,
            text=[["" if rate is None else f"{rate:.0f}%" for rate in row] for row in z],
            texttemplate="%{text}",  # blank where no month has passed yet ("%{z}" printed a lone "%")
            textfont={"size": 10},
            customdata=counts,
            colorscale="Blues",
            zmin=0,
            colorbar={"title": {"text": "Bought again"}, "ticksuffix": "%"},
            hovertemplate="First bought in %{y}<br>%{x} months later: %{z:.0f}% bought again<br>"
            "%{customdata[0]} of %{customdata[1]} customers<extra></extra>",
            hoverongaps=False,
        )
    )
    figure.update_xaxes(title_text="Months since the first purchase", dtick=1)
    figure.update_yaxes(title_text="First purchase in", autorange="reversed", type="category")
    figure.update_layout(height=max(320, 90 + 26 * len(labels)), margin={"l": 10, "r": 10, "t": 20, "b": 10})
    return figure


def feedback_returns_figure(returns: pl.DataFrame, days: int) -> go.Figure:
    """Per group of analysis.loyalty.read_feedback_returns with customers: the share who bought again within
    `days` days of their answer, and their spend in them, each with its 95% interval."""
    shown = returns.filter(pl.col("customers") > 0)
    names = [GROUP_LABELS.get(group, group) for group in shown["group"].to_list()]
    colours = [GROUP_COLOURS.get(group, PALETTE["muted"]) for group in shown["group"].to_list()]
    figure = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.12,
        subplot_titles=(
            f"Back within {days} days",
            f"Spend in {days} days",
        ),  # short: side by side on a phone
    )
    rate = (shown["return_rate"] * 100).to_list()
    figure.add_trace(
        go.Bar(
            x=names,
            y=rate,
            name="Bought again",
            marker={"color": colours},
            error_y=_error_bars(shown, "return_rate", "return_rate_low", "return_rate_high", 100),
            customdata=list(zip(shown["returned"].to_list(), shown["customers"].to_list(), strict=True)),
            hovertemplate="%{x}<br>%{y:.0f}% bought again<br>%{customdata[0]} of %{customdata[1]} customers"
            "<extra></extra>",
        ),
        1,
        1,
    )
    figure.add_trace(
        go.Bar(
            x=names,
            y=shown["spend_per_customer"].to_list(),
            name="Spend",
            marker={"color": colours},
            error_y=_error_bars(shown, "spend_per_customer", "spend_low", "spend_high"),
            customdata=shown["customers"].to_list(),
            hovertemplate="%{x}<br>%{y:,.2f} per customer<br>of %{customdata} customers<extra></extra>",
        ),
        1,
        2,
    )
    figure.update_yaxes(ticksuffix="%", rangemode="tozero", row=1, col=1)
    figure.update_yaxes(rangemode="tozero", row=1, col=2)
    figure.update_layout(height=380, margin={"l": 10, "r": 10, "t": 40, "b": 10}, showlegend=False)
    return figure


def _error_bars(
    frame: pl.DataFrame, value: str, low: str, high: str, scale: float = 1.0
) -> dict[str, object]:
    """Plotly's asymmetric error bars from a value and its interval's ends."""
    above = ((pl.col(high) - pl.col(value)) * scale).fill_null(0)
    below = ((pl.col(value) - pl.col(low)) * scale).fill_null(0)
    bars = frame.select(above.alias("above"), below.alias("below"))
    return {
        "type": "data",
        "symmetric": False,
        "array": bars["above"].to_list(),
        "arrayminus": bars["below"].to_list(),
        "color": "#444444",
    }


def customer_value_figure(values: pl.DataFrame, months: int = 12, bins: int = 40) -> go.Figure:
    """The distribution of expected customer value over the next `months` (the fit's horizon: analysis.clv's
    per-customer `expected_value`): a histogram of customers."""
    expected = values["expected_value"].drop_nulls().to_list()
    figure = go.Figure(
        go.Histogram(
            x=expected,
            nbinsx=bins,
            name="Customers",
            marker={"color": REPEAT_COLOUR, "opacity": 0.85},
            hovertemplate="Expected %{x}<br>%{y} customers<extra></extra>",
        )
    )
    figure.update_xaxes(title_text=f"Expected spend in the next {months} months", rangemode="tozero")
    figure.update_yaxes(title_text="Customers")
    figure.update_layout(height=340, margin={"l": 10, "r": 10, "t": 20, "b": 10}, bargap=0.05)
    return figure
