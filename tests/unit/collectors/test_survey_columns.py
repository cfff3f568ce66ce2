"""The one conversion reads a UTF-8 CSV the same whether polars reads it as columns (large exports) or the
csv module reads its rows (every other file, and CSV files polars might read otherwise): the same plan, records,
rejects, lines and external ids."""

from __future__ import annotations

import csv
import io
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import collectors.columns as columns_module
from collectors.columns import CsvColumns, read_csv_columns
from collectors.spool import FrameSpool
from collectors.surveys import SurveyPlan, plan_survey_file
from collectors.surveys.conversion import PY_WHITESPACE
from pulse.errors import InputError
from store.records import FeedbackRecord, Rejected

HEADER = [
    "Response ID",
    "Submitted At",
    "NPS",
    "Satisfaction",
    "Effort",
    "Comment",
    "Email",
    "Channel",
    "Table",
]
DATES = [
    "2026-01-02T10:00:00Z",
    "2026-01-02T10:00:00.250+02:00",
    "2026-01-02 10:00:00",
    "2026-03-29 01:30:00",  # does not exist in London (clocks go forward)
    "2026-10-25 01:30:00",  # happens twice in London
    "2026-02-30T10:00:00Z",
    " 2026-01-02T10:00:00Z",
    "2026-01-02",
    "31/01/2026 10:00",
    "45678.5",
    "",
    "soon",
]
TEXTS = ["Lovely bread.", "  padded\u3000", "\x1cseparators\x1f", "multi\nline", 'a "quoted" word', " ", ""]
CELLS = {
    "Response ID": st.sampled_from(["", "R1", " R2 ", "R1", "x" * 300]),
    "Submitted At": st.sampled_from(DATES),
    "NPS": st.sampled_from(["", "9", " 9", "10 - Extremely likely", "11", "x", "9.0", "9.5"]),
    "Satisfaction": st.sampled_from(["", "4", "Very satisfied", "0", "6"]),
    "Effort": st.sampled_from(["", "7", "2", "Strongly agree", "8", "x"]),
    "Comment": st.sampled_from(TEXTS) | st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=15),
    "Email": st.sampled_from(["", "Ann@Example.com", "ann@example.com ", "bob@example.com"]),
    "Channel": st.sampled_from(["", "online", " In store ", "x" * 150]),
    "Table": st.sampled_from(["", "7", "window", "ann@example.com"]),
}


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def both_lanes(data: bytes, **options: Any) -> tuple[SurveyPlan, SurveyPlan]:
    """The plan as made (read by polars when it can be), and the plan with the file read row by row."""
    columnar = plan_survey_file(data, "survey.csv", timezone="Europe/London", **options)
    refused: list[bool] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(columns_module, "read_csv_columns", lambda *_: refused.append(True))
        by_rows = plan_survey_file(data, "survey.csv", timezone="Europe/London", **options)
    assert refused and isinstance(by_rows._rows, FrameSpool)
    return columnar, by_rows


def frame_of(plan: SurveyPlan) -> pl.DataFrame:
    """The data rows as the plan's lane reads them (a CSV read by polars: CsvColumns)."""
    assert isinstance(plan._rows, CsvColumns)
    return pl.concat(frame for frame, _skipped in plan._rows.chunks())


def converted(plan: SurveyPlan, size: int) -> tuple[list[FeedbackRecord], list[Rejected]]:
    records: list[FeedbackRecord] = []
    rejects: list[Rejected] = []
    for batch, batch_rejects in plan.batches(size):
        records += batch.records()
        rejects += batch_rejects
    return records, rejects


def assert_same(columnar: SurveyPlan, by_rows: SurveyPlan, size: int = 7) -> None:
    assert (columnar.mapping, columnar.notes, columnar.dayfirst, columnar.data_rows) == (
        by_rows.mapping,
        by_rows.notes,
        by_rows.dayfirst,
        by_rows.data_rows,
    )
    items = converted(by_rows, 1)
    records, rejects = converted(columnar, size)
    assert records == [item for item in items[0] if isinstance(item, FeedbackRecord)]
    assert rejects == [item for item in items[1] if isinstance(item, Rejected)]


@settings(max_examples=120, deadline=None)
@given(st.lists(st.fixed_dictionaries(CELLS), min_size=1, max_size=30), st.sampled_from([1, 4, 50]))
def test_columnar_lane__same_plan_records_rejects_and_lines_as_row_by_row(
    rows: list[dict[str, str]], size: int
) -> None:
    data = csv_bytes([[row[name] for name in HEADER] for row in rows])
    try:
        columnar, by_rows = both_lanes(data, dayfirst=None)
    except InputError:  # every date ambiguous: both lanes ask for --dayfirst, as other tests show
        return
    frame = frame_of(columnar)
    assert frame["cells"].null_count() == frame.height
    assert_same(columnar, by_rows, size)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.fixed_dictionaries(CELLS), min_size=1, max_size=30),
    st.sampled_from([1, 4, 50]),
    st.integers(min_value=1, max_value=300),
)
def test_columnar_lane__read_in_small_chunks_gives_the_same_as_row_by_row(
    rows: list[dict[str, str]], size: int, chunk_bytes: int
) -> None:
    data = csv_bytes([[row[name] for name in HEADER] for row in rows])
    with pytest.MonkeyPatch.context() as patch:  # a chunk of a few rows, or of one row longer than the chunk
        patch.setattr(columns_module, "CSV_CHUNK_BYTES", chunk_bytes)
        patch.setattr(columns_module, "FRAME_CHUNK_ROWS", 3)
        try:
            columnar, by_rows = both_lanes(data, dayfirst=True)
        except InputError:
            return
        assert_same(columnar, by_rows, size)


def test_read_csv_columns__reads_whole_rows_a_chunk_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [["R1", "2026-01-02", "9", "", "", 'a "quoted"\nword, over lines', "", "", ""]] * 40
    data = csv_bytes(rows)
    whole = read_csv_columns(data, ",", 2, len(HEADER))
    monkeypatch.setattr(
        columns_module, "CSV_CHUNK_BYTES", 100
    )  # a row is 52 bytes: cut at quotes and line ends
    chunked = read_csv_columns(data, ",", 2, len(HEADER))
    assert whole is not None and chunked is not None
    assert len(whole.parts) == 1 and len(chunked.parts) > 10
    frames = [pl.concat(frame for frame, _skipped in lane.chunks()) for lane in (whole, chunked)]
    assert frames[0].equals(frames[1]) and frames[1]["line"].to_list() == list(range(2, 82, 2))


@pytest.mark.parametrize(
    "data",
    [
        b"Submitted At,NPS\n2026-01-02,9\n2026-01-03,8,extra\n",  # a ragged row
        b"Submitted At,NPS\r2026-01-02,9\r2026-01-03,8\r",  # bare CR line ends
        b"Submitted At,NPS\n2026-01-02,9\n\n2026-01-03,8\n\n",  # blank lines
        b'Submitted At,NPS\n2026-01-02,"9"x\n',  # text after a closing quote
        b"Submitted At,NPS\n2026-01-02\n2026-01-03,8\n",  # a short first row
    ],
)
def test_columnar_lane__unusual_files_give_the_same_as_row_by_row(data: bytes) -> None:
    assert_same(*both_lanes(data))


def test_columnar_lane__used_for_a_plain_export_and_keeps_physical_lines() -> None:
    rows = [["R1", "2026-01-02T10:00:00Z", "9", "", "two\nlines", "", "", ""], ["R2", "2026-01-03", "11"]]
    data = csv_bytes([row + [""] * (len(HEADER) - len(row)) for row in rows])
    columnar, _ = both_lanes(data)
    assert frame_of(columnar)["line"].to_list() == [2, 4]
    records, rejects = converted(columnar, 10)
    assert [record.external_id for record in records] == ["R1|2026-01-02T10:00:00+00:00"]
    assert [(reject.line, reject.reason) for reject in rejects] == [(4, "nps 11 is out of range 0-10")]


def test_read_csv_columns__refuses_what_polars_may_read_otherwise() -> None:
    assert read_csv_columns(b"a,b\n1,2\n", ",", 2, 2) is not None
    assert read_csv_columns(b"a,b\r1,2\r", ",", 2, 2) is None
    assert read_csv_columns(b"a,b\n1,2,3\n", ",", 2, 2) is None
    assert read_csv_columns(b"a,b\n", ",", 2, 2) is None  # no data rows: nothing to gain


def test_py_whitespace__is_what_str_strip_removes() -> None:
    assert set(PY_WHITESPACE) == {chr(code) for code in range(0x110000) if chr(code).isspace()}
