"""The team's label corrections as a labelled training file, in the format of the project's labelled data, so
that a business can retrain the scorers on its own customers' words:

- impersonal: `id, source, text, label, note, licence` (`../shared/data/impersonal_dev2.csv`): label 1 for an
  impersonal-experience complaint, else 0;
- sentiment: `id, text, label, stars` (`../shared/data/sentiment_train/`): negative, neutral or positive.

`id` is `pulse-<feedback id>`. Items without text teach nothing and are left out (and counted). Written by
pulse.tables as every CSV of Pulse is, safe to open in a spreadsheet: a text that starts with = + - @ gets a
leading quote, which `pulse.tables.undo_csv_safe` takes off again when the file is read for training."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

LICENCE = "your own customers' feedback, labelled by your team - train ok"
FIELDS = ("impersonal", "sentiment")


@dataclass(frozen=True)
class TrainingFile:
    rows: pl.DataFrame  # the file's columns
    without_text: int  # corrections of items that have no text, left out


def training_rows(corrected: pl.DataFrame, field: str) -> TrainingFile:
    """The training file's rows from store.explorer.read_corrected_items(engine, field)."""
    has_text = corrected.filter(pl.col("text").str.strip_chars().str.len_chars() > 0)
    ids = pl.format("pulse-{}", pl.col("feedback_id")).alias("id")
    if field == "impersonal":
        rows = has_text.select(
            ids,
            "source",
            "text",
            (pl.col("value") == "true").cast(pl.Int8).alias("label"),
            pl.format("corrected by {} on {}", "corrected_by", pl.col("corrected_at").dt.date()).alias(
                "note"
            ),
            pl.lit(LICENCE).alias("licence"),
        )
    elif field == "sentiment":
        rows = has_text.select(ids, "text", pl.col("value").alias("label"), "stars")
    else:
        raise ValueError(f"no training file for {field!r}: {', '.join(FIELDS)}")
    return TrainingFile(rows, corrected.height - has_text.height)
