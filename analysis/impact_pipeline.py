"""The rollout impacts' pipeline step: judges every rollout from the store's daily counts (analysis.impact works
on frames only) and stores the results (store.impacts), which the dashboard's pages read. Pages never judge.

`refresh_rollout_impacts` runs after every write that can change a verdict: the end of each collector run
(imports, the demo, live sources), `pulse analyze`, `pulse forget`, `pulse db upgrade`, and every change to the
timeline (the dashboard's rollout editor and `pulse rollouts`). It recounts the marked days first (it is a
writer), and judges only when the stored impacts are older than the data (an orders import makes them so: it
bumps the data version). Where the store has orders, each rollout's findings also judge the repeat-purchase rate
and new customers' return (analysis.loyalty). scipy and statsmodels are imported only when there is a rollout to
judge.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING

import polars as pl

from store.daily_counts import read_daily_counts, refresh_daily_counts
from store.engine import Engine
from store.feedback import read_feedback
from store.impacts import read_impacts_state, read_rollout_impact_records, write_rollout_impacts
from store.orders import read_orders
from store.rollouts import read_rollouts
from store.topics import read_theme_mentions, read_topics

if TYPE_CHECKING:
    from analysis.impact import ImpactSettings, RolloutImpact


def read_rollout_impacts(
    engine: Engine, settings: ImpactSettings | None = None, timezone: str = "UTC"
) -> list[RolloutImpact]:
    """Every rollout's impact, judged now from the store's daily counts in `timezone` (recounted first when
    stale, or rebuilt in that time zone): for `pulse impact`, whose windows can differ from the stored ones'."""
    from analysis.impact import assess_rollouts_by_day, day_totals_from_counts

    refresh_daily_counts(engine, timezone)
    days = day_totals_from_counts(read_daily_counts(engine, timezone))
    impacts = assess_rollouts_by_day(days, read_rollouts(engine), settings)
    return with_loyalty(engine, with_theme_parts(engine, impacts, timezone), timezone)


def with_theme_parts(engine: Engine, impacts: list[RolloutImpact], timezone: str) -> list[RolloutImpact]:
    """The impacts whose NPS moved (clearly or likely: what the verdict explains) with the themes the change
    comes from (analysis.impact.explained), from the feedback of their windows and every theme it mentions
    under the current theme model (none without one). The others are read no feedback for."""
    from analysis.impact.explained import theme_parts
    from analysis.impact.findings import ALL_CHANNELS
    from analysis.themes.trends import resolve_themes

    moved = [impact for impact in impacts if impact.window is not None and nps_moved(impact)]
    windows = [impact.window for impact in moved if impact.window is not None]
    topics = read_topics(engine) if windows else None
    if topics is None or topics.is_empty():
        return impacts
    names = resolve_themes(topics).filter(~pl.col("hidden")).select("topic_id", "theme")
    mentions = read_theme_mentions(engine).join(names, on="topic_id").select("feedback_id", "theme").unique()
    earliest = min(window.before_start for window in windows) - timedelta(days=1)
    since = datetime.combine(earliest, time(0), tzinfo=UTC)
    rows = read_feedback(engine, ("id", "created_at", "channel", "nps", "sentiment"), since=since)
    judged = []
    for impact in impacts:
        window = impact.window
        if window is None or not nps_moved(impact):
            judged.append(impact)
            continue
        scope = rows if impact.channel in ALL_CHANNELS else rows.filter(pl.col("channel") == impact.channel)
        end = window.ended_on or window.after_end
        parts = theme_parts(scope, mentions, impact.started_on, window.before_start, end, timezone)
        judged.append(replace(impact, themes=parts))
    return judged


def with_loyalty(engine: Engine, impacts: list[RolloutImpact], timezone: str) -> list[RolloutImpact]:
    """The impacts with the loyalty signals' findings (analysis.loyalty.loyalty_findings: the repeat-purchase
    rate and new customers' return, on the same weeks and against the same untouched channels) added to their
    findings, when the store has orders; as they are otherwise."""
    if not any(impact.window is not None for impact in impacts):
        return impacts
    orders = read_orders(engine)
    if orders.is_empty():
        return impacts
    from analysis.loyalty import loyalty_findings

    return [
        impact
        if impact.window is None
        else replace(
            impact,
            findings=[
                *impact.findings,
                *loyalty_findings(orders, impact.started_on, impact.channel, impact.window, timezone),
            ],
        )
        for impact in impacts
    ]


def records_current(engine: Engine) -> bool:
    """Whether the stored impact records are in this Pulse's format (an upgrade judges them again)."""
    from analysis.impact.findings import RECORD_FORMAT

    return all(record.get("format") == RECORD_FORMAT for record in read_rollout_impact_records(engine))


def nps_moved(impact: RolloutImpact) -> bool:
    from analysis.impact.findings import CLEAR, LIKELY

    return any(item.signal == "nps" and item.status in (CLEAR, LIKELY) for item in impact.findings)


def refresh_rollout_impacts(engine: Engine, timezone: str | None = None) -> bool:
    """Bring the daily counts up to date (refresh_daily_counts, in `timezone` when given), then judge every
    rollout again (with the default ImpactSettings) and store the impacts when the stored ones are older than
    the data, or in an older format (records_current). Returns whether impacts were stored; nothing is judged
    before the days were ever counted."""
    refresh_daily_counts(engine, timezone)
    state = read_impacts_state(engine)
    if state.counts_timezone is None or (state.current and records_current(engine)):
        return False
    rollouts = read_rollouts(engine)
    records = []
    if not rollouts.is_empty():
        from analysis.impact import assess_rollouts_by_day, day_totals_from_counts
        from reports.verdicts import impact_record

        days = day_totals_from_counts(read_daily_counts(engine, state.counts_timezone))
        impacts = assess_rollouts_by_day(days, rollouts)
        impacts = with_theme_parts(engine, impacts, state.counts_timezone)
        impacts = with_loyalty(engine, impacts, state.counts_timezone)
        records = [impact_record(impact) for impact in impacts]
    return write_rollout_impacts(engine, records, judged_at=state.data_version)
