"""The weekly digest: what the owner reads on Monday morning. The week's NPS, CSAT, responses, negative
comments and impersonal complaints, each against the week before and with its 95% interval; the week's alerts
(analysis.alerts); the follow-up of unhappy customers when there are cases (the week's new cases, contact within
the due time, what is overdue, and whether following up helped: reports/follow_up.py); and what customers talked
about: the week's biggest themes and those rising against the four weeks before (analysis.themes). As plain text and as a simple HTML page; reports/mail.py sends it. Built
from frames of numbers (build_digest), which analysis/digest_pipeline.py reads from the store:

    figures = read_digest_figures(engine, timezone="Europe/London")   # the latest week
    print(build_digest(figures.weekly, figures.themes, "Crumb & Kettle", figures.week, figures.impacts).text())
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from typing import Any

import polars as pl

from analysis.alerts import alert_scopes, scoped_alerts
from analysis.case_outcomes import CaseOutcomes, FollowUpWeek
from analysis.metrics import chosen_week, period_and_previous
from analysis.themes.trends import BASELINE_PERIODS, rising_themes
from pulse.formatting import corrected_note, format_nps, format_points, format_share, format_week, plural
from reports.alerts import alert_message
from reports.findings import owner_answer, records_in_view
from reports.follow_up import follow_up_lines

TOP_THEMES = 3


@dataclass(frozen=True)
class Figure:
    """One of the week's figures: '+32', its change against last week ('+4 pts') and its 95% interval."""

    label: str
    value: str
    change: str | None
    interval: str | None

    def line(self) -> str:
        parts = [f"{self.label}: {self.value}"]
        if self.change:
            parts.append(f"{self.change.strip()} against last week")
        if self.interval:
            parts.append(f"95% CI {self.interval}")
        return parts[0] + (f" ({'; '.join(parts[1:])})" if parts[1:] else "")


@dataclass(frozen=True)
class ThemeLine:
    theme: str
    detail: str

    def line(self) -> str:
        return f"{self.theme}: {self.detail}"


@dataclass(frozen=True)
class Digest:
    business: str
    week: date
    compared_with: date | None  # the week before, when it had feedback
    figures: list[Figure]
    alerts: list[str]
    top_themes: list[ThemeLine]
    rising_themes: list[ThemeLine]
    notes: list[str]
    answer: str | None = None  # reports.findings.owner_answer's sentence, when there are rollouts
    follow_up: tuple[str, ...] = ()  # reports.follow_up.follow_up_lines, when there are cases

    @property
    def subject(self) -> str:
        return f"{self.business}: weekly pulse, {format_week(self.week)}"

    def sections(self) -> list[tuple[str, list[str]]]:
        """The digest's headed sections, each a list of lines (plain text: not HTML)."""
        compared = (
            f"Against {format_week(self.compared_with)}."
            if self.compared_with
            else "The first week with feedback: nothing to compare with."
        )
        answer = [("Is automation making customers feel it?", [self.answer])] if self.answer else []
        return [
            *answer,
            ("This week", [compared, *[figure.line() for figure in self.figures], *self.notes]),
            ("Alerts", self.alerts or ["None: no measure moved significantly against the 8 weeks before."]),
            *([("Follow-up", list(self.follow_up))] if self.follow_up else []),
            ("What customers talked about", [theme.line() for theme in self.top_themes] or [NO_THEMES]),
            ("Rising themes", [theme.line() for theme in self.rising_themes] or [NO_RISING]),
        ]

    def text(self) -> str:
        lines = [self.subject, "=" * len(self.subject)]
        for heading, items in self.sections():
            lines += ["", heading, *[f"- {item}" for item in items]]
        return "\n".join([*lines, "", FOOTER]) + "\n"

    def html(self) -> str:
        """A plain HTML version: every text escaped (theme names and alerts come from customers' words)."""
        parts = [f"<h2>{escape(self.subject)}</h2>"]
        for heading, items in self.sections():
            listed = "".join(f"<li>{escape(item)}</li>" for item in items)
            parts.append(f"<h3>{escape(heading)}</h3><ul>{listed}</ul>")
        parts.append(f"<p><small>{escape(FOOTER)}</small></p>")
        return f"<!DOCTYPE html><html><body>{''.join(parts)}</body></html>\n"


NO_THEMES = "No themes yet: run `pulse themes update` after `pulse analyze`."
NO_RISING = "None this week."
FOOTER = "Sent by Pulse. Open the dashboard for the trend, the rollouts and the comments."


# --- building -----------------------------------------------------------------------------------------


def build_digest(
    weekly: pl.DataFrame,
    theme_weekly: pl.DataFrame,
    business: str,
    week: date | None = None,
    impacts: Sequence[dict[str, Any]] = (),
    by_channel: pl.DataFrame | None = None,
    follow_up_week: FollowUpWeek | None = None,
    case_outcomes: CaseOutcomes | None = None,
) -> Digest:
    """The digest of `week` (its Monday; the latest week with feedback when None) from weekly metrics
    (analysis.metrics.read_period_metrics by week), weekly themes (analysis.themes.theme_periods) and the
    rollouts' stored impact records (the answer to the owner's question, as the Pulse page gives it); with
    `by_channel` (the weekly metrics per channel), each channel's alerts too; with `follow_up_week`
    (analysis.case_outcomes.follow_up_week) a Follow-up section, ending with `case_outcomes` when given."""
    week = chosen_week(weekly, week)
    this, last = period_and_previous(weekly, week)
    notes = []
    if this["thin"] and this["nps_n"]:
        notes.append(f"Only {this['nps_n']} NPS answers this week: read its NPS as a rough guide.")
    corrected = corrected_note(this["corrected_n"])
    if corrected:
        notes.append(corrected)
    themes = theme_weekly.filter(pl.col("period") <= week) if not theme_weekly.is_empty() else theme_weekly
    return Digest(
        business=business,
        week=week,
        compared_with=last["period"] if last else None,
        figures=week_figures(this, last),
        alerts=[alert_message(alert) for alert in scoped_alerts(alert_scopes(weekly, by_channel), week)],
        top_themes=top_theme_lines(themes, week),
        rising_themes=rising_theme_lines(themes, week),
        notes=notes,
        answer=owner_answer(records_in_view(impacts, None, None, week + timedelta(days=6))).sentence
        if impacts
        else None,
        follow_up=tuple(follow_up_lines(follow_up_week, case_outcomes)) if follow_up_week else (),
    )


@dataclass(frozen=True)
class FigureSpec:
    """Where a figure comes from in a weekly metrics row, and how it is shown."""

    label: str
    column: str
    bounds: tuple[str, str] | None  # the columns of its 95% interval
    shown: Callable[[Any], str]
    scale: float = 1.0  # of its change: 100 turns a share's change into points
    unit: str = "pts"


FIGURES = (
    FigureSpec("NPS", "nps", ("nps_low", "nps_high"), format_nps),
    FigureSpec("CSAT", "csat", ("csat_low", "csat_high"), format_share, 100),
    FigureSpec("Responses", "n", None, lambda value: f"{value:,}", unit=""),
    FigureSpec("Negative comments", "negative_share", ("negative_low", "negative_high"), format_share, 100),
    FigureSpec(
        "Impersonal complaints", "impersonal_share", ("impersonal_low", "impersonal_high"), format_share, 100
    ),
)


def week_figures(this: dict[str, Any], last: dict[str, Any] | None) -> list[Figure]:
    return [week_figure(spec, this, last) for spec in FIGURES]


def week_figure(spec: FigureSpec, this: dict[str, Any], last: dict[str, Any] | None) -> Figure:
    value = this[spec.column]
    previous = last[spec.column] if last else None
    change = (value - previous) * spec.scale if value is not None and previous is not None else None
    interval = None
    if spec.bounds and this[spec.bounds[0]] is not None and this[spec.bounds[1]] is not None:
        interval = f"{spec.shown(this[spec.bounds[0]])} to {spec.shown(this[spec.bounds[1]])}"
    shown = "–" if value is None else spec.shown(value)
    return Figure(spec.label, shown, format_points(change, spec.unit), interval)


def top_theme_lines(theme_weekly: pl.DataFrame, week: date, top: int = TOP_THEMES) -> list[ThemeLine]:
    """The week's biggest themes: 'Kiosk queues: 14 items, 12% of the week's feedback'."""
    if theme_weekly.is_empty():
        return []
    biggest = theme_weekly.filter(pl.col("period") == week).sort("volume", "theme", descending=[True, False])
    return [
        ThemeLine(
            row["theme"],
            f"{plural(row['volume'], 'item')}, {format_share(row['share'])} of the week's feedback",
        )
        for row in biggest.head(top).iter_rows(named=True)
    ]


def rising_theme_lines(theme_weekly: pl.DataFrame, week: date) -> list[ThemeLine]:
    """Themes whose share of `week` is significantly above the weeks before it (none when `week` has no
    themed feedback)."""
    if theme_weekly.is_empty() or theme_weekly["period"].max() != week:
        return []
    return [
        ThemeLine(
            row["theme"],
            f"{format_share(row['share'])} of the week's feedback, up from {format_share(row['baseline_share'])} "
            f"over the {BASELINE_PERIODS} weeks before",
        )
        for row in rising_themes(theme_weekly).head(TOP_THEMES).iter_rows(named=True)
    ]
