"""Loyalty: what customers do, beside what they say. Are they coming back as often as before; the repeat-purchase
rate week by week next to the rollouts; cohort retention; what promoters and detractors do after answering; the
expected value of customers and the value at risk."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import streamlit as st

from analysis.alerts import change_is_clear
from analysis.filters import rollouts_in_dates
from analysis.loyalty import RETURN_DAYS, read_value_at_risk, risk_totals
from dashboard.auth import require_role
from dashboard.components import render_empty_state
from dashboard.data import (
    data_version,
    get_settings,
    load_clv_fit,
    load_cohort_retention,
    load_customer_status,
    load_customer_values,
    load_feedback_returns,
    load_has_orders,
    load_lapse_days,
    load_recent_loyalty,
    load_rollouts_with_verdicts,
    load_weekly_loyalty,
)
from dashboard.filters import current_filters
from dashboard.formatting import describe_filters
from dashboard.kpis import COLOUR_Z
from dashboard.loyalty_charts import (
    cohort_figure,
    customer_value_figure,
    feedback_returns_figure,
    repeat_rate_figure,
)
from pulse.formatting import EMPTY, format_amount, format_day, format_moment, format_share, local_moment
from reports.loyalty import coming_back_sentence, detractor_cost_sentence, value_at_risk_sentence

TOP_AT_RISK = 20

settings = get_settings()
require_role("viewer")  # staff accounts only add observations
version = data_version()
filters = current_filters()
st.title("Loyalty")
described = describe_filters(filters)
st.caption(
    "What customers do, beside what they say: do they come back, and what are they worth"
    + (f". Showing {described} (see the sidebar)." if described else ".")
)
if not load_has_orders(version):
    render_empty_state(
        "No orders in the store yet.",
        "Import your orders or visits export with `pulse import FILE --kind order` (Shopify, Square and "
        "WooCommerce exports are recognised), or load the demo with `pulse demo`.",
    )
    st.stop()
weekly = load_weekly_loyalty(version, filters)
if weekly.is_empty():
    render_empty_state(
        "No orders match the filters.",
        "Widen the dates, or choose all channels and locations, in the sidebar.",
    )
    st.stop()

now, before = load_recent_loyalty(version, filters)
clear = now is not None and change_is_clear("repeat", now, before, COLOUR_Z)
rising = clear and now is not None and before is not None and now["repeat_rate"] > before["repeat_rate"]
ANSWER_STYLE = st.success if rising else st.error if clear else st.info
ANSWER_STYLE(
    f"**Are customers coming back as often as before?** {coming_back_sentence(now, before, clear)}",
    icon=":material/repeat:",
)

st.subheader("Repeat-purchase rate")
rollouts = rollouts_in_dates(load_rollouts_with_verdicts(version), filters)
st.plotly_chart(repeat_rate_figure(weekly, rollouts), width="stretch", key="loyalty__repeat_rate")
st.caption(
    "Each week's customers who had bought before, with its 95% interval (shaded); below, the week's customers, "
    "returning and new. Triangles: automation rollouts; point at one for its verdict."
)

st.subheader("Do new customers stay?")
cohorts = load_cohort_retention(version, filters)
if cohorts.is_empty():
    render_empty_state(
        "No month has customers who could have come back yet.", "Widen the dates in the sidebar."
    )
else:
    st.plotly_chart(cohort_figure(cohorts), width="stretch", key="loyalty__cohorts")
    st.caption(
        "Each row: the customers whose first purchase fell in that month; each column: the share of them who "
        "bought again that many months later. Point at a cell for the counts."
    )

st.subheader("What customers who answered a survey did next")
returns = load_feedback_returns(version, filters)
if not returns["customers"].sum():
    render_empty_state(
        "No customer both answered a survey and bought in these days.",
        "Answers and orders meet when both carry the same customer id or email.",
    )
else:
    cost = detractor_cost_sentence(returns, RETURN_DAYS)
    if cost:
        st.markdown(f"**What a detractor costs.** {cost}")
    st.plotly_chart(feedback_returns_figure(returns, RETURN_DAYS), width="stretch", key="loyalty__returns")
    st.caption(
        f"Customers who answered, by their answer: promoters (9–10), passives (7–8), detractors (0–6), and "
        f"those whose comment complained of impersonal service. Only answers with {RETURN_DAYS} days of orders "
        "after them count. Lines: 95% intervals."
    )

st.subheader("Customer value")
suggested = load_lapse_days(version, filters)
lapse_days = st.number_input(
    "Lapsed after this many days without a purchase",
    min_value=1,
    max_value=3650,
    value=suggested or 90,
    step=7,
    key="loyalty__lapse_days",
    help=f"The data suggest {suggested} days: nine returns in ten came within them." if suggested else None,
)
status = load_customer_status(version, filters, int(lapse_days))
values = load_customer_values(version)
fit = load_clv_fit(version)
months = int(fit.get("horizon_months") or 12) if fit else 12  # what the fit expects over
if values is None:
    render_empty_state(
        "Customer value is worked out by `pulse analyze`.",
        "Run it to see each customer's expected spend over the next 12 months; until then, customers at risk "
        "are those past the lapse threshold.",
    )
    in_view = None
else:
    in_view = values.join(status.select("customer_hash"), on="customer_hash", how="semi")
    st.plotly_chart(customer_value_figure(in_view, months), width="stretch", key="loyalty__values")
    expected = in_view["expected_value"].sum()
    fitted_at = fit.get("fitted_at") if fit else None
    fitted = format_moment(datetime.fromisoformat(fitted_at), settings.timezone) if fitted_at else EMPTY
    st.caption(
        f"{in_view.height:,} customers are expected to spend {format_amount(expected)} in the next {months} months "
        f"(model fitted {fitted})."
    )

at_risk = read_value_at_risk(status, in_view)
st.markdown(
    f"**Value at risk.** {value_at_risk_sentence(risk_totals(at_risk), int(lapse_days), in_view is not None, months)}"
)
if not at_risk.is_empty():
    top = at_risk.head(TOP_AT_RISK)
    table = pl.DataFrame(
        {
            "Customer": [f"{value[:8]}…" for value in top["customer_hash"].to_list()],
            "Last purchase": [
                format_day(local_moment(moment, settings.timezone).date())
                for moment in top["last_purchase_at"]
            ],
            "Days since": top["days_since_last"],
            "Purchases": top["purchases"],
            "Spent to date": [format_amount(value) for value in top["revenue"].to_list()],
            "Chance still a customer": [format_share(value) for value in top["probability_alive"].to_list()],
            f"Expected next {months} months": [
                format_amount(value) for value in top["expected_value"].to_list()
            ],
        }
    )
    if in_view is None:  # no model's values to show
        table = table.drop("Chance still a customer", f"Expected next {months} months")
    st.dataframe(table, hide_index=True, key="loyalty__at_risk")
    st.caption(
        f"The {min(TOP_AT_RISK, at_risk.height)} who spent most. Customers are shown by the start of their "
        "store hash: the store keeps no names or emails."
    )

with st.expander("How this was worked out"):
    st.markdown(
        f"""
- **Orders** are those imported with `pulse import FILE --kind order`; a purchase is an order of a known
  customer that is not a refund. The sidebar's channel and location pick the orders; its dates pick the weeks,
  months and answers shown, while a customer's purchases before them still count as their history. The source
  filter applies to survey answers only.
- **Coming back**: of the customers who bought in the last 4 weeks, the share who had bought before them,
  against the same share of the 4 weeks before. Coloured only when the change is beyond the noise (the test
  that colours the Pulse page's cards); otherwise blue.
- **Repeat-purchase rate**: per week, the share of that week's customers whose first purchase in the data came
  earlier, with its 95% Wilson interval. It is not drawn for the data's first 13 weeks, when nearly everyone
  counts as new because nobody has a history yet.
- **Cohorts**: customers grouped by the month of their first purchase; a cell is the share of them who bought
  in the month that many months later.
- **After an answer**: for customers who answered a survey and bought (matched by the same id or email), the
  share who bought again within {RETURN_DAYS} days of their first answer of each kind, and what they spent in
  those days (0 when they did not come back), with 95% intervals.
- **Customer value**: the BG/NBD and Gamma-Gamma models (Fader, Hardie and Lee), fitted by `pulse analyze`
  on every order: each customer's chance of still being a customer and expected spend over the next 12 months.
  This page only reads the stored values.
- **Value at risk**: customers past the lapse threshold (by default the gap within which nine returns in ten
  came) or whom the model gives less than an even chance of still being a customer, by what they spent.
"""
    )
