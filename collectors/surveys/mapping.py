"""Which column holds each survey field: by the preset's names, the header's words and the first rows' values,
or as the user maps them (`--map field=column`, a mapping file)."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from analysis.personal_data import EMAIL
from collectors.surveys.layout import Layout
from collectors.values import SCALED_FIELDS, looks_like_date, norm, score_or_none
from pulse.errors import InputError

FIELDS = (
    "created_at",
    "nps",
    "csat",
    "ces",
    "text",
    "response_id",
    "respondent",
    "segment",
    "location",
    "channel",
)
FIELD_LABELS = {  # each field in words, for people: the Sources page's mapping and preview
    "created_at": "Date submitted",
    "nps": "NPS (0-10)",
    "csat": "CSAT (1-5)",
    "ces": "Effort, CES (1-7)",
    "text": "Comment",
    "response_id": "Response ID",
    "respondent": "Respondent",
    "segment": "Segment",
    "location": "Location",
    "channel": "Channel",
}
FIELD_HELP = (
    "created_at (the submission date; alias date), nps (0-10), csat (1-5), ces (Customer Effort Score, "
    "1-7), text (the comment; alias "
    "comment), response_id (alias id), respondent (email or customer id, stored hashed; alias email), "
    "segment, location, channel"
)
FIELD_ALIASES = {
    "date": "created_at",
    "submitted_at": "created_at",
    "timestamp": "created_at",
    "comment": "text",
    "id": "response_id",
    "email": "respondent",
    "author": "respondent",
}
PRESET_LABELS = {
    "typeform": "Typeform",
    "google_forms": "Google Forms",
    "surveymonkey": "SurveyMonkey",
    "qualtrics": "Qualtrics",
    "microsoft_forms": "Microsoft Forms",
    "delighted": "Delighted",
}
PRESETS = tuple(PRESET_LABELS)


# Per field: words looked for in a column's normalised name (earlier ones win), and words that rule it out.
HEADER_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "response_id": (
        ("responseid", "respondentid", "submissionid", "responsetoken", "#", "id", "token", "uuid"),
        ("collector", "network", "external"),
    ),
    "created_at": (
        (
            "submitdate",
            "submittedat",
            "submissiondate",
            "submitted",
            "recordeddate",
            "completedat",
            "completiontime",
            "completed",
            "timestamp",
            "enddate",
            "createdat",
            "created",
            "responsedate",
            "date",
            "time",
        ),
        ("birth", "dob", "duration"),
    ),
    "nps": (
        ("nps", "netpromoter", "likelytorecommend", "recommend", "howlikely"),
        ("group", "category", "why", "reason", "comment", "text", "explain"),
    ),
    "csat": (
        ("csat", "satisf"),
        ("why", "reason", "comment", "text", "explain"),
    ),
    "ces": (
        (
            "customereffort",
            "effortscore",
            "cesscore",
            "ces",
            "howeasy",
            "madeiteasy",
            "easytohandle",
            "effort",
        ),
        ("why", "reason", "comment", "text", "explain"),
    ),
    "respondent": (
        (
            "email",
            "customerid",
            "userid",
            "clientid",
            "memberid",
            "externalreference",
            "respondent",
            "customer",
            "username",
        ),
        ("respondentid",),
    ),
    "text": (
        (
            "comment",
            "feedback",
            "why",
            "reason",
            "tellus",
            "anythingelse",
            "suggest",
            "improve",
            "dobetter",
            "openended",
            "remark",
            "verbatim",
            "describe",
            "explain",
            "message",
            "review",
            "opinion",
            "thoughts",
            "text",
        ),
        ("email",),
    ),
    "segment": (
        ("segment", "customertype", "tier", "plan", "membership", "cohort", "loyalty"),
        ("explain", "why"),
    ),
    "location": (
        ("location", "store", "branch", "shop", "outlet", "venue", "site", "city", "region"),
        ("latitude", "longitude", "ipaddress", "url", "website"),
    ),
    "channel": (
        ("channel", "touchpoint", "ordertype", "medium", "source", "via"),
        ("distributionchannel", "collector", "utm"),
    ),
}
PRESET_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "typeform": {"created_at": ("submitdateutc", "submittedat"), "response_id": ("#",)},
    "google_forms": {"created_at": ("timestamp",), "respondent": ("emailaddress", "username")},
    "surveymonkey": {
        "created_at": ("enddate",),
        "response_id": ("respondentid",),
        "respondent": ("emailaddress",),
    },
    "qualtrics": {
        "created_at": ("recordeddate", "enddate"),
        "response_id": ("responseid",),
        "respondent": ("recipientemail", "externalreference"),
    },
    "microsoft_forms": {  # "Start time" is when the form was opened: the answer is sent at "Completion time"
        "created_at": ("completiontime",),
        "response_id": ("id",),
        "respondent": ("email",),
    },
    "delighted": {  # the survey responses JSON: score 0-10 (NPS surveys), created_at a Unix time
        "created_at": ("createdat",),
        "response_id": ("id",),
        "nps": ("score",),
        "text": ("comment",),
        "respondent": ("personemail", "personid", "person"),
    },
}
DELIGHTED_SCALES = {"csat": "csat", "ces": "ces", "ces2": "ces"}  # survey_type -> the field of its score
DESCRIPTIVE_FIELDS = ("segment", "location", "channel")  # never a personal column


@dataclass
class Profile:
    """One column as seen in the first rows."""

    index: int
    name: str
    label: str
    values: list[Any]
    unseen: bool = False  # the file has no answers: the header alone says what the column holds

    @cached_property
    def texts(self) -> list[str]:
        return [str(value).strip() for value in self.values]

    def share(self, test: Callable[[Any], bool]) -> float:
        return sum(1 for value in self.values if test(value)) / len(self.values) if self.values else 0.0

    @cached_property
    def date_share(self) -> float:
        return self.share(looks_like_date)

    @cached_property
    def number_share(self) -> float:
        return self.share(lambda value: score_or_none(value) is not None)

    @cached_property
    def email_share(self) -> float:
        return self.share(lambda value: isinstance(value, str) and bool(EMAIL.fullmatch(value.strip())))

    @cached_property
    def mean_length(self) -> float:
        return sum(len(text) for text in self.texts) / len(self.texts) if self.texts else 0.0

    @cached_property
    def distinct_share(self) -> float:
        return len(set(self.texts)) / len(self.texts) if self.texts else 0.0


WHOLE_NAMES_ONLY = ("ces",)  # besides words of 2 letters or fewer: "ces" is in "services" and "prices"


HeaderWords = Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]


def header_rank(label: str, field_name: str, header_words: HeaderWords = HEADER_WORDS) -> int | None:
    """How well a column's label names the field: the rank of the first of its words found (lower is
    better), None when none is or a word rules it out. The orders importer passes its own words."""
    words, excluded = header_words[field_name]
    if any(word in label for word in excluded):
        return None
    names = label.split(" ")
    for rank, word in enumerate(words):
        if word in names or (len(word) > 2 and word not in WHOLE_NAMES_ONLY and word in label):
            return rank
    return None


def _fits(profile: Profile, field_name: str) -> bool:
    """Whether the column's first values fit the field (an empty column fits nothing, unless the whole file
    has no answers: its header then decides)."""
    if not profile.values:
        return profile.unseen
    if field_name == "created_at":
        return profile.share(lambda v: looks_like_date(v) or isinstance(v, int | float)) >= 0.8
    if field_name == "nps":  # a matching header is strong evidence: half the values suffice
        return profile.share(lambda v: _in_range(v, 0, 10)) >= 0.5
    scale = next((scale for scale in SCALED_FIELDS if scale.field_name == field_name), None)
    if scale is not None:  # a number or one of its labels; the scale itself is judged later (_scale_notes)
        labels = scale.labels
        return profile.share(lambda v: score_or_none(v, labels) is not None) >= 0.5
    if field_name == "response_id":
        return profile.distinct_share >= 0.95
    if field_name == "text":
        return profile.number_share < 0.5 and profile.date_share < 0.5 and profile.email_share < 0.5
    if field_name in ("segment", "location", "channel"):  # not a yes/no answer (JSON's true or false)
        short = profile.mean_length <= 80 and profile.email_share < 0.5
        return short and profile.share(lambda v: isinstance(v, bool)) < 0.5
    return True


def _in_range(value: Any, low: int, high: int) -> bool:
    score = score_or_none(value)
    return score is not None and low <= score <= high


def guess_mapping(
    profiles: list[Profile], preset: str | None, taken: dict[str, int], personal: set[int]
) -> dict[str, int]:
    """field -> column index for the fields not given, by preset names, then header words, then values.
    A personal column may be the respondent (hashed), never the text or a descriptive field."""
    mapping = dict(taken)
    used = set(mapping.values())
    free = [profile for profile in profiles if profile.index not in used]

    def impersonal() -> list[Profile]:
        return [profile for profile in free if profile.index not in personal]

    def take(field_name: str, profile: Profile | None) -> None:
        if profile is not None:
            mapping[field_name] = profile.index
            free.remove(profile)

    for field_name, names in PRESET_COLUMNS.get(preset or "", {}).items():
        if preset == "delighted" and field_name == "nps":
            field_name = _delighted_score_field(profiles) or ""
        if field_name and field_name not in mapping:
            by_name = {norm(profile.name): profile for profile in free}
            take(field_name, next((by_name[name] for name in names if name in by_name), None))
    for field_name in ("response_id", "created_at", "nps", "csat", "ces", "respondent", "text"):
        if field_name not in mapping:
            take(field_name, _best_by_header(impersonal() if field_name == "text" else free, field_name))
    if "created_at" not in mapping:
        take("created_at", best_profile(free, key=lambda p: p.date_share, threshold=0.9))
    if "respondent" not in mapping:
        take("respondent", best_profile(free, key=lambda p: p.email_share, threshold=0.8))
    if "text" not in mapping:
        texts = [p for p in impersonal() if _fits(p, "text") and p.mean_length >= 15]
        take("text", best_profile(texts, key=lambda p: p.mean_length))
    for field_name in DESCRIPTIVE_FIELDS:
        if field_name not in mapping:
            take(field_name, _best_by_header(impersonal(), field_name))
    return mapping


def _delighted_score_field(profiles: list[Profile]) -> str | None:
    """The field of Delighted's `score`, by the responses' `survey_type`: NPS (0-10) when they say "nps" or
    nothing, CSAT or CES when they all say so; None for other or mixed types (left in the raw data)."""
    types = {
        str(value).strip().casefold()
        for profile in profiles
        if norm(profile.name) == "surveytype"
        for value in profile.values
    }
    if not types:
        return "nps"
    return {"nps": "nps", **DELIGHTED_SCALES}.get(types.pop()) if len(types) == 1 else None


def _best_by_header(profiles: list[Profile], field_name: str) -> Profile | None:
    ranked = [
        (rank, -profile.mean_length if field_name == "text" else profile.index, profile)
        for profile in profiles
        if (rank := header_rank(profile.label, field_name)) is not None and _fits(profile, field_name)
    ]
    return min(ranked, key=lambda item: item[:2])[2] if ranked else None


def best_profile(
    profiles: Iterable[Profile],
    key: Callable[[Profile], float],
    threshold: float = 0.0,
) -> Profile | None:
    """The profile with the highest `key`, if that reaches `threshold`."""
    best, best_value = None, threshold
    for profile in profiles:
        value = key(profile)
        if value >= best_value and (best is None or value > best_value):
            best, best_value = profile, value
    return best


def resolve_overrides(
    overrides: Mapping[str, str],
    layout: Layout,
    file_name: str,
    fields: Sequence[str] = FIELDS,
    aliases: Mapping[str, str] = FIELD_ALIASES,
    field_help: str = FIELD_HELP,
) -> dict[str, int | None]:
    """field -> column index (None: leave the field unmapped) from the user's `field=column` pairs; the
    orders importer passes its own fields, aliases and help."""
    resolved: dict[str, int | None] = {}
    for raw_field, column in overrides.items():
        field_name = aliases.get(raw_field.strip().casefold(), raw_field.strip().casefold())
        if field_name not in fields:
            raise InputError(f"There is no field {raw_field!r} to map.", hint=f"Fields: {field_help}.")
        if column.strip().casefold() in ("", "-", "none"):
            resolved[field_name] = None
            continue
        resolved[field_name] = _find_column(column, layout, file_name)
    return resolved


def _find_column(column: str, layout: Layout, file_name: str) -> int:
    if column in layout.columns:
        return layout.columns.index(column)
    wanted = norm(column)
    for index, name in enumerate(layout.columns):
        if norm(name) == wanted or (wanted and wanted in layout.labels[index].split(" ")):
            return index
    shown = ", ".join(repr(name) for name in layout.columns[:40])
    raise InputError(f"{file_name} has no column {column!r}.", hint=f"Its columns: {shown}.")


def parse_map_options(
    pairs: Sequence[str], example: str = "nps=Q1", field_help: str = FIELD_HELP
) -> dict[str, str]:
    """`field=column` pairs (the CLI's --map) as a dict."""
    mapping = {}
    for pair in pairs:
        name, separator, column = pair.partition("=")
        if not separator or not name.strip():
            raise InputError(
                f"--map {pair!r} is not field=column.", hint=f"e.g. --map {example}. Fields: {field_help}."
            )
        mapping[name.strip()] = column.strip()
    return mapping


def read_mapping_file(path: Path) -> dict[str, str]:
    """A {field: column} mapping from a JSON or TOML file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        loaded = json.loads(text) if path.suffix.casefold() == ".json" else tomllib.loads(text)
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise InputError(
            f"The mapping file {path} cannot be read ({error}).",
            hint='Write it as JSON {"nps": "Q1", "text": "Q2"} or TOML nps = "Q1".',
        ) from error
    if not isinstance(loaded, dict) or not all(isinstance(value, str) for value in loaded.values()):
        raise InputError(
            f"The mapping file {path} is not a table of field = column names.",
            hint='Write it as JSON {"nps": "Q1", "text": "Q2"} or TOML nps = "Q1".',
        )
    return {str(key): value for key, value in loaded.items()}
