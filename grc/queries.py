"""The lookups the views share."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Demarche
from .templates_data import ensure_demarches, missing_templates


def member_demarches(member) -> QuerySet[Demarche]:
    """The member's démarches, made from the shipped templates on first use."""
    if missing_templates(member):
        ensure_demarches(member)
    return Demarche.objects.filter(member=member)


def online_demarches(member) -> QuerySet[Demarche]:
    return member_demarches(member).filter(active=True)
