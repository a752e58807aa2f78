"""Real threads for the race tests (PostgreSQL only: SQLite serialises writers anyway)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from django.db import connections

# A thread that never reaches the start breaks the barrier (BrokenBarrierError in every
# result) instead of hanging the run.
START_TIMEOUT_SECONDS = 60


def run_concurrently(
    *jobs: Callable[[], Any],
    max_parallel: int | None = None,
    watch: Callable[[], object] | None = None,
) -> list[Any]:
    """Run each job in its own thread, all released at the same moment; return, in the order
    the jobs were given, what each returned or the exception it raised.

    The threads wait on one barrier, so they hit the database together; each closes its own
    database connections when it is done (Django opens one per thread). ``max_parallel`` caps
    how many jobs run at once after the common start (PostgreSQL's ``max_connections`` is
    finite). ``watch``, if given, is called over and over in one more thread from the same start
    until every job has finished — e.g. to check an invariant in SQL while they run; an
    exception from it is raised here.
    """
    results: list[Any] = [None] * len(jobs)
    start = threading.Barrier(len(jobs) + (watch is not None), timeout=START_TIMEOUT_SECONDS)
    slots: AbstractContextManager[Any] = (
        threading.BoundedSemaphore(max_parallel) if max_parallel else nullcontext()
    )
    finished = threading.Event()
    watch_errors: list[BaseException] = []

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            start.wait()
            with slots:
                results[index] = job()
        except BaseException as exc:  # handed back to the test, which asserts on it
            results[index] = exc
        finally:
            connections.close_all()

    def keep_watching(check: Callable[[], object]) -> None:
        try:
            start.wait()
            while not finished.is_set():
                check()
        except BaseException as exc:  # re-raised in the calling thread below
            watch_errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    watcher = None if watch is None else threading.Thread(target=keep_watching, args=(watch,))
    for thread in [*threads, *([watcher] if watcher else [])]:
        thread.start()
    for thread in threads:
        thread.join()
    finished.set()
    if watcher is not None:
        watcher.join()
    if watch_errors:
        raise watch_errors[0]
    return results


def failures(results: list[Any]) -> list[BaseException]:
    """The exceptions among ``run_concurrently``'s results."""
    return [result for result in results if isinstance(result, BaseException)]


def unwrap(results: list[Any]) -> list[Any]:
    """``run_concurrently``'s results as plain values: the first exception among them, if any,
    is raised (for jobs that are expected never to raise)."""
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results
