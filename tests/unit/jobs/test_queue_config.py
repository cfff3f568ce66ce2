"""The queue's configuration without a database: where it is, its locks, the stalled-job check's cadence, the
retry strategy's attempts and waits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from procrastinate.jobs import Job

from cli.main import main
from jobs.app import queue_conninfo
from jobs.tasks import ANALYZE, COLLECT, DIGEST, job_locks, recovery_cron, retry_strategy
from pulse.errors import ConfigError
from pulse.settings import build_settings


def test_queue_conninfo__is_the_store_postgres_database_unless_pulse_queue_url_names_one() -> None:
    store = build_settings(database_url="postgresql+psycopg://pulse:p%40ss@db.example.com:5432/pulse")
    assert queue_conninfo(store) == "postgresql://pulse:p%40ss@db.example.com:5432/pulse"
    own = build_settings(database_url="sqlite:///x.db", queue_url="postgresql://q@queue.example.com/jobs")
    assert queue_conninfo(own) == "postgresql://q@queue.example.com/jobs"


def test_queue_conninfo__a_sqlite_store_without_a_queue_url_is_refused_with_a_hint() -> None:
    with pytest.raises(ConfigError) as raised:
        queue_conninfo(build_settings(database_url="sqlite:///x.db", queue_url=None))
    assert "needs PostgreSQL" in raised.value.message
    assert "PULSE_QUEUE_URL" in raised.value.hint and "cron" in raised.value.hint


def test_queue_conninfo__a_queue_url_of_another_database_is_refused() -> None:
    with pytest.raises(ConfigError, match="PULSE_QUEUE_URL names a mysql database"):
        queue_conninfo(build_settings(queue_url="mysql://u@h/db"))


def test_pulse_jobs_status__on_a_sqlite_store_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PULSE_DATABASE_URL", f"sqlite:///{tmp_path / 'pulse.db'}")
    monkeypatch.delenv("PULSE_QUEUE_URL", raising=False)
    result = CliRunner().invoke(main, ["jobs", "status"])
    assert result.exit_code == 1
    assert "The job queue needs PostgreSQL" in result.output and "Hint:" in result.output


def test_job_locks__one_per_source_for_collections_and_one_per_store_for_the_pipeline() -> None:
    assert job_locks(COLLECT, "default", "reddit") == ("collect:default:reddit", "collect:default:reddit")
    assert job_locks(ANALYZE, "bakery") == ("store:bakery", "analyze:bakery")
    assert job_locks(DIGEST, "bakery") == ("store:bakery", "digest:bakery")


@pytest.mark.parametrize(
    ("stalled", "cron"),
    [(60, "* * * * * */30"), (4, "* * * * * */2"), (2, "* * * * * */1"), (600, "* * * * *")],
)
def test_recovery_cron__checks_twice_per_stalled_period_at_most_every_minute(stalled: int, cron: str) -> None:
    assert recovery_cron(stalled) == cron


def _job(attempts: int) -> Job:
    return Job(id=1, queue="pipeline", lock=None, queueing_lock=None, task_name=ANALYZE, attempts=attempts)


def test_retry_strategy__waits_grow_as_powers_and_the_last_attempt_is_the_settings() -> None:
    strategy = retry_strategy(build_settings(queue_max_attempts=4, queue_retry_seconds=5))
    now = datetime.now(UTC)
    decisions = [strategy.get_retry_decision(exception=RuntimeError("down"), job=_job(n)) for n in range(4)]
    assert decisions[3] is None  # the fourth attempt was the last
    waits = [(decision.retry_at - now).total_seconds() for decision in decisions[:3]]  # type: ignore[union-attr, operator]
    assert [round(wait) for wait in waits] == [5, 25, 125]


def test_retry_strategy__does_not_retry_a_setting_that_is_missing() -> None:
    strategy = retry_strategy(build_settings())
    error = ConfigError("PULSE_SMTP_HOST is not set.", hint="Set it.")
    assert strategy.get_retry_decision(exception=error, job=_job(0)) is None
