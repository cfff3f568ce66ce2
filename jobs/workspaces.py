"""TEMPORARY stand-in for store.workspaces (being added on main): the default workspace only."""

from __future__ import annotations

from pulse.errors import InputError
from store.engine import Engine, build_engine

DEFAULT_WORKSPACE = "default"


def workspace_engine(database_url: str, workspace: str = DEFAULT_WORKSPACE, create: bool = False) -> Engine:
    if workspace != DEFAULT_WORKSPACE:
        raise InputError(f"There is no workspace {workspace!r}.", hint="Only `default` exists.")
    return build_engine(database_url, create=create)


def list_workspaces(database_url: str) -> list[str]:
    return [DEFAULT_WORKSPACE]
