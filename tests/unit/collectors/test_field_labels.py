"""Every field that an import maps has its name in words, for the Sources page's mapping and preview."""

from __future__ import annotations

from collectors.reviews import presets as reviews
from collectors.surveys import FIELD_LABELS, FIELDS, PREVIEW_LABELS
from collectors.surveys.plan import PREVIEW


def test_field_labels__every_field_has_words_of_its_own() -> None:
    for fields, labels in ((FIELDS, FIELD_LABELS), (reviews.FIELDS, reviews.FIELD_LABELS)):
        assert list(labels) == list(fields)
        assert len(set(labels.values())) == len(fields)


def test_preview_labels__the_preview_fields_then_a_rejected_rows_columns() -> None:
    assert list(PREVIEW_LABELS) == [*PREVIEW, "line", "rejected", "raw"]
