"""Training the sentiment scorer: the labelled customer data (analysis/sentiment_data.py) and the pieces of
analysis/train_sentiment.py that the measured figures rest on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy.special import softmax
from sklearn.linear_model import LogisticRegression

from analysis.sentiment_data import (
    LABEL_CLASSES,
    STAR_CLASSES,
    TRAIN_FILES,
    read_labelled_file,
    read_sources,
    sample_rows,
    source_name,
    to_source,
)
from analysis.train_sentiment import balanced_log_loss, three_class_weights
from tests.shared_data import shared_data


@pytest.mark.parametrize(
    ("row_id", "source"),
    [
        ("kotzias-yelp-0001", "uci-yelp"),
        ("kotzias-amazon-0999", "uci-amazon"),
        ("kotzias-imdb-0010", "uci-imdb"),
        ("wecr-00000", "clothing"),
        ("zomato-00001", "zomato"),
        ("tripadvisor-00001", "tripadvisor"),
    ],
)
def test_source_name__from_the_id_prefix(row_id: str, source: str) -> None:
    assert source_name(row_id) == source


def test_to_source__one_two_stars_negative_three_neutral_four_five_positive_else_the_label() -> None:
    frame = pl.DataFrame(
        {
            "id": [f"r-{index}" for index in range(6)],
            "text": ["a"] * 6,
            "label": ["positive", "positive", "positive", "negative", "negative", "negative"],
            "stars": [1, 2, 3, 4, 5, None],
        }
    )
    assert to_source("r", frame).classes.tolist() == [0, 0, 1, 2, 2, 0]
    assert [STAR_CLASSES[star] for star in range(1, 6)] == [0, 0, 1, 2, 2]


def labelled_frame(size: int) -> pl.DataFrame:
    stars = [1 + index % 5 if index % 3 else 5 for index in range(size)]  # 5 stars over-represented
    return pl.DataFrame(
        {
            "id": [f"wecr-{index:05d}" for index in range(size)],
            "text": [f"review {index}" for index in range(size)],
            "label": ["positive"] * size,
            "stars": stars,
        },
        schema={"id": pl.String, "text": pl.String, "label": pl.String, "stars": pl.Int64},
    )


def test_sample_rows__keeps_each_stars_share_and_file_order() -> None:
    frame = labelled_frame(3000)
    sample = sample_rows(frame, 300)
    assert sample.columns == frame.columns
    assert abs(sample.height - 300) <= 5
    shares = frame["stars"].value_counts(normalize=True).sort("stars")["proportion"].to_numpy()
    sampled = sample["stars"].value_counts(normalize=True).sort("stars")["proportion"].to_numpy()
    np.testing.assert_allclose(sampled, shares, atol=0.01)
    assert sample["id"].to_list() == sorted(sample["id"].to_list())


def test_sample_rows__a_larger_sample_contains_a_smaller_one() -> None:
    frame = labelled_frame(2000)
    assert set(sample_rows(frame, 200)["id"]) <= set(sample_rows(frame, 600)["id"])
    assert sample_rows(frame, None).equals(frame)


def test_three_class_weights__binary_fit_never_predicts_the_absent_neutral() -> None:
    rng = np.random.default_rng(0)
    features = rng.normal(size=(200, 5))
    classes = np.where(features[:, 0] > 0, 2, 0)
    regression = LogisticRegression().fit(features, classes)
    coef, intercept = three_class_weights(regression)
    probabilities = softmax(features @ coef.T + intercept, axis=1)
    assert coef.shape == (3, 5) and intercept.shape == (3,)
    assert probabilities[:, 1].max() < 1e-6
    np.testing.assert_allclose(probabilities[:, 2], regression.predict_proba(features)[:, 1], atol=1e-6)


def test_balanced_log_loss__each_class_weighs_the_same() -> None:
    truth = np.array([0, 0, 0, 2])
    probabilities = np.array([[0.5, 0.0, 0.5]] * 3 + [[0.9, 0.0, 0.1]])
    expected = (-np.log(0.5) - np.log(0.1)) / 2
    assert balanced_log_loss(probabilities, truth) == pytest.approx(expected)


def test_read_sources__uci_is_three_sources_and_clothing_a_stratified_sample() -> None:
    folder = shared_data("sentiment_train")
    sources = read_sources(TRAIN_FILES, folder)
    assert list(sources) == ["uci-yelp", "uci-amazon", "uci-imdb", "clothing"]
    assert all(np.isnan(sources["uci-yelp"].stars)) and set(sources["uci-yelp"].classes) == {0, 2}
    clothing = sources["clothing"]
    whole = read_labelled_file("womens_ecommerce_clothing_reviews.csv", Path(folder))
    assert abs(len(clothing.texts) - 3000) <= 5
    file_classes = [LABEL_CLASSES[label] for label in whole["label"]]  # the file's own labels agree
    assert [STAR_CLASSES[stars] for stars in whole["stars"]] == file_classes
    whole_share = (whole["stars"] == 3).mean()
    assert np.mean(clothing.stars == 3) == pytest.approx(whole_share, abs=0.005)


def test_best_band__weights_decide_between_sets_that_disagree() -> None:
    from analysis.sentiment import Segmented, TextScores
    from analysis.train_sentiment import NO_MIXING, Choice, best_band

    scores = np.array([-0.9, -0.1, 0.1, 0.9])
    segmented = Segmented.of(["a", "b", "c", "d"])
    text_scores = TextScores.of(scores, scores, segmented, 1.0)
    binary = np.array([0, 0, 2, 2])  # wants no neutral band
    neutral_middle = np.array([0, 1, 1, 2])  # wants -0.1 and 0.1 inside the band
    scored = [(text_scores, binary), (text_scores, neutral_middle)]
    no_mixing = Choice(1.0, 0.0, 1.0, NO_MIXING, 0.0, 0.0)
    _, binary_band = best_band(scored, no_mixing, [1.0, 0.01])
    _, neutral_band = best_band(scored, no_mixing, [0.01, 1.0])
    assert (
        binary_band.negative_below > -0.1 and binary_band.positive_above < 0.1
    )  # -0.1 negative, 0.1 positive
    assert neutral_band.negative_below <= -0.1 and neutral_band.positive_above >= 0.1  # both neutral


def test_text_scores_mixed__needs_praise_and_complaint_about_as_weighty() -> None:
    from analysis.sentiment import Segmented, TextScores
    from analysis.train_sentiment import Choice

    texts = [
        "Great bread, but the kiosk is a nightmare.",
        f"{'Lovely dress, soft fabric, true to size. ' * 4}But it creased.",
    ]
    segmented = Segmented.of(texts)
    segment_scores = np.where(segmented.owner == segmented.owner, 0.8, 0.0)
    segment_scores[[1, len(segment_scores) - 1]] = -0.6  # the kiosk; the crease
    text_scores = TextScores.of(np.array([0.3, 0.7]), segment_scores, segmented, 1.0)
    rule = Choice(1.0, 0.0, 1.0, 0.25, -0.1, 0.1, mixed_balance=0.5)
    assert text_scores.mixed(rule).tolist() == [
        True,
        False,
    ]  # one short complaint in long praise is not mixed
    assert text_scores.classes(rule).tolist() == [1, 2]
    assert text_scores.mixed(Choice(1.0, 0.0, 1.0, 0.25, -0.1, 0.1)).tolist() == [True, True]  # v2's rule
