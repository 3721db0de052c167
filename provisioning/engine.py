"""The engine: compile the inventory, observe the backends, plan, apply, prove convergence.

    inventory ──compile──▶ desired ─┐
    drivers.observe(scope) ─────────┴─▶ plan = diff(desired, observed) ──▶ apply ──▶ re-plan

`apply_plan` cuts the plan into batches (one backend, one dependency level) and has an
executor run them (provisioning.executors: in this process, or on Celery workers): first what
belongs to no single member (accounts shared by several members), then one chain per member,
members in parallel, then the retirement of shared resources.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.db import connections
from django.utils import timezone
from django.utils.module_loading import import_string

from mutualis import conf

from . import backends as backends_mod
from .batches import Batch, Schedule, close_local_run, open_local_run
from .diff import diff
from .drivers import EVERYTHING, Context, Driver, ProvisioningError, Scope
from .executors import executor_for
from .inventory import Inventory
from .journal import HEARTBEAT_EVERY, close_dead_runs, flush_outcomes, seal
from .models import ChangeRecord, Run
from .redact import register_secrets, scrub
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
            try:
                config = backends_mod.resolve_backend(inventory.backends[cls.backend])
            except backends_mod.EmbeddedUnavailable as exc:
                log.warning("%s; its resources are left out", exc)
                continue
            register_secrets(config, inventory.backends[cls.backend].secrets)
            drivers.append(cls(config))
    return drivers


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


def inventory_digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest() if path else ""


class _Heartbeat(threading.Thread):
    """Says the run's process is alive, every HEARTBEAT_EVERY seconds, until the run closes:
    a command on another host takes a run whose heartbeat stopped for dead."""

    def __init__(self, run_id: int):
        super().__init__(name=f"mutualis-heartbeat-{run_id}", daemon=True)
        self.run_id, self.stopped = run_id, threading.Event()

    def run(self) -> None:
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
    records = ChangeRecord.objects.not_applied(run_id)
    return {key: error or "outcome unknown: the apply stopped while this change was applied"
            for key, error in records.values_list("key", "error")}


def apply_plan(plan: Plan, drivers: Sequence[Driver], *, inventory: Inventory | None = None,
               allow_destroy: bool = False, progress: Callable[[int], None] | None = None,
               replan: Callable[[], Plan] | None = None) -> ApplyResult:
    """Carry out `plan`, journal every change, then re-plan (if given how) to prove convergence.

    The batches run in this process (threads: members in parallel, each backend within its
    concurrency limit) unless Celery has a broker, in which case workers run them
    (provisioning.executors.executor_for).

    Every run ends closed and sealed into the journal's chain: `succeeded`, `diverged`,
    `failed` (changes failed, or the apply or the re-observation raised: the result then
    says why in `error`), or `interrupted` (the process is being stopped: the exception goes
    on). Runs left open by a process that died are closed first.
    """
    check_destructive(plan, allow_destroy)
    sched = schedule(plan)
    close_dead_runs()
    path = inventory.path if inventory else ""
    run = Run.objects.create(inventory_path=path, inventory_sha256=inventory_digest(path),
                             only=list(plan.only), summary=plan.summary(), pid=os.getpid(),
                             host=socket.gethostname(), heartbeat=timezone.now())
    open_local_run(run.id, drivers, progress)
    heartbeat = _Heartbeat(run.id)
    heartbeat.start()

    def stopped(status: str, error: str, errors: dict[str, str]) -> ApplyResult:
        _flush_outcomes(run.id)  # before the seal (a return runs before the finally below)
        seal(run.id, status, error=error)
        return ApplyResult(run.id, status, plan.summary(), {**journal_errors(run.id), **errors},
                           None, error)

    try:
        try:
            results = executor_for(progress).run(run.id, sched)
        except Exception as exc:
            return stopped(Run.FAILED, f"the apply stopped: {_sentence(exc)}", {})
        finally:
            _flush_outcomes(run.id)
            close_local_run(run.id)
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
    """The outcomes the batches left to write (batches.journal_outcomes), before the run is
    sealed; if the journal cannot take them, those records stay "started"."""
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
    seal(run_id, status, pending_after=pending_after)

