"""Themes over time: per theme and period the volume, share, mean sentiment and impersonal share; the themes
rising against their trailing baseline; and the themes whose share changed most after each rollout.

Owners' edits apply here: a merged theme counts as the theme it was merged into (following chains), a
hidden theme is left out, and a theme shows the owner's name when it has one.
"""

from __future__ import annotations

import math
from datetime import timedelta

import polars as pl

from analysis.metrics import Z95, period_expr

MIN_RISING_COUNT = 5  # a theme needs this many items in the period to be called rising
RISING_ALPHA = 0.05  # one-sided two-proportion z-test against the trailing baseline
BASELINE_PERIODS = 4
ROLLOUT_WINDOW_DAYS = 28


def resolve_themes(topics: pl.DataFrame) -> pl.DataFrame:
    """For each topic id, the theme it counts as: columns topic_id, theme_id, theme (the owner's name or the
    label), hidden (of the theme it ends in), seed. `topics` is store.topics.read_topics."""
    rows = {row["id"]: row for row in topics.to_dicts()}
    resolved = []
    for topic_id in rows:
        target, seen = topic_id, {topic_id}
        while rows[target]["merged_into"] in rows and rows[target]["merged_into"] not in seen:
            target = rows[target]["merged_into"]
            seen.add(target)
        final = rows[target]
        resolved.append(
            {
                "topic_id": topic_id,
                "theme_id": target,
                "theme": final["custom_name"] or final["label"],
                "hidden": bool(final["hidden"]),
                "seed": final["seed"],
            }
        )
    schema = {"topic_id": pl.Int64, "theme_id": pl.Int64, "theme": pl.String, "hidden": pl.Boolean}
    return pl.DataFrame(resolved, schema={**schema, "seed": pl.String})


def add_theme(
    themed: pl.DataFrame, topics: pl.DataFrame, mentions: pl.DataFrame | None = None
) -> pl.DataFrame:
    """`themed` (store.topics.read_themed_feedback) with theme_id and theme: one row per item and theme it
    mentions (`mentions`: store.topics.read_theme_mentions; without them, its main theme only), with the
    sentiment of the sentences that mention the theme as `sentiment_score` and the item's own as
    `item_sentiment`. Mentions of hidden themes are dropped; an item without a theme keeps one row with a null
    theme (it still counts in the period's total)."""
    resolved = resolve_themes(topics).select("topic_id", "theme_id", "theme", "hidden")
    items = themed.with_columns(pl.col("sentiment_score").alias("item_sentiment"))
    if mentions is not None:
        items = items.drop("topic_id", "similarity").join(
            mentions.select(
                "feedback_id", "topic_id", "similarity", pl.col("sentiment_score").alias("mentioned")
            ),
            on="feedback_id",
            how="left",
        )
        items = items.with_columns(pl.coalesce("mentioned", "item_sentiment").alias("sentiment_score")).drop(
            "mentioned"
        )
    joined = items.join(resolved, on="topic_id", how="left").filter(~pl.col("hidden").fill_null(False))
    best = [pl.col("similarity").max()] if "similarity" in joined.columns else []
    merged = (
        joined.group_by("feedback_id", "theme_id", maintain_order=True)
        .agg(
            pl.all().exclude("sentiment_score", "similarity", "hidden").first(),
            pl.col("sentiment_score").mean(),
            *best,
        )
        .select([*themed.columns, "item_sentiment", "theme_id", "theme"])
    )
    return merged.sort("created_at", "feedback_id")


def item_count(frame: pl.DataFrame) -> int:
    """How many items `frame` (add_theme's, one row per item and theme) holds."""
    return frame["feedback_id"].n_unique() if frame.height else 0


def theme_periods(frame: pl.DataFrame, timezone: str = "UTC", by: str = "week") -> pl.DataFrame:
    """One row per theme and period with any of it: period, theme_id, theme, volume, total (themed or not,
    in the period), share, mean_sentiment, impersonal_share. `frame` is add_theme's."""
    with_period = frame.with_columns(period_expr(by, timezone))
    totals = with_period.group_by("period").agg(pl.col("feedback_id").n_unique().alias("total"))
    return (
        with_period.filter(pl.col("theme_id").is_not_null())
        .group_by("period", "theme_id", "theme")
        .agg(
            pl.len().alias("volume"),
            pl.col("sentiment_score").mean().alias("mean_sentiment"),
            pl.col("impersonal").cast(pl.Float64).mean().alias("impersonal_share"),
        )
        .join(totals, on="period")
        .with_columns((pl.col("volume") / pl.col("total")).alias("share"))
        .select(
            "period",
            "theme_id",
            "theme",
            "volume",
            "total",
            "share",
            "mean_sentiment",
            "impersonal_share",
        )
        .sort("period", "volume", descending=[False, True])
    )


def one_sided_p(z: float) -> float:
    """P(Z >= z) for a standard normal Z: scipy.stats.norm.sf(z), without importing scipy on the Themes
    page (tests/unit/analysis/test_themes.py checks that they agree)."""
    return 0.5 * math.erfc(z / math.sqrt(2))


def two_proportion_z(hits: int, total: int, base_hits: int, base_total: int) -> float:
    """The z statistic of hits/total against base_hits/base_total (pooled); 0 when undefined. statsmodels'
    proportions_ztest, without importing it (and scipy) on the Themes page; tests/unit/analysis/test_themes.py checks
    that they agree."""
    if not total or not base_total:
        return 0.0
    pooled = (hits + base_hits) / (total + base_total)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / total + 1 / base_total))
    return 0.0 if spread == 0 else (hits / total - base_hits / base_total) / spread


def rising_themes(
    periods: pl.DataFrame,
    baseline_periods: int = BASELINE_PERIODS,
    min_count: int = MIN_RISING_COUNT,
    alpha: float = RISING_ALPHA,
) -> pl.DataFrame:
    """Themes whose share in the latest period is significantly above their share in the `baseline_periods`
    before it (one-sided two-proportion z-test at `alpha`), with at least `min_count` items now: theme_id,
    theme, volume, share, baseline_share, change (points of share), p_value; biggest change first."""
    return _changed_themes(periods, baseline_periods, min_count, alpha, falling=False)


def falling_themes(
    periods: pl.DataFrame,
    baseline_periods: int = BASELINE_PERIODS,
    min_count: int = MIN_RISING_COUNT,
    alpha: float = RISING_ALPHA,
) -> pl.DataFrame:
    """Themes whose share in the latest period is significantly below their share in the `baseline_periods`
    before it (the same test the other way), with at least `min_count` items in the baseline (a theme that
    vanished counts): rising_themes's columns, the biggest fall first."""
    return _changed_themes(periods, baseline_periods, min_count, alpha, falling=True).sort("change")


CHANGED_SCHEMA = {
    "theme_id": pl.Int64,
    "theme": pl.String,
    "volume": pl.Int64,
    "share": pl.Float64,
    "baseline_share": pl.Float64,
    "change": pl.Float64,
    "p_value": pl.Float64,
}


def _changed_themes(
    periods: pl.DataFrame, baseline_periods: int, min_count: int, alpha: float, falling: bool
) -> pl.DataFrame:
    if periods.is_empty():
        return pl.DataFrame(schema=CHANGED_SCHEMA)
    all_periods = periods["period"].unique().sort()
    latest = all_periods[-1]
    baseline = all_periods.filter(all_periods < latest).tail(baseline_periods)
    total_now = int(periods.filter(pl.col("period") == latest)["total"][0])
    base_total = int(
        periods.filter(pl.col("period").is_in(baseline.to_list())).unique("period")["total"].sum()
    )
    now = periods.filter(pl.col("period") == latest).select("theme_id", "theme", "volume")
    before = (
        periods.filter(pl.col("period").is_in(baseline.to_list()))
        .group_by("theme_id")
        .agg(pl.col("volume").sum().alias("base_volume"), pl.col("theme").last().alias("base_theme"))
    )
    joined = (
        before.join(now, on="theme_id", how="left")
        if falling
        else now.join(before, on="theme_id", how="left")
    )
    rows = []
    for row in joined.iter_rows(named=True):
        hits, base_hits = row["volume"] or 0, row["base_volume"] or 0
        z = two_proportion_z(hits, total_now, base_hits, base_total)
        p_value = one_sided_p(-z if falling else z)
        if (base_hits if falling else hits) >= min_count and base_total and p_value < alpha:
            base_share = base_hits / base_total
            rows.append(
                {
                    "theme_id": row["theme_id"],
                    "theme": row["theme"] or row["base_theme"],
                    "volume": hits,
                    "share": hits / total_now,
                    "baseline_share": base_share,
                    "change": hits / total_now - base_share,
                    "p_value": p_value,
                }
            )
    return pl.DataFrame(rows, schema=CHANGED_SCHEMA).sort("change", descending=True)


def rollout_changes(
    frame: pl.DataFrame, rollouts: pl.DataFrame, window_days: int = ROLLOUT_WINDOW_DAYS, top: int = 3
) -> pl.DataFrame:
    """For each rollout, the `top` themes whose share changed most between the `window_days` before its
    start and the `window_days` after: rollout, started_on, theme_id, theme, share_before, share_after,
    change and its 95% interval (change_low, change_high; normal approximation), items_before, items_after.
    `frame` is add_theme's, `rollouts` store.rollouts.read_rollouts."""
    parts = []
    for rollout in rollouts.iter_rows(named=True):
        parts.append(_rollout_change(frame, rollout["name"], rollout["started_on"], window_days).head(top))
    parts = [part for part in parts if not part.is_empty()]
    return pl.concat(parts) if parts else pl.DataFrame(schema=ROLLOUT_CHANGE_SCHEMA)


ROLLOUT_CHANGE_SCHEMA = {
    "rollout": pl.String,
    "started_on": pl.Date,
    "theme_id": pl.Int64,
    "theme": pl.String,
    "share_before": pl.Float64,
    "share_after": pl.Float64,
    "change": pl.Float64,
    "change_low": pl.Float64,
    "change_high": pl.Float64,
    "items_before": pl.Int64,
    "items_after": pl.Int64,
}


def _rollout_change(frame: pl.DataFrame, name: str, started_on: object, window_days: int) -> pl.DataFrame:
    day = pl.col("created_at").dt.date()
    start = pl.lit(started_on).cast(pl.Date)
    before = frame.filter((day < start) & (day >= start - timedelta(days=window_days)))
    after = frame.filter((day >= start) & (day < start + timedelta(days=window_days)))
    if before.is_empty() or after.is_empty():
        return pl.DataFrame(schema=ROLLOUT_CHANGE_SCHEMA)
    counts_before = before.group_by("theme_id", "theme").agg(pl.len().alias("hits_before"))
    counts_after = after.group_by("theme_id", "theme").agg(pl.len().alias("hits_after"))
    n_before, n_after = item_count(before), item_count(after)
    joined = (
        counts_before.join(counts_after, on=["theme_id", "theme"], how="full", coalesce=True)
        .filter(pl.col("theme_id").is_not_null())
        .with_columns(pl.col("hits_before", "hits_after").fill_null(0))
        .with_columns(
            (pl.col("hits_before") / n_before).alias("share_before"),
            (pl.col("hits_after") / n_after).alias("share_after"),
        )
    )
    spread = (
        pl.col("share_before") * (1 - pl.col("share_before")) / n_before
        + pl.col("share_after") * (1 - pl.col("share_after")) / n_after
    ).sqrt()
    return (
        joined.with_columns((pl.col("share_after") - pl.col("share_before")).alias("change"))
        .with_columns(
            (pl.col("change") - Z95 * spread).alias("change_low"),
            (pl.col("change") + Z95 * spread).alias("change_high"),
            pl.lit(name).alias("rollout"),
            pl.lit(started_on).cast(pl.Date).alias("started_on"),
            pl.lit(n_before).cast(pl.Int64).alias("items_before"),
            pl.lit(n_after).cast(pl.Int64).alias("items_after"),
        )
        .sort(pl.col("change").abs(), descending=True)
        .select(list(ROLLOUT_CHANGE_SCHEMA))
    )
