from __future__ import annotations

import requests

from tests.http_replay import ReplayServer, Reply


def test_replay_server__serves_replies_in_order_and_records_requests() -> None:
    routes = {"GET /page": [Reply(429, headers={"Retry-After": "0"}), Reply(200, {"items": [1]})]}
    with ReplayServer(routes) as server:
        first = requests.get(f"{server.url}/page?n=1", timeout=5)
        second = requests.get(f"{server.url}/page?n=2", timeout=5)
        third = requests.get(f"{server.url}/page", timeout=5)
        missing = requests.post(f"{server.url}/other", data=b"x", timeout=5)
    assert [first.status_code, second.status_code, third.status_code, missing.status_code] == [
        429,
        200,
        200,
        404,
    ]
    assert second.json() == {"items": [1]}
    assert [seen.query.get("n") for seen in server.requests[:2]] == [["1"], ["2"]]
    assert server.requests[3].body == b"x"
