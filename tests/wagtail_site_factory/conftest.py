"""Fixtures of the site factory: an inventory of communes, provisioned through the real
drivers (registry, then sites), and editors of each commune."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.contrib.auth.models import Group, User

from provisioning.engine import make_plan
from provisioning.inventory import Inventory, Person, Seat
from provisioning.naming import assign_uids, staff_group
from provisioning.registry import RegistryDriver
from tests.factories import make_inventory, make_member
from wagtail_site_factory.driver import SiteDriver

NAMES = ("Alphaville", "Bravoville")


def commune_inventory(names: tuple[str, ...] = NAMES, services=("website", "extranet"),
                      extra: tuple[str, ...] = ()) -> Inventory:
    """Communes with a maire, an adjointe, a conseiller and a secrétaire each."""
    base = make_inventory(members=0, people=0)
    members = []
    for i, name in enumerate(names + extra):
        m = make_member(f"{79100 + i:05d}", name, services=services)
        members.append(replace(m, email=f"mairie@{m.slug}.example.fr",
                               address=f"1 place de la Mairie, {name}", phone="05 49 00 00 00"))
    raw = []
    for m in members:
        for given, surname, role, title in (
                ("Sylvie", f"Maire{m.slug.title()}", "maire", ""),
                ("Paul", f"Adjoint{m.slug.title()}", "adjoint", "Adjoint aux finances"),
                ("Inès", f"Conseil{m.slug.title()}", "conseiller-municipal", ""),
                ("Zoé", f"Secretaire{m.slug.title()}", "secretaire-de-mairie", "")):
            assemblies = () if role == "secretaire-de-mairie" else ("conseil-municipal",)
            raw.append((f"{given}.{surname}@example.fr".lower(), given, surname,
                        Seat(m.code, (role,), assemblies, title)))
    uids = assign_uids((email, g, s, None) for email, g, s, _ in raw)
    people = tuple(Person(uids[email], g, s, email, (seat,)) for email, g, s, seat in raw)
    return replace(base, members=tuple(members), people=people)


def provision(inventory: Inventory) -> list:
    """Plan with the registry and site drivers, then apply each change through its driver
    (in plan order, in this thread: tests that need the engine's threads use apply_plan)."""
    drivers = {"registry": RegistryDriver(), "wagtail": SiteDriver()}
    plan = make_plan(inventory, list(drivers.values()))
    for change in plan.pending:
        outcome = drivers[change.backend].apply([change])[0]
        assert outcome.ok, outcome.error
    return plan.pending


@pytest.fixture
def inventory() -> Inventory:
    return commune_inventory()


@pytest.fixture
def sites(db, inventory):
    provision(inventory)
    return inventory


def editor_of(code: str, username: str, surname: str = "") -> User:
    user = User.objects.create_user(username, f"{username}@example.fr", "motdepasse-test",
                                    first_name=username.title(), last_name=surname)
    user.groups.add(Group.objects.get(name=staff_group(code)))
    return user


@pytest.fixture
def editor_a(sites) -> User:
    return editor_of(sites.members[0].code, "alice", "Alphaville-Rédaction")


@pytest.fixture
def editor_b(sites) -> User:
    return editor_of(sites.members[1].code, "bruno", "Bravoville-Rédaction")


@pytest.fixture
def caldav(radicale, settings):
    settings.MUTUALIS_CALDAV = radicale.settings()
    return radicale
