"""The `pulse` command starts fast: its start-up (the root group and every command's module) imports no data, model
or web-server library; each command imports what it needs inside its function."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("polars", "sqlalchemy", "pandas", "pymc_marketing", "pymc", "starlette", "uvicorn", "procrastinate")


def test_cli_main__imports_no_heavy_library_at_start_up() -> None:
    check = f"import sys, cli.main; loaded = [m for m in {HEAVY!r} if m in sys.modules]; assert not loaded, loaded"
    subprocess.run([sys.executable, "-c", check], check=True)
