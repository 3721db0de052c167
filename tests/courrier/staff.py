"""Members of `courrier` provisioned through the real drivers (registry, then sites), with
departments, a secrétaire and a department's agent, and clients on their hosts."""

from __future__ import annotations

from django.contrib.auth.models import Group, User

from provisioning.models import RegistryMember, RegistrySeat
from provisioning.naming import staff_group
from tests.actes.staff import host_client
from tests.factories import add_person, commune_inventory, provision

DEPARTMENTS = [{"slug": "voirie", "name": "Voirie"},
               {"slug": "comptabilite", "name": "Comptabilité"},
               {"slug": "urbanisme", "name": "Urbanisme"}]


def staff(member: RegistryMember, uid: str, roles=("agent",), departments=()) -> User:
    add_person(member, uid, roles=roles)
    RegistrySeat.objects.filter(member=member, person__uid=uid).update(
        departments=list(departments))
    user = User.objects.create_user(uid)
    user.groups.add(*Group.objects.filter(name=staff_group(member.code)))
    return user


def courrier_members() -> list[RegistryMember]:
    """Alphaville and Bravoville subscribing to courrier, with three departments each."""
    provision(commune_inventory(services=("website", "extranet", "courrier")))
    members = list(RegistryMember.objects.order_by("code")[:2])
    for m in members:
        m.departments = DEPARTMENTS
        m.save()
    return members


def clients(member: RegistryMember, prefix: str) -> dict:
    """A secrétaire, a voirie agent and an accountant of the member, logged in on its host."""
    return {"secretaire": host_client(member, staff(member, f"{prefix}sec",
                                                    ("secretaire-de-mairie",))),
            "voirie": host_client(member, staff(member, f"{prefix}voi",
                                                departments=("voirie",))),
            "compta": host_client(member, staff(member, f"{prefix}cpt",
                                                departments=("comptabilite",)))}
