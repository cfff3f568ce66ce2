"""`pulse clv`: customer lifetime value fitted on the stored orders, printed (nothing is stored: `pulse analyze`
stores the fit the dashboard reads)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from cli.context import Context, with_context
from cli.options import Day
from pulse.errors import InputError

if TYPE_CHECKING:
    from analysis.clv import ClvResult

METHODS = {
    "map": "maximum a posteriori with flat priors (the maximum-likelihood fit)",
    "mcmc": "posterior means from MCMC sampling",
}
PARAM_ORDER = ("r", "alpha", "a", "b", "p", "q", "v")


@click.command()
@click.option(
    "--until",
    type=Day(),
    metavar="YYYY-MM-DD",
    help="Fit on the orders up to this local day, included (default: all); later orders check the fit.",
)
@click.option(
    "--unit",
    "time_unit",
    type=click.Choice(["week", "day"]),
    default="week",
    show_default=True,
    help="The time unit of recency, T and the parameters.",
)
@click.option(
    "--sample", is_flag=True, help="Sample the posterior (MCMC, minutes) instead of the quick MAP fit."
)
@click.option("--json", "as_json", is_flag=True, help="Print the fit as JSON.")
@with_context
def clv(context: Context, until: datetime | None, time_unit: str, sample: bool, as_json: bool) -> None:
    """Customer lifetime value from the stored orders: BG/NBD for how often each customer buys, Gamma-Gamma
    for how much they spend (pymc-marketing; at most one purchase a customer a day). Prints the model, the time
    unit, the parameters, the customers, expected purchases and value per customer in the next 12 months, and,
    when orders after --until exist, the repeat purchases predicted for them against those made. The first fit
    on a machine compiles the models (about a minute); later fits take seconds."""
    from analysis.clv import fit_clv
    from store.orders import read_orders

    orders = read_orders(context.engine)
    if orders.is_empty():
        raise InputError(
            "The store holds no orders.",
            hint="Import an orders or visits export first: `pulse import FILE --kind order` "
            "(Shopify, Square, WooCommerce, or any file with a customer id, a date and an amount).",
        )
    if not as_json:
        click.echo(f"Fitting on {orders.height:,} orders…", err=True)
    result = fit_clv(
        orders,
        until=until.date() if until else None,
        time_unit="day" if time_unit == "day" else "week",
        timezone=context.settings.timezone,
        method="mcmc" if sample else "map",
    )
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
        return
    for line in clv_lines(result):
        click.echo(line)


def clv_lines(result: ClvResult) -> list[str]:
    """The fit in a few lines, as `pulse clv` prints it."""
    spend = f" and {result.spend_model} (spend)" if result.spend_model else ""
    lines = [
        f"Model: {result.model} (purchases){spend}, by {METHODS[result.method]}.",
        f"Fitted on the orders up to {result.calibrated_until}, in {result.time_unit}s "
        "(at most one purchase a customer a day).",
        "Parameters: "
        + ", ".join(_param(name, result.params) for name in PARAM_ORDER if name in result.params),
        f"Customers: {result.customers:,} ({result.repeat_customers:,} bought again).",
        f"Next {result.horizon_months} months, per customer: {result.expected_purchases:.2f} expected purchases"
        + (f", worth {result.expected_value:,.2f}." if result.expected_value is not None else "."),
    ]
    if result.holdout is not None:
        lines.append(_holdout_line(result.holdout.to_json(), result.time_unit))
    lines += [f"Note: {note}" for note in result.notes]
    return lines


def _param(name: str, params: dict[str, float]) -> str:
    return f"{name} {params[name]:.3f}"


def _holdout_line(holdout: dict[str, Any], time_unit: str) -> str:
    correlation = holdout["correlation"]
    per_customer = (
        f"per customer, correlation {correlation:.2f}" if correlation is not None else "per customer"
    )
    return (
        f"Holdout (to {holdout['last_day']}, {holdout['length']:.1f} {time_unit}s): "
        f"{holdout['predicted_repeat_purchases']:,.0f} repeat purchases predicted, "
        f"{holdout['actual_repeat_purchases']:,} made; {per_customer}, mean absolute error "
        f"{holdout['mean_absolute_error']:.2f}."
    )
