"""Celery tasks of the GED (eager in-process unless a broker is configured), found here by
the worker's autodiscovery; each lives beside the code it runs."""

from .mirror import mirror_task
from .retention import retention_proposals

__all__ = ["mirror_task", "retention_proposals"]
