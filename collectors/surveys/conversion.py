"""Survey rows to feedback, by columns: the one conversion of every survey file.

A file's data rows come as a frame (collectors.files: text columns c0, c1..., `line`, and `cells`/`over` where text
columns lose something). Plain ISO 8601 times and text trimming run in polars; every other value is read by
collectors.values once per distinct value, and its error, if any, is the reason of every row that holds it. A row
is rejected for the first of: more cells than the header, empty, no date column, its date, NPS, CSAT or CES, no
score and no comment. Only three things look at single rows in Python: the external id of a row without a response
id (a hash of its cells), the raw payload of its unmapped columns, and the text of a rejected row.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

import polars as pl

from analysis.personal_data import EMAIL, mask_emails
from collectors.base import hash_author
from collectors.files import Cells, clean, filled, plain
from collectors.values import CES_SCALE, CSAT_SCALE, MAX_TEXT_CHARS, parse_moment, parse_score
from store.records import FEEDBACK_FRAME_SCHEMA, Rejected

MAX_EXTERNAL_ID = 300
MAX_RAW_CHARS = 10_000
FIELD_LIMITS = {"location": 200, "channel": 100, "segment": 200}
MEMO_LIMIT = 500_000  # distinct respondents remembered across chunks
MAX_ADDRESS_CHARS = 320  # a longer "address" is kept as nobody's contact
EMAIL_ADDRESS = f"^(?:{EMAIL.pattern})$"  # a whole cell that is one address (as mapping.Profile.email_share)
CONTACT_SCHEMA = {"author_hash": pl.String, "email": pl.String}
REMOVED = "[removed]"  # a personal cell in a rejected row
# The characters str.strip() removes (str.isspace), so that text is trimmed as Python trims it.
PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000")
)
_ISO_AWARE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$"
_ISO_NAIVE = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?$"


def response_key(response_id: str, created_at: datetime) -> str:
    """A survey row's external id when it has a response id: the id and the UTC submission time."""
    return f"{response_id}|{created_at.astimezone(UTC).isoformat()}"


@dataclass(frozen=True)
class Conversion:
    """What converting a file's rows needs of its plan: the columns, where each field is, how to read dates,
    which columns are personal (never kept), and the file's form for the text of rejected rows."""

    file_name: str
    form: str  # csv, xlsx or json
    delimiter: str
    columns: list[str]
    indexes: dict[str, int]  # field -> column
    zone: tzinfo  # of times without one
    dayfirst: bool | None
    personal: frozenset[int]

    @property
    def width(self) -> int:
        return len(self.columns)

    @property
    def raw_columns(self) -> list[tuple[int, str]]:
        """The columns kept in each record's raw payload: neither mapped nor personal."""
        mapped = set(self.indexes.values())
        return [
            (i, name) for i, name in enumerate(self.columns) if i not in mapped and i not in self.personal
        ]

    @property
    def hidden(self) -> set[int]:
        """The columns left out of a rejected row's text: the personal ones and the respondent."""
        return set(self.personal) | ({self.indexes["respondent"]} if "respondent" in self.indexes else set())


def convert_rows(
    frame: pl.DataFrame, conversion: Conversion, chunk_rows: int, author_salt: str
) -> Iterator[tuple[pl.DataFrame, list[Rejected]]]:
    """Per chunk of rows: the records as a frame (FEEDBACK_FRAME_SCHEMA and `line`, in file order) and the
    rejects. Respondents are hashed with `author_salt`, the store's."""
    converter = Converter(conversion, author_salt)
    for offset in range(0, frame.height, chunk_rows):
        yield converter.convert(frame.slice(offset, chunk_rows))


class Converter:
    """Converts chunks of one file's rows; respondents' hashes are kept from chunk to chunk. With
    `keep_contacts`, each record also carries its respondent's email address in a `contact` column (null when
    the respondent is not an address), which `new_contacts` takes out; FeedbackFrame leaves it out."""

    def __init__(self, conversion: Conversion, author_salt: str, keep_contacts: bool = False) -> None:
        self.c = conversion
        self.salt = author_salt
        self.zone = conversion.zone
        self.zone_name = getattr(conversion.zone, "key", None)  # an IANA name, which polars needs
        self.author_hashes = pl.DataFrame(schema={"value": pl.String, "hash": pl.String})
        self.keep_contacts = keep_contacts and "respondent" in conversion.indexes
        self.contact_hashes = pl.DataFrame(schema={"author_hash": pl.String})  # handed out by new_contacts

    def convert(self, chunk: pl.DataFrame) -> tuple[pl.DataFrame, list[Rejected]]:
        c = self.c
        created_at, date_error = self.moments(self.cells(chunk, "created_at"))
        nps, nps_error = per_value(self.cells(chunk, "nps"), lambda v: parse_score(v, "nps", 0, 10), pl.Int64)
        csat, csat_error = per_value(self.cells(chunk, "csat"), CSAT_SCALE.parse, pl.Int64)
        ces, ces_error = per_value(self.cells(chunk, "ces"), CES_SCALE.parse, pl.Int64)
        text = text_values(self.cells(chunk, "text"))
        respondent = self.cells(chunk, "respondent")
        contact = {"contact": email_addresses(respondent)} if self.keep_contacts else {}
        fields = chunk.select("line", "over").with_columns(
            created_at=created_at,
            nps=nps,
            csat=csat,
            ces=ces,
            text=text.str.slice(0, MAX_TEXT_CHARS),
            text_chars=_long_text(text),
            response_id=text_values(self.cells(chunk, "response_id")),
            author_hash=self.author_hash(respondent),
            date_error=date_error,
            nps_error=nps_error,
            csat_error=csat_error,
            ces_error=ces_error,
            **contact,
        )
        failure = pl.coalesce(  # why a row that is neither too long nor empty is rejected, in this order
            pl.lit(None if "created_at" in c.indexes else "no date column", pl.String),
            "date_error",
            "nps_error",
            "csat_error",
            "ces_error",
            pl.when(pl.all_horizontal(pl.col("nps", "csat", "ces", "text").is_null())).then(
                pl.lit("no score and no comment")
            ),
        )
        fields = fields.with_columns(failure=failure, external_id=_response_keys())
        kept = fields["failure"].is_null() & fields["over"].is_null()
        records = self.records(chunk.filter(kept), fields.filter(kept))
        return records, self.rejects(chunk.filter(~kept), fields.filter(~kept))

    def cells(self, chunk: pl.DataFrame, field_name: str) -> pl.Series:
        """A field's column as text ("" when empty, as a CSV cell is); all "" for a field not mapped."""
        index = self.c.indexes.get(field_name)
        if index is None:
            return pl.repeat("", chunk.height, dtype=pl.String, eager=True)
        return chunk[f"c{index}"].fill_null("")

    def moments(self, values: pl.Series) -> tuple[pl.Series, pl.Series | pl.Expr]:
        """Plain ISO 8601 times parsed by polars; every other value by collectors.values, once each."""
        iso = values.str.replace("Z", "+00:00", literal=True)
        aware = values.str.contains(_ISO_AWARE)
        parsed = pl.select(
            pl.when(aware).then(
                iso.str.strptime(pl.Datetime("us", "UTC"), "%Y-%m-%dT%H:%M:%S%.f%:z", strict=False)
            )
        ).to_series()
        if self.zone_name is not None and not aware.all():
            naive = iso.str.replace("T", " ", literal=True).str.strptime(
                pl.Datetime("us"), "%Y-%m-%d %H:%M:%S%.f", strict=False
            )
            local = naive.dt.replace_time_zone(self.zone_name, ambiguous="earliest", non_existent="null")
            is_naive = values.str.contains(_ISO_NAIVE)
            parsed = parsed.fill_null(
                pl.select(pl.when(is_naive).then(local.dt.convert_time_zone("UTC"))).to_series()
            )
        rest, error = per_value(
            values.set(parsed.is_not_null(), None),
            lambda value: parse_moment(value, self.zone, self.c.dayfirst).astimezone(UTC),
            pl.Datetime("us", "UTC"),
        )
        return parsed.fill_null(rest), error

    def records(self, chunk: pl.DataFrame, fields: pl.DataFrame) -> pl.DataFrame:
        height = chunk.height
        external_id = fields["external_id"]
        missing = external_id.is_null()
        if missing.any():  # rows without a response id (or with one too long): a hash of their cells
            hashes = [content_key(cells) for _line, cells in chunk_rows(chunk.filter(missing))]
            external_id = external_id.clone()
            external_id.scatter(missing.arg_true(), pl.Series(hashes, dtype=pl.String))
        return pl.DataFrame(
            {
                "external_id": external_id,
                "kind": pl.repeat("survey", height, dtype=pl.String, eager=True),
                "created_at": fields["created_at"],
                "text": fields["text"],
                "nps": fields["nps"],
                "csat": fields["csat"],
                "stars": pl.repeat(None, height, dtype=pl.Int64, eager=True),
                "author_hash": fields["author_hash"],
                "url": pl.repeat(None, height, dtype=pl.String, eager=True),
                "location": self.short(chunk, "location"),
                "channel": self.short(chunk, "channel"),
                "segment": self.short(chunk, "segment"),
                "raw": self.raw_json(chunk, fields["text_chars"]),
                "ces": fields["ces"],
                "line": fields["line"],
                **({"contact": fields["contact"]} if self.keep_contacts else {}),
            },
            schema={
                **FEEDBACK_FRAME_SCHEMA,
                "line": pl.Int64,
                **({"contact": pl.String} if self.keep_contacts else {}),
            },
        )

    def new_contacts(self, records: pl.DataFrame) -> pl.DataFrame:
        """The email addresses of the records' respondents (CONTACT_SCHEMA: author hash and address as
        written, trimmed), one per hash, leaving out the hashes already handed out for this file. Empty unless
        the converter keeps contacts. Kept records only: a rejected row is nobody's answer to follow up."""
        if not self.keep_contacts or "contact" not in records.columns:
            return pl.DataFrame(schema=CONTACT_SCHEMA)
        if self.contact_hashes.height > MEMO_LIMIT:
            self.contact_hashes = self.contact_hashes.clear()
        found = (
            records.select("author_hash", pl.col("contact").alias("email"))
            .drop_nulls()
            .unique("author_hash", keep="first", maintain_order=True)
            .join(self.contact_hashes, on="author_hash", how="anti")
        )
        self.contact_hashes = pl.concat([self.contact_hashes, found.select("author_hash")])
        return found

    def short(self, chunk: pl.DataFrame, field_name: str) -> pl.Series:
        return text_values(self.cells(chunk, field_name)).str.slice(0, FIELD_LIMITS[field_name])

    def rejects(self, chunk: pl.DataFrame, fields: pl.DataFrame) -> list[Rejected]:
        """The rejected rows with their reasons: more cells than the header, else empty, else their failure."""
        if not chunk.height:
            return []
        width = self.c.width
        empty = pl.all_horizontal([_blank(chunk[f"c{index}"]) for index in range(width)] or [True])
        reason = pl.coalesce(
            pl.when(pl.col("over").is_not_null()).then(
                pl.format("the row has {} cells but the header {} columns", "over", pl.lit(width))
            ),
            pl.when(empty).then(pl.lit("empty row")),
            "failure",
        )
        rows = chunk_rows(chunk)
        details = fields.select(reason.alias("reason"), "line", "author_hash").iter_rows()
        return [
            Rejected(self.c.file_name, reason, self.row_text(cells), line, author_hash)
            for (reason, line, author_hash), (_line, cells) in zip(details, rows, strict=True)
        ]

    def author_hash(self, values: pl.Series) -> pl.Series:
        """Each respondent's salted hash, hashed once per person across chunks (people answer again), and
        looked up by a join, which leaves the GIL to the thread that stores."""
        if self.author_hashes.height > MEMO_LIMIT:
            self.author_hashes = self.author_hashes.clear()
        distinct = values.unique().to_frame("value")
        new = distinct.join(self.author_hashes, on="value", how="anti")
        if new.height:
            hashes = pl.Series([self.hash(value) for value in new["value"]], dtype=pl.String)
            self.author_hashes = pl.concat([self.author_hashes, new.with_columns(hash=hashes)])
        rows = values.to_frame("value").join(
            self.author_hashes, on="value", how="left", maintain_order="left"
        )
        return rows["hash"]

    def hash(self, value: Any) -> str | None:
        text = _cell_text(value)
        return hash_author(text.casefold(), self.salt) if text else None  # emails compare case-insensitively

    def raw_json(self, chunk: pl.DataFrame, text_chars: pl.Series | None = None) -> pl.Series:
        """Each row's raw payload: its unmapped columns, and the length of a comment stored cut."""
        cut = text_chars is not None and text_chars.is_not_null().any()
        if not self.c.raw_columns and not cut:
            return pl.repeat(None, chunk.height, dtype=pl.String, eager=True)
        raws: list[dict[str, Any] | None] = (
            [self.raw(cells) for _line, cells in chunk_rows(chunk)]
            if self.c.raw_columns
            else [None] * chunk.height
        )
        if cut and text_chars is not None:
            for index in text_chars.is_not_null().arg_true():
                raws[index] = {**(raws[index] or {}), "text_truncated_from_chars": text_chars[index]}
        return pl.Series([None if raw is None else json.dumps(raw) for raw in raws], dtype=pl.String)

    def raw(self, cells: Cells) -> dict[str, Any] | None:
        width = len(cells)
        raw = {
            name: _raw_value(cells[index])
            for index, name in self.c.raw_columns
            if index < width and filled(cells[index])
        }
        return raw or None

    def row_text(self, cells: Cells) -> str:
        """A rejected row as read, without its personal cells (the respondent's included) and with emails
        masked: a CSV line (personal cells as [removed]), or a JSON object without the personal keys."""
        hidden = self.c.hidden
        if self.c.form == "json":
            pairs = zip(self.c.columns, cells, strict=False)
            text = json.dumps(
                {
                    name: _raw_value(value)
                    for index, (name, value) in enumerate(pairs)
                    if value is not None and index not in hidden
                }
            )
        else:
            buffer = io.StringIO()
            writer = csv.writer(buffer, delimiter=self.c.delimiter, lineterminator="")
            writer.writerow(
                [
                    REMOVED if index in hidden and filled(cell) else plain(cell)
                    for index, cell in enumerate(_trimmed(cells))
                ]
            )
            text = buffer.getvalue()
        return mask_emails(text)[:MAX_RAW_CHARS]


def content_key(cells: Cells) -> str:
    """The external id of a row without a response id: a hash of its cells, as written."""
    content = "\x1f".join(plain(cell).strip() for cell in _trimmed(cells))
    return "sha256:" + hashlib.sha256(content.encode("utf-8")).hexdigest()


def chunk_rows(chunk: pl.DataFrame) -> Iterator[tuple[int, Cells]]:
    """Each row's cells as read: from `cells` where the text columns lose something, else the text columns
    ("" for an empty cell, as a CSV cell is)."""
    texts = [name for name in chunk.columns if name.startswith("c") and name[1:].isdigit()]
    for line, cells, *values in chunk.select("line", "cells", *texts).iter_rows():
        yield line, json.loads(cells) if cells is not None else ["" if v is None else v for v in values]


def _trimmed(cells: Cells) -> Cells:
    end = len(cells)
    while end and not filled(cells[end - 1]):
        end -= 1
    return cells[:end]


def _cell_text(value: Any) -> str | None:
    """A cell as trimmed text for the store, None when nothing is left."""
    if type(value) is str:  # the common case, kept fast
        value = value.strip()
        return (value if "\x00" not in value else value.replace("\x00", "")) or None
    if not filled(value):
        return None
    return clean(plain(value).strip())


def _raw_value(value: Any) -> Any:
    if isinstance(value, bool | int) or (isinstance(value, float) and math.isfinite(value)):
        return value
    text = value if type(value) is str else plain(value)
    if "\x00" in text:
        text = text.replace("\x00", "")
    return mask_emails(text)


def email_addresses(values: pl.Series) -> pl.Series:
    """Each cell that is one email address, trimmed as `text_values` trims; null for any other cell."""
    text = text_values(values)
    is_address = text.str.contains(EMAIL_ADDRESS) & (text.str.len_chars() <= MAX_ADDRESS_CHARS)
    return pl.select(pl.when(is_address).then(text)).to_series()


def _blank(values: pl.Series) -> pl.Series:
    """Whether each cell is empty or only white space (str.strip's)."""
    return values.str.strip_chars(PY_WHITESPACE).str.len_bytes().fill_null(0) == 0


def text_values(values: pl.Series) -> pl.Series:
    """Text as `_cell_text` makes it: trimmed, without NUL characters, None when nothing is left."""
    text = values.str.strip_chars(PY_WHITESPACE).str.replace_all("\x00", "", literal=True)
    return pl.select(pl.when(text.str.len_bytes() > 0).then(text)).to_series()


def _long_text(text: pl.Series) -> pl.Series:
    """The length of each comment (`_text`) longer than MAX_TEXT_CHARS, null for the others."""
    length = text.str.len_chars()
    return pl.select(pl.when(length > MAX_TEXT_CHARS).then(length)).to_series()


def per_value(
    values: pl.Series, parse: Callable[[Any], Any], dtype: pl.DataType | type[pl.DataType]
) -> tuple[pl.Series, pl.Series | pl.Expr]:
    """`parse` applied once per distinct value (nulls skipped): the results, and the reason each value could
    not be read (its ValueError; null where it was read, or a null literal when every value was read)."""
    distinct = values.drop_nulls().unique()
    results: list[Any] = []
    errors: list[str | None] = []
    for value in distinct:
        try:
            results.append(parse(value))
            errors.append(None)
        except ValueError as error:
            results.append(None)
            errors.append(str(error))
    mapped = values.replace_strict(
        distinct, pl.Series(results, dtype=dtype), default=None, return_dtype=dtype
    )
    if not any(errors):
        return mapped, pl.lit(None, pl.String)
    failed = pl.Series(errors, dtype=pl.String)
    return mapped, values.replace_strict(distinct, failed, default=None, return_dtype=pl.String)


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
