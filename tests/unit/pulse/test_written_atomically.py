"""pulse.files.written_atomically: a file is replaced whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulse.files import written_atomically


def test_written_atomically__replaces_the_file_when_the_block_ends(tmp_path: Path) -> None:
    path = tmp_path / "weights.json"
    path.write_text("old")
    with written_atomically(path) as temporary:
        temporary.write_text("new")
        assert path.read_text() == "old"  # a reader sees the old file until the end
    assert path.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["weights.json"]


def test_written_atomically__leaves_the_file_and_no_temporary_when_the_block_fails(tmp_path: Path) -> None:
    path = tmp_path / "weights.json"
    path.write_text("old")
    with pytest.raises(RuntimeError), written_atomically(path) as temporary:
        temporary.write_text("half")
        raise RuntimeError("stopped half way")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["weights.json"]
