"""Celery tasks of the apply. Idempotent: a batch may run twice (a worker lost mid-task) and
converge to the same state, because drivers treat a repeated change as already done."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from contextlib import nullcontext
from functools import lru_cache

from celery import shared_task
from django.db import connection, transaction
from django.utils import timezone

from mutualis import conf

from .drivers import BackendError, Driver, Outcome, ProvisioningError, TransientBackendError
from .resources import Change

log = logging.getLogger(__name__)


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


@lru_cache(maxsize=8)
def _worker_drivers(run_id: int) -> dict[str, Driver]:
    """On a worker: rebuild the drivers from the run's inventory (same file, same digest)."""
    from .engine import inventory_digest, load_drivers
    from .loader import load_inventory
    from .models import Run
    from .registry import known_uids

    run = Run.objects.get(pk=run_id)
    if inventory_digest(run.inventory_path) != run.inventory_sha256:
        raise ProvisioningError(
            f"{run.inventory_path} changed since it was planned: plan and apply again")
    inventory = load_inventory(run.inventory_path, known_uids=known_uids())
    return {d.backend: d for d in load_drivers(inventory)}


def driver_for(run_id: int, backend: str) -> Driver:
    from .engine import local_driver

    return local_driver(run_id, backend) or _worker_drivers(run_id)[backend]


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


_SQLITE_WRITES = threading.Lock()


def _writing():
    """SQLite takes one writer at a time and makes the others sleep and retry: in one process,
    queueing the threads on a lock is faster than their retries."""
    return _SQLITE_WRITES if connection.vendor == "sqlite" else nullcontext()


def journal(run_id: int, records: list[tuple]) -> None:
    """Insert change records (key, action, before, after, outcome, attempts, duration_ms,
    error) in one statement, each with its digest. A plain INSERT: the ORM's bulk_create
    costs more per row than the changes of a fast backend (an LDAP add) take to apply. A
    record already there (a batch run again after its worker was lost) is kept."""
    from .journal import record_digest
    from .models import ChangeRecord

    if not records:
        return
    quote = connection.ops.quote_name
    columns = ("run_id", "key", "action", "before", "after", "outcome", "attempts",
               "duration_ms", "error", "at", "digest")
    sql = (f"INSERT INTO {quote(ChangeRecord._meta.db_table)} "
           f"({', '.join(quote(c) for c in columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
           " ON CONFLICT DO NOTHING")
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [(run_id, key, action, json.dumps(before), json.dumps(after), outcome, attempts,
             duration, error, at,
             record_digest(run_id, key, action, before, after, outcome, attempts, duration, error))
            for key, action, before, after, outcome, attempts, duration, error in records]
    with _writing(), transaction.atomic(), connection.cursor() as cursor:
        _write_outcomes(cursor, run_id, _take_deferred(run_id))  # earlier batches' outcomes
        cursor.executemany(sql, rows)


OUTCOMES_PER_STATEMENT = 1000  # 6 parameters each: well under SQLite's 32,766

# In this process with SQLite, a batch's outcomes wait for the next write of the run's journal
# (the next batch's insert, or the end of the apply): SQLite takes one writer at a time, and
# one transaction per batch instead of two keeps the threads from queueing on it. A kill
# meanwhile leaves those records "started", outcome unknown, which is the truth.
_DEFERRED: dict[int, list[list]] = {}
_DEFERRED_LOCK = threading.Lock()


def _outcome_rows(run_id: int, records: list[tuple]) -> list[list]:
    from .journal import record_digest

    return [[key, outcome, attempts, duration, error,
             record_digest(run_id, key, action, before, after, outcome, attempts, duration,
                           error)]
            for key, action, before, after, outcome, attempts, duration, error in records]


def _write_outcomes(cursor, run_id: int, rows: list[list]) -> None:
    """One UPDATE ... FROM statement per thousand records (PostgreSQL, SQLite >= 3.33)."""
    from .models import ChangeRecord

    quote = connection.ops.quote_name
    table = quote(ChangeRecord._meta.db_table)
    cast = "::integer" if connection.vendor == "postgresql" else ""
    for start in range(0, len(rows), OUTCOMES_PER_STATEMENT):
        chunk = rows[start:start + OUTCOMES_PER_STATEMENT]
        values = ", ".join([f"(%s, %s, %s{cast}, %s, %s, %s)"] * len(chunk))
        cursor.execute(
            f"WITH v(k, o, a, d, e, g) AS (VALUES {values}) "
            f"UPDATE {table} SET {quote('outcome')} = v.o, {quote('attempts')} = v.a, "
            f"{quote('duration_ms')} = v.d, {quote('error')} = v.e, {quote('digest')} = v.g "
            f"FROM v WHERE {table}.{quote('run_id')} = %s AND {table}.{quote('key')} = v.k",
            [value for row in chunk for value in row] + [run_id])


def _take_deferred(run_id: int) -> list[list]:
    with _DEFERRED_LOCK:
        return _DEFERRED.pop(run_id, [])


def journal_outcomes(run_id: int, records: list[tuple]) -> None:
    """The outcomes of changes journaled as started: (key, action, before, after, outcome,
    attempts, duration_ms, error), each with its new digest."""
    from .engine import local_run

    if not records:
        return
    rows = _outcome_rows(run_id, records)
    if connection.vendor == "sqlite" and local_run(run_id):
        with _DEFERRED_LOCK:
            _DEFERRED.setdefault(run_id, []).extend(rows)
        return
    with _writing(), transaction.atomic(), connection.cursor() as cursor:
        _write_outcomes(cursor, run_id, rows)


def flush_outcomes(run_id: int) -> None:
    """Write the outcomes still waiting (the end of an apply in this process)."""
    rows = _take_deferred(run_id)
    if rows:
        with _writing(), transaction.atomic(), connection.cursor() as cursor:
            _write_outcomes(cursor, run_id, rows)


def run_is_open(run_id: int) -> bool:
    """A run applied in this process is open until this process closes it (no other command
    takes a live process's run for dead); a worker asks the journal."""
    from .engine import local_run
    from .models import Run

    return local_run(run_id) or Run.objects.filter(pk=run_id, seq__isnull=True).exists()


@shared_task(name="mutualis.apply_batch", acks_late=True)
def apply_batch(prev, run_id: int, backend: str, payload: list[dict]) -> dict:
    """Apply one batch of one backend's changes, journaling each of them as started before the
    driver is called and with its outcome after.

    Returns the errors so far (earlier batches' and this one's): a change that depends on a
    change that failed is not attempted, and is journaled as skipped. A batch of a run that
    is already closed (its process died and a later command sealed it) is not applied.
    """
    from .engine import report_progress, scrub
    from .models import ChangeRecord

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
    journal(run_id, records)  # before the driver is called: a kill leaves them "started"
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


@shared_task(name="mutualis.collect")
def collect(prev) -> list[dict]:
    """Join the results of a canvas into one list."""
    return [{"errors": merged_errors(prev)}]
