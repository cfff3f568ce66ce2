"""`pulse demo`, `pulse analyze`, `pulse score`, `pulse serve`: load the demo, run the pipeline, score a file,
serve the dashboard."""

from __future__ import annotations

import os
import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli.context import Context, judge_rollouts, with_context
from pulse.errors import InputError, PulseError
from pulse.progress import Progress, rate_progress
from pulse.settings import PROJECT_ROOT

if TYPE_CHECKING:
    import polars as pl

    from analysis.embeddings import Embedder
    from analysis.ray_pipeline import Scoring


@click.command()
@click.option("--if-empty", is_flag=True, help="Load only when the store holds no feedback yet.")
@click.option(
    "--locations",
    is_flag=True,
    help="Load the multi-location demo instead: 26 weeks of survey answers and orders of a franchise of 12 "
    "cafés, for the Locations page (best in a workspace of its own: `pulse workspaces add franchise`, then "
    "`pulse --workspace franchise demo --locations`).",
)
@with_context
def demo(context: Context, if_empty: bool, locations: bool) -> None:
    """Load the demo dataset: a bakery-café's surveys, reviews, Reddit mentions, orders, rollouts, the
    follow-up cases its staff worked and what its staff observed (or, with --locations, a franchise's)."""
    from collectors.base import run_collector
    from collectors.demo import DemoCollector, load_demo_cases, load_demo_observations, load_demo_orders
    from collectors.rollouts import import_rollouts
    from store.feedback import count_feedback

    settings = context.settings
    engine = context.engine
    if if_empty and count_feedback(engine):
        click.echo("The store already holds feedback; the demo was not loaded.")
        return
    if locations:
        load_locations_demo(context)
        return
    collector = DemoCollector(settings.demo_dir)
    with click.progressbar(length=collector.row_count(), label="Loading the demo", file=sys.stderr) as bar:
        result = run_collector(engine, collector, progress=bar.update)
    orders = load_demo_orders(engine, settings.demo_dir)
    observations = load_demo_observations(engine, settings.demo_dir)
    added, present = import_rollouts(engine, settings.demo_dir / "rollouts.csv", by="demo")
    cases = load_demo_cases(engine, settings.demo_dir)
    judge_rollouts(engine)
    click.echo(
        f"Demo loaded: {result.new} new feedback items, {result.duplicate} already there, "
        f"{result.rejected} rejected; {orders.new} new orders ({orders.duplicate} already there); "
        f"{added} rollouts added ({present} already there); "
        f"{observations.new} new staff observations ({observations.duplicate} already there); "
        f"{cases.new} follow-up cases added "
        f"({cases.present} already there; {cases.open} open and {cases.closed} closed in all)."
    )


def load_locations_demo(context: Context) -> None:
    """`pulse demo --locations`: the franchise's answers and orders (collectors.demo_locations)."""
    from collectors.base import run_collector
    from collectors.demo_locations import CAFES, LocationsDemoCollector, load_locations_demo_orders

    engine = context.engine
    click.echo("Loading the multi-location demo…", err=True)
    result = run_collector(engine, LocationsDemoCollector(context.settings.demo_dir))
    orders = load_locations_demo_orders(engine)
    judge_rollouts(engine)
    click.echo(
        f"Multi-location demo loaded: {len(CAFES)} cafés; {result.new} new survey answers, {result.duplicate} "
        f"already there; {orders.new} new orders ({orders.duplicate} already there). Run `pulse analyze` to "
        "find the impersonal complaints, then open the Locations page."
    )


@click.command()
@with_context
def analyze(context: Context) -> None:
    """Score sentiment and impersonal-experience complaints of feedback not yet scored (on the Ray cluster at
    PULSE_RAY_ADDRESS when it is set), fit customer lifetime value on the orders when they changed since the
    last fit, and open follow-up cases for the recent feedback that meets the rules (`pulse cases rules`; never
    two for one item)."""
    from jobs.steps import analyze_store
    from reports.case_summary import opened_sentence

    run = analyze_store(context.engine, context.settings, _AnalyzeOutput())
    if run.customer_values is not None:
        counts = run.customer_values.counts
        if run.customer_values.fitted:
            click.echo(
                f"Fitted customer value on {counts['orders']:,} orders of {counts['customers']:,} customers "
                f"({counts['repeat_customers']:,} bought again) in {run.fit_seconds:.1f} s."
            )
        if run.customer_values.warning:
            click.echo(f"Warning: {run.customer_values.warning}", err=True)
    click.echo(opened_sentence(run.follow_up.made.by_reason, run.tally.open, run.tally.overdue))
    notified = run.follow_up.notified
    if notified.sent or notified.retried or notified.failed:
        click.echo(
            f"Notifications: {notified.sent} sent, {notified.retried} to try again "
            f"(`pulse cases notify`), {notified.failed} failed for good."
        )


class _AnalyzeOutput:
    """`pulse analyze`'s progress bar and lines, as jobs.steps.analyze_store goes."""

    def scoring(self, total: int) -> AbstractContextManager[Progress]:
        return rate_progress(total, "Scoring feedback", "texts")

    def scored(self, scoring: Scoring | None) -> None:
        if scoring is None:
            click.echo("Every feedback item is scored already.")
            return
        workers = f"{scoring.workers} worker{'s' if scoring.workers != 1 else ''}"
        where = f" on Ray at {scoring.address} with {workers}" if scoring.address else ""
        click.echo(f"Scored {scoring.scored} feedback items{where}.")

    def fitting(self, orders: int) -> None:
        click.echo(
            f"Fitting customer lifetime value on {orders:,} orders "
            "(the first fit on a machine compiles the models: about a minute)…",
            err=True,
        )


@click.command()
@click.argument("input_file", metavar="INPUT", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--text-column", required=True, help="The column that holds what the customer wrote.")
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write, .csv, .json or .xlsx (default: INPUT's name with -scored.csv, beside it).",
)
@with_context
def score(context: Context, input_file: Path, text_column: str, out_file: Path | None) -> None:
    """Score a CSV, XLSX or JSON file of customer texts: every input column, plus sentiment, sentiment_score,
    sentiment_p_negative, sentiment_p_neutral, sentiment_p_positive (each class's probability), impersonal,
    impersonal_score and impersonal_cues. Needs no store: the texts' embeddings are kept in the store when
    there is one (migrated), else in Pulse's cache folder, so scoring the same texts again costs no model
    time."""
    from analysis.pipeline import add_scores
    from pulse.tables import check_format, write_table
    from store.scores import SCORE_COLUMNS

    out_file = out_file or input_file.with_name(f"{input_file.stem}-scored.csv")
    check_format(out_file)
    frame = read_text_table(input_file, text_column)
    kept = {name: f"input {name}" for name in SCORE_COLUMNS if name in frame.columns and name != text_column}
    frame = frame.rename(kept)  # a file scored before keeps its old scores beside the new ones
    embedder = score_embedder(context)
    with rate_progress(frame.height, "Scoring texts", "texts") as progress:
        scored = add_scores(frame, text_column, embedder, progress)
    write_table(scored, out_file)
    flagged = int(scored["impersonal"].sum())
    counts = scored["sentiment"].value_counts().rows()
    click.echo(
        f"Scored {scored.height} rows into {out_file}: "
        + ", ".join(f"{count} {label}" for label, count in sorted(counts))
        + f"; {flagged} impersonal-experience complaints."
    )


def read_text_table(input_file: Path, text_column: str) -> pl.DataFrame:
    """The table in `input_file` (CSV, XLSX, JSON), checked to have `text_column`: for `pulse score` and
    `pulse themes file`."""
    from collectors.surveys import read_table

    frame = read_table(input_file)
    if text_column not in frame.columns:
        raise InputError(
            f"{input_file.name} has no column {text_column!r}.",
            hint=f"Choose --text-column from: {', '.join(frame.columns)}.",
        )
    return frame


def score_embedder(context: Context) -> Embedder:
    """The store's cache of embeddings when there is a store at the current schema; else the cache folder's
    (scoring a file needs no store, and never creates one)."""
    from analysis.embedding_disk_cache import disk_embedder
    from analysis.embedding_pipeline import store_embedder
    from pulse.settings import cache_folder

    try:
        return store_embedder(context.engine)
    except PulseError as error:
        folder = cache_folder(context.settings.cache_dir)
        click.echo(f"Note: {error.message} The texts' embeddings are kept in {folder} instead.", err=True)
        return disk_embedder(folder)


@click.command()
@click.option("--port", type=int, default=None, help="Port to serve on (default: PULSE_SERVER_PORT, 8501).")
@click.option(
    "--host",
    default="localhost",
    show_default=True,
    help="Address to listen on: keep localhost, or a replica's address behind a reverse proxy (docs/deploy.md).",
)
@click.option("--headless/--browser", default=True, help="Do not open a browser window (default).")
@with_context
def serve(context: Context, port: int | None, host: str, headless: bool) -> None:
    """Start the dashboard on localhost (or --host)."""
    _ = context.engine  # fail here, with a hint, rather than in the browser
    port = port or context.settings.server_port
    click.echo(f"Pulse is starting on http://{host}:{port}")
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PROJECT_ROOT / "dashboard" / "server.py"),  # dashboard/app.py, as st.App (see server.py)
        "--server.port",
        str(port),
        "--server.address",
        host,
        "--server.headless",
        str(headless).lower(),
        "--browser.gatherUsageStats",
        "false",
    ]
    os.chdir(PROJECT_ROOT)  # so that Streamlit reads .streamlit/config.toml
    os.execv(sys.executable, command)  # Streamlit takes over this process, and its signals
