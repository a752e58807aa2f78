"""The shared conftest makes Celery run tasks inline, and the switch really sticks."""

from __future__ import annotations

import threading

import pytest
from celery.result import EagerResult

from salesdesk.celery import app as celery_app

ran_in: list[int] = []


@celery_app.task
def record_thread() -> int:
    ran_in.append(threading.get_ident())
    return 42


@celery_app.task
def fail() -> None:
    raise LookupError("from inside the task")


def test_the_eager_switch_reads_back_true() -> None:
    assert celery_app.conf.task_always_eager is True
    assert celery_app.conf.task_eager_propagates is True


def test_delay_runs_the_task_inline() -> None:
    ran_in.clear()

    result = record_thread.delay()

    assert ran_in == [threading.get_ident()]  # already ran, in this very thread
    assert isinstance(result, EagerResult)
    # disable_sync_subtasks=False: Celery refuses .get() in a process it takes for a worker's,
    # which a test that ran one in this process (tests in several processes) leaves behind.
    assert result.get(disable_sync_subtasks=False) == 42


def test_a_tasks_exception_reaches_the_caller() -> None:
    with pytest.raises(LookupError, match="from inside the task"):
        fail.delay()


def test_the_switch_is_the_django_setting_that_the_fixture_restores(settings) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False

    assert celery_app.conf.task_always_eager is False
