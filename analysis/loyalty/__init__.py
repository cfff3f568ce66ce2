"""Loyalty: what customers do, beside what they say. Pure functions over the orders frame (orders.py says
what it holds and what a purchase is); the store reads it (store.orders.read_orders), a pipeline or page
passes it here.

- periods.py: per week or month, active, new and returning customers, the repeat-purchase rate, orders and
  revenue per customer, with 95% intervals;
- cohorts.py: cohort retention, each month's new customers' share who buy again in each later month;
- churn.py: the lapse threshold the data suggest, and the lapsed customers with their past value;
- feedback.py: feedback meets behaviour, the 90-day return rate and spend of promoters, passives, detractors
  and those who complained of impersonal service (and the return rate after any moments: read_returns_after);
- rollouts.py: the repeat-purchase rate and new customers' retention as rollout signals
  (analysis.impact's machinery);
- spans.py: the repeat-purchase rate of a span of weeks (the last 4 against the 4 before) or days, per group;
- risk.py: value at risk, the customers likely to have lapsed with their past and expected value;
- view.py: the dashboard's filters applied to the orders (a customer's history before the first day kept).
"""

from analysis.loyalty.churn import (
    LAPSE_QUANTILE,
    read_customer_status,
    read_lapsed_customers,
    read_purchase_gaps,
    suggest_lapse_days,
)
from analysis.loyalty.cohorts import read_cohort_retention
from analysis.loyalty.feedback import RETURN_DAYS, read_feedback_returns, read_returns_after
from analysis.loyalty.orders import ORDERS_SCHEMA, purchase_expr, read_purchases
from analysis.loyalty.periods import read_customer_periods, read_period_loyalty
from analysis.loyalty.risk import ALIVE_BELOW, read_value_at_risk, risk_totals
from analysis.loyalty.rollouts import (
    LOYALTY_SIGNALS,
    RETENTION_DAYS,
    loyalty_findings,
    loyalty_weekly,
    read_loyalty_weeks,
)
from analysis.loyalty.spans import read_span_loyalty, recent_loyalty, span_loyalty
from analysis.loyalty.view import orders_in_view, periods_in_view

__all__ = [
    "ALIVE_BELOW",
    "LAPSE_QUANTILE",
    "LOYALTY_SIGNALS",
    "ORDERS_SCHEMA",
    "RETENTION_DAYS",
    "RETURN_DAYS",
    "loyalty_findings",
    "loyalty_weekly",
    "orders_in_view",
    "periods_in_view",
    "purchase_expr",
    "read_cohort_retention",
    "read_customer_periods",
    "read_customer_status",
    "read_feedback_returns",
    "read_lapsed_customers",
    "read_loyalty_weeks",
    "read_period_loyalty",
    "read_purchase_gaps",
    "read_purchases",
    "read_returns_after",
    "read_span_loyalty",
    "read_value_at_risk",
    "recent_loyalty",
    "risk_totals",
    "span_loyalty",
    "suggest_lapse_days",
]
