"""Notable quotes: the few customer comments of a period that best show how it went."""

from __future__ import annotations

import polars as pl

from analysis.personal_data import redact_expr

MIN_WORDS = 6


def pick_quotes(frame: pl.DataFrame, count: int = 3) -> pl.DataFrame:
    """Up to `count` distinct comments: the strongest impersonal complaint, the most negative and the most
    positive comment, then the next strongest by |sentiment_score|.

    `frame` has text, sentiment_score and impersonal; returns its rows with a `why` column, their text redacted
    of emails, phone and card numbers and @handles.
    """
    texts = frame.filter(
        pl.col("text").is_not_null()
        & pl.col("sentiment_score").is_not_null()
        & (pl.col("text").str.count_matches(r"\S+") >= MIN_WORDS)
    ).unique("text", keep="first", maintain_order=True)
    if texts.is_empty():
        return texts.with_columns(pl.lit("").alias("why"))
    candidates = [
        texts.filter(pl.col("impersonal")).sort(
            "impersonal_score", "sentiment_score", descending=[True, False]
        ),
        texts.sort("sentiment_score"),
        texts.sort("sentiment_score", descending=True),
        texts.sort(pl.col("sentiment_score").abs(), descending=True),
    ]
    reasons = ["impersonal complaint", "most negative", "most positive", "strong feeling"]
    chosen: list[pl.DataFrame] = []
    seen: set[str] = set()
    for candidate, why in zip(candidates, reasons, strict=True):
        for row in candidate.iter_slices(1):
            if len(chosen) >= count:
                break
            text = row["text"][0]
            if text not in seen:
                seen.add(text)
                chosen.append(row.with_columns(pl.lit(why).alias("why")))
                break
    if not chosen:
        return texts.head(0).with_columns(pl.lit("").alias("why"))
    return pl.concat(chosen).with_columns(redact_expr(pl.col("text")).alias("text"))
