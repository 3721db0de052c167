"""Roles are named in the person's gender wherever the parapheur shows them: the visible
stamp of a signature, the circuit form's actors, the list of officials' credentials."""

from __future__ import annotations

import html

from signature import workflow
from signature.models import SIGNATURE, Folder
from signature.workflow import StepSpec
from tests.factories import add_person, make_pdf

from .conftest import PASSWORD, login, pdf_text


def test_an_adjointe_is_named_so(client, registry, pki, tmp_path):
    reg = registry
    anne = add_person(reg.alpha, "aadjointe", "Anne", "Adjointe", ["adjoint"], civility="mme")
    lea = add_person(reg.alpha, "lconseil", "Léa", "Conseil", ["conseiller-municipal"],
                     civility="mme")
    marc = add_person(reg.alpha, "mconseil", "Marc", "Conseil", ["conseiller-municipal"],
                      civility="m")
    dgs = add_person(reg.alpha, "pdgs", "Pascale", "Directrice", ["dgs"], civility="mme")
    assert workflow.role_label(anne, reg.alpha) == "Adjointe au maire"
    assert workflow.role_label(lea, reg.alpha) == "Conseillère municipale"
    assert workflow.role_label(marc, reg.alpha) == "Conseiller municipal"
    assert workflow.role_label(reg.maire, reg.alpha) == "Maire"
    assert workflow.role_label(dgs, reg.alpha) == "Directrice générale des services"

    workflow.install_key(pki.issue("Anne Adjointe", "Alphaville").pkcs12(), PASSWORD,
                         person=anne)
    workflow.define_circuit(reg.alpha, "Arrêtés", "Arrêté", [StepSpec(SIGNATURE, [anne])])
    folder = workflow.submit(reg.secretaire, reg.alpha, "Arrêté de voirie", "Arrêté",
                             [("arrete.pdf", make_pdf("Arrêté"))])
    folder = workflow.sign(folder, anne, PASSWORD.decode())
    assert folder.status == Folder.DONE
    with folder.documents.get(kind="main").file.open("rb") as f:
        stamp = " ".join(pdf_text(f.read(), tmp_path).split())
    assert "Signé électroniquement par Anne Adjointe, Adjointe au maire" in stamp

    client.defaults["HTTP_HOST"] = reg.alpha.hostname  # the staff pages: the member's admin
    login(client, reg.secretaire)
    form = html.unescape(client.get("/admin/parapheur/collectivites/79101/circuits/nouveau/")
                         .content.decode())
    assert "Anne Adjointe (Adjointe au maire)" in form
    assert "Léa Conseil (Conseillère municipale)" in form
    assert "Marc Conseil (Conseiller municipal)" in form
    login(client, dgs)
    listing = html.unescape(client.get("/admin/parapheur/collectivites/79101/certificats/")
                            .content.decode())
    assert "Adjointe au maire" in listing and "Conseillère municipale" in listing
