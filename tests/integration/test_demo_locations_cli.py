"""`pulse demo --locations`: the franchise's answers and orders go in through the collectors, once, on SQLite and
PostgreSQL."""

from __future__ import annotations

import os

import polars as pl

from collectors.demo_locations import CAFES, franchise_answers, franchise_orders, read_comment_bank
from pulse.settings import build_settings
from store.daily_counts import read_daily_counts
from store.engine import build_engine
from store.orders import read_orders


def test_demo_locations__loads_twelve_cafes_once_and_again_adds_nothing(pulse_cli) -> None:  # type: ignore[no-untyped-def]
    first = pulse_cli("demo", "--locations")
    assert first.exit_code == 0, first.output
    assert "12 cafés; 4873 new survey answers, 0 already there; 13647 new orders" in first.output
    again = pulse_cli("demo", "--locations")
    assert "0 new survey answers, 4873 already there; 0 new orders (13647 already there)" in again.output
    engine = build_engine(os.environ["PULSE_DATABASE_URL"])
    try:
        daily = read_daily_counts(engine, "Europe/London")
        orders = read_orders(engine)
    finally:
        engine.dispose()
    per_cafe = daily.group_by("location").agg(pl.col("nps_n").sum()).sort("nps_n")
    assert per_cafe.height == len(CAFES) == 12
    assert per_cafe["location"][0] == "Village Green" and per_cafe["nps_n"][0] < 40  # the tiny one
    assert sorted(orders["location"].unique().to_list()) == sorted(cafe.name for cafe in CAFES)


def test_franchise_demo__same_seed_same_rows() -> None:
    bank = read_comment_bank(build_settings().demo_dir / "comments.csv")
    assert franchise_answers(bank) == franchise_answers(bank)
    assert franchise_orders().equals(franchise_orders())
    assert franchise_answers(bank, seed=1) != franchise_answers(bank)
