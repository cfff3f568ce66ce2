"""The import rules of DESIGN.md are import-linter's contracts in pyproject.toml (`make lint` runs
`lint-imports`). The linter checks only the packages it is told of: every top-level package of the project
must be one of its root packages (and one that setuptools installs), or a new package would go unchecked. And
tests import no benchmarks and no other tests: shared helpers live in helper modules (tests/stores.py,
tests/app/pages.py, tests/browser.py ...)."""

from __future__ import annotations

import ast
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


def imported_modules(path: Path) -> set[str]:
    """The modules that `path` imports by absolute name, at its top or inside its functions."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def is_benchmark_or_test(module: str) -> bool:
    parts = module.split(".")
    return parts[0] == "benchmarks" or (parts[0] == "tests" and parts[-1].startswith(("test_", "conftest")))


def test_tests__import_no_benchmarks_and_no_other_tests() -> None:
    found = {
        (str(path.relative_to(ROOT)), module)
        for path in sorted((ROOT / "tests").rglob("*.py"))
        for module in imported_modules(path)
        if is_benchmark_or_test(module)
    }
    assert found == set()
