from __future__ import annotations

from datetime import date

import polars as pl

from reports.loyalty import coming_back_sentence, detractor_cost_sentence, value_at_risk_sentence


def span(first: date, active: int, returning: int) -> dict[str, object]:
    last = date.fromordinal(first.toordinal() + 21)
    return {"first": first, "last": last, "active_customers": active, "repeat_rate": returning / active}


NOW, BEFORE = span(date(2026, 10, 26), 1000, 700), span(date(2026, 9, 28), 1000, 850)


def test_coming_back_sentence__says_less_often_only_when_the_change_is_clear() -> None:
    assert coming_back_sentence(NOW, BEFORE, clear=True) == (
        "Less often: 70% of the 1,000 customers who bought in the last 4 weeks (26 Oct – 22 Nov 2026) had "
        "bought before, against 85% in the 4 weeks before, a clear drop of 15 points."
    )
    assert coming_back_sentence(NOW, BEFORE, clear=False).startswith("About as often: 70% of")
    assert coming_back_sentence(BEFORE, NOW, clear=True).startswith("More often: 85%")
    assert coming_back_sentence(NOW, None, clear=False).endswith("there are no weeks before them to compare.")
    assert coming_back_sentence(None, None, clear=False).startswith("No purchases")


def returns(promoter_spend: float, detractor_customers: int = 50) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "group": ["promoter", "passive", "detractor", "impersonal"],
            "customers": [100, 0, detractor_customers, 0],
            "return_rate": [0.85, None, 0.6, None],
            "spend_per_customer": [promoter_spend, None, 18.0, None],
        }
    )


def test_detractor_cost_sentence__the_spend_a_detractor_leaves_out() -> None:
    assert detractor_cost_sentence(returns(33.5), 90) == (
        "85% of promoters bought again within 90 days of their answer, against 60% of detractors; a detractor "
        "spent 18.00 in those days, a promoter 33.50. So each detractor costs about 15.50 in 90 days."
    )
    assert "cost nothing visible" in (detractor_cost_sentence(returns(10.0), 90) or "")
    assert detractor_cost_sentence(returns(33.5, detractor_customers=0), 90) is None


def test_value_at_risk_sentence__counts_past_and_expected_value() -> None:
    totals = {"customers": 1609, "revenue": 135084.2, "expected_value": 2345.0}
    assert value_at_risk_sentence(totals, 70, modelled=True) == (
        "1,609 customers look lapsed (no purchase for more than 70 days, or likely gone by the customer-value "
        "model): together they spent 135,084 with you; the model expects 2,345 more from them in the next 12 "
        "months."
    )
    one = {"customers": 1, "revenue": 12.5, "expected_value": None}
    assert value_at_risk_sentence(one, 70, modelled=False) == (
        "1 customer looks lapsed (no purchase for more than 70 days): they spent 12.50 with you."
    )
    assert value_at_risk_sentence({"customers": 0}, 70, modelled=False) == "No customer looks lapsed."
