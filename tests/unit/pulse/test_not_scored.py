"""A comment not scored yet reads so, never blank (pulse.formatting.sentiment_shown_expr)."""

from __future__ import annotations

import polars as pl

from pulse.formatting import NOT_SCORED, sentiment_shown_expr


def test_sentiment_shown_expr__a_label_not_scored_yet_or_no_comment() -> None:
    frame = pl.DataFrame(
        {"text": ["Lovely bread", "Slow queue", "", None], "sentiment": ["positive", None, None, None]}
    )
    shown = frame.select(sentiment_shown_expr())["sentiment"].to_list()
    assert shown == ["positive", NOT_SCORED, "no comment", "no comment"]
