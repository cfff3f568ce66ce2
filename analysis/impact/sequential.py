"""Rollout impact, how sure: an anytime-valid p-value for each signal's change, Holm's control over the
signals, the probability that the rollout made a signal worse, and how many more weeks would settle it.

Owners look every week, and each look is another chance of a false alarm: a plain 95% interval, read every
week for half a year, cries wolf far more often than 1 time in 20. The p-value here is the mixture sequential
probability ratio test's (Robbins 1970; Johari et al. 2017, "Peeking at A/B tests"; Howard et al. 2021 for the
confidence sequences it inverts): for an estimate x with variance V and a normal mixture of spread tau over the
possible changes (tau: the change that matters, analysis.impact.signals.Signal.scale),

    Lambda = sqrt(V / (V + tau^2)) * exp(x^2 tau^2 / (2 V (V + tau^2)))

is a likelihood ratio that, under no change, stays below 1/alpha at every look with probability 1 - alpha
(Ville's inequality), so p = min(1, 1/Lambda) may be read at any week, as often as wanted. With a variance
estimated from few weeks, the estimate's t statistic is first mapped to the normal quantile of the same
tail. Written out (no well-kept Python package offers it: `confseq` builds C++ and covers the bounded case).

The signals (NPS, complaints, negative comments, CSAT, CES, volume) are several chances too: Holm's step-down
over the signals a rollout has data for keeps the chance of any false "clear" at 5%. It is weighted (Holm
1979; analysis.impact.signals.Signal.weight): NPS and impersonal complaints, the owner's question itself,
weigh 3 each and the others 1, so those two need less evidence to be clear and the others more. With equal
weights it is statsmodels' multipletests(method="holm"), which the tests check; statsmodels has no weighted
Holm.

"Likely" is the probability (flat prior: the estimate's t distribution) that the change went the way it went,
at 90% or more; it is a statement of odds, said with them ("about a 9 in 10 chance"), not an alarm.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from scipy import stats

ALPHA = 0.05
LIKELY_AT = 0.9  # the probability from which a change not yet clear is called likely
SETTLE_WITHIN_WEEKS = 52  # weeks_to_settle looks this far ahead


def normal_equivalent(z: float, degrees_of_freedom: float) -> float:
    """The normal quantile with the tail of Student's t at `z` (z itself with many degrees of freedom)."""
    if degrees_of_freedom >= 1000 or not math.isfinite(z):
        return z
    tail = float(stats.t.sf(abs(z), degrees_of_freedom))
    return math.copysign(float(stats.norm.isf(tail)), z)


def anytime_p_value(
    change: float, variance: float, scale: float, degrees_of_freedom: float = math.inf
) -> float:
    """The mixture SPRT's always-valid p-value of `change` (variance `variance`, mixture spread `scale`)."""
    if variance <= 0:
        return 0.0 if change != 0 else 1.0
    z = normal_equivalent(change / math.sqrt(variance), degrees_of_freedom)
    ratio = variance / (variance + scale**2)
    log_lambda = 0.5 * math.log(ratio) + z**2 * (1 - ratio) / 2
    return min(1.0, math.exp(-log_lambda))


def holm(p_values: Sequence[float], weights: Sequence[float] | None = None) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given; weighted (Holm 1979) when `weights` are given:
    at each step the test with the smallest p / weight is rejected when p <= alpha * weight / (the weights of
    the tests not yet rejected), so that a heavier test needs less evidence. Equal weights: plain Holm."""
    weights = list(weights) if weights is not None else [1.0] * len(p_values)
    order = sorted(range(len(p_values)), key=lambda index: p_values[index] / weights[index])
    adjusted = [1.0] * len(p_values)
    remaining, running = sum(weights), 0.0
    for index in order:
        running = max(running, min(1.0, p_values[index] * remaining / weights[index]))
        adjusted[index] = running
        remaining -= weights[index]
    return adjusted


def probability_above_zero(change: float, variance: float, degrees_of_freedom: float) -> float:
    """The probability that the true change is above zero (a flat prior: Student's t around the estimate)."""
    if variance <= 0:
        return 1.0 if change > 0 else 0.0 if change < 0 else 0.5
    return float(stats.t.cdf(change / math.sqrt(variance), max(degrees_of_freedom, 1)))


def interval95(change: float, variance: float, degrees_of_freedom: float) -> tuple[float, float]:
    """The fixed-look 95% interval (Student's t)."""
    margin = float(stats.t.ppf(0.975, max(degrees_of_freedom, 1))) * math.sqrt(max(variance, 0.0))
    return change - margin, change + margin


def weeks_to_settle(
    change: float,
    variance_with: Callable[[int], float],
    scale: float,
    multiplier: float,
    degrees_of_freedom: float,
) -> int | None:
    """How many more weeks in force, at today's volume, until a change of this size would be clear
    (anytime p times the Holm multiplier below ALPHA); None when not within SETTLE_WITHIN_WEEKS.
    `variance_with(weeks)` gives the change's variance with that many more weeks."""
    if change == 0:
        return None
    for weeks in range(1, SETTLE_WITHIN_WEEKS + 1):
        variance = variance_with(weeks)
        if multiplier * anytime_p_value(change, variance, scale, degrees_of_freedom + weeks) < ALPHA:
            return weeks
    return None
