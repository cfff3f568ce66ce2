"""Reddit mentions of the business: posts found by Reddit's search, comments found in named subreddits.

The only module that imports praw. PRAW objects are turned into plain dicts (`thing_data`) as soon as they
come back, and everything else works on those dicts, so the mappers are tested on recorded JSON.

What a run does, in order:
1. re-checks the newest stored fullnames (up to `recheck_limit`, 100 per `/api/info` request) and reports
   those deleted or removed on Reddit, or no longer returned, as `removed` (Reddit's terms);
2. searches the subreddits (r/all by default) for the quoted keywords OR-ed in one query, newest first,
   stopping at posts older than the previous complete sweep (the cursor);
3. in named subreddits only (not r/all, not r/popular), scans the newest comments and keeps those that
   mention a keyword. Reddit's API has no comment search, so comments in r/all are not collected.
A 429 or any other API failure ends the run: what was fetched is yielded first, then a SourceError says
what happened; the cursor of an unfinished sweep is not advanced, so the next run fetches it again. A sweep is
finished when it reaches what the previous one saw, or when the listing really ends: one that stops early (an
empty or short page where Reddit had named a next one, or the item limit before reaching the previous sweep)
keeps the cursor where it was, so the next run walks that stretch again. An item that cannot be read (no
created_utc, no id) is kept as a rejected row with its reason; the rest of the page is stored.
Edits are not followed: the store keeps the text as first collected.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import praw
import prawcore
from praw.config import Config
from praw.exceptions import MissingRequiredAttributeException, PRAWException

from collectors.base import CollectContext, SourceBatch, hash_author
from pulse.errors import ConfigError, SourceError
from pulse.settings import Settings
from store.records import FeedbackFrame, FeedbackRecord, Rejected, SourceSpec

SOURCE = SourceSpec("Reddit", "mention", "reddit")
REDDIT_URL = "https://www.reddit.com"
GONE_TEXTS = frozenset({"[deleted]", "[removed]"})
INFO_CHUNK = 100  # /api/info answers at most 100 fullnames per request
MAX_QUERY_LENGTH = 512  # Reddit's limit on the search query
OVERLAP_SECONDS = 3600  # search indexing lags: look back an hour past the cursor (duplicates are ignored)
FULLNAME = re.compile(r"^t[13]_[0-9a-z]+$")
WIDE_LISTINGS = frozenset({"all", "popular"})
TIME_FILTERS = (
    ("hour", 3600),
    ("day", 86400),
    ("week", 7 * 86400),
    ("month", 30 * 86400),
    ("year", 365 * 86400),
)

CREDENTIALS_HINT = (
    "Create a 'script' app at https://www.reddit.com/prefs/apps, then set PULSE_REDDIT_CLIENT_ID and "
    "PULSE_REDDIT_CLIENT_SECRET (environment only), or put client_id and client_secret in praw.ini "
    "(or the praw_client_id / praw_client_secret environment variables)."
)


# --- pure mappers: plain dicts in, records and decisions out -------------------------------------------------


def hash_reddit_author(author: str | None, salt: str = "") -> str | None:
    """The salted sha256 of a Reddit user name; None for deleted or missing authors (raw names are never
    stored)."""
    return None if author == "[deleted]" else hash_author(author, salt)


def fullname_of(data: dict[str, Any]) -> str:
    """The Reddit fullname (t3_… a post, t1_… a comment) of a thing's data."""
    name = data.get("name")
    if isinstance(name, str) and name:
        return name
    prefix = "t1" if "body" in data else "t3"
    return f"{prefix}_{data['id']}"


def is_comment(data: dict[str, Any]) -> bool:
    return fullname_of(data).startswith("t1_")


def mention_text(data: dict[str, Any]) -> str:
    """A comment's body; a post's title, then its self text when it has one."""
    if is_comment(data):
        return str(data.get("body") or "")
    title = str(data.get("title") or "")
    selftext = str(data.get("selftext") or "")
    return f"{title}\n\n{selftext}" if selftext else title


def permalink_of(data: dict[str, Any]) -> str:
    """The thing's path on reddit.com without a query string (older comment payloads carry none: built)."""
    permalink = data.get("permalink")
    if isinstance(permalink, str) and permalink:
        return permalink.split("?", 1)[0]
    if is_comment(data):
        post_id = str(data.get("link_id") or "").removeprefix("t3_")
        return f"/r/{data.get('subreddit')}/comments/{post_id}/_/{data['id']}/"
    return f"/comments/{data['id']}/"


def is_deleted(data: dict[str, Any]) -> bool:
    """Deleted by its author or removed by moderators or Reddit: such content must not be kept."""
    if data.get("removed_by_category"):
        return True
    author_gone = data.get("author") in (None, "", "[deleted]")
    text = data.get("body") if is_comment(data) else data.get("selftext")
    return author_gone and text in GONE_TEXTS


def created_utc(data: dict[str, Any]) -> float:
    """When the thing was posted, as a Unix time; ValueError with the reason when the item does not say."""
    value = data.get("created_utc")
    if value is None or value == "":
        raise ValueError("no created_utc (the time it was posted)")
    try:
        moment = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"created_utc {value!r} is not a Unix time") from None
    if not math.isfinite(moment):
        raise ValueError(f"created_utc {value!r} is not a Unix time")
    return moment


def rejected_item(data: dict[str, Any], origin: str, reason: str) -> Rejected:
    """An item that cannot be stored, kept with its reason: its ids, place, time and the start of its text
    (never its author)."""
    shown: dict[str, Any] = {
        key: data[key]
        for key in ("name", "id", "subreddit", "permalink", "created_utc")
        if data.get(key) not in (None, "")
    }
    text = data.get("title") or data.get("body")
    if text:
        shown["text"] = str(text)[:300]
    return Rejected(origin, reason, json.dumps(shown, sort_keys=True, default=str, ensure_ascii=False))


def listing_ended(listing: Iterable[Any], last_name: str | None, first_sweep: bool) -> bool:
    """Whether a listing that stopped giving items really ended: not at PRAW's item limit (except on a
    first sweep, which takes the newest items only), and not on an empty page after Reddit named a next one
    (PRAW keeps that name in `params["after"]`: it is then the last item's fullname)."""
    limit, yielded = getattr(listing, "limit", None), getattr(listing, "yielded", None)
    if limit is not None and yielded is not None and yielded >= limit:
        return first_sweep
    params = getattr(listing, "params", None)
    promised = params.get("after") if isinstance(params, dict) else None
    return not (promised and promised == last_name)


def to_record(data: dict[str, Any], salt: str = "") -> FeedbackRecord:
    """One post or comment (its JSON `data`, or `thing_data` of a PRAW object) as a mention, its author hashed
    with `salt` (the store's)."""
    permalink = permalink_of(data)
    fullname = fullname_of(data)
    subreddit = str(data.get("subreddit") or "")
    return FeedbackRecord(
        external_id=fullname,
        kind="mention",
        created_at=datetime.fromtimestamp(float(data["created_utc"]), UTC),
        text=mention_text(data),
        author_hash=hash_reddit_author(data.get("author"), salt),
        url=REDDIT_URL + permalink,
        channel=f"r/{subreddit}" if subreddit else None,
        raw={
            "score": data.get("score"),
            "subreddit": subreddit or None,
            "num_comments": data.get("num_comments"),
            "permalink": permalink,
            "fullname": fullname,
        },
    )


def search_query(keywords: Sequence[str]) -> str:
    """One query OR-ing the quoted keywords: `"Crumb & Kettle" OR "crumbandkettle"`."""
    cleaned = [" ".join(keyword.replace('"', " ").split()) for keyword in keywords]
    return " OR ".join(f'"{keyword}"' for keyword in dict.fromkeys(cleaned) if keyword)


def keyword_pattern(keywords: Sequence[str]) -> re.Pattern[str]:
    """Matches any keyword as whole words, case-insensitively, whatever the spacing."""
    parts = [
        r"\s+".join(re.escape(word) for word in keyword.split()) for keyword in keywords if keyword.strip()
    ]
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def time_filter_for(since: float | None, now: float) -> str:
    """The narrowest search time filter that still covers everything after `since` (a Unix time)."""
    if since is None:
        return "all"
    age = now - since + OVERLAP_SECONDS
    return next((name for name, span in TIME_FILTERS if age <= span), "all")


def subreddit_path(subreddits: Sequence[str]) -> str:
    """`a+b` for PRAW's combined listing; `all` when r/all is among them (or none are given)."""
    names = [name.strip().removeprefix("/").removeprefix("r/").strip("/") for name in subreddits]
    names = [name for name in names if name]
    if not names or any(name.lower() == "all" for name in names):
        return "all"
    return "+".join(dict.fromkeys(names))


@dataclass
class Cursor:
    """Where each sweep got to: the newest created_utc of its last complete sweep, for one scope (the
    subreddits and keywords: changing them starts again from the newest items)."""

    scope: str
    newest: dict[str, float] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str | None, scope: str) -> Cursor:
        try:
            loaded = json.loads(text) if text else {}
            if loaded.get("scope") != scope:
                return cls(scope)
            return cls(scope, {str(key): float(value) for key, value in loaded["newest"].items()})
        except (ValueError, TypeError, AttributeError, KeyError):  # not a cursor of this collector
            return cls(scope)

    def dump(self) -> str:
        return json.dumps({"scope": self.scope, "newest": self.newest}, sort_keys=True)


# --- PRAW at the edges ----------------------------------------------------------------------------------------


def thing_data(thing: Any) -> dict[str, Any]:
    """The attributes a PRAW Submission or Comment was built with, as plain JSON-like values (author and
    subreddit as names). Reads `vars()` only: touching a missing attribute would make PRAW fetch it."""
    data = dict(vars(thing))
    author = data.get("author")
    data["author"] = None if author is None else str(author)
    if data.get("subreddit") is not None:
        data["subreddit"] = str(data["subreddit"])
    if not data.get("name"):
        data["name"] = thing.fullname
    return {key: value for key, value in data.items() if not key.startswith("_")}


def _praw_has_client_id() -> bool:
    """Whether PRAW's own configuration (praw_* environment variables, praw.ini) names a client id."""
    try:
        config = Config(os.getenv("praw_site") or "DEFAULT")  # noqa: SIM112 - PRAW's own name
    except Exception:  # a broken praw.ini: let build_reddit report it
        return True
    return config.client_id not in (config.CONFIG_NOT_SET, None, "")


def build_reddit(settings: Settings, **overrides: Any) -> praw.Reddit:
    """A read-only PRAW client for a script app. Pulse's settings win when set; otherwise PRAW's own
    precedence applies (praw_* environment variables, then praw.ini). `overrides` (e.g. `oauth_url`,
    `reddit_url` in tests) are passed to PRAW last."""
    config: dict[str, Any] = {
        "user_agent": settings.reddit_user_agent,
        "check_for_async": False,
        "check_for_updates": False,
        "ratelimit_seconds": 0,  # read-only: never sleep on a RATELIMIT API error, report it
    }
    if settings.reddit_client_id:
        config["client_id"] = settings.reddit_client_id
    if settings.reddit_client_secret is not None and settings.reddit_client_secret.get_secret_value():
        config["client_secret"] = settings.reddit_client_secret.get_secret_value()
    config.update(overrides)
    try:
        reddit = praw.Reddit(**config)
    except MissingRequiredAttributeException as error:
        missing = re.search(r"'(\w+)'", str(error))
        what = missing.group(1) if missing else "a required setting"
        raise ConfigError(
            f"Reddit is not fully configured: {what} is missing.", hint=CREDENTIALS_HINT
        ) from error
    except Exception as error:  # configparser errors from a broken praw.ini or an unknown praw_site
        raise ConfigError(
            f"PRAW's configuration could not be read: {error}", hint=CREDENTIALS_HINT
        ) from error
    if not reddit.config.client_secret:
        raise ConfigError("Reddit is not fully configured: client_secret is missing.", hint=CREDENTIALS_HINT)
    reddit.read_only = True
    return reddit


def build_reddit_collector(settings: Settings, **overrides: Any) -> RedditCollector | None:
    """The Reddit collector from Pulse's settings, or None when no Reddit client id is configured anywhere.
    Half a configuration (an id without a secret) is a ConfigError."""
    if not settings.reddit_client_id and not _praw_has_client_id():
        return None
    return RedditCollector(
        build_reddit(settings, **overrides),
        keywords=settings.reddit_keywords or [settings.business_name],
        subreddits=settings.reddit_subreddits,
    )


def source_error(error: Exception) -> SourceError:
    """What a PRAW or prawcore failure means for the person running Pulse."""
    resume = "What was fetched is saved; the next run resumes."
    if isinstance(error, prawcore.TooManyRequests):
        wait = f" (Reddit asks to wait {error.retry_after} s)" if error.retry_after else ""
        return SourceError(
            f"Reddit's rate limit was reached{wait}. {resume}",
            hint="Run the collection again later; Reddit allows about 100 requests a minute per app.",
        )
    if isinstance(error, prawcore.OAuthException | prawcore.InvalidToken) or (
        isinstance(error, prawcore.ResponseException) and error.response.status_code == 401
    ):
        return SourceError("Reddit refused the app's credentials.", hint=CREDENTIALS_HINT)
    if isinstance(error, prawcore.Redirect | prawcore.NotFound | prawcore.Forbidden):
        return SourceError(
            f"A subreddit could not be read ({error}): it may not exist, or be private or banned. {resume}",
            hint="Check PULSE_REDDIT_SUBREDDITS (comma-separated names, without r/).",
        )
    if isinstance(error, prawcore.ServerError | prawcore.RequestException):
        return SourceError(
            f"Reddit could not be reached or failed ({error}). {resume}", hint="Try again later."
        )
    return SourceError(f"Reddit's API failed: {error}. {resume}", hint="Try again later.")


API_ERRORS = (prawcore.PrawcoreException, PRAWException)


# --- the collector --------------------------------------------------------------------------------------------


class RedditCollector:
    """Mentions of the keywords on Reddit (see the module's docstring for what it fetches and how)."""

    name = "Reddit"

    def __init__(
        self,
        reddit: praw.Reddit,
        keywords: Sequence[str],
        subreddits: Sequence[str] = ("all",),
        search_limit: int = 250,
        comment_limit: int = 1000,
        recheck_limit: int = 500,
        batch_size: int = 100,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.reddit = reddit
        self.keywords = [keyword for keyword in keywords if keyword.strip()]
        self.query = search_query(self.keywords)
        if not self.query:
            raise ConfigError(
                "No keywords to search Reddit for.", hint="Set PULSE_REDDIT_KEYWORDS or PULSE_BUSINESS_NAME."
            )
        if len(self.query) > MAX_QUERY_LENGTH:
            raise ConfigError(
                f"The Reddit search query is {len(self.query)} characters long; Reddit takes {MAX_QUERY_LENGTH}.",
                hint="Use fewer or shorter PULSE_REDDIT_KEYWORDS.",
            )
        self.pattern = keyword_pattern(self.keywords)
        self.subreddit = subreddit_path(subreddits)
        self.search_limit = search_limit
        self.comment_limit = comment_limit
        self.recheck_limit = recheck_limit
        self.batch_size = batch_size
        self.clock = clock
        self.scope = hashlib.sha256(f"{self.subreddit}\n{self.query}".encode()).hexdigest()[:16]

    @property
    def scans_comments(self) -> bool:
        return self.subreddit.lower() not in WIDE_LISTINGS

    def collect(self, context: CollectContext) -> Iterator[SourceBatch]:
        cursor = Cursor.parse(context.cursor, self.scope)
        yield from self.recheck(context.stored_ids(SOURCE)[: self.recheck_limit])
        since = cursor.newest.get("search")
        search = self.reddit.subreddit(self.subreddit).search(
            self.query,
            sort="new",
            time_filter=time_filter_for(since, self.clock()),
            limit=self.search_limit,
        )
        salt = context.author_salt
        yield from self._sweep("search", search, cursor, salt, keep=lambda _data: True)
        if self.scans_comments:
            comments = self.reddit.subreddit(self.subreddit).comments(limit=self.comment_limit)
            yield from self._sweep(
                "comments",
                comments,
                cursor,
                salt,
                keep=lambda data: bool(self.pattern.search(mention_text(data))),
            )

    def recheck(self, fullnames: Sequence[str]) -> Iterator[SourceBatch]:
        """Stored items that Reddit deleted or removed, or no longer returns, as `removed` batches."""
        checkable = [name for name in fullnames if FULLNAME.match(name)]
        for start in range(0, len(checkable), INFO_CHUNK):
            chunk = checkable[start : start + INFO_CHUNK]
            try:
                found = {
                    fullname_of(data): data for data in map(thing_data, self.reddit.info(fullnames=chunk))
                }
            except API_ERRORS as error:
                raise source_error(error) from error
            gone = [name for name in chunk if name not in found or is_deleted(found[name])]
            if gone:
                yield SourceBatch(SOURCE, removed=gone)

    def _sweep(
        self,
        key: str,
        listing: Iterable[Any],
        cursor: Cursor,
        salt: str,
        keep: Callable[[dict[str, Any]], bool],
    ) -> Iterator[SourceBatch]:
        """Walk a newest-first listing down to the cursor (less the overlap), in batches; the cursor moves
        only when the walk reaches the previous sweep or the listing's real end. Items that cannot be read
        are rejected with their reason."""
        since = cursor.newest.get(key)
        stop_below = None if since is None else since - OVERLAP_SECONDS
        newest = since
        seen: set[str] = set()
        pending: list[FeedbackRecord] = []
        rejects: list[Rejected] = []
        scanned = 0
        reached = False  # an item older than the previous sweep's newest came: everything since is read
        last_name: str | None = None
        failure: Exception | None = None
        try:
            for thing in listing:
                data = thing_data(thing)
                last_name = str(data.get("name") or "") or None
                scanned += 1
                try:
                    created = created_utc(data)
                    fullname = fullname_of(data)
                except (ValueError, KeyError) as error:
                    reason = str(error) if isinstance(error, ValueError) else "no id or name"
                    rejects.append(rejected_item(data, f"Reddit {key}", reason))
                else:
                    if stop_below is not None and created < stop_below:
                        reached = True
                        break
                    newest = created if newest is None else max(newest, created)
                    if fullname not in seen and not is_deleted(data) and keep(data):
                        seen.add(fullname)
                        pending.append(to_record(data, salt))
                if scanned % self.batch_size == 0:
                    yield SourceBatch(SOURCE, FeedbackFrame.of(pending), rejects, cursor=cursor.dump())
                    pending, rejects = [], []
        except API_ERRORS as error:
            failure = error
        finished = reached or listing_ended(listing, last_name, first_sweep=since is None)
        if failure is None and finished and newest is not None:
            cursor.newest[key] = newest
        if pending or rejects or failure is None:
            yield SourceBatch(SOURCE, FeedbackFrame.of(pending), rejects, cursor=cursor.dump())
        if failure is not None:
            raise source_error(failure) from failure
