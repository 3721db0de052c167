"""The circuits' listing in the admin (Wagtail's generic index view): its filters, search,
sorting and pagination work on the host's member's circuits, and its queries do not grow with
the number of circuits (steps and actors are prefetched)."""

from __future__ import annotations

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from signature import workflow
from signature.models import SIGNATURE, VISA
from signature.workflow import StepSpec

from .conftest import login

URL = "/admin/parapheur/collectivites/79101/circuits/"


@pytest.fixture(autouse=True)
def on_alpha_host(alpha_host):
    """The staff pages are in the admin, on the member's host."""


def make(reg, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        workflow.define_circuit(reg.alpha, f"Circuit {i:02d}", f"Type {i:02d}",
                                [StepSpec(VISA, [reg.adjoint]), StepSpec(SIGNATURE, [reg.maire])])


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as done:
        assert client.get(url).status_code == 200
    return len(done)


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_filters_search_sorting_and_pages(client, registry):
    reg = registry
    login(client, reg.secretaire)
    assert "Alphaville n'a encore aucun circuit." in text(client.get(URL))
    make(reg, 27)
    old = workflow.define_circuit(reg.alpha, "Ancien circuit", "Type 00 bis",
                                  [StepSpec(SIGNATURE, [reg.maire])])
    old.active = False
    old.save()
    first = text(client.get(URL))
    assert "Circuit 00" in first and "Circuit 26" not in first  # 25 a page, by type
    assert "Paul Adjoint" in first and "Sylvie Maire" in first
    second = text(client.get(URL, {"p": 2}))
    assert "Circuit 26" in second and "Circuit 00" not in second
    assert "Ancien circuit" in second  # an inactive circuit comes after the active ones
    by_name = text(client.get(URL, {"ordering": "-name"}))
    assert by_name.index("Circuit 24") < by_name.index("Circuit 20")
    assert "Circuit 00" not in by_name
    found = text(client.get(URL, {"q": "Circuit 07"}))
    assert "Circuit 07" in found and "Circuit 08" not in found
    inactive = text(client.get(URL + "resultats/", {"state": "inactive"}))
    assert "Ancien circuit" in inactive and "Circuit 01" not in inactive
    typed = text(client.get(URL, {"folder_type": "Type 03"}))
    assert "Circuit 03" in typed and "Circuit 04" not in typed
    nothing = text(client.get(URL, {"q": "introuvable"}))
    assert "Aucun circuit ne correspond" in nothing


def test_the_listing_makes_as_many_queries_for_30_circuits_as_for_3(client, registry):
    reg = registry
    login(client, reg.secretaire)
    make(reg, 3)
    few = queries(client, URL)
    make(reg, 27, start=3)
    assert queries(client, URL) == few
