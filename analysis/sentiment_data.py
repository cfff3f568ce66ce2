"""The labelled customer feedback the sentiment scorer is trained and checked on: ../shared/data/sentiment_train/
(its README gives each file's source, licence and labels). Only two files may train a shipped model
(TRAIN_FILES); the others are read for evaluation only (EVALUATION_FILES), never to fit weights or settings.

A source is what leave-one-source-out holds out: the UCI file is three sources (its Yelp, Amazon and IMDb
sentences, by the site in the id `kotzias-<site>-<line>`), every other file is one.

Stars are mapped to classes by STAR_CLASSES: 1-2 negative, 3 neutral, 4-5 positive (the data's own rule; see
analysis/models/README.md for why 3 stars stay neutral). Files whose texts are too many to embed on 2 cores in
one sitting are read as a fixed, stratified sample (`sample_rows`): per star (or label), the rows whose
seeded hash of the id is lowest, in proportion to the stratum's share, so a larger sample contains a smaller one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

SENTIMENT_TRAIN_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "sentiment_train"
TRAIN_FILES = ("uci_sentiment_labelled_sentences.csv", "womens_ecommerce_clothing_reviews.csv")
EVALUATION_FILES = ("zomato_hyderabad_restaurant_reviews.csv", "tripadvisor_hotel_reviews.csv")
LABEL_CLASSES = {"negative": 0, "neutral": 1, "positive": 2}
STAR_CLASSES = {1: 0, 2: 0, 3: 1, 4: 2, 5: 2}
SAMPLE_SEED = "pulse-sentiment-2026"
# rows read per file (None: all of them): what 2 shared cores could embed, whole texts and segments, in the time
SAMPLE_SIZES: dict[str, int | None] = {
    "uci_sentiment_labelled_sentences.csv": None,
    "womens_ecommerce_clothing_reviews.csv": 3000,
    "zomato_hyderabad_restaurant_reviews.csv": 1000,
    "tripadvisor_hotel_reviews.csv": 1000,
}


@dataclass(frozen=True)
class LabelledSource:
    """The texts of one source, their class (0 negative, 1 neutral, 2 positive) and stars (NaN if none)."""

    name: str
    texts: list[str]
    classes: np.ndarray
    stars: np.ndarray

    @property
    def target(self) -> np.ndarray:
        """What Pearson r is measured against: the stars where there are stars, else the class (0 or 2)."""
        return np.where(np.isnan(self.stars), self.classes.astype(np.float64), self.stars)


def read_labelled_file(file_name: str, data_dir: Path = SENTIMENT_TRAIN_DIR) -> pl.DataFrame:
    """One file of sentiment_train: columns id, text, label, stars (Int64, null where none)."""
    return pl.read_csv(
        data_dir / file_name,
        schema={"id": pl.String, "text": pl.String, "label": pl.String, "stars": pl.Int64},
    ).filter(pl.col("text").is_not_null() & (pl.col("text").str.strip_chars() != ""))


def sample_key(row_id: str) -> str:
    return hashlib.sha256(f"{SAMPLE_SEED}:{row_id}".encode()).hexdigest()


def sample_rows(frame: pl.DataFrame, size: int | None) -> pl.DataFrame:
    """A stratified sample of `size` rows (by stars, or by label where there are no stars), in file order."""
    if size is None or size >= frame.height:
        return frame
    stratum = pl.coalesce(pl.col("stars").cast(pl.String), pl.col("label"))
    keyed = frame.with_columns(
        stratum.alias("_stratum"),
        pl.col("id").map_elements(sample_key, return_dtype=pl.String).alias("_key"),
        pl.int_range(pl.len()).alias("_row"),
    )
    shares = keyed.group_by("_stratum").len()
    quota = {row["_stratum"]: round(size * row["len"] / frame.height) for row in shares.iter_rows(named=True)}
    kept = (
        keyed.sort("_key")
        .with_columns(pl.int_range(pl.len()).over("_stratum").alias("_rank"))
        .filter(pl.col("_rank") < pl.col("_stratum").replace_strict(quota, return_dtype=pl.Int64))
        .sort("_row")
    )
    return kept.drop("_stratum", "_key", "_row", "_rank")


def source_name(row_id: str) -> str:
    """`kotzias-yelp-0001` -> `uci-yelp`; `wecr-00000` -> `clothing`; other files: their id prefix."""
    prefix, _, rest = row_id.partition("-")
    if prefix == "kotzias":
        return f"uci-{rest.partition('-')[0]}"
    return {"wecr": "clothing"}.get(prefix, prefix)


def to_source(name: str, frame: pl.DataFrame) -> LabelledSource:
    """The class of a row with stars comes from its stars (STAR_CLASSES), of one without from its label."""
    classes = [
        STAR_CLASSES[stars] if stars is not None else LABEL_CLASSES[label]
        for stars, label in frame.select("stars", "label").iter_rows()
    ]
    stars = frame["stars"].cast(pl.Float64).fill_null(float("nan")).to_numpy()
    return LabelledSource(name, frame["text"].to_list(), np.array(classes, dtype=np.int64), stars)


def read_sources(
    file_names: tuple[str, ...], data_dir: Path = SENTIMENT_TRAIN_DIR
) -> dict[str, LabelledSource]:
    """The sources of `file_names` (each sampled as SAMPLE_SIZES says), by name, in file order."""
    sources: dict[str, LabelledSource] = {}
    for file_name in file_names:
        frame = sample_rows(read_labelled_file(file_name, data_dir), SAMPLE_SIZES.get(file_name))
        frame = frame.with_columns(
            pl.col("id").map_elements(source_name, return_dtype=pl.String).alias("_source")
        )
        for (name,), part in frame.group_by("_source", maintain_order=True):
            sources[str(name)] = to_source(str(name), part.drop("_source"))
    return sources
