"""Choose the impersonal detector's flag threshold by cross-validation grouped by source, print its
precision-recall curve, and write it where the detector reads it (analysis/models/impersonal-threshold.json).

    python -m analysis.train_impersonal                          # the shipped threshold, from the labelled data
    python -m analysis.train_impersonal --extra corrections.csv  # ... and your team's corrections
    python -m analysis.train_impersonal --no-write               # the tables only

What is learned: the detector's rules and prototype phrases are the project's own text; what labelled data
decides is the score at which a text is flagged (analysis.impersonal_threshold.FLAG_AT). Learned rules or
phrases were measured and did not hold on a source they were not made from (README, "The impersonal detector
on fresh labelled text"), so the threshold is the one setting fitted here.

Data: the rows of ../shared/data/impersonal_dev2.csv whose `licence` allows training (it ends in "train ok":
the CFPB and FCC complaints; the Trustpilot rows are evaluation only and are never read here), and every file
given with --extra in the same format (`id, source, text, label, note, licence`), which is what `pulse
corrections export OUT` writes: a business's corrected labels, each of its sources a source of its own.

How: every text is scored as `pulse score` scores it (improved sentiment, then the detector). For each source
held out, the threshold with the best mean F1 over the other sources (ties: the higher, for precision) is chosen
and the held-out source is measured at it: that table is what the threshold is expected to do on a source it
has not seen. The threshold written is the one with the best mean F1 over all the sources, with the version
`impersonal-minilm-v3-t<threshold>`, so that `pulse analyze` re-scores older rows when it changes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

from analysis.impersonal_eval import flag_figures
from analysis.impersonal_threshold import DETECTOR_NAME, THRESHOLD_FILE
from pulse.files import written_atomically
from pulse.progress import rate_progress
from pulse.tables import undo_csv_safe

DEV2 = Path(__file__).resolve().parents[2] / "shared" / "data" / "impersonal_dev2.csv"
THRESHOLDS = tuple(round(0.5 + 0.05 * step, 2) for step in range(10))  # 0.5 (any evidence) .. 0.95
COLUMNS = ("id", "source", "text", "label", "licence")


def read_training_rows(path: Path, source_prefix: str = "") -> pl.DataFrame:
    """The rows of a labelled file (COLUMNS) whose licence allows training, their text as it was written (a
    spreadsheet guard taken off), each source named `source_prefix` + its own name."""
    if path.suffix.casefold() != ".csv":
        raise SystemExit(f"{path}: give a .csv file (`pulse corrections export corrections.csv` writes one).")
    frame = pl.read_csv(path, infer_schema=False)
    missing = [name for name in COLUMNS if name not in frame.columns]
    if missing:
        raise SystemExit(
            f"{path}: no column {', '.join(missing)}. Give a file in the format of impersonal_dev2.csv, "
            "as `pulse corrections export OUT --field impersonal` writes it."
        )
    if not frame["label"].str.strip_chars().is_in(["0", "1"]).all():
        raise SystemExit(f"{path}: every label must be 1 (impersonal complaint) or 0.")
    allowed = frame.filter(pl.col("licence").fill_null("").str.strip_chars().str.ends_with("train ok"))
    if allowed.height < frame.height:
        print(
            f"{path.name}: {frame.height - allowed.height} rows left out: their licence does not allow training",
            file=sys.stderr,
        )
    return allowed.select(
        "id",
        (pl.lit(source_prefix) + pl.col("source").fill_null("unknown")).alias("source"),
        pl.col("text").fill_null("").map_elements(undo_csv_safe, return_dtype=pl.String),
        (pl.col("label").str.strip_chars() == "1").alias("label"),
    )


def scored_rows(rows: pl.DataFrame) -> pl.DataFrame:
    """`rows` with the detector's `impersonal_score`, scored as `pulse score` scores (a progress bar on stderr)."""
    from analysis.pipeline import add_scores

    with rate_progress(rows.height, "Scoring the labelled texts", "texts") as progress:
        return add_scores(rows.select("id", "source", "text", "label"), progress=progress)


def figures_at(scored: pl.DataFrame, threshold: float) -> dict[str, tuple[float, float, float]]:
    """Precision, recall and F1 per source of flagging at `threshold`."""
    return {
        str(source): flag_figures(part["label"].to_numpy(), part["impersonal_score"].to_numpy() >= threshold)
        for (source,), part in scored.group_by("source", maintain_order=True)
    }


def best_threshold(scored: pl.DataFrame) -> tuple[float, float]:
    """The threshold of THRESHOLDS with the best mean F1 over the sources of `scored` (ties: the higher), and
    that mean."""
    means = [float(np.mean([f1 for *_, f1 in figures_at(scored, t).values()])) for t in THRESHOLDS]
    best = max(range(len(THRESHOLDS)), key=lambda i: (round(means[i], 9), THRESHOLDS[i]))
    return THRESHOLDS[best], means[best]


def held_out_rows(scored: pl.DataFrame) -> list[tuple[str, float | None, tuple[float, float, float]]]:
    """Per source: the threshold chosen on the other sources, and the source's precision, recall and F1 at it;
    last, "pooled" (None as its threshold): the figures of all those held-out flags together."""
    rows: list[tuple[str, float | None, tuple[float, float, float]]] = []
    flags = []
    for source in scored["source"].unique(maintain_order=True).to_list():
        threshold, _ = best_threshold(scored.filter(pl.col("source") != source))
        held = scored.filter(pl.col("source") == source)
        rows.append((source, threshold, figures_at(held, threshold)[source]))
        flags.append(held.select("label", (pl.col("impersonal_score") >= threshold).alias("flag")))
    pooled = pl.concat(flags)
    return [*rows, ("pooled", None, flag_figures(pooled["label"].to_numpy(), pooled["flag"].to_numpy()))]


def curve_table(scored: pl.DataFrame) -> str:
    """The precision-recall curve: precision / recall / F1 per source and pooled at each threshold."""
    sources = scored["source"].unique(maintain_order=True).to_list()
    lines = [
        "| threshold | " + " | ".join([*sources, "pooled"]) + " |",
        "|---|" + "---|" * (len(sources) + 1),
    ]
    pooled = scored.with_columns(pl.lit("pooled").alias("source"))
    for threshold in THRESHOLDS:
        cells = {**figures_at(scored, threshold), **figures_at(pooled, threshold)}
        lines.append(
            f"| {threshold:.2f} | "
            + " | ".join(
                f"{p:.3f} / {r:.3f} / {f:.3f}" for p, r, f in (cells[s] for s in [*sources, "pooled"])
            )
            + " |"
        )
    return "\n".join(lines)


def write_threshold(path: Path, threshold: float, mean_f1: float, scored: pl.DataFrame) -> str:
    """Write the threshold file the detector reads; returns its version."""
    version = f"{DETECTOR_NAME}-t{threshold:.2f}"
    counts = scored.group_by("source", maintain_order=True).agg(pl.len(), pl.col("label").sum())
    record = {
        "version": version,
        "flag_at": threshold,
        "mean_f1_over_sources": round(mean_f1, 4),
        "sources": {
            row["source"]: {"texts": row["len"], "complaints": row["label"]} for row in counts.to_dicts()
        },
        "written": datetime.now(UTC).strftime("%Y-%m-%d"),
        "by": "python -m analysis.train_impersonal",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with written_atomically(path) as temporary:
        temporary.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return version


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m analysis.train_impersonal", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--data", type=Path, default=DEV2, help="the labelled file (default: impersonal_dev2.csv)"
    )
    parser.add_argument(
        "--extra",
        type=Path,
        action="append",
        default=[],
        help="a further labelled file in the same format, such as `pulse corrections export` writes (repeatable)",
    )
    parser.add_argument("--out", type=Path, default=THRESHOLD_FILE, help="where to write the threshold")
    parser.add_argument("--no-write", action="store_true", help="print the tables only")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    for path in [args.data, *args.extra]:
        if not path.is_file():
            raise SystemExit(f"{path}: no such file.")
    rows = pl.concat(
        [read_training_rows(args.data), *(read_training_rows(path, "yours: ") for path in args.extra)]
    )
    if rows["source"].n_unique() < 2:
        raise SystemExit("Choosing a threshold by source needs labelled texts from at least two sources.")
    print(f"{rows.height} labelled texts, {int(rows['label'].sum())} complaints", file=sys.stderr)
    scored = scored_rows(rows)
    print("Each source held out (threshold chosen on the others): precision / recall / F1")
    for source, threshold, (precision, recall, f1) in held_out_rows(scored):
        chosen = "each at its own" if threshold is None else f"at {threshold:.2f}"
        print(f"  {source}, {chosen}: {precision:.3f} / {recall:.3f} / {f1:.3f}")
    print("Precision / recall / F1 at each threshold:")
    print(curve_table(scored))
    threshold, mean_f1 = best_threshold(scored)
    print(f"chosen on every source: {threshold:.2f} (mean F1 over the sources {mean_f1:.3f})")
    if not args.no_write:
        version = write_threshold(args.out, threshold, mean_f1, scored)
        print(f"wrote {args.out} ({version}); `pulse analyze` re-scores rows scored by another version")


if __name__ == "__main__":
    main()
