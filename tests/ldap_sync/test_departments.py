"""A member's departments in the directory: one group `<code>-dept-<slug>` each, holding who
works in it, read back from slapd; a second plan empty."""

from __future__ import annotations

import dataclasses

import pytest

from provisioning.engine import make_plan
from provisioning.inventory import Department

from . import builder as B
from .test_driver import converge

A = "79001"


@pytest.mark.django_db(transaction=True)
def test_department_groups(slapd, driver, admin):
    inv = B.inventory([B.member(A, "Alpha")], [
        B.person("Anne", "Martin", B.agent(A, "Secrétaire de mairie")),
        B.person("Luc", "Petit", B.agent(A))])
    member = dataclasses.replace(inv.members[0], departments=(
        Department("voirie", "Voirie", ("lpetit",)),
        Department("comptabilite", "Comptabilité", ("amartin", "lpetit"))))
    inv = dataclasses.replace(inv, members=(member,))
    converge(inv, driver)
    assert admin.group_uids(A, "79001-dept-voirie") == ["lpetit"]
    assert admin.group_uids(A, "79001-dept-comptabilite") == ["amartin", "lpetit"]
    assert admin.group(A, "79001-dept-voirie")["description"] == ["Voirie — Alpha"]
    assert make_plan(inv, [driver]).empty
