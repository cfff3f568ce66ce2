"""tests/shared_data.py: a test that needs ../shared/data/ skips without it on a user's machine, fails in CI."""

from __future__ import annotations

from pathlib import Path

import pytest

import tests.shared_data as shared


@pytest.fixture
def shared_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(shared, "SHARED_DATA", tmp_path)
    (tmp_path / "impersonal_dev.csv").write_text("id,text,label\n", encoding="utf-8")
    return tmp_path


def test_shared_data__gives_the_path_when_it_is_there(shared_folder: Path) -> None:
    assert shared.shared_data("impersonal_dev.csv") == shared_folder / "impersonal_dev.csv"


def test_shared_data__skips_with_a_reason_when_it_is_missing(
    shared_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"needs \.\./shared/data/banking77 beside the project"):
        shared.shared_data("banking77")


def test_shared_data__fails_in_ci_when_it_is_missing(
    shared_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run it, never skip it"):
        shared.shared_data("banking77")
