"""The rollout impacts' pipeline step: judges every rollout from the store's daily counts (analysis.impact works
on frames only) and stores the results (store.impacts), which the dashboard's pages read. Pages never judge.

`refresh_rollout_impacts` runs after every write that can change a verdict: the end of each collector run
(imports, the demo, live sources), `pulse analyze`, `pulse forget`, `pulse db upgrade`, and every change to the
timeline (the dashboard's rollout editor and `pulse rollouts`). It recounts the marked days first (it is a
writer), and judges only when the stored impacts are older than the data. scipy and statsmodels are imported
only when there is a rollout to judge.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from store.daily_counts import read_daily_counts, refresh_daily_counts
from store.engine import Engine
from store.impacts import read_impacts_state, write_rollout_impacts
from store.rollouts import read_rollouts

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
    return assess_rollouts_by_day(days, read_rollouts(engine), settings)


def refresh_rollout_impacts(engine: Engine, timezone: str | None = None) -> bool:
    """Bring the daily counts up to date (refresh_daily_counts, in `timezone` when given), then judge every
    rollout again (with the default ImpactSettings) and store the impacts when the stored ones are older than
    the data. Returns whether impacts were stored; nothing is judged before the days were ever counted."""
    refresh_daily_counts(engine, timezone)
    state = read_impacts_state(engine)
    if state.current or state.counts_timezone is None:
        return False
    rollouts = read_rollouts(engine)
    records = []
    if not rollouts.is_empty():
        from analysis.impact import assess_rollouts_by_day, day_totals_from_counts
        from reports.verdicts import impact_record

        days = day_totals_from_counts(read_daily_counts(engine, state.counts_timezone))
        records = [impact_record(impact) for impact in assess_rollouts_by_day(days, rollouts)]
    return write_rollout_impacts(engine, records, judged_at=state.data_version)
