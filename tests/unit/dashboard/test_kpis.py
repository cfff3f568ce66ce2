from __future__ import annotations

from datetime import date
from typing import Any

from analysis.comparison import Comparison, Span
from dashboard.kpis import comparison_sentence, vital_sign_kpis


def figures(**values: Any) -> dict[str, Any]:
    base = dict.fromkeys(
        (
            "nps", "nps_low", "nps_high", "csat", "stars_mean", "stars_sd", "negative_share",
            "impersonal_share", "ces_share", "ces_mean",
        )
    )  # fmt: skip
    counts = dict.fromkeys(
        ("n", "nps_n", "promoters", "detractors", "csat_n", "satisfied", "stars_n", "scored_n", "negative",
         "impersonal_count", "ces_n", "ces_easy"),
        0,
    )  # fmt: skip
    return {**base, **counts, **values}


def reviews(n: int, stars: float) -> dict[str, Any]:
    return figures(n=n, stars_n=n, stars_mean=stars, stars_sd=1.0, scored_n=n, negative=n // 5,
                   negative_share=0.2, impersonal_count=n // 10, impersonal_share=0.1)  # fmt: skip


def test_vital_sign_kpis__a_review_source_shows_stars_not_empty_nps() -> None:
    comparison = Comparison(
        "weeks", Span(date(2026, 2, 2), date(2026, 2, 23), reviews(400, 3.6)),
        Span(date(2026, 1, 5), date(2026, 1, 26), reviews(400, 4.2)),
    )  # fmt: skip
    cards = vital_sign_kpis(comparison, {"stars_n", "scored_n"})
    assert [card.label for card in cards] == ["Stars", "Feedback", "Negative comments", "Felt impersonal"]
    stars = cards[0]
    assert (stars.value, stars.delta, stars.clear) == ("3.6 ★", "-0.6 ★", True)  # 400 reviews each: clear
    assert cards[1].delta == "+0 items" and not cards[1].clear


def test_vital_sign_kpis__grey_within_the_noise_and_no_change_without_a_span_before() -> None:
    now = figures(n=20, nps_n=20, promoters=9, detractors=5, nps=20.0, nps_low=-10.0, nps_high=48.0)
    before = figures(n=20, nps_n=20, promoters=8, detractors=5, nps=15.0, nps_low=-15.0, nps_high=44.0)
    comparison = Comparison("week", Span(date(2026, 2, 9), date(2026, 2, 9), now), None)
    nps = vital_sign_kpis(comparison, {"nps_n"})[0]
    assert (nps.label, nps.value, nps.delta) == ("NPS", "+20", None)
    moved = Comparison("week", comparison.now, Span(date(2026, 2, 2), date(2026, 2, 2), before))
    nps = vital_sign_kpis(moved, {"nps_n"})[0]
    assert (nps.delta, nps.clear) == ("+5 pts", False)


def test_comparison_sentence__says_which_spans_are_compared() -> None:
    now, before = Span(date(2026, 2, 16), date(2026, 3, 9), {}), Span(date(2026, 1, 19), date(2026, 2, 9), {})
    assert comparison_sentence(Comparison("weeks", now, before), None, "online") == (
        "The 4 weeks of 16 Feb – 15 Mar 2026 (online), against the 4 before (19 Jan – 15 Feb 2026)."
    )
    rollout = {"name": "Support *chatbot*", "started_on": date(2026, 2, 11)}
    assert comparison_sentence(Comparison("rollout", now, None), rollout).startswith(
        "The 4 whole weeks since 'Support \\*chatbot\\*' started on 11 Feb 2026, with nothing before"
    )


def loyalty_span(active: int, returning: int) -> dict[str, Any]:
    return {"active_customers": active, "returning_customers": returning, "repeat_rate": returning / active}


def test_returning_customers_kpi__the_span_s_repeat_rate_coloured_only_beyond_the_noise() -> None:
    from dashboard.kpis import returning_customers_kpi

    dropped = returning_customers_kpi(loyalty_span(1000, 700), loyalty_span(1000, 850))
    assert (dropped.label, dropped.value, dropped.delta, dropped.clear) == (
        "Repeat customers",
        "70%",
        "-15 pts",
        True,
    )
    assert "1,000 customers" in (dropped.help or "")
    noise = returning_customers_kpi(loyalty_span(40, 30), loyalty_span(40, 34))
    assert (noise.value, noise.delta, noise.clear) == ("75%", "-10 pts", False)
    first = returning_customers_kpi(loyalty_span(10, 0), None)
    assert (first.value, first.delta, first.clear) == ("0%", None, False)
    assert returning_customers_kpi(None, None).value == "–"
