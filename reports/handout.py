"""The themes handout for a staff meeting (analysis.themes.report's numbers) as a file: CSV (safe against
formula injection), Markdown, or a one- or two-page PDF with small charts (fpdf2; DejaVu Sans when the system
has it, else a built-in font with plain text); and the figures' wording, shared with the Themes page."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from analysis.themes.report import QUOTES_PER_THEME, ThemeReport
from pulse.errors import InputError
from pulse.formatting import format_share, plural
from pulse.plain_text import markdown_line
from pulse.tables import csv_safe

EXPORT_FORMATS = ("csv", "md", "pdf")
UNICODE_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    Path("/Library/Fonts/DejaVuSans.ttf"),
)
PLAIN = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "→": "->"})
BAR_COLOUR = (59, 110, 165)
RISING_COLOUR = (200, 90, 40)


def percent(value: float | None, signed: bool = False) -> str:
    """A share as '12%' (pulse.formatting.format_share), or a change of share as '+1.5 pts' when `signed`."""
    if value is None or not signed:
        return format_share(value)
    return f"{100 * value:+.1f} pts"


def signed(value: float | None) -> str:
    return "–" if value is None else f"{value:+.2f}"


def nps_words(row: dict[str, Any]) -> str:
    """'NPS +12 when mentioned, +40 otherwise' for a summary row; '' when its comments have no NPS."""
    if row.get("nps_with") is None:
        return ""
    otherwise = "" if row.get("nps_without") is None else f", {row['nps_without']:+.0f} otherwise"
    return f"NPS {row['nps_with']:+.0f} when mentioned{otherwise}"


def change_words(row: dict[str, Any]) -> str:
    """'rising', 'falling' or '' for a summary row."""
    return "rising" if row.get("rising") else "falling" if row.get("falling") else ""


def heading_words(row: dict[str, Any]) -> str:
    """The theme's library heading, or 'new theme' for one found outside the library."""
    return "new theme" if row.get("new") else str(row.get("heading") or "")


def report_markdown(report: ThemeReport, business: str = "") -> str:
    """The report as Markdown: a table of the top themes, their quotes, and the rollout-related changes."""
    title = f"# {_md(business) + ': ' if business else ''}what customers talk about"
    span = f"{report.first_day} to {report.last_day}" if report.first_day else "no feedback yet"
    lines = [title, "", f"{report.items} feedback items, {span}.", ""]
    if report.summary.is_empty():
        return "\n".join([*lines, "No themes yet: run `pulse themes fit`.", ""])
    lines += [
        "| theme | heading | comments | share | trend (4 weeks) | sentiment | NPS mentioned / otherwise "
        "| impersonal | rising / falling |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in report.summary.iter_rows(named=True):
        nps = (
            "–"
            if row.get("nps_with") is None
            else f"{row['nps_with']:+.0f} / "
            + ("–" if row.get("nps_without") is None else f"{row['nps_without']:+.0f}")
        )
        lines.append(
            f"| {_md(row['theme'])} | {_md(heading_words(row))} | {row['volume']} | {percent(row['share'])} | "
            f"{percent(row['trend'], signed=True)} | {signed(row['mean_sentiment'])} | {nps} | "
            f"{percent(row['impersonal_share'])} | {change_words(row)} |"
        )
    lines.append("")
    for row in report.summary.iter_rows(named=True):
        about = "; ".join(part for part in (heading_words(row), nps_words(row)) if part)
        lines += [f"## {_md(row['theme'])}", "", _md(about) if about else "", ""]
        lines += [f"> {_md(quote)}" + "\n" for quote in row["quotes"]]
    lines += ["## After each rollout", ""]
    if report.rollouts.is_empty():
        lines.append("No rollout with feedback on both sides in this period.")
    for row in report.rollouts.iter_rows(named=True):
        lines.append(
            f"- {_md(row['rollout'])} ({row['started_on']}): {_md(row['theme'])} "
            f"{percent(row['share_before'])} → {percent(row['share_after'])} "
            f"({percent(row['change'], signed=True)}, 95% CI {percent(row['change_low'], signed=True)} to "
            f"{percent(row['change_high'], signed=True)})"
        )
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """Text typed by people (customers' quotes, theme, rollout and business names) as one line of the handout,
    shown as typed in any Markdown viewer: no link, image, HTML, heading, list, emphasis or table column comes
    of it (pulse.plain_text.markdown_line)."""
    return markdown_line(text)


def report_table(report: ThemeReport) -> pl.DataFrame:
    """The summary as a flat table for CSV: one row per theme, quotes in quote_1..quote_3."""
    summary = report.summary
    quotes = [
        pl.col("quotes").list.get(index, null_on_oob=True).alias(f"quote_{index + 1}")
        for index in range(QUOTES_PER_THEME)
    ]
    return summary.with_columns(
        pl.col("keywords").list.join("; "),
        pl.col("nps_with").round(1),
        pl.col("nps_without").round(1),
        (pl.col("share") * 100).round(1).alias("share_percent"),
        (pl.col("trend") * 100).round(1).alias("trend_points"),
        pl.col("mean_sentiment").round(3),
        (pl.col("impersonal_share") * 100).round(1).alias("impersonal_percent"),
        *quotes,
    ).select(
        "theme",
        "heading",
        "keywords",
        "volume",
        "share_percent",
        "trend_points",
        "mean_sentiment",
        "nps_with",
        "nps_without",
        "impersonal_percent",
        "rising",
        "falling",
        *[f"quote_{index + 1}" for index in range(QUOTES_PER_THEME)],
    )


def theme_report_bytes(report: ThemeReport, format_name: str, business: str = "") -> bytes:
    """The report in `format_name` (csv, md or pdf) as bytes, for a file or a download button."""
    if format_name == "csv":
        return theme_csv(report).encode("utf-8")
    if format_name == "md":
        return report_markdown(report, business).encode("utf-8")
    if format_name == "pdf":
        return theme_pdf(report, business)
    raise InputError(
        f"Pulse cannot export themes as {format_name!r}.", hint=f"Choose one of {', '.join(EXPORT_FORMATS)}."
    )


def theme_csv(report: ThemeReport) -> str:
    """One row per theme; every text cell neutralised against spreadsheet formulas, every field quoted."""
    table = report_table(report)
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow([csv_safe(name) for name in table.columns])
    for row in table.iter_rows():
        writer.writerow(
            [value if isinstance(value, bool | int | float) else csv_safe(value) for value in row]
        )
    return buffer.getvalue()


def theme_pdf(report: ThemeReport, business: str = "") -> bytes:
    """A handout: title and period, a bar per theme (share, rising ones highlighted) with its figures and
    quotes, then the changes after each rollout."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=14)
    pdf.set_margins(14, 14, 14)
    font, clean = _font(pdf)
    pdf.add_page()
    pdf.set_font(font, size=16)
    pdf.cell(
        0,
        9,
        clean(f"{business + ': ' if business else ''}what customers talk about"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font(font, size=9)
    span = f"{report.first_day} to {report.last_day}" if report.first_day else "no feedback yet"
    pdf.cell(
        0,
        5,
        clean(f"{report.items} feedback items, {span}. Trend: last 4 weeks against the 4 before."),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    if report.summary.is_empty():
        pdf.cell(0, 6, clean("No themes yet: run `pulse themes fit`."), new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())
    top_share = max(float(report.summary["share"].max() or 0.0), 1e-9)  # type: ignore[arg-type]
    for row in report.summary.iter_rows(named=True):
        _theme_block(pdf, font, clean, row, float(top_share))
    _rollout_block(pdf, font, clean, report)
    return bytes(pdf.output())


Clean = Callable[[str], str]


def _font(pdf: Any) -> tuple[str, Clean]:
    """A font for any customer text when the system has DejaVu Sans; else Helvetica and Latin-1 text."""
    for path in UNICODE_FONTS:
        if path.exists():
            pdf.add_font("DejaVu", fname=str(path))
            return "DejaVu", str
    return "Helvetica", lambda text: str(text).translate(PLAIN).encode("latin-1", "replace").decode("latin-1")


def _theme_block(pdf: Any, font: str, clean: Clean, row: dict[str, Any], top_share: float) -> None:
    pdf.set_font(font, size=11)
    name = clean(row["theme"] + (f"  ({change_words(row)})" if change_words(row) else ""))
    pdf.cell(0, 6, name, new_x="LMARGIN", new_y="NEXT")
    x, y = pdf.get_x(), pdf.get_y()
    width = 60 * (row["share"] or 0) / top_share
    pdf.set_fill_color(*(RISING_COLOUR if row["rising"] else BAR_COLOUR))
    pdf.rect(x, y + 0.8, max(width, 0.5), 3.2, style="F")
    pdf.set_xy(x + 63, y)
    pdf.set_font(font, size=8)
    figures = (
        f"{plural(row['volume'], 'comment')} ({percent(row['share'])}), trend {percent(row['trend'], signed=True)}, "
        f"sentiment {signed(row['mean_sentiment'])}, impersonal {percent(row['impersonal_share'])}"
    )
    pdf.cell(0, 5, clean(figures), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, size=8)
    about = "; ".join(part for part in (heading_words(row), nps_words(row)) if part)
    if about:
        pdf.multi_cell(0, 4, clean(about), new_x="LMARGIN", new_y="NEXT")
    for quote in (row["quotes"] or [])[:QUOTES_PER_THEME]:  # already shortened (analysis.quotes.shorten)
        pdf.multi_cell(0, 4, clean(f'  "{quote}"'), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _rollout_block(pdf: Any, font: str, clean: Clean, report: ThemeReport) -> None:
    pdf.set_font(font, size=11)
    pdf.cell(
        0,
        7,
        clean("After each rollout (4 weeks before against 4 weeks after)"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font(font, size=8)
    if report.rollouts.is_empty():
        pdf.cell(
            0,
            5,
            clean("No rollout with feedback on both sides in this period."),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        return
    for row in report.rollouts.iter_rows(named=True):
        line = (
            f"{row['rollout']} ({row['started_on']}): {row['theme']} {percent(row['share_before'])} -> "
            f"{percent(row['share_after'])} ({percent(row['change'], signed=True)}; 95% CI "
            f"{percent(row['change_low'], signed=True)} to {percent(row['change_high'], signed=True)})"
        )
        pdf.multi_cell(0, 4, clean(line), new_x="LMARGIN", new_y="NEXT")
