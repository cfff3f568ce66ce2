"""A delivery's survey response into the store, through the survey importer: a SurveyFileCollector over the
response's bytes (collectors.surveys finds and maps its columns as in any export), run by run_collector (the
store's idempotent upsert, the days' counts and the rollouts' verdicts brought up to date, a run recorded).

Each form is one source, `<vendor>:<form id>` (platform the vendor, kind survey), which remembers the form's
identity `form:<id>`; a source that already holds the form by that identity (a Typeform export imported before)
is used instead, so that its responses are stored once whichever way they came. The stored external id is the
importer's for a response with an id: `<response id>|<UTC time>` (collectors.surveys.conversion.response_key).

A response with nothing Pulse counts (no NPS, CSAT, CES or comment, or no time) is kept as a rejected row, as
the importer keeps a rejected row: without its personal answers, emails masked."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from collectors.base import CollectContext, SourceBatch, run_collector
from collectors.surveys import SurveyFileCollector
from collectors.surveys.conversion import Converter
from collectors.surveys.plan import SurveyPlan, check_importable
from hooks.vendors import SurveyResponse
from pulse.errors import InputError
from store.engine import Engine
from store.feedback import read_feedback_ids
from store.records import Rejected, SourceSpec
from store.sources import read_source_identities

PLATFORMS = {"typeform": "typeform", "tally": "tally", "google_forms": "google_forms"}
SOURCE_PREFIXES = {"typeform": "typeform", "tally": "tally", "google_forms": "google-forms"}


@dataclass(frozen=True)
class StoreOutcome:
    """What became of a response: `stored` (new feedback), `already_stored` (the source held it) or
    `rejected` (kept as a rejected row, with the reason); the feedback's id and whether it is new."""

    outcome: str
    message: str
    feedback_id: int | None = None
    source: str = ""

    @property
    def new_ids(self) -> list[int]:
        return [self.feedback_id] if self.outcome == "stored" and self.feedback_id is not None else []


def store_response(engine: Engine, response: SurveyResponse, timezone: str) -> StoreOutcome:
    """Store `response` (idempotently: sent again, it is found already stored) or keep it as rejected."""
    source_name = form_source(engine, response)
    survey = SurveyFileCollector(
        response.data,
        source_name,
        timezone=timezone,
        identities=(response.identity,),
        file_name=response.file_name,
    )
    delivery = _Delivery(survey, replace(survey.source, platform=PLATFORMS[response.vendor]))
    try:
        check_importable(survey.plan)
    except InputError as error:
        delivery.refusal = error
    result = run_collector(engine, delivery)
    if result.new or result.duplicate:
        ids = read_feedback_ids(engine, source_name, delivery.external_ids)
        feedback_id = next(iter(ids.values()), None)
        if result.new:
            return StoreOutcome("stored", f"Stored in {source_name!r}.", feedback_id, source_name)
        return StoreOutcome(
            "already_stored", f"Already stored in {source_name!r}; nothing added.", feedback_id, source_name
        )
    reasons = "; ".join(dict.fromkeys(reject.reason.rstrip(".") for reject in delivery.rejects))
    return StoreOutcome(
        "rejected",
        f"Not stored: {reasons or 'nothing to store'}. Kept with the rejected rows of {source_name!r}.",
        source=source_name,
    )


def form_source(engine: Engine, response: SurveyResponse) -> str:
    """The source of the response's form: one of the vendor's platform that holds the form's identity, else
    `<vendor>:<form id>`."""
    platform = PLATFORMS[response.vendor]
    for source in read_source_identities(engine):
        if source.kind == "survey" and source.platform == platform and response.identity in source.identities:
            return source.name
    return f"{SOURCE_PREFIXES[response.vendor]}:{response.form_id}"


@dataclass
class _Delivery:
    """The survey collector of one response, storing into the form's source (with the vendor as platform):
    its batches as they come, remembering their external ids and rejects; or, when the response has nothing
    Pulse counts (`refusal`), the response as one rejected row."""

    survey: SurveyFileCollector
    source: SourceSpec
    refusal: InputError | None = None
    external_ids: list[str] = field(default_factory=list)
    rejects: list[Rejected] = field(default_factory=list)
    name: str = field(init=False, default="")  # of its runs

    def __post_init__(self) -> None:
        self.name = f"webhook:{self.source.name}"

    def collect(self, context: CollectContext) -> Iterator[SourceBatch]:
        if self.refusal is not None:
            self.rejects = refused_rows(self.survey.plan, self.refusal, context.author_salt)
            yield SourceBatch(self.source, rejects=self.rejects)
            return
        for batch in self.survey.collect(context):
            self.external_ids += batch.records.frame["external_id"].to_list()
            self.rejects += batch.rejects
            yield replace(batch, source=self.source)


def refused_rows(plan: SurveyPlan, error: InputError, author_salt: str) -> list[Rejected]:
    """The rows of a response that the importer refuses as a whole, as it writes a rejected row: without the
    personal answers, emails masked, the respondent as a salted hash (for `pulse forget`)."""
    converter = Converter(plan.conversion(), author_salt)
    respondent = plan.conversion().indexes.get("respondent")
    rows = []
    for line, cells in plan.rows():
        author = (
            converter.hash(cells[respondent]) if respondent is not None and respondent < len(cells) else None
        )
        rows.append(Rejected(plan.file_name, error.message, converter.row_text(cells), line, author))
    return rows
