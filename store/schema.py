"""The store's tables, as SQLAlchemy Core metadata. Migrations in store/migrations create them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from pulse.measures import FLOAT_COLUMNS, SENTIMENT_PROBABILITY_COLUMNS, WHOLE_COLUMNS

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """A moment, kept in UTC. An aware value is turned to UTC before it is written or compared with: SQLite keeps
    a value's wall-clock text without its offset, so local midnight in London (BST) would be compared as
    midnight UTC, an hour off, and a day's first hour of feedback missed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        return value.astimezone(UTC) if value is not None and value.tzinfo is not None else value


FEEDBACK_KINDS = ("survey", "review", "mention", "staff")  # staff: what staff observed (revision 0016)
CUSTOMER_KINDS = (
    "survey",
    "review",
    "mention",
)  # what customers said: every customer figure counts only these
SOURCE_KINDS = (*FEEDBACK_KINDS, "order")  # a source holds feedback of one kind, or orders (revision 0014)

store_state = Table(
    "store_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("data_version", Integer, nullable=False),
    Column("author_salt", String(64)),  # random per store: authors are stored as salted hashes
    Column("counts_timezone", String(64)),  # the time zone of daily_counts' days; NULL: not built yet
    Column("counts_stale_from", UtcDateTime),  # daily_counts' days from here to counts_stale_to (UTC) are
    Column("counts_stale_to", UtcDateTime),  # to be recounted (store/daily_counts.py); NULL: up to date
    Column("impacts_version", Integer),  # the data version rollout_impacts are current at (store/impacts.py)
)

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),  # one of SOURCE_KINDS
    Column("platform", String(50), nullable=False),  # demo, csv, reddit, app_store, ...
    Column("config", JSON, nullable=False, default=dict),
    Column("created_at", UtcDateTime, nullable=False),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("external_id", String(300), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("text", Text),
    Column("nps", SmallInteger),
    Column("csat", SmallInteger),
    Column("stars", SmallInteger),
    Column("ces", SmallInteger),  # Customer Effort Score, 1-7 (revision 0004)
    Column("author_hash", String(64)),
    Column("url", Text),
    Column("location", String(200)),
    Column("channel", String(100)),
    Column("segment", String(200)),
    Column("raw", JSON),
    Column("ingested_at", UtcDateTime, nullable=False),
    Column(
        "reported_by", String(200)
    ),  # kind staff: the member of staff (a user name); shown to editors only
    UniqueConstraint("source_id", "external_id"),
    Index(None, "created_at"),
)
# the Explorer's word search on PostgreSQL (revision 0017; only where the pg_trgm extension could be created)
Index(
    "ix_feedback_text_trgm", feedback.c.text, postgresql_using="gin", postgresql_ops={"text": "gin_trgm_ops"}
).ddl_if(dialect="postgresql")

orders = Table(
    "orders",
    metadata,  # orders or visits, one row per order of a source (store/orders.py; revision 0014)
    Column("id", Integer, primary_key=True),
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("external_id", String(300), nullable=False),  # the order's id in its source
    Column("customer_hash", String(64)),  # the customer's id or email as feedback.author_hash has it
    Column("ordered_at", UtcDateTime, nullable=False),
    Column("amount", Float),  # in the business's currency; refunds negative; NULL: unknown
    Column("channel", String(100)),
    Column("location", String(200)),
    Column("item_count", Integer),
    Column("items", Text),  # the items' names, as the export lists them
    Column("raw", JSON),  # the unmapped columns that are not personal
    Column("ingested_at", UtcDateTime, nullable=False),
    UniqueConstraint("source_id", "external_id"),
    Index(None, "ordered_at"),
)  # no index on customer_hash: random keys made a 1,000,000-order import 2-3 times slower (benchmarks/orders.py)

customer_values = Table(
    "customer_values",
    metadata,  # what the latest lifetime-value fit expects of each customer (store/customer_values.py; 0015)
    Column("customer_hash", String(64), primary_key=True),  # as orders.customer_hash
    Column("frequency", Integer, nullable=False),  # repeat purchase days up to the fit's calibration day
    Column("probability_alive", Float, nullable=False),
    Column("expected_purchases", Float, nullable=False),  # in the fit's horizon (12 months)
    Column("expected_spend", Float),  # per purchase; NULL: no spend model
    Column("expected_value", Float),  # expected_purchases x expected_spend; NULL: no spend model
    Column("spend_to_date", Float, nullable=False),  # first purchase included
)

clv_fits = Table(
    "clv_fits",
    metadata,  # one row per lifetime-value fit the pipeline tried; the newest with a record is current
    Column("id", Integer, primary_key=True),
    Column("fitted_at", UtcDateTime, nullable=False),
    Column("orders", Integer, nullable=False),  # the stored orders when it was fitted: their number,
    Column("last_order_id", Integer),  # the highest orders.id,
    Column("last_ordered_at", UtcDateTime),  # and the last order's time
    Column("timezone", String(64), nullable=False),  # the local days purchases were counted in
    Column("record", Text),  # analysis.clv.ClvResult.to_json() as JSON; NULL: not fitted (see message)
    Column("message", Text),  # why not, or the fit's warnings
)

rejected_rows = Table(
    "rejected_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", ForeignKey("runs.id", ondelete="SET NULL")),
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE")),
    Column("origin", Text, nullable=False),  # file name or API endpoint
    Column("line", Integer),
    Column("reason", Text, nullable=False),
    Column("raw", Text, nullable=False),  # without personal columns, emails masked
    Column("created_at", UtcDateTime, nullable=False),
    Column("author_hash", String(64)),  # the respondent's salted hash, for `pulse forget` (revision 0007)
)

scores = Table(
    "scores",
    metadata,
    Column("feedback_id", ForeignKey("feedback.id", ondelete="CASCADE"), primary_key=True),
    Column("sentiment", String(10), nullable=False),
    Column("sentiment_score", Float, nullable=False),
    Column("impersonal", Boolean, nullable=False),
    Column("impersonal_score", Float, nullable=False),
    Column("impersonal_cues", JSON, nullable=False),
    Column("model_version", String(100), nullable=False),
    Column("scored_at", UtcDateTime, nullable=False),
    *[Column(name, Float) for name in SENTIMENT_PROBABILITY_COLUMNS],  # revision 0011
)

embeddings = Table(
    "embeddings",
    metadata,
    Column("text_hash", String(64), primary_key=True),
    Column("model_name", String(200), primary_key=True),
    Column("dimensions", Integer, nullable=False),
    Column("vector", LargeBinary, nullable=False),  # float32, little-endian
    Column("created_at", UtcDateTime, nullable=False),
)

topic_models = Table(
    "topic_models",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", String(100), nullable=False, unique=True),  # the pipeline's version @ the fit's time
    Column("embedding_model", String(200), nullable=False),
    Column("documents", Integer, nullable=False),
    Column("fitted_at", UtcDateTime, nullable=False),
)  # one row per fit; the newest is the current model

topics = Table(
    "topics",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("model_version", String(100), nullable=False),
    Column("topic_number", Integer, nullable=False),
    Column("label", String(200), nullable=False),
    Column("keywords", JSON, nullable=False),
    Column("custom_name", String(200)),
    Column("hidden", Boolean, nullable=False, default=False),
    Column("merged_into", ForeignKey("topics.id", ondelete="SET NULL")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("centroid", LargeBinary),  # float32, little-endian, unit length
    Column("size", Integer, nullable=False, server_default="0"),
    Column(
        "seed", String(60)
    ),  # "library:<key>" for a library theme, "impersonal" for the detector's, else NULL
    Column("heading", String(100)),  # the library heading it is listed under (NULL: a discovered theme)
    UniqueConstraint("model_version", "topic_number"),
)

theme_mentions = Table(
    "theme_mentions",
    metadata,
    Column("feedback_id", ForeignKey("feedback.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("similarity", Float),  # the best match of its sentences (library) or of its rest (new themes)
    Column("sentiment_score", Float),  # the mean sentiment of the sentences that mention the theme
)  # every theme an item mentions, under the model of its topic

topic_assignments = Table(
    "topic_assignments",
    metadata,
    Column("feedback_id", ForeignKey("feedback.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topics.id", ondelete="CASCADE"), index=True),  # NULL: no theme fits
    Column("probability", Float),  # cosine similarity to the topic's centroid
    Column("model_version", String(100), nullable=False, server_default=""),
    Column("method", String(10), nullable=False, server_default="fit"),  # fit / assign
)

rollouts = Table(
    "rollouts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("channel", String(100)),
    Column("started_on", Date, nullable=False),
    Column("ended_on", Date),
    Column("description", Text, nullable=False, default=""),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("name", "started_on"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),  # collector / pipeline
    Column("name", String(200), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("status", String(20), nullable=False),  # running / ok / failed / interrupted
    Column("counts", JSON, nullable=False, default=dict),
    Column("cursor", Text),  # a collector's resume point
    Column("message", Text),
    Column("versions", JSON, nullable=False, default=dict),
    Column("pid", Integer),  # the process that runs it, on `host`: gone while "running" means interrupted
    Column("host", String(255)),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False),  # argon2id, with its salt and parameters
    Column("role", String(20), nullable=False),  # staff / viewer / editor / admin
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_sign_in_at", UtcDateTime),
    Column("email", String(320)),  # where case notifications reach them; NULL: none (revision 0016)
    UniqueConstraint("username"),
)

sign_in_attempts = Table(  # failed sign-ins per user name typed, whether or not such a user exists
    "sign_in_attempts",
    metadata,
    Column("name_key", String(64), primary_key=True),  # the name's hash salted with the store's salt
    Column("failed_attempts", Integer, nullable=False),  # in a row, since the last lock or success
    Column("locked_until", UtcDateTime),
    Column("last_failed_at", UtcDateTime, nullable=False),
)

corrections = Table(
    "corrections",
    metadata,
    Column("feedback_id", ForeignKey("feedback.id", ondelete="CASCADE"), primary_key=True),
    Column("field", String(20), primary_key=True),  # sentiment / impersonal
    Column("value", String(20), nullable=False),  # negative / neutral / positive, or true / false
    Column("corrected_by", String(200), nullable=False),
    Column("corrected_at", UtcDateTime, nullable=False),
)

rollout_changes = Table(
    "rollout_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("rollout_id", Integer, nullable=False),  # no foreign key: a deleted rollout keeps its history
    Column("action", String(10), nullable=False),  # added / edited / deleted
    Column("changed_by", String(200), nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
    Column("before", JSON),  # the rollout's fields before the change (none when added)
    Column("after", JSON),  # and after it (none when deleted)
)

DAILY_COUNT_INTEGERS = tuple(WHOLE_COLUMNS)  # the counts and sums of pulse.measures.DAILY_COUNTS
DAILY_COUNT_FLOATS = tuple(FLOAT_COLUMNS)  # the sums of sentiment scores

daily_counts = Table(
    "daily_counts",
    metadata,  # pulse.measures.DAILY_COUNTS per local day, what every figure is derived from (store/daily_counts.py)
    Column("day", Date, nullable=False),  # in store_state.counts_timezone
    Column("kind", String(20), nullable=False),
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(100)),
    Column("location", String(200)),
    Column("segment", String(200)),
    *[Column(name, Integer, nullable=False) for name in DAILY_COUNT_INTEGERS],
    *[Column(name, Float, nullable=False) for name in DAILY_COUNT_FLOATS],
    Index(None, "day"),
)

rollout_impacts = Table(
    "rollout_impacts",
    metadata,  # every rollout's impact as the pipeline judged it, for the dashboard (store/impacts.py)
    Column("position", Integer, primary_key=True),  # oldest rollout first
    Column("name", String(200), nullable=False),
    Column("started_on", Date, nullable=False),
    Column("record", Text, nullable=False),  # analysis.impact.impact_record as JSON (NaN kept)
)


# Follow-up cases (revision 0016): a person contacts an unhappy customer (store/cases.py)
CASE_STATUSES = ("new", "assigned", "contacted", "resolved", "no_reply")

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("feedback_id", ForeignKey("feedback.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("reason", String(40), nullable=False),  # the first rule the feedback met (analysis/case_rules.py)
    Column("status", String(20), nullable=False),  # one of CASE_STATUSES
    Column("assignee", String(200)),  # a user name; NULL: nobody yet
    Column("created_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),  # first contact due by (business hours)
    Column("first_contact_at", UtcDateTime),  # when it first became contacted (or no_reply)
    Column("closed_at", UtcDateTime),  # when it became resolved or no_reply
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "status"),
)

case_events = Table(
    "case_events",
    metadata,  # every change of a case: who changed what, and when
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("at", UtcDateTime, nullable=False),
    Column("by", String(200), nullable=False),  # a user name, "pulse" (the pipeline) or "dashboard"
    Column("action", String(20), nullable=False),  # created / assigned / status / note
    Column("before", String(200)),  # the assignee or status before the change
    Column("after", String(200)),  # and after it
    Column("note", Text),  # the note's text (action note), or a note given with the change
)

case_rules = Table(
    "case_rules",
    metadata,  # the owner's changes to the built-in rules (analysis/case_rules.py); a rule without a row: default
    Column("rule", String(40), primary_key=True),  # detractor / impersonal / low_stars / contact_request
    Column("enabled", Boolean, nullable=False),
    Column("threshold", Integer),  # detractor: NPS at most this; low_stars: stars at most this
    Column("assignee", String(200)),  # who new cases of this rule go to; NULL: nobody yet
    Column("due_hours", Integer, nullable=False),  # business hours until first contact is due
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

contacts = Table(
    "contacts",
    metadata,  # how to reach a respondent who gave contact details: encrypted with PULSE_CONTACT_KEY (store/contacts.py)
    Column("author_hash", String(64), primary_key=True),  # as feedback.author_hash
    Column("email", LargeBinary, nullable=False),  # Fernet token of the address
    Column("updated_at", UtcDateTime, nullable=False),
)

notifications = Table(
    "notifications",
    metadata,  # every notification of a case, sent or still to send, with its attempts (store/notifications.py)
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(20), nullable=False),  # email / slack / teams
    Column("target", String(320), nullable=False),  # an email address, or the webhook's setting name
    Column("status", String(20), nullable=False),  # pending / sent / failed (gave up after the last attempt)
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime),
    Column("last_error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    UniqueConstraint("case_id", "channel", "target"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,  # every request the receiver answered (`pulse hooks serve`), refused ones too (store/webhooks.py)
    Column("id", Integer, primary_key=True),
    Column("vendor", String(20), nullable=False),  # typeform / tally / google_forms
    Column("received_at", UtcDateTime, nullable=False),
    Column("event_id", String(300)),  # the vendor's id of the delivery or response; NULL: none could be read
    Column("status_code", Integer, nullable=False),
    Column(
        "outcome", String(20), nullable=False
    ),  # stored / rejected / bad_signature / replay / malformed / ...
    Column("message", Text),
    Column("body_sha256", String(64), nullable=False),
    Column("feedback_id", ForeignKey("feedback.id", ondelete="SET NULL")),
    Index(None, "vendor", "event_id"),
)
