"""Orders and visits exports (CSV, XLSX, JSON) from Shopify, Square, WooCommerce or any till or booking system:
what customers do, beside what they say.

The file is read as a survey export is (collectors.surveys: the same reader, header finder, whole-file first pass
and survey Converter for times, hashes, raw payloads and rejected rows); the columns are found by a preset's real
names, the header's words and the first rows' values, or given with `--map` / a mapping file. Every data row becomes
part of an order or a Rejected with its line and reason.

    plan = plan_order_file(path)                     # mapping, notes, rows; InputError when unusable
    for orders, rejects, merged in plan.batches():   # every row: orders, rejects with lines, rows merged
    import_orders(engine, OrderFileCollector(path))  # into the store, recorded as a collector run

The package: fields.py (the fields, presets and detection), conversion.py (rows to orders, amounts), plan.py (the
whole-file decisions and notes), collector.py (the source and the import).

Choices worth knowing:
- One order per order id: Shopify lists one row per line item, with the order's totals on the first row only;
  the rows of an order are merged (the first amount, the sum of the item counts, the items' names).
- The customer (id or email) is stored only as the salted hash a survey respondent with the same id or email
  gets (case-folded, the store's salt), so purchases and feedback meet; `pulse forget` deletes a person's orders.
- Amounts: currency signs and codes are left out, a minus sign or parentheses mean a refund (negative), and 1,234.50,
  1.234,50 and 12,50 are read as meant. An empty amount is stored as unknown; one that is not a number is rejected.
- Without an order id column, each row is one order, known by a hash of its cells, so importing the same rows
  again adds nothing.
"""

from collectors.orders.collector import (
    OrderFileCollector,
    OrderImportResult,
    check_order_source,
    import_orders,
)
from collectors.orders.fields import FIELD_HELP, FIELDS, PRESETS
from collectors.orders.plan import OrderPlan, check_importable, plan_order_file

__all__ = [
    "FIELDS",
    "FIELD_HELP",
    "PRESETS",
    "OrderFileCollector",
    "OrderImportResult",
    "OrderPlan",
    "check_importable",
    "check_order_source",
    "import_orders",
    "plan_order_file",
]
