"""Survey answers already stored under another timestamp: a re-export keeps each response's id but may write its
time differently (a spreadsheet that drops the seconds, an export in another time zone or without one).

A survey row with a response id is keyed `<response id>|<UTC time>` (conversion.response_key), so such a row
would get a new key and be stored a second time. Before the rows go to the store, a row whose response id
is already stored in the source with a time within SAME_RESPONSE_WITHIN of its own takes the stored key, so the
store counts it as already there. The same id far from the stored time is another response (ids that are row
numbers, renumbered in another export) and is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import polars as pl

from store.records import FeedbackFrame

SAME_RESPONSE_WITHIN = timedelta(hours=14)  # the widest gap between two time zones' readings of one moment
_RESPONSE_KEY = r"^(.*)\|([^|]*)$"


class StoredResponses:
    """The keys stored for one source, to align a new file's keys with them. Only rows whose own key is not
    stored are looked at, and the stored keys are split into response and time only when such a row has a
    response id (an import of rows all stored already costs one lookup per batch)."""

    def __init__(self, external_ids: Sequence[str]) -> None:
        self.ids = pl.Series("stored", external_ids, dtype=pl.String)
        self.known = frozenset(
            external_ids
        )  # hashed once: `is_in` would hash every stored key for each batch
        self._stored: pl.DataFrame | None = None

    @property
    def stored(self) -> pl.DataFrame:
        """response, stored key and its time, for the stored keys that are response keys."""
        if self._stored is None:
            self._stored = (
                pl.DataFrame({"stored": self.ids})
                .select(pl.col("stored").str.extract(_RESPONSE_KEY, 1).alias("response"), "stored")
                .drop_nulls()
            )
        return self._stored

    def align(self, records: FeedbackFrame) -> FeedbackFrame:
        """`records` with the stored key in place of their own where they are a stored response."""
        if self.ids.is_empty():
            return records
        aligned = self._align_frame(records.frame)
        return records if aligned is records.frame else FeedbackFrame(aligned)

    def _align_frame(self, batch: pl.DataFrame) -> pl.DataFrame:
        known = pl.Series("known", [key in self.known for key in batch["external_id"]], dtype=pl.Boolean)
        rows = (
            batch.select(
                pl.int_range(pl.len(), dtype=pl.UInt32).alias("row"),
                pl.col("external_id").str.extract(_RESPONSE_KEY, 1).alias("response"),
                "created_at",
            )
            .with_columns(known)
            .filter(~pl.col("known") & pl.col("response").is_not_null())
            .drop("known")
        )
        if rows.is_empty():
            return batch
        near = (
            rows.join(self.stored, on="response", how="inner")
            .with_columns(_stored_time().alias("stored_at"))
            .with_columns((pl.col("created_at") - pl.col("stored_at")).abs().alias("gap"))
            .filter(pl.col("gap") <= SAME_RESPONSE_WITHIN)
            .sort("gap")
            .unique("row", keep="first")
        )
        if near.is_empty():
            return batch
        keys = batch["external_id"].clone()
        keys.scatter(near["row"], near["stored"])
        return batch.with_columns(keys)


def _stored_time() -> pl.Expr:
    """The UTC time written in a stored response key."""
    return (
        pl.col("stored")
        .str.extract(_RESPONSE_KEY, 2)
        .str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%:z", time_zone="UTC", strict=False)
        .dt.cast_time_unit("us")
    )
