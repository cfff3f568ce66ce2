"""Do the verdicts hold up? Two validations on simulated data with a known effect at a known date.

The findings and the alerts (`python -m benchmarks.run findings_validation`, 500 runs a scenario, about 11
minutes here): SignalScenario's weekly answers in an affected and an untouched channel, a year of history, a
shared yearly cycle and weekly swings (analysis/impact/validation.py), judged by analysis.impact.findings as
shipped at every weekly look: false alarms over 26 weekly looks and all six signals, NPS drops and tripled
impersonal complaints found ("clear"), the coverage of the 95% intervals, and the weeks in which the alerts
raise a false alert.

The fixed windows of the JSON's `measures` (below): analysis.impact.assess_rollout (8-week windows, 2,000 week
resamples):

    python -m benchmarks.impact_validation [--runs 200]      (or: make bench, as "impact_validation")

The simulation and the judging of one scenario are analysis/impact/validation.py (its docstring says how the
answers are drawn).

Figures per scenario, over `runs` runs: coverage (the 95% interval holds the true effect), detection (the
interval excludes zero on the side of the effect: power, or the false-alarm rate when there is no effect),
and the smallest effect detected in at least 80% of runs at 30, 60 and 150 answers a week. A rate measured on
200 runs has a Monte Carlo margin of about ±3 points at 5% (95%), too wide to tell 5% from 7%; so every
scenario without an effect is also run 5 times as often (its first `runs` runs are the same ones), and its
false-alarm rate is given with its 95% Wilson interval.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

import numpy as np
import polars as pl

from analysis.alerts import alert_scopes, scoped_alerts
from analysis.impact import TYPICAL_NPS_SD, minimum_detectable_change
from analysis.impact.findings import CLEAR, LIKELY
from analysis.impact.validation import START, Scenario, SignalScenario, evaluate, judge_look, simulate_signals
from analysis.metrics import read_counts_metrics
from pulse.measures import SUM_COLUMNS

Row = tuple[str, float, str]


def wilson(rate: float, runs: int) -> tuple[float, float]:
    """The 95% Wilson interval of a rate measured in `runs` runs (statsmodels' proportion_confint)."""
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(rate * runs, runs, alpha=0.05, method="wilson")
    return float(low), float(high)


GRID = [
    Scenario(effect, volume, noise)
    for volume in (30, 60, 150)
    for noise in (0.0, 5.0)
    for effect in (0.0, -5.0, -10.0, -20.0)
]
EXTRA = [
    Scenario(0.0, 150, weekday_seasonality=False),
    Scenario(-10.0, 150, weekday_seasonality=False),
    Scenario(0.0, 150, weeks_before=26),
    Scenario(-10.0, 150, weeks_before=26),
    Scenario(0.0, 150, 5.0, weeks_before=26),
    Scenario(-10.0, 150, 5.0, weeks_before=26),
    Scenario(0.0, 150, annual_amplitude=5.0),
    Scenario(-10.0, 150, annual_amplitude=5.0),
    Scenario(0.0, 150, 5.0, annual_amplitude=5.0, comparison=True),
    Scenario(-10.0, 150, 5.0, annual_amplitude=5.0, comparison=True),
]
CHECK_FACTOR = 5  # scenarios without an effect are also run 5 times as often, for a precise false-alarm rate


def false_alarm_check(scenario: Scenario, runs: int) -> list[Row]:
    """The false-alarm rate over `runs` runs, with its 95% Monte Carlo (Wilson) interval."""
    rate = evaluate(scenario, runs).detected
    low, high = wilson(rate, runs)
    label = f"{scenario.label}: false alarms in {runs:,} runs"
    return [
        (label, 100 * rate, "%"),
        (f"{label}, 95% interval low", 100 * low, "%"),
        (f"{label}, 95% interval high", 100 * high, "%"),
    ]


SEARCH_EFFECTS = (-2.5, -5.0, -7.5, -10.0, -12.5, -15.0, -17.5, -20.0, -22.5, -25.0, -30.0, -35.0, -40.0)


def smallest_detectable(volume: int, runs: int) -> tuple[float | None, float]:
    """The smallest drop (on SEARCH_EFFECTS) found in at least 80% of runs, with its detection rate."""
    for effect in SEARCH_EFFECTS:
        outcome = evaluate(Scenario(effect, volume), runs)  # the grid's runs, where the grid has the effect
        if outcome.detected >= 0.8:
            return effect, outcome.detected
    return None, 0.0


def validation_rows(runs: int = 200) -> list[Row]:
    rows: list[Row] = []
    for scenario in GRID + EXTRA:
        outcome = evaluate(scenario, runs)
        what = "false alarms" if scenario.effect == 0 else "detected"
        rows += [
            (f"{scenario.label}: coverage of the 95% interval", 100 * outcome.coverage, "%"),
            (f"{scenario.label}: {what}", 100 * outcome.detected, "%"),
            (f"{scenario.label}: mean estimate", outcome.mean_estimate, "points"),
            (f"{scenario.label}: mean interval width", outcome.mean_width, "points"),
        ]
        if outcome.its_share:
            rows.append((f"{scenario.label}: runs judged by the time series", 100 * outcome.its_share, "%"))
        if outcome.own_coverage is not None and outcome.own_detected is not None:
            rows += [
                (f"{scenario.label}: coverage, the channel alone", 100 * outcome.own_coverage, "%"),
                (f"{scenario.label}: {what}, the channel alone", 100 * outcome.own_detected, "%"),
            ]
        if scenario.effect == 0:
            rows += false_alarm_check(scenario, CHECK_FACTOR * runs)
    for volume in (30, 60, 150):
        effect, rate = smallest_detectable(volume, runs)
        formula = minimum_detectable_change(TYPICAL_NPS_SD, volume, 8) or 0.0
        rows += [
            (
                f"smallest drop detected in ≥80% of runs at {volume}/week (grid of 2.5 points)",
                abs(effect) if effect is not None else float("nan"),
                "points",
            ),
            (f"detection rate at that drop, {volume}/week", 100 * rate, "%"),
            (f"minimum detectable change by formula at {volume}/week (sd 78)", formula, "points"),
        ]
    return rows


# --- the findings: every signal, read every week -----------------------------------------------------------

FINDINGS_RUNS = 500


def findings_rows(runs: int = FINDINGS_RUNS) -> list[Row]:
    """The issue's bars for analysis.impact.findings, on SignalScenario data (a year of history, a shared
    yearly cycle and weekly swings, an untouched channel): false alarms over 26 weekly looks and all six
    signals; NPS drops found ("clear") and the coverage of their 95% intervals; impersonal complaints that
    triple found within 8 weeks."""
    rows: list[Row] = []
    for volume in (45, 150):
        alarms, covered, judged = 0, 0, 0
        rng = np.random.default_rng([1, volume])
        for _ in range(runs):
            affected, untouched = simulate_signals(SignalScenario(volume), rng)
            alarmed = False
            for look in range(1, 27):
                findings = judge_look(affected, untouched, 52, look)
                alarmed |= any(finding.status == CLEAR for finding in findings.values())
                if look == 12:
                    for finding in findings.values():
                        if finding.low is not None and finding.high is not None:
                            judged += 1
                            covered += finding.low <= 0 <= finding.high
            alarms += alarmed
        label = f"no effect, {volume} answers a week, read every week for 26 weeks"
        rows += rate_rows(f"{label}: false alarms over all looks and signals", alarms, runs)
        rows.append(
            (f"{label}: coverage of the 95% intervals at week 12, all signals", 100 * covered / judged, "%")
        )
    for volume, effect, look in ((45, -20.0, 12), (150, -10.0, 8)):
        clear = likely = covered = 0
        rng = np.random.default_rng([2, volume])
        for _ in range(runs):
            affected, untouched = simulate_signals(SignalScenario(volume, nps_effect=effect), rng)
            nps = judge_look(affected, untouched, 52, look)["nps"]
            clear += nps.status == CLEAR and nps.change < 0
            likely += nps.status in (CLEAR, LIKELY) and nps.change < 0
            covered += nps.low <= effect <= nps.high
        label = f"NPS {effect:+g} at {volume} answers a week, judged after {look} weeks"
        rows += [
            (f"{label}: found (clear)", 100 * clear / runs, "%"),
            (f"{label}: found clear or likely", 100 * likely / runs, "%"),
            (f"{label}: coverage of the NPS 95% interval", 100 * covered / runs, "%"),
        ]
    found = 0
    rng = np.random.default_rng(3)
    scenario = SignalScenario(50, impersonal_factor=3.0, comments_a_week=30)
    for _ in range(runs):
        affected, untouched = simulate_signals(scenario, rng)
        found += any(
            judge_look(affected, untouched, 52, look)["impersonal"].status == CLEAR for look in range(1, 9)
        )
    rows.append(
        (
            "impersonal complaints 4 -> 12 per 100 at 30 scored comments a week: found (clear) within 8 weeks",
            100 * found / runs,
            "%",
        )
    )
    rows.append(("runs per scenario (findings)", float(runs), "runs"))
    return rows


def rate_rows(label: str, hits: int, total: int) -> list[Row]:
    """A rate in %, with its 95% Monte Carlo (Wilson) interval."""
    low, high = wilson(hits / total, total)
    return [
        (label, 100 * hits / total, "%"),
        (f"{label}, 95% interval low", 100 * low, "%"),
        (f"{label}, 95% interval high", 100 * high, "%"),
    ]


def simulated_counts(scenario: SignalScenario, rng: np.random.Generator) -> pl.DataFrame:
    """Weekly counts (store.daily_counts' columns, one row a week on its Monday) of the two channels of
    simulate_signals, for the alerts: NPS, CSAT, impersonal complaints and negative comments (sentiment
    scores as -1 for a negative comment and +1 otherwise)."""
    affected, untouched = simulate_signals(scenario, rng)
    frames = []
    for channel, series in (("online", affected), ("in-store", untouched)):
        nps = series["nps"]
        promoters = (nps.sums / 100 + nps.squares / 10_000) / 2
        detractors = nps.squares / 10_000 - promoters
        comments = series["negative"].counts
        negative = series["negative"].sums / 100
        columns = dict.fromkeys(SUM_COLUMNS, np.zeros(len(nps.weeks)))
        columns |= {
            "n": nps.counts,
            "nps_n": nps.counts,
            "promoters": promoters,
            "detractors": detractors,
            "csat_n": series["csat"].counts,
            "satisfied": series["csat"].sums / 100,
            "scored_n": comments,
            "negative": negative,
            "impersonal_count": series["impersonal"].sums / 100,
            "sentiment_n": comments,
            "sentiment_sum": comments - 2 * negative,
            "sentiment_squares": comments,
        }
        days = [START + timedelta(weeks=int(week)) for week in nps.weeks]
        frames.append(
            pl.DataFrame(
                {
                    "day": days,
                    "channel": channel,
                    **{name: np.round(value) for name, value in columns.items()},
                }
            )
        )
    return pl.concat(frames)


def alert_rows(runs: int = FINDINGS_RUNS) -> list[Row]:
    """False alerts: the share of weeks without change (26 weeks after a year of history, two channels) in
    which the Pulse page raises any alert, for all the feedback or a channel."""
    rows: list[Row] = []
    for volume in (45, 150):
        rng = np.random.default_rng([4, volume])
        alerted = weeks = 0
        for _ in range(runs):
            counts = simulated_counts(SignalScenario(volume), rng)
            weekly = read_counts_metrics(counts, "week")
            by_channel = read_counts_metrics(counts, "week", group_by=("channel",))
            for week in range(26):
                monday = START + timedelta(weeks=week)
                alerted += bool(scoped_alerts(alert_scopes(weekly, by_channel), monday))
                weeks += 1
        label = (
            f"alerts, no change, {volume} answers a week a channel, two channels: weeks with a false alert"
        )
        rows += rate_rows(label, alerted, weeks)
    return rows


def bench_findings_validation() -> list[Row]:
    """The findings' and the alerts' validation (findings_rows, alert_rows), with its time."""
    started = time.perf_counter()
    rows = findings_rows() + alert_rows()
    rows.append(("time for the findings' and alerts' validation", time.perf_counter() - started, "s"))
    return rows


def bench_impact_validation(runs: int = 200) -> list[Row]:
    started = time.perf_counter()
    rows = validation_rows(runs)
    rows.append(("runs per scenario", float(runs), "runs"))
    rows.append(("time for the whole validation", time.perf_counter() - started, "s"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=200)
    arguments = parser.parse_args()
    for figure, value, unit in bench_impact_validation(arguments.runs):
        print(f"| {figure} | {value:,.1f} {unit} |")


if __name__ == "__main__":
    main()
