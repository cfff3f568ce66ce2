"""Which source a survey export is stored in: the survey's, whatever the file is called.

A survey is recognised by, in order:
1. the vendor's form or survey id, where the export carries one (a "Form ID" / "Survey ID" column with one
   value, or the typeform.com/to/<id> link of Typeform's responses JSON): the key `form:<id>`;
2. the signature of its header: a hash of the normalised column names (with Qualtrics' question texts), in any
   order: the key `columns:<hash>`.
A source remembers the keys of the files imported into it (store/sources.py), so "responses (1).csv", a weekly
cumulative re-export or an overlapping export goes into the source of the first export, where the store adds only
the rows it does not hold yet (response id, else a hash of the row). The user may name the source instead
(`pulse import --source NAME`, the Sources page): a new name starts a source, an existing one is picked, with a
warning when its survey looks different (the file's keys are then remembered for it too).

A source made before survey recognition has no keys: a file is matched to it by the old default name
("Survey: <file name>"), and its keys are remembered from then on.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING

from pulse.errors import InputError
from store.engine import Engine
from store.sources import StoredSource, read_source_identities

if TYPE_CHECKING:
    from collectors.surveys.collector import SurveyFileCollector
    from collectors.surveys.plan import SurveyPlan

FORM_ID_COLUMNS = frozenset(
    {"formid", "surveyid", "formresponseformid"}
)  # normalised names of form id columns
TYPEFORM_LINK = re.compile(r"typeform\.com/to/([A-Za-z0-9_-]+)")
IDENTITY_ROWS = 500  # data rows looked at for a form id
MAX_SOURCE_NAME = 200  # the store's limit
MAX_FORM_ID = 200


@dataclass(frozen=True)
class SurveyIdentity:
    """What identifies a file's survey: the vendor's form id when the file has one, and its header."""

    form_id: str | None
    signature: str  # columns:<hash of the header>
    columns: tuple[str, ...]  # the file's column names, as shown

    @property
    def keys(self) -> tuple[str, ...]:
        return (f"form:{self.form_id}", self.signature) if self.form_id else (self.signature,)


@dataclass(frozen=True)
class SourceChoice:
    """The source a file goes into, why, and what the person importing should know."""

    name: str
    identity: SurveyIdentity
    status: str  # recognised (an existing source of this survey), named (by the user), or new
    reason: str
    warnings: tuple[str, ...] = ()


def survey_identity(plan: SurveyPlan) -> SurveyIdentity:
    header = "\n".join(sorted(plan.labels))
    signature = "columns:" + hashlib.sha256(header.encode("utf-8")).hexdigest()[:32]
    return SurveyIdentity(_form_id(plan), signature, tuple(plan.columns))


def _form_id(plan: SurveyPlan) -> str | None:
    """The one form id that the first rows agree on, if the file has a column for it."""
    names = [_norm(column) for column in plan.columns]
    id_columns = [index for index, name in enumerate(names) if name in FORM_ID_COLUMNS]
    links = [index for index, name in enumerate(names) if name == "metadatareferer"]
    if not id_columns and not links:
        return None
    found: set[str] = set()
    for _line, cells in islice(plan.rows(), IDENTITY_ROWS):
        for index in id_columns:
            value = _cell(cells, index)
            found.update([value] if value else [])
        for index in links:
            link = TYPEFORM_LINK.search(_cell(cells, index))
            found.update([link.group(1)] if link else [])
    form_id = found.pop() if len(found) == 1 else None
    return form_id if form_id and len(form_id) <= MAX_FORM_ID else None


def _cell(cells: Sequence[object], index: int) -> str:
    value = cells[index] if index < len(cells) else None
    return "" if value is None else str(value).strip()


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


def default_source_name(file_name: str) -> str:
    return f"Survey: {file_name}"


def recognise(sources: Sequence[StoredSource], identity: SurveyIdentity) -> list[StoredSource]:
    """The survey sources whose survey this is: by form id when the file has one that a source knows, else by
    header (leaving out sources of another form)."""
    surveys = [source for source in sources if source.kind == "survey"]
    if identity.form_id:
        by_form = [source for source in surveys if f"form:{identity.form_id}" in source.identities]
        if by_form:
            return by_form
    return [
        source
        for source in surveys
        if identity.signature in source.identities and not _another_form(source, identity)
    ]


def _another_form(source: StoredSource, identity: SurveyIdentity) -> bool:
    forms = {key for key in source.identities if key.startswith("form:")}
    return identity.form_id is not None and bool(forms) and f"form:{identity.form_id}" not in forms


@dataclass(frozen=True)
class SourceOptions:
    """What the Sources page offers for a file: the sources that hold its survey (best first), the other
    survey sources, and the name a new source would get."""

    recognised: list[str]
    others: list[str]
    new_name: str


def survey_source_options(engine: Engine, plan: SurveyPlan, file_name: str | None = None) -> SourceOptions:
    identity = survey_identity(plan)
    sources = read_source_identities(engine)
    recognised = [source.name for source in recognise(sources, identity)]
    default = default_source_name(file_name or plan.file_name)
    by_name = {source.name: source for source in sources}
    if not recognised and _is_legacy(by_name.get(default)):
        recognised = [default]
    others = [s.name for s in sources if s.kind == "survey" and s.name not in recognised]
    return SourceOptions(recognised, others, _free_name(default[: MAX_SOURCE_NAME - 6], by_name))


def choose_survey_source(
    engine: Engine, plan: SurveyPlan, file_name: str | None = None, requested: str | None = None
) -> SourceChoice:
    """The source for the file `plan` read: `requested` when given (new or existing), else the source that
    holds its survey, else a new one named after the file. An InputError when several sources hold it."""
    identity = survey_identity(plan)
    sources = read_source_identities(engine)
    matches = recognise(sources, identity)
    shown = file_name or plan.file_name
    if requested is not None:
        return _named(requested.strip(), shown, identity, sources, matches)
    if len(matches) == 1:
        by_form = identity.form_id and f"form:{identity.form_id}" in matches[0].identities
        how = "recognised by its form id" if by_form else "recognised by its columns"
        return SourceChoice(matches[0].name, identity, "recognised", how)
    if len(matches) > 1:
        names = ", ".join(repr(source.name) for source in matches)
        raise InputError(
            f"{shown} looks like the survey of several sources ({names}); nothing was imported.",
            hint="Pick the source with --source NAME (or on the Sources page), or give a new name.",
        )
    by_name = {source.name: source for source in sources}
    default = default_source_name(shown)
    if _is_legacy(by_name.get(default)):
        return SourceChoice(default, identity, "recognised", "recognised by its file name (an older source)")
    return SourceChoice(_free_name(default[: MAX_SOURCE_NAME - 6], by_name), identity, "new", "a new source")


def _is_legacy(source: StoredSource | None) -> bool:
    """A survey source made before recognition: it has no identity yet."""
    return source is not None and source.kind == "survey" and not source.identities


def _named(
    name: str,
    shown: str,
    identity: SurveyIdentity,
    sources: Sequence[StoredSource],
    matches: Sequence[StoredSource],
) -> SourceChoice:
    if not name or len(name) > MAX_SOURCE_NAME:
        raise InputError(
            f"A source name must have 1 to {MAX_SOURCE_NAME} characters.",
            hint="Give a shorter --source name.",
        )
    existing = next((source for source in sources if source.name == name), None)
    if existing is not None and existing.kind != "survey":
        raise InputError(
            f"The source {name!r} holds {existing.kind}s, not survey answers; nothing was imported.",
            hint="Give another --source name, or leave it out to let Pulse recognise the survey.",
        )
    warnings = []
    others = [source.name for source in matches if source.name != name]
    if others:
        warnings.append(
            f"{shown} looks like the survey of {', '.join(map(repr, others))}; it goes into {name!r} as asked, "
            "so answers already stored there are stored again in this source."
        )
    if existing is not None and existing.identities and not set(identity.keys) & set(existing.identities):
        warnings.append(
            f"{shown} does not look like the survey of {name!r} ({_difference(identity, existing)}); it goes "
            "into it as asked, and files like it will be recognised as this source from now on."
        )
    status, reason = ("named", "the source you picked") if existing else ("new", "a new source you named")
    return SourceChoice(name, identity, status, reason, tuple(warnings))


def _difference(identity: SurveyIdentity, source: StoredSource) -> str:
    """How the file's survey differs from the source's: another form id, or which columns."""
    forms = [key.removeprefix("form:") for key in source.identities if key.startswith("form:")]
    if identity.form_id and forms:
        return f"form id {identity.form_id}, not {', '.join(forms)}"
    mine = {_norm(column): column for column in identity.columns}
    theirs = {_norm(column): column for column in source.columns}
    added = [column for key, column in mine.items() if key not in theirs]
    missing = [column for key, column in theirs.items() if key not in mine]
    parts = [f"{label}: {_few(columns)}" for label, columns in (("new columns", added), ("missing", missing))]
    return "; ".join(part for part, columns in zip(parts, (added, missing), strict=True) if columns) or (
        "other columns"
    )


def _few(columns: Sequence[str], shown: int = 5) -> str:
    more = f" and {len(columns) - shown} more" if len(columns) > shown else ""
    return ", ".join(repr(column) for column in columns[:shown]) + more


def _free_name(name: str, taken: dict[str, StoredSource]) -> str:
    """`name`, or `name (2)`, `name (3)`... when a source of another survey already has it."""
    number = 1
    candidate = name
    while candidate in taken:
        number += 1
        candidate = f"{name} ({number})"
    return candidate


def assign_source(collector: SurveyFileCollector, choice: SourceChoice) -> None:
    """Store the collector's rows in the chosen source, which remembers this survey's identity."""
    collector.store_in(choice.name, choice.identity.keys, choice.identity.columns)
