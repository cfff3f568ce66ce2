"""Choosing the impersonal detector's threshold by source (analysis/train_impersonal.py): the choice and the
held-out table on made-up scores (fast), the labelled files it reads, and the whole script on a small file and
a corrections export, scored by the real model (slow)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from analysis.impersonal_threshold import DETECTOR_NAME, read_threshold, unsure_band
from analysis.train_impersonal import (
    best_threshold,
    curve_table,
    held_out_rows,
    main,
    read_training_rows,
)
from reports.corrections import LICENCE


def made_up_scores() -> pl.DataFrame:
    """Two sources: in `a` the complaints score 0.7 and the false alarms 0.55, so 0.6 separates them; in `b`
    everything flagged at 0.5 is right and nothing scores above 0.62."""
    return pl.DataFrame(
        {
            "source": ["a"] * 6 + ["b"] * 4,
            "label": [True, True, False, False, False, False, True, True, False, False],
            "impersonal_score": [0.7, 0.7, 0.55, 0.55, 0.0, 0.0, 0.6, 0.6, 0.0, 0.0],
        }
    )


def test_best_threshold__the_best_mean_f1_over_sources_and_the_higher_of_ties() -> None:
    threshold, mean_f1 = best_threshold(made_up_scores())
    assert threshold == 0.6  # a: 1.0 and b: 1.0 at 0.6; at 0.65 source b finds nothing
    assert mean_f1 == pytest.approx(1.0)


def test_held_out_rows__each_source_at_the_threshold_chosen_on_the_others() -> None:
    rows = {source: (threshold, figures) for source, threshold, figures in held_out_rows(made_up_scores())}
    assert rows["a"][0] == 0.6  # chosen on b alone: 0.5, 0.55 and 0.6 tie, the higher wins
    assert rows["a"][1] == pytest.approx((1.0, 1.0, 1.0))
    assert rows["b"][0] == 0.7  # chosen on a alone: 0.6 to 0.7 tie; b's complaints at 0.6 are then missed
    assert rows["b"][1] == pytest.approx((0.0, 0.0, 0.0))
    assert rows["pooled"][0] is None
    assert rows["pooled"][1] == pytest.approx((1.0, 0.5, 2 / 3))


def test_curve_table__a_row_per_threshold_with_each_source_and_pooled() -> None:
    table = curve_table(made_up_scores()).splitlines()
    assert table[0] == "| threshold | a | b | pooled |"
    assert "| 0.60 | 1.000 / 1.000 / 1.000 | 1.000 / 1.000 / 1.000 | 1.000 / 1.000 / 1.000 |" in table
    assert len(table) == 2 + 10


def write_labelled(path: Path, rows: list[tuple[str, str, str, str, str]]) -> Path:
    pl.DataFrame(rows, schema=["id", "source", "text", "label", "licence"], orient="row").with_columns(
        pl.lit("").alias("note")
    ).write_csv(path)
    return path


def test_read_training_rows__only_rows_whose_licence_allows_training_and_says_how_many_were_left(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_labelled(
        tmp_path / "labelled.csv",
        [
            ("1", "survey", "'=Nobody answered the phone", "1", LICENCE),
            ("2", "reviews", "Lovely bread", "0", "no licence - eval only"),
        ],
    )
    rows = read_training_rows(path, "yours: ")
    assert rows.to_dicts() == [
        {"id": "1", "source": "yours: survey", "text": "=Nobody answered the phone", "label": True}
    ]
    assert "1 rows left out: their licence does not allow training" in capsys.readouterr().err


def test_read_training_rows__says_what_is_wrong_with_a_file(tmp_path: Path) -> None:
    no_label = tmp_path / "no_label.csv"
    pl.DataFrame({"id": ["1"], "text": ["hi"]}).write_csv(no_label)
    with pytest.raises(SystemExit, match=r"no column source, label, licence.*pulse corrections export"):
        read_training_rows(no_label)
    with pytest.raises(SystemExit, match=r"give a \.csv file"):
        read_training_rows(tmp_path / "corrections.xlsx")
    bad = write_labelled(tmp_path / "bad.csv", [("1", "s", "hi", "yes", LICENCE)])
    with pytest.raises(SystemExit, match="every label must be 1"):
        read_training_rows(bad)


@pytest.mark.slow
def test_main__writes_a_threshold_that_the_detector_reads_from_the_data_and_corrections(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_labelled(
        tmp_path / "data.csv",
        [
            ("d1", "shop", "Nobody ever called me back, it is a disgrace.", "1", "x - train ok"),
            ("d2", "shop", "The bread was stale and expensive.", "0", "x - train ok"),
            ("d3", "shop", "Secret Trustpilot text.", "1", "no licence - eval only"),
        ],
    )
    corrections = write_labelled(
        tmp_path / "corrections.csv",
        [
            (
                "pulse-1",
                "survey",
                "I was transferred from one department to another for an hour.",
                "1",
                LICENCE,
            ),
            ("pulse-2", "survey", "Lovely staff, the coffee was great.", "0", LICENCE),
        ],
    )
    out = tmp_path / "threshold.json"
    main(["--data", str(data), "--extra", str(corrections), "--out", str(out)])
    printed = capsys.readouterr().out
    assert "shop, at " in printed and "yours: survey, at " in printed and "| threshold |" in printed
    version, threshold = read_threshold(out)
    assert version == f"{DETECTOR_NAME}-t{threshold:.2f}"
    record = json.loads(out.read_text())
    assert record["sources"] == {
        "shop": {"texts": 2, "complaints": 1},
        "yours: survey": {"texts": 2, "complaints": 1},
    }
    assert record["mean_f1_over_sources"] == 1.0


def test_main__needs_two_sources(tmp_path: Path) -> None:
    data = write_labelled(tmp_path / "data.csv", [("d1", "shop", "hi", "1", "x - train ok")])
    with pytest.raises(SystemExit, match="at least two sources"):
        main(["--data", str(data), "--no-write"])


def test_read_threshold__refuses_a_file_written_for_other_rules(tmp_path: Path) -> None:
    path = tmp_path / "threshold.json"
    path.write_text(json.dumps({"version": "impersonal-minilm-v2-t0.50", "flag_at": 0.5}))
    with pytest.raises(ValueError, match="run that script again"):
        read_threshold(path)


def test_unsure_band__follows_the_threshold() -> None:
    assert unsure_band(0.55) == (0.25, 0.6)
    assert unsure_band(0.75) == (0.45, 0.8)  # a business that retrains to 0.75 looks at the calls around it
