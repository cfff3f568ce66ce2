"""Labels as the team left them: a person's correction (store.explorer.correct_label) replaces the scorer's
label wherever labels are counted or read (the daily counts, the themes' impersonal shares, the fixed impersonal
theme, the Explorer's filters, read_feedback). A correction changes a label, never a score."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, true
from sqlalchemy.sql import FromClause

from store.schema import corrections, feedback, scores


class CorrectedLabels:
    """The corrections of the sentiment and the impersonal label, as two outer joins on feedback, and the
    labels they give."""

    def __init__(self) -> None:
        self.sentiment_fix = corrections.alias("sentiment_fix")
        self.impersonal_fix = corrections.alias("impersonal_fix")

    def joined(self, base: FromClause) -> FromClause:
        """`base` (a join that holds feedback and scores) with the two corrections joined on."""
        return base.outerjoin(
            self.sentiment_fix,
            and_(
                self.sentiment_fix.c.feedback_id == feedback.c.id, self.sentiment_fix.c.field == "sentiment"
            ),
        ).outerjoin(
            self.impersonal_fix,
            and_(
                self.impersonal_fix.c.feedback_id == feedback.c.id,
                self.impersonal_fix.c.field == "impersonal",
            ),
        )

    def sentiment(self) -> ColumnElement[Any]:
        return func.coalesce(self.sentiment_fix.c.value, scores.c.sentiment)

    def impersonal(self) -> ColumnElement[Any]:
        return case(
            (self.impersonal_fix.c.value == "true", true()),
            (self.impersonal_fix.c.value == "false", false()),
            else_=scores.c.impersonal,
        )

    def corrected(self) -> ColumnElement[Any]:
        """True where a person set either label."""
        either = self.sentiment_fix.c.feedback_id.is_not(None) | self.impersonal_fix.c.feedback_id.is_not(
            None
        )
        return case((either, true()), else_=false())
