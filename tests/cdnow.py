"""The CDNOW sample (tests/fixtures/cdnow/) as the orders frame, built by hand until the orders importer reads it."""

from __future__ import annotations

from pathlib import Path

import polars as pl

CDNOW_SAMPLE = Path(__file__).resolve().parent / "fixtures" / "cdnow" / "CDNOW_sample.txt"
LINE = r"^\s*(?<master_id>\d+)\s+(?<customer>\d+)\s+(?<day>\d{8})\s+(?<cds>\d+)\s+(?<amount>[\d.]+)\s*$"


def cdnow_orders() -> pl.DataFrame:
    """The orders frame of the 6,919 CDNOW purchases of 2,357 customers (January 1997 to June 1998): the
    sample's customer number as customer_hash, the day at midnight UTC, the dollar value as amount."""
    lines = pl.read_csv(CDNOW_SAMPLE, has_header=False, new_columns=["line"], separator="\t")
    fields = lines.select(pl.col("line").str.extract_groups(LINE)).unnest("line")
    return fields.select(
        order_id=pl.format("{}-{}", "customer", pl.int_range(pl.len())),
        source_id=pl.lit(1, dtype=pl.Int64),
        customer_hash=pl.col("customer").str.strip_chars_start("0"),
        ordered_at=pl.col("day").str.strptime(pl.Date, "%Y%m%d").cast(pl.Datetime("us", "UTC")),
        amount=pl.col("amount").cast(pl.Float64),
        channel=pl.lit(None, dtype=pl.String),
        location=pl.lit(None, dtype=pl.String),
    )
