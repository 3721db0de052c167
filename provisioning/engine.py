"""The engine: compile the inventory, observe the backends, plan, apply, prove convergence.

    inventory ──compile──▶ desired ─┐
    drivers.observe(scope) ─────────┴─▶ plan = diff(desired, observed) ──▶ apply ──▶ re-plan

`apply_plan` cuts the plan into batches (one backend, one dependency level) and runs them as
Celery tasks: first what belongs to no single member (accounts shared by several members),
then one chain per member, members in parallel, then the retirement of shared resources.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone
from django.utils.module_loading import import_string

from mutualis import conf

from . import backends as backends_mod
from .diff import diff
from .drivers import EVERYTHING, Context, Driver, ProvisioningError, Scope
from .inventory import Inventory
from .resources import RETIRING, Change, Observed, Plan, Resource

BATCH_SIZE = 500

log = logging.getLogger(__name__)


class DestructivePlanError(ProvisioningError):
    pass


# ---------------------------------------------------------------------------- drivers

def driver_classes() -> list[type]:
    return [import_string(path) for path in conf.MUTUALIS_DRIVERS]


def load_drivers(inventory: Inventory) -> list[Driver]:
    """One driver per configured backend, in the order of settings.MUTUALIS_DRIVERS.

    A driver that `requires_backend` whose backend the inventory does not declare is left
    out: a syndicate without Nextcloud simply has no Nextcloud resources.
    """
    drivers = []
    for cls in driver_classes():
        if not cls.requires_backend:
            drivers.append(cls({}))
        elif cls.backend in inventory.backends:
            config = backends_mod.resolve_backend(inventory.backends[cls.backend])
            register_secrets(config, inventory.backends[cls.backend].secrets)
            drivers.append(cls(config))
    return drivers


# Secret values resolved in this process: scrubbed from every error message we journal.
_SECRETS: set[str] = set()


def register_secrets(config: dict, secret_names: Iterable[str]) -> None:
    for name in list(secret_names) + ["bind_password", "password", "admin_password"]:
        value = config.get(name)
        if isinstance(value, str) and len(value) >= 4:
            _SECRETS.add(value)


def scrub(message: str) -> str:
    for secret in _SECRETS:
        message = message.replace(secret, "********")
    return message


# ---------------------------------------------------------------------------- plan

def compile_desired(inventory: Inventory, drivers: Sequence[Driver],
                    context: Context) -> dict[str, Resource]:
    """Every driver's desired resources; each driver probes its server first, once per
    context (a plan), so that desired() itself never touches the network."""
    desired: dict[str, Resource] = {}
    for driver in drivers:
        if driver.backend not in context.probed:
            driver.probe(context)
        for res in driver.desired(inventory, context):
            if res.key in desired:
                raise ProvisioningError(f"two resources have the same key {res.key}")
            desired[res.key] = res
    return desired


def observe(drivers: Sequence[Driver], scope: Scope) -> dict[str, Observed]:
    """Every backend observed in bulk; backends in parallel (they are independent)."""
    def observe_one(driver: Driver) -> list[Observed]:
        try:
            return list(driver.observe(scope))
        finally:
            connections.close_all()  # this pool thread's own connections: none may linger

    with ThreadPoolExecutor(max_workers=max(1, len(drivers))) as pool:
        results = list(pool.map(observe_one, drivers))
    return {obs.key: obs for batch in results for obs in batch}


def make_plan(inventory: Inventory, drivers: Sequence[Driver], scope: Scope = EVERYTHING,
              context: Context | None = None) -> Plan:
    context = context or Context()
    desired = compile_desired(inventory, drivers, context)
    observed = observe(drivers, scope)
    return diff(desired, observed, {d.backend: d for d in drivers}, scope)


def check_destructive(plan: Plan, allow_destroy: bool) -> None:
    share = plan.destructive_share()
    if share > conf.MUTUALIS_DESTROY_THRESHOLD and not allow_destroy:
        retiring = sum(1 for c in plan.changes if c.action in RETIRING)
        raise DestructivePlanError(
            f"the plan would disable or archive {retiring} of the {plan.observed_count} "
            f"existing resources ({share:.0%}), more than the "
            f"{conf.MUTUALIS_DESTROY_THRESHOLD:.0%} allowed: check the inventory, and pass "
            "--allow-destroy if this is intended")


# ---------------------------------------------------------------------------- apply

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


def _steps(changes: list[Change]) -> list[list[Batch]]:
    """Group changes by (level, backend) in plan order, each group cut into batches."""
    groups: dict[tuple[int, str], list[Change]] = defaultdict(list)
    for c in changes:
        groups[(c.level, c.backend)].append(c)
    return [[Batch(backend, chunk[i:i + BATCH_SIZE]) for i in range(0, len(chunk), BATCH_SIZE)]
            for (_, backend), chunk in groups.items()]


def schedule(plan: Plan) -> Schedule:
    shared = [c for c in plan.pending if len(c.members) != 1]
    mine: dict[str, list[Change]] = defaultdict(list)
    for c in plan.pending:
        if len(c.members) == 1:
            mine[next(iter(c.members))].append(c)
    member_keys = {c.key for cs in mine.values() for c in cs}
    for c in shared:
        wrong = [d for d in c.depends_on if d in member_keys]
        if wrong and c.action not in RETIRING:
            raise ProvisioningError(
                f"{c.key} is shared by several members but depends on {wrong[0]}, which belongs "
                "to one member: a driver must not order things this way")
    return Schedule(
        shared_steps=_steps([c for c in shared if c.action not in RETIRING]),
        member_chains={code: [b for step in _steps(cs) for b in step]
                       for code, cs in sorted(mine.items())},
        shared_retire_steps=_steps([c for c in shared if c.action in RETIRING]),
    )


@dataclass
class ApplyResult:
    run_id: int
    status: str
    summary: dict
    errors: dict[str, str]
    pending_after: int | None
    error: str = ""  # why the run stopped short (the backends could not be re-observed, ...)


# Drivers of runs executed in this process, so that eager tasks use the caller's objects.
_LOCAL_DRIVERS: dict[int, dict[str, Driver]] = {}
_LOCAL_PROGRESS: dict[int, Callable[[int], None]] = {}


def local_driver(run_id: int, backend: str) -> Driver | None:
    return _LOCAL_DRIVERS.get(run_id, {}).get(backend)


def local_run(run_id: int) -> bool:
    """The run is being applied by this process (and not closed yet)."""
    return run_id in _LOCAL_DRIVERS


def report_progress(run_id: int, count: int) -> None:
    callback = _LOCAL_PROGRESS.get(run_id)
    if callback:
        callback(count)


def inventory_digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest() if path else ""


class _Heartbeat(threading.Thread):
    """Says the run's process is alive, every HEARTBEAT_EVERY seconds, until the run closes:
    a command on another host takes a run whose heartbeat stopped for dead."""

    def __init__(self, run_id: int):
        super().__init__(name=f"mutualis-heartbeat-{run_id}", daemon=True)
        self.run_id, self.stopped = run_id, threading.Event()

    def run(self) -> None:
        from .journal import HEARTBEAT_EVERY
        from .models import Run

        try:
            while not self.stopped.wait(HEARTBEAT_EVERY):
                Run.objects.filter(pk=self.run_id, seq__isnull=True).update(
                    heartbeat=timezone.now())
        except Exception:
            log.exception("run %s: heartbeat stopped", self.run_id)
        finally:
            connections.close_all()  # this thread's own connections

    def stop(self) -> None:
        self.stopped.set()


def journal_errors(run_id: int) -> dict[str, str]:
    """The changes of a run that were not applied, as the journal holds them: failed,
    skipped, or started with no outcome (the run stopped while they were applied)."""
    from .models import ChangeRecord

    records = ChangeRecord.objects.filter(run_id=run_id).exclude(outcome=ChangeRecord.OK)
    return {key: error or "outcome unknown: the apply stopped while this change was applied"
            for key, error in records.values_list("key", "error")}


def apply_plan(plan: Plan, drivers: Sequence[Driver], *, inventory: Inventory | None = None,
               allow_destroy: bool = False, progress: Callable[[int], None] | None = None,
               replan: Callable[[], Plan] | None = None) -> ApplyResult:
    """Carry out `plan`, journal every change, then re-plan (if given how) to prove convergence.

    Runs the tasks eagerly in this process (threads: members in parallel, each backend within
    its concurrency limit) unless Celery has a broker, in which case workers run them.

    Every run ends closed and sealed into the journal's chain: `succeeded`, `diverged`,
    `failed` (changes failed, or the apply or the re-observation raised: the result then
    says why in `error`), or `interrupted` (the process is being stopped: the exception goes
    on). Runs left open by a process that died are closed first.
    """
    from .journal import close_dead_runs, seal
    from .models import Run

    check_destructive(plan, allow_destroy)
    sched = schedule(plan)
    close_dead_runs()
    path = inventory.path if inventory else ""
    run = Run.objects.create(inventory_path=path, inventory_sha256=inventory_digest(path),
                             only=list(plan.only), summary=plan.summary(), pid=os.getpid(),
                             host=socket.gethostname(), heartbeat=timezone.now())
    _LOCAL_DRIVERS[run.id] = {d.backend: d for d in drivers}
    if progress:
        _LOCAL_PROGRESS[run.id] = progress
    heartbeat = _Heartbeat(run.id)
    heartbeat.start()

    def stopped(status: str, error: str, errors: dict[str, str]) -> ApplyResult:
        _flush_outcomes(run.id)  # before the seal (a return runs before the finally below)
        seal(run.id, status, error=error)
        return ApplyResult(run.id, status, plan.summary(), {**journal_errors(run.id), **errors},
                           None, error)

    try:
        try:
            if settings.CELERY_TASK_ALWAYS_EAGER:
                results = _run_in_process(run.id, sched)
            else:
                results = _run_on_workers(run.id, sched, progress)
        except Exception as exc:
            return stopped(Run.FAILED, f"the apply stopped: {_sentence(exc)}", {})
        finally:
            _flush_outcomes(run.id)
            _LOCAL_DRIVERS.pop(run.id, None)
            _LOCAL_PROGRESS.pop(run.id, None)
        errors = {}
        for r in results:
            errors.update(r["errors"])
        try:
            pending_after = len(replan().pending) if replan else None
        except Exception as exc:
            return stopped(Run.FAILED, "the apply finished but the backends could not be "
                           f"observed again: {_sentence(exc)}", errors)
        status = Run.FAILED if errors else (
            Run.DIVERGED if pending_after else Run.SUCCEEDED)
        seal(run.id, status, pending_after=pending_after)
        return ApplyResult(run.id, status, plan.summary(), errors, pending_after)
    except BaseException as exc:  # the process is being stopped: close the run, let it go on
        try:
            seal(run.id, Run.INTERRUPTED, error=f"interrupted: {_sentence(exc)}")
        except Exception:
            log.exception("run %s could not be closed", run.id)
        raise
    finally:
        heartbeat.stop()
        close_drivers(drivers)


def close_drivers(drivers: Iterable[Driver]) -> None:
    """Close the clients the drivers built: an apply (and its re-plan) is over. A driver
    used again builds a new client."""
    for driver in drivers:
        try:
            driver.close()
        except Exception:
            log.exception("the %s driver could not be closed", driver.backend)


def _flush_outcomes(run_id: int) -> None:
    """The outcomes the batches left to write (tasks.journal_outcomes), before the run is
    sealed; if the journal cannot take them, those records stay "started"."""
    from .tasks import flush_outcomes

    try:
        flush_outcomes(run_id)
    except Exception:
        log.exception("run %s: outcomes could not be journaled", run_id)


def _sentence(exc: BaseException) -> str:
    text = scrub(str(exc))
    if isinstance(exc, ProvisioningError) and text:
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def finish_run(run_id: int, status: str, pending_after: int | None) -> None:
    """Close and seal a run (provisioning.journal.seal)."""
    from .journal import seal

    seal(run_id, status, pending_after=pending_after)


def _run_in_process(run_id: int, sched: Schedule) -> list[dict]:
    from .tasks import apply_batch

    limits = {b: threading.BoundedSemaphore(n)
              for b, n in conf.MUTUALIS_BACKEND_CONCURRENCY.items()}
    default_limit = threading.BoundedSemaphore(4)

    def run_batch(prev: list[dict], batch: Batch) -> dict:
        try:
            with limits.get(batch.backend, default_limit):
                return apply_batch.apply(
                    args=(prev, run_id, batch.backend, batch.payload())).get()
        finally:
            connections.close_all()  # this pool thread's own connections: none may linger

    def run_steps(prev: list[dict], steps: list[list[Batch]], pool) -> list[dict]:
        results = list(prev)
        for step in steps:
            results += list(pool.map(lambda b, seen=list(results): run_batch(seen, b), step))
        return results

    def run_chain(prev: list[dict], chain: list[Batch]) -> list[dict]:
        results = list(prev)
        for batch in chain:
            results.append(run_batch(results, batch))
        return results[len(prev):]

    workers = max(2, sum(conf.MUTUALIS_BACKEND_CONCURRENCY.values()))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        shared = run_steps([], sched.shared_steps, pool)
        chains = list(pool.map(lambda ch: run_chain(shared, ch), sched.member_chains.values()))
        done = shared + [r for chain in chains for r in chain]
        return run_steps(done, sched.shared_retire_steps, pool)


def _run_on_workers(run_id: int, sched: Schedule,
                    progress: Callable[[int], None] | None) -> list[dict]:
    """The same tasks as a Celery canvas: shared steps, then member chains in a group, then
    shared retirements. Each task routes to its backend's queue (`mutualis.<backend>`), whose
    worker concurrency is that backend's limit."""
    from celery import chain, group

    from .models import ChangeRecord
    from .tasks import apply_batch, collect

    def sig(batch: Batch):
        return apply_batch.s(run_id, batch.backend, batch.payload()).set(
            queue=f"mutualis.{batch.backend}")

    parts = [group(sig(b) for b in step) for step in sched.shared_steps]
    if sched.member_chains:
        parts.append(group(chain(*(sig(b) for b in ch)) for ch in sched.member_chains.values()))
    parts += [group(sig(b) for b in step) for step in sched.shared_retire_steps]
    if not parts:
        return []
    result = chain(collect.si([]).set(queue="mutualis.control"), *parts,
                   collect.s().set(queue="mutualis.control")).apply_async()
    while not result.ready():
        if progress:
            progress(ChangeRecord.objects.filter(run_id=run_id).exclude(
                outcome=ChangeRecord.STARTED).count())
        time.sleep(0.2)
    return result.get(propagate=True)
