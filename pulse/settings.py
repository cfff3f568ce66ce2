"""The one settings object: environment variables prefixed PULSE_, then an optional pulse.toml."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from pulse.business_hours import parse_business_hours
from pulse.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_PATH = PROJECT_ROOT / "data" / "pulse.db"
SmtpSecurity = Literal["starttls", "ssl", "none"]
EMAIL_ADDRESS = re.compile(r"[^@\s,<>]+@[^@\s,<>]+\.[^@\s,<>]+")  # one plain address, as a setting lists it
MAKE_CONTACT_KEY_HINT = (
    "Make a contact key with `pulse contacts key` and set it in the environment as PULSE_CONTACT_KEY (never in "
    "pulse.toml); keep a copy somewhere safe, since the contacts cannot be read without it."
)
FIELD_HINTS = {"contact_key": MAKE_CONTACT_KEY_HINT}  # what to do, for settings whose fix is not obvious


class Settings(BaseSettings):
    """Pulse's configuration. Every field is documented in the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="PULSE_", toml_file="pulse.toml", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_DATABASE_PATH}",
        description="SQLAlchemy URL of the store: a SQLite file (the default) or "
        "postgresql+psycopg://user:password@host/db; no other database. `pulse db upgrade` creates it.",
    )
    db_pool_size: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="PostgreSQL only: connections each Pulse process keeps open in each of its two pools "
        "(SQLAlchemy's: the default workspace's, and the one the other workspaces share); each pool holds up to "
        "this plus PULSE_DB_MAX_OVERFLOW.",
    )
    db_max_overflow: int = Field(
        default=10,
        ge=0,
        le=1000,
        description="PostgreSQL only: connections a process may open beyond PULSE_DB_POOL_SIZE at busy moments, "
        "closed again when returned.",
    )
    db_pool_recycle: int = Field(
        default=1800,
        ge=-1,
        description="PostgreSQL only: seconds after which a pooled connection is replaced (before a proxy or "
        "firewall drops it idle); -1: never.",
    )
    workspace: str = Field(
        default="default",
        description="The workspace (one business, or one client of an agency) that commands work in; "
        "`pulse --workspace NAME` overrides it. `default` is the store at PULSE_DATABASE_URL itself.",
    )
    demo_dir: Path = Field(
        default=PROJECT_ROOT / "data" / "demo",
        description="Folder of the demo dataset that `pulse demo` loads.",
    )
    business_name: str = Field(
        default="Crumb & Kettle", description="The business's name, shown in the dashboard's title."
    )
    timezone: str = Field(
        default="Europe/London", description="IANA time zone in which days and weeks are counted."
    )
    min_responses: int = Field(
        default=30,
        ge=1,
        description="Fewest responses for a period's NPS or CSAT to be drawn as solid; "
        "thinner periods are marked as thin.",
    )
    server_port: int = Field(default=8501, ge=1, le=65535, description="Port of `pulse serve`.")
    embedding_model: str = Field(
        default="all-MiniLM-L6-v2",
        description="Sentence-embedding model of the themes: all-MiniLM-L6-v2 ships with Pulse; another "
        "sentence-transformers name or folder is loaded from the user's own cache or the internet. Sentiment "
        "and impersonal detection always use all-MiniLM-L6-v2.",
    )
    theme_library: str = Field(
        default="small_business",
        description="The theme library that names known themes: a preset (`small_business`, `clinic`), `none` "
        "(themes are only discovered), or the path of a TOML file; `pulse themes library --show small_business` "
        "prints a preset to start one from.",
    )
    cache_dir: Path | None = Field(
        default=None,
        description="Folder of Pulse's cache: the embeddings that `pulse score` keeps when there is no store, and "
        "all-MiniLM-L6-v2 exported for ONNX Runtime; unset, $XDG_CACHE_HOME/pulse, else ~/.cache/pulse.",
    )
    ray_address: str | None = Field(
        default=None,
        description="Address of a Ray cluster that `pulse analyze` scores a backlog on (host:port of the head, "
        "as `ray start --head` prints it, or auto for the cluster started on this machine); unset, Pulse scores "
        "in its own process.",
    )
    ray_workers: int = Field(
        default=0,
        ge=0,
        description="Scoring workers on the Ray cluster, each loading the model once; 0, one per CPU the "
        "cluster has.",
    )
    anonymous_access: bool = Field(
        default=True,
        description="Let anyone who reaches the dashboard use it as an editor, without signing in (the demo's "
        "default); turn off to require the accounts of `pulse users`.",
    )
    session_minutes: int = Field(
        default=480, ge=1, description="Minutes after which a dashboard sign-in expires."
    )
    reddit_client_id: str | None = Field(
        default=None,
        description="Reddit script-app client id; unset, PRAW reads praw_client_id or praw.ini.",
    )
    reddit_client_secret: SecretStr | None = Field(
        default=None,
        description="Reddit script-app client secret (a secret: environment only); unset, PRAW's own config.",
    )
    reddit_user_agent: str = Field(
        default="pulse:feedback-monitor:0.1 (read-only)",
        description="User agent that Reddit asks every API client to send.",
    )
    reddit_subreddits: Annotated[list[str], NoDecode] = Field(
        default=["all"],
        description="Comma-separated subreddits to search for mentions (all: the whole of Reddit).",
    )
    reddit_keywords: Annotated[list[str], NoDecode] = Field(
        default=[],
        description="Comma-separated words and names to search Reddit for; unset, the business's name.",
    )
    app_store_app_id: str | None = Field(
        default=None, description="Numeric App Store id of the business's app, for its customer reviews."
    )
    app_store_country: str = Field(
        default="gb", description="Two-letter App Store country whose reviews are collected."
    )
    google_places_api_key: SecretStr | None = Field(
        default=None, description="Google Places API (New) key (a secret: environment only)."
    )
    google_places_place_id: str | None = Field(
        default=None, description="Google place id of the business, for its Places reviews."
    )
    smtp_host: str | None = Field(
        default=None, description="SMTP server that sends the weekly digest (`pulse digest --send`)."
    )
    smtp_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Port of the SMTP server; unset, 465 when PULSE_SMTP_SECURITY is ssl and 587 otherwise (25 is "
        "usual for a relay).",
    )
    smtp_user: str | None = Field(
        default=None, description="SMTP user name; unset, Pulse sends without signing in (a local relay)."
    )
    smtp_password: SecretStr | None = Field(
        default=None, description="SMTP password (a secret: environment only)."
    )
    smtp_security: SmtpSecurity | None = Field(
        default=None,
        description="How the SMTP connection is encrypted: starttls (upgrade a plain connection, usually port "
        "587), ssl (implicit TLS from the first byte, SMTPS, usually port 465) or none (only for a relay on the "
        "same machine or a trusted network); unset, as PULSE_SMTP_STARTTLS says when that is set, else ssl on "
        "port 465 and starttls on any other.",
    )
    smtp_starttls: bool | None = Field(
        default=None,
        description="The older switch, kept for existing configurations: true is PULSE_SMTP_SECURITY=starttls, "
        "false is none; PULSE_SMTP_SECURITY wins when both are set.",
    )
    digest_sender: str | None = Field(
        default=None,
        description="From address of the weekly digest and of case notifications, e.g. pulse@example.com.",
    )
    digest_recipients: Annotated[list[str], NoDecode] = Field(
        default=[], description="Comma-separated addresses that `pulse digest --send` sends the digest to."
    )
    notify_email: Annotated[list[str], NoDecode] = Field(
        default=[],
        description="Comma-separated addresses that get an email for every new follow-up case (through the SMTP "
        "server above).",
    )
    notify_assignee_email: bool = Field(
        default=True,
        description="Email each new case to its assignee too, at their account's email address, when they have one.",
    )
    notify_slack_url: SecretStr | None = Field(
        default=None,
        description="Slack incoming-webhook URL that every new case is posted to (a secret: environment only).",
    )
    notify_teams_url: SecretStr | None = Field(
        default=None,
        description="Microsoft Teams webhook URL (a Workflows flow started by a webhook request) that every new case "
        "is posted to as an Adaptive Card (a secret: environment only).",
    )
    notify_max_attempts: int = Field(
        default=5,
        ge=1,
        le=20,
        description="Attempts at sending each case notification before it is marked failed; retries wait 1, 2, 4, "
        "8... minutes, or as long as the server's Retry-After asks.",
    )
    dashboard_url: str | None = Field(
        default=None,
        description="The dashboard's address as your team opens it, e.g. https://pulse.example.com: case "
        "notifications link to the case's Follow-up page there; unset, they carry no link.",
    )
    hooks_port: int = Field(
        default=8502,
        ge=1,
        le=65535,
        description="Port of `pulse hooks serve`, the receiver of survey responses sent by Typeform, Tally and "
        "Google Forms.",
    )
    hooks_typeform_secret: SecretStr | None = Field(
        default=None,
        description="The secret of the form's Typeform webhook (a secret: environment only); unset, Typeform's "
        "deliveries are refused.",
    )
    hooks_tally_secret: SecretStr | None = Field(
        default=None,
        description="The signing secret of the form's Tally webhook (a secret: environment only); unset, Tally's "
        "deliveries are refused.",
    )
    hooks_google_forms_secret: SecretStr | None = Field(
        default=None,
        description="The secret that Pulse's Apps Script (docs/google-forms-webhook.gs) signs Google Forms "
        "responses with (a secret: environment only); unset, they are refused.",
    )
    # Follow-up cases (analysis/case_rules.py, `pulse cases`)
    business_hours: str = Field(
        default="Mon-Fri 09:00-17:00",
        description="When the business is open, in PULSE_TIMEZONE: the hours in which a follow-up case's time to "
        'first contact runs, e.g. "Mon-Sat 08:00-18:00" or "Mon-Fri 09:00-17:00, Sat 10:00-14:00".',
    )
    business_closed_days: Annotated[list[date], NoDecode] = Field(
        default=[],
        description="Comma-separated dates (YYYY-MM-DD) on which the business is closed, e.g. bank holidays: a "
        "follow-up case's clock does not run on them.",
    )
    case_due_hours: int = Field(
        default=48,
        ge=1,
        le=2000,
        description="Business hours from a follow-up case's opening to its first contact being due, for the "
        "rules whose time the owner has not changed.",
    )
    case_lookback_days: int = Field(
        default=14,
        ge=1,
        description="How old feedback can be and still open a follow-up case when `pulse analyze` runs "
        "(so that importing years of history opens none for old feedback).",
    )
    contact_key: SecretStr | None = Field(
        default=None,
        description="Fernet key that encrypts respondents' contact details (a secret: environment only; `pulse "
        "contacts key` makes one; several, comma-separated, while changing keys: the first encrypts); unset, "
        "Pulse keeps no contact details.",
    )
    queue_url: str | None = Field(
        default=None,
        description="PostgreSQL database of the job queue that `pulse worker` takes jobs from "
        "(postgresql://user:password@host/db); unset, the store's PULSE_DATABASE_URL when that is PostgreSQL. "
        "`pulse jobs init` adds the queue's tables.",
    )
    queue_max_attempts: int = Field(
        default=5,
        ge=1,
        description="Attempts at each queued job (a collection, scoring, themes, the digest) before it is marked "
        "failed; retries wait PULSE_QUEUE_RETRY_SECONDS, then its square, its cube...",
    )
    queue_retry_seconds: int = Field(
        default=5,
        ge=1,
        description="The first wait before a failed job is tried again, in seconds; each next wait is this many "
        "times longer (5: 5 s, 25 s, about 2 min, about 10 min).",
    )
    queue_stalled_seconds: int = Field(
        default=60,
        ge=2,
        description="Seconds without a heartbeat after which a worker is taken for dead and its running jobs are "
        "run again by another worker (workers send a heartbeat every sixth of this).",
    )

    @field_validator(
        "reddit_subreddits", "reddit_keywords", "digest_recipients", "notify_email", mode="before"
    )
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("business_closed_days", mode="before")
    @classmethod
    def _comma_separated_dates(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("business_hours")
    @classmethod
    def _readable_business_hours(cls, value: str) -> str:
        try:
            parse_business_hours(value)
        except ConfigError as error:
            raise ValueError(f"{error.message} {error.hint}") from error
        return value

    @field_validator("smtp_security", mode="before")
    @classmethod
    def _security_in_any_case(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip().lower() or None
        return value

    @field_validator("notify_email")
    @classmethod
    def _email_addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            if not EMAIL_ADDRESS.fullmatch(address):
                raise ValueError(f"{address!r} is not an email address (name@example.com)")
        return value

    @field_validator("notify_slack_url", "notify_teams_url")
    @classmethod
    def _webhook_address(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        parts = urlsplit(value.get_secret_value().strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            # the message never repeats the value: it is a secret
            raise ValueError("is not a web address: paste the webhook's whole URL, starting https://")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("dashboard_url", mode="before")
    @classmethod
    def _web_address(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        address = value.strip().rstrip("/")
        if not address:
            return None
        parts = urlsplit(address)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(
                f"{value!r} is not a web address; use the dashboard's, e.g. https://pulse.example.com"
            )
        return address

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as Europe/London"
            ) from error
        return value

    @field_validator("contact_key")
    @classmethod
    def _fernet_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        from pulse.contact_crypto import key_problem  # cryptography, only when a key is set

        problem = key_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


def build_settings(**overrides: object) -> Settings:
    """Read the settings now (never at import time); bad values become a ConfigError."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        problems = "; ".join(
            f"PULSE_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in error.errors()
        )
        raise ConfigError(
            f"Invalid settings: {problems}",
            hint="Fix the environment variable or pulse.toml entry named above (see the README's "
            "configuration table)."
            + "".join(f" {FIELD_HINTS[name]}" for name in _fields(error) if name in FIELD_HINTS),
        ) from error


def _fields(error: ValidationError) -> list[str]:
    return list(dict.fromkeys(str(e["loc"][0]) for e in error.errors() if e["loc"]))


def cache_folder(configured: Path | None = None) -> Path:
    """Pulse's cache folder: `configured` (the PULSE_CACHE_DIR setting) when given, else $XDG_CACHE_HOME/pulse,
    else ~/.cache/pulse."""
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "pulse"
