"""The themes handout: summary figures, quotes redacted, CSV cells safe, Markdown and PDF written."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import polars as pl
from markdown_it import MarkdownIt

from analysis.themes import build_theme_report
from pulse.plain_text import WORD_JOINER
from reports.handout import report_markdown, theme_csv, theme_report_bytes

START = datetime(2026, 1, 5, 10, tzinfo=UTC)


def topics(kiosk_name: str | None = None) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": [1, 2],
            "label": ["Bread · loaf", "Kiosk | screen"],
            "keywords": [["bread", "loaf"], ["kiosk", "screen"]],
            "custom_name": [None, kiosk_name],
            "hidden": [False, False],
            "merged_into": [None, None],
            "seed": [None, "impersonal"],
            "heading": [None, None],
        },
        schema_overrides={
            "merged_into": pl.Int64,
            "custom_name": pl.String,
            "seed": pl.String,
            "heading": pl.String,
        },
    )


def themed(kiosk_quote: str = "=HYPERLINK(evil) the kiosk screen froze, call 07700 900123") -> pl.DataFrame:
    rows = []
    for week in range(8):
        kiosk = 2 if week < 4 else 12
        for index in range(10 + kiosk):
            is_kiosk = index >= 10
            text = (
                kiosk_quote
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
                    "nps": None,
                }
            )
    return pl.DataFrame(rows, schema_overrides={"created_at": pl.Datetime("us", "UTC"), "nps": pl.Int64})


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


# CommonMark with GitHub's tables and strikethrough (markdown-it-py, which rich brings).
MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def visible(html: str) -> str:
    """The text a reader sees in rendered HTML: tags left out, entities read, word joiners (invisible) gone."""
    return unescape(re.sub(r"<[^>]*>", "", html)).replace(WORD_JOINER, "")


def test_report_markdown__table_cells_stay_in_their_column() -> None:
    markdown = report_markdown(report(), "Crumb & Kettle")
    assert markdown.startswith("# Crumb & Kettle: what customers talk about")
    html = MARKDOWN.render(markdown)
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.DOTALL)
    assert [row.count("<td") for row in rows[1:]] == [9, 9]
    assert {visible(re.findall(r"<td>(.*?)</td>", row)[0]) for row in rows[1:]} == {
        "Bread · loaf",
        "Kiosk | screen",
    }
    assert "## After each rollout" in markdown and "- Kiosk (2026-02-02)" in markdown


# What a customer or a staff member can type into a comment or a theme's name, as Markdown would read it: an image
# that loads from another server (a tracking pixel), links, raw HTML, a heading, emphasis, a list, an entity.
HOSTILE_QUOTE = (
    "# Heading ![x](http://evil.example/p.png) [click](http://evil.example) <img src=x> **bold** _it_ "
    "`code` https://evil.example www.evil.example &amp; the kiosk froze"
)
HOSTILE_NAME = "1. <b>Kiosk</b> | **froze** [x](http://evil.example)"


def test_report_markdown__customer_text_shows_as_typed_and_makes_no_image_link_html_or_heading() -> None:
    rollouts = pl.DataFrame({"name": ["- *Kiosk* <i>v2</i>"], "started_on": [date(2026, 2, 2)]})
    hostile = build_theme_report(themed(HOSTILE_QUOTE), topics(HOSTILE_NAME), rollouts)
    markdown = report_markdown(hostile, "Crumb & Kettle")
    html = MARKDOWN.render(markdown)
    assert not re.search(r"<(img|a|b|i|strong|em|code|ol)\b", html)
    headings = [visible(text) for text in re.findall(r"<h\d>(.*?)</h\d>", html)]
    title, *themes, after = headings  # the report's own headings only: the themes in the order of their share
    assert (title, sorted(themes), after) == (
        "Crumb & Kettle: what customers talk about",
        sorted([HOSTILE_NAME, "Bread · loaf"]),
        "After each rollout",
    )
    quotes = [
        visible(text).strip() for text in re.findall(r"<blockquote>(.*?)</blockquote>", html, re.DOTALL)
    ]
    assert HOSTILE_QUOTE in quotes
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.DOTALL)
    assert [row.count("<td") for row in rows[1:]] == [9, 9]
    assert HOSTILE_NAME in {visible(re.findall(r"<td>(.*?)</td>", row)[0]) for row in rows[1:]}
    items = [visible(text) for text in re.findall(r"<li>(.*?)</li>", html, re.DOTALL)]
    assert len(items) == 2 and all(item.startswith("- *Kiosk* <i>v2</i> (2026-02-02): ") for item in items)
    assert any(HOSTILE_NAME in item for item in items)


def test_theme_report_bytes__pdf_and_an_empty_report() -> None:
    assert theme_report_bytes(report(), "pdf").startswith(b"%PDF")
    empty = build_theme_report(
        themed().head(0), topics(), pl.DataFrame(schema={"name": pl.String, "started_on": pl.Date})
    )
    assert "No themes yet" in report_markdown(empty)
    assert theme_report_bytes(empty, "pdf").startswith(b"%PDF")
