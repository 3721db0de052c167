"""The démarches the syndicate ships (grc/data/demarches.json) and their instantiation for a
member: each member gets its own copy, which its staff then adjust."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path

from django.db import transaction

from .models import Demarche

DATA = Path(__file__).resolve().parent / "data" / "demarches.json"


@cache
def _shipped() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def templates() -> list[dict]:
    return copy.deepcopy(_shipped()["demarches"])


def workflow() -> list[dict]:
    return copy.deepcopy(_shipped()["workflow"])


def template(slug: str) -> dict | None:
    return next((t for t in templates() if t["slug"] == slug), None)


def instantiate(member, template_slug: str, **adjust) -> Demarche:
    """The member's démarche from template `template_slug`, made on first call (then left
    as the member adjusted it); `adjust` overrides the template's attributes on creation."""
    spec = template(template_slug)
    if spec is None:
        raise KeyError(template_slug)
    values = {"template": template_slug, "title": spec["title"], "intro": spec["intro"],
              "purpose": spec["purpose"], "fields": spec["fields"],
              "attachments": spec["attachments"], "statuses": workflow(),
              "department": spec["department"], "role": spec["role"],
              "deadline_days": spec["deadline_days"], "reminder_days": spec["reminder_days"],
              "retention_days": spec["retention_days"]}
    values.update(adjust)
    demarche, _made = Demarche.objects.get_or_create(
        member=member, slug=adjust.get("slug", template_slug), defaults=values)
    return demarche


def missing_templates(member) -> list[str]:
    have = set(Demarche.objects.filter(member=member).values_list("template", flat=True))
    return [spec["slug"] for spec in templates() if spec["slug"] not in have]


@transaction.atomic
def ensure_demarches(member) -> list[Demarche]:
    """The shipped démarches the member has not instantiated yet, made (those it has stay as
    it adjusted them, even renamed); every démarche of the member."""
    for slug in missing_templates(member):
        instantiate(member, slug)
    return list(Demarche.objects.filter(member=member))
