"""Fixtures of the parapheur's tests: a PKI made once per session (root CA, EC P-256 signers,
an RSA TSA, a revoked signer, its CRL and the TSA served on loopback), an NSS database trusting
the root for Poppler's pdfsig, PDFs made with reportlab, and two members in the registry."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from reportlab.pdfgen import canvas

from provisioning.models import RegistryMember, RegistryPerson, RegistrySeat
from signature.pki.keys import signer_from_pkcs12
from signature.workflow import install_key

from .pki import PASSWORD, Identity, TestPKI, start_pki, to_asn1

for tool in ("pdfsig", "certutil", "pdftotext"):
    if shutil.which(tool) is None:  # scripts/setup.sh installs them
        raise RuntimeError(f"{tool} is missing: install poppler-utils and libnss3-tools")


def make_pdf(text: str = "Délibération n° 2026-12 : budget primitif", pages: int = 1) -> bytes:
    """A plain (uncompressed) PDF, so that tests can find and change its text."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pageCompression=0)
    for page in range(pages):
        pdf.drawString(72, 760, text)
        pdf.drawString(72, 740, f"Page {page + 1} sur {pages}")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


@dataclass
class People:
    """The session's signing identities (certificates issued once)."""

    maire: Identity
    adjoint: Identity
    conseil: Identity
    other: Identity  # the maire of another member
    seal: Identity
    revoked: Identity


@pytest.fixture(scope="session")
def pki():
    authority = start_pki()
    yield authority
    authority.stop()


@pytest.fixture(scope="session")
def identities(pki: TestPKI) -> People:
    people = People(
        maire=pki.issue("Sylvie Maire", "Alphaville"),
        adjoint=pki.issue("Paul Adjoint", "Alphaville"),
        conseil=pki.issue("Inès Conseil", "Alphaville"),
        other=pki.issue("Bruno Maire", "Bravoville"),
        seal=pki.issue("Cachet serveur de Alphaville", "Alphaville"),
        revoked=pki.issue("Révoqué Dupont", "Alphaville"))
    pki.revoke(people.revoked)
    return people


@pytest.fixture(scope="session")
def roots(pki: TestPKI) -> list:
    return [to_asn1(pki.root)]


@pytest.fixture(scope="session")
def root_pem(pki: TestPKI, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("trust") / "root.pem"
    path.write_bytes(pki.root_pem)
    return path


@pytest.fixture(scope="session")
def nssdb(root_pem: Path, tmp_path_factory) -> str:
    """An NSS database trusting the test root, for `pdfsig -nssdir`."""
    directory = tmp_path_factory.mktemp("nss")
    subprocess.run(["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"], check=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{directory}", "-n", "test-root",
                    "-t", "CT,C,C", "-i", str(root_pem)], check=True)
    return f"sql:{directory}"


def pdfsig(nssdb: str, path: Path) -> tuple[int, str]:
    done = subprocess.run(["pdfsig", "-nssdir", nssdb, str(path)], capture_output=True,
                          text=True, timeout=60)
    return done.returncode, done.stdout + done.stderr


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "text.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


@pytest.fixture
def signer_of():
    def load(identity: Identity):
        return signer_from_pkcs12(identity.pkcs12(), PASSWORD)
    return load


@pytest.fixture
def parapheur_settings(settings, tmp_path, root_pem):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MUTUALIS_SIGNATURE_KEY = "clé-de-test-pour-le-chiffrement"
    settings.MUTUALIS_SIGNATURE_TRUST_ROOTS = [str(root_pem)]
    settings.MUTUALIS_TSA_URL = ""
    settings.MUTUALIS_SIGNATURE_LEVEL = ""
    settings.MUTUALIS_PARAPHEUR_PUBLISH = False
    return settings


@dataclass
class Registry:
    alpha: RegistryMember
    bravo: RegistryMember
    maire: RegistryPerson
    adjoint: RegistryPerson
    conseil: RegistryPerson
    secretaire: RegistryPerson
    other: RegistryPerson  # Bravoville's maire


def _person(member: RegistryMember, uid: str, given: str, surname: str, roles: list[str],
            title: str = "") -> RegistryPerson:
    person = RegistryPerson.objects.create(uid=uid, email=f"{uid}@example.fr", given_name=given,
                                           surname=surname)
    assemblies = [] if roles == ["secretaire-de-mairie"] else ["conseil-municipal"]
    RegistrySeat.objects.create(member=member, person=person, roles=roles,
                                assemblies=assemblies, title=title)
    return person


@pytest.fixture
def registry(db, parapheur_settings, identities: People) -> Registry:
    """Two communes; Alphaville's people have their signing keys installed."""
    alpha = RegistryMember.objects.create(code="79101", name="Alphaville", kind="commune",
                                          slug="alphaville", hostname="alphaville.localhost",
                                          services=["extranet", "parapheur"])
    bravo = RegistryMember.objects.create(code="79102", name="Bravoville", kind="commune",
                                          slug="bravoville", hostname="bravoville.localhost",
                                          services=["extranet", "parapheur"])
    reg = Registry(
        alpha=alpha, bravo=bravo,
        maire=_person(alpha, "smaire", "Sylvie", "Maire", ["maire"]),
        adjoint=_person(alpha, "padjoint", "Paul", "Adjoint", ["adjoint"],
                        "Adjoint aux finances"),
        conseil=_person(alpha, "iconseil", "Inès", "Conseil", ["conseiller-municipal"]),
        secretaire=_person(alpha, "zsecretaire", "Zoé", "Secrétaire", ["secretaire-de-mairie"]),
        other=_person(bravo, "bmaire", "Bruno", "Maire", ["maire"]))
    for person, identity in ((reg.maire, identities.maire), (reg.adjoint, identities.adjoint),
                             (reg.conseil, identities.conseil), (reg.other, identities.other)):
        install_key(identity.pkcs12(), PASSWORD, person=person)
    return reg


def login(client, person: RegistryPerson) -> User:
    user, _ = User.objects.get_or_create(username=person.uid)
    client.force_login(user)
    return user
