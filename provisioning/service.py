"""Plan and apply an inventory: the one entry point the CLI and the Ansible modules share."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .drivers import EVERYTHING, Driver, ProvisioningError, Scope
from .engine import ApplyResult, apply_plan, load_drivers, make_plan
from .inventory import Inventory
from .resources import Plan


def load(path: str | Path, text: str | None = None) -> Inventory:
    """An inventory file (or its text, named after the file), uids kept from the registry."""
    from .loader import load_inventory, parse_inventory
    from .registry import known_uids

    if text is not None:
        return parse_inventory(text, str(path), known_uids=known_uids())
    return load_inventory(path, known_uids=known_uids())


def scope_of(inventory: Inventory, only: Iterable[str] | None) -> Scope:
    """`--only` codes: members of the inventory, or members applied before (to archive one
    that left the inventory)."""
    from .models import RegistryMember

    codes = {c.strip() for item in only or [] for c in item.split(",") if c.strip()}
    if not codes:
        return EVERYTHING
    known = {m.code for m in inventory.members}
    known |= set(RegistryMember.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = sorted(codes - known)
    if unknown:
        raise ProvisioningError(f"{inventory.path}: --only {unknown[0]}: no member has this code "
                                "in the inventory or in the registry")
    return Scope(frozenset(codes))


@dataclass
class Planned:
    inventory: Inventory
    scope: Scope
    drivers: list[Driver]
    plan: Plan

    def replan(self) -> Plan:
        return make_plan(self.inventory, self.drivers, self.scope)


def plan(inventory: Inventory, only: Iterable[str] | None = None) -> Planned:
    scope = scope_of(inventory, only)
    drivers = load_drivers(inventory)
    return Planned(inventory, scope, drivers, make_plan(inventory, drivers, scope))


def apply(planned: Planned, allow_destroy: bool = False,
          progress: Callable[[int], None] | None = None) -> ApplyResult:
    return apply_plan(planned.plan, planned.drivers, inventory=planned.inventory,
                      allow_destroy=allow_destroy, progress=progress, replan=planned.replan)


def ansible_diff(plan: Plan) -> list[dict]:
    """The plan as Ansible's --diff shows it: one before/after pair per resource."""
    return [{"before_header": c.key, "after_header": f"{c.key} ({c.action})",
             "before": c.before, "after": c.after} for c in plan.pending]
