"""Themes in the real store (SQLite, and PostgreSQL when configured): fit, assign, edits across refits."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import homogeneity_score
from sqlalchemy import Engine

from analysis.theme_pipeline import assign_new_themes, fit_themes, update_themes
from analysis.themes import IMPERSONAL_LABEL, IMPERSONAL_SEED, add_theme, theme_periods
from analysis.themes.library import LibraryTheme
from pulse.errors import InputError
from store.explorer import correct_label
from store.runs import read_runs
from store.topics import (
    current_model_version,
    hide_topic,
    merge_topic,
    read_centroids,
    read_texts_to_theme,
    read_theme_mentions,
    read_themed_feedback,
    read_topics,
    rename_topic,
)
from tests.theme_data import TEST_LIBRARY, TEST_MODEL, seed_themed_store, use_hash_encoders


@pytest.fixture(autouse=True)
def _hash_encoders(monkeypatch: pytest.MonkeyPatch) -> None:
    use_hash_encoders(monkeypatch)


def topic_of(engine: Engine, word: str) -> dict:  # type: ignore[type-arg]
    topics = read_topics(engine)
    return topics.filter(pl.col("label").str.to_lowercase().str.contains(word)).row(0, named=True)


def test_fit_themes__stores_topics_centroids_and_every_assignment(engine: Engine) -> None:
    truth = seed_themed_store(engine)
    run = fit_themes(engine, TEST_MODEL, library=TEST_LIBRARY)
    topics = read_topics(engine)
    assert run.action == "fit" and run.themed == len(truth) and run.topics == topics.height
    assert read_centroids(topics).shape == (topics.height, 32)
    assert topics.filter(pl.col("seed") == IMPERSONAL_SEED)["label"].to_list() == [IMPERSONAL_LABEL]
    themed = read_themed_feedback(engine)
    assert themed.height == len(truth)
    assert homogeneity_score(truth, themed.sort("feedback_id")["topic_id"].fill_null(-1)) > 0.9
    assert read_texts_to_theme(engine).is_empty()  # nothing left to theme
    assert read_runs(engine)["name"][0] == "themes"


def test_themes__count_an_impersonal_label_as_the_team_corrected_it(engine: Engine) -> None:
    seed_themed_store(engine)
    fit_themes(engine, TEST_MODEL, library=TEST_LIBRARY)
    before = read_themed_feedback(engine).sort("feedback_id")
    flagged = int(before.filter(pl.col("impersonal"))["feedback_id"][0])
    plain = int(before.filter(~pl.col("impersonal"))["feedback_id"][0])
    correct_label(engine, flagged, "impersonal", "false", by="editor")
    correct_label(engine, plain, "impersonal", "true", by="editor")
    after = dict(read_themed_feedback(engine).select("feedback_id", "impersonal").iter_rows())
    assert (after[flagged], after[plain]) == (
        False,
        True,
    )  # the themes' impersonal shares count people's labels
    assert after == {
        **dict(before.select("feedback_id", "impersonal").iter_rows()),
        flagged: False,
        plain: True,
    }
    to_theme = dict(read_texts_to_theme(engine, only_new=False).select("id", "impersonal").iter_rows())
    assert (to_theme[flagged], to_theme[plain]) == (
        False,
        True,
    )  # and the fixed impersonal theme, at its next fit


def test_assign_new_themes__new_items_get_the_nearest_theme_without_a_refit(engine: Engine) -> None:
    seed_themed_store(engine)
    fit_themes(engine, TEST_MODEL, library=TEST_LIBRARY)
    version = current_model_version(engine)
    truth = seed_themed_store(engine, per_cluster=5, offset=1000)
    run = update_themes(engine, model_name=TEST_MODEL, library=TEST_LIBRARY)
    assert run.action == "assign" and run.themed == len(truth)
    assert current_model_version(engine) == version
    new = read_themed_feedback(engine).sort("feedback_id").tail(len(truth))
    assert homogeneity_score(truth, new["topic_id"].fill_null(-1)) > 0.9
    assert assign_new_themes(engine, TEST_MODEL, TEST_LIBRARY).themed == 0  # nothing new now


def test_update_themes__fits_when_there_is_no_model_or_when_asked(engine: Engine) -> None:
    seed_themed_store(engine)
    first = update_themes(engine, model_name=TEST_MODEL, library=TEST_LIBRARY)
    assert (first.action, first.reason) == ("fit", "no model yet")
    again = update_themes(engine, refit=True, model_name=TEST_MODEL, library=TEST_LIBRARY)
    assert (again.action, again.reason) == ("fit", "asked for")


def test_owner_edits__survive_a_refit(engine: Engine) -> None:
    seed_themed_store(engine)
    fit_themes(engine, TEST_MODEL, library=TEST_LIBRARY)
    bread, coffee, delivery = topic_of(engine, "loaf"), topic_of(engine, "latte"), topic_of(engine, "driver")
    rename_topic(engine, bread["id"], "Our bread")
    hide_topic(engine, delivery["id"])
    merge_topic(engine, coffee["id"], bread["id"])
    seed_themed_store(engine, per_cluster=10, offset=2000)  # more data, then a full refit
    fit_themes(engine, TEST_MODEL, library=TEST_LIBRARY)
    topics = read_topics(engine)
    assert not set(topics["id"].to_list()) & {bread["id"], coffee["id"], delivery["id"]}  # new rows
    renamed = topics.filter(pl.col("custom_name") == "Our bread")
    assert renamed.height == 1 and "loaf" in renamed["label"][0].lower()
    assert topics.filter(pl.col("hidden"))["label"].str.to_lowercase().str.contains("driver").all()
    merged = topics.filter(pl.col("merged_into").is_not_null())
    assert merged["merged_into"].to_list() == renamed["id"].to_list()
    periods = theme_periods(add_theme(read_themed_feedback(engine), topics))
    assert "Our bread" in periods["theme"].to_list()
    assert not periods["theme"].str.to_lowercase().str.contains("driver").any()


def test_owner_edits__an_unknown_theme_or_self_merge_is_an_input_error(engine: Engine) -> None:
    with pytest.raises(InputError):
        rename_topic(engine, 999, "x")
    with pytest.raises(InputError):
        merge_topic(engine, 3, 3)


def test_fit_themes__an_empty_store_fits_nothing_without_error(engine: Engine) -> None:
    run = fit_themes(engine, TEST_MODEL, library=TEST_LIBRARY)
    assert (run.themed, run.topics) == (0, 0)
    assert read_topics(engine).is_empty()
    assert np.asarray(read_centroids(read_topics(engine))).size == 0


def test_fit_themes__stores_every_theme_a_comment_mentions(engine: Engine) -> None:
    truth = seed_themed_store(engine)
    fit_themes(engine, TEST_MODEL, library=TEST_LIBRARY)
    mentions = read_theme_mentions(engine)
    topics = read_topics(engine)
    impersonal_id = topics.filter(pl.col("seed") == "impersonal")["id"][0]
    per_item = mentions.group_by("feedback_id").agg(pl.col("topic_id"))
    assert per_item.height == len(truth)  # every comment mentions a theme
    flagged = per_item.filter(pl.col("topic_id").list.contains(impersonal_id))
    assert flagged.height == int((truth == 2).sum()) and (flagged["topic_id"].list.len() == 2).all()
    new = seed_themed_store(engine, per_cluster=2, offset=3000)
    assign_new_themes(engine, TEST_MODEL, TEST_LIBRARY)
    assert read_theme_mentions(engine)["feedback_id"].n_unique() == len(truth) + len(new)


def test_update_themes__refits_when_the_library_changes(engine: Engine) -> None:
    seed_themed_store(engine)
    fit_themes(engine, TEST_MODEL, library=TEST_LIBRARY)
    assert update_themes(engine, model_name=TEST_MODEL, library=TEST_LIBRARY).action == "assign"
    edited = replace(
        TEST_LIBRARY,
        themes=(*TEST_LIBRARY.themes, LibraryTheme("bread", "Product", "Bread", keywords=("loaf",))),
    )
    run = update_themes(engine, model_name=TEST_MODEL, library=edited)
    assert (run.action, run.reason) == ("fit", "the theme library (or how Pulse themes) changed")
    assert "Bread" in read_topics(engine)["label"].to_list()
