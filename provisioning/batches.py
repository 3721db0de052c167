"""Batches of an apply, and how one batch is applied and journaled, wherever it runs (in this
process or on a Celery worker: provisioning.executors).

A batch is one backend's changes at one dependency level. Applying it is idempotent: a batch
may run twice (a worker lost mid-task) and converge to the same state, because drivers treat
a repeated change as already done.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from mutualis import conf

from . import journal
from .drivers import BackendError, Driver, Outcome, TransientBackendError
from .models import ChangeRecord, Run
from .redact import scrub
from .resources import Change

log = logging.getLogger(__name__)


@dataclass
class Batch:
    backend: str
    changes: list[Change]

    def payload(self) -> list[dict]:
        return [c.to_payload() for c in self.changes]


@dataclass
class Schedule:
    """Batches in the order they may run: each step's batches may run side by side."""

    shared_steps: list[list[Batch]] = field(default_factory=list)
    member_chains: dict[str, list[Batch]] = field(default_factory=dict)
    shared_retire_steps: list[list[Batch]] = field(default_factory=list)


# ---------------------------------------------------------------------------- runs of this process

# The runs this process is applying: their drivers (so that a batch run here uses the
# caller's objects) and who wants to hear of their progress.
_LOCAL_DRIVERS: dict[int, dict[str, Driver]] = {}
_LOCAL_PROGRESS: dict[int, Callable[[int], None]] = {}


def open_local_run(run_id: int, drivers: Sequence[Driver],
                   progress: Callable[[int], None] | None = None) -> None:
    _LOCAL_DRIVERS[run_id] = {d.backend: d for d in drivers}
    if progress:
        _LOCAL_PROGRESS[run_id] = progress


def close_local_run(run_id: int) -> None:
    _LOCAL_DRIVERS.pop(run_id, None)
    _LOCAL_PROGRESS.pop(run_id, None)


def local_driver(run_id: int, backend: str) -> Driver | None:
    return _LOCAL_DRIVERS.get(run_id, {}).get(backend)


def local_run(run_id: int) -> bool:
    """The run is being applied by this process (and not closed yet)."""
    return run_id in _LOCAL_DRIVERS


def report_progress(run_id: int, count: int) -> None:
    callback = _LOCAL_PROGRESS.get(run_id)
    if callback:
        callback(count)


def run_is_open(run_id: int) -> bool:
    """A run applied in this process is open until this process closes it (no other command
    takes a live process's run for dead); a worker asks the journal."""
    return local_run(run_id) or Run.objects.filter(pk=run_id, seq__isnull=True).exists()


# ---------------------------------------------------------------------------- one batch

def merged_errors(prev) -> dict[str, str]:
    """Errors of every earlier batch, whatever shape Celery hands them over in (a result, a
    list of results from a group, nested lists from a chord)."""
    errors: dict[str, str] = {}
    stack = [prev]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            errors.update(item.get("errors", {}))
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return errors


def apply_with_retries(driver: Driver, changes: Sequence[Change]) -> tuple[list[Outcome], dict]:
    """Apply, retrying only the changes that failed transiently, with exponential backoff."""
    attempts = {c.key: 0 for c in changes}
    final: dict[str, Outcome] = {}
    todo = list(changes)
    delay = conf.MUTUALIS_RETRY_BACKOFF
    for attempt in range(1, conf.MUTUALIS_RETRY_ATTEMPTS + 1):
        for c in todo:
            attempts[c.key] = attempt
        try:
            outcomes = driver.apply(todo)
        except TransientBackendError as exc:
            outcomes = [Outcome(c.key, False, str(exc), transient=True) for c in todo]
        except BackendError as exc:
            outcomes = [Outcome(c.key, False, str(exc)) for c in todo]
        except Exception as exc:  # a bug in a driver: journal it, keep the traceback in the log
            log.exception("driver %s failed", driver.backend)
            outcomes = [Outcome(c.key, False, f"internal error in the {driver.backend} driver: "
                                f"{type(exc).__name__}: {exc}") for c in todo]
        by_key = {o.key: o for o in outcomes}
        retry = [c for c in todo if by_key[c.key].transient and not by_key[c.key].ok]
        final.update(by_key)
        if not retry or attempt == conf.MUTUALIS_RETRY_ATTEMPTS:
            break
        time.sleep(delay)
        delay *= 2
        todo = retry
    return [final[c.key] for c in changes], attempts


def journal_outcomes(run_id: int, records: list[tuple]) -> None:
    """The outcomes of a batch's changes; a run applied in this process writes them with its
    next write of the journal (provisioning.journal.write_outcomes)."""
    journal.write_outcomes(run_id, records, defer=local_run(run_id))


def apply_batch(prev, run_id: int, backend: str, payload: list[dict],
                driver_for: Callable[[int, str], Driver]) -> dict:
    """Apply one batch of one backend's changes, journaling each of them as started before the
    driver (`driver_for(run_id, backend)`) is called and with its outcome after.

    Returns the errors so far (earlier batches' and this one's): a change that depends on a
    change that failed is not attempted, and is journaled as skipped. A batch of a run that
    is already closed (its process died and a later command sealed it) is not applied.
    """
    errors = merged_errors(prev)
    changes = [Change.from_payload(p) for p in payload]
    if not run_is_open(run_id):
        log.warning("run %s is closed: batch of %s changes not applied", run_id, len(changes))
        for c in changes:
            errors[c.key] = f"not applied: run {run_id} was closed before this change started"
        return {"errors": errors}
    runnable, records = [], []
    for c in changes:
        blocked = next((d for d in c.depends_on if d in errors), None)
        if blocked:
            errors[c.key] = f"not applied: it depends on {blocked}, which failed"
            records.append((c.key, c.action, c.before, c.after, ChangeRecord.SKIPPED, 0, 0.0,
                            errors[c.key]))
        else:
            runnable.append(c)
            records.append((c.key, c.action, c.before, c.after, ChangeRecord.STARTED, 0, 0.0,
                            ""))
    driver = driver_for(run_id, backend) if runnable else None
    # Journaled before the driver is called: a kill leaves them "started".
    journal.write_records(run_id, records)
    if runnable:
        started = time.perf_counter()
        outcomes, attempts = apply_with_retries(driver, runnable)
        # Drivers pipeline a batch, so one change's own duration is not measurable: each gets
        # its share of the batch's time.
        share_ms = round((time.perf_counter() - started) * 1000 / len(runnable), 3)
        done = []
        for c, o in zip(runnable, outcomes, strict=True):
            if not o.ok:
                errors[c.key] = scrub(o.error)
            done.append((c.key, c.action, c.before, c.after,
                         ChangeRecord.OK if o.ok else ChangeRecord.FAILED, attempts[c.key],
                         share_ms, "" if o.ok else errors[c.key]))
        if run_is_open(run_id):
            journal_outcomes(run_id, done)
        else:  # sealed meanwhile: its records stay "started", the next plan shows the state
            log.warning("run %s was closed while a batch was applied", run_id)
    report_progress(run_id, len(changes))
    return {"errors": errors}
