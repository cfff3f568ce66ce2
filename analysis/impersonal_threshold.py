"""The impersonal detector's version and flag threshold, as `python -m analysis.train_impersonal` chose them by
source and wrote them (analysis/models/impersonal-threshold.json), and the band of scores a person should look
at. Light to import (no model, no NLTK): the dashboard reads it."""

from __future__ import annotations

import json
from pathlib import Path

from pulse.measures import UNSURE_ABOVE, UNSURE_BELOW

DETECTOR_NAME = "impersonal-minilm-v3"  # the rules and phrases; a new name when they change
THRESHOLD_FILE = Path(__file__).resolve().parent / "models" / "impersonal-threshold.json"


def read_threshold(path: Path = THRESHOLD_FILE) -> tuple[str, float]:
    """The version and flag threshold that `python -m analysis.train_impersonal` wrote (chosen by source)."""
    record = json.loads(path.read_text(encoding="utf-8"))
    if not str(record["version"]).startswith(f"{DETECTOR_NAME}-"):
        raise ValueError(
            f"{path} was written for {record['version']}, not {DETECTOR_NAME}: run that script again"
        )
    return str(record["version"]), float(record["flag_at"])


IMPERSONAL_VERSION, FLAG_AT = read_threshold()


def unsure_band(flag_at: float = FLAG_AT) -> tuple[float, float]:
    """The scores [low, high) of the calls a person should look at: around the flag threshold
    (pulse.measures.UNSURE_BELOW under it to UNSURE_ABOVE over it)."""
    return round(flag_at - UNSURE_BELOW, 4), round(flag_at + UNSURE_ABOVE, 4)
