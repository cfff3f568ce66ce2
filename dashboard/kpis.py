"""The Pulse page's cards: each vital sign that the feedback in view has, over a span of weeks, and its change
from the span it is compared with (analysis.comparison), grey where the change is within the noise. Pure: the
page renders them (components.render_kpi_row)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analysis.alerts import alert_z, change_is_clear
from analysis.comparison import Comparison
from pulse.formatting import format_day, format_nps, format_points, format_share, format_week, format_weeks
from pulse.plain_text import markdown_literal

COLOUR_Z = alert_z(8)  # up to eight cards' changes, coloured only beyond the noise


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    delta: str | None = None
    lower_is_better: bool = False
    help: str | None = None
    clear: bool = True  # the change is beyond the noise (analysis.alerts.change_is_clear); else grey


def vital_sign_kpis(comparison: Comparison, asked: set[str]) -> list[Kpi]:
    """A card for each vital sign whose answers' count (nps_n, csat_n, stars_n, scored_n, ces_n) is in
    `asked`: the measures that the feedback in view has at all."""
    now = comparison.now.figures
    before = comparison.before.figures if comparison.before else None

    def change(column: str, scale: float = 1.0) -> float | None:
        if before is None or now[column] is None or before[column] is None:
            return None
        return float(now[column] - before[column]) * scale

    def share(label: str, measure: str, column: str, help_text: str, lower_is_better: bool = False) -> Kpi:
        return Kpi(
            label,
            format_share(now[column]),
            format_points(change(column, 100)),
            lower_is_better,
            help_text,
            change_is_clear(measure, now, before, COLOUR_Z),
        )

    cards = []
    if "nps_n" in asked:
        interval = f"95% interval {format_nps(now['nps_low'])} to {format_nps(now['nps_high'])}"
        cards.append(
            Kpi(
                "NPS",
                format_nps(now["nps"]),
                format_points(change("nps")),
                help=f"Promoters minus detractors, from {now['nps_n']:,} answers. {interval}.",
                clear=change_is_clear("nps", now, before, COLOUR_Z),
            )
        )
    if "csat_n" in asked:
        cards.append(share("CSAT", "csat", "csat", f"Share of 4–5 out of 5, from {now['csat_n']:,} answers."))
    if "stars_n" in asked:
        moved = change("stars_mean")
        cards.append(
            Kpi(
                "Stars",
                "–" if now["stars_mean"] is None else f"{now['stars_mean']:.1f} ★",
                None if moved is None else f"{moved:+.1f} ★",
                help=f"Mean review stars (1 to 5), from {now['stars_n']:,} reviews.",
                clear=change_is_clear("stars", now, before, COLOUR_Z),
            )
        )
    cards.append(
        Kpi(
            "Feedback",
            f"{now['n']:,}",
            format_points(change("n"), "items"),
            help="Survey responses, reviews and social mentions.",
            clear=change_is_clear("n", now, before, COLOUR_Z),
        )
    )
    if "scored_n" in asked:
        scored = f"of the {now['scored_n']:,} scored comments"
        cards += [
            share(
                "Negative comments", "negative", "negative_share", f"Share {scored} that read negative.", True
            ),
            share(
                "Felt impersonal",
                "impersonal",
                "impersonal_share",
                f"Complaints of bots, canned replies or no human to reach: share {scored}.",
                True,
            ),
        ]
    if "ces_n" in asked:
        mean = f"; mean {now['ces_mean']:.1f} of 7" if now["ces_n"] else ""
        answers = f"from {now['ces_n']:,} answers{mean}"
        cards.append(
            share("CES: easy", "ces", "ces_share", f"Customer Effort Score: share of 5–7 of 7, {answers}.")
        )
    return cards


def returning_customers_kpi(now: dict[str, Any] | None, before: dict[str, Any] | None) -> Kpi:
    """The card of the repeat-purchase rate over the compared span (analysis.loyalty.span_loyalty of its weeks:
    `now`, and of the span before it: `before`), grey where the change is within the noise."""
    if now is None:
        return Kpi("Repeat customers", format_share(None), help="Nobody bought in these weeks.")
    change = None if before is None else 100 * (now["repeat_rate"] - before["repeat_rate"])
    return Kpi(
        "Repeat customers",
        format_share(now["repeat_rate"]),
        format_points(change),
        help=f"Share of the {now['active_customers']:,} customers who bought in these weeks who had bought "
        "before them (see Loyalty).",
        clear=change_is_clear("repeat", now, before, COLOUR_Z),
    )


def comparison_sentence(comparison: Comparison, rollout: dict[str, Any] | None, where: str = "") -> str:
    """'The 4 weeks of 2 – 29 Nov 2026 (online), against the 4 before (5 Oct – 1 Nov 2026).' (Markdown: the
    rollout's name as typed.) `where`: the filters in words, if any."""
    now, before = comparison.now, comparison.before
    if comparison.kind == "rollout" and rollout is not None:
        name = markdown_literal(rollout["name"])
        weeks = f"{now.weeks} whole week{'s' if now.weeks != 1 else ''}"
        opening = f"The {weeks} since '{name}' started on {format_day(rollout['started_on'])}"
    elif comparison.kind == "week" or now.weeks == 1:
        opening = f"The week of {format_week(now.first)}"
    else:
        opening = f"The {now.weeks} weeks of {format_weeks(now.first, now.last)}"
    if where:
        opening += f" ({where})"
    if before is None:
        return f"{opening}, with nothing before them to compare."
    span = "the week before" if before.weeks == 1 else f"the {before.weeks} before"
    return f"{opening}, against {span} ({format_weeks(before.first, before.last)})."
