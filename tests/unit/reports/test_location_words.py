"""reports.locations: which locations differ, in words, and the figures as people read them."""

from __future__ import annotations

import polars as pl

from reports.locations import clarity_words, differ_sentence, format_location_change, format_location_value


def compared(rows: list[tuple[str, str, str | None, bool | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"location": pl.String, "measure": pl.String, "called_out": pl.String, "better": pl.Boolean},
        orient="row",
    )


def test_differ_sentence__names_each_location_with_its_measures_worse_and_better() -> None:
    frame = compared(
        [
            ("Riverside", "impersonal", "above", False),
            ("Riverside", "nps", "below", False),
            ("Old Town", "csat", "above", True),
            ("Mill Lane", "nps", None, None),
        ]
    )
    assert differ_sentence(frame, 12, "over the last 90 days") == (
        "Yes: 2 of 12 locations differ from the business over the last 90 days: "
        "Riverside (NPS and impersonal complaints worse), Old Town (CSAT better)."
    )
    one = compared([("Old Town", "nps", "above", True), ("Old Town", "repeat", "below", False)])
    assert differ_sentence(one, 3, "in these days") == (
        "Yes: 1 of 3 locations differs from the business in these days: Old Town (repeat customers worse; NPS better)."
    )


def test_differ_sentence__none_called_out_says_no() -> None:
    frame = compared([("A", "nps", None, None), ("B", "nps", None, None)])
    assert differ_sentence(frame, 2, "over the last 30 days").startswith(
        "No. None of the 2 locations differs from the business over the last 30 days"
    )


def test_format_location_value_and_change__each_measure_in_its_unit() -> None:
    assert format_location_value("nps", 23.4) == "+23"
    assert format_location_value("csat", 0.871) == "87%"
    assert format_location_value("impersonal", 0.042) == "4.2 per 100"
    assert format_location_value("repeat", None) == "–"
    assert format_location_change("nps", -46.2) == "-46 pts"
    assert format_location_change("impersonal", 0.051) == "+5.1 per 100"


def test_clarity_words__thin_locations_never_read_as_clear() -> None:
    assert clarity_words(-5.4, False) == "Clear change"
    assert clarity_words(2.1, False) == "Likely a change"
    assert clarity_words(1.0, False) == "Within the noise"
    assert clarity_words(-5.4, True) == "Too few answers to tell"
