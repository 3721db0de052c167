"""Renewal of archive timestamps: a B-LTA PDF whose timestamp authority's certificate expires
soon is detected and renewed in an incremental update (checked by pyHanko through our report
and independently by Poppler's pdfsig), what does not need it is left byte for byte, and
`mutualis signature renew` keeps the previous version of every file it renews."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps import DummyTimeStamper

from mutualis.cli import main
from signature import audit, workflow
from signature.errors import SignatureError
from signature.models import SIGNATURE, AuditEntry, Folder
from signature.renewal import needs_renewal, renew, tsa_timestamper, validation_context
from signature.sign import SigningOptions, SigningSession
from signature.stamp import StampText
from signature.verify import verify_pdf
from signature.workflow import StepSpec
from tests.convocation.servers import TsaServer
from tests.factories import make_pdf

from .conftest import PASSWORD, pdfsig
from .pki import to_asn1

STAMP = StampText("Sylvie Maire", "Maire", "Alphaville", "Alphaville")
SHORT_TSA = "Horodatage bientôt expiré"


class _Authority:
    """pyHanko's dummy TSA behind the convocation tests' `TsaServer` (which asks `respond`)."""

    def __init__(self, stamper: DummyTimeStamper) -> None:
        self.stamper = stamper

    def respond(self, request: bytes) -> bytes:
        return self.stamper.request_tsa_response(tsp.TimeStampReq.load(request)).dump()


@pytest.fixture(scope="module")
def short_tsa(pki):
    """A TSA of the test PKI whose certificate expires in 30 days, on loopback."""
    identity = pki.issue(SHORT_TSA, key=rsa.generate_private_key(65537, 2048), tsa=True,
                         days=30)
    key = asn1_keys.PrivateKeyInfo.load(identity.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    stamper = DummyTimeStamper(to_asn1(identity.certificate), key,
                               certs_to_embed=[to_asn1(pki.root)])
    server = TsaServer(_Authority(stamper)).start()
    yield server
    server.stop()


def sign(signer, level: str, tsa_url: str, data: bytes | None = None) -> bytes:
    options = SigningOptions(level=level, tsa_url=tsa_url, reason="Approuvé",
                             location="Alphaville")
    return SigningSession(signer, options).sign(data or make_pdf(), STAMP)


def doc_timestamps(data: bytes) -> int:
    return len(PdfFileReader(io.BytesIO(data)).embedded_timestamp_signatures)


def test_a_b_lta_pdf_whose_tsa_expires_soon_is_detected_and_renewed(
        pki, short_tsa, identities, signer_of, roots, nssdb, tmp_path):
    signed = sign(signer_of(identities.maire), "B-LTA", short_tsa.url)
    assert verify_pdf(signed, roots, online=False)[0].level == "B-LTA"

    need = needs_renewal(signed, roots, horizon_days=90)
    assert need and need.needed
    assert f"relies on the certificate {SHORT_TSA}, which expires on" in need.reason
    assert "within the 90-day horizon" in need.reason
    assert need.valid_until - datetime.now(UTC) < timedelta(days=31)
    assert not needs_renewal(signed, roots, horizon_days=10)  # further than the horizon

    renewed = renew(signed, tsa_timestamper(pki.tsa_url), validation_context(roots))

    # An incremental update: the signed file is untouched, one document timestamp more
    assert renewed.startswith(signed) and len(renewed) > len(signed)
    assert doc_timestamps(renewed) == doc_timestamps(signed) + 1 == 2
    reader = PdfFileReader(io.BytesIO(renewed))
    last = reader.embedded_timestamp_signatures[-1]
    assert last.signer_cert.subject.native["common_name"] == "Horodatage de test"
    # The previous timestamp's validation data went into the DSS, with its VRI entry
    dss = reader.root["/DSS"]
    assert "/VRI" in dss and len(dss["/VRI"]) >= 2
    assert not needs_renewal(renewed, roots, horizon_days=90)

    # pyHanko, through our report: the signature is still B-LTA, intact and trusted, and so is
    # each archive timestamp
    reports = verify_pdf(renewed, roots, online=False)
    assert [r.kind for r in reports] == ["signature", "timestamp", "timestamp"]
    signature = reports[0]
    assert (signature.level, signature.ok, signature.lta_validated) == ("B-LTA", True, True)
    assert signature.modifications == "lta_updates"
    assert all(r.ok for r in reports), [r.problems for r in reports]

    # Poppler, independently
    path = tmp_path / "renewed.pdf"
    path.write_bytes(renewed)
    code, output = pdfsig(nssdb, path)
    assert code == 0, output
    first = output.split("Signature #2")[0]
    assert "Signer Certificate Common Name: Sylvie Maire" in first
    assert "Signature Validation: Signature is Valid." in first, output
    assert "Certificate Validation: Certificate is Trusted." in first, output
    assert output.count("Signature #") == 3


def test_a_b_lt_pdf_gets_its_first_archive_timestamp(pki, identities, signer_of, roots):
    signed = sign(signer_of(identities.maire), "B-LT", pki.tsa_url)
    need = needs_renewal(signed, roots)
    assert need and "is B-LT and no archive timestamp covers it yet" in need.reason

    renewed = renew(signed, tsa_timestamper(pki.tsa_url), validation_context(roots))
    assert renewed.startswith(signed) and doc_timestamps(renewed) == 1
    [signature, timestamp] = verify_pdf(renewed, roots, online=False)
    assert (signature.level, signature.ok, timestamp.ok) == ("B-LTA", True, True)


def test_a_weak_digest_is_reported_and_too_late_to_renew(pki, identities, signer_of, roots):
    """A SHA-1 archive timestamp: pyHanko no longer accepts it, so the renewal is refused in
    one sentence (it had to happen before SHA-1 was withdrawn)."""
    signed = sign(signer_of(identities.maire), "B-LT", pki.tsa_url)
    out = io.BytesIO()
    PdfTimeStamper(tsa_timestamper(pki.tsa_url)).timestamp_pdf(
        IncrementalPdfFileWriter(io.BytesIO(signed)), "sha1", output=out)
    weak = out.getvalue()
    need = needs_renewal(weak, roots, horizon_days=30)
    assert need and "uses the weak digest algorithm SHA1" in need.reason

    with pytest.raises(SignatureError) as caught:
        renew(weak, tsa_timestamper(pki.tsa_url), validation_context(roots))
    assert str(caught.value).endswith(
        "is not trusted: its algorithms are no longer accepted: it is too late to renew it")


def test_what_needs_no_renewal_is_said_so(pki, identities, signer_of, roots):
    signer = signer_of(identities.maire)
    fresh = sign(signer, "B-LTA", pki.tsa_url)  # its TSA certificate lasts about a year
    need = needs_renewal(fresh, roots, horizon_days=90)
    assert not need and "stays verifiable until" in need.reason
    assert not needs_renewal(sign(signer, "B-T", pki.tsa_url), roots)
    assert needs_renewal(make_pdf(), roots).reason == "no signature: nothing to keep verifiable"
    # Too late: the clock moved past the TSA certificate's end
    late = needs_renewal(fresh, roots, now=datetime.now(UTC) + timedelta(days=800))
    assert late and "which expired on" in late.reason
    with pytest.raises(SignatureError, match="not a readable PDF"):
        needs_renewal(b"not a PDF", roots)


def test_a_file_changed_after_its_archive_timestamp_is_not_stamped_over(pki, short_tsa,
                                                                         identities, signer_of,
                                                                         roots):
    signed = sign(signer_of(identities.maire), "B-LTA", short_tsa.url)
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page_ref, _ = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    page["/Contents"] = writer.add_object(generic.StreamObject(
        stream_data=b"BT /F1 24 Tf 72 600 Td (Montant : 9000) Tj ET"))
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)

    with pytest.raises(SignatureError, match="was changed after the archive timestamp"):
        renew(out.getvalue(), tsa_timestamper(pki.tsa_url), validation_context(roots))


def test_an_unanswering_tsa_is_one_sentence(short_tsa, identities, signer_of, roots):
    signed = sign(signer_of(identities.maire), "B-LTA", short_tsa.url)
    with pytest.raises(SignatureError) as caught:
        renew(signed, tsa_timestamper("http://127.0.0.1:9/tsa"), validation_context(roots))
    assert str(caught.value) == "the timestamp authority http://127.0.0.1:9/tsa did not answer"


# --------------------------------------------------------------------------- the parapheur

PW = PASSWORD.decode()


def _done_folder(reg, title: str) -> Folder:
    folder = workflow.submit(reg.secretaire, reg.alpha, title, "Délibération",
                             [("deliberation.pdf", make_pdf(title))], [])
    folder = workflow.sign(folder, reg.maire, PW)
    assert folder.status == Folder.DONE
    return folder


def _main_doc(folder: Folder):
    return Folder.objects.get(pk=folder.pk).documents.get(kind="main")


def _read(doc) -> bytes:
    with doc.file.open("rb") as f:
        return f.read()


@pytest.fixture
def signed_folders(registry, parapheur_settings, pki, short_tsa):
    """Two finished folders signed at B-LTA: one with the short-lived TSA, one with the
    test PKI's TSA (a year), and the installation then configured with the latter."""
    reg = registry
    workflow.define_circuit(reg.alpha, "Délibérations", "Délibération",
                            [StepSpec(SIGNATURE, [reg.maire])])
    parapheur_settings.MUTUALIS_SIGNATURE_LEVEL = "B-LTA"
    parapheur_settings.MUTUALIS_TSA_URL = short_tsa.url
    expiring = _done_folder(reg, "Budget primitif 2027")
    parapheur_settings.MUTUALIS_TSA_URL = pki.tsa_url
    lasting = _done_folder(reg, "Compte administratif 2026")
    return reg, expiring, lasting


def test_cli_dry_run_lists_and_changes_nothing(signed_folders, capsys):
    reg, expiring, lasting = signed_folders
    docs = [_main_doc(expiring), _main_doc(lasting)]
    before = [(d.file.name, d.sha256, _read(d)) for d in docs]
    entries = AuditEntry.objects.count()

    assert main(["signature", "renew", "--horizon-days", "90", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"TO RENEW {expiring.reference} deliberation.pdf:" in out
    assert SHORT_TSA in out and lasting.reference not in out
    assert "2 signed documents checked, 1 needing renewal (dry run: nothing changed)." in out

    after = [_main_doc(expiring), _main_doc(lasting)]
    assert [(d.file.name, d.sha256, _read(d)) for d in after] == before
    assert AuditEntry.objects.count() == entries


def test_cli_renews_keeps_the_previous_version_and_records_it(signed_folders, roots, capsys,
                                                              nssdb, tmp_path):
    reg, expiring, lasting = signed_folders
    old, other = _main_doc(expiring), _main_doc(lasting)
    old_name, old_bytes, old_sha = old.file.name, _read(old), old.sha256
    other_state = (other.file.name, other.sha256, _read(other))

    assert main(["signature", "renew", "--horizon-days", "90"]) == 0
    out = capsys.readouterr().out
    assert f"RENEWED  {expiring.reference} deliberation.pdf:" in out
    assert "2 signed documents checked, 1 needing renewal, 1 renewed, 0 failed." in out

    doc = _main_doc(expiring)
    data = _read(doc)
    assert doc.file.name != old_name and f"previous version kept: {old_name}" in out
    assert data.startswith(old_bytes) and doc_timestamps(data) == 2
    assert doc.sha256 != old_sha and doc.sha256 == hashlib.sha256(data).hexdigest()
    with doc.file.storage.open(old_name, "rb") as f:  # the previous version is still there
        assert f.read() == old_bytes
    reports = verify_pdf(data, roots, online=False)
    assert reports[0].level == "B-LTA" and all(r.ok for r in reports)
    path = tmp_path / "renewed.pdf"
    path.write_bytes(data)
    code, output = pdfsig(nssdb, path)
    assert code == 0 and "Signature is Valid." in output.split("Signature #2")[0], output

    # The one that did not need it is byte for byte the same file
    other = _main_doc(lasting)
    assert (other.file.name, other.sha256, _read(other)) == other_state

    [entry] = [e for e in audit.entries(reg.alpha, expiring)
               if e["action"] == "archive_timestamp_renewed"]
    details = entry["details"]
    assert (details["document"], details["before"], details["after"]) == (
        "deliberation.pdf", old_sha, doc.sha256)
    assert (details["previous_file"], details["file"]) == (old_name, doc.file.name)
    assert SHORT_TSA in details["reason"] and details["valid_until"]
    assert audit.verify_chain(reg.alpha).ok

    # Converged: a second run finds nothing to do
    assert main(["signature", "renew", "--horizon-days", "90"]) == 0
    assert "2 signed documents checked, 0 needing renewal, 0 renewed" in capsys.readouterr().out


def test_cli_refuses_a_renewal_that_would_not_last(signed_folders, capsys):
    """With a horizon longer than the TSA's own certificate, renewing would have to be done
    again at every run: the document is left as it is and the run fails in one sentence."""
    _, expiring, _ = signed_folders
    doc = _main_doc(expiring)
    state = (doc.file.name, _read(doc))
    assert main(["signature", "renew", "--horizon-days", "800"]) == 1
    captured = capsys.readouterr()
    assert "error: FAILED" in captured.err and "would not last either" in captured.err
    assert "Traceback" not in captured.err
    doc = _main_doc(expiring)
    assert (doc.file.name, _read(doc)) == state


def test_cli_without_a_tsa_is_one_sentence(signed_folders, parapheur_settings, capsys):
    parapheur_settings.MUTUALIS_TSA_URL = ""
    assert main(["signature", "renew"]) == 1
    assert capsys.readouterr().err.strip() == (
        "error: renewing archive timestamps needs a timestamp authority: set MUTUALIS_TSA_URL")


def test_the_nightly_job_renews_as_the_command_does(signed_folders, capfd):
    from mutualis.celery import app

    app.loader.import_default_modules()
    _, expiring, lasting = signed_folders
    other = _main_doc(lasting).file.name
    renew = app.tasks["signature.renew_archive_timestamps"]
    assert renew.delay(horizon_days=90).get() == {"checked": 2, "renewed": 1, "failed": 0}
    assert doc_timestamps(_read(_main_doc(expiring))) == 2
    assert _main_doc(lasting).file.name == other
    assert renew.delay(horizon_days=90).get() == {"checked": 2, "renewed": 0, "failed": 0}
    # What fails is said in the worker's log, one line a document.
    assert renew.delay(horizon_days=800).get()["failed"] == 2  # the TSA lasts a year
    assert f"archive timestamp of {expiring.reference} deliberation.pdf not renewed: " in (
        capfd.readouterr().err)
