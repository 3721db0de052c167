"""Proxies (pouvoirs, CGCT L2121-20).

- a member gives a proxy to another member of the same assembly;
- a member holds at most one proxy for a sitting;
- a proxy is revocable;
- a proxy is valid for at most three consecutive sittings (the illness exception is not
  modelled: three at most, always).
A proxy counts in a vote only when its holder is present and its giver is not.
"""

from __future__ import annotations

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from provisioning.models import RegistryPerson
from provisioning.people import assembly_seats

from .models import Proxy, Sitting, lock
from .rules import long_date


class ProxyRefused(Exception):
    """A proxy the law does not allow; the sentence says why."""


def _name(person: RegistryPerson) -> str:
    return f"{person.given_name} {person.surname}"


def proxies_for(sitting: Sitting) -> list[Proxy]:
    """The proxies valid at a sitting (not revoked before it started)."""
    candidates = (Proxy.objects.filter(assembly_id=sitting.assembly_id,
                                       first_sitting__starts_at__lte=sitting.starts_at)
                  .filter(models.Q(revoked_at__isnull=True)
                          | models.Q(revoked_at__gt=sitting.starts_at))
                  .select_related("giver", "holder", "first_sitting"))
    return [p for p in candidates if p.covers(sitting)]


def proxy_given_by(sitting: Sitting, giver: RegistryPerson) -> Proxy | None:
    return next((p for p in proxies_for(sitting) if p.giver_id == giver.pk), None)


def proxy_held_by(sitting: Sitting, holder: RegistryPerson) -> Proxy | None:
    return next((p for p in proxies_for(sitting) if p.holder_id == holder.pk), None)


def give(sitting: Sitting, giver: RegistryPerson, holder: RegistryPerson,
         sittings: int = 1) -> Proxy:
    """Record a proxy from `giver` to `holder`, from this sitting on for `sittings` sittings;
    a proxy the giver had for this sitting is revoked and replaced."""
    assembly = sitting.assembly
    if giver.pk == holder.pk:
        raise ProxyRefused(_("Un élu ne peut pas se donner pouvoir à lui-même."))
    if not 1 <= sittings <= Proxy.MAX_SITTINGS:
        raise ProxyRefused(_(
            "Un pouvoir ne peut être valable pour plus de trois séances consécutives "
            "(article L2121-20 du CGCT)."))
    members = {seat.person_id for seat in assembly_seats(assembly)}
    for person in (giver, holder):
        if person.pk not in members:
            raise ProxyRefused(_("%(name)s ne siège pas au %(assembly)s : un pouvoir ne peut "
                                 "être donné qu'à un autre membre de la même assemblée "
                                 "(article L2121-20 du CGCT).") % {
                "name": _name(person), "assembly": assembly.name.lower()})
    with transaction.atomic():
        lock(sitting)
        new = Proxy(assembly=assembly, giver=giver, holder=holder, first_sitting=sitting,
                    sittings=sittings)
        covered = new.covered_sittings()
        for other in covered:
            held = proxy_held_by(other, holder)
            if held is not None and held.giver_id != giver.pk:
                raise ProxyRefused(_(
                    "%(holder)s détient déjà le pouvoir de %(giver)s pour la séance du "
                    "%(day)s : un élu ne peut détenir qu'un seul pouvoir (article L2121-20 "
                    "du CGCT).") % {"holder": _name(holder), "giver": _name(held.giver),
                                    "day": long_date(other.local_start.date())})
        previous = proxy_given_by(sitting, giver)
        if previous is not None:
            revoke(previous)
        new.save()
    return new


def revoke(proxy: Proxy) -> None:
    """Revoke a proxy from now on; the sittings already held keep it."""
    if proxy.revoked_at is None:
        proxy.revoked_at = timezone.now()
        proxy.save(update_fields=["revoked_at"])
