from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from scipy import stats

from analysis.impact import (
    Draws,
    ImpactSettings,
    WindowTotals,
    add_verdicts,
    assess_rollout,
    assess_rollouts,
    bootstrap_means,
    combine_draws,
    combined_volume,
    interval,
    minimum_detectable_change,
    nps_answer_sd,
    recent_detectable_change,
    weekly_series_fit,
    within_week_variance,
)
from reports.verdicts import SEASONS_WARNING, detectable_sentence, impact_warnings, verdict

START = date(2026, 4, 13)  # a Monday


def answers(
    first_week: int,
    weeks: int,
    scores: list[int],
    channel: str = "online",
    impersonal: list[bool] | None = None,
) -> pl.DataFrame:
    """The same NPS `scores` in each of `weeks` weeks from `first_week` (relative to START), spread over the
    days of the week, at noon UTC."""
    rows = []
    for week in range(first_week, first_week + weeks):
        for index, score in enumerate(scores):
            moment = datetime.combine(START, datetime.min.time(), tzinfo=UTC) + timedelta(
                weeks=week, days=index % 7, hours=12
            )
            flag = impersonal[index] if impersonal else None
            rows.append({"created_at": moment, "nps": score, "channel": channel, "impersonal": flag})
    return pl.DataFrame(
        rows,
        schema={
            "created_at": pl.Datetime("us", "UTC"),
            "nps": pl.Int64,
            "channel": pl.String,
            "impersonal": pl.Boolean,
        },
    )


# 10 answers a week: 5 promoters, 3 passives, 2 detractors -> NPS 100 * (5 - 2) / 10 = 30
BEFORE = [10, 9, 10, 9, 10, 7, 8, 7, 3, 5]
# 4 promoters, 2 passives, 4 detractors -> NPS 0
AFTER = [10, 9, 10, 9, 7, 8, 3, 5, 0, 6]


def noisy(first_week: int, weeks: int, promoters: float, detractors: float, per_week: int, seed: int):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    frames = []
    for week in range(first_week, first_week + weeks):
        kinds = rng.choice(3, size=per_week, p=[promoters, 1 - promoters - detractors, detractors])
        scores = np.where(kinds == 0, 10, np.where(kinds == 1, 8, 2)).tolist()
        frames.append(answers(week, 1, scores))
    return pl.concat(frames)


def test_assess_rollout__before_after_difference_by_hand() -> None:
    feedback = pl.concat([answers(-8, 8, BEFORE), answers(0, 8, AFTER)])
    impact = assess_rollout(feedback, "Support chatbot", START)
    nps = impact.estimates["nps"]
    # every week alike: NPS 30 before, 0 after
    assert (nps.before, nps.after, nps.change) == (
        pytest.approx(30.0),
        pytest.approx(0.0),
        pytest.approx(-30),
    )
    assert (nps.n_before, nps.n_after) == (80, 80)
    # No week-to-week spread, so the interval is the answers' own: values +100 x 5, 0 x 3, -100 x 2 a week
    # before (s^2 = (7000 - 30^2) * 80 / 79 = 6177.2) and +100 x 4, 0 x 2, -100 x 4 after (s^2 = 8101.3);
    # se = sqrt(6177.2 / 80 + 8101.3 / 80) = 13.36; Welch df = 155, t = 1.975: -30 ± 26.4
    assert nps.low == pytest.approx(-30 - 1.975 * 13.36, abs=2)
    assert nps.high == pytest.approx(-30 + 1.975 * 13.36, abs=2)
    assert impact.main_method == "before / after"  # 8 weeks of history: too little for the time series
    assert impact_warnings(impact) == [SEASONS_WARNING]  # nothing untouched to compare with
    # the findings: every week alike, the same -30 on all the weeks; at 10 answers a week not clear yet
    assert verdict(impact) == (
        "After 'Support chatbot' (8 weeks so far): NPS fell 30 points, from +30 to +0 (likely: about a 97 in 100 "
        "chance)."
    )


def test_assess_rollout__noisy_drop_is_found_and_its_interval_covers_it() -> None:
    feedback = pl.concat([noisy(-8, 8, 0.5, 0.2, 150, seed=1), noisy(0, 8, 0.4, 0.3, 150, seed=2)])
    nps = assess_rollout(feedback, "Kiosk", START).estimates["nps"]
    values = feedback.with_columns(
        value=pl.when(pl.col("nps") >= 9).then(100).when(pl.col("nps") <= 6).then(-100).otherwise(0),
        after=pl.col("created_at").dt.date() >= START,
    )
    by_hand = values.group_by("after").agg(pl.col("value").mean()).sort("after")["value"].to_list()
    assert nps.change == pytest.approx(by_hand[1] - by_hand[0])
    assert nps.significant and nps.low is not None and nps.high is not None
    assert nps.low < -20 < nps.high  # the true change is -20 points
    assert 3 < (nps.high - nps.low) / 2 < 12  # about 1.96 * 78 * sqrt(2 / 1200) = 6.2, widened a little


def totals(sums: list[float], squares: list[float], counts: list[float]) -> WindowTotals:
    return WindowTotals(np.array(sums), np.array(squares), np.array(counts), np.arange(len(sums)))


def test_bootstrap_means__weeks_alike_have_no_week_spread_and_one_week_is_not_enough() -> None:
    rng = np.random.default_rng(0)
    # three weeks whose answers are all 30: 1, 2 and 3 of them
    draws = bootstrap_means(totals([30.0, 60.0, 90.0], [900.0, 1800.0, 2700.0], [1.0, 2.0, 3.0]), 500, rng)
    assert draws is not None and np.allclose(draws.values, 30.0)
    assert draws.week_variance == pytest.approx(0.0) and draws.answer_variance == pytest.approx(0.0)
    assert (draws.weeks, draws.n) == (3, 6)
    assert bootstrap_means(totals([30.0], [900.0], [1.0]), 500, rng) is None


def test_bootstrap_means__variance_matches_the_between_week_formula() -> None:
    # equal-size weeks with means 0, 10, 20, 30: the mean's variance is s^2 / G = (500 / 3) / 4
    sums, counts = [0.0, 100.0, 200.0, 300.0], [10.0] * 4
    squares = [0.0, 1000.0, 4000.0, 9000.0]  # every answer equal to its week's mean
    draws = bootstrap_means(totals(sums, squares, counts), 200_000, np.random.default_rng(0))
    assert draws is not None and np.var(draws.values) == pytest.approx((500 / 3) / 4, rel=0.02)
    # as independent answers: values 0, 10, 20, 30 ten times each: s^2 = 125 * 40 / 39, over n = 40
    assert draws.answer_variance == pytest.approx(125 * 40 / 39 / 40)


def test_combine_draws__floors_the_week_variance_at_the_answers_variance() -> None:
    rng = np.random.default_rng(0)
    calm = Draws(np.array([1.0, -1.0] * 500), week_variance=1.0, answer_variance=4.0, weeks=8, n=400)
    other = Draws(
        np.array([1.0, 1.0, -1.0, -1.0] * 250), week_variance=1.0, answer_variance=4.0, weeks=8, n=400
    )
    combined, degrees = combine_draws([calm, other], [1, -1], rng)
    assert np.var(combined) == pytest.approx(8.0, rel=0.1)  # 4 + 4: the answers' variance, stretched
    assert degrees == pytest.approx(2 * 399)  # Welch: (4 + 4)^2 / (16 / 399 + 16 / 399)
    swinging = Draws(np.array([3.0, -3.0] * 500), week_variance=9.0, answer_variance=4.0, weeks=8, n=400)
    combined, degrees = combine_draws([swinging, swinging], [1, -1], rng)
    assert degrees == pytest.approx(14)  # (9 + 9)^2 / (81 / 7 + 81 / 7)


def test_interval__widens_the_percentiles_to_students_t() -> None:
    draws = np.random.default_rng(0).normal(0, 1, 100_000)
    low, high = interval(0.0, draws, degrees_of_freedom=14)
    widen = stats.t.ppf(0.975, 14) / 1.959963984540054  # 2.1448 / 1.96
    assert (low, high) == pytest.approx((-1.96 * widen, 1.96 * widen), abs=0.03)


def test_minimum_detectable_change__the_issues_example_with_students_t() -> None:
    # 8 weeks a side: t(0.975, 14) + t(0.80, 14) = 2.1448 + 0.8681 = 3.0129 (the normal's 1.96 + 0.84 = 2.80);
    # 3.0129 * 78 * sqrt(2 / (40 * 8)) = 18.58 points at 40 answers a week
    change = minimum_detectable_change(78.0, 40, 8)
    assert change == pytest.approx(3.0129 * 78 * math.sqrt(2 / 320), rel=1e-3)
    assert detectable_sentence(41.3, change, 8) == (
        "With about 40 responses a week, only NPS changes larger than about 19 points over 8 weeks can be "
        "detected."
    )
    assert minimum_detectable_change(78.0, 0, 8) is None


def test_nps_answer_sd__from_counts_by_hand() -> None:
    # 50% promoters, 20% detractors of 40: values +100 (20), 0 (12), -100 (8); mean 30;
    # sample variance = (20 * 70^2 + 12 * 30^2 + 8 * 130^2) / 39 = 244,000 / 39 = 6256.4, sd 79.10
    assert nps_answer_sd(20, 8, 40) == pytest.approx(79.10, abs=0.005)
    assert nps_answer_sd(3, 1, 9) == 78.0  # too few answers: the typical spread
    assert nps_answer_sd(10, 0, 10) == 78.0  # all promoters: no spread to read


def weekly_counts(weeks: int, nps_n: int = 40, promoters: int = 20, detractors: int = 8) -> pl.DataFrame:
    mondays = [date(2026, 1, 5) + timedelta(weeks=week) for week in range(weeks)]
    return pl.DataFrame(
        {
            "period": mondays,
            "nps_n": [nps_n] * weeks,
            "promoters": [promoters] * weeks,
            "detractors": [detractors] * weeks,
        }
    )


def test_recent_detectable_change__the_latest_16_weeks_by_hand() -> None:
    # 16 weeks of 40 answers (the 4 older weeks of 100 are left out): sd = 100 * sqrt(0.61 * 640 / 639) = 78.16;
    # (t(0.975, 14) + t(0.80, 14)) * 78.16 * sqrt(2 / (40 * 8)) = 3.0128 * 78.16 * 0.07906 = 18.62 points
    weekly = pl.concat(
        [weekly_counts(4, 100, 50, 20), weekly_counts(16).with_columns(pl.col("period") + timedelta(weeks=4))]
    )
    answers, change = recent_detectable_change(weekly, weeks=8)
    assert answers == 40
    assert change == pytest.approx(18.62, abs=0.01)
    assert detectable_sentence(answers, change, 8).startswith(
        "With about 40 responses a week, only NPS changes larger than about 19 points"
    )


def test_recent_detectable_change__weeks_without_answers_count_and_no_data_has_no_change() -> None:
    weekly = weekly_counts(4).filter(pl.col("period") != date(2026, 1, 12))  # 3 weeks with answers in 4
    answers, _ = recent_detectable_change(weekly, weeks=8)
    assert answers == pytest.approx(120 / 4)
    assert recent_detectable_change(weekly.head(0), weeks=8) == (0.0, None)


def test_add_verdicts__each_rollout_gets_its_verdict_in_order() -> None:
    rollouts = pl.DataFrame(
        {
            "name": ["Kiosk", "Chatbot", "New app"],
            "started_on": [date(2026, 1, 12), date(2026, 4, 13), date(2026, 11, 2)],
        }
    )
    records = [
        {"name": "Chatbot", "started_on": "2026-04-13", "verdict": "NPS fell 6.1 points"},
        {"name": "Kiosk", "started_on": "2026-01-12", "verdict": "No clear change in NPS"},
    ]
    assert add_verdicts(rollouts, records)["verdict"].to_list() == [
        "No clear change in NPS",
        "NPS fell 6.1 points",
        "",
    ]
    assert add_verdicts(rollouts, [])["verdict"].to_list() == ["", "", ""]


def test_assess_rollout__verdict_names_complaints_per_100() -> None:
    # before: 1 complaint in 10 answers a week (10 per 100); after: 3 in 10 (30 per 100), every week
    before = answers(-8, 8, BEFORE, impersonal=[True] + [False] * 9)
    after = answers(0, 8, AFTER, impersonal=[True] * 3 + [False] * 7)
    impact = assess_rollout(pl.concat([before, after]), "Chatbot", START)
    assert impact.estimates["impersonal"].change == pytest.approx(20.0)
    assert "Complaints of impersonal service rose from 10 to 30 per 100 (" in verdict(impact)


def test_assess_rollout__difference_in_differences_against_the_other_channel() -> None:
    # online: NPS 30 -> 0; in-store: NPS 30 -> 10 (6 promoters... see below); DiD = (0 - 30) - (10 - 30) = -10
    in_store_after = [10, 9, 10, 9, 7, 8, 7, 3, 5, 0]  # 4 promoters, 3 detractors: NPS 10
    feedback = pl.concat(
        [
            answers(-8, 8, BEFORE, "online"),
            answers(0, 8, AFTER, "online"),
            answers(-8, 8, BEFORE, "in-store"),
            answers(0, 8, in_store_after, "in-store"),
        ]
    )
    impact = assess_rollout(feedback, "Chatbot", START, channel="online")
    assert impact.channel == "online" and impact.did is not None
    assert impact.did.comparison == "in-store"
    assert (impact.did.affected_change, impact.did.comparison_change) == (
        pytest.approx(-30),
        pytest.approx(-20),
    )
    assert impact.did.change == pytest.approx(-10)
    # the comparison is the verdict's estimate; online's own -30 comes after it
    assert impact.main_method == "difference in differences"
    assert impact.main == (impact.did.change, impact.did.low, impact.did.high)
    nps = impact.estimates["nps"]
    # the findings compare the weeks' differences with in-store's: the same -10
    finding = impact.findings[0]
    assert (finding.signal, finding.adjusted_for) == ("nps", ("in-store",))
    assert finding.change == pytest.approx(-10)
    assert verdict(impact).startswith("After 'Chatbot' (online, 8 weeks so far): ")
    assert nps.n_before == 80  # the online answers only
    # as precise as a before / after at 1 / (1 / 10 + 1 / 10) = 5 answers a week
    assert impact.minimum_detectable == pytest.approx(
        minimum_detectable_change(answer_sd_of(BEFORE * 8), 5, 8)
    )
    assert not any("Nothing untouched to compare with" in warning for warning in impact_warnings(impact))
    everywhere = assess_rollout(feedback, "Emails", START, channel="all")
    assert everywhere.did is None and everywhere.channel is None


def answer_sd_of(scores: list[int]) -> float:
    values = [100.0 if score >= 9 else -100.0 if score <= 6 else 0.0 for score in scores]
    return float(np.std(values, ddof=1))


def test_assess_rollout__interrupted_time_series_with_enough_history() -> None:
    # each score 7 times, one per weekday, so that every weekday has the same answers
    weekly_before, weekly_after = [s for s in BEFORE for _ in range(7)], [s for s in AFTER for _ in range(7)]
    feedback = pl.concat([answers(-20, 20, weekly_before), answers(0, 8, weekly_after)])
    impact = assess_rollout(feedback, "Chatbot", START)
    assert impact.main_method == "interrupted time series" and impact.its is not None
    # flat before and after: no slopes, a level change of 0 - 30 = -30 points
    assert impact.its.level_change == pytest.approx(-30, abs=1e-6)
    assert impact.its.slope_change == pytest.approx(0, abs=1e-6)
    assert impact.its.slope_before == pytest.approx(0, abs=1e-6)
    assert impact.its.effect == pytest.approx(-30, abs=1e-6)
    assert impact.its.weeks_before == 20 and impact.its.weekday_effects


def test_assess_rollout__warns_of_overlap_thin_data_unfinished_window_and_an_earlier_start() -> None:
    # NPS falls from 30 to 0 four weeks before the start (70 answers a week), then to -100 with 2 answers a
    # week for 3 weeks
    many_before, many_after = BEFORE * 7, AFTER * 7
    feedback = pl.concat([answers(-8, 4, many_before), answers(-4, 4, many_after), answers(0, 3, [0, 6])])
    rollouts = pl.DataFrame(
        {
            "name": ["Chatbot", "Kiosk"],
            "started_on": [START, START + timedelta(weeks=2)],
            "channel": [None, None],
        },
        schema_overrides={"channel": pl.String},
    )
    impact = assess_rollout(feedback, "Chatbot", START, other_rollouts=rollouts, settings=ImpactSettings())
    text = " ".join(impact_warnings(impact))
    assert "'Kiosk' started on 27 Apr 2026, inside this rollout's weeks" in text
    assert "Too thin to judge: 560 NPS answers in the 8 weeks before and 6 after" in text
    assert "The weeks after it are not over yet: the data end on " in text
    assert "NPS was already falling before the start (-30.0 points" in text


def test_assess_rollout__burn_in_skips_the_first_weeks() -> None:
    # the first two weeks after the start are chaotic (all detractors); with a 2-week burn-in they are left out
    feedback = pl.concat([answers(-8, 8, BEFORE), answers(0, 2, [0] * 10), answers(2, 8, AFTER)])
    plain = assess_rollout(feedback, "Chatbot", START).estimates["nps"]
    burned = assess_rollout(feedback, "Chatbot", START, settings=ImpactSettings(burn_in_weeks=2))
    # without: (2 * 10 * -100 + 6 * 0) / 80 = -25 after; with: 0 after
    assert plain.after == pytest.approx(-25.0)
    assert burned.estimates["nps"].after == pytest.approx(0.0)
    assert burned.after_start == START + timedelta(weeks=2)


def test_assess_rollouts__one_per_rollout_oldest_first_and_empty_data() -> None:
    rollouts = pl.DataFrame(
        {"name": ["B", "A"], "started_on": [START, START - timedelta(weeks=30)], "channel": [None, None]},
        schema_overrides={"channel": pl.String},
    )
    feedback = answers(-8, 8, BEFORE)
    impacts = assess_rollouts(feedback, rollouts)
    assert [impact.name for impact in impacts] == ["A", "B"]
    assert verdict(impacts[0]) == "Not enough answers around 'A' yet to judge what it did."
    assert impacts[1].estimates["nps"].after is None


def week_rows(values_by_week: dict[int, list[float]]) -> pl.DataFrame:
    """Answers' NPS values by week, each week's answers at its middle (weeks_since = week + 0.5)."""
    rows = [(week, week + 0.5, value) for week, values in values_by_week.items() for value in values]
    return pl.DataFrame(rows, schema=["week", "weeks_since", "nps_value"], orient="row")


def test_within_week_variance__pooled_around_each_weeks_mean() -> None:
    # week 0: 0, 100 (mean 50, squares 2 * 50^2 = 5000); week 1: 100, 100, -100 (mean 33.3, squares
    # 2 * 66.7^2 + 133.3^2 = 26,666.7); over 5 answers - 2 weeks
    rows = week_rows({0: [0, 100], 1: [100, 100, -100]})
    assert within_week_variance(rows) == pytest.approx((5000 + 80000 / 3) / 3)


def test_weekly_series_fit__a_level_change_on_exact_weeks_with_the_answers_floor() -> None:
    # 16 weeks before and 4 after, two answers a week at the week's mean ± 10: the weeks' means lie exactly on
    # 10 + 0.5 t before and 10 + 0.5 t - 20 after, so the regression's own residual variance is 0 and the
    # floor is the answers' spread around their week: (20 weeks * 2 * 10^2) / (40 - 20) = 200
    means = {week: 10 + 0.5 * (week + 0.5) - (20 if week >= 0 else 0) for week in range(-16, 4)}
    fit = weekly_series_fit(week_rows({week: [mean + 10, mean - 10] for week, mean in means.items()}))
    level, low, high, _ = fit.contrast({2: 1.0})
    assert level == pytest.approx(-20)
    time = np.arange(-16, 4) + 0.5
    post = (time >= 0).astype(float)
    design = np.column_stack([np.ones(20), time, post, post * time])
    variance = 200 * np.linalg.inv(design.T @ (2 * design))[2, 2]  # answers (2 a week) as weights
    margin = stats.t.ppf(0.975, 20 - 4) * math.sqrt(variance)
    assert (low, high) == pytest.approx((-20 - margin, -20 + margin))
    assert fit.degrees_of_freedom == 16 and fit.mean_time_after == pytest.approx(2.0)


def test_combined_volume__both_sides_noise_counts() -> None:
    # a difference in differences between 10 and 10 answers a week is as precise as a before / after at 5
    assert combined_volume(10, 10) == pytest.approx(5)
    assert combined_volume(30, 90) == pytest.approx(22.5)
    assert combined_volume(30, 0) == 0.0


def test_assess_rollout__an_end_date_judges_before_during_and_after() -> None:
    # NPS 30 for 8 weeks, 0 for the 4 weeks the automation ran (70 answers a week), 30 again once turned off
    feedback = pl.concat([answers(-8, 8, BEFORE * 7), answers(0, 4, AFTER * 7), answers(4, 4, BEFORE * 7)])
    ended = START + timedelta(weeks=4)
    impact = assess_rollout(feedback, "Chatbot", START, ended_on=ended)
    assert impact.window is not None and impact.window.ended_on == ended
    nps = impact.findings[0]
    assert nps.change == pytest.approx(-30) and nps.change_after_end == pytest.approx(0, abs=1e-9)
    assert nps.status == "clear" and nps.after_end_status in ("not clear", "likely")
    assert "Since it ended on 11 May 2026, NPS is +0 points against before" in verdict(impact)
