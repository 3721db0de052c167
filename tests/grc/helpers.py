"""Helpers of the GRC tests, shared with the isolation matrix (tests/security/): the services
of a member that takes citizens' requests, and a member's staff on its host (the same as the
acts' tests use)."""

from __future__ import annotations

from grc.adjust import Adjustment, version_of
from tests.actes.staff import host_client, staff_user

GRC = ("website", "extranet", "grc")

__all__ = ["GRC", "as_posted", "host_client", "staff_user"]


def as_posted(demarche) -> dict:
    """The page's forms as the browser posts them unchanged (what the agent then edits)."""
    adjustment = Adjustment(demarche)
    data = {"version": version_of(demarche)}
    forms = [adjustment.general]
    for formset in adjustment.sets():
        forms += [formset.management_form, *formset.forms]
    for form in forms:
        for bound in form:
            value = bound.value()
            kind = getattr(bound.field.widget, "input_type", "")
            if isinstance(value, bool) or kind == "checkbox":
                if value:
                    data[bound.html_name] = "on"
            elif value is not None:
                data[bound.html_name] = value
    return data

