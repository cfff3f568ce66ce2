"""deploy/: nginx accepts its configuration and, in front of two real `pulse serve` replicas, keeps a browser on
one of them (its cookie) through pages, the health check and Streamlit's WebSocket; the compose file and the
systemd units run real `pulse` commands with options the commands have. Compose itself is not run (no container
engine where these tests run)."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from http.cookies import SimpleCookie
from pathlib import Path

import click
import pytest
import yaml

from cli.main import main as pulse_cli
from tests.browser import free_port, serve

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NGINX = shutil.which("nginx") or next(
    (path for path in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(path).exists()), None
)


def resolved_command(argv: list[str]) -> click.Command:
    """The `pulse` command that `argv` (without `pulse`) runs, its options parsed as click would: a UsageError
    for an unknown command or option."""
    command: click.Command = pulse_cli
    path: list[str] = []
    words = list(argv)
    while isinstance(command, click.Group):
        assert words, f"pulse {' '.join(path)} is a group, not a command"
        path.append(words.pop(0))
        found = command.get_command(click.Context(command), path[-1])
        if found is None:
            raise click.UsageError(f"no command {' '.join(path)!r} in pulse")
        command = found
    command.make_context(" ".join(path), words)  # its options and arguments, as click parses them
    return command


def compose_services() -> dict[str, dict[str, object]]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))["services"]


def test_compose__parses_with_postgres_migration_replicas_workers_receiver_and_nginx() -> None:
    services = compose_services()
    assert set(services) == {"postgres", "migrate", "queue-init", "dashboard", "hooks", "worker", "nginx"}
    assert services["dashboard"]["deploy"]["replicas"] >= 2  # type: ignore[index]
    assert services["dashboard"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"  # type: ignore[index]
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in services["nginx"]["volumes"]  # type: ignore[operator]

    assert services["worker"]["depends_on"]["queue-init"]["condition"] == "service_completed_successfully"  # type: ignore[index]


@pytest.mark.parametrize("service", ["migrate", "queue-init", "dashboard", "hooks", "worker"])
def test_compose__each_pulse_service_runs_a_real_pulse_command(service: str) -> None:
    command = compose_services()[service]["command"]
    assert isinstance(command, list) and command[0] == "pulse", command
    resolved_command(command[1:])


def test_resolved_command__refuses_what_pulse_does_not_have() -> None:
    with pytest.raises(click.UsageError):
        resolved_command(["serve", "--no-such-option"])
    with pytest.raises(click.UsageError):
        resolved_command(["no-such-command"])


@pytest.mark.parametrize("unit", sorted(path.name for path in (DEPLOY / "systemd").glob("*.service")))
def test_systemd_unit__runs_a_real_pulse_command_with_the_environment_file(unit: str) -> None:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / "systemd" / unit, encoding="utf-8")
    service = parser["Service"]
    assert service["EnvironmentFile"] == "/etc/pulse/pulse.env"
    for key in ("ExecStart", "ExecStartPost"):
        if key in service or key == "ExecStart":
            argv = shlex.split(service[key].replace("%i", "8501"))
            assert Path(argv[0]).name == "pulse"
            resolved_command(argv[1:])


# --- nginx ----------------------------------------------------------------------------------------


def nginx_config(folder: Path, dashboards: list[int], hooks: int) -> Path:
    """deploy/nginx.conf with the replicas on loopback ports, listening on a free port, its temporary files in
    `folder`, and each response saying which replica served it (X-Pulse-Upstream, for the tests)."""
    text = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    replacements = {
        "        server dashboard:8501;\n": "".join(f"        server 127.0.0.1:{port};\n" for port in dashboards),
        "        server hooks:8502;\n": f"        server 127.0.0.1:{hooks};\n",
        "http {\n": "http {\n"
        + "".join(f"    {kind}_temp_path {folder / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        + f"    access_log {folder / 'access.log'};\n",
        "        listen 80;\n": f"        listen 127.0.0.1:{free_port()};\n",
        "        add_header Set-Cookie $pulse_set_cookie;\n": "        add_header Set-Cookie $pulse_set_cookie;\n"
        "        add_header X-Pulse-Upstream $upstream_addr always;\n",
    }  # fmt: skip
    for old, new in replacements.items():
        assert text.count(old) == 1, f"deploy/nginx.conf no longer has {old.strip()!r}: update this test"
        text = text.replace(old, new)
    path = folder / "nginx.conf"
    path.write_text(text, encoding="utf-8")
    return path


def nginx_command(config: Path, *arguments: str) -> list[str]:
    assert NGINX is not None
    folder = config.parent
    return [NGINX, "-p", str(folder), "-c", str(config), "-g", f"pid {folder / 'nginx.pid'}; error_log {folder / 'error.log'};", *arguments]  # fmt: skip


needs_nginx = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (`apt-get install nginx-light`; .ci/run installs it)"
)


@needs_nginx
def test_nginx_conf__nginx_accepts_it(tmp_path: Path) -> None:
    config = nginx_config(tmp_path, [free_port(), free_port()], free_port())
    checked = subprocess.run(nginx_command(config, "-t"), capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr


@contextmanager
def nginx_in_front(folder: Path, dashboards: list[int], hooks: int) -> Iterator[str]:
    config = nginx_config(folder, dashboards, hooks)
    port = config.read_text(encoding="utf-8").split("listen 127.0.0.1:")[1].split(";")[0]
    subprocess.run(nginx_command(config), check=True, capture_output=True)  # daemonises, reads the pid file
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        subprocess.run(nginx_command(config, "-s", "stop"), capture_output=True)


def fetch(url: str, cookie: str | None = None) -> tuple[int, str, str | None, bytes]:
    """GET `url`: status, the replica that served it, the pulse_replica cookie it set (if any), the body."""
    request = urllib.request.Request(url, headers={"Cookie": f"pulse_replica={cookie}"} if cookie else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        cookies = SimpleCookie(response.headers.get("Set-Cookie") or "")
        set_cookie = cookies["pulse_replica"].value if "pulse_replica" in cookies else None
        return response.status, response.headers["X-Pulse-Upstream"], set_cookie, response.read()


@needs_nginx
@pytest.mark.slow
def test_nginx__two_replicas_each_browser_kept_on_one(tmp_path: Path, empty_store_url: str) -> None:
    with ExitStack() as stack:
        replicas = [stack.enter_context(serve(empty_store_url)) for _ in range(2)]
        ports = [int(url.rsplit(":", 1)[1]) for url in replicas]
        proxy = stack.enter_context(nginx_in_front(tmp_path, ports, free_port()))

        status, first, cookie, body = fetch(f"{proxy}/")
        assert status == 200 and b"<title>" in body and cookie  # Streamlit's page, and the browser's cookie
        for path in ("/", "/_stcore/health", "/trends", "/_stcore/health"):
            status, served_by, again, body = fetch(f"{proxy}{path}", cookie)
            assert (status, served_by, again) == (200, first, None), path  # the same replica; no new cookie
        assert body == b"ok"

        upgrade = websocket_through(proxy, cookie)
        assert upgrade["status"] == 101 and upgrade["served_by"] == first

        others = {fetch(f"{proxy}/_stcore/health")[1] for _ in range(24)}  # new browsers, a new cookie each
        assert others == {f"127.0.0.1:{port}" for port in ports}  # both replicas take browsers


def websocket_through(proxy: str, cookie: str) -> dict[str, object]:
    """Open Streamlit's WebSocket through nginx with the browser's cookie: the handshake's status and the
    replica that answered it."""
    from websockets.sync.client import connect

    address = proxy.replace("http://", "ws://") + "/_stcore/stream"
    with connect(
        address,
        additional_headers={"Cookie": f"pulse_replica={cookie}"},
        subprotocols=["streamlit"],  # type: ignore[list-item]
        open_timeout=10,
    ) as socket:
        response = socket.response
        assert response is not None
        return {"status": response.status_code, "served_by": response.headers.get("X-Pulse-Upstream")}


def upstream_of(url: str) -> str:
    """The upstream nginx sent a GET of `url` to (nothing listens there: nginx answers 502 itself)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.headers["X-Pulse-Upstream"]
    except urllib.error.HTTPError as error:
        assert error.code == 502, error.code
        return error.headers["X-Pulse-Upstream"]


@needs_nginx
def test_nginx__deliveries_of_every_workspace_reach_the_receiver(tmp_path: Path) -> None:
    dashboards, hooks = [free_port(), free_port()], free_port()
    with nginx_in_front(tmp_path, dashboards, hooks) as proxy:
        assert upstream_of(f"{proxy}/hooks/tally") == f"127.0.0.1:{hooks}"
        assert upstream_of(f"{proxy}/w/corner-bakery/hooks/typeform") == f"127.0.0.1:{hooks}"
        # no replica answers here: nginx tries one, then the other, then names the group once both are down
        replicas = {f"127.0.0.1:{port}" for port in dashboards} | {"pulse_dashboard"}
        for page in ("/trends", "/w/corner-bakery/trends"):
            assert set(upstream_of(f"{proxy}{page}").split(", ")) <= replicas
