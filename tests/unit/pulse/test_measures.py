"""What each measure counts (pulse.measures), answer by answer on each scale."""

from __future__ import annotations

import polars as pl
import pytest

from pulse.measures import CES, CSAT, DETRACTOR, EASY, NPS, PROMOTER, SATISFIED, Band, Scale


@pytest.mark.parametrize(
    ("band", "scale", "inside"),
    [
        (PROMOTER, NPS, [9, 10]),
        (DETRACTOR, NPS, [0, 1, 2, 3, 4, 5, 6]),
        (SATISFIED, CSAT, [4, 5]),
        (EASY, CES, [5, 6, 7]),
    ],
)
def test_band_expr__the_answers_of_the_band_on_its_scale(band: Band, scale: Scale, inside: list[int]) -> None:
    answers = pl.DataFrame({scale.column: [*range(scale.low, scale.high + 1), None]})
    flags = answers.select(band.expr())[:, 0].to_list()
    assert flags == [value in inside for value in range(scale.low, scale.high + 1)] + [None]


def test_band_expr__both_bounds() -> None:
    passive = Band(NPS, at_least=7, at_most=8)
    answers = pl.DataFrame({"nps": list(range(11))})
    assert answers.filter(passive.expr())["nps"].to_list() == [7, 8]
