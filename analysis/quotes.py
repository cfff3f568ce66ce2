"""Quotes: the customer comments put in front of people. `pick_quotes` chooses the few that best show how a
period went (the Pulse page); `representative_quotes` the ones closest to each theme's centroid (the Themes
page and the handout). Both keep only comments long enough to say something, leave out repeats, and redact
emails, phone and card numbers and @handles (analysis.personal_data) before anyone sees them."""

from __future__ import annotations

import polars as pl

from analysis.personal_data import redact_expr

MIN_WORDS = 6  # a notable comment of the period
THEME_MIN_WORDS = 4  # a theme's quote
QUOTE_CHARS = 220


def has_words(minimum: int) -> pl.Expr:
    """Whether `text` has at least `minimum` words."""
    return pl.col("text").str.count_matches(r"\S+") >= minimum


def shorten(text: str, max_chars: int = QUOTE_CHARS) -> str:
    """`text` cut at a word boundary to at most `max_chars` characters, with an ellipsis when cut."""
    if len(text) <= max_chars:
        return text
    return text[: max_chars - 1].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"


CONFIDENT = 0.85  # a quote called most negative or most positive: the scorer's probability of that class
STRONG_SCORE = 0.5  # the same from a scorer without probabilities (VADER): its score, either way
# the customer's own score, where they gave one, that a negative or a positive quote must not contradict
NEGATIVE_SCORES = {"nps": 6, "csat": 3, "stars": 3}  # at most
POSITIVE_SCORES = {"nps": 9, "csat": 4, "stars": 4}  # at least


def confidently(frame: pl.DataFrame, sentiment: str) -> pl.DataFrame:
    """The rows scored `sentiment` ("negative" or "positive") with a probability of at least CONFIDENT (a score
    of STRONG_SCORE or more that way where the scorer gave no probabilities), whose
    writer's own NPS, CSAT or stars (where given) say the same: a misread text ("arived 10 mins early, no
    complaints", read negative, from a customer who gave 8 out of 10) never headlines the week."""
    column = f"sentiment_p_{sentiment}"
    probability = pl.col(column) if column in frame.columns else pl.lit(None, dtype=pl.Float64)
    score = pl.col("sentiment_score")
    strong = score <= -STRONG_SCORE if sentiment == "negative" else score >= STRONG_SCORE
    kept = frame.filter(pl.when(probability.is_null()).then(strong).otherwise(probability >= CONFIDENT))
    for column, bound in (NEGATIVE_SCORES if sentiment == "negative" else POSITIVE_SCORES).items():
        if column in frame.columns:
            agrees = pl.col(column) <= bound if sentiment == "negative" else pl.col(column) >= bound
            kept = kept.filter(pl.col(column).is_null() | agrees)
    return kept


def pick_quotes(frame: pl.DataFrame, count: int = 3) -> pl.DataFrame:
    """Up to `count` distinct comments: the strongest impersonal complaint, the most negative and the most
    positive comment among those scored confidently (confidently), then the next strongest by
    |sentiment_score| among those.

    `frame` has text, sentiment_score and impersonal (and, where known, the sentiment's probabilities and the
    writer's nps, csat and stars); returns its rows with a `why` column, their text redacted of emails, phone
    and card numbers and @handles.
    """
    texts = frame.filter(
        pl.col("text").is_not_null() & pl.col("sentiment_score").is_not_null() & has_words(MIN_WORDS)
    ).unique("text", keep="first", maintain_order=True)
    if texts.is_empty():
        return texts.with_columns(pl.lit("").alias("why"))
    negative, positive = confidently(texts, "negative"), confidently(texts, "positive")
    candidates = [
        texts.filter(pl.col("impersonal")).sort(
            "impersonal_score", "sentiment_score", descending=[True, False]
        ),
        negative.sort("sentiment_score"),
        positive.sort("sentiment_score", descending=True),
        pl.concat([negative, positive]).sort(pl.col("sentiment_score").abs(), descending=True),
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


def representative_quotes(
    frame: pl.DataFrame, per_topic: int = 3, min_words: int = THEME_MIN_WORDS
) -> pl.DataFrame:
    """The `per_topic` texts of each theme closest to its centroid, distinct (ignoring case and
    punctuation), redacted and shortened. `frame` has columns theme, text and similarity; returns theme,
    quote, similarity."""
    return (
        frame.filter(has_words(min_words))
        .with_columns(
            pl.col("text").str.to_lowercase().str.replace_all(r"[^\w]+", " ").str.strip_chars().alias("key")
        )
        .sort("theme", "similarity", descending=[False, True])
        .unique(["theme", "key"], keep="first", maintain_order=True)
        .group_by("theme", maintain_order=True)
        .head(per_topic)
        .with_columns(
            redact_expr(pl.col("text")).map_elements(shorten, return_dtype=pl.String).alias("quote")
        )
        .select("theme", "quote", "similarity")
    )
