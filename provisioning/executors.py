"""The two ways an apply's batches run: in this process (threads), or on Celery workers.

Both run the same batch (provisioning.batches.apply_batch), in the same order: the shared
steps, then one chain per member, members side by side, then the shared retirements; and
both return each batch's result, `{"errors": {key: why}}`.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from celery import chain, group, signature
from django.conf import settings
from django.db import connections

from mutualis import conf

from .batches import Batch, Schedule, apply_batch, local_driver
from .drivers import Driver, ProvisioningError
from .models import ChangeRecord

# The Celery tasks the workers run (provisioning.tasks), sent by name.
APPLY_BATCH = "mutualis.apply_batch"
COLLECT = "mutualis.collect"
CONTROL_QUEUE = "mutualis.control"


def backend_queue(backend: str) -> str:
    return f"mutualis.{backend}"


class Executor(ABC):
    @abstractmethod
    def run(self, run_id: int, schedule: Schedule) -> list[dict]:
        """Run every batch of the schedule; a batch whose change depends on a failed one
        journals it skipped. Raises what stopped the apply."""


def executor_for(progress: Callable[[int], None] | None = None) -> Executor:
    """In this process unless Celery has a broker (settings.CELERY_TASK_ALWAYS_EAGER)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return InProcessExecutor()
    return CeleryExecutor(progress)


class InProcessExecutor(Executor):
    """Threads: members in parallel, each backend within its concurrency limit
    (settings.MUTUALIS_BACKEND_CONCURRENCY, 4 for a backend it does not name). The drivers are
    the caller's objects, registered with provisioning.batches.open_local_run; progress is
    reported by each batch."""

    def driver_for(self, run_id: int, backend: str) -> Driver:
        driver = local_driver(run_id, backend)
        if driver is None:
            raise ProvisioningError(f"run {run_id} has no {backend} driver in this process")
        return driver

    def run(self, run_id: int, schedule: Schedule) -> list[dict]:
        limits = {b: threading.BoundedSemaphore(n)
                  for b, n in conf.MUTUALIS_BACKEND_CONCURRENCY.items()}
        default_limit = threading.BoundedSemaphore(4)

        def run_batch(prev: list[dict], batch: Batch) -> dict:
            with limits.get(batch.backend, default_limit):
                return apply_batch(prev, run_id, batch.backend, batch.payload(),
                                   self.driver_for)

        def run_steps(prev: list[dict], steps: list[list[Batch]], pool) -> list[dict]:
            results = list(prev)
            for step in steps:
                results += list(pool.map(lambda b, seen=list(results): run_batch(seen, b), step))
            return results

        def run_chain(prev: list[dict], batches: list[Batch]) -> list[dict]:
            results = list(prev)
            for batch in batches:
                results.append(run_batch(results, batch))
            return results[len(prev):]

        workers = max(2, sum(conf.MUTUALIS_BACKEND_CONCURRENCY.values()))
        with _ThreadPool(workers) as pool:
            shared = run_steps([], schedule.shared_steps, pool)
            chains = list(pool.map(lambda ch: run_chain(shared, ch),
                                   schedule.member_chains.values()))
            done = shared + [r for results in chains for r in results]
            return run_steps(done, schedule.shared_retire_steps, pool)


class _ThreadPool(ThreadPoolExecutor):
    """`workers` threads that keep their database connections from one batch to the next (a
    new connection for each batch, with SQLite's set-up pragmas, was half of the engine's own
    time) and each close them when the pool shuts down: none may linger."""

    def __init__(self, workers: int):
        super().__init__(max_workers=workers)
        self.workers = workers
        self._in_each_thread(lambda: None)  # every thread started now: `workers` of them

    def _in_each_thread(self, action: Callable[[], None]) -> None:
        # `workers` tasks that wait for each other: each thread takes exactly one.
        barrier = threading.Barrier(self.workers)

        def task() -> None:
            try:
                barrier.wait(timeout=60)
            except threading.BrokenBarrierError:
                pass
            action()

        for future in [self.submit(task) for _ in range(self.workers)]:
            future.result()

    def shutdown(self, wait: bool = True, **kwargs) -> None:
        try:
            self._in_each_thread(connections.close_all)
        finally:
            super().shutdown(wait=wait, **kwargs)


class CeleryExecutor(Executor):
    """A Celery canvas of the same batches: shared steps, then member chains in a group, then
    shared retirements. Each task routes to its backend's queue (`mutualis.<backend>`), whose
    worker concurrency is that backend's limit. Progress is read from the journal while the
    workers run."""

    def __init__(self, progress: Callable[[int], None] | None = None):
        self.progress = progress

    def run(self, run_id: int, schedule: Schedule) -> list[dict]:
        canvas = self.canvas(run_id, schedule)
        if canvas is None:
            return []
        result = canvas.apply_async()
        while not result.ready():
            if self.progress:
                self.progress(ChangeRecord.objects.finished(run_id).count())
            time.sleep(0.2)
        return result.get(propagate=True)

    @staticmethod
    def canvas(run_id: int, schedule: Schedule):
        """The chain of the schedule's tasks (None when it has no batch), its results joined
        by `collect` on the control queue."""
        def sig(batch: Batch):
            return signature(APPLY_BATCH, args=(run_id, batch.backend, batch.payload()),
                             queue=backend_queue(batch.backend))

        parts = [group(sig(b) for b in step) for step in schedule.shared_steps]
        if schedule.member_chains:
            parts.append(group(chain(*(sig(b) for b in ch))
                               for ch in schedule.member_chains.values()))
        parts += [group(sig(b) for b in step) for step in schedule.shared_retire_steps]
        if not parts:
            return None
        return chain(signature(COLLECT, args=([],), immutable=True, queue=CONTROL_QUEUE),
                     *parts, signature(COLLECT, queue=CONTROL_QUEUE))
