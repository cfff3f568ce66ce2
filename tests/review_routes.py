"""The App Store's review pages recorded in tests/fixtures/reviews/, as routes of tests/http_replay's server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.http_replay import Reply

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "reviews"
APP_ID = "1234567890"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def page_route(page: int) -> str:
    return f"GET /gb/rss/customerreviews/page={page}/id={APP_ID}/sortby=mostrecent/json"


def app_store_routes(**replaced: list[Reply]) -> dict[str, list[Reply]]:
    """The three recorded pages of app APP_ID, with `page1=[replies]` and so on answering instead."""
    routes = {page_route(page): [Reply(200, fixture(f"app_store_page{page}.json"))] for page in (1, 2, 3)}
    for key, replies in replaced.items():
        routes[page_route(int(key.removeprefix("page")))] = replies
    return routes
