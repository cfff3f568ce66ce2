from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from statistics import NormalDist

import polars as pl
import pytest

from analysis.alerts import alert_z, change_is_clear, scoped_alerts, share_alert, weekly_alerts
from analysis.metrics import read_period_metrics
from reports.alerts import alert_message

WEEK = date(2026, 11, 16)  # a Monday
Z99 = 2.5758293035489004


def week_of(monday: date, nps: list[int], **columns: list[object]) -> pl.DataFrame:
    start = datetime(monday.year, monday.month, monday.day, 12, tzinfo=UTC)
    times = [start + timedelta(hours=index % 100) for index in range(len(nps))]
    return pl.DataFrame({"created_at": times, "nps": nps, **columns})


def weekly(this_week: list[int], baseline_week: list[int], weeks: int = 8) -> pl.DataFrame:
    frames = [week_of(WEEK - timedelta(weeks=back), baseline_week) for back in range(1, weeks + 1)]
    return read_period_metrics(pl.concat([*frames, week_of(WEEK, this_week)]), "week")


def test_weekly_alerts__nps_drop_against_the_eight_weeks_before_by_hand() -> None:
    # baseline: 8 weeks of 25 promoters, 15 passives, 10 detractors (NPS 30); this week 10, 10, 20 (NPS -25)
    baseline = [10] * 25 + [8] * 15 + [0] * 10
    (alert,) = weekly_alerts(weekly([10] * 10 + [8] * 10 + [0] * 20, baseline), WEEK)
    assert alert.measure == "nps" and alert.change == pytest.approx(-55.0)
    # adjusted Wald on each side: week p = 10.75 / 43, d = 20.75 / 43; baseline p = 200.75 / 403, d = 80.75 / 403
    p1, d1, p2, d2 = 10.75 / 43, 20.75 / 43, 200.75 / 403, 80.75 / 403
    variance = (p1 + d1 - (p1 - d1) ** 2) / 43 + (p2 + d2 - (p2 - d2) ** 2) / 403
    centre = 100 * ((p1 - d1) - (p2 - d2))
    assert (alert.low, alert.high) == pytest.approx(
        (centre - 100 * Z99 * math.sqrt(variance), centre + 100 * Z99 * math.sqrt(variance))
    )
    assert alert_message(alert) == (
        f"NPS fell to -25 this week from 30 over the 8 weeks before (-55 points, 99% CI "
        f"{alert.low:.0f} to {alert.high:.0f})."
    )


def test_weekly_alerts__no_alert_for_noise_a_rise_or_a_thin_week() -> None:
    baseline = [10] * 25 + [8] * 15 + [0] * 10
    assert (
        weekly_alerts(weekly([10] * 22 + [8] * 16 + [0] * 12, baseline), WEEK) == []
    )  # NPS 20: within noise
    assert weekly_alerts(weekly([10] * 40, baseline), WEEK) == []  # a rise is not an alert
    assert weekly_alerts(weekly([0] * 9, baseline), WEEK) == []  # 9 answers: too few to alert on
    assert weekly_alerts(weekly([0] * 40, baseline), WEEK - timedelta(weeks=8)) == []  # no week before it


def test_weekly_alerts__complaint_spike_csat_drop_and_sentiment() -> None:
    baseline = week_of(WEEK - timedelta(weeks=1), [8] * 100).with_columns(
        csat=pl.Series([5] * 90 + [2] * 10),
        sentiment=pl.Series(["positive"] * 100),
        sentiment_score=pl.Series([0.5, 0.3] * 50),
        impersonal=pl.Series([True] * 2 + [False] * 98),
    )
    this = week_of(WEEK, [8] * 50).with_columns(
        csat=pl.Series([5] * 25 + [2] * 25),
        sentiment=pl.Series(["negative"] * 50),
        sentiment_score=pl.Series([-0.5, -0.3] * 25),
        impersonal=pl.Series([True] * 20 + [False] * 30),
    )
    alerts = {
        alert.measure: alert
        for alert in weekly_alerts(read_period_metrics(pl.concat([baseline, this])), WEEK)
    }
    assert set(alerts) == {"csat", "sentiment", "impersonal"}
    # complaints: 20 of 50 this week (40 per 100) against 2 of 100 (2 per 100)
    assert alerts["impersonal"].change == pytest.approx(38.0)
    assert alert_message(alerts["impersonal"]).startswith(
        "Impersonal complaints rose to 40.0 per 100 this week from 2.0 per 100 over the week before"
    )
    # CSAT: 50% against 90%; sentiment: -0.4 against +0.4
    assert alerts["csat"].change == pytest.approx(-40.0)
    assert alerts["sentiment"].change == pytest.approx(-0.8)


def test_share_alert__interval_is_statsmodels_agresti_caffo() -> None:
    from statsmodels.stats.proportion import confint_proportions_2indep

    this = {"impersonal_count": 30, "scored_n": 100}
    base = {"impersonal_count": 80, "scored_n": 800}
    alert = share_alert("impersonal", this, base, 8, 10, "impersonal_count", "scored_n")
    assert alert is not None
    low, high = confint_proportions_2indep(
        30, 100, 80, 800, method="agresti-caffo", compare="diff", alpha=0.01
    )
    assert (alert.low, alert.high) == pytest.approx((100 * low, 100 * high), rel=1e-12)
    assert norm_quantile(0.995) == pytest.approx(Z99, rel=1e-15)


def norm_quantile(probability: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(probability))


def test_scoped_alerts__a_channel_alone_alerts_at_the_level_of_all_the_checks() -> None:
    # online: NPS 30 for 8 weeks, then -25 this week; in-store steady at 30 with 4 times the answers
    baseline, this_week = [10] * 25 + [8] * 15 + [0] * 10, [10] * 10 + [8] * 10 + [0] * 20
    online = weekly(this_week, baseline)
    in_store = weekly(baseline * 4, baseline * 4)
    everyone = weekly(this_week + baseline * 4, baseline * 5)
    alerts = scoped_alerts([(None, everyone), ("online", online), ("in-store", in_store)], WEEK)
    assert [(alert.channel, alert.measure) for alert in alerts] == [("online", "nps")]
    z = alert_z(12)  # four measures, three scopes: 2% a week over the twelve checks
    assert z == pytest.approx(NormalDist().inv_cdf(1 - 0.02 / 12)) and alerts[0].confidence == pytest.approx(
        1 - 0.02 / 6
    )
    assert alert_message(alerts[0]).startswith(
        "Online: NPS fell to -25 this week from 30 over the 8 weeks before"
    )
    assert "99.7% CI" in alert_message(alerts[0])


def test_change_is_clear__within_the_noise_is_not() -> None:
    last = {"nps_n": 50, "promoters": 25, "detractors": 10, "n": 100, "satisfied": 40, "csat_n": 50}
    assert not change_is_clear("nps", {**last, "promoters": 22, "detractors": 12}, last)  # 30 -> 20
    assert change_is_clear("nps", {**last, "promoters": 10, "detractors": 30}, last)  # 30 -> -40
    assert not change_is_clear("n", {**last, "n": 110}, last)
    assert change_is_clear("n", {**last, "n": 200}, last)  # 100 -> 200: beyond Poisson's noise
    assert not change_is_clear("csat", {**last, "satisfied": 38}, last)
    assert not change_is_clear("csat", last, None)  # nothing to compare with
