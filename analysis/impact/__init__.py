"""Did a rollout change how customers feel? The findings, which the verdicts rest on: every vital sign's
change on all the weeks since the start, how sure it is under weekly looks, and the themes the NPS change comes
from (signals.py, sequential.py, findings.py, explained.py; their own docstrings say how). Beside them, the
fixed windows kept for the JSON's `measures` and the smallest detectable change: before / after differences,
an interrupted time series, a comparison channel, described below. reports/findings.py and
reports/verdicts.py say them in words.

Every measure is the mean of a per-response value, so one machinery serves them all: NPS (+100 for a
promoter, -100 for a detractor, 0 for a passive), CSAT (100 for a 4-5, else 0: percentage points), sentiment
(the score, -1..1) and impersonal complaints (100 for a complaint: per 100 scored items).

Windows are counted in whole weeks from the rollout's start date, in the business's time zone: the
`weeks` weeks before the start, and the `weeks` weeks after it (after an optional burn-in). Intervals are
bootstrap intervals that resample whole weeks (so that week-to-week swings, not only the sampling of
answers, count as noise), rescaled by sqrt(G / (G - 1)). With few weeks the weeks' spread is itself noisy
and can come out below what the sampling of answers implies (s^2 / n); then the answers' variance is used
(a dispersion floored at 1). The percentile interval is widened from the normal to Student's t with
Welch-Satterthwaite degrees of freedom (G - 1 a window for the weeks' variance, n - 1 for the answers').
The draws are vectorised with numpy and seeded.

The interrupted time series (segmented regression with statsmodels: level change and slope change, with
day-of-week effects when every weekday has answers, standard errors clustered by week, or the plain ones
when those are larger) is the channel's own estimate when there are at least `its_min_weeks_before` weeks of
answers before the start; otherwise the before / after difference is. When the rollout touched one channel
and there are others, the main estimate (the verdict's) is the difference in differences against them:
a change that every channel shows (a season, the weather, a holiday) is not the rollout's, and a before /
after comparison or a straight trend cannot tell the two apart. See benchmarks/impact_validation.py for how
these intervals hold up on simulated data.

The package: signals.py (the vital signs and each one's weekly fit), sequential.py (anytime-valid p-values,
weighted Holm, odds, weeks to settle), findings.py (a rollout's weeks from the timeline, and its findings),
explained.py (the themes behind the NPS change), windows.py (per-response values, day and week totals,
windows), estimators.py (bootstrap, difference in differences, time series, minimum detectable change) and
assessment.py (one rollout's estimates and findings put together, and what its warnings rest on);
validation.py simulates feedback with a known effect for benchmarks/impact_validation.py. Numbers only, from frames: analysis/impact_pipeline.py reads the store, and
stores every rollout's impact (with reports.verdicts' words) after each import, analysis and rollout edit for
the dashboard.
"""

from analysis.impact.assessment import (
    BEFORE_AFTER_METHOD,
    DID_METHOD,
    ITS_METHOD,
    RolloutImpact,
    add_verdicts,
    assess_rollout,
    assess_rollout_by_day,
    assess_rollouts,
    assess_rollouts_by_day,
    combined_volume,
)
from analysis.impact.estimators import (
    TYPICAL_NPS_SD,
    DidEstimate,
    Draws,
    Estimate,
    ItsEstimate,
    answer_sd,
    bootstrap_means,
    combine_draws,
    difference,
    difference_in_differences,
    interrupted_time_series,
    interval,
    minimum_detectable_change,
    nps_answer_sd,
    recent_detectable_change,
    weekly_series_fit,
    welch_degrees_of_freedom,
    within_week_variance,
)
from analysis.impact.windows import (
    MEASURES,
    ImpactSettings,
    WindowTotals,
    add_week_index,
    day_totals,
    day_totals_from_counts,
    nps_answer_groups,
    weekly_totals,
    window_totals,
)

__all__ = [
    "BEFORE_AFTER_METHOD",
    "DID_METHOD",
    "ITS_METHOD",
    "MEASURES",
    "TYPICAL_NPS_SD",
    "DidEstimate",
    "Draws",
    "Estimate",
    "ImpactSettings",
    "ItsEstimate",
    "RolloutImpact",
    "WindowTotals",
    "add_verdicts",
    "add_week_index",
    "answer_sd",
    "assess_rollout",
    "assess_rollout_by_day",
    "assess_rollouts",
    "assess_rollouts_by_day",
    "bootstrap_means",
    "combine_draws",
    "combined_volume",
    "day_totals",
    "day_totals_from_counts",
    "difference",
    "difference_in_differences",
    "interrupted_time_series",
    "interval",
    "minimum_detectable_change",
    "nps_answer_groups",
    "nps_answer_sd",
    "recent_detectable_change",
    "weekly_series_fit",
    "weekly_totals",
    "welch_degrees_of_freedom",
    "window_totals",
    "within_week_variance",
]
