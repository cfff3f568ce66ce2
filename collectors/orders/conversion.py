"""Order rows to orders, by columns, with the survey conversion's parts (collectors.surveys.conversion.Converter:
times, customers' hashes, raw payloads, the text of rejected rows).

A row is rejected for the first of: more cells than the header, empty, no date column, its date, its amount. A
row whose order id another row of the chunk already has is merged into that order (Shopify lists one row per line
item, with the order's totals on the first only): the order takes the first time, customer, amount, channel and
location given, the sum of the item counts and the items' names; a row of such an order with no date is one of
its lines, not a reject. An order's rows split by a chunk's end are kept together (`OrderChunks`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import polars as pl

from collectors.files import Unreadable
from collectors.surveys.conversion import (
    MAX_EXTERNAL_ID,
    Conversion,
    Converter,
    chunk_rows,
    content_key,
    text_values,
)
from collectors.values import norm
from store.orders import ORDER_RECORD_SCHEMA
from store.records import Rejected

FIELD_LIMITS = {"location": 200, "channel": 100}
_SHOPIFY_TIME = r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) ([+-]\d{2})(\d{2})$"  # 2024-01-15 10:23:45 -0500


@dataclass
class Converted:
    """One chunk's orders (ORDER_RECORD_SCHEMA, one row per order), its rejects, and the rows merged into an
    order that another row of the chunk already had."""

    records: pl.DataFrame
    rejects: list[Rejected]
    merged: int


class OrderConverter:
    """Converts chunks of one file's rows; customers' hashes are kept from chunk to chunk (the survey
    Converter's, so that an email gives the same hash in a survey and in an order)."""

    def __init__(
        self, conversion: Conversion, author_salt: str, channels: dict[str, str] | None = None
    ) -> None:
        self.base = Converter(conversion, author_salt)
        self.c = conversion
        self.channels = channels or {}

    def convert(self, chunk: pl.DataFrame) -> Converted:
        base, c = self.base, self.c
        order_id = text_values(base.cells(chunk, "order_id"))
        order_id = pl.select(pl.when(order_id.str.len_chars() <= MAX_EXTERNAL_ID).then(order_id)).to_series()
        dates = self.date_texts(chunk)
        ordered_at, date_error = base.moments(dates)
        amount, amount_error = read_amounts(base.cells(chunk, "amount"))
        fields = chunk.select("line", "over").with_columns(
            order_id=order_id,
            undated=dates == "",
            ordered_at=ordered_at,
            date_error=date_error,
            amount=amount,
            amount_error=amount_error,
            customer_hash=base.author_hash(base.cells(chunk, "customer")),
            author_hash=pl.lit(None, pl.String),
        )
        lines = fields["undated"].any()  # rows without a date may be further lines of a dated order
        line_of_order = (  # a line of an order whose other rows hold its date (Shopify's later line items)
            pl.col("undated")
            & pl.col("order_id").is_not_null()
            & pl.col("ordered_at").is_not_null().any().over("order_id")
        )
        failure = pl.coalesce(
            pl.lit(None if "ordered_at" in c.indexes else "no date column", pl.String),
            pl.when(~line_of_order).then("date_error") if lines else pl.col("date_error"),
            "amount_error",
        )
        fields = fields.with_columns(failure=failure, author_hash="customer_hash")
        if lines:
            usable = pl.col("failure").is_null() & pl.col("over").is_null()
            orphan = (  # a line of an order none of whose dated rows is imported
                usable
                & pl.col("ordered_at").is_null()
                & ~(usable & pl.col("ordered_at").is_not_null()).any().over("order_id")
            )
            fields = fields.with_columns(
                failure=pl.when(orphan).then(pl.col("date_error")).otherwise("failure")
            )
        kept = fields["failure"].is_null() & fields["over"].is_null()
        rejects = base.rejects(chunk.filter(~kept), fields.filter(~kept))
        records = self.records(chunk.filter(kept), fields.filter(kept))
        merged = records.height
        if records["external_id"].is_duplicated().any():
            records = _merge_lines(records)
        return Converted(records.select(list(ORDER_RECORD_SCHEMA)), rejects, merged - records.height)

    def date_texts(self, chunk: pl.DataFrame) -> pl.Series:
        """The date column's text ("" when empty), with the time-of-day column's after it (Square's "Date" and
        "Time"), and Shopify's "2024-01-15 10:23:45 -0500" written as ISO 8601 (read by polars, not per value)."""
        dates = self.base.cells(chunk, "ordered_at").str.strip_chars()
        if "time" in self.c.indexes:
            times = self.base.cells(chunk, "time").str.strip_chars()
            dates = pl.select(
                pl.when((dates != "") & (times != ""))
                .then(pl.concat_str(dates, pl.lit(" "), times))
                .otherwise(dates)
            ).to_series()
        return dates.str.replace(_SHOPIFY_TIME, "${1}T${2}${3}:${4}")

    def records(self, chunk: pl.DataFrame, fields: pl.DataFrame) -> pl.DataFrame:
        external_id = fields["order_id"]
        missing = external_id.is_null()
        if missing.any():  # rows without an order id (or with one too long): a hash of their cells
            hashes = [content_key(cells) for _line, cells in chunk_rows(chunk.filter(missing))]
            external_id = external_id.clone()
            external_id.scatter(missing.arg_true(), pl.Series(hashes, dtype=pl.String))
        count = text_values(self.base.cells(chunk, "item_count")).str.replace_all(",", "", literal=True)
        return pl.DataFrame(
            {
                "external_id": external_id,
                "customer_hash": fields["customer_hash"],
                "ordered_at": fields["ordered_at"],
                "amount": fields["amount"],
                "channel": self.channel(chunk),
                "location": self.short(chunk, "location"),
                "item_count": count.cast(pl.Float64, strict=False).round().cast(pl.Int64, strict=False),
                "items": text_values(self.base.cells(chunk, "items")),
                "raw": self.base.raw_json(chunk),
                "line": fields["line"],
            },
            schema={**ORDER_RECORD_SCHEMA, "line": pl.Int64},
        )

    def short(self, chunk: pl.DataFrame, field_name: str) -> pl.Series:
        return text_values(self.base.cells(chunk, field_name)).str.slice(0, FIELD_LIMITS[field_name])

    def channel(self, chunk: pl.DataFrame) -> pl.Series:
        """The channel as written, or as Pulse names it where the preset's value has a name (web -> online)."""
        channel = self.short(chunk, "channel")
        if not self.channels or channel.null_count() == len(channel):
            return channel
        keys = channel.unique().drop_nulls()
        named = pl.Series([self.channels.get(norm(value), value) for value in keys], dtype=pl.String)
        return channel.replace_strict(keys, named, default=None, return_dtype=pl.String)


def _merge_lines(records: pl.DataFrame) -> pl.DataFrame:
    """One row per order id: the first time, customer, amount, channel, location and raw given, the sum of the
    item counts and the items' names, in file order."""
    first = [
        pl.col(name).drop_nulls().first()
        for name in ("customer_hash", "ordered_at", "amount", "channel", "location", "raw")
    ]
    return (
        records.group_by("external_id", maintain_order=True)
        .agg(
            *first,
            pl.when(pl.col("item_count").is_not_null().any())
            .then(pl.col("item_count").sum())
            .alias("item_count"),
            pl.col("items").drop_nulls().str.join("; ").alias("items"),
            pl.col("line").first(),
        )
        .with_columns(pl.when(pl.col("items") != "").then(pl.col("items")).alias("items"))
    )


_US_THOUSANDS = r"^\d{1,3}(,\d{3})+(\.\d+)?$"  # 1,234.50
_EU_THOUSANDS = r"^\d{1,3}(\.\d{3})+(,\d+)?$|^\d{1,3}(\.\d{3}){2,}$"  # 1.234,50 or 1.234.567
_DECIMAL_COMMA = r"^\d+,\d{1,2}$"  # 12,50
_PLAIN = r"^(\d+(\.\d+)?|\.\d+)$"


def read_amounts(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Amounts as numbers, by columns: a currency sign or code, spaces and apostrophes are left out; a minus sign (before or
    after) or parentheses make it negative (a refund); 1,234.50, 1.234,50 and 12,50 are read as they are meant.
    Returns the amounts (null for an empty cell) and, per row, why its amount could not be read (else null)."""
    text = values.fill_null("").str.strip_chars()
    plain = text.cast(pl.Float64, strict=False)  # plain numbers, the common case: one cast
    if ((plain.is_not_null() & plain.is_finite()) | (text == "")).all():
        return plain, pl.repeat(None, len(text), dtype=pl.String, eager=True)
    without_code = text.str.replace(r"^[A-Za-z]{3}\s*", "").str.replace(
        r"\s*[A-Za-z]{3}$", ""
    )  # USD 7, 7 EUR
    other = without_code.str.contains(r"[^\d.,()+\-\s\p{Sc}']")  # any word but a currency code: not a number
    bare = text.str.replace_all(r"[^\d.,()+\-]", "")
    parenthesised = bare.str.contains(r"^\(.*\)$")
    negative = parenthesised | bare.str.contains(r"^[(]?-|-[)]?$")
    digits = bare.str.replace_all(r"[()+\-]", "")
    number = pl.select(
        pl.when(digits.str.contains(_PLAIN))
        .then(digits)
        .when(digits.str.contains(_US_THOUSANDS))
        .then(digits.str.replace_all(",", "", literal=True))
        .when(digits.str.contains(_EU_THOUSANDS))
        .then(digits.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
        .when(digits.str.contains(_DECIMAL_COMMA))
        .then(digits.str.replace(",", ".", literal=True))
    ).to_series()
    signs = bare.str.count_matches(r"[+\-]")
    amount = pl.select(
        pl.when((signs <= 1) & ~other).then(
            number.cast(pl.Float64, strict=False) * pl.when(negative).then(-1.0).otherwise(1.0)
        )
    ).to_series()
    error = pl.select(
        pl.when((text != "") & amount.is_null()).then(
            pl.concat_str(pl.lit("amount '"), text.str.slice(0, 40), pl.lit("' is not a number"))
        )
    ).to_series()
    return amount, error


def amount_share(values: list[object]) -> float:
    """The share of cells that read as an amount (for detection on the first rows)."""
    if not values:
        return 0.0
    texts = pl.Series([str(value) for value in values], dtype=pl.String)
    amounts, _errors = read_amounts(texts)
    return 1 - amounts.null_count() / len(values)


class OrderChunks:
    """A file's chunks with each order's rows kept together: the rows at a chunk's end that share the order id
    of its last row wait for the next chunk, where the rest of that order's lines are."""

    def __init__(
        self, chunks: Iterator[tuple[pl.DataFrame, list[Unreadable]]], id_column: str | None
    ) -> None:
        self.inner, self.id_column = chunks, id_column

    def __iter__(self) -> Iterator[tuple[pl.DataFrame, list[Unreadable]]]:
        held: pl.DataFrame | None = None
        for frame, skipped in self.inner:
            if held is not None:
                frame = pl.concat([held, frame], how="vertical_relaxed")
                held = None
            if self.id_column is not None and frame.height:
                frame, held = _split_last_order(frame, self.id_column)
            yield frame, skipped
        if held is not None and held.height:
            yield held, []


def _split_last_order(frame: pl.DataFrame, column: str) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """The frame without its trailing rows of its last row's order id, and those rows (None when the last row
    has no order id)."""
    ids = frame[column]
    last = ids[-1]
    if last is None:
        return frame, None
    other = (ids != last).fill_null(True)
    start = int(other.arg_true().max() or 0) + 1 if other.any() else 0
    return frame.slice(0, start), frame.slice(start)
