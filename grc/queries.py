"""The lookups the views share."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Demarche
from .templates_data import ensure_demarches


def member_demarches(member) -> QuerySet[Demarche]:
    """The member's démarches, made from the shipped templates on first use."""
    found = Demarche.objects.filter(member=member)
    if not found.exists():
        ensure_demarches(member)
    return found


def online_demarches(member) -> QuerySet[Demarche]:
    return member_demarches(member).filter(active=True)
