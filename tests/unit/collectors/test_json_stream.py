"""JSON and JSON Lines read as a stream (collectors.json_stream): whatever the size of the chunks the file is
decoded in, the same records, at the same lines, as json.loads reads, and the same refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import collectors.json_stream as json_stream
from collectors.files import JsonRecord, Unreadable, read_file
from pulse.errors import InputError

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
SCALARS = st.none() | st.booleans() | st.integers(-(10**12), 10**12) | st.floats(allow_nan=False) | TEXT
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3)
)
RECORDS = st.lists(
    st.dictionaries(st.sampled_from(["id", "date", "text", "stars"]), VALUES, min_size=1), max_size=8
)


def read_entries(data: bytes, name: str, chunk: int) -> list[JsonRecord | Unreadable]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(json_stream, "TEXT_CHUNK_BYTES", chunk)
        table = read_file(data, name)
        return list(table.entries)


@settings(max_examples=80, deadline=None)
@given(
    RECORDS, st.sampled_from([None, 1, 2]), st.sampled_from(["list", "items", "lines"]), st.integers(1, 40)
)
def test_entries__any_chunk_size_reads_what_json_loads_reads(
    records: list[dict[str, Any]], indent: int | None, form: str, chunk: int
) -> None:
    if form == "lines":
        data, name = "".join(json.dumps(record) + "\n" for record in records), "export.jsonl"
    else:
        document: Any = records if form == "list" else {"meta": {"n": len(records)}, "items": records}
        data, name = json.dumps(document, indent=indent, ensure_ascii=False), "export.json"
    if not records and form == "lines":
        return  # an empty file: refused, as another test shows
    chunked = read_entries(data.encode(), name, chunk)
    whole = read_entries(data.encode(), name, 1 << 20)
    assert chunked == whole
    assert [entry.value for entry in chunked if isinstance(entry, JsonRecord)] == json.loads(
        json.dumps(records)
    )


def test_entries__records_keep_the_line_where_they_start() -> None:
    data = (
        b'{"title": "x",\n "responses": [\n  {"id": 1},\n\n  {"id": 2,\n   "text": "a\\nb"},\n  {"id": 3}]}'
    )
    for chunk in (1, 3, 1 << 20):
        entries = read_entries(data, "export.json", chunk)
        assert [(entry.line, entry.index) for entry in entries if isinstance(entry, JsonRecord)] == [
            (3, 0),
            (5, 1),
            (7, 2),
        ]


def test_entries__json_lines_keep_their_lines_and_unreadable_ones() -> None:
    data = b'{"id": 1}\r\n\r\nnot json\r\n{"id": 2}'
    for chunk in (1, 2, 5, 1 << 20):
        entries = read_entries(data, "export.jsonl", chunk)
        assert [(type(entry).__name__, entry.line) for entry in entries] == [
            ("JsonRecord", 1),
            ("Unreadable", 3),
            ("JsonRecord", 4),
        ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'[{"id": 1}, {"id": 2]', "is not valid JSON: Expecting"),
        (b'[{"id": 1},\n {"id": 2}', "is not valid JSON"),
        (b'{"id": 1, "text": "cut sho', "is not valid JSON: Unterminated string"),
    ],
)
def test_read_file__broken_json_is_refused_whatever_the_chunks(data: bytes, message: str) -> None:
    for chunk in (1, 4, 1 << 20):
        with pytest.raises(InputError, match=message):
            read_entries(data, "export.json", chunk)
