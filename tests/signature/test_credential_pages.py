"""The pages for signing credentials: a member's DGS (or the syndicate) installs an official's
PKCS#12 or PKCS#11 credential, the official sees it and signs with it; bad credentials are
refused with one French sentence and nothing is stored; another member's staff gets 404 and
the member's other staff 403. The staff pages are in the admin, on the member's host; the
official's own are in the officials' space."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from provisioning.models import RegistryMember
from signature import workflow
from signature.demo_pki import demo_pki
from signature.models import SIGNATURE, AuditEntry, Folder, SigningKey
from signature.pki.keys import generate_key, make_pkcs12
from signature.verify import verify_pdf
from signature.workflow import StepSpec
from tests.factories import add_person, make_pdf

from .conftest import PASSWORD, PIN, TOKEN, login
from .pki import _name

PW = PASSWORD.decode()
BASE = "/admin/parapheur/collectivites/79101/certificats/"
ADMIN = "/admin/parapheur/"
SPACE = "/espace-elus/parapheur/"


@pytest.fixture(autouse=True)
def on_alpha_host(alpha_host):
    """The staff pages are in the admin, on the member's host."""


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def people(registry):
    """Alphaville's DGS, an agent, and a newly elected conseillère without a credential;
    Bravoville's DGS."""
    reg = registry
    return {
        "dgs": add_person(reg.alpha, "pdgs", "Pascale", "Directrice", ["dgs"]),
        "agent": add_person(reg.alpha, "yagent", "Yannick", "Agent", ["agent"]),
        "new": add_person(reg.alpha, "nnouvelle", "Noémie", "Nouvelle",
                          ["conseiller-municipal"]),
        "bravo_dgs": add_person(reg.bravo, "bdgs", "Bernard", "Directeur", ["dgs"]),
    }


def upload(data: bytes, name: str = "certificat.p12") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, "application/x-pkcs12")


def post_pkcs12(client, uid: str, data: bytes, password: str = PW):
    return client.post(f"{BASE}{uid}/", {"kind": "pkcs12", "p12-file": upload(data),
                                         "p12-passphrase": password})


def certificate(pki, common_name: str, *, key_usage: x509.KeyUsage | None = None,
                days: tuple[int, int] = (-1, 365)):
    """A certificate of the test root for a new key, with the given usage and validity."""
    key = generate_key()
    now = datetime.now(UTC)
    usage = key_usage or x509.KeyUsage(True, True, False, False, False, False, False, False,
                                       False)
    cert = (x509.CertificateBuilder().subject_name(_name(common_name, "Alphaville"))
            .issuer_name(pki.root.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + timedelta(days=days[0]))
            .not_valid_after(now + timedelta(days=days[1]))
            .add_extension(usage, critical=True)
            .sign(pki.root_key, hashes.SHA256()))
    return make_pkcs12(key, cert, [pki.root], PASSWORD)


def test_a_dgs_installs_an_officials_pkcs12_and_the_official_signs_with_it(
        client, registry, people, pki, roots):
    reg, new = registry, people["new"]
    login(client, people["dgs"])
    index = text(client.get(ADMIN))
    assert "Certificats des élus" in index and f'href="{BASE}"' in index
    page = text(client.get(BASE))
    assert "Sylvie Maire" in page and "Autorité racine de test" in page
    assert "fichier PKCS#12" in page and "aucun certificat" in page
    assert f'href="{BASE}{new.uid}/"' in page and "Zoé" not in page  # officials only
    form = text(client.get(f"{BASE}{new.uid}/"))
    for label in ("Fichier du certificat (.p12 ou .pfx)", "Mot de passe du fichier",
                  "Installer le fichier PKCS#12"):
        assert label in form

    identity = pki.issue("Noémie Nouvelle", "Alphaville")
    response = post_pkcs12(client, new.uid, identity.pkcs12())
    assert response.status_code == 302 and response["Location"] == BASE
    shown = text(client.get(BASE))
    until = identity.certificate.not_valid_after_utc.strftime("%d/%m/%Y")
    assert f"Certificat installé pour Noémie Nouvelle ; il est valide jusqu'au {until}." in shown
    key = workflow.active_key(new)
    assert key.storage == SigningKey.PKCS12 and bytes(key.passphrase) == b""
    assert "Noémie Nouvelle" in key.subject
    entry = AuditEntry.objects.filter(member=reg.alpha, action="key_installed").last()
    assert entry.actor == "pdgs" and entry.details["holder"] == new.uid

    # The official sees it, then signs with its password
    workflow.define_circuit(reg.alpha, "Délibérations", "Délibération",
                            [StepSpec(SIGNATURE, [new])])
    folder = workflow.submit(reg.secretaire, reg.alpha, "Tarifs", "Délibération",
                             [("tarifs.pdf", make_pdf("Tarifs"))])
    login(client, new)
    mine = text(client.get(f"{SPACE}mon-certificat/"))
    assert "Noémie Nouvelle" in mine and "Autorité racine de test" in mine and until in mine
    assert "Vous saisirez le mot de passe de votre certificat à chaque signature." in mine
    assert "Mot de passe de votre certificat" in text(client.get(f"{SPACE}dossiers/"
                                                                 f"{folder.pk}/"))
    client.post(f"{SPACE}dossiers/{folder.pk}/", {"action": "sign", "on_behalf": new.uid,
                                                 "passphrase": PW})
    folder = Folder.objects.get(pk=folder.pk)
    assert folder.status == Folder.DONE
    with folder.documents.get(kind="main").file.open("rb") as f:
        [report] = verify_pdf(f.read(), roots)
    assert report.ok and report.signer == "Noémie Nouvelle"

    # Replacing keeps the old one, inactive
    login(client, people["dgs"])
    post_pkcs12(client, new.uid, pki.issue("Noémie Nouvelle", "Alphaville").pkcs12())
    assert SigningKey.objects.filter(person=new).count() == 2
    assert workflow.active_key(new) != key


@pytest.mark.parametrize("case, sentence", [
    ("wrong password", "Le mot de passe du certificat est incorrect."),
    ("not a pkcs12", "Ce fichier n'est pas un certificat PKCS#12 (.p12 ou .pfx)."),
    ("expired", "Ce certificat a expiré le "),
    ("not for signing", "Ce certificat n'est pas un certificat de signature (son usage ne "
                        "permet pas de signer des documents) : demandez un certificat de "
                        "signature à l'autorité qui l'a émis."),
    ("another authority", "Ce certificat n'est pas émis par une autorité de certification "
                          "reconnue par le syndicat : il ne pourrait pas signer."),
    ("no file", "Choisissez le fichier du certificat (.p12 ou .pfx)."),
])
def test_a_bad_credential_is_one_sentence_and_nothing_is_stored(client, registry, people, pki,
                                                                tmp_path, case, sentence):
    new = people["new"]
    login(client, people["dgs"])
    before = SigningKey.objects.count()
    if case == "wrong password":
        response = post_pkcs12(client, new.uid, pki.issue("Noémie Nouvelle").pkcs12(), "faux")
    elif case == "not a pkcs12":
        response = post_pkcs12(client, new.uid, make_pdf(), PW)
    elif case == "expired":
        response = post_pkcs12(client, new.uid, certificate(pki, "Noémie Nouvelle",
                                                            days=(-400, -30)))
    elif case == "not for signing":
        tls = x509.KeyUsage(False, False, True, False, False, False, False, False, False)
        response = post_pkcs12(client, new.uid, certificate(pki, "Noémie Nouvelle",
                                                            key_usage=tls))
    elif case == "another authority":
        other = demo_pki(tmp_path / "autre")
        key, cert = other.issue("Noémie", "Nouvelle", "n@example.fr")
        response = post_pkcs12(client, new.uid, make_pkcs12(key, cert, [other.root], PASSWORD))
    else:
        response = client.post(f"{BASE}{new.uid}/", {"kind": "pkcs12", "p12-passphrase": PW})
    assert response.status_code == 400
    page = text(response)
    assert sentence in page and 'role="alert"' in page
    assert "Traceback" not in page and "Error" not in page
    assert SigningKey.objects.count() == before


def test_who_may_install_credentials(client, registry, people, identities):
    reg, new = registry, people["new"]
    install = f"{BASE}{new.uid}/"
    response = client.get(BASE)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]

    login(client, people["bravo_dgs"])  # another member's DGS: Alphaville does not exist
    for host in ("alphaville.localhost", "bravoville.localhost"):
        client.defaults["HTTP_HOST"] = host
        for url in (BASE, install):
            assert client.get(url).status_code == 404, (host, url)
        assert post_pkcs12(client, new.uid, identities.conseil.pkcs12()).status_code == 404
    client.defaults["HTTP_HOST"] = "alphaville.localhost"
    for person in (people["agent"], reg.secretaire):  # Alphaville's staff, not its DGS
        login(client, person)
        refused = client.get(BASE)
        assert refused.status_code == 403
        assert "Seuls le DGS de la collectivité et le syndicat installent" in text(refused)
        assert post_pkcs12(client, new.uid, identities.conseil.pkcs12()).status_code == 403
        # no link to the officials' credentials (the members' register, /admin/certificats/,
        # is open to the member's staff: tests/certificates/)
        assert BASE not in text(client.get(ADMIN))
    login(client, reg.maire)  # an official: the admin is closed to him
    assert client.get(BASE).status_code == 302
    assert post_pkcs12(client, new.uid, identities.conseil.pkcs12()).status_code == 302
    assert workflow.active_key(new) is None

    login(client, people["dgs"])
    for uid in (reg.secretaire.uid, reg.other.uid, "inconnu"):  # not Alphaville's officials
        assert client.get(f"{BASE}{uid}/").status_code == 404

    # The syndicate installs anywhere the parapheur is subscribed, from its own host
    admin = User.objects.create_superuser("syndicat", "admin@example.fr", "x" * 16)
    client.force_login(admin)
    client.defaults["HTTP_HOST"] = "localhost"
    home = text(client.get(ADMIN))
    assert "Certificats des élus — Alphaville" in home
    assert "Certificats des élus — Bravoville" in home
    assert post_pkcs12(client, new.uid, identities.conseil.pkcs12()).status_code == 302
    assert workflow.active_key(new) is not None
    entry = AuditEntry.objects.filter(member=reg.alpha, action="key_installed").last()
    assert entry.actor == "syndicat"
    RegistryMember.objects.filter(pk=reg.alpha.pk).update(services=["website", "extranet"])
    assert client.get(BASE).status_code == 404
    assert "Alphaville" not in text(client.get(ADMIN))


def test_an_official_without_a_credential_is_told_in_french(client, registry, people):
    reg, new = registry, people["new"]
    workflow.define_circuit(reg.alpha, "Délibérations", "Délibération",
                            [StepSpec(SIGNATURE, [new])])
    folder = workflow.submit(reg.secretaire, reg.alpha, "Tarifs", "Délibération",
                             [("tarifs.pdf", make_pdf("Tarifs"))])
    sentence = ("Vous n'avez pas encore de certificat de signature : demandez à votre DGS ou au "
                "syndicat de l'installer (page Certificats).")
    login(client, new)
    url = f"{SPACE}dossiers/{folder.pk}/"
    assert sentence in text(client.get(url))
    assert sentence in text(client.get(f"{SPACE}mon-certificat/"))
    response = client.post(url, {"action": "sign", "on_behalf": new.uid}, follow=True)
    assert sentence in text(response) and "has no signing key" not in text(response)
    assert Folder.objects.get(pk=folder.pk).status == Folder.IN_PROGRESS


def test_a_dgs_installs_a_key_on_a_pkcs11_token_and_the_official_signs_with_its_pin(
        client, registry, people, hsm, roots, settings):
    module, identity = hsm
    reg, new = registry, people["new"]
    install = f"{BASE}{new.uid}/"
    login(client, people["dgs"])
    settings.MUTUALIS_PKCS11_MODULE = ""
    assert "Ce serveur n'a pas de module PKCS#11 configuré" in text(client.get(install))
    assert client.post(install, {"kind": "pkcs11", "p11-token": TOKEN,
                                 "p11-key_label": "cachet", "p11-pin": PIN}).status_code == 404

    settings.MUTUALIS_PKCS11_MODULE = module
    for label in ("Libellé du jeton (carte ou HSM)", "Libellé de la clé", "Code PIN du jeton",
                  "Installer la clé PKCS#11"):
        assert label in text(client.get(install))
    wrong_pin = client.post(install, {"kind": "pkcs11", "p11-token": TOKEN,
                                      "p11-key_label": "cachet", "p11-pin": "000000"})
    assert wrong_pin.status_code == 400 and (
        f"Le jeton PKCS#11 « {TOKEN} » ne s'ouvre pas : le code PIN est incorrect, ou le jeton "
        "est absent du module configuré.") in text(wrong_pin)
    wrong_label = client.post(install, {"kind": "pkcs11", "p11-token": TOKEN,
                                        "p11-key_label": "absente", "p11-pin": PIN})
    assert wrong_label.status_code == 400 and (
        f"Le jeton « {TOKEN} » ne contient pas de clé « absente » avec son certificat : "
        "vérifiez le libellé de la clé.") in text(wrong_label)
    assert workflow.active_key(new) is None

    done = client.post(install, {"kind": "pkcs11", "p11-token": TOKEN,
                                 "p11-key_label": "cachet", "p11-pin": PIN})
    assert done.status_code == 302
    key = workflow.active_key(new)
    assert (key.storage, key.pkcs11_token, key.pkcs11_key_label) == (
        SigningKey.PKCS11, TOKEN, "cachet")
    assert PIN not in str(key.__dict__)
    assert "clé sur carte ou module PKCS#11" in text(client.get(BASE))

    workflow.define_circuit(reg.alpha, "Arrêtés", "Arrêté", [StepSpec(SIGNATURE, [new])])
    folder = workflow.submit(reg.secretaire, reg.alpha, "Arrêté de voirie", "Arrêté",
                             [("arrete.pdf", make_pdf("Arrêté"))])
    login(client, new)
    assert "Vous saisirez le code PIN de votre carte à chaque signature." in text(
        client.get(f"{SPACE}mon-certificat/"))
    url = f"{SPACE}dossiers/{folder.pk}/"
    assert "Code PIN de votre carte" in text(client.get(url))
    client.post(url, {"action": "sign", "on_behalf": new.uid, "passphrase": PIN})
    folder = Folder.objects.get(pk=folder.pk)
    assert folder.status == Folder.DONE
    with folder.documents.get(kind="main").file.open("rb") as f:
        [report] = verify_pdf(f.read(), roots, online=False)
    assert report.ok and report.signer == "Cachet HSM de Alphaville"
