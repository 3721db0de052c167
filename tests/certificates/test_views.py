"""The register in the Wagtail admin (/admin/certificats/): the syndicate's superuser sees
every member's certificates on the syndicate's host, filters them (member, kind, expiring
within N days), imports a file (a bad one is refused in French, nothing stored), records an
identity check and downloads the prefilled renewal request; a member's staff see their
member's certificates only, and may not import."""

from __future__ import annotations

import io
from datetime import timedelta

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from signature.certificates import import_file
from signature.certificates.models import RGS_AUTH, SIGNING, IdentityCheck, MemberCertificate

from .pki import issue

SYNDICATE = "localhost"


def client_for(user: User, host: str) -> Client:
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    return client


def _world(reg, pki):
    soon = import_file(issue(pki, "Zoé Secrétaire", days=45).pem, "zoe.pem", reg.alpha,
                       RGS_AUTH, holder=reg.secretaire, check=False)
    later = import_file(issue(pki, "Sylvie Maire", days=300).pem, "maire.pem", reg.alpha,
                        SIGNING, holder=reg.maire, check=False)
    bravo = import_file(issue(pki, "Bruno Maire", "Bravoville", days=60).pem, "bruno.pem",
                        reg.bravo, SIGNING, holder=reg.other, check=False)
    return soon, later, bravo


def test_the_syndicate_sees_and_filters_every_members_certificates(registry, pki,
                                                                   syndicate_admin):
    reg = registry
    soon, later, bravo = _world(reg, pki)
    client = client_for(syndicate_admin, SYNDICATE)
    page = client.get("/admin/certificats/").content.decode()
    for name in ("Zoé Secrétaire", "Sylvie Maire", "Bruno Maire", "Alphaville", "Bravoville"):
        assert name in page, name
    assert "expire dans 44 jours" in page or "expire dans 45 jours" in page
    page = client.get("/admin/certificats/", {"member": reg.bravo.pk}).content.decode()
    assert "Bruno Maire" in page and "Sylvie Maire" not in page
    page = client.get("/admin/certificats/", {"kind": RGS_AUTH}).content.decode()
    assert "Zoé Secrétaire" in page and "Bruno Maire" not in page
    page = client.get("/admin/certificats/resultats/", {"expiring": "90"}).content.decode()
    assert "Zoé Secrétaire" in page and "Bruno Maire" in page and "Sylvie Maire" not in page
    page = client.get("/admin/certificats/", {"expiring": "30"}).content.decode()
    assert "Zoé Secrétaire" not in page and "Bruno Maire" not in page
    # the menu entry
    assert '"url": "/admin/certificats/"' in client.get("/admin/").content.decode()


def test_import_identity_check_and_renewal_request(registry, pki, syndicate_admin):
    reg = registry
    reg.alpha.siren = "217901015"
    reg.alpha.save()
    client = client_for(syndicate_admin, SYNDICATE)
    bad = client.post("/admin/certificats/importer/", {
        "member": reg.alpha.pk, "kind": RGS_AUTH, "holder_uid": "zsecretaire",
        "file": SimpleUploadedFile("lettre.txt", b"bonjour")})
    assert bad.status_code == 400
    assert "Le fichier « lettre.txt » n&#x27;est ni un certificat" in bad.content.decode()
    assert not MemberCertificate.objects.exists()
    unknown = client.post("/admin/certificats/importer/", {
        "member": reg.alpha.pk, "kind": RGS_AUTH, "holder_uid": "bmaire",
        "file": SimpleUploadedFile("zoe.pem", b"x")})
    assert unknown.status_code == 400
    assert "« bmaire » n&#x27;est pas une personne de Alphaville" in unknown.content.decode()

    identity = issue(pki, "Zoé Secrétaire", days=45)
    done = client.post("/admin/certificats/importer/", {
        "member": reg.alpha.pk, "kind": RGS_AUTH, "holder_uid": "zsecretaire",
        "file": SimpleUploadedFile("zoe.pem", identity.pem)})
    record = MemberCertificate.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/admin/certificats/{record.pk}/"
    assert record.holder == reg.secretaire and record.status == "valid"  # checked on import
    assert record.imported_by == "admin-syndicat"

    form = client.get(f"/admin/certificats/{record.pk}/identite/").content.decode()
    assert 'value="Agnès Registre"' in form
    future = client.post(f"/admin/certificats/{record.pk}/identite/", {
        "checked_by": "Agnès Registre", "documents": "CNI",
        "checked_on": (timezone.localdate() + timedelta(days=2)).isoformat()})
    assert future.status_code == 400 and "Cette date est dans le futur." in (
        future.content.decode())
    client.post(f"/admin/certificats/{record.pk}/identite/", {
        "checked_by": "Agnès Registre", "checked_on": timezone.localdate().isoformat(),
        "documents": "Carte nationale d'identité n° 123456789012"})
    check = IdentityCheck.objects.get()
    assert (check.certificate, check.checked_by, check.recorded_by) == (
        record, "Agnès Registre", "admin-syndicat")
    page = client.get(f"/admin/certificats/{record.pk}/").content.decode()
    assert "Carte nationale d&#x27;identité n° 123456789012" in page

    response = client.get(f"/admin/certificats/{record.pk}/renouvellement.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert f"demande-renouvellement-79101-{record.serial}.pdf" in response[
        "Content-Disposition"]
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    for expected in ("Demande de renouvellement de certificat", "Zoé Secrétaire",
                     "Alphaville", "217901015", record.serial, "Autorité racine de test",
                     "Agnès Registre", "Carte nationale d'identité n° 123456789012"):
        assert expected in text, expected


def test_a_members_staff_see_their_members_certificates_only(registry, pki):
    reg = registry
    soon, later, bravo = _world(reg, pki)
    from tests.factories import add_person

    add_person(reg.bravo, "bdgs", "Bernard", "Directeur", ["dgs"])
    staff = User.objects.create_user("bdgs")
    client = client_for(staff, "bravoville.localhost")
    page = client.get("/admin/certificats/").content.decode()
    assert "Bruno Maire" in page and "Sylvie Maire" not in page and "Zoé" not in page
    assert client.get(f"/admin/certificats/{bravo.pk}/").status_code == 200
    for pk in (soon.pk, later.pk):
        for url in (f"/admin/certificats/{pk}/", f"/admin/certificats/{pk}/renouvellement.pdf"):
            assert client.get(url).status_code == 404, url
    refused = client.get("/admin/certificats/importer/")
    assert refused.status_code == 403 and "Seul le syndicat" in refused.content.decode()
    assert client.post(f"/admin/certificats/{bravo.pk}/verifier/").status_code == 403
    # on Alphaville's host, or on the syndicate's, nothing at all
    assert client_for(staff, "alphaville.localhost").get(
        f"/admin/certificats/{soon.pk}/").status_code == 404
    assert client_for(staff, SYNDICATE).get("/admin/certificats/").status_code in (302, 403)
