"""Fixtures of the parapheur's own tests: an NSS database trusting the test root for Poppler's
pdfsig, a SoftHSM2 token holding a key, and the demo's own timestamp server
(signature/tsa_server.py) in a process of its own, recorded in var/services.json as `mutualis
services start` records it. The PKI, the signature settings and the registry the acts' tests
share are in tests/fixtures/signature.py."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from django.contrib.auth.models import User

from provisioning.backends import write_embedded_services
from provisioning.models import RegistryPerson
from signature.pki.keys import signer_from_pkcs12
from signature.tsa_server import TsaServer, start_tsa

from .pki import PASSWORD, Identity

for tool in ("pdfsig", "certutil", "pdftotext"):
    if shutil.which(tool) is None:  # scripts/setup.sh installs them
        raise RuntimeError(f"{tool} is missing: install poppler-utils and libnss3-tools")


@pytest.fixture(scope="session")
def nssdb(root_pem: Path, tmp_path_factory) -> str:
    """An NSS database trusting the test root, for `pdfsig -nssdir`."""
    return _nssdb(root_pem, tmp_path_factory.mktemp("nss"))


def _nssdb(root_pem: Path, directory: Path) -> str:
    subprocess.run(["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"], check=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{directory}", "-n", "root",
                    "-t", "CT,C,C", "-i", str(root_pem)], check=True)
    return f"sql:{directory}"


@pytest.fixture(scope="session")
def demo_tsa(tmp_path_factory) -> TsaServer:
    """The demo's timestamp authority, with its demo PKI, as `mutualis services start` runs
    it."""
    server = start_tsa(tmp_path_factory.mktemp("demo-pki"), organisation="Syndicat de test")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def demo_nssdb(demo_tsa: TsaServer, tmp_path_factory) -> str:
    """An NSS database trusting the demo root alone, as a person checking a demo signature
    with pdfsig would make it."""
    return _nssdb(demo_tsa.ca_certificate, tmp_path_factory.mktemp("demo-nss"))


@pytest.fixture
def demo_services(parapheur_settings, demo_tsa: TsaServer) -> dict:
    """The demo's settings: no MUTUALIS_TSA_URL, no trust roots configured, the embedded
    timestamp authority recorded in var/services.json."""
    parapheur_settings.MUTUALIS_SIGNATURE_TRUST_ROOTS = []
    info = {**demo_tsa.settings(), "pid": demo_tsa.process.pid}
    write_embedded_services({"tsa": info})
    return info


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


def login(client, person: RegistryPerson) -> User:
    user, _ = User.objects.get_or_create(username=person.uid)
    client.force_login(user)
    return user


# --------------------------------------------------------------------------- PKCS#11

PIN, SO_PIN, TOKEN = "246810", "13579111", "mutualis-test"


def _softhsm_module() -> str:
    listed = subprocess.run(["dpkg", "-L", "libsofthsm2"], capture_output=True, text=True)
    for line in listed.stdout.splitlines():
        if line.endswith("/libsofthsm2.so"):
            return line
    raise RuntimeError("SoftHSM2 is missing: install Debian's softhsm2 (scripts/setup.sh)")


@pytest.fixture(scope="session")
def hsm(tmp_path_factory, pki):
    """A SoftHSM2 token holding an EC P-256 key generated inside it, and its certificate."""
    import pkcs11
    from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass
    from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

    directory = tmp_path_factory.mktemp("softhsm")
    (directory / "tokens").mkdir()
    config = directory / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {directory / 'tokens'}\n"
                      "objectstore.backend = file\nlog.level = ERROR\n")
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(config)
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--pin", PIN,
                    "--so-pin", SO_PIN], check=True, capture_output=True)
    module = _softhsm_module()
    token = pkcs11.lib(module).get_token(token_label=TOKEN)
    with token.open(rw=True, user_pin=PIN) as session:
        params = session.create_domain_parameters(KeyType.EC, {
            Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True)
        public, _ = params.generate_keypair(store=True, label="cachet", id=b"\x01")
        identity = pki.issue("Cachet HSM de Alphaville", "Alphaville", public_key=serialization
                             .load_der_public_key(encode_ec_public_key(public)))
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE,
            Attribute.CERTIFICATE_TYPE: CertificateType.X_509, Attribute.TOKEN: True,
            Attribute.LABEL: "cachet", Attribute.ID: b"\x01",
            Attribute.SUBJECT: identity.certificate.subject.public_bytes(),
            Attribute.VALUE: identity.certificate.public_bytes(serialization.Encoding.DER)})
    yield module, identity
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous


@pytest.fixture
def bravo_staff(registry) -> RegistryPerson:
    """Bravoville's secrétaire de mairie: staff of another member."""
    from tests.factories import add_person

    return add_person(registry.bravo, "bsecretaire", "Basile", "Secrétaire",
                      email="bs@example.fr")


@pytest.fixture
def alpha_host(client):
    """The test client on Alphaville's host, where its staff open the admin."""
    client.defaults["HTTP_HOST"] = "alphaville.localhost"
    return client
