"""Jobs run by several client threads at once, each with its own connection; only the work is timed.

    results, seconds = Concurrent(4, connect, work, close).run(jobs)

Every thread connects first (off the clock), then all start together on a shared queue of jobs;
the wall time runs from that start to the last result. psycopg and http.client wait for the
server without holding the GIL, so threads are enough to keep several connections busy.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

C = TypeVar("C")  # a connection
J = TypeVar("J")  # a job
R = TypeVar("R")  # a job's result


class Concurrent(Generic[C, J, R]):
    """Run jobs on ``threads`` threads, each with its own connection; time only the work."""

    def __init__(self, threads: int, connect: Callable[[], C], work: Callable[[C, J], R],
                 close: Callable[[C], None]) -> None:
        self.threads, self.connect, self.work, self.close = threads, connect, work, close

    def run(self, jobs: list[J]) -> tuple[list[R], float]:
        """Results in job order, and the wall time from the first job to the last result."""
        results: list[R | None] = [None] * len(jobs)
        queue = iter(enumerate(jobs))
        lock = threading.Lock()
        ready = threading.Barrier(self.threads + 1)
        failures: list[BaseException] = []

        def loop() -> None:
            try:
                connection = self.connect()
            except BaseException as problem:  # re-raised by the main thread
                failures.append(problem)
                ready.abort()
                return
            try:
                ready.wait()
                while (job := _next(queue, lock)) is not None:
                    results[job[0]] = self.work(connection, job[1])
            except BaseException as problem:
                failures.append(problem)
            finally:
                self.close(connection)

        workers = [threading.Thread(target=loop, daemon=True) for _ in range(self.threads)]
        for worker in workers:
            worker.start()
        try:
            ready.wait()
        except threading.BrokenBarrierError:
            pass  # a thread could not connect: its failure is raised below
        start = time.perf_counter()
        for worker in workers:
            worker.join()
        seconds = time.perf_counter() - start
        if failures:
            raise failures[0]
        return results, seconds  # type: ignore[return-value]


def _next(queue: Iterator[tuple[int, J]], lock: threading.Lock) -> tuple[int, J] | None:
    with lock:
        return next(queue, None)
