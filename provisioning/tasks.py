"""The Celery tasks of the apply, as the workers run them (provisioning.executors sends them by
name). A task applies one batch (provisioning.batches.apply_batch) with the drivers of the
run, rebuilt from its inventory on a worker."""

from __future__ import annotations

from functools import lru_cache

from celery import shared_task

from . import batches
from .drivers import Driver, ProvisioningError
from .engine import inventory_digest, load_drivers
from .executors import APPLY_BATCH, COLLECT
from .loader import load_inventory
from .models import Run
from .registry import known_uids


@lru_cache(maxsize=8)
def _worker_drivers(run_id: int) -> dict[str, Driver]:
    """On a worker: rebuild the drivers from the run's inventory (same file, same digest)."""
    run = Run.objects.get(pk=run_id)
    if inventory_digest(run.inventory_path) != run.inventory_sha256:
        raise ProvisioningError(
            f"{run.inventory_path} changed since it was planned: plan and apply again")
    inventory = load_inventory(run.inventory_path, known_uids=known_uids())
    return {d.backend: d for d in load_drivers(inventory)}


def driver_for(run_id: int, backend: str) -> Driver:
    """The caller's driver when the run is applied in this process, else the worker's own."""
    return batches.local_driver(run_id, backend) or _worker_drivers(run_id)[backend]


@shared_task(name=APPLY_BATCH, acks_late=True)
def apply_batch(prev, run_id: int, backend: str, payload: list[dict]) -> dict:
    """Apply one batch (provisioning.batches.apply_batch). Idempotent: a batch run twice (a
    worker lost mid-task) converges to the same state."""
    return batches.apply_batch(prev, run_id, backend, payload, driver_for)


@shared_task(name=COLLECT)
def collect(prev) -> list[dict]:
    """Join the results of a canvas into one list."""
    return [{"errors": batches.merged_errors(prev)}]
