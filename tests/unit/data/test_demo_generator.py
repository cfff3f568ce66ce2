"""The demo generator: deterministic, big enough, and the rollout effects it promises are in what it writes."""

from __future__ import annotations

import importlib.util
import random
import sys
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest

from analysis.pipeline import score_frame

DEMO = Path(__file__).resolve().parents[3] / "data" / "demo"


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_generate", DEMO / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["demo_generate"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return load_generator()


@pytest.fixture(scope="module")
def surveys() -> pl.DataFrame:
    frame = pl.read_csv(DEMO / "surveys.csv", try_parse_dates=True)
    return frame.with_columns(
        pl.col("submitted_at").dt.convert_time_zone("Europe/London").dt.date().alias("day")
    )


def test_generate__is_deterministic_and_matches_the_committed_files(
    generator: ModuleType, tmp_path: Path
) -> None:
    counts = generator.generate(tmp_path)
    for name in counts:
        assert (tmp_path / name).read_bytes() == (DEMO / name).read_bytes(), f"{name}: run `make demo-data`"


def test_comment_bank__is_large_varied_and_distinct(generator: ModuleType) -> None:
    bank = generator.read_bank()
    themes = {comment.theme for comment in bank}
    assert len(bank) >= 400 and len({comment.text for comment in bank}) == len(bank)
    assert len(themes) >= 12
    assert {"support_chatbot", "automated_emails", "kiosk", "loyalty_app", "delivery"} <= themes


def test_demo__covers_15_months_with_the_promised_volumes(surveys: pl.DataFrame) -> None:
    assert surveys["day"].max() - surveys["day"].min() >= timedelta(days=455)
    assert surveys.height >= 5000
    weekly = surveys.group_by(pl.col("day").dt.truncate("1w")).len()["len"]
    assert 70 <= weekly.mean() <= 100  # type: ignore[operator]
    assert pl.read_csv(DEMO / "reviews.csv").height == 600
    assert pl.read_csv(DEMO / "mentions.csv").height == 300
    assert pl.read_csv(DEMO / "rollouts.csv").height >= 3
    assert set(surveys["channel"].unique()) == {"in-store", "online"}
    assert (
        surveys["nps"].drop_nulls().is_between(0, 10).all()
        and surveys["csat"].drop_nulls().is_between(1, 5).all()
    )


def test_demo__has_no_label_columns(surveys: pl.DataFrame) -> None:
    assert not {"theme", "impersonal", "tone", "experience"} & set(surveys.columns)


def windows(frame: pl.DataFrame, start: date, weeks: int = 8) -> tuple[pl.DataFrame, pl.DataFrame]:
    before = frame.filter(pl.col("day").is_between(start - timedelta(weeks=weeks), start, closed="left"))
    after = frame.filter(pl.col("day").is_between(start, start + timedelta(weeks=weeks), closed="left"))
    return before, after


def nps(frame: pl.DataFrame) -> float:
    answers = frame["nps"].drop_nulls()
    return 100 * ((answers >= 9).sum() - (answers <= 6).sum()) / answers.len()


def test_chatbot__lowers_online_nps_20_to_30_points_and_spares_in_store(
    surveys: pl.DataFrame, generator
) -> None:  # type: ignore[no-untyped-def]
    start = generator.CHATBOT.started_on
    online_before, online_after = windows(surveys.filter(pl.col("channel") == "online"), start)
    store_before, store_after = windows(surveys.filter(pl.col("channel") == "in-store"), start)
    assert -30 <= nps(online_after) - nps(online_before) <= -20  # as generated: 38 to 14
    assert abs(nps(store_after) - nps(store_before)) < 8


def test_chatbot__at_least_triples_detected_impersonal_complaints_online(
    surveys: pl.DataFrame, generator
) -> None:  # type: ignore[no-untyped-def]
    online = surveys.filter(pl.col("channel") == "online")
    scored = score_frame(online.rename({"comment": "text"}))
    before, after = windows(scored, generator.CHATBOT.started_on)
    rate_before = before["impersonal"].sum() / before.height
    rate_after = after["impersonal"].sum() / after.height
    assert rate_after >= 3 * max(rate_before, 0.005)


def test_online_ordering__brings_online_customers_and_raises_online_nps(
    surveys: pl.DataFrame, generator
) -> None:  # type: ignore[no-untyped-def]
    start = generator.ONLINE_ORDERING.started_on
    before, after = windows(surveys, start, weeks=12)
    share = lambda frame: (frame["channel"] == "online").mean()  # noqa: E731
    assert share(after) > 1.5 * share(before)
    online_before, online_after = windows(surveys.filter(pl.col("channel") == "online"), start, weeks=12)
    assert nps(online_after) > nps(online_before)


def test_follow_up_emails__lower_nps_and_bring_feel_like_a_number_comments(
    surveys: pl.DataFrame, generator
) -> None:  # type: ignore[no-untyped-def]
    before, after = windows(surveys, generator.FOLLOW_UP_EMAILS.started_on, weeks=10)
    assert nps(after) < nps(before) - 3
    email_words = pl.col("comment").str.contains(r"(?i)\bemail")
    assert after.filter(email_words).height > 3 * max(before.filter(email_words).height, 1)


def ces(frame: pl.DataFrame) -> tuple[float, float, float]:
    """The Customer Effort Score's mean (1-7, 7 the easiest), share of 5-7 (easy) and share of 1-3 (hard)."""
    answers = frame["ces"].drop_nulls()
    return answers.mean(), (answers >= 5).mean(), (answers <= 3).mean()  # type: ignore[return-value]


def test_demo__the_online_survey_asks_ces_on_its_1_to_7_scale(surveys: pl.DataFrame) -> None:
    online, in_store = (
        surveys.filter(pl.col("channel") == "online"),
        surveys.filter(pl.col("channel") == "in-store"),
    )
    assert in_store["ces"].null_count() == in_store.height
    assert 0.85 <= online["ces"].is_not_null().mean() <= 0.97  # type: ignore[operator]
    assert online["ces"].drop_nulls().is_between(1, 7).all()
    assert set(online["ces"].drop_nulls().unique()) == set(range(1, 8))
    assert online["ces"].drop_nulls().len() / surveys.height == pytest.approx(0.3, abs=0.05)  # 1,726 of 5,909


def test_demo__ces_loads_with_every_survey_row(generator: ModuleType) -> None:
    from collectors.demo import read_demo_file, survey_record

    records, rejects = read_demo_file(DEMO / "surveys.csv", survey_record)
    assert rejects == []
    in_file = pl.read_csv(DEMO / "surveys.csv")["ces"].drop_nulls().to_list()
    assert [record.ces for record in records if record.ces is not None] == in_file


def test_online_ordering__makes_ordering_online_easier(surveys: pl.DataFrame, generator) -> None:  # type: ignore[no-untyped-def]
    online = surveys.filter(pl.col("channel") == "online")
    before, after = windows(online, generator.ONLINE_ORDERING.started_on, weeks=12)
    (mean_before, easy_before, hard_before), (mean_after, easy_after, hard_after) = ces(before), ces(after)
    assert mean_after - mean_before >= 0.5  # as generated: 4.2 to 5.3
    assert easy_after - easy_before >= 0.08  # 48% to 72% easy (5-7)
    assert hard_after < hard_before - 0.08  # 34% to 17% hard (1-3)


def test_chatbot__makes_getting_help_online_harder(surveys: pl.DataFrame, generator) -> None:  # type: ignore[no-untyped-def]
    online = surveys.filter(pl.col("channel") == "online")
    before, after = windows(online, generator.CHATBOT.started_on)
    (mean_before, easy_before, hard_before), (mean_after, easy_after, hard_after) = ces(before), ces(after)
    assert -1.0 <= mean_after - mean_before <= -0.5  # as generated: 5.3 to 4.6
    assert -0.2 <= easy_after - easy_before <= -0.1  # 75% to 59% easy (5-7)
    assert hard_after - hard_before >= 0.1  # 15% to 32% hard (1-3)
    hard, easy = after.filter(pl.col("ces") <= 3), after.filter(pl.col("ces") >= 5)
    assert nps(hard) < nps(easy) - 40  # those who found it hard are the unhappy ones


def test_ces__is_drawn_from_its_own_random_stream(generator: ModuleType) -> None:
    """Another CES stream changes the CES column and nothing else: the rollouts' other effects stay put."""
    usual = generator.Generator(generator.read_bank(), generator.SEED)
    other = generator.Generator(generator.read_bank(), generator.SEED)
    other.ces_rng = random.Random(7)
    usual_rows, other_rows = usual.surveys(), other.surveys()
    without_ces = lambda rows: [{k: v for k, v in row.items() if k != "ces"} for row in rows]  # noqa: E731
    assert without_ces(usual_rows) == without_ces(other_rows)
    assert [row["ces"] for row in usual_rows] != [row["ces"] for row in other_rows]
