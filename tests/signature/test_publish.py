"""A completed folder's signed PDFs and bordereau go to the member's Nextcloud folder through
the bridge's public function; checked on what the Nextcloud emulator (test double) then holds."""

from __future__ import annotations

from dataclasses import replace

import pytest

from nextcloud_bridge.driver import NextcloudDriver
from nextcloud_bridge.emulator import Emulator
from provisioning.engine import make_plan
from signature import audit, workflow
from signature.models import SIGNATURE, Folder
from signature.workflow import StepSpec
from tests.factories import make_inventory, make_member

from .conftest import PASSWORD, make_pdf

ADMIN = ("admin", "mot-de-passe-admin")


@pytest.fixture
def nextcloud(tmp_path, parapheur_settings):
    settings = parapheur_settings
    """The emulator, with Alphaville's extranet folder provisioned by the bridge's driver."""
    data = tmp_path / "nextcloud"
    emulator = Emulator(admin=ADMIN, groupfolders=True, data_dir=data)
    with emulator.serve() as url:
        config = {"url": url, "user": ADMIN[0], "password": ADMIN[1]}
        inventory = replace(make_inventory(members=0, people=0), members=(
            make_member("79101", "Alphaville", services=("extranet", "parapheur")),))
        driver = NextcloudDriver(config)
        try:
            for change in make_plan(inventory, [driver]).pending:
                outcome = driver.apply([change])[0]
                assert outcome.ok, outcome.error
        finally:
            driver.close()
        settings.MUTUALIS_NEXTCLOUD = config
        settings.MUTUALIS_PARAPHEUR_PUBLISH = True
        yield data
    emulator.close()


def test_completed_folder_is_published(nextcloud, registry, django_capture_on_commit_callbacks):
    reg = registry
    workflow.define_circuit(reg.alpha, "Délibérations", "Délibération",
                            [StepSpec(SIGNATURE, [reg.maire])])
    folder = workflow.submit(reg.secretaire, reg.alpha, "Budget", "Délibération",
                             [("budget.pdf", make_pdf("Budget"))],
                             [("annexe.pdf", make_pdf("Annexe"))])
    with django_capture_on_commit_callbacks(execute=True):
        workflow.sign(folder, reg.maire, PASSWORD.decode())
    folder = Folder.objects.get(pk=folder.pk)
    base = f"extranet/parapheur/{folder.created_at:%Y}/{folder.reference}"
    assert sorted(folder.published) == sorted([
        f"{base}/budget.pdf", f"{base}/annexes/annexe.pdf",
        f"{base}/bordereau-{folder.reference}.pdf"])
    actions = [e["action"] for e in audit.entries(reg.alpha, folder)]
    assert actions[0] == "submitted" and actions[-1] == "published"

    # What the server holds: the signed PDF, byte for byte, and the bordereau
    stored = {p.name: p.read_bytes() for p in nextcloud.rglob("*.pdf")}
    with folder.documents.get(kind="main").file.open("rb") as f:
        assert stored["budget.pdf"] == f.read()
    assert stored[f"bordereau-{folder.reference}.pdf"].startswith(b"%PDF")
