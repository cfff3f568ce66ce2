from __future__ import annotations

import math
from dataclasses import asdict
from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from analysis.impact.explained import theme_parts
from analysis.impact.findings import CLEAR, LIKELY, THIN, rollout_window
from analysis.impact.sequential import anytime_p_value, holm, weeks_to_settle
from analysis.impact.signals import YEAR_WEEKS, Periods, Weekly, fit_signal
from reports.findings import (
    findings_rows,
    headline,
    owner_answer,
    range_rows,
    records_in_view,
    why_sentence,
)

START = date(2026, 4, 13)


def test_holm__agrees_with_statsmodels() -> None:
    p_values = [0.01, 0.04, 0.03, 0.005, 0.5]
    assert holm(p_values) == pytest.approx(list(multipletests(p_values, method="holm")[1]))


def test_holm__weighted_a_heavier_test_needs_less_evidence() -> None:
    # weights 3, 1, 1 (total 5): the first step takes the smallest p / weight, 0.02 / 3, at p * 5 / 3
    adjusted = holm([0.02, 0.01, 0.5], [3.0, 1.0, 1.0])
    assert adjusted[0] == pytest.approx(0.02 * 5 / 3)
    # then 1 + 1 remain: 0.01 * 2 = 0.02, raised to the step before (adjusted p-values never fall)
    assert adjusted[1] == pytest.approx(0.02 * 5 / 3)
    assert adjusted[2] == pytest.approx(0.5)
    assert holm([0.02, 0.01, 0.5]) == holm([0.02, 0.01, 0.5], [1.0, 1.0, 1.0])


def test_anytime_p_value__by_hand_and_more_cautious_than_a_fixed_look() -> None:
    # x = 20, V = 25 (z = 4), tau = 10: Lambda = sqrt(25 / 125) * exp(400 * 100 / (2 * 25 * 125)) = e^6.4 / sqrt 5
    expected = math.sqrt(5) * math.exp(-6.4)
    assert anytime_p_value(20, 25, 10) == pytest.approx(expected)
    fixed = 2 * stats.norm.sf(4)
    assert anytime_p_value(20, 25, 10) > fixed  # the price of reading it every week
    assert anytime_p_value(0, 25, 10) == 1.0
    # Student's t with few degrees of freedom: the same z is weaker evidence
    assert anytime_p_value(20, 25, 10, degrees_of_freedom=5) > anytime_p_value(20, 25, 10)


def test_anytime_p_value__false_alarms_over_26_weekly_looks_stay_under_5_percent() -> None:
    # a random walk of weekly means with no change: the running mean read every week for 26 weeks
    rng = np.random.default_rng(0)
    alarms = 0
    for _ in range(2000):
        draws = rng.normal(0, 1, 26)
        cumulative = np.cumsum(draws)
        looks = [anytime_p_value(cumulative[k] / (k + 1), 1 / (k + 1), 0.5) for k in range(26)]
        alarms += min(looks) < 0.05
    assert alarms / 2000 < 0.05  # a fixed 5% test read 26 times alarms about 30% of the time


def test_weeks_to_settle__more_weeks_shrink_the_variance_until_clear() -> None:
    # variance 100 / (10 + weeks): the change of 10 becomes clear after a known number of weeks
    weeks = weeks_to_settle(10.0, lambda extra: 100 / (10 + extra), 5.0, 1, math.inf)
    assert weeks is not None
    assert (
        anytime_p_value(10.0, 100 / (10 + weeks), 5.0) < 0.05 <= anytime_p_value(10.0, 100 / (9 + weeks), 5.0)
    )
    assert weeks_to_settle(0.0, lambda extra: 1.0, 5.0, 1, math.inf) is None


def nps_weeks(levels: dict[int, float], answers: int = 100) -> Weekly:
    """Weeks whose answers are promoters and detractors in proportions giving each week's NPS exactly."""
    weeks = np.array(sorted(levels), dtype=float)
    means = np.array([levels[int(week)] for week in weeks])
    counts = np.full(len(weeks), float(answers))
    # answers of +100 and -100 only: mean m means (1 + m / 100) / 2 of them are +100; squares: 10,000 each
    return Weekly(weeks.astype(int), means * counts, np.full(len(weeks), 10_000.0 * answers), counts)


def test_fit_signal__level_change_during_and_after_an_end() -> None:
    # before: NPS 30; weeks 0-5 in force: 10; weeks 6-9 after it ended: 25
    levels = {week: 30.0 if week < 0 else 10.0 if week < 6 else 25.0 for week in range(-10, 10)}
    fit = fit_signal("nps", nps_weeks(levels), Periods(-10, 6, 10))
    assert fit is not None
    assert fit.change == pytest.approx(-20) and fit.after_end == pytest.approx(-5)
    assert (fit.n_before, fit.n_during, fit.weeks_during) == (1000, 600, 6)
    # no week-to-week spread: the floor is the answers' own variance around their week's mean
    within = sum(100 * (10_000 - level**2) for level in levels.values()) / (2000 - 20)
    assert fit.dispersion == pytest.approx(within)
    assert fit.variance == pytest.approx(fit.dispersion * (1 / 1000 + 1 / 600))


def test_fit_signal__against_a_comparison_a_common_swing_cancels() -> None:
    swing = {week: 8.0 * math.sin(week) for week in range(-12, 8)}
    affected = nps_weeks({week: 30 + swing[week] - (15 if week >= 0 else 0) for week in swing})
    untouched = nps_weeks({week: 40 + swing[week] for week in swing})
    alone = fit_signal("nps", affected, Periods(-12, 8, 8))
    against = fit_signal("nps", affected, Periods(-12, 8, 8), untouched, "in-store")
    assert against is not None and alone is not None
    assert against.change == pytest.approx(-15) and against.adjusted_for == ("in-store",)
    assert abs(alone.change + 15) > 0.1  # the swing leaks into the channel's own estimate


def test_fit_signal__a_year_of_comparison_shares_its_yearly_cycle() -> None:
    cycle = {week: 8.0 * math.sin(2 * math.pi * week / YEAR_WEEKS) for week in range(-60, 8)}
    affected = nps_weeks({week: 30 + cycle[week] - (15 if week >= 0 else 0) for week in cycle})
    untouched = nps_weeks({week: 40 + cycle[week] for week in cycle}, answers=300)
    alone = fit_signal("nps", affected, Periods(-60, 8, 8))
    against = fit_signal("nps", affected, Periods(-60, 8, 8), untouched, "in-store")
    assert against is not None and alone is not None
    assert against.change == pytest.approx(-15) and against.adjusted_for == ("the yearly cycle", "in-store")
    assert abs(alone.change + 15) > 1  # the season leaks into the channel's own estimate
    # the cycle is learnt from both channels: the change is about as precise as with the cycle known
    assert against.variance < 1.2 * against.dispersion * (1 / 6000 + 1 / 800)


def timeline(*rows: tuple[str, date, str | None, date | None]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"name": pl.String, "started_on": pl.Date, "channel": pl.String, "ended_on": pl.Date},
        orient="row",
    )


def test_rollout_window__until_the_next_rollout_on_the_same_customers_and_untouched_comparisons() -> None:
    rollouts = timeline(
        ("Ordering", START - timedelta(weeks=20), "online", None),
        ("Chatbot", START, "online", None),
        ("Kiosk", START + timedelta(weeks=3), "in-store", None),  # another channel: does not end the window
        ("Emails", START + timedelta(weeks=12), "all", None),  # everyone: ends it
    )
    data_start, data_end = START - timedelta(weeks=60), START + timedelta(weeks=30)
    window = rollout_window(START, "online", None, rollouts, data_start, data_end, {"online", "in-store"})
    assert window.periods == Periods(-20, 12, 12)  # back to the previous online rollout
    assert window.after_end == START + timedelta(weeks=12)
    assert window.comparison == ()  # in-store had its own rollout inside the weeks compared
    calm = timeline(("Chatbot", START, "online", None))
    window = rollout_window(START, "online", None, calm, data_start, data_end, {"online", "in-store"})
    assert window.comparison == ("in-store",) and window.periods == Periods(-52, 31, 31)


def test_rollout_window__an_end_date_splits_in_force_from_after_and_a_long_history_fits_the_year() -> None:
    rollouts = timeline(("Bot", START, None, START + timedelta(weeks=6, days=2)))
    window = rollout_window(
        START,
        None,
        START + timedelta(weeks=6, days=2),
        rollouts,
        START - timedelta(weeks=110),
        START + timedelta(weeks=20),
        {"x"},
    )
    assert window.periods == Periods(-104, 7, 21)  # the end's week counts as in force
    assert window.ended_on == START + timedelta(weeks=7) and window.yearly


def record(
    name: str, started_on: str, *findings: dict[str, object], channel: str | None = None
) -> dict[str, object]:
    return {
        "name": name,
        "started_on": started_on,
        "channel": channel,
        "findings": list(findings),
        "window": None,
    }


def item(signal: str, status: str, change: float, better: int = 1, **extra: object) -> dict[str, object]:
    labels = {"nps": ("NPS", "points"), "impersonal": ("complaints of impersonal service", "per 100")}
    label, unit = labels[signal]
    values = {
        "signal": signal,
        "label": label,
        "unit": unit,
        "better": better,
        "before": 30.0,
        "after": 30.0 + change,
        "change": change,
        "low": change - 5,
        "high": change + 5,
        "status": status,
        "adjusted_p": 0.01 if status == CLEAR else 0.4,
        "probability_up": 0.05 if change < 0 else 0.95,
        "weeks_to_settle": None,
    }
    return values | extra


def test_headline__clear_harms_first_then_likely_ones_with_their_odds() -> None:
    findings = [
        item("nps", LIKELY, -14, weeks_to_settle=6),
        item("impersonal", CLEAR, 11, better=-1, before=4.0, after=15.0),
    ]
    assert headline("Support chatbot", "online", 12, findings) == (
        "After 'Support chatbot' (online, 12 weeks so far): Complaints of impersonal service rose from 4 to 15 "
        "per 100 (clear). NPS fell 14 points, from +30 to +16 (likely: about a 95 in 100 chance; about 6 more "
        "weeks of answers would settle it)."
    )
    quiet = [item("nps", "not clear", 2)]
    assert headline("App", None, 9, quiet).startswith("After 'App' (9 weeks so far): no clear change in any")
    assert headline("App", None, 0, [item("nps", THIN, 0) | {"change": None}]).startswith(
        "Not enough answers"
    )


def test_headline__one_week_and_one_more_week_in_the_singular() -> None:
    text = headline("Chatbot", None, 1, [item("nps", LIKELY, -14, weeks_to_settle=1)])
    assert text.startswith("After 'Chatbot' (1 week so far): ")
    assert text.endswith("about 1 more week of answers would settle it).")
    assert headline("App", None, 9, [item("nps", "not clear", 2)]).endswith(
        "NPS +2 points (anywhere from -3 to +7)."
    )


def test_findings_rows__the_change_and_how_sure_in_words_without_the_interval() -> None:
    findings = [
        item("nps", LIKELY, -14, n_before=712.0, n_during=403.0),
        item("impersonal", CLEAR, 11, better=-1, n_before=712.0, n_during=403.0),
        item("nps", "not clear", 2, n_before=1.0, n_during=2.0),
        item("nps", THIN, 0) | {"change": None},
        item("impersonal", CLEAR, 3, better=0) | {"signal": "volume", "n_before": 8.0, "n_during": 1.0},
    ]
    rows = findings_rows(findings)
    assert rows[0] == {
        "Vital sign": "NPS",
        "Before": "30.0 points",
        "Since": "16.0 points",
        "Change": "-14.0 points",
        "How sure": "Likely worse (about a 95 in 100 chance)",
    }
    assert [row["How sure"] for row in rows] == [
        "Likely worse (about a 95 in 100 chance)",
        "Clearly worse",
        "Not clear yet",
        "Too few answers",
        "Clearly higher",
    ]
    assert findings_rows([item("nps", CLEAR, 12)])[0]["How sure"] == "Clearly better"
    assert not any("95%" in key or "CI" in key for row in rows for key in row)
    assert [row["95% range"] for row in range_rows(findings)] == [
        "-19.0 to -9.0",
        "+6.0 to +16.0",
        "-3.0 to +7.0",
        "-2.0 to +8.0",
    ]
    assert [row["Based on"] for row in range_rows(findings)] == [
        "712 answers before, 403 since",
        "712 answers before, 403 since",
        "1 answer before, 2 since",
        "8 weeks before, 1 since",
    ]


def test_owner_answer__yes_not_yet_clear_and_not_so_far() -> None:
    harm = record("Chatbot", "2026-04-13", item("impersonal", CLEAR, 11, better=-1))
    likely = record("Emails", "2026-07-06", item("nps", LIKELY, -6))
    fine = record("App", "2026-09-21", item("nps", "not clear", 3))
    answer = owner_answer([harm, likely, fine])
    assert answer.kind == "yes" and answer.rollout == ("Chatbot", "2026-04-13")
    assert answer.sentence.startswith(
        "Yes: since 'Chatbot' (13 Apr 2026), complaints of impersonal service rose"
    )
    assert owner_answer([likely, fine]).sentence.startswith(
        "Not yet clear: since 'Emails' (6 Jul 2026), NPS fell"
    )
    assert owner_answer([fine]).sentence.startswith("Not so far: none of the 1 rollout has")
    assert owner_answer([]).kind == "none"


def test_records_in_view__by_channel_and_dates() -> None:
    online = record("Chatbot", "2026-04-13", channel="online") | {"window": {"end": "2026-07-06"}}
    everyone = record("App", "2026-09-21", channel="all") | {"window": {"end": "2026-11-23"}}
    in_store = record("Kiosk", "2026-01-12", channel="in-store") | {"window": {"end": "2026-07-06"}}
    records = [online, everyone, in_store]
    assert records_in_view(records, "online", None, None) == [online, everyone]
    assert records_in_view(records, None, date(2026, 8, 1), None) == [everyone]
    assert records_in_view(records, None, None, date(2026, 3, 1)) == [in_store]


def test_theme_parts__the_theme_whose_detractors_appeared_explains_the_drop() -> None:
    # 100 answers before (50 promoters, 20 detractors: NPS 30) and 100 during (50 and 40: NPS 10); the 20 new
    # detractors all mention "Reaching a person"; 10 detractors on each side mention "Prices"
    def answers(start: date, detractors_reaching: int) -> list[dict[str, object]]:
        rows = []
        for index in range(100):
            nps = 10 if index < 50 else (0 if index < 70 + detractors_reaching else 8)
            rows.append({"id": len(rows), "created_at": start + timedelta(hours=index), "nps": nps})
        return rows

    before = answers(START - timedelta(weeks=2), 0)
    during = [row | {"id": 1000 + int(row["id"])} for row in answers(START + timedelta(days=1), 20)]
    rows = pl.DataFrame(before + during).with_columns(
        pl.col("created_at").cast(pl.Datetime("us", "UTC")), sentiment=pl.lit(None, dtype=pl.String)
    )
    mentions = pl.DataFrame(
        {
            "feedback_id": [1000 + index for index in range(70, 90)]
            + list(range(50, 60))
            + [1050 + i for i in range(10)],
            "theme": ["Reaching a person"] * 20 + ["Prices"] * 20,
        }
    )
    (part,) = theme_parts(
        rows, mentions, START, START - timedelta(weeks=4), START + timedelta(weeks=4), "UTC"
    )
    assert part.theme == "Reaching a person"  # "Prices" was there all along: no part in the drop
    assert part.nps_change == pytest.approx(-20)
    assert (part.detractors_before, part.detractors_during) == (0, 20)
    # without its 20 detractors: during NPS = 100 * (50 - 20) / 80 = 37.5, against 30 before
    assert part.nps_change_without == pytest.approx(7.5) and part.explained == pytest.approx(-27.5)
    nps = {"change": -20.0, "status": CLEAR}
    assert why_sentence([asdict(part)], nps) == (
        "Most of the NPS drop comes from 'Reaching a person' (detractors who mention it: 0 to 20 per 100 answers;"
        " without them NPS would have risen 8 points instead of falling 20)."
    )
