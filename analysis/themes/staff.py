"""Staff hear it too: how many staff observations (store/observations.py) mention each of the customers' themes,
beside the customers' own count, with a few of the staff's words. Numbers only, from frames; the Themes page
shows them. Staff observations never count in the customers' figures: the customers' count here is the themes
report's volume, which is read without them.

An observation mentions a theme when the pipeline themed it so (its main theme and every theme its sentences
mention, as a customer's comment: analysis.themes.trends.add_theme) or when the staff member picked that
theme by its name on the Observations page. Owners' edits apply as everywhere: a merged theme counts as the
theme it was merged into, a hidden one is left out.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from analysis.personal_data import redact_expr
from analysis.quotes import shorten
from analysis.themes.trends import add_theme, resolve_themes

STAFF_QUOTES = 2  # per theme: the newest observations that mention it

STAFF_MENTIONS_SCHEMA: dict[str, Any] = {
    "feedback_id": pl.Int64,
    "created_at": pl.Datetime("us", "UTC"),
    "text": pl.String,
    "reported_by": pl.String,
    "theme_id": pl.Int64,
}
STAFF_SUMMARY_SCHEMA: dict[str, Any] = {
    "theme_id": pl.Int64,
    "theme": pl.String,
    "customers": pl.Int64,
    "staff": pl.Int64,
    "quotes": pl.List(pl.String),
    "reported_by": pl.List(pl.String),
    "quoted_at": pl.List(pl.Datetime("us", "UTC")),
}


def theme_names(topics: pl.DataFrame) -> list[str]:
    """The names of the themes a staff member may pick (store.topics.read_topics, centroids or not): each
    visible theme once, by the owner's name or its label, sorted."""
    if topics.is_empty():
        return []
    names = resolve_themes(topics).filter(~pl.col("hidden"))["theme"].unique()
    return sorted(names.to_list(), key=str.casefold)


def staff_theme_mentions(
    themed: pl.DataFrame,
    observations: pl.DataFrame,
    topics: pl.DataFrame,
    mentions: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per staff observation and theme it mentions (STAFF_MENTIONS_SCHEMA): feedback_id, created_at,
    text, reported_by, theme_id. `observations` are store.observations.read_observations' (those in view);
    `themed` the pipeline's themes of staff observations (store.topics.read_themed_feedback of kind staff);
    `mentions` every theme an item mentions (store.topics.read_theme_mentions)."""
    if observations.is_empty() or topics.is_empty():
        return pl.DataFrame(schema=STAFF_MENTIONS_SCHEMA)
    in_view = themed.filter(pl.col("feedback_id").is_in(observations["id"].implode()))
    by_pipeline = add_theme(in_view, topics, mentions).select("feedback_id", "theme_id")
    names = resolve_themes(topics).filter(~pl.col("hidden"))
    # a picked name stands for the theme that shows it (the first by id where two themes share a name)
    by_name = names.sort("theme_id").unique("theme", keep="first").select("theme", "theme_id")
    picked = (
        observations.filter(pl.col("theme").is_not_null())
        .join(by_name, on="theme", how="inner")
        .select(pl.col("id").alias("feedback_id"), "theme_id")
    )
    found = (
        pl.concat([by_pipeline.cast({"theme_id": pl.Int64}), picked.cast({"theme_id": pl.Int64})])
        .filter(pl.col("theme_id").is_not_null())
        .unique()
    )
    return (
        found.join(
            observations.select(pl.col("id").alias("feedback_id"), "created_at", "text", "reported_by"),
            on="feedback_id",
        )
        .select(list(STAFF_MENTIONS_SCHEMA))
        .cast(pl.Schema(STAFF_MENTIONS_SCHEMA))
        .sort("created_at", "feedback_id", "theme_id", descending=[True, True, False])
    )


def staff_theme_summary(
    summary: pl.DataFrame, staff: pl.DataFrame, quotes: int = STAFF_QUOTES
) -> pl.DataFrame:
    """For each theme of `summary` (analysis.themes.ThemeReport.summary: the customers' themes in view, in its
    order), STAFF_SUMMARY_SCHEMA: theme_id, theme, customers (the report's volume), staff (the observations of
    `staff`, staff_theme_mentions', that mention it; 0 when none), and up to `quotes` of those observations,
    newest first, redacted of personal data and shortened (`quotes`), with who reported each (`reported_by`:
    for editors only) and when (`quoted_at`)."""
    if summary.is_empty():
        return pl.DataFrame(schema=STAFF_SUMMARY_SCHEMA)
    counts = staff.group_by("theme_id").agg(pl.col("feedback_id").n_unique().alias("staff"))
    newest = (
        staff.sort("created_at", "feedback_id", descending=True)
        .unique(["theme_id", "feedback_id"], keep="first", maintain_order=True)
        .group_by("theme_id", maintain_order=True)
        .head(quotes)
        .with_columns(
            redact_expr(pl.col("text")).map_elements(shorten, return_dtype=pl.String).alias("quote")
        )
        .group_by("theme_id", maintain_order=True)
        .agg(
            pl.col("quote").alias("quotes"),
            pl.col("reported_by").alias("reported_by"),
            pl.col("created_at").alias("quoted_at"),
        )
    )
    return (
        summary.select("theme_id", "theme", pl.col("volume").alias("customers"))
        .join(counts, on="theme_id", how="left", maintain_order="left")
        .join(newest, on="theme_id", how="left", maintain_order="left")
        .with_columns(
            pl.col("staff").fill_null(0),
            pl.col("quotes").fill_null([]),
            pl.col("reported_by").fill_null([]),
            pl.col("quoted_at").fill_null([]),
        )
        .select(list(STAFF_SUMMARY_SCHEMA))
        .cast(pl.Schema(STAFF_SUMMARY_SCHEMA))
    )
