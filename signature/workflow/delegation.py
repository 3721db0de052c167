"""Delegation: a person lets another of the same member act for them between two days."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from provisioning.models import RegistryMember, RegistryPerson

from .. import audit
from ..errors import SignatureError
from ..models import Delegation
from .people import check_member


def delegate(member: RegistryMember, delegator: RegistryPerson, delegate_to: RegistryPerson,
             start: date, end: date) -> Delegation:
    check_member(delegator, member)
    check_member(delegate_to, member)
    if end < start:
        raise SignatureError(_("Une délégation doit finir le jour où elle commence ou après."))
    if delegator == delegate_to:
        raise SignatureError(_("Une personne ne peut pas se déléguer à elle-même."))
    with transaction.atomic():
        delegation = Delegation.objects.create(member=member, delegator=delegator,
                                               delegate=delegate_to, start=start, end=end)
        audit.record(member, "delegated", delegator.uid, None, delegate=delegate_to.uid,
                     start=start.isoformat(), end=end.isoformat())
    return delegation
