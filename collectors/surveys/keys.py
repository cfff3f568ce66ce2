"""Survey answers already stored under another timestamp: a re-export keeps each response's id but may write its
time differently (a spreadsheet that drops the seconds, an export in another time zone or without one).

A survey row with a response id is keyed `<response id>|<UTC time>` (collectors.surveys.conversion.response_key), so such a
row would get a new key and be stored a second time. Before the rows go to the store, a row whose response id
is already stored in the source with a time within SAME_RESPONSE_WITHIN of its own takes the stored key, so the
store counts it as already there. The same id far from the stored time is another response (ids that are row
numbers, renumbered in another export) and is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import polars as pl

from store.feedback import FeedbackRecord, Records

SAME_RESPONSE_WITHIN = timedelta(hours=14)  # the widest gap between two time zones' readings of one moment
_RESPONSE_KEY = r"^(.*)\|([^|]*)$"


class StoredResponses:
    """The keys stored for one source, to align a new file's keys with them. Only rows whose own key is not
    stored are looked at, and the stored keys are split into response and time only when such a row has a
    response id (an import of rows all stored already costs one lookup per batch)."""

    def __init__(self, external_ids: Sequence[str]) -> None:
        self.ids = pl.Series("stored", external_ids, dtype=pl.String)
        self._stored: pl.DataFrame | None = None
        self._id_set: set[str] | None = None
        self._by_response: dict[str, list[tuple[str, datetime]]] | None = None

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

    def align(self, records: Records) -> Records:
        """`records` with the stored key in place of their own where they are a stored response."""
        if self.ids.is_empty():
            return records
        if isinstance(records, pl.DataFrame):
            return self._align_frame(records)
        return [self._align_record(record) for record in records]  # type: ignore[union-attr]

    def _align_frame(self, batch: pl.DataFrame) -> pl.DataFrame:
        rows = (
            batch.select(
                pl.int_range(pl.len(), dtype=pl.UInt32).alias("row"),
                pl.col("external_id").str.extract(_RESPONSE_KEY, 1).alias("response"),
                "created_at",
                pl.col("external_id").is_in(self.ids.implode()).alias("known"),
            )
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

    def _align_record(self, record: FeedbackRecord) -> FeedbackRecord:
        if self._id_set is None:
            self._id_set = set(self.ids)
        response, separator, _moment = record.external_id.rpartition("|")
        if not separator or record.external_id in self._id_set:
            return record
        if self._by_response is None:
            times = self.stored.select("response", "stored", _stored_time().alias("stored_at")).drop_nulls()
            self._by_response = {}
            for stored_response, stored, stored_at in times.iter_rows():
                self._by_response.setdefault(stored_response, []).append((stored, stored_at))
        candidates = [
            (abs(record.created_at - stored_at), stored)
            for stored, stored_at in self._by_response.get(response, [])
            if abs(record.created_at - stored_at) <= SAME_RESPONSE_WITHIN
        ]
        if not candidates:
            return record
        return replace(record, external_id=min(candidates)[1])


def _stored_time() -> pl.Expr:
    """The UTC time written in a stored response key."""
    return (
        pl.col("stored")
        .str.extract(_RESPONSE_KEY, 2)
        .str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%:z", time_zone="UTC", strict=False)
        .dt.cast_time_unit("us")
    )
