"""Does the impact verdict hold up? Weekly feedback is simulated with a known effect on NPS injected at a
known date, and analysis.impact.assess_rollout (as shipped: 8-week windows, 2,000 week resamples) judges it.

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

from analysis.impact import TYPICAL_NPS_SD, minimum_detectable_change
from analysis.impact.validation import Scenario, evaluate

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
