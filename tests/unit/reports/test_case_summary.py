"""`pulse analyze`'s line about follow-up cases: what a run opened, by reason, and how many are open and overdue."""

from __future__ import annotations

from reports.case_summary import opened_sentence


def test_opened_sentence__counts_by_reason_in_rule_order() -> None:
    by_reason = {"detractor": 3, "impersonal": 0, "low_stars": 0, "contact_request": 1}
    assert opened_sentence(by_reason, 12, 2) == (
        "Opened 4 follow-up cases (3 detractors, 1 contact request); 12 open, 2 overdue."
    )
    assert opened_sentence({"low_stars": 1, "impersonal": 2}, 1_204, 0) == (
        "Opened 3 follow-up cases (2 impersonal-service complaints, 1 low-star review); 1,204 open, 0 overdue."
    )


def test_opened_sentence__none_opened() -> None:
    assert opened_sentence(dict.fromkeys(("detractor", "impersonal"), 0), 5, 1) == (
        "No new follow-up cases; 5 open, 1 overdue."
    )
    assert opened_sentence({}, 0, 0) == "No new follow-up cases; none open."
