"""Words for the Locations page: which locations differ from the business (analysis.locations.compare_locations),
each measure's figures as people read them, and how clearly a location changed since last month."""

from __future__ import annotations

import polars as pl

from analysis.locations import MEASURES
from pulse.formatting import EMPTY, plural


def format_location_value(measure: str, value: float | None) -> str:
    """NPS as +23, CSAT and repeat customers as 87%, impersonal complaints as 4.2 per 100."""
    if value is None:
        return EMPTY
    if measure == "nps":
        return f"{value:+.0f}"
    if measure == "impersonal":
        return f"{100 * value:.1f} per 100"
    return f"{100 * value:.0f}%"


def format_location_change(measure: str, change: float | None) -> str:
    """A change: +12 pts of NPS or of a share in %, per 100 for impersonal complaints."""
    if change is None:
        return EMPTY
    if measure == "nps":
        return f"{change:+.0f} pts"
    if measure == "impersonal":
        return f"{100 * change:+.1f} per 100"
    return f"{100 * change:+.0f} pts"


def differ_sentence(compared: pl.DataFrame, locations: int, span: str) -> str:
    """'2 of 12 locations differ from the business over the last 90 days: Riverside (NPS worse), Old Town (NPS
    and CSAT better).' from compare_locations' rows (every measure), or that none does."""
    called = compared.filter(pl.col("called_out").is_not_null())
    if called.is_empty():
        return (
            f"No. None of the {plural(locations, 'location')} differs from the business {span} by more than "
            "chance would give at its number of answers."
        )
    phrases = []
    order = called.group_by("location", maintain_order=True).agg(pl.len()).sort("len", descending=True)
    for location in order["location"].to_list():
        rows = called.filter(pl.col("location") == location)
        sides = []
        for better, word in ((False, "worse"), (True, "better")):
            keys = set(rows.filter(pl.col("better") == better)["measure"].to_list())
            labels = [_in_words(measure.label) for key, measure in MEASURES.items() if key in keys]
            if labels:
                sides.append(f"{_and(labels)} {word}")
        phrases.append(f"{location} ({'; '.join(sides)})")
    count = order.height
    verb = "differs" if count == 1 else "differ"
    return f"Yes: {count} of {plural(locations, 'location')} {verb} from the business {span}: {', '.join(phrases)}."


def _in_words(label: str) -> str:
    """A measure's label inside a sentence: NPS and CSAT as they are, the others in lower case."""
    return label if label.isupper() else label.lower()


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def clarity_words(z: float | None, thin: bool) -> str:
    """How clearly a location changed, from the change over its standard error."""
    if z is None:
        return EMPTY
    if thin:
        return "Too few answers to tell"
    size = abs(z)
    if size >= 3:
        return "Clear change"
    if size >= 1.96:
        return "Likely a change"
    return "Within the noise"
