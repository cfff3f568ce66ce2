"""The Reddit collector against a local server replaying PRAW's own recorded Reddit responses (no network)."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from collectors.base import run_collector
from collectors.reddit import SOURCE, RedditCollector, build_reddit, build_reddit_collector
from pulse.errors import ConfigError, SourceError
from pulse.settings import Settings, build_settings
from store.authors import read_author_salt
from store.feedback import count_feedback, read_external_ids, read_feedback, read_rejected
from store.runs import read_last_cursor, read_runs
from tests.http_replay import ReplayServer, Reply, Seen

RECORDINGS = Path(__file__).resolve().parents[1] / "fixtures" / "reddit"  # PRAW's cassettes (BSD-2)
Listing = dict[str, Any]


def recorded_body(cassette: str, index: int) -> Any:
    """The JSON body of the `index`-th recorded response of one of PRAW's vcrpy cassettes."""
    interactions = json.loads((RECORDINGS / cassette).read_text())["interactions"]
    return json.loads(interactions[index]["response"]["body"]["string"])


TOKEN = recorded_body("TestSubreddit.test_search.json", 0)  # POST /api/v1/access_token
SEARCH = recorded_body("TestSubreddit.test_search.json", 1)  # GET /r/all/search: 6 posts
COMMENTS = recorded_body("TestSubredditListings.test_comments.json", 1)  # GET /r/askreddit/comments: 100
RECORDED_POSTS = [child["data"] for child in SEARCH["data"]["children"]]
NEWEST_FIRST = sorted(RECORDED_POSTS, key=lambda post: -post["created_utc"])  # as sort=new returns them


def listing(posts: list[dict[str, Any]], after: str | None = None) -> Listing:
    kind = {"t3_": "t3", "t1_": "t1"}
    children = [{"kind": kind[post["name"][:3]], "data": post} for post in posts]
    return {"kind": "Listing", "data": {"children": children, "after": after, "before": None}}


def pages(posts: list[dict[str, Any]], size: int) -> list[Listing]:
    """`posts` as linked listing pages of `size`, as Reddit pages them (each `after` names its last item)."""
    chunks = [posts[start : start + size] for start in range(0, len(posts), size)]
    return [
        listing(chunk, after=chunk[-1]["name"] if number < len(chunks) - 1 else None)
        for number, chunk in enumerate(chunks)
    ]


@dataclass
class FakeReddit:
    """Routes PRAW's requests to recorded bodies: the token, search pages (followed by `after`), the newest
    comments (one page), and /api/info answered by `info` (fullnames -> listing; by default every post and
    comment served so far, unchanged). `throttle` answers search page N with that reply instead."""

    search: list[Listing] = field(default_factory=lambda: [SEARCH])
    comments: Listing = field(default_factory=lambda: listing([]))
    info: Callable[[list[str]], Listing] | None = None
    throttle: dict[int, Reply] = field(default_factory=dict)
    served: dict[str, dict[str, Any]] = field(default_factory=dict)

    def _serve(self, body: Listing) -> Reply:
        self.served.update({child["data"]["name"]: child["data"] for child in body["data"]["children"]})
        return Reply(200, body)

    def _info(self, names: list[str]) -> Listing:
        if self.info is not None:
            return self.info(names)
        return listing([self.served[name] for name in names if name in self.served])

    def __call__(self, seen: Seen) -> Reply:
        if seen.method == "POST" and seen.path == "/api/v1/access_token":
            return Reply(200, TOKEN)
        if seen.path.endswith("/search/"):
            after = seen.query.get("after", [None])[0]
            afters = [page["data"]["after"] for page in self.search]
            number = 0 if after is None else afters.index(after) + 1
            return self.throttle.get(number) or self._serve(self.search[number])
        if seen.path.endswith("/comments/"):  # the recorded page names a next page: answer it as the end
            return self._serve(listing([]) if "after" in seen.query else self.comments)
        if seen.path == "/api/info/":
            return Reply(200, self._info(seen.query["id"][0].split(",")))
        return Reply(404, {"error": 404, "message": f"no replay for {seen.path}"})


def searches(server: ReplayServer) -> list[Seen]:
    return [seen for seen in server.requests if seen.path.endswith("/search/")]


def reddit_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "reddit_client_id": "test-client",
        "reddit_client_secret": "test-secret",
        "reddit_keywords": ["PRAW", "OAuth"],
    }
    return build_settings(**{**values, **overrides})


@pytest.fixture
def serve() -> Iterator[Callable[..., tuple[ReplayServer, Callable[..., RedditCollector]]]]:
    """Start a replay server for a FakeReddit; returns it and a factory of collectors pointed at it."""
    servers: list[ReplayServer] = []

    def start(fake: FakeReddit) -> tuple[ReplayServer, Callable[..., RedditCollector]]:
        server = ReplayServer(fake).__enter__()
        servers.append(server)

        def collector(**overrides: Any) -> RedditCollector:
            built = build_reddit_collector(
                reddit_settings(**overrides), oauth_url=server.url, reddit_url=server.url
            )
            assert built is not None
            return built

        return server, collector

    yield start
    for server in servers:
        server.__exit__()


def test_search__stores_the_six_recorded_posts_as_mentions(engine: Engine, serve: Any) -> None:
    server, collector = serve(FakeReddit())
    result = run_collector(engine, collector())

    assert (result.new, result.duplicate, result.rejected) == (6, 0, 0)
    query = searches(server)[0].query
    assert (query["q"], query["sort"], query["t"]) == (['"PRAW" OR "OAuth"'], ["new"], ["all"])
    stored = read_feedback(
        engine, columns=("external_id", "kind", "created_at", "text", "author_hash", "url", "channel", "raw")
    )
    by_id = {row["external_id"]: row for row in stored.iter_rows(named=True)}
    assert set(by_id) == {post["name"] for post in RECORDED_POSTS}
    post = by_id["t3_3x4kt2"]
    assert post["kind"] == "mention"
    assert post["created_at"] == datetime(2015, 12, 16, 21, 3, 6, tzinfo=UTC)  # created_utc 1450299786
    recorded = next(post for post in RECORDED_POSTS if post["name"] == "t3_3x4kt2")
    assert post["text"] == f"{recorded['title']}\n\n{recorded['selftext']}"
    assert post["text"].startswith("[PRAW] Is there an easy way of getting a list of the subreddits I am")
    salt = read_author_salt(engine)
    assert len(salt) == 32  # a random salt per store: the plain sha256 of the name is not stored
    assert post["author_hash"] == hashlib.sha256(f"{salt}\0GrinningMouth38".encode()).hexdigest()
    assert post["url"] == (
        "https://www.reddit.com/r/redditdev/comments/3x4kt2/praw_is_there_an_easy_way_of_getting_a_list_of/"
    )
    assert post["channel"] == "r/redditdev"
    raw = post["raw"] if isinstance(post["raw"], dict) else json.loads(post["raw"])
    assert raw == {
        "score": 2,
        "subreddit": "redditdev",
        "num_comments": 5,
        "permalink": "/r/redditdev/comments/3x4kt2/praw_is_there_an_easy_way_of_getting_a_list_of/",
        "fullname": "t3_3x4kt2",
    }
    authors = {post["author"] for post in RECORDED_POSTS}  # (some authors name themselves in their text)
    assert not any(author in str(row) for row in stored.drop("text").iter_rows() for author in authors)
    assert json.loads(read_last_cursor(engine, "Reddit") or "{}")["newest"] == {"search": 1458221634.0}


def test_collect__twice_adds_nothing(engine: Engine, serve: Any) -> None:
    _server, collector = serve(FakeReddit())
    run_collector(engine, collector())
    again = run_collector(engine, collector())
    assert again.new == 0
    assert count_feedback(engine) == 6
    without_cursor = run_collector(engine, collector(reddit_keywords=["praw", "oauth", "search"]))
    assert (without_cursor.new, without_cursor.duplicate) == (0, 6)  # a new scope reads all, adds nothing


def test_collect__second_run_stops_at_the_cursor(engine: Engine, serve: Any) -> None:
    fake = FakeReddit(search=pages(NEWEST_FIRST, 3))
    server, collector = serve(fake)
    run_collector(engine, collector())
    assert len(searches(server)) == 2  # both pages

    fresh = {**NEWEST_FIRST[0], "name": "t3_zzzzzz", "id": "zzzzzz", "created_utc": 1458300000.0}
    fake.search = pages([fresh, *NEWEST_FIRST], 3)
    server.requests.clear()
    result = run_collector(engine, collector())

    assert (result.new, result.duplicate) == (1, 1)  # the new post, then one inside the overlap, then stop
    assert len(searches(server)) == 1  # page 2 never asked for
    assert searches(server)[0].query["t"] == ["all"]  # the 2016 cursor is older than a year
    assert read_external_ids(engine, SOURCE)[0] == "t3_zzzzzz"


def test_collect__a_429_keeps_the_first_page_records_the_run_and_the_next_run_resumes(
    engine: Engine, serve: Any
) -> None:
    throttled = Reply(429, "Too Many Requests", headers={"retry-after": "42"})
    fake = FakeReddit(search=pages(NEWEST_FIRST, 3), throttle={1: throttled})
    server, collector = serve(fake)

    with pytest.raises(SourceError, match="rate limit") as raised:
        run_collector(engine, collector())

    assert "42" in raised.value.message
    assert count_feedback(engine) == 3
    assert len(searches(server)) == 2  # page 2 asked once: no retry loop of our own
    run = read_runs(engine).row(0, named=True)
    assert (run["status"], run["counts"]["new"]) == ("failed", 3)
    assert "rate limit" in run["message"]
    assert json.loads(read_last_cursor(engine, "Reddit") or "{}")["newest"] == {}  # unfinished sweep

    fake.throttle = {}
    result = run_collector(engine, collector())
    assert (result.new, result.duplicate) == (3, 3)
    assert count_feedback(engine) == 6
    assert read_runs(engine).row(0, named=True)["status"] == "ok"


@pytest.mark.parametrize("page_two", ["empty", "short"])
def test_collect__an_empty_or_short_page_keeps_the_cursor_so_the_older_posts_come_next_run(
    engine: Engine, serve: Any, page_two: str
) -> None:
    fake = FakeReddit(search=pages(NEWEST_FIRST, 3))
    if page_two == "empty":  # page 1 names a next page, which comes back empty
        fake.throttle = {1: Reply(200, listing([]))}
    else:  # page 2 holds one post and names a next page, which comes back empty
        fake.search = [
            listing(NEWEST_FIRST[:3], after=NEWEST_FIRST[2]["name"]),
            listing(NEWEST_FIRST[3:4], after=NEWEST_FIRST[3]["name"]),
            listing([]),
        ]
    _server, collector = serve(fake)
    first = run_collector(engine, collector())
    assert (first.new, first.rejected) == (3 if page_two == "empty" else 4, 0)
    assert json.loads(read_last_cursor(engine, "Reddit") or "{}")["newest"] == {}  # the sweep did not finish

    fake.throttle, fake.search = {}, pages(NEWEST_FIRST, 3)  # Reddit answers in full again
    second = run_collector(engine, collector())

    assert second.new == 6 - first.new
    assert set(read_external_ids(engine, SOURCE)) == {post["name"] for post in RECORDED_POSTS}
    assert json.loads(read_last_cursor(engine, "Reddit") or "{}")["newest"] == {"search": 1458221634.0}


def test_collect__the_item_limit_before_the_previous_sweep_keeps_the_cursor(
    engine: Engine, serve: Any
) -> None:
    fake = FakeReddit(search=pages(NEWEST_FIRST[3:], 3))
    server, _collector = serve(fake)

    def collector(search_limit: int) -> RedditCollector:
        reddit = build_reddit(reddit_settings(), oauth_url=server.url, reddit_url=server.url)
        return RedditCollector(reddit, ["PRAW", "OAuth"], search_limit=search_limit)

    run_collector(engine, collector(search_limit=2))  # a first sweep takes the newest 2 and finishes
    assert json.loads(read_last_cursor(engine, "Reddit") or "{}")["newest"] == {"search": 1439370514.0}
    fake.search = pages(NEWEST_FIRST, 3)  # three newer posts
    run_collector(engine, collector(search_limit=2))  # stops 1 post short of the previous sweep
    assert json.loads(read_last_cursor(engine, "Reddit") or "{}")["newest"] == {"search": 1439370514.0}

    third = run_collector(engine, collector(search_limit=250))
    assert third.new == 1  # the post the limit left out
    assert json.loads(read_last_cursor(engine, "Reddit") or "{}")["newest"] == {"search": 1458221634.0}


def test_collect__an_item_without_created_utc_is_rejected_and_the_rest_of_the_page_stored(
    engine: Engine, serve: Any
) -> None:
    broken = {key: value for key, value in NEWEST_FIRST[2].items() if key != "created_utc"}
    fake = FakeReddit(search=[listing([*NEWEST_FIRST[:2], broken, *NEWEST_FIRST[3:]])])
    _server, collector = serve(fake)
    result = run_collector(engine, collector())

    assert (result.new, result.rejected) == (5, 1)
    assert read_runs(engine).row(0, named=True)["status"] == "ok"
    assert broken["name"] not in read_external_ids(engine, SOURCE)
    reject = read_rejected(engine).row(0, named=True)
    assert (reject["source"], reject["origin"]) == ("Reddit", "Reddit search")
    assert reject["reason"] == "no created_utc (the time it was posted)"
    assert broken["name"] in reject["raw"] and broken["author"] not in reject["raw"]
    assert json.loads(read_last_cursor(engine, "Reddit") or "{}")["newest"] == {"search": 1458221634.0}

    again = run_collector(engine, collector(reddit_keywords=["praw"]))  # a new scope: the whole page again
    assert (again.new, again.duplicate, again.rejected) == (0, 5, 1)  # the reject is kept once
    assert read_rejected(engine).height == 1


def deleted(post: dict[str, Any], marker: str) -> dict[str, Any]:
    """`post` as /api/info answers for it once its author deleted it (or moderators removed it)."""
    return {**copy.deepcopy(post), "author": "[deleted]", "selftext": marker}


def test_collect__removes_what_was_deleted_or_removed_on_reddit(engine: Engine, serve: Any) -> None:
    by_name = {post["name"]: post for post in RECORDED_POSTS}
    gone = {"t3_3x4kt2": "[deleted]", "t3_1qvzkd": "[removed]"}
    vanished = "t3_3qc02b"  # no longer returned at all

    def info(names: list[str]) -> Listing:
        answered = [deleted(by_name[name], gone[name]) if name in gone else by_name[name] for name in names]
        return listing([post for post in answered if post["name"] != vanished])

    fake = FakeReddit(info=info)
    server, collector = serve(fake)
    run_collector(engine, collector())
    assert count_feedback(engine) == 6
    assert not [seen for seen in server.requests if seen.path == "/api/info/"]  # nothing stored yet

    fake.search = [info([post["name"] for post in RECORDED_POSTS])]  # search shows them as /api/info does
    result = run_collector(engine, collector())

    info_requests = [seen for seen in server.requests if seen.path == "/api/info/"]
    assert len(info_requests) == 1
    assert info_requests[0].query["id"][0].split(",") == [post["name"] for post in NEWEST_FIRST]
    assert result.removed == 3
    assert set(read_external_ids(engine, SOURCE)) == set(by_name) - {*gone, vanished}

    rescan = run_collector(
        engine, collector(reddit_keywords=["praw"])
    )  # a new scope: the whole listing again
    assert (rescan.new, rescan.duplicate, rescan.removed) == (0, 3, 0)  # deleted posts are not stored again


def test_collect__in_a_named_subreddit_keeps_the_comments_that_mention_a_keyword(
    engine: Engine, serve: Any
) -> None:
    last_page = copy.deepcopy(COMMENTS)
    last_page["data"]["after"] = None  # the listing's real end (an empty page after it would not be)
    server, collector = serve(FakeReddit(comments=last_page))
    result = run_collector(
        engine, collector(reddit_subreddits=["r/AskReddit"], reddit_keywords=["phone", "bot"])
    )

    assert result.new == 6 + 4
    assert [seen.path for seen in server.requests if seen.method == "GET"] == [
        "/r/AskReddit/search/",
        "/r/AskReddit/comments/",
    ]
    stored = read_feedback(engine, columns=("external_id", "text", "url", "channel", "author_hash"))
    comments = stored.filter(stored["external_id"].str.starts_with("t1_")).sort("external_id")
    assert comments["external_id"].to_list() == ["t1_d4y8acr", "t1_d4y8aj3", "t1_d4y8b1f", "t1_d4y8b8s"]
    assert set(comments["channel"]) == {"r/AskReddit"}
    assert all("phone" in text.lower() or "bot" in text.lower() for text in comments["text"])
    assert comments["url"][0].startswith("https://www.reddit.com/r/AskReddit/comments/")
    assert comments["author_hash"].str.len_chars().to_list() == [64] * 4
    newest = json.loads(read_last_cursor(engine, "Reddit") or "{}")["newest"]
    assert newest == {"search": 1458221634.0, "comments": 1467590690.0}


@pytest.fixture
def no_praw_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No praw_* variables and no praw.ini in the working folder (PRAW's user config folder moved away)."""
    for name in ("praw_client_id", "praw_client_secret", "praw_user_agent", "praw_site"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("praw.config.Config.CONFIG", None)


@pytest.mark.usefixtures("no_praw_config")
def test_build_reddit_collector__is_none_without_credentials_anywhere() -> None:
    assert build_reddit_collector(build_settings()) is None
    with pytest.raises(ConfigError) as raised:
        build_reddit(build_settings())
    assert "client_id" in raised.value.message
    assert "PULSE_REDDIT_CLIENT_ID" in raised.value.hint
    assert "praw.ini" in raised.value.hint


@pytest.mark.usefixtures("no_praw_config")
def test_build_reddit_collector__an_id_without_a_secret_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="client_secret"):
        build_reddit_collector(build_settings(reddit_client_id="an-id"))


@pytest.mark.usefixtures("no_praw_config")
def test_build_reddit__falls_back_to_praw_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("praw_client_id", "from-praw-env")
    monkeypatch.setenv("praw_client_secret", "praw-secret")
    collector = build_reddit_collector(build_settings(business_name="Crumb & Kettle"))
    assert collector is not None
    assert collector.reddit.config.client_id == "from-praw-env"
    assert collector.reddit.config.check_for_async is False
    assert collector.query == '"Crumb & Kettle"'
    assert collector.subreddit == "all" and not collector.scans_comments

    pulse_wins = build_reddit(build_settings(reddit_client_id="from-pulse", reddit_client_secret="s"))
    assert (pulse_wins.config.client_id, pulse_wins.config.client_secret) == ("from-pulse", "s")
