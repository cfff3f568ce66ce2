"""Review collectors against a local replay server and a real store (SQLite and PostgreSQL): pagination,
incremental runs, retries, time-outs, malformed pages, Places errors, and review files imported twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from collectors.base import run_collector
from collectors.reviews import AppStoreCollector, GooglePlacesCollector, ReviewFileCollector
from collectors.reviews.http import HttpClient
from pulse.errors import SourceError
from store.authors import read_author_salt, salted_hash
from store.engine import reading
from store.feedback import count_feedback, read_external_ids, read_feedback
from store.records import SourceSpec
from store.runs import read_last_cursor, read_runs
from store.schema import feedback, rejected_rows
from tests.http_replay import ReplayServer, Reply
from tests.review_routes import APP_ID, FIXTURES, app_store_routes, fixture, page_route

PLACE_ID = "ChIJd8BlQ2BZwokRAFUEcm_qrcA"
APP_SOURCE = SourceSpec(f"App Store reviews (GB, app {APP_ID})", "review", "app_store")
PLACES_SOURCE = SourceSpec(f"Google reviews (place {PLACE_ID})", "review", "google_places")
ALL_APP_REVIEWS = [f"1100000000{n}" for n in (9, 8, 7, 6, 5, 4, 3, 1)]  # newest first; page 3 has a reject


def fast_http(sleeps: list[float] | None = None, timeout: float = 5.0) -> HttpClient:
    waits = sleeps if sleeps is not None else []
    return HttpClient(timeout=timeout, sleep=waits.append, jitter=lambda: 0.0, backoff=0.5)


def app_store(server: ReplayServer, http: HttpClient | None = None) -> AppStoreCollector:
    return AppStoreCollector(APP_ID, "gb", base_url=server.url, http=http or fast_http())


def pages_requested(server: ReplayServer) -> list[str]:
    return [seen.path.split("/")[4] for seen in server.requests]


# App Store


def test_app_store_collector__walks_the_pages_and_stores_every_review(engine: Engine) -> None:
    with ReplayServer(app_store_routes()) as server:
        result = run_collector(engine, app_store(server))
    assert (result.new, result.duplicate, result.rejected) == (8, 0, 1)
    assert pages_requested(server) == ["page=1", "page=2", "page=3"]
    assert read_external_ids(engine, APP_SOURCE) == ALL_APP_REVIEWS
    assert read_last_cursor(engine, f"app-store:gb:{APP_ID}") == "2024-05-03T08:02:03+00:00"
    assert server.requests[0].headers["user-agent"].startswith("pulse-feedback/")


def test_app_store_collector__second_run_adds_nothing_and_reads_one_page(engine: Engine) -> None:
    with ReplayServer(app_store_routes()) as server:
        run_collector(engine, app_store(server))
        first_run_requests = len(server.requests)
        again = run_collector(engine, app_store(server))
    assert (again.new, again.duplicate) == (0, 0)
    assert len(server.requests) - first_run_requests == 1 < first_run_requests
    assert count_feedback(engine) == 8


def test_app_store_collector__a_later_run_adds_only_the_new_review(engine: Engine) -> None:
    with ReplayServer(app_store_routes()) as server:
        run_collector(engine, app_store(server))
    newer = fixture("app_store_page1.json")
    fresh = json.loads(json.dumps(newer["feed"]["entry"][1]))
    fresh["id"]["label"], fresh["updated"]["label"] = "11000000010", "2024-05-04T07:00:00-07:00"
    newer["feed"]["entry"].insert(1, fresh)
    with ReplayServer(app_store_routes(page1=[Reply(200, newer)])) as server:
        result = run_collector(engine, app_store(server))
    assert (result.new, result.duplicate, pages_requested(server)) == (1, 0, ["page=1"])
    assert read_last_cursor(engine, f"app-store:gb:{APP_ID}") == "2024-05-04T14:00:00+00:00"


def test_app_store_collector__stops_at_an_empty_page(engine: Engine) -> None:
    page1 = fixture("app_store_page1.json")
    page1["feed"]["link"] = [link for link in page1["feed"]["link"] if link["attributes"]["rel"] != "last"]
    routes = {
        page_route(1): [Reply(200, page1)],
        page_route(2): [Reply(200, fixture("app_store_empty.json"))],
    }
    with ReplayServer(routes) as server:
        result = run_collector(engine, app_store(server))
    assert (result.new, pages_requested(server)) == (3, ["page=1", "page=2"])


def test_app_store_collector__retries_a_429_after_retry_after(engine: Engine) -> None:
    sleeps: list[float] = []
    routes = app_store_routes(
        page2=[Reply(429, "slow down", {"Retry-After": "2"}), Reply(200, fixture("app_store_page2.json"))]
    )
    with ReplayServer(routes) as server:
        result = run_collector(engine, app_store(server, fast_http(sleeps)))
    assert result.new == 8
    assert sleeps == [2.0]
    assert pages_requested(server) == ["page=1", "page=2", "page=2", "page=3"]


def test_app_store_collector__retries_500s_with_exponential_backoff(engine: Engine) -> None:
    sleeps: list[float] = []
    routes = app_store_routes(page1=[Reply(500), Reply(503), Reply(200, fixture("app_store_page1.json"))])
    with ReplayServer(routes) as server:
        result = run_collector(engine, app_store(server, fast_http(sleeps)))
    assert result.new == 8
    assert sleeps == [0.5, 1.0]


def test_app_store_collector__retries_a_reply_that_times_out(engine: Engine) -> None:
    sleeps: list[float] = []
    slow = Reply(200, fixture("app_store_page1.json"), delay=1.5)
    routes = app_store_routes(page1=[slow, Reply(200, fixture("app_store_page1.json"))])
    with ReplayServer(routes) as server:
        result = run_collector(engine, app_store(server, fast_http(sleeps, timeout=0.3)))
    assert result.new == 8
    assert (len(sleeps), pages_requested(server)[:2]) == (1, ["page=1", "page=1"])


def test_app_store_collector__gives_up_after_the_last_attempt(engine: Engine) -> None:
    with (
        ReplayServer(app_store_routes(page1=[Reply(502)])) as server,
        pytest.raises(SourceError, match="502") as raised,
    ):
        run_collector(engine, app_store(server))
    assert len(server.requests) == 4
    assert "resumes" in raised.value.hint
    assert read_runs(engine).row(0, named=True)["status"] == "failed"


def test_app_store_collector__a_wait_longer_than_the_cap_stops_the_run(engine: Engine) -> None:
    routes = app_store_routes(page1=[Reply(429, headers={"Retry-After": "3600"})])
    with ReplayServer(routes) as server, pytest.raises(SourceError, match="wait 3600 s"):
        run_collector(engine, app_store(server))
    assert len(server.requests) == 1


def test_app_store_collector__malformed_page_keeps_what_came_before_and_resumes(engine: Engine) -> None:
    broken = Reply(200, '{"feed": {"entry": [{"im:rating": ', {"Content-Type": "application/json"})
    routes = app_store_routes(page2=[broken, Reply(200, fixture("app_store_page2.json"))])
    with ReplayServer(routes) as server:
        with pytest.raises(SourceError, match="not valid JSON"):
            run_collector(engine, app_store(server))
        assert read_external_ids(engine, APP_SOURCE) == ALL_APP_REVIEWS[:3]
        failed = read_runs(engine).row(0, named=True)
        assert (failed["status"], failed["counts"]["new"]) == ("failed", 3)
        assert "page 2" in failed["message"]

        resumed = run_collector(engine, app_store(server))
    assert (resumed.new, resumed.duplicate) == (5, 0)
    assert read_external_ids(engine, APP_SOURCE) == ALL_APP_REVIEWS
    assert pages_requested(server) == ["page=1", "page=2", "page=1", "page=2", "page=3"]
    assert read_runs(engine).row(0, named=True)["status"] == "ok"


# Google Places


def places_routes(*replies: Reply) -> dict[str, list[Reply]]:
    return {f"GET /v1/places/{PLACE_ID}": list(replies)}


def places(server: ReplayServer) -> GooglePlacesCollector:
    return GooglePlacesCollector(PLACE_ID, "test-key", base_url=server.url, http=fast_http())


def test_google_places_collector__stores_the_five_reviews_once(engine: Engine) -> None:
    with ReplayServer(places_routes(Reply(200, fixture("google_places_details.json")))) as server:
        first = run_collector(engine, places(server))
        second = run_collector(engine, places(server))
    assert (first.new, second.new, second.duplicate) == (5, 0, 0)
    assert len(read_external_ids(engine, PLACES_SOURCE)) == 5
    sent = server.requests[0].headers
    assert (sent["x-goog-api-key"], sent["x-goog-fieldmask"]) == (
        "test-key",
        "reviews,displayName,googleMapsUri",
    )


def test_google_places_collector__403_is_a_source_error_about_the_key(engine: Engine) -> None:
    with (
        ReplayServer(places_routes(Reply(403, fixture("google_places_error_403.json")))) as server,
        pytest.raises(SourceError, match="PERMISSION_DENIED") as raised,
    ):
        run_collector(engine, places(server))
    assert "PULSE_GOOGLE_PLACES_API_KEY" in raised.value.hint
    assert "test-key" not in str(raised.value)
    assert len(server.requests) == 1  # a 403 is not retried
    assert read_runs(engine).row(0, named=True)["status"] == "failed"


def test_google_places_collector__400_is_a_source_error_about_the_place(engine: Engine) -> None:
    with (
        ReplayServer(places_routes(Reply(400, fixture("google_places_error_400.json")))) as server,
        pytest.raises(SourceError, match="Not a valid Place ID") as raised,
    ):
        run_collector(engine, places(server))
    assert "PULSE_GOOGLE_PLACES_PLACE_ID" in raised.value.hint


# review files


def test_review_file_collector__importing_twice_adds_nothing(engine: Engine) -> None:
    first = run_collector(engine, ReviewFileCollector(FIXTURES / "generic_reviews.csv"))
    second = run_collector(engine, ReviewFileCollector(FIXTURES / "generic_reviews.csv"))
    assert (first.new, first.duplicate, first.rejected) == (3, 1, 3)  # one review repeated in the file
    assert (second.new, second.duplicate) == (0, 4)
    assert count_feedback(engine) == 3


def test_review_file_collector__a_previewed_file_is_stored_with_the_stores_salt(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text(
        "date,stars,text,author\n2024-05-01,4,Fine,Nadia B.\n2024-05-02,9,Six,Al\n", encoding="utf-8"
    )
    collector = ReviewFileCollector(path)
    preview = collector.read()  # as `pulse import` and the Sources page show it, before the store is asked
    assert preview.records[0].author_hash == salted_hash("Nadia B.", "")
    path.unlink()  # an upload is deleted once previewed: the import converts the rows read then
    run_collector(engine, collector)
    salt = read_author_salt(engine)
    stored = read_feedback(engine, columns=("kind", "text")).height
    with reading(engine) as connection:
        hashes = connection.execute(select(feedback.c.external_id, feedback.c.author_hash)).all()
        rejected = connection.execute(select(rejected_rows.c.author_hash)).scalars().all()
    assert stored == 1 and salt
    assert hashes == [(preview.records[0].external_id, salted_hash("Nadia B.", salt))]  # the same id
    assert rejected == [salted_hash("Al", salt)]


CELL = st.sampled_from(
    ["5", "3", "9", "FOUR", "", "2024-05-01", "2024-05-01T10:00:00Z", "soon", "Good", "Bad"]
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(CELL, CELL, CELL, CELL), min_size=1, max_size=12), run=st.uuids())
def test_review_file_collector__every_row_counted_and_a_second_import_adds_nothing(
    sqlite_engine: Engine, tmp_path: Path, rows: list[tuple[str, str, str, str]], run: object
) -> None:
    path = tmp_path / "reviews.csv"
    lines = ["review_id,date,stars,text", *(",".join(row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    source_name = f"Hypothesis {run}"  # one store for all examples: a source each
    first = run_collector(sqlite_engine, ReviewFileCollector(path, source_name=source_name, preset="generic"))
    assert first.new + first.duplicate + first.rejected == len(rows)
    second = run_collector(
        sqlite_engine, ReviewFileCollector(path, source_name=source_name, preset="generic")
    )
    assert second.new == 0
    assert second.duplicate == first.new + first.duplicate
