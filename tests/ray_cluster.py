"""A real Ray cluster on this machine for the tests and the benchmark: a head and `workers` worker nodes, each
`ray start --block` in a process of its own with one CPU, its own temporary folder and free ports (so that it
stops only itself, never another cluster on the machine, as `ray stop` would), stopped by ending those
processes. Ray resolves 127.0.0.1 to the machine's own address for a cluster of several nodes, so the nodes
listen there."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

RAY = str(Path(sys.executable).with_name("ray"))
START_SECONDS = 180  # a loaded 2-core machine has taken 50 s to start a head and a worker


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _node_options(temp_dir: Path) -> list[str]:
    return [
        "--num-cpus=1",
        "--node-ip-address=127.0.0.1",
        "--disable-usage-stats",
        "--object-store-memory=80000000",
        "--block",
        f"--temp-dir={temp_dir}",
        f"--runtime-env-agent-port={free_port()}",
        f"--metrics-export-port={free_port()}",
        f"--dashboard-agent-listen-port={free_port()}",
        f"--dashboard-agent-grpc-port={free_port()}",
    ]


def _environment() -> dict[str, str]:
    """The nodes' environment: this one (so that workers import this checkout's Pulse), offline, and stopped at
    once rather than drained for 30 s."""
    root = str(Path(__file__).resolve().parent.parent)
    path = os.environ.get("PYTHONPATH", "")
    return {
        **os.environ,
        "PYTHONPATH": f"{root}{os.pathsep}{path}" if path else root,
        "HF_HUB_OFFLINE": "1",
        "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0",
        "RAY_USAGE_STATS_ENABLED": "0",
    }


def _nodes_alive(address: str) -> int:
    """How many nodes the cluster at `address` counts alive (0 while it does not answer)."""
    host, _, port = address.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError:
        return 0  # the head is not listening yet
    probe = (
        "import ray, sys; ray.init(address=sys.argv[1], logging_level='ERROR', log_to_driver=False); "
        "print(sum(node['Alive'] for node in ray.nodes()))"
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", probe, address],
            capture_output=True,
            text=True,
            env=_environment(),
            timeout=90,
        )
    except subprocess.TimeoutExpired:
        return 0
    lines = result.stdout.split()
    return int(lines[-1]) if result.returncode == 0 and lines and lines[-1].isdigit() else 0


@contextmanager
def local_ray_cluster(workers: int = 1) -> Iterator[str]:
    """A head and `workers` worker nodes; yields the head's address (host:port) for PULSE_RAY_ADDRESS."""
    temp_dir = Path(tempfile.mkdtemp(prefix="pulse-ray-", dir="/tmp"))  # short: Ray's socket paths are long
    log = (temp_dir / "nodes.log").open("w")
    port = free_port()
    processes = [
        subprocess.Popen(
            [RAY, "start", "--head", f"--port={port}", "--include-dashboard=false", *_node_options(temp_dir)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_environment(),
        )
    ]
    address = f"127.0.0.1:{port}"
    try:
        for _ in range(workers):
            processes.append(
                subprocess.Popen(
                    [RAY, "start", f"--address={address}", *_node_options(temp_dir)],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=_environment(),
                )
            )
        deadline = time.monotonic() + START_SECONDS
        while _nodes_alive(address) < workers + 1:
            if time.monotonic() > deadline or any(process.poll() is not None for process in processes):
                log.flush()
                raise RuntimeError(f"the Ray cluster did not start:\n{(temp_dir / 'nodes.log').read_text()}")
            time.sleep(1)
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in reversed(processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
        shutil.rmtree(temp_dir, ignore_errors=True)
