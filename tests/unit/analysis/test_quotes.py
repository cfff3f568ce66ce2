from __future__ import annotations

import polars as pl

from analysis.quotes import pick_quotes


def comments(rows: list[tuple[str, float, bool]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "text": [text for text, _, _ in rows],
            "sentiment_score": [score for _, score, _ in rows],
            "impersonal": [flag for _, _, flag in rows],
            "impersonal_score": [0.8 if flag else 0.0 for _, _, flag in rows],
        }
    )


def test_pick_quotes__an_impersonal_complaint_the_most_negative_and_the_most_positive() -> None:
    frame = comments(
        [
            ("The bread was fine and the coffee was fine too", 0.2, False),
            ("Could not reach a person at all, only the bot", -0.3, True),
            ("Stale croissant and a rude wait at the counter today", -0.7, False),
            ("Best sourdough in town, the staff are lovely people", 0.9, False),
        ]
    )
    quotes = pick_quotes(frame)
    assert quotes.select("why", "text").rows() == [
        ("impersonal complaint", "Could not reach a person at all, only the bot"),
        ("most negative", "Stale croissant and a rude wait at the counter today"),
        ("most positive", "Best sourdough in town, the staff are lovely people"),
    ]


def test_pick_quotes__skips_short_and_repeated_texts_and_handles_none() -> None:
    frame = comments([("good", 0.5, False), ("ok then", 0.1, False)])
    assert pick_quotes(frame).is_empty()
    same = "Lovely people behind the counter every single morning"
    assert pick_quotes(comments([(same, 0.8, False), (same, 0.8, False)]))["text"].to_list() == [same]


def test_pick_quotes__redacts_contacts_of_the_writer() -> None:
    frame = comments([("Nobody called back, ring me on 07700 900123 or mail jo@example.com", -0.6, True)])
    assert pick_quotes(frame)["text"].to_list() == ["Nobody called back, ring me on [phone] or mail [email]"]


def test_pick_quotes__a_misread_or_unsure_comment_never_headlines_the_week() -> None:
    frame = comments(
        [
            ("arived 10 mins early, no complaints at all", -0.69, False),  # read negative, from an 8 of 10
            ("The queue was slow and the till kept failing us", -0.5, False),  # unsure
            ("Cold coffee, rude staff and a dirty table again", -0.8, False),
            ("Fine I guess, nothing to write home about", 0.7, False),  # read positive, from a 3 of 10
        ]
    ).with_columns(
        sentiment_p_negative=pl.Series([0.78 + 0.1, 0.6, 0.9, 0.05]),
        sentiment_p_positive=pl.Series([0.05, 0.2, 0.05, 0.9]),
        nps=pl.Series([8, None, 2, 3], dtype=pl.Int8),
    )
    quotes = pick_quotes(frame)
    assert quotes.select("why", "text").rows() == [
        ("most negative", "Cold coffee, rude staff and a dirty table again")
    ]
