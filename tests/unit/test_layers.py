"""The import rules of DESIGN.md are import-linter's contracts in pyproject.toml (`make lint` runs
`lint-imports`). The linter checks only the packages it is told of: every top-level package of the project
must be one of its root packages (and one that setuptools installs), or a new package would go unchecked."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_INSTALLED = {"tests", "benchmarks"}


def top_level_packages() -> set[str]:
    return {path.parent.name for path in ROOT.glob("*/__init__.py")} - NOT_INSTALLED


def test_import_linter__checks_every_top_level_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert set(config["tool"]["importlinter"]["root_packages"]) == top_level_packages()


def test_setuptools__installs_every_top_level_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    assert {pattern.removesuffix("*") for pattern in include} == top_level_packages()
