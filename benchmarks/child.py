"""A command measured in a process of its own: its wall time and its peak resident memory (VmHWM, written by
the child as it exits: the rusage of a child would count the parent's memory at the fork)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent

# a child that runs what follows and writes, as it exits, its peak resident set size in KiB (VmHWM)
PEAK = """
import atexit, sys
peak_file = sys.argv.pop(1)
def peak():
    with open("/proc/self/status") as status:
        kib = next(line.split()[1] for line in status if line.startswith("VmHWM"))
    with open(peak_file, "w") as out:
        out.write(kib)
atexit.register(peak)
"""
PULSE = PEAK + 'import runpy\nrunpy.run_module("cli", run_name="__main__")\n'  # the `pulse` command


def measured_child(
    script: str, arguments: list[str], env: dict[str, str], folder: Path
) -> tuple[float, float, bytes]:
    """(seconds, peak resident MiB, standard output) of `python -c script arguments...` in the repository."""
    peak_file = folder / "peak"
    started = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-c", script, str(peak_file), *arguments],
        env=env,
        capture_output=True,
        cwd=REPOSITORY,
    )
    seconds = time.perf_counter() - started
    if child.returncode != 0:
        raise RuntimeError(f"child failed: {child.stderr.decode()[-2000:]}")
    return seconds, int(peak_file.read_text()) / 1024, child.stdout
