"""The row-by-row conversion of survey rows: one data row becomes a FeedbackRecord, or a Rejected with its
reason."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from datetime import datetime
from typing import TYPE_CHECKING, Any

from analysis.personal_data import mask_emails
from collectors.base import hash_author
from collectors.files import Cells, clean, plain
from collectors.surveys.columns import FIELD_LIMITS, MAX_EXTERNAL_ID, response_key
from collectors.surveys.layout import _filled
from collectors.surveys.mapping import REMOVED
from collectors.values import CES_SCALE, CSAT_SCALE, parse_moment, parse_score
from store.feedback import FeedbackRecord, Rejected

if TYPE_CHECKING:
    from collectors.surveys.plan import SurveyPlan

MAX_RAW_CHARS = 10_000


class _RowConverter:
    """Turns one data row into a FeedbackRecord, or a Rejected with the reason. Rows are padded to the
    header's width plus one empty cell, where unmapped fields point, so each field is one index away."""

    def __init__(self, plan: SurveyPlan) -> None:
        layout, indexes = plan._layout, plan._indexes
        self.file_name = plan.file_name
        self.form = plan._table.form
        self.delimiter = plan._table.delimiter
        self.columns = layout.columns
        self.width = len(layout.columns)
        self.padded = self.width + 1
        empty = self.width  # the padding cell, always None
        self.has_date = "created_at" in indexes
        self.date = indexes.get("created_at", empty)
        self.dayfirst = plan.dayfirst
        self.zone = (layout.zones[self.date] if self.has_date else None) or plan._zone
        self.nps, self.csat = indexes.get("nps", empty), indexes.get("csat", empty)
        self.ces = indexes.get("ces", empty)
        self.text = indexes.get("text", empty)
        self.response_id = indexes.get("response_id", empty)
        self.respondent = indexes.get("respondent", empty)
        self.segment, self.location = indexes.get("segment", empty), indexes.get("location", empty)
        self.channel = indexes.get("channel", empty)
        mapped = set(indexes.values())
        self.raw_columns = [
            (index, name)
            for index, name in enumerate(layout.columns)
            if index not in mapped and index not in plan._personal
        ]
        self.hidden = plan._personal | ({indexes["respondent"]} if "respondent" in indexes else set())

    def __call__(self, line: int, cells: Cells) -> FeedbackRecord | Rejected:
        try:
            return self.record(cells)
        except ValueError as error:
            respondent = cells[self.respondent] if self.respondent < len(cells) else None
            return Rejected(
                origin=self.file_name,
                reason=str(error),
                raw=self.row_text(cells),
                line=line,
                author_hash=self.author_hash(respondent),
            )

    def record(self, cells: Cells) -> FeedbackRecord:
        if len(cells) == self.width:
            cells.append(None)  # rows are fresh lists from the reader: padding in place is safe
        else:
            cells = self.pad(cells)
        if _is_empty_row(cells):
            raise ValueError("empty row")
        if not self.has_date:
            raise ValueError("no date column")
        created_at = self.created_at(cells[self.date])
        nps = self.nps_score(cells[self.nps])
        csat = self.csat_score(cells[self.csat])
        ces = self.ces_score(cells[self.ces])
        text = _text(cells[self.text])
        if nps is None and csat is None and ces is None and text is None:
            raise ValueError("no score and no comment")
        return FeedbackRecord(
            external_id=self.external_id(cells, created_at),
            kind="survey",
            created_at=created_at,
            text=text,
            nps=nps,
            csat=csat,
            ces=ces,
            author_hash=self.author_hash(cells[self.respondent]),
            location=_short(cells[self.location], "location"),
            channel=_short(cells[self.channel], "channel"),
            segment=_short(cells[self.segment], "segment"),
            raw=self.raw(cells),
        )

    def created_at(self, value: Any) -> datetime:
        return parse_moment(value, self.zone, self.dayfirst)

    def nps_score(self, value: Any) -> int | None:
        return parse_score(value, "nps", 0, 10)

    def csat_score(self, value: Any) -> int | None:
        return CSAT_SCALE.parse(value)

    def ces_score(self, value: Any) -> int | None:
        return CES_SCALE.parse(value)

    def author_hash(self, value: Any) -> str | None:
        return _hash(value)

    def pad(self, cells: Cells) -> Cells:
        if len(cells) > self.width and not _is_empty_row(cells[self.width :]):
            raise ValueError(f"the row has {len(_trimmed(cells))} cells but the header {self.width} columns")
        return [*cells[: self.width], *[None] * (self.padded - min(len(cells), self.width))]

    def external_id(self, cells: Cells, created_at: datetime) -> str:
        response_id = _text(cells[self.response_id])
        if response_id:
            key = response_key(response_id, created_at)
            if len(key) <= MAX_EXTERNAL_ID:
                return key
        content = "\x1f".join(plain(cell).strip() for cell in _trimmed(cells))
        return "sha256:" + hashlib.sha256(content.encode("utf-8")).hexdigest()

    def raw(self, cells: Cells) -> dict[str, Any] | None:
        raw = {name: _raw_value(cells[index]) for index, name in self.raw_columns if _filled(cells[index])}
        return raw or None

    def row_text(self, cells: Cells) -> str:
        """A rejected row as read, without its personal cells (the respondent's included) and with emails
        masked: a CSV line (personal cells as [removed]), or a JSON object without the personal keys."""
        if self.form == "json":
            pairs = zip(self.columns, cells, strict=False)
            text = json.dumps(
                {
                    name: _raw_value(value)
                    for index, (name, value) in enumerate(pairs)
                    if value is not None and index not in self.hidden
                }
            )
        else:
            buffer = io.StringIO()
            writer = csv.writer(buffer, delimiter=self.delimiter, lineterminator="")
            writer.writerow(
                [
                    REMOVED if index in self.hidden and _filled(cell) else plain(cell)
                    for index, cell in enumerate(_trimmed(cells))
                ]
            )
            text = buffer.getvalue()
        return mask_emails(text)[:MAX_RAW_CHARS]


def _is_empty_row(cells: Cells) -> bool:
    return not any(cell.strip() if type(cell) is str else cell is not None for cell in cells)


def _trimmed(cells: Cells) -> Cells:
    end = len(cells)
    while end and not _filled(cells[end - 1]):
        end -= 1
    return cells[:end]


def _text(value: Any) -> str | None:
    if type(value) is str:  # the common case, kept fast
        value = value.strip()
        return (value if "\x00" not in value else value.replace("\x00", "")) or None
    if not _filled(value):
        return None
    return clean(plain(value).strip())


def _short(value: Any, name: str) -> str | None:
    text = _text(value)
    return text[: FIELD_LIMITS[name]] if text else None


def _hash(value: Any) -> str | None:
    text = _text(value)
    return hash_author(text.casefold()) if text else None  # emails compare case-insensitively


def _raw_value(value: Any) -> Any:
    if isinstance(value, bool | int) or (isinstance(value, float) and math.isfinite(value)):
        return value
    text = value if type(value) is str else plain(value)
    if "\x00" in text:
        text = text.replace("\x00", "")
    return mask_emails(text)
