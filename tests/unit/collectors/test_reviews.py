"""Review sources: parsers, the App Store and Places mappers on plain payloads, and the export presets."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors.base import CollectContext
from collectors.reviews import (
    AppStoreCollector,
    GooglePlacesCollector,
    ReviewFileCollector,
    build_review_collectors,
    read_review_file,
)
from collectors.reviews.app_store import entry_record, feed_entries, feed_url, last_page, read_page
from collectors.reviews.common import content_id, hash_author, join_title
from collectors.reviews.google_places import place_reviews, places_error, review_record
from collectors.reviews.http import HttpStatusError, retry_after_seconds
from collectors.reviews.presets import detect_preset
from collectors.values import parse_moment, parse_stars
from pulse.errors import InputError
from pulse.settings import build_settings

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "reviews"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# common parsers


@pytest.mark.parametrize(
    ("value", "stars"),
    [(4, 4), ("4", 4), (" 5.0 ", 5), (1.0, 1), ("FIVE", 5), ("two", 2), ("", None), (None, None)],
)
def test_parse_stars__reads_numbers_and_words(value: object, stars: int | None) -> None:
    assert parse_stars(value) == stars


@pytest.mark.parametrize("value", [0, 6, "4.5", "great", "STAR_RATING_UNSPECIFIED", True, float("nan")])
def test_parse_stars__rejects_what_is_not_one_to_five(value: object) -> None:
    with pytest.raises(ValueError, match="whole number from 1 to 5"):
        parse_stars(value)


def test_parse_moment__reads_zones_and_nanoseconds() -> None:
    assert parse_moment("2024-05-01T02:03:04-07:00", UTC) == datetime(2024, 5, 1, 9, 3, 4, tzinfo=UTC)
    assert parse_moment("2023-12-24T09:30:00.987654321Z", UTC).microsecond == 987654
    assert parse_moment("2024-05-01", UTC).tzinfo is not None


def test_parse_moment__reads_a_naive_time_in_the_zone_given() -> None:
    from zoneinfo import ZoneInfo

    moment = parse_moment("2024-07-01 12:00:00", ZoneInfo("Europe/London"))
    assert moment.utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize("value", ["", None, "yesterday", "01/02/2024"])
def test_parse_moment__rejects_missing_or_unrecognised_dates(value: object) -> None:
    with pytest.raises(ValueError, match="date"):
        parse_moment(value, UTC)


def test_hash_author__hashes_and_never_keeps_the_name() -> None:
    assert hash_author(" Olivia M. ") == sha("Olivia M.")
    assert hash_author("") is None
    assert hash_author(None) is None


def test_content_id__is_stable_and_differs_by_content() -> None:
    assert content_id("2024-05-01", 5, "Great") == content_id("2024-05-01", 5, "Great")
    assert content_id("2024-05-01", 5, "Great") != content_id("2024-05-01", 4, "Great")
    assert content_id("a").startswith("sha256:")


@pytest.mark.parametrize(
    ("title", "body", "text"),
    [
        ("Good", "Nice staff", "Good. Nice staff"),
        ("Great!", "Nice staff", "Great! Nice staff"),
        ("", "Nice staff", "Nice staff"),
        ("Good", None, "Good"),
        (None, " ", None),
    ],
)
def test_join_title__joins_title_and_body(title: str | None, body: str | None, text: str | None) -> None:
    assert join_title(title, body) == text


def test_retry_after_seconds__reads_seconds_and_http_dates() -> None:
    now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Wed, 01 May 2024 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Wed, 01 May 2024 11:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


# App Store feed


def test_feed_entries__skips_the_app_metadata_entry() -> None:
    entries = feed_entries(fixture("app_store_page1.json"))
    assert [entry["id"]["label"] for entry in entries] == ["11000000009", "11000000008", "11000000007"]


def test_feed_entries__reads_a_single_entry_object() -> None:
    assert len(feed_entries(fixture("app_store_single_entry.json"))) == 1


def test_feed_entries__reads_a_feed_without_entries_as_empty() -> None:
    assert feed_entries(fixture("app_store_empty.json")) == []


def test_feed_entries__rejects_a_payload_without_a_feed() -> None:
    with pytest.raises(ValueError, match="feed"):
        feed_entries({"error": "nope"})


def test_last_page__reads_the_last_link() -> None:
    assert last_page(fixture("app_store_page1.json")) == 3
    assert last_page({"feed": {}}) is None


def test_feed_url__builds_the_rss_json_address() -> None:
    assert (
        feed_url("https://itunes.apple.com/", "gb", "123", 2)
        == "https://itunes.apple.com/gb/rss/customerreviews/page=2/id=123/sortby=mostrecent/json"
    )


def test_entry_record__maps_a_review_entry() -> None:
    entry = feed_entries(fixture("app_store_page1.json"))[0]
    record = entry_record(entry, "gb")
    assert record.external_id == "11000000009"
    assert record.kind == "review"
    assert record.created_at == datetime(2024, 5, 3, 8, 2, 3, tzinfo=UTC)
    assert record.stars == 2
    assert record.text is not None
    assert record.text.startswith("Can't reach anyone. The chat bot keeps looping.")
    assert record.url is not None
    assert record.url.startswith("https://itunes.apple.com/gb/review?id=1234567890")
    assert record.author_hash == sha(entry["author"]["uri"]["label"])
    assert record.raw == {"version": "3.4.1", "vote_sum": "3", "vote_count": "4", "country": "gb"}
    assert "morningbun" not in repr(record)


def test_read_page__rejects_a_bad_entry_with_its_position() -> None:
    entries = feed_entries(fixture("app_store_page3.json"))
    reading = read_page(entries, "page3", "gb", watermark=None, stored=set())
    assert [record.external_id for record in reading.records] == ["11000000003", "11000000001"]
    [reject] = reading.rejects
    assert (reject.line, "from 1 to 5" in reject.reason, "glitchy" in reject.raw) == (2, True, False)


def test_read_page__stops_at_the_first_review_older_than_the_watermark() -> None:
    entries = feed_entries(fixture("app_store_page1.json"))
    watermark = datetime(2024, 5, 2, 16, 15, 30, tzinfo=UTC)  # the third review's time
    reading = read_page(entries, "page1", "gb", watermark=watermark, stored={"11000000008"})
    # the second is stored; the third, at the watermark and not stored, is kept
    assert [record.external_id for record in reading.records] == ["11000000009", "11000000007"]
    assert reading.reached_seen is False
    older = read_page(entries, "page1", "gb", watermark=watermark + timedelta(hours=20), stored=set())
    assert (older.records, older.reached_seen) == ([], True)


# Google Places


def test_review_record__maps_a_places_review() -> None:
    payload = fixture("google_places_details.json")
    review = payload["reviews"][2]
    record = review_record(review, payload)
    assert record.external_id == "places/ChIJd8BlQ2BZwokRAFUEcm_qrcA/reviews/ChZDSUhNMG9nS0VJQ0FnSUQ3"
    assert (record.stars, record.text) == (4, "Lovely sourdough, a bit of a queue.")
    assert record.created_at == datetime(2024, 3, 30, 16, 45, tzinfo=UTC)
    assert record.author_hash == sha(review["authorAttribution"]["uri"])
    assert record.url == review["googleMapsUri"]
    assert record.raw is not None
    assert (record.raw["original_language"], record.raw["place"]) == ("fr", "Crumb & Kettle")
    assert "Camille" not in repr(record)


def test_place_reviews__skips_stored_reviews_and_rejects_bad_ones() -> None:
    payload = fixture("google_places_details.json")
    payload["reviews"][4]["publishTime"] = "last Christmas"
    stored = {payload["reviews"][0]["name"]}
    records, rejects = place_reviews(payload, "places", stored)
    assert len(records) == 3
    assert [(reject.line, "Jo K." in reject.raw) for reject in rejects] == [(5, False)]


def test_place_reviews__reads_a_place_without_reviews() -> None:
    assert place_reviews({"displayName": {"text": "New café"}}, "places", set()) == ([], [])


def test_places_error__points_a_403_at_the_key() -> None:
    error = HttpStatusError("refused", "", 403, fixture("google_places_error_403.json"))
    translated = places_error(error, "ChIJabc")
    assert "PERMISSION_DENIED" in translated.message
    assert "PULSE_GOOGLE_PLACES_API_KEY" in translated.hint


def test_places_error__points_a_400_at_the_place_id() -> None:
    error = HttpStatusError("refused", "", 400, fixture("google_places_error_400.json"))
    translated = places_error(error, "nope")
    assert "Not a valid Place ID" in translated.message
    assert "PULSE_GOOGLE_PLACES_PLACE_ID" in translated.hint


def test_google_places_collector__never_shows_its_key() -> None:
    assert "secret-key" not in repr(GooglePlacesCollector("ChIJabc", "secret-key"))


# building the live collectors


def test_build_review_collectors__builds_only_what_is_configured() -> None:
    assert build_review_collectors(build_settings(app_store_app_id=None, google_places_place_id=None)) == []
    built = build_review_collectors(
        build_settings(
            app_store_app_id="1234567890",
            app_store_country="US",
            google_places_api_key="key",
            google_places_place_id="ChIJabc",
        )
    )
    assert [collector.name for collector in built] == ["app-store:us:1234567890", "google-places:ChIJabc"]
    assert isinstance(built[0], AppStoreCollector)


def test_build_review_collectors__needs_both_key_and_place_for_places() -> None:
    built = build_review_collectors(
        build_settings(app_store_app_id=None, google_places_api_key=None, google_places_place_id="ChIJabc")
    )
    assert built == []


# export files


def test_read_review_file__detects_google_business_profile_json() -> None:
    imported = read_review_file(FIXTURES / "google_business_reviews.json")
    assert imported.preset == "google_business"
    assert [record.stars for record in imported.records] == [5, 2, 4]
    first = imported.records[0]
    assert (first.external_id, first.text) == ("AbFvOqnB1x2y3z", "Warm welcome and the best croissants.")
    assert first.author_hash == sha("Hannah P.")
    assert first.raw is not None
    assert first.raw["reviewReply.comment"] == "Thank you Hannah!"
    assert imported.records[2].text is None  # stars without a comment
    [reject] = imported.rejects
    assert reject.line == 42 and "STAR_RATING_UNSPECIFIED" in reject.reason
    assert "Nadia" not in reject.raw


def test_read_review_file__detects_trustpilot_csv_with_lines_of_multiline_rows() -> None:
    imported = read_review_file(FIXTURES / "trustpilot_reviews.csv")
    assert imported.preset == "trustpilot"
    assert imported.mapping["date"] == "Review Created (UTC)"
    assert [record.external_id for record in imported.records] == [
        "662f9a1be4b0c0a1d2e3f401",
        "662f9a1be4b0c0a1d2e3f402",
        "662f9a1be4b0c0a1d2e3f403",
    ]
    second = imported.records[1]
    assert second.text is not None and second.text.startswith("No human to talk to. The new chatbot")
    assert second.created_at == datetime(2024, 4, 27, 17, 45, 10, tzinfo=UTC)
    assert second.location == "Crumb & Kettle Islington"
    assert second.author_hash == sha("5f1e2d3c4b5a69788796a5b5")  # the consumer id, not the name
    assert [(reject.line, reject.reason.split()[0]) for reject in imported.rejects] == [
        (6, "unparseable"),  # the reason a survey's date gives: one date parser (collectors.values)
        (7, "stars"),
    ]
    assert not any("Ivan" in reject.raw or "ORD-" in reject.raw for reject in imported.rejects)


def test_read_review_file__detects_the_yelp_dataset_as_json_lines() -> None:
    imported = read_review_file(FIXTURES / "yelp_academic_dataset_review.json")
    assert imported.preset == "yelp"
    assert [record.stars for record in imported.records] == [3, 5]
    assert imported.records[0].author_hash == sha("mh_-eMZ6K5RLWhZyISBhwA")
    assert [(reject.line, "4.5" in reject.reason) for reject in imported.rejects] == [(3, True)]


def test_read_review_file__detects_the_yelp_fusion_shape() -> None:
    imported = read_review_file(FIXTURES / "yelp_fusion_reviews.json")
    assert (imported.preset, imported.mapping["review_id"], imported.mapping["author"]) == (
        "yelp",
        "id",
        "user.id",
    )
    assert imported.records[0].url is not None
    assert "Ella" not in repr(imported.records)


def test_read_review_file__reads_a_generic_semicolon_csv_with_content_ids() -> None:
    imported = read_review_file(FIXTURES / "generic_reviews.csv")
    assert imported.preset == "generic"
    assert imported.mapping == {
        "stars": "rating",
        "date": "date",
        "text": "review",
        "author": "author",
        "location": "branch",
    }
    assert [record.stars for record in imported.records] == [5, 2, 4, 5]
    assert imported.records[0].external_id == imported.records[3].external_id  # the same review twice
    assert imported.records[0].external_id.startswith("sha256:")
    assert [reject.line for reject in imported.rejects] == [4, 5, 7]
    assert any("hash of its date" in note for note in imported.notes)
    assert any("1 row repeats" in note for note in imported.notes)


def test_read_review_file__forces_a_preset_and_explains_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text("date,rating,review\n2024-05-01,5,Great\n", encoding="utf-8")
    with pytest.raises(InputError, match="trustpilot preset") as raised:
        read_review_file(path, preset="trustpilot")
    assert "Review Created (UTC)" in raised.value.hint
    assert read_review_file(path, preset="generic").preset == "generic"


def test_read_review_file__rejects_an_unknown_preset(tmp_path: Path) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text("date,rating\n2024-05-01,5\n", encoding="utf-8")
    with pytest.raises(InputError, match="Unknown review preset") as raised:
        read_review_file(path, preset="tripadvisor")
    assert "trustpilot" in raised.value.hint


def test_read_review_file__explains_a_file_without_review_columns(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("order,total\n1,9.50\n", encoding="utf-8")
    with pytest.raises(InputError, match="no column for date and stars or text") as raised:
        read_review_file(path)
    assert "order, total" in raised.value.message


def test_read_review_file__explains_malformed_json(tmp_path: Path) -> None:
    path = tmp_path / "reviews.json"
    path.write_text('{"reviews": [{"starRating": "FIVE",\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"not valid JSON.*line 2"):
        read_review_file(path)


def test_read_review_file__rejects_bad_json_lines_and_non_objects(tmp_path: Path) -> None:
    path = tmp_path / "reviews.jsonl"
    path.write_text(
        '{"review_id": "a", "stars": 5, "date": "2024-01-01", "text": "ok"}\n\n{"review_id": \n[1, 2]\n',
        encoding="utf-8",
    )
    imported = read_review_file(path)
    assert len(imported.records) == 1
    assert [(reject.line, reject.reason.split(":")[0]) for reject in imported.rejects] == [
        (3, "not valid JSON"),
        (4, "not a JSON object"),
    ]


def test_read_review_file__reads_utf16_and_latin1(tmp_path: Path) -> None:
    content = "date\trating\treview\n2024-05-01\t5\tCrème brûlée was perfect; merci beaucoup\n"
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(content.encode("utf-16"))
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(content.replace("\t", ",").encode("latin-1"))
    for path in (utf16, latin1):
        [record] = read_review_file(path).records
        assert record.text == "Crème brûlée was perfect; merci beaucoup"


def test_read_review_file__reads_a_json_list_with_object_lines(tmp_path: Path) -> None:
    items = [
        {"id": "r1", "rating": 5, "date": "2024-05-01", "text": "ok", "url": ["https://a", "https://b"]},
        {"id": "r2", "rating": 9},
    ]
    path = tmp_path / "reviews.json"
    path.write_text(json.dumps(items, indent=2), encoding="utf-8")
    imported = read_review_file(path)
    assert [(record.external_id, record.url) for record in imported.records] == [
        ("r1", '["https://a", "https://b"]')
    ]
    assert [reject.line for reject in imported.rejects] == [12]


def test_read_review_file__reads_naive_dates_in_the_timezone_given(tmp_path: Path) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text("date,stars\n2024-07-01 12:00,4\n", encoding="utf-8")
    [record] = read_review_file(path, timezone="Europe/London").records
    assert record.created_at == datetime(2024, 7, 1, 11, 0, tzinfo=UTC)


def test_detect_preset__falls_back_to_generic() -> None:
    assert detect_preset(["Review Stars", "Review Created (UTC)"]).name == "trustpilot"
    assert detect_preset(["starRating", "comment"]).name == "google_business"
    assert detect_preset(["date", "stars", "text"]).name == "generic"


def test_review_file_collector__stores_under_the_preset_source() -> None:
    collector = ReviewFileCollector(FIXTURES / "trustpilot_reviews.csv")
    context = CollectContext(cursor=None, stored_ids=lambda _source: [])
    [batch] = list(collector.collect(context))
    assert (batch.source.name, batch.source.kind, batch.source.platform) == (
        "Trustpilot reviews",
        "review",
        "trustpilot",
    )
    assert (len(batch.records), len(batch.rejects)) == (3, 2)
    named = ReviewFileCollector(FIXTURES / "trustpilot_reviews.csv", source_name="Trustpilot: Islington")
    assert next(iter(named.collect(context))).source.name == "Trustpilot: Islington"


# every row imported or rejected


CELL = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=12),
    st.sampled_from(["5", "4.0", "0", "FIVE", "2024-05-01", "2024-05-01T10:00:00Z", "yesterday", ""]),
)
REVIEW_ROW = st.fixed_dictionaries(
    {"date": CELL, "stars": CELL, "text": CELL, "author": CELL, "review_id": st.one_of(st.just(""), CELL)}
)


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["date", "stars", "text", "author", "review_id"])
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(REVIEW_ROW, min_size=1, max_size=15))
def test_read_review_file__imports_or_rejects_every_row(tmp_path: Path, rows: list[dict[str, str]]) -> None:
    path = tmp_path / "reviews.csv"
    write_csv(path, rows)
    imported = read_review_file(path, preset="generic")
    assert len(imported.records) + len(imported.rejects) == len(rows)
    again = read_review_file(path, preset="generic")
    assert [record.external_id for record in again.records] == [
        record.external_id for record in imported.records
    ]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".json", ".xlsx"]))
def test_read_review_file__random_bytes_are_imported_rejected_or_refused_with_a_message(
    tmp_path: Path, data: bytes, suffix: str
) -> None:
    path = tmp_path / f"reviews{suffix}"
    path.write_bytes(data)
    try:
        imported = read_review_file(path)
    except InputError as error:  # a whole file that cannot be read is refused, saying why
        assert error.message
        return
    assert all(reject.reason for reject in imported.rejects)


def test_review_file_collector__converts_in_batches_as_the_whole_file_reads(tmp_path: Path) -> None:
    """A Yelp dataset file (JSON Lines: review_id, user_id, stars, text, date) read a batch at a time, as an
    import of a large file is: the same records and rejects as the whole file's, the repeats counted across
    batches, and the preview counts every row."""
    lines = [
        json.dumps(
            {
                "review_id": f"r{index}",
                "user_id": "u1",
                "stars": 1 + index % 5,
                "text": f"T{index}",
                "date": f"2024-05-{1 + index % 28:02d} 10:00:00",
            }
        )
        for index in range(23)
    ]
    lines[7] = lines[3]  # the same review twice, in different batches
    lines[12] = '{"review_id": "r12", "stars": 9, "date": "2024-05-01"}'  # out of range: rejected
    path = tmp_path / "yelp_academic_dataset_review.jsonl"
    path.write_text("\n".join(lines) + "\nnot json\n", encoding="utf-8")
    whole = read_review_file(path)
    collector = ReviewFileCollector(path)
    batches = list(collector.plan.convert("", size=4))
    assert len(batches) == 6
    assert [record for records, _rejects in batches for record in records] == whole.records
    assert [(reject.line, reject.reason) for _records, rejects in batches for reject in rejects] == [
        (reject.line, reject.reason) for reject in whole.rejects
    ]
    assert [reject.line for reject in whole.rejects] == [13, 24]
    assert any("1 row repeats" in note for note in whole.notes)
    preview = collector.read()
    assert preview.rows == 24 and len(preview.records) == 22  # the duplicate too: each is stored once
