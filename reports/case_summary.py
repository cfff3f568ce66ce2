"""Follow-up cases in words: what a run of the rules opened, and how many cases are open and overdue. Numbers come
from analysis.cases_pipeline; these say them for `pulse analyze` (and any page that wants the same line)."""

from __future__ import annotations

from collections.abc import Mapping

from analysis.case_rules import REASON_NOUNS, RULE_KEYS
from pulse.formatting import plural


def opened_sentence(by_reason: Mapping[str, int], open_cases: int, overdue: int) -> str:
    """'Opened 4 follow-up cases (3 detractors, 1 contact request); 12 open, 2 overdue.' from how many cases a
    run opened for each reason, and how many are open and overdue now."""
    made = sum(by_reason.values())
    standing = f"{open_cases:,} open, {overdue:,} overdue" if open_cases else "none open"
    if not made:
        return f"No new follow-up cases; {standing}."
    reasons = ", ".join(plural(by_reason[key], *REASON_NOUNS[key]) for key in RULE_KEYS if by_reason.get(key))
    return f"Opened {plural(made, 'follow-up case')} ({reasons}); {standing}."
