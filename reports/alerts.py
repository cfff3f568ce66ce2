"""The week's alerts (analysis.alerts) in words, for the Pulse page and the digest: "NPS fell to -25 this week
from 30 over the 8 weeks before (-55 points, 99% CI -80 to -30)." """

from __future__ import annotations

from analysis.alerts import Alert

SHARES = {  # measure: its name, which way is worse, and its unit
    "csat": ("CSAT", "fell", "%"),
    "impersonal": ("Impersonal complaints", "rose", " per 100"),
}


def alert_message(alert: Alert) -> str:
    """One sentence: the measure this week against the weeks before, the change and its interval ("Online:
    ..." for a channel's alert)."""
    over = weeks_before(alert.baseline_weeks)
    level = f"{100 * alert.confidence:.1f}".removesuffix(".0") + "% CI"
    scope = f"{alert.channel[:1].upper()}{alert.channel[1:]}: " if alert.channel else ""
    if alert.measure == "nps":
        return scope + (
            f"NPS fell to {whole(alert.week_value)} this week from {whole(alert.baseline_value)} over {over} "
            f"({whole(alert.change)} points, {level} {whole(alert.low)} to {whole(alert.high)})."
        )
    if alert.measure == "sentiment":
        return scope + (
            f"Mean sentiment fell to {alert.week_value:+.2f} this week from {alert.baseline_value:+.2f} "
            f"over {over} ({alert.change:+.2f}, {level} {alert.low:+.2f} to {alert.high:+.2f})."
        )
    name, verb, unit = SHARES[alert.measure]
    return scope + (
        f"{name} {verb} to {alert.week_value:.1f}{unit} this week from {alert.baseline_value:.1f}{unit} over "
        f"{over} ({alert.change:+.1f}, {level} {alert.low:.1f} to {alert.high:.1f})."
    )


def weeks_before(weeks: int) -> str:
    return "the week before" if weeks == 1 else f"the {weeks} weeks before"


def whole(value: float) -> str:
    """A number rounded to a whole, without a minus sign on zero."""
    text = f"{value:.0f}"
    return "0" if text == "-0" else text
