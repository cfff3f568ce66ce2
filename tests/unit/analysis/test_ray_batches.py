"""What a Ray scoring batch carries back besides its scores: the vectors of every piece it embedded, each once."""

from __future__ import annotations

import numpy as np
import polars as pl

from analysis.pipeline import embedded_pieces
from analysis.ray_pipeline import pieces_by_row, stored_vectors
from store.embeddings import text_hash


def test_pieces_by_row__every_computed_piece_comes_back_once_with_its_vector() -> None:
    texts = ["Lovely staff. The kiosk froze, though.", "Lovely staff.", None]
    pieces = list(dict.fromkeys(piece for text in texts for piece in embedded_pieces(text or "")))
    computed = {piece: np.full(4, index, dtype=np.float32) for index, piece in enumerate([*pieces, "extra"])}
    hashes, vectors = pieces_by_row(texts, computed)
    assert hashes[1] == "" and vectors[1] == b""  # its one piece went with the first text that has it
    assert len(hashes[0].split()) == len(computed)  # the rest, and a piece no text has, with the first row
    batch = pl.DataFrame({"piece_hashes": hashes, "piece_vectors": vectors})
    found = stored_vectors(batch)
    assert found.keys() == {text_hash(piece) for piece in computed}
    for piece, vector in computed.items():
        np.testing.assert_array_equal(found[text_hash(piece)], vector)


def test_stored_vectors__a_batch_without_pieces_gives_none() -> None:
    batch = pl.DataFrame({"piece_hashes": ["", ""], "piece_vectors": [b"", b""]})
    assert stored_vectors(batch) == {}
