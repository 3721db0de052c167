"""The two executors of an apply: chosen from the settings, and the Celery one sending the
schedule's batches in order, each to its backend's queue, as tasks the workers run.

(Both executors applying and journaling for real: test_engine.py and
tests/security/test_journal.py in this process, test_celery_worker.py on a real worker.)
"""

from __future__ import annotations

from provisioning import tasks
from provisioning.batches import Batch, Schedule
from provisioning.executors import (
    APPLY_BATCH,
    COLLECT,
    CONTROL_QUEUE,
    CeleryExecutor,
    InProcessExecutor,
    executor_for,
)
from provisioning.resources import Change


def test_the_executor_is_chosen_from_the_broker_setting(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert isinstance(executor_for(), InProcessExecutor)
    settings.CELERY_TASK_ALWAYS_EAGER = False

    def progress(count):
        pass

    workers = executor_for(progress)
    assert isinstance(workers, CeleryExecutor) and workers.progress is progress


def batch(backend: str, *keys: str) -> Batch:
    return Batch(backend, [Change(key=f"{backend}.account:{k}", action="create", after={"n": k})
                           for k in keys])


def sent(sig) -> list:
    """The canvas's task signatures, depth first (the order the chain runs them in)."""
    if sig.get("task") in (APPLY_BATCH, COLLECT):
        return [sig]
    found = [s for t in sig.tasks for s in sent(t)]
    return found + (sent(sig.body) if sig.get("task") == "celery.chord" else [])


def test_the_celery_canvas_sends_the_schedule_in_order_to_each_backends_queue():
    shared = [[batch("ldap", "a"), batch("nextcloud", "a")], [batch("ldap", "b")]]
    chains = {"79142": [batch("ldap", "c"), batch("nextcloud", "c")],
              "79055": [batch("ldap", "d")]}
    retire = [[batch("ldap", "e")]]
    canvas = CeleryExecutor.canvas(7, Schedule(shared, chains, retire))

    messages = sent(canvas)
    first, *batches, last = messages
    assert (first["task"], first.args, first.immutable, first.options["queue"]) == (
        COLLECT, ([],), True, CONTROL_QUEUE)
    assert (last["task"], last.args, last.immutable, last.options["queue"]) == (
        COLLECT, (), False, CONTROL_QUEUE)
    ordered = [b for step in shared for b in step] + [b for ch in chains.values() for b in ch] \
        + [b for step in retire for b in step]
    assert [(s["task"], s.args, s.options["queue"]) for s in batches] == [
        (APPLY_BATCH, (7, b.backend, b.payload()), f"mutualis.{b.backend}") for b in ordered]
    # The same messages as the workers' own tasks would send.
    assert batches == [tasks.apply_batch.s(7, b.backend, b.payload()).set(
        queue=f"mutualis.{b.backend}") for b in ordered]
    assert (first, last) == (tasks.collect.si([]).set(queue=CONTROL_QUEUE),
                             tasks.collect.s().set(queue=CONTROL_QUEUE))


def test_an_empty_schedule_sends_nothing():
    assert CeleryExecutor.canvas(7, Schedule()) is None
    assert CeleryExecutor().run(7, Schedule()) == []
