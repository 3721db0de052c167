"""Members of the register for the courrier tests: registry rows made directly."""

from __future__ import annotations

from django.contrib.auth.models import User

from provisioning.models import RegistryMember, RegistryPerson, RegistrySeat

DEPARTMENTS = (("voirie", "Voirie"), ("urbanisme", "Urbanisme"),
               ("comptabilite", "Comptabilité"))


def member(code: str = "79174", name: str = "Melle", services=("courrier",),
           departments=DEPARTMENTS) -> RegistryMember:
    """A member subscribing to `courrier`; `departments` are (slug, name) pairs."""
    slug = name.lower().replace(" ", "-")
    return RegistryMember.objects.create(
        code=code, name=name, kind="commune", slug=slug, hostname=f"{slug}.localhost",
        services=list(services),
        departments=[{"slug": s, "name": label} for s, label in departments])


def worker(member: RegistryMember, uid: str, roles=("agent",), departments=()) -> User:
    """A person of the member's staff in the registry (in these departments), and their
    Django user."""
    person = RegistryPerson.objects.create(uid=uid, email=f"{uid}@example.fr",
                                           given_name=uid[0].upper(), surname=uid[1:].title())
    RegistrySeat.objects.create(member=member, person=person, roles=list(roles),
                                departments=list(departments))
    return User.objects.get_or_create(username=uid)[0]
