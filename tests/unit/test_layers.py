"""The import rules of DESIGN.md that ruff does not check: analysis is pure (only its pipeline modules read and
write the store), and the measures on the ground floor import nothing above it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("store", "collectors", "analysis", "dashboard", "reports", "cli")


def imported(path: Path) -> set[str]:
    """The top-level packages that `path` imports, at its top or inside its functions."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def analysis_modules() -> list[Path]:
    return sorted(path for path in (ROOT / "analysis").rglob("*.py") if not path.stem.endswith("pipeline"))


@pytest.mark.parametrize("path", analysis_modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_analysis__only_the_pipeline_modules_read_or_write_the_store(path: Path) -> None:
    assert not imported(path) & {"store", "sqlalchemy", "streamlit"}


def test_measures__import_nothing_above_the_ground_floor() -> None:
    assert not imported(ROOT / "pulse" / "measures.py") & {*LAYERS, "sqlalchemy"}
