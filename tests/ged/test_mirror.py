"""The read-only copy of filed documents in the member's Nextcloud folder tree (the emulator,
which enforces group folder permissions as Nextcloud does): the staff read it and cannot
change it, a new version appears as a new file beside the old one, an elimination under
visa removes the copies of the files it removes, and a held document keeps its copies."""

from __future__ import annotations

import re
import uuid
from datetime import date
from urllib.parse import unquote

import httpx
import pytest
from django.urls import reverse

from ged import mirror, retention, services
from ged.models import DocumentVersion
from nextcloud_bridge.driver import NextcloudDriver
from provisioning.drivers import Scope
from provisioning.engine import make_plan
from provisioning.inventory import Inventory, Syndicate
from provisioning.models import RegistryMember
from provisioning.naming import mount_point, staff_group
from tests.actes.staff import staff_client
from tests.factories import make_member as inventory_member
from tests.factories import make_pdf
from tests.fixtures.nextcloud import driver_settings
from tests.ged.members import make_member

PASSWORD = "pw-agent-de-la-mairie"
TODAY = date(2026, 12, 1)


def provision(nc_emulator, services_: tuple[str, ...]) -> RegistryMember:
    """A commune in the registry, and its Nextcloud groups and folders applied by the
    Nextcloud driver (in plan order, in this thread) with those services."""
    code = f"{uuid.uuid4().int % 90000 + 10000:05d}"
    inv = Inventory(path="", syndicate=Syndicate("Syndicat test", "200000000", "example.fr",
                                                 "localhost"),
                    backends={}, members=(inventory_member(code, "Aigonnay", services=services_),),
                    people=())
    driver = NextcloudDriver(driver_settings(nc_emulator))
    try:
        for change in make_plan(inv, [driver], Scope(frozenset([code]))).pending:
            outcome = driver.apply([change])[0]
            assert outcome.ok, outcome.error
    finally:
        driver.close()
    return make_member(code, "Aigonnay", services=services_)


@pytest.fixture(autouse=True)
def _commits(django_capture_on_commit_callbacks, monkeypatch):
    """The test's transaction never commits: run what waits for a commit (the copy task,
    eager) as soon as each filing, version or elimination is done."""
    def committing(call):
        def run(*args, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return call(*args, **kwargs)
        return run

    for owner, name in ((services, "file_document"), (services, "add_version"),
                        (retention, "eliminate")):
        monkeypatch.setattr(owner, name, committing(getattr(owner, name)))


@pytest.fixture
def member(db, private_root, nc_emulator, nc_settings):
    return provision(nc_emulator, ("website", "extranet", "ged"))


@pytest.fixture
def agent(member, make_user, nc_emulator):
    """A member of the commune's staff group, as Nextcloud knows them."""
    uid = f"agent{member.code}"
    make_user(uid, PASSWORD, groups=(staff_group(member.code),))
    with nc_emulator.client(uid, PASSWORD, ocs=False) as client:
        yield uid, client


def url(member, uid: str, path: str = "") -> str:
    base = mount_point(member.code, member.name, "GED", "ged")
    return f"/remote.php/dav/files/{uid}/{base}/{path}".rstrip("/")


def tree(client: httpx.Client, member, uid: str) -> dict[str, bytes]:
    """Every file the agent sees in the GED folder: path inside it -> content."""
    answer = client.request("PROPFIND", url(member, uid), headers={"Depth": "infinity"})
    assert answer.status_code == 207, answer.text
    root = httpx.URL(client.base_url.join(url(member, uid))).path
    found = {}
    for href in re.findall(r"<d:href>([^<]+)</d:href>", answer.text):
        inside = unquote(href).removeprefix(root).strip("/")
        if inside and not href.endswith("/"):
            found[inside] = client.get(url(member, uid, inside)).content
    return found


def file(member, code: str, title: str, created: date = date(2010, 1, 1)):
    return services.file_document(member, code, title, make_pdf(title), filename="doc.pdf",
                                  created_on=created)


def test_the_staff_read_the_copy_and_cannot_change_it(member, agent, nc_admin):
    uid, client = agent
    document = file(member, "DELIB", "Délibération 2026-12 : budget primitif")
    [version] = document.versions.all()
    path = mirror.path_of(version)
    assert version.mirror_path == path == (
        "1.1 Assemblée délibérante/Délibérations (registre et actes)/"
        f"2010-01-01 Délibération 2026-12 - budget primitif [{document.pk}] v1.pdf")
    with version.file.open("rb") as f:
        assert tree(client, member, uid) == {path: f.read()}
    # Nextcloud gives the staff group read only on the folder (groupfolders' permissions).
    folders = nc_admin.get("/index.php/apps/groupfolders/folders", params={"format": "json"})
    [gf] = [f for f in folders.json()["ocs"]["data"].values()
            if f["mount_point"] == mount_point(member.code, member.name, "GED", "ged")]
    assert gf["groups"][staff_group(member.code)] == 1
    # ...and enforces it: no overwrite, no deletion, no new file, no rename.
    assert client.put(url(member, uid, path), content=b"autre chose").status_code == 403
    assert client.delete(url(member, uid, path)).status_code == 403
    assert client.put(url(member, uid, "nouveau.txt"), content=b"x").status_code == 403
    props = client.request("PROPFIND", url(member, uid, path), headers={"Depth": "0"}).text
    permissions = props.split("<oc:permissions>")[1].split("</oc:permissions>")[0]
    assert "G" in permissions and not set("WDNVCK") & set(permissions), permissions
    with version.file.open("rb") as f:
        assert client.get(url(member, uid, path)).content == f.read()  # unchanged
    # The document's page says where its copy is.
    page = staff_client(member).get(reverse("ged:document", args=[document.pk]))
    assert ("copie en lecture seule dans le dossier Nextcloud « GED », "
            f"{path}") in page.content.decode()


def test_a_new_version_is_a_new_file_beside_the_old_one(member, agent):
    uid, client = agent
    document = file(member, "DELIB", "Règlement intérieur du conseil")
    services.add_version(document, make_pdf("Règlement intérieur, version modifiée"),
                         filename="reglement.pdf", note="article 4 modifié")
    v1, v2 = document.versions.order_by("number")
    files = tree(client, member, uid)
    assert set(files) == {v1.mirror_path, v2.mirror_path}
    assert v1.mirror_path.endswith(f"[{document.pk}] v1.pdf")
    assert v2.mirror_path.endswith(f"[{document.pk}] v2.pdf")
    for version in (v1, v2):
        with version.file.open("rb") as f:
            assert files[version.mirror_path] == f.read()


def test_an_elimination_removes_the_copies_and_a_hold_keeps_them(member, agent):
    uid, client = agent
    gone = file(member, "COURRIER-ARRIVEE", "Invitation au repas des aînés 2019",
                date(2019, 1, 10))
    held = file(member, "COURRIER-ARRIVEE", "Réclamation du voisin du stade",
                date(2019, 2, 11))
    services.place_hold(member, "TA Poitiers 2401234", "recours pendant", [held])
    [proposal] = retention.propose(member, TODAY)
    assert set(proposal.documents.all()) == {gone}  # a held document is never proposed
    proposal.documents.add(held)  # put in by hand before the hold, say: taken out again
    with pytest.raises(retention.RetentionRefused):
        retention.eliminate(proposal)  # no visa: nothing moves
    assert len(tree(client, member, uid)) == 2
    retention.give_visa(proposal, "M. le directeur des Archives départementales", "V-2026-17")
    retention.eliminate(proposal)
    [kept_version] = held.versions.all()
    assert tree(client, member, uid).keys() == {kept_version.mirror_path}
    [removed] = gone.versions.all()
    assert removed.file.name == "" and removed.mirror_path == ""
    gone.refresh_from_db()
    assert gone.state == "eliminated"  # the record stays


def test_without_extranet_there_is_no_copy(db, private_root, nc_emulator, nc_settings):
    member = provision(nc_emulator, ("website", "ged"))
    document = file(member, "DELIB", "Délibération sans extranet")
    assert document.versions.get().mirror_path == ""
    assert mirror.sync(member) == (0, 0)


def test_a_copy_that_failed_is_made_by_the_next_run(member, agent, settings):
    uid, client = agent
    real = settings.MUTUALIS_NEXTCLOUD
    settings.MUTUALIS_NEXTCLOUD = {**real, "url": "http://127.0.0.1:9", "timeout": 1,
                                   "retries": 0}
    document = file(member, "DELIB", "Délibération pendant la panne")  # filing never fails
    version = document.versions.get()
    assert version.mirror_path == ""
    settings.MUTUALIS_NEXTCLOUD = real
    assert mirror.sync(member) == (1, 0)
    version.refresh_from_db()
    assert tree(client, member, uid).keys() == {version.mirror_path}
    assert mirror.sync(member) == (0, 0)  # nothing twice


def test_a_member_without_the_ged_folder_yet_keeps_filing(db, private_root, nc_settings):
    member = make_member("79002", "Alloinay", services=("extranet", "ged"))  # not applied
    document = file(member, "DELIB", "Délibération avant l'application de l'inventaire")
    assert DocumentVersion.objects.get(document=document).mirror_path == ""
