"""The provisioning journal: how changes are written to it, how a run is sealed into its hash
chain, how dead runs are closed, and how `mutualis runs --verify` checks the chain.

- Every change is journaled before it is applied (outcome `started`) and its outcome after
  (`ok`, `failed`); a change never attempted is journaled `skipped`. Each record carries the
  digest of its own fields (and of its run's id), so a record edited afterwards is named.
- Every run ends closed and sealed, in the order runs close: `seq` counts the seals, `previous`
  is the digest of the run sealed just before, and the digest covers the run's fields, the
  number and the id range of its records, and every record. A run whose process died is
  closed `interrupted` by the next command that opens a run (or by `mutualis runs`).
- `verify()` walks the chain in seal order and names each run and each record that was
  forged, deleted or inserted.

The chain has no secret: someone able to rewrite the database and recompute every later
digest can rewrite history. Keep the last seal printed by `runs --verify` elsewhere (a log, a
ticket) to anchor it.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from .models import ChangeRecord, Run

# A run on another host whose heartbeat is older than this is taken for dead.
STALE_AFTER = timedelta(minutes=10)
HEARTBEAT_EVERY = 60.0  # seconds


def record_digest(run_id: int, key: str, action: str, before, after, outcome: str,
                  attempts: int, duration_ms: float, error: str) -> str:
    return hashlib.sha256(json.dumps(
        [run_id, key, action, before, after, outcome, attempts, duration_ms, error],
        sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def digest_of(record) -> str:
    """A stored record's digest, recomputed from its fields."""
    return record_digest(record.run_id, record.key, record.action, record.before, record.after,
                         record.outcome, record.attempts, record.duration_ms, record.error)


def _when(dt: datetime | None) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") if dt else ""


def run_digest(run, record_digests: Iterable[str] | None = None) -> str:
    """A sealed run's digest: the previous seal, the run's own fields, how many records it
    holds and their id range, then every record's stored digest, in id order (`verify`
    checks each stored digest against its record's fields, and passes the digests it read)."""
    h = hashlib.sha256(run.previous.encode())
    h.update(json.dumps([run.seq, run.id, run.inventory_path, run.inventory_sha256, run.only,
                         run.status, run.summary, run.pending_after, run.error,
                         _when(run.started_at), _when(run.finished_at), run.change_count,
                         run.first_change, run.last_change], sort_keys=True,
                        ensure_ascii=False).encode())
    if record_digests is None:
        record_digests = run.changes.order_by("id").values_list("digest", flat=True).iterator(
            chunk_size=5000)
    for digest in record_digests:
        h.update(digest.encode())
    return h.hexdigest()


def legacy_digest(previous: str, run) -> str:
    """The digest of runs sealed before seal version 2 (kept as they were: recomputing them
    would launder whatever was changed in them)."""
    h = hashlib.sha256(previous.encode())
    h.update(json.dumps([run.id, run.inventory_sha256, run.only, run.status, run.summary,
                         run.error], sort_keys=True).encode())
    rows = run.changes.order_by("key", "id").values_list(*ChangeRecord.LEGACY_DIGESTED)
    for row in rows.iterator(chunk_size=5000):
        h.update(json.dumps(row, sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()


# ---------------------------------------------------------------------------- writing records

_SQLITE_WRITES = threading.Lock()


def _writing():
    """SQLite takes one writer at a time and makes the others sleep and retry: in one process,
    queueing the threads on a lock is faster than their retries."""
    return _SQLITE_WRITES if connection.vendor == "sqlite" else nullcontext()


# In this process with SQLite, a batch's outcomes wait for the next write of the run's journal
# (the next batch's insert, or the end of the apply): SQLite takes one writer at a time, and
# one transaction per batch instead of two keeps the threads from queueing on it. A kill
# meanwhile leaves those records "started", outcome unknown, which is the truth.
_DEFERRED: dict[int, list[list]] = {}
_DEFERRED_LOCK = threading.Lock()


def _take_deferred(run_id: int) -> list[list]:
    with _DEFERRED_LOCK:
        return _DEFERRED.pop(run_id, [])


def write_records(run_id: int, records: list[tuple]) -> None:
    """Journal changes (key, action, before, after, outcome, attempts, duration_ms, error),
    each with its digest, in one statement, with the outcomes of earlier batches still
    waiting. A record already there (a batch run again after its worker was lost) is kept."""
    if not records:
        return
    rows = [(*record, record_digest(run_id, *record)) for record in records]
    with _writing(), transaction.atomic():
        ChangeRecord.objects.update_outcomes(run_id, _take_deferred(run_id))
        ChangeRecord.objects.insert_rows(run_id, rows)


def write_outcomes(run_id: int, records: list[tuple], *, defer: bool = False) -> None:
    """The outcomes of changes journaled as started: (key, action, before, after, outcome,
    attempts, duration_ms, error), each with its new digest. With `defer` (a run applied in
    this process) and SQLite, they wait for the run's next write (see _DEFERRED)."""
    if not records:
        return
    rows = [[key, outcome, attempts, duration, error,
             record_digest(run_id, key, action, before, after, outcome, attempts, duration,
                           error)]
            for key, action, before, after, outcome, attempts, duration, error in records]
    if defer and connection.vendor == "sqlite":
        with _DEFERRED_LOCK:
            _DEFERRED.setdefault(run_id, []).extend(rows)
        return
    with _writing(), transaction.atomic():
        ChangeRecord.objects.update_outcomes(run_id, rows)


def flush_outcomes(run_id: int) -> None:
    """Write the outcomes still waiting (the end of an apply in this process)."""
    rows = _take_deferred(run_id)
    if rows:
        with _writing(), transaction.atomic():
            ChangeRecord.objects.update_outcomes(run_id, rows)


# ---------------------------------------------------------------------------- closing runs

def seal(run_id: int, status: str, *, error: str = "", pending_after: int | None = None):
    """Close a run and seal it at the end of the chain. A run already sealed stays as it was
    (a run is sealed once). Two processes sealing at once cannot fork the chain: `seq` is
    unique, and the loser seals again after the winner."""
    for _ in range(20):
        try:
            with transaction.atomic():
                run = Run.objects.select_for_update().get(pk=run_id)
                if run.seq is not None:
                    return run
                last = Run.objects.filter(seq__isnull=False).order_by("-seq").first()
                run.seq = last.seq + 1 if last else 1
                run.previous = last.digest if last else ""
                run.status, run.pending_after = status, pending_after
                run.error = error[:2000]
                run.finished_at = timezone.now()
                agg = run.changes.aggregate(n=Count("id"), lo=Min("id"), hi=Max("id"))
                run.change_count, run.first_change, run.last_change = (
                    agg["n"], agg["lo"], agg["hi"])
                run.seal_version = 2
                run.digest = run_digest(run)
                run.save()
                return run
        except IntegrityError:  # another process took this seq: seal after it
            continue
    raise RuntimeError(f"run {run_id} could not be sealed: the journal is too busy")


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_dead(run, now: datetime | None = None) -> bool:
    """A running run's process is gone: its pid is not alive on this host, or (another host,
    or a run that never recorded its process) its heartbeat is older than STALE_AFTER."""
    if run.host == socket.gethostname() and run.pid:
        return not process_alive(run.pid)
    last = run.heartbeat or run.started_at
    return last is None or (now or timezone.now()) - last > STALE_AFTER


def close_dead_runs() -> list[int]:
    """Close and seal every run that can no longer close itself: a running run whose process
    died (`interrupted`), and a run that an older version left `crashed` and unsealed. (A run
    of another status without a seal is not sealed here: `verify` reports it.)"""
    closed = []
    now = timezone.now()
    unsealed = Run.objects.filter(seq__isnull=True, status__in=[Run.RUNNING, Run.CRASHED])
    for run in unsealed.order_by("id"):
        if run.status == Run.RUNNING:
            if not is_dead(run, now):
                continue
            seal(run.id, Run.INTERRUPTED,
                 error=f"interrupted: its process ({run.pid or 'unknown'} on "
                       f"{run.host or 'an unknown host'}) stopped before the run closed; "
                       "changes journaled as started have an unknown outcome",
                 pending_after=None)
        else:
            seal(run.id, run.status, error=run.error, pending_after=run.pending_after)
        closed.append(run.id)
    return closed


# ---------------------------------------------------------------------------- verifying

@dataclass
class Problem:
    run_id: int
    record_id: int | None
    sentence: str


def verify() -> tuple[list[Problem], int, str]:
    """Walk the chain in seal order. Returns the problems found (each naming its run and,
    where it is one record, that record), the number of sealed runs and the last seal."""
    problems: list[Problem] = []
    previous, expected, count = "", 1, 0
    for run in Run.objects.filter(seq__isnull=False).order_by("seq").iterator():
        count += 1
        if run.seq != expected:
            missing = (f"run sealed #{expected}" if run.seq == expected + 1
                       else f"runs sealed #{expected} to #{run.seq - 1}")
            problems.append(Problem(run.id, None, f"run {run.id} (sealed #{run.seq}): the "
                                    f"{missing} before it was deleted"))
        if run.previous != previous:
            problems.append(Problem(run.id, None, f"run {run.id} (sealed #{run.seq}) does not "
                                    "follow the run sealed before it: a run was inserted, "
                                    "deleted or altered before it"))
        if run.seal_version == 1:
            if legacy_digest(run.previous, run) != run.digest:
                problems.append(Problem(run.id, None, f"run {run.id} (sealed #{run.seq}) no "
                                        "longer matches its digest: it or one of its records "
                                        "was altered"))
        else:
            found, digests = _check_records(run)
            problems += found
            if run_digest(run, digests) != run.digest:
                problems.append(Problem(run.id, None, f"run {run.id} (sealed #{run.seq}) no "
                                        "longer matches its seal"))
        previous, expected = run.digest, run.seq + 1
    for run in Run.objects.filter(seq__isnull=True).exclude(status=Run.RUNNING):
        problems.append(Problem(run.id, None, f"run {run.id} is {run.status} but was never "
                                "sealed"))
    return problems, count, previous


def _check_records(run) -> tuple[list[Problem], list[str]]:
    """Each record against its own digest, and the run's records against the count and id
    range its seal holds: a record forged, moved in from another run, inserted or deleted.
    Also the records' stored digests, in id order, for the run's seal (one read of them)."""
    problems, ids, digests = [], [], []
    for rec in run.changes.order_by("id").iterator(chunk_size=5000):
        ids.append(rec.id)
        digests.append(rec.digest)
        inside = (run.first_change is not None and run.first_change <= rec.id <= run.last_change)
        if not inside:
            problems.append(Problem(run.id, rec.id, f"run {run.id}: record {rec.id} "
                                    f"({rec.key}) was inserted after the run was sealed"))
        elif rec.digest != digest_of(rec):
            problems.append(Problem(run.id, rec.id, f"run {run.id}: record {rec.id} "
                                    f"({rec.key}) was altered after it was journaled"))
    if len(ids) < run.change_count and run.first_change is not None:
        present = set(ChangeRecord.objects.filter(
            id__gte=run.first_change, id__lte=run.last_change).values_list("id", flat=True))
        gone = [i for i in range(run.first_change, run.last_change + 1) if i not in present]
        named = ", ".join(str(i) for i in gone[:10]) + (" …" if len(gone) > 10 else "")
        problems.append(Problem(run.id, gone[0] if gone else None,
                                f"run {run.id}: {run.change_count - len(ids)} of its "
                                f"{run.change_count} records were deleted"
                                + (f" (record {named})" if gone else "")))
    elif len(ids) > run.change_count and not any(p.record_id for p in problems):
        problems.append(Problem(run.id, None, f"run {run.id}: it holds {len(ids)} records, "
                                f"its seal says {run.change_count}: records were inserted"))
    return problems, digests
