"""What each measure counts, defined once: the scales of the answers, what a promoter, a detractor, a satisfied
and an easy answer is, and the counts and sums per day that every figure is derived from.

Everything else is derived from these definitions: the SQL that store/daily_counts.py runs to count the days
(`store.daily_counts.count_expressions`), the polars that analysis/metrics.py runs on feedback rows
(`analysis.metrics.count_exprs`), the columns of the daily_counts table (store/schema.py), the ranges that the
store accepts (store/feedback.py) and the per-answer values of the rollout impacts (analysis/impact/).

The daily counts keep each band's count (promoters, detractors, ...), not a histogram of every score: a
histogram would add 28 columns to the table that every page reads, for no figure that needs it (the rollout
impacts fit on a day's promoters, passives and detractors). Changing a band is a schema change: a migration
whose upgrade recounts the days.

Plain data, and polars expressions built from it: this module imports nothing of Pulse's layers.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class Scale:
    """The whole numbers an answer in `column` can take, from `low` to `high`."""

    column: str
    low: int
    high: int


NPS = Scale("nps", 0, 10)  # Net Promoter Score: how likely to recommend
CSAT = Scale("csat", 1, 5)  # customer satisfaction
CES = Scale("ces", 1, 7)  # Customer Effort Score: 7 is the easiest
STARS = Scale("stars", 1, 5)  # a review's stars
SCALES = (NPS, CSAT, STARS, CES)


@dataclass(frozen=True)
class Band:
    """The answers on `scale` from `at_least` to `at_most` (None: no bound on that side)."""

    scale: Scale
    at_least: int | None = None
    at_most: int | None = None

    @property
    def column(self) -> str:
        return self.scale.column

    def expr(self) -> pl.Expr:
        """True where the answer is in the band, False where it is not, null where there is no answer."""
        answer = pl.col(self.column)
        conditions = []
        if self.at_least is not None:
            conditions.append(answer >= self.at_least)
        if self.at_most is not None:
            conditions.append(answer <= self.at_most)
        return pl.all_horizontal(conditions) if len(conditions) > 1 else conditions[0]


PROMOTER = Band(NPS, at_least=9)  # NPS 9-10
DETRACTOR = Band(NPS, at_most=6)  # NPS 0-6 (7-8: passive)
SATISFIED = Band(CSAT, at_least=4)  # CSAT 4-5
EASY = Band(CES, at_least=5)  # CES 5-7
NEGATIVE_SENTIMENT = "negative"  # the scorer's label of a negative text (scores.sentiment)
# An unsure impersonal call: analysis.impersonal's score (0..1) from UNSURE_BELOW under the flag threshold
# (analysis.impersonal_threshold.FLAG_AT, chosen by source) to UNSURE_ABOVE over it (its unsure_band): a
# flag on weak evidence alone (a weak keyword, a paraphrase near the floor) or a near miss (praise that resembles
# a complaint, halved). At 0.55 (0.25 to 0.6), on impersonal_dev2.csv's train-allowed rows (2026-12-05, detector
# v3), the flags in the band held 4 complaints in 7, the others 120 in 158 (76%). The Explorer lists them as
# "Needs a look".
UNSURE_BELOW = 0.3
UNSURE_ABOVE = 0.05


# --- the counts per day ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    """A column of the daily counts: how many of a group's items have an answer in `column` (every item when
    `column` is None); only those in `band`, or equal to `value`, when given."""

    name: str
    column: str | None = None
    band: Band | None = None
    value: str | bool | None = None


@dataclass(frozen=True)
class Sum:
    """A column of the daily counts: the sum of the values in `column` (of their squares when `squared`). With
    their count (a Count), a mean and a standard deviation follow. `whole` when the values are whole numbers."""

    name: str
    column: str
    squared: bool = False
    whole: bool = True


# each mean, and the column it is the mean of
MEANS = {"ces": CES.column, "stars": STARS.column, "sentiment": "sentiment_score"}

# The columns of the daily counts, in the daily_counts table's order: what every figure is derived from.
DAILY_COUNTS: tuple[Count | Sum, ...] = (
    Count("n"),
    Count("nps_n", NPS.column),
    Count("promoters", NPS.column, band=PROMOTER),
    Count("detractors", NPS.column, band=DETRACTOR),
    Count("csat_n", CSAT.column),
    Count("satisfied", CSAT.column, band=SATISFIED),
    Count("ces_n", CES.column),
    Count("ces_easy", CES.column, band=EASY),
    Sum("ces_sum", CES.column),
    Sum("ces_squares", CES.column, squared=True),
    Count("stars_n", STARS.column),
    Sum("stars_sum", STARS.column),
    Sum("stars_squares", STARS.column, squared=True),
    Count("sentiment_n", "sentiment_score"),
    Count("scored_n", "sentiment"),
    Count("negative", "sentiment", value=NEGATIVE_SENTIMENT),
    Count("impersonal_count", "impersonal", value=True),
    Count("corrected_n", "corrected", value=True),  # items whose sentiment or impersonal label a person set
    Sum("sentiment_sum", "sentiment_score", whole=False),
    Sum("sentiment_squares", "sentiment_score", squared=True, whole=False),
)
COUNT_COLUMNS = [column.name for column in DAILY_COUNTS if isinstance(column, Count)]
MOMENT_COLUMNS = [f"{name}_{part}" for name in MEANS for part in ("sum", "squares")]
SUM_COLUMNS = [*COUNT_COLUMNS, *MOMENT_COLUMNS]  # additive: a week's are the sums of its days
WHOLE_COLUMNS = [column.name for column in DAILY_COUNTS if isinstance(column, Count) or column.whole]
FLOAT_COLUMNS = [column.name for column in DAILY_COUNTS if column.name not in WHOLE_COLUMNS]


def count_expr(column: Count | Sum) -> pl.Expr:
    """A column of the daily counts over a group of feedback rows, in polars: counts are unsigned integers,
    sums are floats."""
    if isinstance(column, Sum):
        values = pl.col(column.column).cast(pl.Float64)
        return (values * values if column.squared else values).sum().alias(column.name)
    if column.column is None:
        return pl.len().alias(column.name)
    if column.band is not None:
        return column.band.expr().sum().alias(column.name)
    if column.value is not None:
        return (pl.col(column.column) == column.value).sum().alias(column.name)
    return pl.col(column.column).is_not_null().sum().alias(column.name)


# Each scored text's probability of each sentiment class, 0..1, negative, neutral, positive (the order of
# analysis.sentiment.LABELS): columns of the scores table (revision 0011), null where the scorer has none
# (VADER alone) and for scores from before.
SENTIMENT_PROBABILITY_COLUMNS = ("sentiment_p_negative", "sentiment_p_neutral", "sentiment_p_positive")
