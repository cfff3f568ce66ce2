"""`pulse themes fit | update | list | rename | merge | hide | file | library` and `pulse export themes`: what
customers talk about, and the handout for people."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from cli.context import Context, with_context
from cli.printing import json_default
from pulse.progress import rate_progress

EMBED_CHUNK = 256  # sentences embedded between two moves of the progress bar


@click.group()
def themes() -> None:
    """Themes: what customers talk about. Fit, update, list, rename, merge and hide them."""


@themes.command("fit")
@click.option(
    "--model", "model_name", default=None, help="Sentence-embedding model (default: PULSE_EMBEDDING_MODEL)."
)
@with_context
def themes_fit(context: Context, model_name: str | None) -> None:
    """Fit the themes on all feedback now (a full refit). Names, merges and hidden themes carry over to the
    new themes that match the old ones."""
    from analysis.theme_pipeline import update_themes
    from analysis.themes.library import load_library

    settings = context.settings
    library = load_library(settings.theme_library)
    with rate_progress(1, "Embedding texts and sentences", "texts") as progress:
        run = update_themes(
            context.engine,
            refit=True,
            model_name=model_name or settings.embedding_model,
            progress=progress,
            library=library,
            business_name=settings.business_name,
        )
    click.echo(f"Fitted {run.topics} themes ({library.name} library) on {run.themed} feedback items.")


@themes.command("update")
@click.option(
    "--model", "model_name", default=None, help="Sentence-embedding model (default: PULSE_EMBEDDING_MODEL)."
)
@with_context
def themes_update(context: Context, model_name: str | None) -> None:
    """Give new feedback its theme without a refit; refits when there is no model yet, when the theme library
    changed, or when too many new items fit the themes poorly."""
    from jobs.steps import update_store_themes

    with rate_progress(1, "Embedding texts and sentences for a refit", "texts") as progress:
        run = update_store_themes(context.engine, context.settings, progress, model_name)
    if run.action == "fit":
        click.echo(f"Refitted ({run.reason}): {run.topics} themes on {run.themed} feedback items.")
    else:
        click.echo(f"Themed {run.themed} new feedback items with the {run.topics} current themes.")


@themes.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@with_context
def themes_list(context: Context, as_json: bool) -> None:
    """List the current themes: id, size, name (the owner's or the generated label), keywords."""
    from store.topics import read_topics

    topics = read_topics(context.engine).drop("centroid")
    if as_json:
        click.echo(json.dumps(topics.to_dicts(), default=json_default, indent=2, ensure_ascii=False))
        return
    if topics.is_empty():
        click.echo("No themes yet. Run `pulse themes fit`.")
        return
    for row in topics.sort("size", descending=True).iter_rows(named=True):
        notes = ["hidden"] * bool(row["hidden"]) + [f"merged into {row['merged_into']}"] * bool(
            row["merged_into"]
        )
        extra = f" [{', '.join(notes)}]" if notes else ""
        click.echo(
            f"{row['id']:>5}  {row['size']:>6}  {row['custom_name'] or row['label']}{extra}  "
            f"({', '.join(row['keywords'][:5])})"
        )


@themes.command("rename")
@click.argument("theme_id", type=int)
@click.argument("name", required=False, default="")
@with_context
def themes_rename(context: Context, theme_id: int, name: str) -> None:
    """Give theme THEME_ID your NAME (no NAME: back to the generated label). Kept across refits."""
    from store.topics import rename_topic

    rename_topic(context.engine, theme_id, name)
    click.echo(f"Theme {theme_id} is now {name!r}." if name.strip() else f"Theme {theme_id} uses its label.")


@themes.command("merge")
@click.argument("theme_id", type=int)
@click.argument("into_id", type=int)
@with_context
def themes_merge(context: Context, theme_id: int, into_id: int) -> None:
    """Count theme THEME_ID as part of theme INTO_ID. Kept across refits."""
    from store.topics import merge_topic

    merge_topic(context.engine, theme_id, into_id)
    click.echo(f"Theme {theme_id} now counts as theme {into_id}.")


@themes.command("hide")
@click.argument("theme_id", type=int)
@click.option("--show", is_flag=True, help="Show a hidden theme again.")
@with_context
def themes_hide(context: Context, theme_id: int, show: bool) -> None:
    """Hide theme THEME_ID from the dashboard and exports. Kept across refits."""
    from store.topics import hide_topic

    hide_topic(context.engine, theme_id, hidden=not show)
    click.echo(f"Theme {theme_id} is {'shown' if show else 'hidden'}.")


@themes.command("file")
@click.argument("input_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--text-column", required=True, help="The column that holds the texts.")
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write (.csv, .xlsx, .json; default: INPUT-themes.csv beside the input).",
)
@click.option(
    "--library",
    "library_choice",
    default=None,
    help="Theme library: a preset (small_business, clinic), none, or a .toml file (default: PULSE_THEME_LIBRARY).",
)
@click.option(
    "--max-themes", type=click.IntRange(3, 200), default=25, show_default=True, help="Themes listed."
)
@with_context
def themes_file(
    context: Context,
    input_file: Path,
    text_column: str,
    out_file: Path | None,
    library_choice: str | None,
    max_themes: int,
) -> None:
    """Theme a CSV, XLSX or JSON file of texts without touching the store: writes every input column plus
    theme (the main theme's name), theme_id and themes (all of the row's themes, `;`-separated), and prints
    the theme table (name, size, share, mean sentiment). Embeddings are kept like `pulse score`'s."""
    import numpy as np
    import polars as pl

    from analysis.embeddings import PieceEmbeddings
    from analysis.themes.library import load_library
    from analysis.themes.theming import pieces_to_embed, theme_texts
    from cli.pipeline import read_text_table, score_embedder
    from pulse.tables import check_format, write_table

    out_file = out_file or input_file.with_name(f"{input_file.stem}-themes.csv")
    check_format(out_file)
    library = load_library(library_choice or context.settings.theme_library)
    frame = read_text_table(input_file, text_column)
    kept: dict[str, str] = {
        name: f"input {name}" for name in ("theme", "theme_id", "themes") if name in frame.columns
    }
    frame = frame.rename(kept)  # a file themed before keeps its old themes beside the new ones
    texts = frame[text_column].cast(pl.String).to_list()
    cache = score_embedder(context)
    pieces = pieces_to_embed(texts)
    chunks = []
    with rate_progress(len(pieces), "Embedding sentences", "sentences") as progress:
        for start in range(0, len(pieces), EMBED_CHUNK):
            chunks.append(cache(pieces[start : start + EMBED_CHUNK]))  # kept in the cache for the next run
            progress(min(start + EMBED_CHUNK, len(pieces)), len(pieces))
    embedder = PieceEmbeddings(cache)
    embedder.hold(pieces, np.concatenate(chunks) if chunks else np.zeros((0, 0), np.float32))
    click.echo("Finding themes…", err=True)
    themed = theme_texts(
        texts, embedder, library, business_name=context.settings.business_name, max_themes=max_themes
    )
    write_table(pl.concat([frame, themed.text_columns(max_themes)], how="horizontal"), out_file)
    table = themed.theme_table(max_themes)
    click.echo(f"Themed {len(texts)} rows into {out_file} ({library.name} library):")
    click.echo(f"{'theme':<44} {'size':>6} {'share':>7} {'sentiment':>9}")
    for row in table.iter_rows(named=True):
        label = row["name"] + (" (new)" if row["new"] else "")
        mood = "" if row["mean_sentiment"] is None else f"{row['mean_sentiment']:+.2f}"
        click.echo(f"{label[:44]:<44} {row['size']:>6} {row['share']:>7.1%} {mood:>9}")


@themes.command("library")
@click.option("--show", "show", default=None, help="Print a library as TOML (a preset's name or a file).")
@click.option("--check", "check", default=None, help="Check a library file and list its themes.")
@with_context
def themes_library(context: Context, show: str | None, check: str | None) -> None:
    """The theme library: list the current one's themes by heading (PULSE_THEME_LIBRARY), print one as TOML
    to start your own from (--show), or check a file you edited (--check)."""
    from analysis.themes.library import library_text, load_library

    if show:
        click.echo(library_text(show.strip()), nl=False)  # with its comments, which explain the fields
        return
    library = load_library(check or context.settings.theme_library)
    click.echo(f"{library.name}: {len(library.themes)} themes ({library.source})")
    for heading in library.headings():
        click.echo(f"{heading}")
        for theme in library.themes:
            if theme.heading == heading:
                click.echo(f"  {theme.name}  [{theme.key}]  {theme.description}")


@click.group()
def export() -> None:
    """Export reports for people: themes."""


@export.command("themes")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only feedback from this day (YYYY-MM-DD).")
@click.option(
    "--format", "format_name", type=click.Choice(["csv", "md", "pdf"]), default="md", show_default=True
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write (default: standard output; for pdf, themes.pdf).",
)
@click.option("--top", type=click.IntRange(1, 50), default=8, show_default=True, help="How many themes.")
@with_context
def export_themes(context: Context, since: Any, format_name: str, out_file: Path | None, top: int) -> None:
    """The top themes with their size, trend, sentiment, impersonal share and quotes (emails, phone numbers
    and @handles redacted), and the themes that changed most after each rollout."""
    from zoneinfo import ZoneInfo

    from analysis.theme_pipeline import store_theme_report
    from reports.handout import theme_report_bytes

    settings = context.settings
    start = since.replace(tzinfo=ZoneInfo(settings.timezone)) if since else None
    report = store_theme_report(context.engine, settings.timezone, start, top)
    content = theme_report_bytes(report, format_name, settings.business_name)
    if out_file is None and format_name != "pdf":
        click.echo(content.decode("utf-8"), nl=False)
        return
    out_file = out_file or Path("themes.pdf")
    out_file.write_bytes(content)
    click.echo(f"Wrote {report.summary.height} themes to {out_file}.")
