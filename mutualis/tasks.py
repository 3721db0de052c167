"""The backend of Django's tasks (Wagtail's search and reference index updates): Django's
immediate backend, which can hold the tasks of a block of writes and run each distinct one once
at the end of the block (`coalesced`).

Creating and publishing a Wagtail page saves it three times (created, revision, published);
each save asks for the page's search entry and references to be rebuilt from the database.
Inside `coalesced()` they are rebuilt once, after the last save, from the same final state.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.base import TaskResult, TaskResultStatus
from django_tasks.utils import get_random_id

_pending: ContextVar[dict | None] = ContextVar("mutualis_pending_tasks", default=None)


class Backend(ImmediateBackend):
    def enqueue(self, task, args, kwargs) -> TaskResult:
        pending = _pending.get()
        if pending is None:
            return super().enqueue(task, args, kwargs)
        self.validate_task(task)
        key = (self.alias, task.module_path, json.dumps([args, kwargs], sort_keys=True,
                                                        default=str))
        if key not in pending:
            pending[key] = (self, TaskResult(
                task=task, id=get_random_id(), status=TaskResultStatus.READY,
                enqueued_at=None, started_at=None, last_attempted_at=None, finished_at=None,
                args=args, kwargs=kwargs, backend=self.alias, errors=[], worker_ids=[]))
        return pending[key][1]


@contextmanager
def coalesced() -> Iterator[None]:
    """Within this block, tasks sent to `Backend` wait, each distinct one (same task, same
    arguments) once, and run in order when the block ends without an error."""
    if _pending.get() is not None:  # an outer block runs them
        yield
        return
    pending: dict = {}
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    for backend, result in pending.values():
        backend._execute_task(result)
