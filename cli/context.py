"""The one object every command is handed: the settings and the store's engine, each built once, when a
command first needs it (so that `--help` and input errors never read the settings or open the store)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import click

from pulse.errors import StoreError
from pulse.settings import Settings, build_settings

if TYPE_CHECKING:
    from store.engine import Engine


class Context:
    """Created by the root command (`ctx.ensure_object`); commands take it with `@with_context`."""

    workspace_option: str | None = None  # `pulse --workspace NAME`, before PULSE_WORKSPACE

    @cached_property
    def settings(self) -> Settings:
        return build_settings()

    @cached_property
    def workspace(self) -> str:
        """The workspace that commands work in: `--workspace`, else PULSE_WORKSPACE, else "default"."""
        from store.workspaces import check_slug

        return check_slug(self.workspace_option or self.settings.workspace)

    @cached_property
    def any_engine(self) -> Engine:
        """The workspace's engine, at whatever schema revision its store is (for `pulse db status`, backup): a
        SQLite store must exist, so that a mistyped path is an error, never a new empty store."""
        from store.engine import pool_options
        from store.workspaces import workspace_engine

        return workspace_engine(
            self.settings.database_url, self.workspace, create=False, **pool_options(self.settings)
        )

    @cached_property
    def creating_engine(self) -> Engine:
        """The workspace's engine, creating a SQLite store's file and folder when missing: only for `pulse db
        upgrade` and `pulse restore`, which fill a new store (another workspace than "default" must have been
        made by `pulse workspaces add` first)."""
        from store.engine import pool_options
        from store.workspaces import DEFAULT_WORKSPACE, workspace_engine

        create = self.workspace == DEFAULT_WORKSPACE
        return workspace_engine(
            self.settings.database_url, self.workspace, create=create, **pool_options(self.settings)
        )

    @cached_property
    def engine(self) -> Engine:
        """The store's engine, once the store is known to be at the current schema revision."""
        from store.migrate import is_current

        if not is_current(self.any_engine):
            raise StoreError(
                "The database is not at the current schema version.",
                hint="Run `pulse db upgrade` first.",
            )
        return self.any_engine

    @property
    def where(self) -> str:
        """The store's URL with its password hidden (and the workspace, past the default), for messages."""
        from store.engine import describe_url
        from store.workspaces import DEFAULT_WORKSPACE

        where = describe_url(self.settings.database_url)
        return where if self.workspace == DEFAULT_WORKSPACE else f"{where}, workspace {self.workspace}"


with_context = click.make_pass_decorator(Context, ensure=True)


def judge_rollouts(engine: Engine) -> None:
    """After a change to the feedback or the timeline: the rollouts judged again and their verdicts stored, for
    the dashboard (which only reads them)."""
    from analysis.impact_pipeline import refresh_rollout_impacts

    refresh_rollout_impacts(engine)
