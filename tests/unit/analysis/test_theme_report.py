"""The themes handout: summary figures, quotes redacted, CSV cells safe, Markdown and PDF written."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import polars as pl

from analysis.themes import build_theme_report
from reports.handout import report_markdown, theme_csv, theme_report_bytes

START = datetime(2026, 1, 5, 10, tzinfo=UTC)


def topics() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": [1, 2],
            "label": ["Bread · loaf", "Kiosk | screen"],
            "keywords": [["bread", "loaf"], ["kiosk", "screen"]],
            "custom_name": [None, None],
            "hidden": [False, False],
            "merged_into": [None, None],
            "seed": [None, "impersonal"],
        },
        schema_overrides={"merged_into": pl.Int64, "custom_name": pl.String, "seed": pl.String},
    )


def themed() -> pl.DataFrame:
    rows = []
    for week in range(8):
        kiosk = 2 if week < 4 else 12
        for index in range(10 + kiosk):
            is_kiosk = index >= 10
            text = (
                "=HYPERLINK(evil) the kiosk screen froze, call 07700 900123"
                if is_kiosk and index == 10
                else f"{'kiosk screen froze again' if is_kiosk else 'lovely bread loaf today'} number {index}"
            )
            rows.append(
                {
                    "feedback_id": week * 100 + index,
                    "created_at": START + timedelta(weeks=week, hours=index),
                    "text": text,
                    "topic_id": 2 if is_kiosk else 1,
                    "similarity": 0.99 if index == 10 else 0.5,
                    "sentiment_score": -0.6 if is_kiosk else 0.7,
                    "impersonal": is_kiosk,
                }
            )
    return pl.DataFrame(rows, schema_overrides={"created_at": pl.Datetime("us", "UTC")})


def report():  # type: ignore[no-untyped-def]
    rollouts = pl.DataFrame({"name": ["Kiosk"], "started_on": [date(2026, 2, 2)]})
    return build_theme_report(themed(), topics(), rollouts)


def test_build_theme_report__figures_trend_and_rollout_change() -> None:
    summary = {row["theme"]: row for row in report().summary.to_dicts()}
    kiosk = summary["Kiosk | screen"]
    assert kiosk["volume"] == 4 * 2 + 4 * 12
    assert kiosk["trend"] > 0.2 and summary["Bread · loaf"]["trend"] < 0
    assert kiosk["impersonal_share"] == 1.0 and kiosk["mean_sentiment"] < 0
    assert len(kiosk["quotes"]) == 3 and "[phone]" in kiosk["quotes"][0]
    assert report().rollouts.row(0, named=True)["theme"] in summary


def test_theme_csv__cells_cannot_start_a_formula() -> None:
    rows = list(csv.reader(io.StringIO(theme_csv(report()))))
    cells = [cell for row in rows[1:] for cell in row]
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)


def test_report_markdown__table_cells_stay_in_their_column() -> None:
    markdown = report_markdown(report(), "Crumb & Kettle")
    assert markdown.startswith("# Crumb & Kettle: what customers talk about")
    kiosk_row = next(line for line in markdown.splitlines() if line.startswith("| Kiosk"))
    assert kiosk_row.count("|") == 8  # the label's pipe was replaced
    assert "## After each rollout" in markdown and "- Kiosk (2026-02-02)" in markdown


def test_theme_report_bytes__pdf_and_an_empty_report() -> None:
    assert theme_report_bytes(report(), "pdf").startswith(b"%PDF")
    empty = build_theme_report(
        themed().head(0), topics(), pl.DataFrame(schema={"name": pl.String, "started_on": pl.Date})
    )
    assert "No themes yet" in report_markdown(empty)
    assert theme_report_bytes(empty, "pdf").startswith(b"%PDF")
