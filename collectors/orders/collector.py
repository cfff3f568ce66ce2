"""An orders export file into the store: the source it goes into, and the import, recorded as a collector run."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from collectors.base import prefetched
from collectors.orders.fields import GENERIC_SOURCE, PRESET_SOURCES
from collectors.orders.plan import OrderPlan, plan_order_file
from pulse.errors import InputError
from store.authors import read_author_salt
from store.engine import Engine, bulk_writes
from store.orders import upsert_orders
from store.records import Rejected, SourceSpec
from store.runs import recorded_run
from store.sources import read_source_identities


@dataclass
class OrderImportResult:
    """Counts of one import: orders new and already stored, rows rejected, and rows merged into an order
    (Shopify's later line items, or a row repeating an order id just above it)."""

    new: int = 0
    duplicate: int = 0
    rejected: int = 0
    merged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "new": self.new,
            "duplicate": self.duplicate,
            "rejected": self.rejected,
            "merged": self.merged,
        }


@dataclass
class OrderFileCollector:
    """An orders export file. `plan` (computed on first use) reads the file once to decide the mapping; the
    orders go into the source named by the user, else the preset's ("Shopify orders"), else "Orders", so that
    every export of one shop, overlapping or not and whatever its file name, goes into one source, where the
    store adds only the orders it does not hold yet. The first rejects are kept for a report."""

    path: Path
    source_name: str | None = None
    mapping_overrides: Mapping[str, str] | None = None
    preset: str | None = None
    dayfirst: bool | None = None
    timezone: str | None = None
    header_row: int | None = None
    sheet: str | None = None
    keep_rejects: int = 20
    first_rejects: list[Rejected] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.path = Path(self.path)

    @cached_property
    def plan(self) -> OrderPlan:
        return plan_order_file(
            self.path,
            None,
            self.mapping_overrides,
            self.preset,
            self.dayfirst,
            self.timezone,
            header_row=self.header_row,
            sheet=self.sheet,
        )

    @property
    def source(self) -> SourceSpec:
        name = self.source_name or PRESET_SOURCES.get(self.plan.preset or "", GENERIC_SOURCE)
        return SourceSpec(name, "order", self.plan.platform)

    @property
    def name(self) -> str:
        return f"order-file:{self.source.name}"


def check_order_source(engine: Engine, name: str) -> None:
    """InputError when the source `name` exists and holds something else than orders."""
    existing = next((source for source in read_source_identities(engine) if source.name == name), None)
    if existing is not None and existing.kind != "order":
        raise InputError(
            f"The source {name!r} holds {existing.kind}s, not orders; nothing was imported.",
            hint="Give another --source name for the orders.",
        )


def import_orders(
    engine: Engine, collector: OrderFileCollector, progress: Callable[[int], None] | None = None
) -> OrderImportResult:
    """Import the file's orders into the store, recorded as a collector run; importing it again adds nothing.
    Converting the next chunk overlaps with storing this one (collectors.base.prefetched)."""
    source = collector.source
    check_order_source(engine, source.name)
    result = OrderImportResult()
    salt = read_author_salt(engine)
    with recorded_run(engine, "collector", collector.name) as run:
        try:
            with bulk_writes(engine):
                for records, rejects, merged in prefetched(collector.plan.batches(salt)):
                    counts = upsert_orders(engine, source, records, rejects, run_id=run.id)
                    result.new += counts.new
                    result.duplicate += counts.duplicate
                    result.rejected += counts.rejected
                    result.merged += merged
                    room = collector.keep_rejects - len(collector.first_rejects)
                    collector.first_rejects += rejects[: max(room, 0)]
                    if progress:
                        progress(counts.new + counts.duplicate + counts.rejected + merged)
        finally:
            run.counts = result.as_dict()
    return result
