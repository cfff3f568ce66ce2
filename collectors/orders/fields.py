"""Which column holds each order field: by a preset's real column names (Shopify, Square, WooCommerce), the
header's words and the first rows' values, or as the user maps them (`--map field=column`, a mapping file). The
column profiles and the header ranking are the survey importer's (collectors.surveys.mapping)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from collectors.orders.conversion import amount_share
from collectors.surveys.mapping import Profile, best_profile, header_rank
from collectors.values import looks_like_date, norm

FIELDS = (
    "order_id",
    "ordered_at",
    "time",
    "customer",
    "amount",
    "channel",
    "location",
    "item_count",
    "items",
)
FIELD_LABELS = {
    "order_id": "Order ID",
    "ordered_at": "Date ordered",
    "time": "Time of day (when the date is a column of its own)",
    "customer": "Customer (id or email, stored hashed)",
    "amount": "Amount",
    "channel": "Channel",
    "location": "Location",
    "item_count": "Item count",
    "items": "Items",
}
FIELD_HELP = (
    "order_id (alias id), ordered_at (the order's date or date and time; alias date, created_at), time (a "
    "time-of-day column beside a date column), customer (id or email, stored hashed; alias email, customer_id), "
    "amount (alias total), channel, location, item_count (alias quantity), items"
)
FIELD_ALIASES = {
    "id": "order_id",
    "order": "order_id",
    "date": "ordered_at",
    "created_at": "ordered_at",
    "timestamp": "ordered_at",
    "email": "customer",
    "customer_id": "customer",
    "respondent": "customer",
    "total": "amount",
    "quantity": "item_count",
}

# The presets' real column names, normalised as collectors.values.norm does. Where they come from:
# - Shopify: the orders export (Admin > Orders > Export, "Orders_export.csv"): "Name" (#1001), "Email",
#   "Financial Status", "Paid at", ..., "Total", ..., "Created at" (2024-01-15 10:23:45 -0500), "Lineitem quantity",
#   "Lineitem name", ..., "Location", "Source" (web, pos...). One row per line item: the order's fields (Total,
#   Financial Status...) on its first row only. Names as in Shopify's help centre ("Exporting orders") and as
#   open-source readers of the file use them (e.g. laplace-live/shopify-csv-converter, AaronLain/tenderloin).
# - Square: the transactions export (Dashboard > Transactions > Export > Transactions CSV): "Date", "Time",
#   "Time Zone", "Gross Sales", "Discounts", ..., "Net Sales", ..., "Total Collected", "Source", ..., "Transaction
#   ID", "Payment ID", ..., "Description", "Event Type", "Location", "Dining Option", "Customer ID", "Customer
#   Name", "Customer Reference ID". Date and time of day are columns of their own.
# - WooCommerce: Analytics > Orders > Download (CSV): "Date", "Order #", "Status", "Customer", "Customer type",
#   "Product(s)", "Items sold", "Coupon(s)", "Net Sales" (as in WooCommerce's Analytics documentation and the
#   orders report table of woocommerce-admin). "Customer" is the customer's name: the only customer column.
PRESET_LABELS = {"shopify": "Shopify", "square": "Square", "woocommerce": "WooCommerce", "generic": "generic"}
PRESETS = tuple(PRESET_LABELS)
PRESET_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "shopify": {
        "order_id": ("name",),
        "ordered_at": ("createdat", "paidat"),
        "customer": ("email",),
        "amount": ("total",),
        "channel": ("source",),
        "location": ("location",),
        "item_count": ("lineitemquantity",),
        "items": ("lineitemname",),
    },
    "square": {
        "order_id": ("transactionid", "paymentid"),
        "ordered_at": ("date",),
        "time": ("time",),
        "customer": ("customerid", "customerreferenceid"),
        "amount": ("totalcollected", "netsales", "grosssales"),
        "channel": ("source",),
        "location": ("location",),
        "items": ("description",),
    },
    "woocommerce": {
        "order_id": ("order#",),
        "ordered_at": ("date",),
        "customer": ("customer",),
        "amount": ("netsales",),
        "item_count": ("itemssold",),
        "items": ("products",),
    },
}
PRESET_SOURCES = {  # the source a preset's orders go into, whatever the file is called
    "shopify": "Shopify orders",
    "square": "Square transactions",
    "woocommerce": "WooCommerce orders",
}
GENERIC_SOURCE = "Orders"
PRESET_CHANNELS = {  # a preset's channel values as Pulse's channels (the others are kept as written)
    "web": "online",
    "onlinestore": "online",
    "squareonline": "online",
    "ecommerceapi": "online",
    "shopifydraftorder": "online",
    "pos": "in-store",
    "pointofsale": "in-store",
    "registers": "in-store",
}


def detect_preset(columns: Sequence[str]) -> str | None:
    """The export a header comes from, by names only that export has together."""
    names = {norm(column) for column in columns}
    if {"name", "financialstatus", "createdat", "lineitemname"} <= names:
        return "shopify"
    if {"date", "time", "transactionid", "grosssales"} <= names:
        return "square"
    if {"order#", "netsales", "itemssold"} <= names:
        return "woocommerce"
    return None


# Per field: words looked for in a column's normalised name (earlier ones win), and words that rule it out.
HEADER_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "order_id": (
        (
            "orderid",
            "ordernumber",
            "orderno",
            "ordernr",
            "order#",
            "ordername",
            "transactionid",
            "receiptnumber",
            "receiptid",
            "invoicenumber",
            "invoiceid",
            "visitid",
            "bookingid",
            "saleid",
            "paymentid",
            "receipt",
            "invoice",
            "order",
            "id",
            "#",
        ),
        (
            "customer",
            "client",
            "member",
            "user",
            "product",
            "lineitem",
            "sku",
            "location",
            "store",
            "date",
            "total",
            "amount",
            "value",
            "status",
            "type",
            "channel",
            "count",
            "quantity",
        ),
    ),
    "ordered_at": (
        (
            "orderedat",
            "orderdate",
            "createdat",
            "purchasedat",
            "purchasedate",
            "transactiondate",
            "saledate",
            "visitdate",
            "visitedat",
            "paidat",
            "created",
            "datetime",
            "timestamp",
            "date",
            "time",
        ),
        ("birth", "dob", "fulfilled", "shipped", "cancelled", "refunded", "updated", "due", "zone"),
    ),
    "customer": (
        (
            "customerid",
            "customeremail",
            "email",
            "clientid",
            "memberid",
            "userid",
            "loyaltyid",
            "customernumber",
            "customer",
            "client",
            "member",
            "guest",
            "buyer",
        ),
        ("type", "segment", "since", "count", "note"),
    ),
    "amount": (
        (
            "ordertotal",
            "total",
            "amount",
            "netsales",
            "grosssales",
            "revenue",
            "value",
            "spend",
            "sales",
            "price",
            "subtotal",
            "paid",
        ),
        (
            "tax",
            "shipping",
            "discount",
            "tip",
            "fee",
            "refunded",
            "outstanding",
            "compare",
            "lineitem",
            "count",
            "quantity",
            "items",
            "currency",
            "date",
            "paidat",
        ),
    ),
    "channel": (
        ("channel", "ordertype", "saleschannel", "source", "medium", "via", "platform", "diningoption"),
        ("utm", "referr"),
    ),
    "location": (
        ("location", "store", "branch", "shop", "outlet", "venue", "site", "city", "region"),
        ("latitude", "longitude", "ipaddress", "url", "website", "shipping", "billing"),
    ),
    "item_count": (
        ("itemcount", "itemssold", "numberofitems", "quantity", "qty", "items", "units"),
        ("name", "price", "sku"),
    ),
    "items": (
        ("items", "products", "product", "lineitemname", "itemname", "basket", "description"),
        ("count", "sold", "quantity", "qty", "price", "number", "id", "sku"),
    ),
}
TIME_NAMES = ("time", "ordertime", "transactiontime", "visittime", "timeofday")  # a time-of-day column


def guess_mapping(
    profiles: list[Profile],
    preset: str | None,
    taken: dict[str, int],
    personal: set[int],
) -> dict[str, int]:
    """field -> column index for the fields not given: by the preset's names, then header words, then values.
    A personal column may be the customer (hashed) or, for a preset, the order id (Shopify's "Name"); never
    an amount, a count or a descriptive field."""
    mapping = dict(taken)
    free = [profile for profile in profiles if profile.index not in set(mapping.values())]

    def take(field_name: str, profile: Profile | None) -> None:
        if profile is not None and field_name not in mapping:
            mapping[field_name] = profile.index
            free.remove(profile)

    for field_name, names in PRESET_COLUMNS.get(preset or "", {}).items():
        by_name = {norm(profile.name): profile for profile in free}
        take(field_name, next((by_name[name] for name in names if name in by_name), None))
    for field_name in (
        "order_id",
        "ordered_at",
        "customer",
        "amount",
        "item_count",
        "items",
        "channel",
        "location",
    ):
        candidates = (
            free if field_name in ("order_id", "customer", "ordered_at") else _impersonal(free, personal)
        )
        take(field_name, _best_by_header(candidates, field_name))
    take("ordered_at", best_profile(free, lambda p: p.date_share, 0.9))
    take("customer", best_profile(free, lambda p: p.email_share, 0.8))
    if "ordered_at" in mapping and "time" not in mapping:
        take(
            "time",
            next((p for p in free if norm(p.name) in TIME_NAMES and _fits(p, "time")), None),
        )
    return mapping


def _impersonal(profiles: Iterable[Profile], personal: set[int]) -> list[Profile]:
    return [profile for profile in profiles if profile.index not in personal]


def _best_by_header(profiles: list[Profile], field_name: str) -> Profile | None:
    ranked = [
        (rank, profile.index, profile)
        for profile in profiles
        if (rank := header_rank(profile.label, field_name, HEADER_WORDS)) is not None
        and _fits(profile, field_name)
    ]
    return min(ranked, key=lambda item: item[:2])[2] if ranked else None


def _fits(profile: Profile, field_name: str) -> bool:
    """Whether the column's first values fit the field (an empty column fits nothing, unless the whole file
    has no rows: its header then decides)."""
    if not profile.values:
        return profile.unseen
    if field_name == "ordered_at":
        return profile.share(lambda v: looks_like_date(v) or isinstance(v, int | float)) >= 0.8
    if field_name == "time":
        return profile.share(lambda v: ":" in str(v)) >= 0.8
    if field_name == "amount":
        return amount_share(profile.values) >= 0.5  # a matching header is strong evidence
    if field_name == "item_count":
        return profile.number_share >= 0.9
    if field_name == "order_id":
        return profile.date_share < 0.5 and profile.email_share < 0.5
    if field_name in ("items", "channel", "location"):
        short = field_name == "items" or profile.mean_length <= 80
        return short and profile.email_share < 0.5 and profile.number_share < 0.5
    return True
