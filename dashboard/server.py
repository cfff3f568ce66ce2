"""How `pulse serve` serves the dashboard: Streamlit's app (dashboard/app.py) as an ASGI app (st.App) that answers
each page's address (`/trends`, `/rollouts`, ...) with Streamlit's own page, told the app's root.

Opened by its address, Streamlit's page cannot tell whether `/trends` is a page or the root of the app, so it asks
both (`/trends/_stcore/health` and `/_stcore/health`, the same for `host-config`); the first two answer 404, which
the browser's console reports as errors (streamlit/streamlit#7074). Told the root (`window.__streamlit`'s
BACKEND_BASE_URL, the setting that a host embedding Streamlit uses), it asks only there.

`streamlit run dashboard/app.py` still serves the same dashboard, with those 404s."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import streamlit as st
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route
from streamlit import config, file_util
from streamlit.url_util import make_url_path

DASHBOARD = Path(__file__).resolve().parent
APP = DASHBOARD / "app.py"
PAGES = DASHBOARD / "app_pages"
DEFAULT_PAGE = "pulse"  # served at the root (app.py: default=True)
# The app's root, from a page's address: `/trends` -> `/`, `/base/trends` -> `/base/` (server.baseUrlPath).
ROOT_SCRIPT = (
    '<script>window.__streamlit = {BACKEND_BASE_URL: new URL("./", window.location.href).href}</script>'
)


def static_dir() -> Path:
    return Path(file_util.get_static_dir())


@cache
def page_html() -> str:
    """Streamlit's index.html, told the app's root before its scripts run."""
    html = (static_dir() / "index.html").read_text(encoding="utf-8")
    return html.replace("<script", f"{ROOT_SCRIPT}\n    <script", 1)


async def page(_request: Request) -> HTMLResponse:
    return HTMLResponse(page_html(), headers={"Cache-Control": "no-cache"})


def page_routes() -> list[Route]:
    """A route for each page of dashboard/app_pages but the default one, which is at the root, where the question
    does not arise: its address is its file's name, under server.baseUrlPath."""
    base = str(config.get_option("server.baseUrlPath") or "")
    paths = [script.stem for script in sorted(PAGES.glob("*.py")) if script.stem != DEFAULT_PAGE]
    return [Route(make_url_path(base, path), page, methods=["GET"]) for path in paths]


app = st.App(APP, routes=page_routes())
