"""The columnar lane for well-formed UTF-8 CSV survey files, where large exports come from.

polars reads the whole file and converts whole columns: plain ISO 8601 times and text trimming in polars, every
other value by the row converter's own parsers, once per distinct value; only the rows the lane cannot vouch
for (rejects, rows keyed by a content hash) go through the row converter itself. Both lanes give the same
records, rejects, lines and external ids (tests/unit/test_survey_columns.py), and the columnar one is several
times faster (benchmarks/surveys.py). A file that polars might read differently from Python's csv module
(ragged rows, stray quotes, bare CR line ends, lines that do not add up) is left to the row-by-row lane:
`read_csv_columns` returns None.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, tzinfo
from typing import Any, Protocol

import polars as pl

from store.feedback import FEEDBACK_FRAME_SCHEMA, FeedbackRecord, Rejected, records_to_frame

MAX_EXTERNAL_ID = 300
FIELD_LIMITS = {"location": 200, "channel": 100, "segment": 200}


def response_key(response_id: str, created_at: datetime) -> str:
    """A survey row's external id when it has a response id: the id and the UTC submission time."""
    return f"{response_id}|{created_at.astimezone(UTC).isoformat()}"


class RowConverter(Protocol):
    """What the columnar lane needs of the row-by-row converter: the column of each field (`width`, one past
    the last column, for a field that is not mapped), the parsers of single values, and the row conversion."""

    width: int
    zone: tzinfo
    date: int
    nps: int
    csat: int
    ces: int
    text: int
    response_id: int
    respondent: int
    location: int
    channel: int
    segment: int
    raw_columns: list[tuple[int, str]]

    def __call__(self, line: int, cells: list[Any]) -> FeedbackRecord | Rejected: ...
    def created_at(self, value: Any) -> datetime: ...
    def nps_score(self, value: Any) -> int | None: ...
    def csat_score(self, value: Any) -> int | None: ...
    def ces_score(self, value: Any) -> int | None: ...
    def author_hash(self, value: Any) -> str | None: ...
    def raw(self, cells: list[Any]) -> dict[str, Any] | None: ...


# --- converting ---------------------------------------------------------------------------------------

# The characters str.strip() removes (str.isspace), so that text is trimmed as the row converter trims it.
PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000")
)
_ISO_AWARE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$"
_ISO_NAIVE = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?$"
MEMO_LIMIT = 500_000  # distinct respondents remembered across chunks


def convert_columns(
    frame: pl.DataFrame, converter: RowConverter, chunk_rows: int
) -> Iterator[tuple[pl.DataFrame, list[Rejected]]]:
    """Per chunk of rows: the records as a frame (FEEDBACK_FRAME_SCHEMA, in file order) and the rejects."""
    lane = _ColumnLane(converter)
    for offset in range(0, frame.height, chunk_rows):
        yield lane.convert(frame.slice(offset, chunk_rows))


class _ColumnLane:
    """Converts chunks of one file's columns; respondents' hashes are kept from chunk to chunk."""

    def __init__(self, converter: RowConverter) -> None:
        self.converter = converter
        self.zone = getattr(converter.zone, "key", None)  # an IANA name, which polars needs for local times
        self.author_hashes = pl.DataFrame(schema={"value": pl.String, "hash": pl.String})

    def convert(self, chunk: pl.DataFrame) -> tuple[pl.DataFrame, list[Rejected]]:
        c = self.converter
        created_at, date_ok = self.moments(self.cells(chunk, c.date))
        nps, nps_ok = _per_value(self.cells(chunk, c.nps), c.nps_score, pl.Int64)
        csat, csat_ok = _per_value(self.cells(chunk, c.csat), c.csat_score, pl.Int64)
        ces, ces_ok = _per_value(self.cells(chunk, c.ces), c.ces_score, pl.Int64)
        fields = chunk.select("line").with_columns(
            created_at=created_at,
            nps=nps,
            csat=csat,
            ces=ces,
            text=_text(self.cells(chunk, c.text)),
            response_id=_text(self.cells(chunk, c.response_id)),
        )
        fields = fields.with_columns(
            ok=date_ok
            & nps_ok
            & csat_ok
            & ces_ok
            & pl.any_horizontal(pl.col("nps", "csat", "ces", "text").is_not_null()),
            external_id=_response_keys(),
        )
        keyed = fields["ok"] & fields["external_id"].is_not_null()
        records = self.records(chunk.filter(keyed), fields.filter(keyed))
        others = [(line, c(line, cells)) for line, cells in _rows(chunk.filter(~keyed), c.width)]
        rejects = [item for _line, item in others if isinstance(item, Rejected)]
        hashed = [(line, item) for line, item in others if isinstance(item, FeedbackRecord)]
        if hashed:  # rows keyed by a content hash, put back in file order
            converted = records_to_frame([item for _line, item in hashed])
            lines = pl.Series("line", [line for line, _item in hashed], dtype=pl.Int64)
            records = pl.concat([records, converted.with_columns(lines)]).sort("line")
        return records.drop("line"), rejects

    def cells(self, chunk: pl.DataFrame, index: int) -> pl.Series:
        """A column's cells as the csv module gives them ("" when empty); all "" for a field not mapped."""
        if index >= self.converter.width:
            return pl.repeat("", chunk.height, dtype=pl.String, eager=True)
        return chunk[f"c{index}"].fill_null("")

    def moments(self, values: pl.Series) -> tuple[pl.Series, pl.Series]:
        """Plain ISO 8601 times parsed by polars; every other value by the row converter, once each."""
        iso = values.str.replace("Z", "+00:00", literal=True)
        aware = values.str.contains(_ISO_AWARE)
        parsed = pl.select(
            pl.when(aware).then(
                iso.str.strptime(pl.Datetime("us", "UTC"), "%Y-%m-%dT%H:%M:%S%.f%:z", strict=False)
            )
        ).to_series()
        if self.zone is not None and not aware.all():
            naive = iso.str.replace("T", " ", literal=True).str.strptime(
                pl.Datetime("us"), "%Y-%m-%d %H:%M:%S%.f", strict=False
            )
            local = naive.dt.replace_time_zone(self.zone, ambiguous="earliest", non_existent="null")
            is_naive = values.str.contains(_ISO_NAIVE)
            parsed = parsed.fill_null(
                pl.select(pl.when(is_naive).then(local.dt.convert_time_zone("UTC"))).to_series()
            )
        rest, rest_ok = _per_value(
            values.set(parsed.is_not_null(), None),
            lambda value: self.converter.created_at(value).astimezone(UTC),
            pl.Datetime("us", "UTC"),
        )
        return parsed.fill_null(rest), rest_ok

    def records(self, chunk: pl.DataFrame, fields: pl.DataFrame) -> pl.DataFrame:
        c, height = self.converter, chunk.height
        return pl.DataFrame(
            {
                "external_id": fields["external_id"],
                "kind": pl.repeat("survey", height, dtype=pl.String, eager=True),
                "created_at": fields["created_at"],
                "text": fields["text"],
                "nps": fields["nps"],
                "csat": fields["csat"],
                "stars": pl.repeat(None, height, dtype=pl.Int64, eager=True),
                "author_hash": self.author_hash(self.cells(chunk, c.respondent)),
                "url": pl.repeat(None, height, dtype=pl.String, eager=True),
                "location": _text(self.cells(chunk, c.location)).str.slice(0, FIELD_LIMITS["location"]),
                "channel": _text(self.cells(chunk, c.channel)).str.slice(0, FIELD_LIMITS["channel"]),
                "segment": _text(self.cells(chunk, c.segment)).str.slice(0, FIELD_LIMITS["segment"]),
                "raw": self.raw_json(chunk),
                "ces": fields["ces"],
                "line": fields["line"],
            },
            schema={**FEEDBACK_FRAME_SCHEMA, "line": pl.Int64},
        )

    def author_hash(self, values: pl.Series) -> pl.Series:
        """The row converter's hash of each respondent, hashed once per person across chunks (people answer
        again), and looked up by a join, which leaves the GIL to the thread that stores."""
        if self.author_hashes.height > MEMO_LIMIT:
            self.author_hashes = self.author_hashes.clear()
        distinct = values.unique().to_frame("value")
        new = distinct.join(self.author_hashes, on="value", how="anti")
        if new.height:
            hashes = pl.Series([self.converter.author_hash(value) for value in new["value"]], dtype=pl.String)
            self.author_hashes = pl.concat([self.author_hashes, new.with_columns(hash=hashes)])
        rows = values.to_frame("value").join(
            self.author_hashes, on="value", how="left", maintain_order="left"
        )
        return rows["hash"]

    def raw_json(self, chunk: pl.DataFrame) -> pl.Series:
        if not self.converter.raw_columns:
            return pl.repeat(None, chunk.height, dtype=pl.String, eager=True)
        raws = (self.converter.raw(cells) for _line, cells in _rows(chunk, self.converter.width))
        return pl.Series([None if raw is None else json.dumps(raw) for raw in raws], dtype=pl.String)


def _text(values: pl.Series) -> pl.Series:
    """The row converter's text cleaning: trimmed, without NUL characters, None when nothing is left."""
    text = values.str.strip_chars(PY_WHITESPACE).str.replace_all("\x00", "", literal=True)
    return pl.select(pl.when(text.str.len_bytes() > 0).then(text)).to_series()


def _per_value(
    values: pl.Series, parse: Callable[[Any], Any], dtype: pl.DataType | type[pl.DataType]
) -> tuple[pl.Series, pl.Series]:
    """`parse` applied once per distinct value (nulls skipped): the results, and whether each value parsed
    (raised no ValueError)."""
    distinct = values.drop_nulls().unique()
    results: list[Any] = []
    failed: list[Any] = []
    for value in distinct:
        try:
            results.append(parse(value))
        except ValueError:
            results.append(None)
            failed.append(value)
    mapped = values.replace_strict(
        distinct, pl.Series(results, dtype=dtype), default=None, return_dtype=dtype
    )
    if not failed:
        return mapped, pl.repeat(True, len(values), dtype=pl.Boolean, eager=True)
    return mapped, ~values.is_in(failed).fill_null(False)


def _response_keys() -> pl.Expr:
    """response_key() for every row with a response id and a key that fits; null for the others (isoformat
    writes microseconds only when there are some)."""
    utc = pl.col("created_at")
    moment = (
        pl.when(utc.dt.microsecond() == 0)
        .then(utc.dt.strftime("%Y-%m-%dT%H:%M:%S+00:00"))
        .otherwise(utc.dt.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00"))
    )
    key = pl.concat_str(pl.col("response_id"), pl.lit("|"), moment)
    return pl.when(key.str.len_chars() <= MAX_EXTERNAL_ID).then(key)


def _rows(chunk: pl.DataFrame, width: int) -> Iterator[tuple[int, list[Any]]]:
    """Rows as the csv module gives them: (line, cells), with "" for an empty cell."""
    cells = [f"c{index}" for index in range(width)]
    for line, *values in chunk.select("line", *cells).iter_rows():
        yield line, ["" if value is None else value for value in values]
