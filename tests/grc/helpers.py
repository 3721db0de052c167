"""Helpers of the GRC tests, shared with the isolation matrix (tests/security/): the services
of a member that takes citizens' requests, and a member's staff on its host (the same as the
acts' tests use)."""

from __future__ import annotations

from tests.actes.staff import host_client, staff_user

GRC = ("website", "extranet", "grc")

__all__ = ["GRC", "host_client", "staff_user"]
