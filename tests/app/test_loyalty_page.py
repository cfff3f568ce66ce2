"""The Loyalty page (AppTest) on the demo store, whose orders share their customers' hashes with the answers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

import dashboard.data
from store.engine import build_engine
from store.orders import read_orders
from tests.app.pages import run_app

LOYALTY = "app_pages/loyalty.py"
DEMO_ROLLOUTS = [
    "Online ordering",
    "Self-service kiosk",
    "Support chatbot",
    "Automated follow-up emails",
    "Loyalty app",
]
QUESTION = "**Are customers coming back as often as before?** "


def by_key(app: AppTest) -> dict[str, dict[str, Any]]:
    charts = app.get("plotly_chart")
    found = {}
    for chart in charts:
        key = next(
            name
            for name in ("repeat_rate", "cohorts", "returns", "values")
            if f"loyalty__{name}" in chart.proto.id
        )
        found[key] = json.loads(chart.proto.spec)
    return found


def trace(figure: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in figure["data"] if t.get("name") == name)


def test_loyalty_page__answers_the_question_then_draws_repeat_rate_cohorts_and_returns_with_the_filters(
    demo_database: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    use_database(demo_database)
    app = run_app(LOYALTY)
    assert [title.value for title in app.title] == ["Loyalty"]
    assert app.info[0].value == (
        f"{QUESTION}About as often: 94% of the 1,831 customers who bought in the last 4 weeks "
        "(26 Oct – 22 Nov 2026) had bought before, against 94% in the 4 weeks before; a change within the noise."
    )
    charts = by_key(app)
    assert set(charts) == {"repeat_rate", "cohorts", "returns"}  # no customer values before `pulse analyze`
    rate = trace(charts["repeat_rate"], "Repeat-purchase rate")
    assert str(rate["x"][0]).startswith("2025-08-04") and str(rate["x"][-1]).startswith("2026-11-16")
    assert rate["y"][0] is None and 90 < rate["y"][-1] < 100  # no rate while nobody has a history yet
    settled = [x for x, y in zip(rate["x"], rate["y"], strict=True) if y is not None]
    assert str(settled[0]).startswith("2025-11-03")  # 13 weeks after the first purchase, 4 Aug 2025
    rollouts = trace(charts["repeat_rate"], "Rollouts")
    assert [hover.split("</b>")[0].removeprefix("<b>") for hover in rollouts["hovertext"]] == DEMO_ROLLOUTS
    heatmap = charts["cohorts"]["data"][0]
    assert heatmap["y"][0] == "Aug 2025" and heatmap["x"][:3] == [1, 2, 3]
    assert 40 < heatmap["z"][0][0] < 90 and heatmap["customdata"][0][0][1] > 100
    returns = charts["returns"]["data"][0]
    assert returns["x"] == ["Promoters", "Passives", "Detractors", "Complained of impersonal service"]
    promoters, detractors = returns["y"][0], returns["y"][2]
    assert promoters > detractors + 10  # the demo's story: detractors come back less
    costs = [text.value for text in app.markdown if text.value.startswith("**What a detractor costs.**")]
    assert len(costs) == 1 and "of promoters bought again within 90 days" in costs[0]
    assert "So each detractor costs about" in costs[0]
    assert "Customer value is worked out by `pulse analyze`." in app.info[1].value
    (risk,) = [text.value for text in app.markdown if text.value.startswith("**Value at risk.**")]
    assert "customers look lapsed (no purchase for more than" in risk and "or likely gone" not in risk
    table = app.dataframe[0].value
    assert list(table.columns) == ["Customer", "Last purchase", "Days since", "Purchases", "Spent to date"]
    assert len(table) == 20 and all(name.endswith("…") and len(name) == 9 for name in table["Customer"])
    assert app.expander[0].label == "How this was worked out"

    app.number_input(key="loyalty__lapse_days").set_value(365).run()  # the owner's own threshold
    (longer,) = [text.value for text in app.markdown if text.value.startswith("**Value at risk.**")]
    assert "more than 365 days" in longer and _count(longer) < _count(risk)

    app.selectbox(key="filters__channel").select("online").run()  # the sidebar's filters pick the orders
    assert not app.exception, app.exception
    online = app.info[0].value
    assert online.startswith(QUESTION) and "of the 1,831 customers" not in online
    online_rate = trace(by_key(app)["repeat_rate"], "Repeat-purchase rate")
    assert sum(online_rate["customdata"]) < sum(rate["customdata"])
    app.date_input(key="filters__dates").set_value((date(2026, 3, 2), date(2026, 5, 31))).run()
    dated = by_key(app)
    weeks = trace(dated["repeat_rate"], "Repeat-purchase rate")["x"]
    assert str(weeks[0]).startswith("2026-03-02") and str(weeks[-1]).startswith("2026-05-25")
    assert dated["cohorts"]["data"][0]["y"][0] == "Mar 2026"
    assert "(26 Oct – 22 Nov 2026)" not in app.info[0].value and "May 2026" in app.info[0].value


def _count(sentence: str) -> int:
    return int(sentence.removeprefix("**Value at risk.** ").split(" ")[0].replace(",", ""))


def test_loyalty_page__shows_the_stored_customer_values_and_who_is_likely_gone(
    demo_database: str, use_database, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    use_database(demo_database)
    customers = read_orders(build_engine(demo_database))["customer_hash"].drop_nulls().unique().sort()
    values = pl.DataFrame(
        {
            "customer_hash": customers,
            "probability_alive": [0.2 if index % 2 else 0.9 for index in range(customers.len())],
            "expected_value": [10.0 * (index % 5) for index in range(customers.len())],
            "expected_purchases": [1.0] * customers.len(),
            "spend_to_date": [1.0] * customers.len(),
        }
    )
    fit = {"model": "BG/NBD", "fitted_at": datetime(2026, 11, 23, 6, 0, tzinfo=UTC).isoformat()}
    monkeypatch.setattr(dashboard.data, "load_customer_values", lambda version: values)
    monkeypatch.setattr(dashboard.data, "load_clv_fit", lambda version: fit)
    app = run_app(LOYALTY)
    histogram = by_key(app)["values"]["data"][0]
    assert histogram["type"] == "histogram" and len(histogram["x"]) == customers.len()
    (caption,) = [c.value for c in app.caption if "expected to spend" in c.value]
    expected = f"{10.0 * sum(index % 5 for index in range(customers.len())):,.0f}"
    assert caption.startswith(
        f"{customers.len():,} customers are expected to spend {expected} in the next 12"
    )
    assert "fitted 23 Nov 2026, 06:00" in caption
    (risk,) = [text.value for text in app.markdown if text.value.startswith("**Value at risk.**")]
    assert "or likely gone by the customer-value model" in risk and "the model expects" in risk
    assert _count(risk) >= customers.len() // 2  # every other customer is likely gone by these values
    table = app.dataframe[0].value
    assert table.columns[-2:].tolist() == ["Chance still a customer", "Expected next 12 months"]
    assert set(table["Chance still a customer"]) <= {"20%", "90%"}


def test_loyalty_page__a_store_without_orders_says_how_to_import_them(
    empty_store_url: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    use_database(empty_store_url)
    app = run_app(LOYALTY)
    assert app.info[0].value.startswith("No orders in the store yet.")
    assert "`pulse import FILE --kind order`" in app.info[0].value
    assert not app.get("plotly_chart") and not app.dataframe
