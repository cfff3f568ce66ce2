"""A survey file's header: blank rows or a title before it (collectors.headers), its header rows (SurveyMonkey's two, Qualtrics' three), the
columns' names, labels and time zones, and the vendor preset the headers show."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from itertools import islice
from typing import TYPE_CHECKING, Any

import polars as pl

from collectors.files import (
    Cells,
    JsonRecord,
    Row,
    RowReader,
    Source,
    Table,
    Unreadable,
    clean,
    filled,
    flatten,
    plain,
    read_file,
)
from collectors.headers import HEADER_SEARCH_ROWS, find_header, header_at
from collectors.values import norm, time_zone
from pulse.errors import InputError
from pulse.identity import is_personal_column

if TYPE_CHECKING:
    from collectors.columns import CsvColumns, FrameCheck


@dataclass(frozen=True)
class SurveyFile:
    """A survey export as read (collectors.files), with what a Typeform responses JSON says of itself."""

    table: Table
    rows: RowReader  # every row with its line, the header rows included
    description: str
    preset: str | None = None  # a shape that names its vendor (Typeform's responses API)
    hints: Mapping[str, str] = field(default_factory=dict)  # column -> extra words for matching
    texts: Mapping[str, str] = field(default_factory=dict)  # column -> its question (a Typeform webhook's)

    @property
    def file_name(self) -> str:
        return self.table.file_name

    @property
    def form(self) -> str:
        return self.table.form

    @property
    def delimiter(self) -> str:
        return self.table.delimiter

    def columns(self, first_line: int, width: int, check: FrameCheck | None = None) -> CsvColumns | None:
        return self.table.csv_columns(first_line, width, check)


def open_survey(source: Source, file_name: str | None = None, sheet: str | None = None) -> SurveyFile:
    table = read_file(source, file_name, what="survey", sheet=sheet)
    if table.form != "json":
        return SurveyFile(table, table.rows, table.description)
    if table.one_object:
        raise InputError(
            f"{table.file_name} holds JSON but not a list of responses.",
            hint='Pulse reads a JSON list of records, or an object with an "items", "responses" or "data" list.',
        )
    typeform = "answers" in table.object_columns and any(  # read until the first Typeform response
        isinstance(record.value, dict) and isinstance(record.value.get("answers"), list)
        for record in table.records
    )
    where = (
        "lines of rejects are the file's lines"
        if table.json_lines
        else "lines of rejects are item indexes, from 0"
    )
    kind = "Typeform responses" if typeform else "JSON records"
    description = f"Read {len(table.records)} {kind} ({where})."
    if not typeform:
        return SurveyFile(table, table.rows, description)
    hints: dict[str, str] = {}
    texts: dict[str, str] = {}
    seen: dict[str, None] = {}
    for record in table.records:  # a first pass for the columns, their hints and questions
        seen.update(dict.fromkeys(_typeform_item(record.value, hints, texts)))
    columns = list(seen)

    def rows(skipped: list[Unreadable] | None = None) -> Iterator[Row]:
        yield -1, list(columns)
        for entry in table.entries:
            if isinstance(entry, Unreadable):
                if skipped is not None:
                    skipped.append(entry)
                continue
            item = _typeform_item(entry.value, {})
            yield _position(table, entry), [item.get(column) for column in columns]

    return SurveyFile(table, rows, description, "typeform", hints, texts)


def _position(table: Table, record: JsonRecord) -> int:
    return record.line if table.json_lines else record.index


@dataclass(frozen=True)
class Layout:
    preset: str | None
    skip: int  # rows before the first data row (leading blank rows or a title, and the header rows)
    header_rows: int
    columns: list[str]
    labels: list[str]  # normalised names, question texts and hints, for matching
    zones: list[tzinfo | None]  # a column's own time zone, when the export states it
    personal: list[bool]  # whether the header says the column holds personal data (pulse.identity)
    header_line: int | None = (
        None  # the header's row number, when rows above it that are not blank were left out
    )


def _detect_preset(first: Cells) -> str | None:
    names = {norm(cell) for cell in first}
    leading = norm(next((cell for cell in first if filled(cell)), ""))
    if "responseid" in names and names & {"startdate", "recordeddate"}:
        return "qualtrics"
    if {"respondentid", "collectorid"} <= names:
        return "surveymonkey"
    if leading == "#" and names & {"networkid", "submitdateutc", "submittedat"}:
        return "typeform"
    if leading == "timestamp":
        return "google_forms"
    if {"id", "starttime", "completiontime"} <= names:
        return "microsoft_forms"
    if {"score", "permalink", "createdat"} <= names and any(name.startswith("person") for name in names):
        return "delighted"
    return None


def read_layout(table: SurveyFile, preset: str | None, header_row: int | None = None) -> Layout:
    """The header of the file: the row numbered `header_row` when given (`--header-row`), else the first row
    that is not blank unless that is a title above the table (collectors.headers)."""
    first_rows = list(islice(table.rows(), HEADER_SEARCH_ROWS + 3))
    if header_row is not None and table.form == "json":
        raise InputError(
            f"{table.file_name} is JSON, which has no header row.", hint="Leave out --header-row."
        )
    if header_row is not None:
        start: int | None = header_at(first_rows[:HEADER_SEARCH_ROWS], header_row, table.file_name)
    elif table.form == "json":
        start = 0 if first_rows else None
    else:
        start = find_header(
            first_rows[:HEADER_SEARCH_ROWS],
            table.form == "xlsx",
            lambda cells: _detect_preset(cells) is not None,
        )
    if start is None:
        raise InputError(f"{table.file_name} holds no rows.", hint="Export the survey responses again.")
    head = [cells for _line, cells in first_rows[start : start + 3]]
    passed_over = any(any(filled(cell) for cell in cells) for _line, cells in first_rows[:start])
    header_line = first_rows[start][0] if passed_over or header_row is not None else None
    found = table.preset or _detect_preset(head[0])
    chosen = preset or found
    first = [str(cell).strip() if cell is not None else "" for cell in head[0]]
    second = [str(cell).strip() if cell is not None else "" for cell in head[1]] if len(head) > 1 else []
    third = [str(cell).strip() if cell is not None else "" for cell in head[2]] if len(head) > 2 else []
    texts = [table.texts.get(name, "") for name in first]  # a Typeform webhook's questions, else none
    zones: list[tzinfo | None] = [None] * len(first)
    header_rows = 1
    if chosen == "surveymonkey" and {"response", "openendedresponse"} & {norm(cell) for cell in second}:
        header_rows = 2
        first = _surveymonkey_names(first, second)
    elif chosen == "qualtrics" and len(head) > 1 and found == "qualtrics":
        header_rows = 3 if any(cell.startswith('{"ImportId"') for cell in third) else 2
        texts = [*second, *[""] * len(first)][: len(first)]
        if header_rows == 3:
            zones = [_qualtrics_zone(cell) for cell in [*third, *[""] * len(first)][: len(first)]]
    columns = _unique([name or f"Column {index + 1}" for index, name in enumerate(first)])
    zones = [zone or _zone_from_header(name, chosen) for zone, name in zip(zones, columns, strict=True)]
    labels = [
        f"{norm(name)} {norm(text)} {table.hints.get(name, '')}".strip()
        for name, text in zip(columns, texts, strict=True)
    ]
    personal = [
        is_personal_column(name, text, table.hints.get(name, ""))
        for name, text in zip(columns, texts, strict=True)
    ]
    return Layout(chosen, start + header_rows, header_rows, columns, labels, zones, personal, header_line)


def _surveymonkey_names(first: list[str], second: list[str]) -> list[str]:
    """Row 1 holds the question (blank over the later options of a question), row 2 the option."""
    names, question = [], ""
    for index, top in enumerate(first):
        option = second[index] if index < len(second) else ""
        question = top or question
        plain = norm(option) in ("", "response", "openendedresponse")
        names.append(top if top and plain else f"{question} - {option}" if option else question)
    return names


def _qualtrics_zone(cell: str) -> tzinfo | None:
    try:
        meta = json.loads(cell)
        return time_zone(str(meta["timeZone"])) if isinstance(meta, dict) and meta.get("timeZone") else None
    except (ValueError, KeyError, InputError):
        return None


def _zone_from_header(name: str, preset: str | None) -> tzinfo | None:
    label = norm(name)
    if "utc" in label or "gmt" in label or (preset == "typeform" and label == "submittedat"):
        return UTC
    return None


def _unique(names: list[str]) -> list[str]:
    seen: Counter[str] = Counter()
    unique = []
    for name in names:
        seen[name] += 1
        unique.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return unique


def read_table(source: Source, file_name: str | None = None) -> pl.DataFrame:
    """Any export this module reads (CSV in any common encoding and delimiter, XLSX, JSON) as a frame of all
    its columns, every value as text (null when empty), under the header that the importer finds. Blank rows
    are left out; cells beyond the header get columns of their own ("Column 7"), so nothing is lost."""
    table = open_survey(source, file_name)
    layout = read_layout(table, None)
    rows = [
        [_cell_text(cell) for cell in cells]
        for _line, cells in islice(table.rows(), layout.skip, None)
        if any(filled(cell) for cell in cells)
    ]
    width = max([len(layout.columns), *map(len, rows)])
    names = _unique(
        [*layout.columns, *(f"Column {index + 1}" for index in range(len(layout.columns), width))]
    )
    padded = [row + [None] * (width - len(row)) for row in rows]
    return pl.DataFrame(padded, schema=dict.fromkeys(names, pl.String), orient="row")


def _cell_text(cell: Any) -> str | None:
    if cell is None or cell == "":
        return None
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return cell if isinstance(cell, str) else plain(cell)


TYPEFORM_TYPE_WORDS = {
    "nps": "nps",
    "long_text": "comment",
    "short_text": "comment",
    "email": "email",
    "phone_number": "phone",
    "rating": "rating",
    "opinion_scale": "rating",
}


def _typeform_item(item: Any, hints: dict[str, str], texts: dict[str, str] | None = None) -> dict[str, Any]:
    """A Typeform responses-API item as a flat record: ids, dates, hidden fields, one column per answer. A
    webhook's `form_response` is such an item with the form's `definition` beside it: its questions' titles
    go into `texts` (column -> question), as a Qualtrics export's question row does."""
    if not isinstance(item, dict):
        return flatten(item)
    titles = _definition_titles(item.get("definition"))
    flat: dict[str, Any] = {
        "response_id": item.get("response_id") or item.get("token"),
        "submitted_at": item.get("submitted_at"),
        "landed_at": item.get("landed_at"),
    }
    for group in ("hidden", "metadata", "variables"):
        if isinstance(item.get(group), dict):
            flat.update(flatten(item[group], group))
    for answer in item.get("answers") or []:
        if not isinstance(answer, dict):
            continue
        question: dict[str, Any] = answer["field"] if isinstance(answer.get("field"), dict) else {}
        column = str(question.get("ref") or question.get("id") or f"answer {len(flat)}")
        value = _typeform_value(answer)
        flat[column] = clean(value) if isinstance(value, str) else value
        words = TYPEFORM_TYPE_WORDS.get(str(question.get("type")), "")
        words = words or TYPEFORM_TYPE_WORDS.get(str(answer.get("type")), "")
        if words:
            hints[column] = words
        title = titles.get(str(question.get("id")))
        if title and texts is not None:
            texts[column] = title
    return flat


def _definition_titles(definition: Any) -> dict[str, str]:
    """Field id -> question title, from a webhook's form definition (none in a responses-API item)."""
    fields = definition.get("fields") if isinstance(definition, dict) else None
    return {
        str(question["id"]): clean(str(question["title"]))
        for question in fields or []
        if isinstance(question, dict) and question.get("id") and question.get("title")
    }


def _typeform_value(answer: dict[str, Any]) -> Any:
    value = answer.get(str(answer.get("type")))
    if isinstance(value, dict):
        if "label" in value:
            return value["label"]
        if isinstance(value.get("labels"), list):
            return ", ".join(str(label) for label in value["labels"])
        return json.dumps(value, ensure_ascii=False)
    return value
