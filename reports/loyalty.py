"""The Loyalty page's sentences: are customers coming back as often as before, what a detractor costs, and the
value at risk. Numbers come from analysis.loyalty; these say them in words."""

from __future__ import annotations

from typing import Any

import polars as pl

from pulse.formatting import format_amount, format_share, format_weeks, plural


def coming_back_sentence(now: dict[str, Any] | None, before: dict[str, Any] | None, clear: bool) -> str:
    """The answer to "are customers coming back as often as before?" from two spans (analysis.loyalty.spans:
    the recent weeks, the weeks before them); `clear`: the change is beyond the noise
    (analysis.alerts.change_is_clear)."""
    if now is None:
        return "No purchases in the last weeks: nothing to say yet."
    weeks = (now["last"] - now["first"]).days // 7 + 1
    recent = (
        f"{format_share(now['repeat_rate'])} of the {plural(now['active_customers'], 'customer')} who bought "
        f"in the last {weeks} weeks ({format_weeks(now['first'], now['last'])}) had bought before"
    )
    if before is None:
        return f"{recent}; there are no weeks before them to compare."
    against = f"against {format_share(before['repeat_rate'])} in the {weeks} weeks before"
    change = 100 * (now["repeat_rate"] - before["repeat_rate"])
    if not clear:
        return f"About as often: {recent}, {against}; a change within the noise."
    opening = "More often" if change > 0 else "Less often"
    moved = "rise" if change > 0 else "drop"
    return f"{opening}: {recent}, {against}, a clear {moved} of {abs(change):.0f} points."


def detractor_cost_sentence(returns: pl.DataFrame, days: int) -> str | None:
    """What a detractor costs against a promoter, from analysis.loyalty.read_feedback_returns's rows; None when
    either group has no customers."""
    groups = {row["group"]: row for row in returns.iter_rows(named=True)}
    promoter, detractor = groups.get("promoter"), groups.get("detractor")
    if not promoter or not detractor or not promoter["customers"] or not detractor["customers"]:
        return None
    cost = promoter["spend_per_customer"] - detractor["spend_per_customer"]
    rates = (
        f"{format_share(promoter['return_rate'])} of promoters bought again within {days} days of their "
        f"answer, against {format_share(detractor['return_rate'])} of detractors"
    )
    spends = (
        f"a detractor spent {format_amount(detractor['spend_per_customer'])} in those days, a promoter "
        f"{format_amount(promoter['spend_per_customer'])}"
    )
    if cost <= 0:
        return f"{rates}; {spends}: detractors cost nothing visible here so far."
    return f"{rates}; {spends}. So each detractor costs about {format_amount(cost)} in {days} days."


def value_at_risk_sentence(
    totals: dict[str, Any], lapse_days: int | None, modelled: bool, months: int = 12
) -> str:
    """The value at risk in words, from analysis.loyalty.risk_totals; `modelled`: the lifetime-value model's
    values were there to judge who is likely gone."""
    if not totals["customers"]:
        return "No customer looks lapsed."
    why = f"no purchase for more than {lapse_days} days" if lapse_days is not None else "no recent purchase"
    if modelled:
        why += ", or likely gone by the customer-value model"
    together = "together they" if totals["customers"] > 1 else "they"
    spent = f"{together} spent {format_amount(totals['revenue'])} with you"
    expected = ""
    if totals["expected_value"] is not None:
        expected = f"; the model expects {format_amount(totals['expected_value'])} more from them in the next {months} months"
    verb = "looks" if totals["customers"] == 1 else "look"
    return f"{plural(totals['customers'], 'customer')} {verb} lapsed ({why}): {spent}{expected}."
