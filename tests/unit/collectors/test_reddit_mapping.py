"""The Reddit collector's pure mappers, on recorded Reddit JSON and on literal dicts."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from collectors.reddit import (
    Cursor,
    created_utc,
    fullname_of,
    hash_reddit_author,
    is_deleted,
    keyword_pattern,
    mention_text,
    permalink_of,
    rejected_item,
    search_query,
    subreddit_path,
    thing_data,
    time_filter_for,
    to_record,
)

RECORDINGS = Path(__file__).resolve().parents[2] / "fixtures" / "reddit"  # PRAW's cassettes (BSD-2)


def recorded_things(cassette: str, index: int = 1) -> list[dict[str, Any]]:
    interactions = json.loads((RECORDINGS / cassette).read_text())["interactions"]
    body = json.loads(interactions[index]["response"]["body"]["string"])
    return [child["data"] for child in body["data"]["children"]]


POSTS = {post["name"]: post for post in recorded_things("TestSubreddit.test_search.json")}
COMMENTS = {
    comment["name"]: comment for comment in recorded_things("TestSubredditListings.test_comments.json")
}


def test_to_record__maps_a_recorded_post() -> None:
    record = to_record(POSTS["t3_4at068"])
    assert record.external_id == "t3_4at068"
    assert record.kind == "mention"
    assert record.created_at == datetime.fromtimestamp(1458221634, UTC)
    assert record.text == POSTS["t3_4at068"]["title"] + "\n\n" + POSTS["t3_4at068"]["selftext"]
    assert record.author_hash == hashlib.sha256(b"nmtake").hexdigest()
    assert record.channel == "r/p18s"
    assert record.url is not None and record.url.startswith("https://www.reddit.com/r/p18s/comments/4at068/")
    assert "?" not in record.url  # ?ref=search_posts dropped
    assert record.raw == {
        "score": 15,
        "subreddit": "p18s",
        "num_comments": 0,
        "permalink": permalink_of(POSTS["t3_4at068"]),
        "fullname": "t3_4at068",
    }


def test_to_record__maps_a_recorded_comment_without_a_permalink() -> None:
    comment = COMMENTS["t1_d4y8bdp"]
    assert "permalink" not in comment  # 2016 payloads carry none
    record = to_record(comment)
    assert record.external_id == "t1_d4y8bdp"
    assert record.text == comment["body"]
    assert record.url == "https://www.reddit.com/r/AskReddit/comments/4r4inc/_/d4y8bdp/"
    assert record.channel == "r/AskReddit"
    assert record.raw is not None and record.raw["num_comments"] is None
    assert record.author_hash == hashlib.sha256(comment["author"].encode()).hexdigest()


def test_mention_text__is_the_title_alone_for_a_link_post() -> None:
    assert mention_text({"name": "t3_a", "title": "Crumb & Kettle opened", "selftext": ""}) == (
        "Crumb & Kettle opened"
    )


def test_fullname_of__falls_back_to_the_id() -> None:
    assert fullname_of({"id": "abc", "body": "hi"}) == "t1_abc"
    assert fullname_of({"id": "abc", "title": "hi"}) == "t3_abc"


@pytest.mark.parametrize("author", [None, "", "[deleted]"])
def test_hash_reddit_author__is_none_for_deleted_authors(author: str | None) -> None:
    assert hash_reddit_author(author) is None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"name": "t1_a", "author": "[deleted]", "body": "[deleted]"}, True),
        ({"name": "t1_a", "author": None, "body": "[removed]"}, True),
        ({"name": "t3_a", "author": "[deleted]", "selftext": "[deleted]", "title": "kept title"}, True),
        ({"name": "t3_a", "author": "someone", "selftext": "", "removed_by_category": "moderator"}, True),
        ({"name": "t1_a", "author": "[deleted]", "body": "an account deleted, the words still up"}, False),
        ({"name": "t1_a", "author": "someone", "body": "[deleted]"}, False),
        ({"name": "t3_a", "author": "someone", "selftext": "", "removed_by_category": None}, False),
    ],
)
def test_is_deleted(data: dict[str, Any], expected: bool) -> None:
    assert is_deleted(data) is expected


def test_is_deleted__none_of_the_recordings_is_deleted() -> None:
    assert not any(is_deleted(thing) for thing in [*POSTS.values(), *COMMENTS.values()])


def test_search_query__ors_the_quoted_keywords_once_each() -> None:
    assert search_query(["Crumb & Kettle", ' crumb"kettle ', "Crumb & Kettle", " "]) == (
        '"Crumb & Kettle" OR "crumb kettle"'
    )


def test_keyword_pattern__matches_whole_words_case_insensitively() -> None:
    pattern = keyword_pattern(["Crumb & Kettle", "bot"])
    assert pattern.search("went to crumb &\n kettle today")
    assert pattern.search("a BOT answered")
    assert not pattern.search("a robot answered")
    assert not pattern.search("crumbs & kettles")
    matching = sorted(
        name for name, c in COMMENTS.items() if keyword_pattern(["phone", "bot"]).search(c["body"])
    )
    assert matching == ["t1_d4y8acr", "t1_d4y8aj3", "t1_d4y8b1f", "t1_d4y8b8s"]


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (None, "all"),
        (60, "day"),
        (20 * 3600, "day"),
        (3 * 86400, "week"),
        (20 * 86400, "month"),
        (4e7, "all"),
    ],
)
def test_time_filter_for__covers_the_time_since_the_cursor_and_the_overlap(
    age: float | None, expected: str
) -> None:
    now = 2_000_000_000.0
    assert time_filter_for(None if age is None else now - age, now) == expected


@pytest.mark.parametrize(
    ("subreddits", "expected"),
    [([], "all"), (["r/Bristol", "/r/bakery/", "Bristol"], "Bristol+bakery"), (["bakery", "ALL"], "all")],
)
def test_subreddit_path(subreddits: list[str], expected: str) -> None:
    assert subreddit_path(subreddits) == expected


def test_cursor__round_trips_and_restarts_for_another_scope_or_garbage() -> None:
    cursor = Cursor("scope-a", {"search": 1458221634.0})
    assert Cursor.parse(cursor.dump(), "scope-a") == cursor
    assert Cursor.parse(cursor.dump(), "scope-b") == Cursor("scope-b")
    for garbage in (
        "not json",
        "[1]",
        '{"scope": "scope-a", "newest": {"search": "x"}}',
        '{"scope": "scope-a"}',
    ):
        assert Cursor.parse(garbage, "scope-a") == Cursor("scope-a")
    assert Cursor.parse(None, "scope-a") == Cursor("scope-a")


def test_thing_data__reads_names_and_never_the_private_attributes() -> None:
    class Lazy(SimpleNamespace):
        fullname = "t1_xyz"

        def __getattr__(self, name: str) -> Any:  # a PRAW object would fetch here
            raise AssertionError(f"fetched {name}")

    redditor = type("Redditor", (), {"__str__": lambda self: "baker"})()
    thing = Lazy(id="xyz", body="hi", author=redditor, subreddit="bakery", _reddit=object())
    data = thing_data(thing)
    assert data == {"id": "xyz", "body": "hi", "author": "baker", "subreddit": "bakery", "name": "t1_xyz"}
    assert to_record({**data, "created_utc": 0}).author_hash == hashlib.sha256(b"baker").hexdigest()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "no created_utc (the time it was posted)"),
        ("", "no created_utc (the time it was posted)"),
        ("yesterday", "created_utc 'yesterday' is not a Unix time"),
        (float("nan"), "created_utc nan is not a Unix time"),
    ],
)
def test_created_utc__says_why_an_item_has_no_usable_time(value: object, reason: str) -> None:
    with pytest.raises(ValueError, match="^" + reason.replace("(", r"\(").replace(")", r"\)") + "$"):
        created_utc({"created_utc": value})
    assert created_utc({"created_utc": "1458221634"}) == 1458221634.0


def test_rejected_item__keeps_ids_and_text_but_never_the_author() -> None:
    data = {"name": "t3_x", "id": "x", "author": "someone", "title": "Hello", "subreddit": "bakery"}
    reject = rejected_item(data, "Reddit search", "no created_utc (the time it was posted)")
    assert json.loads(reject.raw) == {"name": "t3_x", "id": "x", "subreddit": "bakery", "text": "Hello"}
    assert (reject.origin, reject.line) == ("Reddit search", None)
