"""Orders on a real store (SQLite and PostgreSQL): import, re-import and overlapping exports add nothing, rejects
kept, the orders frame, the same hash as a survey respondent, `pulse forget`, `pulse import --kind order`; and two
laws (every row imported, merged or rejected; importing the same file twice adds nothing)."""

from __future__ import annotations

import csv
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from collectors.base import run_collector
from collectors.orders import OrderFileCollector, import_orders
from collectors.surveys import SurveyFileCollector
from store.engine import reading
from store.feedback import read_feedback, read_rejected
from store.forget import count_author, forget_author
from store.orders import ORDERS_FRAME_SCHEMA, read_orders
from store.schema import orders, rejected_rows
from store.sources import read_sources

ORDERS = """order_id,customer_id,created_at,amount,channel,location
O1,Ann@Example.com,2026-11-16T09:00:00Z,12.50,in-store,High Street
O2,c2,2026-11-17T10:00:00Z,8,online,
O3,,2026-11-18T11:00:00Z,,in-store,High Street
O4,ann@example.com,not a date,3.20,in-store,High Street
O5,c3,2026-11-19T11:00:00Z,abc,in-store,High Street
"""
LATER = """order_id,customer_id,created_at,amount,channel,location
O2,c2,2026-11-17T10:00:00Z,8,online,
O3,,2026-11-18T11:00:00Z,,in-store,High Street
O6,ann@example.com,2026-11-20T12:00:00Z,-4.00,online,
"""
SURVEY = """response_id,submitted_at,email,nps,comment
R1,2026-11-16T09:30:00Z,ANN@example.com,3,The chatbot kept looping.
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def counts(result: object) -> tuple[int, int, int, int]:
    return (result.new, result.duplicate, result.rejected, result.merged)  # type: ignore[attr-defined]


def test_import_orders__again_and_an_overlapping_export_add_nothing_rejects_kept_once(
    engine: Engine, tmp_path: Path
) -> None:
    path = write(tmp_path, "orders.csv", ORDERS)
    assert counts(import_orders(engine, OrderFileCollector(path, timezone="UTC"))) == (3, 0, 2, 0)
    assert counts(import_orders(engine, OrderFileCollector(path, timezone="UTC"))) == (0, 3, 2, 0)
    later = write(tmp_path, "orders (2).csv", LATER)  # another name, overlapping: the same source
    assert counts(import_orders(engine, OrderFileCollector(later, timezone="UTC"))) == (1, 2, 0, 0)
    with reading(engine) as connection:
        assert connection.execute(select(func.count()).select_from(orders)).scalar_one() == 4
        assert connection.execute(select(func.count()).select_from(rejected_rows)).scalar_one() == 2
    rejected = read_rejected(engine)
    assert sorted(zip(rejected["line"], rejected["reason"], strict=True)) == [
        (5, "unparseable date 'not a date'"),
        (6, "amount 'abc' is not a number"),
    ]
    assert set(rejected["source"]) == {"Orders"}
    assert not any("ann@" in raw.casefold() for raw in rejected["raw"])
    listed = read_sources(engine).row(0, named=True)  # what the Sources page lists
    assert (listed["name"], listed["kind"], listed["feedback"], listed["rejected"]) == (
        "Orders",
        "order",
        4,
        2,
    )
    assert listed["last_new_item"] is not None


def test_read_orders__the_orders_frame_up_to_a_moment(engine: Engine, tmp_path: Path) -> None:
    empty = read_orders(engine)
    assert empty.schema == pl.Schema(ORDERS_FRAME_SCHEMA) and empty.height == 0
    import_orders(engine, OrderFileCollector(write(tmp_path, "orders.csv", ORDERS), timezone="UTC"))
    frame = read_orders(engine)
    assert frame.schema == pl.Schema(ORDERS_FRAME_SCHEMA)
    assert frame.select("order_id", "ordered_at", "amount", "channel", "location").rows() == [
        ("O1", datetime(2026, 11, 16, 9, tzinfo=UTC), 12.5, "in-store", "High Street"),
        ("O2", datetime(2026, 11, 17, 10, tzinfo=UTC), 8.0, "online", None),
        ("O3", datetime(2026, 11, 18, 11, tzinfo=UTC), None, "in-store", "High Street"),
    ]
    assert frame["customer_hash"][2] is None and frame["source_id"].n_unique() == 1
    until = read_orders(engine, until=datetime(2026, 11, 17, 10, tzinfo=UTC))
    assert until["order_id"].to_list() == ["O1"]


def test_import_orders__the_same_email_gives_the_same_hash_as_in_a_survey(
    engine: Engine, tmp_path: Path
) -> None:
    run_collector(engine, SurveyFileCollector(write(tmp_path, "survey.csv", SURVEY), timezone="UTC"))
    import_orders(engine, OrderFileCollector(write(tmp_path, "orders.csv", ORDERS), timezone="UTC"))
    respondent = read_feedback(engine, columns=("author_hash",))["author_hash"][0]
    customers = read_orders(engine).filter(pl.col("order_id") == "O1")["customer_hash"]
    assert respondent is not None and customers.to_list() == [respondent]


def test_forget_author__deletes_a_persons_orders_and_their_rejected_rows(
    engine: Engine, tmp_path: Path
) -> None:
    import_orders(engine, OrderFileCollector(write(tmp_path, "orders.csv", ORDERS), timezone="UTC"))
    import_orders(engine, OrderFileCollector(write(tmp_path, "later.csv", LATER), timezone="UTC"))
    found = count_author(engine, "ANN@example.com")
    assert (found.orders, found.rejected_rows, found.nothing) == (2, 1, False)  # O1, O6; O4 rejected
    forgotten = forget_author(engine, "ANN@example.com")
    assert (forgotten.orders, forgotten.rejected_rows) == (2, 1)
    assert "2 orders" in forgotten.describe()
    assert sorted(read_orders(engine)["order_id"]) == ["O2", "O3"]
    assert count_author(engine, "ann@example.com").nothing


def test_pulse_import_kind_order__json_then_human_output(pulse_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "orders.csv", ORDERS)
    first: Result = pulse_cli("import", str(path), "--kind", "order", "--json")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert {
        key: summary[key] for key in ("imported", "duplicates", "rejected", "source", "merged_lines")
    } == {
        "imported": 3,
        "duplicates": 0,
        "rejected": 2,
        "source": "Orders",
        "merged_lines": 0,
    }
    assert summary["mapping"]["customer"] == "customer_id"
    assert [row["line"] for row in summary["rejected_rows"]] == [5, 6]
    again = pulse_cli("import", str(path), "--kind", "order", "--map", "amount=amount")
    assert again.exit_code == 0, again.output
    assert "amount       <- amount" in again.output
    assert "Imported 0 new orders, 3 already there, 2 rejected." in again.output
    forgotten = pulse_cli("forget", "--email", "ann@example.com", "--yes")
    assert forgotten.exit_code == 0, forgotten.output
    assert "1 orders" in forgotten.output


def test_pulse_import_kind_order__a_source_of_surveys_is_refused(pulse_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    survey = pulse_cli("import", str(write(tmp_path, "survey.csv", SURVEY)), "--source", "Shop")
    assert survey.exit_code == 0, survey.output
    result = pulse_cli(
        "import", str(write(tmp_path, "orders.csv", ORDERS)), "--kind", "order", "--source", "Shop"
    )
    assert result.exit_code == 1
    assert "holds surveys, not orders" in result.output


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["A1", "A2", "A3", "B1", ""]),
            st.one_of(
                st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1)).map(datetime.isoformat), st.just("")
            ),
            st.sampled_from(["12.50", "-4", "", "abc", "£1,204.00"]),
            st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=12),
        ),
        max_size=15,
    )
)
def test_import_orders__every_row_imported_merged_or_rejected_and_twice_adds_nothing(
    sqlite_engine: Engine, tmp_path: Path, rows: list[tuple[str, str, str, str]]
) -> None:
    path = tmp_path / f"{uuid.uuid4().hex}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Order ID", "Order Date", "Total", "Customer Email"])
        writer.writerows(rows)
    source = f"Orders {path.stem}"
    first = import_orders(sqlite_engine, OrderFileCollector(path, source_name=source, timezone="UTC"))
    assert first.new + first.duplicate + first.rejected + first.merged == len(rows)
    second = import_orders(sqlite_engine, OrderFileCollector(path, source_name=source, timezone="UTC"))
    assert second.new == 0
    assert second.duplicate == first.new + first.duplicate
    assert (second.rejected, second.merged) == (first.rejected, first.merged)
