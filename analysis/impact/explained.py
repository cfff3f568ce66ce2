"""Rollout impact, why it moved: which themes the change in NPS comes from. Numbers only; reports/findings.py
says them in words ("Most of the drop comes from 'Reaching a person' ...").

For each theme, over the rollout's customers before the start and while it was in force: the detractors who
mention it per 100 NPS answers, the negative comments that mention it per 100 scored comments, and NPS
recomputed without the detractors who mention it. The points of the NPS change that a theme accounts for are
the change minus the change without its detractors: a theme whose unhappy customers appeared with the rollout
explains the drop; one that was there all along does not. A customer who mentions two themes counts for
both, so the parts can add up to more than the whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from pulse.measures import DETRACTOR, NEGATIVE_SENTIMENT, PROMOTER

THEMES_KEPT = 5  # the themes that explain most, per rollout


@dataclass(frozen=True)
class ThemePart:
    """One theme's part in a rollout's NPS change."""

    theme: str
    detractors_before: float  # detractors who mention it, per 100 NPS answers
    detractors_during: float
    negative_before: float  # negative comments that mention it, per 100 scored comments
    negative_during: float
    nps_change: float  # the scope's NPS change, during minus before
    nps_change_without: float  # the same without the detractors who mention the theme
    explained: float  # nps_change - nps_change_without: the points the theme accounts for


def theme_parts(
    rows: pl.DataFrame, mentions: pl.DataFrame, started_on: date, before_start: date, end: date, timezone: str
) -> list[ThemePart]:
    """The themes that account for most of the NPS change, the most first (by the size of their part, on the
    change's side): `rows` are the rollout's customers (id, created_at, nps, sentiment), `mentions` every
    theme an item mentions (feedback_id, theme)."""
    local = pl.col("created_at").dt.convert_time_zone(timezone).dt.date()
    scoped = rows.with_columns(local.alias("local_date")).filter(
        pl.col("local_date").is_between(before_start, end, closed="left")
    )
    scoped = scoped.with_columns(
        pl.when(pl.col("local_date") < started_on)
        .then(pl.lit("before"))
        .otherwise(pl.lit("during"))
        .alias("period")
    )
    totals = {row["period"]: row for row in period_totals(scoped).iter_rows(named=True)}
    if set(totals) != {"before", "during"} or min(totals[p]["answers"] for p in totals) == 0:
        return []
    nps = {p: 100 * (totals[p]["promoters"] - totals[p]["detractors"]) / totals[p]["answers"] for p in totals}
    change = nps["during"] - nps["before"]
    themed = scoped.join(mentions.select(pl.col("feedback_id").alias("id"), "theme"), on="id", how="inner")
    by_theme = themed.group_by("theme", "period").agg(
        DETRACTOR.expr().sum().alias("detractors"),
        (pl.col("sentiment") == NEGATIVE_SENTIMENT).sum().alias("negative"),
    )
    counts: dict[str, dict[str, tuple[int, int]]] = {}
    for row in by_theme.iter_rows(named=True):
        counts.setdefault(row["theme"], {})[row["period"]] = (row["detractors"] or 0, row["negative"] or 0)
    parts = []
    for theme, periods in counts.items():
        without = {}
        for period, total in totals.items():
            detractors = periods.get(period, (0, 0))[0]
            answers = total["answers"] - detractors
            without[period] = (
                100 * (total["promoters"] - total["detractors"] + detractors) / answers if answers else 0.0
            )
        change_without = without["during"] - without["before"]
        parts.append(
            ThemePart(
                theme=theme,
                detractors_before=per_100(periods.get("before", (0, 0))[0], totals["before"]["answers"]),
                detractors_during=per_100(periods.get("during", (0, 0))[0], totals["during"]["answers"]),
                negative_before=per_100(periods.get("before", (0, 0))[1], totals["before"]["comments"]),
                negative_during=per_100(periods.get("during", (0, 0))[1], totals["during"]["comments"]),
                nps_change=change,
                nps_change_without=change_without,
                explained=change - change_without,
            )
        )
    side = -1.0 if change < 0 else 1.0
    parts.sort(key=lambda part: (-side * part.explained, part.theme))
    return [part for part in parts if side * part.explained > 0][:THEMES_KEPT]


def period_totals(scoped: pl.DataFrame) -> pl.DataFrame:
    """Per period: NPS answers, promoters, detractors and scored comments."""
    return scoped.group_by("period").agg(
        pl.col("nps").is_not_null().sum().alias("answers"),
        PROMOTER.expr().sum().alias("promoters"),
        DETRACTOR.expr().sum().alias("detractors"),
        pl.col("sentiment").is_not_null().sum().alias("comments"),
    )


def per_100(count: int, total: int) -> float:
    return 100 * count / total if total else 0.0
