"""The orders importer: presets (Shopify, Square, WooCommerce), generic detection, amounts, dates, merged line
items, rejects and the customer's hash, on small literal files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import collectors.columns as columns
from collectors.base import hash_author
from collectors.orders import plan_order_file
from collectors.orders.conversion import OrderChunks, read_amounts
from pulse.errors import InputError
from store.records import Rejected

SHOPIFY = """Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,\
Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,\
Lineitem name,Lineitem price,Billing Name,Billing Phone,Location,Source
#1001,Ann@Example.com,paid,2026-01-15 10:24:00 -0500,fulfilled,,no,USD,20.00,5.00,2.00,27.00,,0.00,Standard,\
2026-01-15 10:23:45 -0500,2,Sourdough loaf,8.00,Ann Smith,+44 7700 900123,,web
#1001,Ann@Example.com,,,,,,,,,,,,,,2026-01-15 10:23:45 -0500,1,Croissant,4.00,,,,
#1002,bob@example.com,refunded,2026-01-16 09:00:00 -0500,,,,USD,4.00,0,0,4.00,,0.00,,\
2026-01-16 09:00:00 -0500,1,Coffee,4.00,Bob Jones,,High Street,pos
#1003,cy@example.com,paid,,,,,USD,,,,"1,204.50",,,,yesterday,1,Cake,4.00,,,,web
"""
SQUARE = """Date,Time,Time Zone,Gross Sales,Discounts,Net Sales,Tax,Tip,Total Collected,Source,Transaction ID,\
Payment ID,Description,Event Type,Location,Dining Option,Customer ID,Customer Name,Customer Reference ID
01/15/2026,13:45:12,Eastern Time (US & Canada),$12.50,$0.00,$12.50,$1.00,$2.00,$15.50,Point of Sale,TX1,PAY1,\
Latte x2,Payment,High Street,For Here,CUST1,Ann Smith,
01/16/2026,09:00:00,Eastern Time (US & Canada),-$4.00,$0.00,-$4.00,$0.00,$0.00,-$4.00,Square Online,TX2,PAY2,\
Coffee,Refund,Station Road,,CUST2,Bob Jones,
01/17/2026,10:00:00,Eastern Time (US & Canada),$5.00,$0.00,$5.00,$0.00,$0.00,five dollars,Point of Sale,TX3,PAY3,\
Tea,Payment,High Street,,CUST1,Ann Smith,
"""
WOOCOMMERCE = """Date,Order #,Status,Customer,Customer type,Product(s),Items sold,Coupon(s),Net Sales
2026-01-15 10:23:45,1234,Completed,Ann Smith,new,"Sourdough loaf, Croissant",3,,20.00
2026-01-16 11:00:00,1235,Completed,Bob Jones,returning,Coffee,1,WELCOME,4.00
"""
DEMO = """order_id,customer_id,created_at,amount,channel,location
O1,c1,2026-11-16T09:00:00Z,12.50,in-store,High Street
O2,c2,2026-11-17 10:00:00,8,online,
O3,,2026-11-18T11:00:00Z,,in-store,High Street
O4,c1,not a date,3.20,in-store,High Street
O5,c3,2026-11-19T11:00:00Z,abc,in-store,High Street
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def imported(path: Path, **options: Any) -> tuple[pl.DataFrame, list[Rejected], int]:
    plan = plan_order_file(path, timezone="Europe/London", **options)
    batches = list(plan.batches("salt"))
    records = pl.concat([records for records, _rejects, _merged in batches])
    return records, [r for _records, rejects, _merged in batches for r in rejects], sum(b[2] for b in batches)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def test_plan_order_file__shopify_preset_by_its_real_columns(tmp_path: Path) -> None:
    plan = plan_order_file(write(tmp_path, "orders_export.csv", SHOPIFY), timezone="Europe/London")
    assert plan.preset == "shopify"
    assert plan.mapping == {
        "order_id": "Name",
        "ordered_at": "Created at",
        "customer": "Email",
        "amount": "Total",
        "channel": "Source",
        "location": "Location",
        "item_count": "Lineitem quantity",
        "items": "Lineitem name",
    }
    assert plan.left_out == ["Billing Name", "Billing Phone"]


def test_convert__shopify_line_items_are_one_order_with_the_first_rows_total(tmp_path: Path) -> None:
    records, rejects, merged = imported(write(tmp_path, "orders_export.csv", SHOPIFY))
    assert records["external_id"].to_list() == ["#1001", "#1002"]
    first = records.row(0, named=True)
    assert first["ordered_at"] == utc(2026, 1, 15, 15, 23, 45)  # -0500
    assert (first["amount"], first["item_count"], first["items"]) == (27.0, 3, "Sourdough loaf; Croissant")
    assert first["customer_hash"] == hash_author("ann@example.com", "salt")  # case-folded, as surveys do
    assert records["channel"].to_list() == ["online", "in-store"]  # web, pos
    assert records["location"].to_list() == [None, "High Street"]
    assert merged == 1
    assert [(r.line, r.reason) for r in rejects] == [(5, "unparseable date 'yesterday'")]
    assert "cy@example.com" not in rejects[0].raw and "[removed]" in rejects[0].raw
    assert rejects[0].author_hash == hash_author("cy@example.com", "salt")  # so that `pulse forget` finds it
    raw = records["raw"][0] or ""
    assert (
        "Financial Status" in raw and "Ann Smith" not in raw and "7700" not in raw
    )  # personal columns left out


def test_convert__square_date_and_time_columns_refunds_and_bad_amounts(tmp_path: Path) -> None:
    plan = plan_order_file(write(tmp_path, "transactions.csv", SQUARE), timezone="America/New_York")
    assert plan.preset == "square"
    assert {
        name: plan.mapping.get(name) for name in ("order_id", "ordered_at", "time", "amount", "customer")
    } == {
        "order_id": "Transaction ID",
        "ordered_at": "Date",
        "time": "Time",
        "amount": "Total Collected",
        "customer": "Customer ID",
    }
    assert plan.dayfirst is False  # 01/15/2026
    batches = list(plan.batches("salt"))
    records = pl.concat([b[0] for b in batches])
    rejects = [r for b in batches for r in b[1]]
    assert records.select("external_id", "ordered_at", "amount", "channel").rows() == [
        ("TX1", utc(2026, 1, 15, 18, 45, 12), 15.5, "in-store"),
        ("TX2", utc(2026, 1, 16, 14), -4.0, "online"),
    ]
    assert records["customer_hash"][0] == hash_author("cust1", "salt")
    assert [(r.line, r.reason) for r in rejects] == [(4, "amount 'five dollars' is not a number")]
    assert "Ann Smith" not in rejects[0].raw  # Customer Name: personal, left out


def test_convert__woocommerce_orders_report(tmp_path: Path) -> None:
    plan = plan_order_file(write(tmp_path, "orders.csv", WOOCOMMERCE), timezone="UTC")
    assert plan.preset == "woocommerce"
    assert plan.mapping == {
        "order_id": "Order #",
        "ordered_at": "Date",
        "customer": "Customer",
        "amount": "Net Sales",
        "item_count": "Items sold",
        "items": "Product(s)",
    }
    records, rejects, _merged = imported(write(tmp_path, "orders.csv", WOOCOMMERCE))
    assert records.select("external_id", "amount", "item_count", "items").rows() == [
        ("1234", 20.0, 3, "Sourdough loaf, Croissant"),
        ("1235", 4.0, 1, "Coffee"),
    ]
    assert records["customer_hash"][1] == hash_author("bob jones", "salt")
    assert "Bob Jones" not in (records["raw"][1] or "")
    assert rejects == []


def test_plan_order_file__the_demos_columns_are_found_without_a_map(tmp_path: Path) -> None:
    plan = plan_order_file(write(tmp_path, "orders.csv", DEMO), timezone="Europe/London")
    assert plan.preset is None
    assert plan.mapping == {
        "order_id": "order_id",
        "ordered_at": "created_at",
        "customer": "customer_id",
        "amount": "amount",
        "channel": "channel",
        "location": "location",
    }
    records, rejects, merged = imported(write(tmp_path, "orders.csv", DEMO))
    assert records.select("external_id", "ordered_at", "amount").rows() == [
        ("O1", utc(2026, 11, 16, 9), 12.5),
        ("O2", utc(2026, 11, 17, 10), 8.0),  # London in winter: UTC
        ("O3", utc(2026, 11, 18, 11), None),  # an amount left empty is unknown
    ]
    assert records["customer_hash"].to_list()[2] is None
    assert [(r.line, r.reason) for r in rejects] == [
        (5, "unparseable date 'not a date'"),
        (6, "amount 'abc' is not a number"),
    ]
    assert merged == 0


def test_plan_order_file__generic_words_and_values(tmp_path: Path) -> None:
    text = (
        "Receipt No,Visit Date,Guest Email,Spend (£),Branch,Notes\n"
        "A-1,16/11/2026 09:30,ann@example.com,£12.50,High Street,window seat\n"
        'A-2,17/11/2026 10:00,bob@example.com,"£1,204.00",Station Road,\n'
    )
    plan = plan_order_file(write(tmp_path, "visits.csv", text), timezone="Europe/London")
    assert plan.mapping == {
        "order_id": "Receipt No",
        "ordered_at": "Visit Date",
        "customer": "Guest Email",
        "amount": "Spend (£)",
        "location": "Branch",
    }
    assert plan.dayfirst is True
    records, _rejects, _merged = imported(write(tmp_path, "visits.csv", text))
    assert records["amount"].to_list() == [12.5, 1204.0]
    assert records["ordered_at"][0] == utc(2026, 11, 16, 9, 30)


def test_plan_order_file__map_and_mapping_file_win(tmp_path: Path) -> None:
    text = "ref,when,who,paid\nX1,2026-11-16T09:00:00Z,c1,3.50\n"
    path = write(tmp_path, "till.csv", text)
    plan = plan_order_file(
        path, timezone="UTC", mapping_overrides={"id": "ref", "date": "when", "email": "who", "total": "paid"}
    )
    assert plan.mapping == {"order_id": "ref", "ordered_at": "when", "customer": "who", "amount": "paid"}
    with pytest.raises(InputError, match="no field 'nps'"):
        plan_order_file(path, timezone="UTC", mapping_overrides={"nps": "paid"})
    with pytest.raises(InputError, match="no column 'nothing'"):
        plan_order_file(path, timezone="UTC", mapping_overrides={"amount": "nothing"})


def test_plan_order_file__without_an_order_id_each_row_is_known_by_its_cells(tmp_path: Path) -> None:
    plan = plan_order_file(
        write(tmp_path, "t.csv", "Order Date,Order Total,Order Status\n2026-11-16,3,paid\n"), timezone="UTC"
    )
    assert plan.mapping == {"ordered_at": "Order Date", "amount": "Order Total"}  # no order id among them
    text = "Date,Total\n2026-11-16T09:00:00Z,3.50\n2026-11-16T09:00:00Z,3.50\n2026-11-17T09:00:00Z,4\n"
    records, _rejects, merged = imported(write(tmp_path, "till.csv", text))
    ids = records["external_id"].to_list()
    assert len(ids) == 2 and all(key.startswith("sha256:") for key in ids)  # the repeated row is one order
    assert merged == 1


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("12.50", 12.5),
        ("$12.50", 12.5),
        ("-$4.00", -4.0),
        ("($4.00)", -4.0),
        ("4.00-", -4.0),
        ("£1,204.50", 1204.5),
        ("1.204,50 €", 1204.5),
        ("12,50", 12.5),
        ("1,234", 1234.0),
        ("USD 7", 7.0),
        ("1'234.50 CHF", 1234.5),
        ("", None),
    ],
)
def test_read_amounts__currency_signs_separators_and_refunds(text: str, amount: float | None) -> None:
    amounts, errors = read_amounts(pl.Series([text], dtype=pl.String))
    assert amounts[0] == amount
    assert errors[0] is None


@pytest.mark.parametrize("text", ["abc", "1.2.3,4,5", "--3", "12 for 2"])
def test_read_amounts__not_a_number_is_said(text: str) -> None:
    amounts, errors = read_amounts(pl.Series([text], dtype=pl.String))
    assert amounts[0] is None
    assert errors[0] == f"amount '{text}' is not a number"


def test_order_chunks__an_orders_rows_split_by_a_chunks_end_stay_together() -> None:
    frames = [
        pl.DataFrame({"c0": ["A", "B", "B"], "line": [2, 3, 4]}),
        pl.DataFrame({"c0": ["B", "C", "C"], "line": [5, 6, 7]}),
        pl.DataFrame({"c0": ["C", None], "line": [8, 9]}),
    ]
    chunks = OrderChunks(iter([(frame, []) for frame in frames]), "c0")
    assert [frame["line"].to_list() for frame, _skipped in chunks] == [[2], [3, 4, 5], [6, 7, 8, 9]]


def test_convert__shopify_order_split_across_csv_chunks_is_one_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    header, first, second, *_rest = SHOPIFY.splitlines()
    lines = [header]
    for number in range(300):  # orders of two rows each, over many small chunks
        lines += [first.replace("#1001", f"#{number}"), second.replace("#1001", f"#{number}")]
    monkeypatch.setattr(columns, "CSV_CHUNK_BYTES", 1_000)
    records, rejects, merged = imported(write(tmp_path, "orders_export.csv", "\n".join(lines) + "\n"))
    assert records.height == 300 and merged == 300 and rejects == []
    assert set(records["item_count"].to_list()) == {3}


def test_check_importable__no_date_column_is_refused(tmp_path: Path) -> None:
    from collectors.orders import check_importable

    plan = plan_order_file(write(tmp_path, "x.csv", "Order ID,Total\nA,3\n"), timezone="UTC")
    with pytest.raises(InputError, match="no order date column"):
        check_importable(plan)
