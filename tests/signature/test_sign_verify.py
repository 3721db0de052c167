"""PAdES signing at each level, checked by pyHanko's validator and independently by Poppler's
pdfsig; tampering and a revoked signer."""

from __future__ import annotations

import asyncio
import io

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import DocumentSecurityStore, validate_pdf_signature
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko_certvalidator import ValidationContext

from signature.errors import SignatureError
from signature.sign import SigningOptions, SigningSession
from signature.stamp import StampText
from signature.verify import _lta_spec, verify_pdf
from tests.factories import make_pdf

from .conftest import pdf_text, pdfsig

STAMP = StampText("Sylvie Maire", "Maire", "Alphaville", "Alphaville")


def sign(signer, level: str, pki, data: bytes | None = None) -> bytes:
    options = SigningOptions(level=level, tsa_url=pki.tsa_url if level != "B-B" else "",
                             reason="Approuvé", location="Alphaville")
    return SigningSession(signer, options).sign(data or make_pdf(), STAMP)


@pytest.mark.parametrize("level", ["B-B", "B-T", "B-LT", "B-LTA"])
def test_each_level_is_valid_trusted_and_what_it_claims(level, pki, identities, signer_of,
                                                        roots, nssdb, tmp_path):
    signed = sign(signer_of(identities.maire), level, pki)
    path = tmp_path / f"{level}.pdf"
    path.write_bytes(signed)

    # pyHanko, through our report
    reports = verify_pdf(signed, roots, online=False)
    signature = reports[0]
    assert (signature.kind, signature.intact, signature.trusted) == ("signature", True, True)
    assert signature.level == level
    assert signature.signer == "Sylvie Maire"
    assert (signature.reason, signature.location) == ("Approuvé", "Alphaville")

    reader = PdfFileReader(io.BytesIO(signed))
    sig = reader.embedded_regular_signatures[0]
    unsigned = [a["type"].native for a in (sig.signer_info["unsigned_attrs"] or [])]
    assert ("signature_time_stamp_token" in unsigned) == (level != "B-B")
    if level == "B-B":
        assert signature.coverage == "entire_file"
    if level in ("B-T", "B-LT", "B-LTA"):
        assert signature.time_source == "timestamp"
    if level in ("B-LT", "B-LTA"):
        # The revocation data is in the DSS: the signature validates offline, with hard-fail
        # revocation checking, from what the file carries.
        dss = DocumentSecurityStore.read_dss(reader)
        assert dss.crls and dss.certs
        context = dss.as_validation_context({"trust_roots": roots, "allow_fetching": False,
                                             "revocation_mode": "hard-fail"})
        status = validate_pdf_signature(sig, context)
        assert status.bottom_line, status.pretty_print_details()
    if level == "B-LTA":
        assert [r.kind for r in reports] == ["signature", "timestamp"]
        assert reports[1].intact and reports[1].trusted
        result = asyncio.run(ades_lta_validation(sig, _lta_spec(roots)))
        assert result.ades_subindic.status.name == "PASSED", result.failure_msg
        assert result.oldest_evidence_record_timestamp is not None
        assert signature.lta_validated
    else:
        assert len(reports) == 1

    # Poppler, independently, trusting the test root through NSS
    code, output = pdfsig(nssdb, path)
    assert code == 0, output
    first = output.split("Signature #2")[0]
    assert "Signature Validation: Signature is Valid." in first, output
    assert "Certificate Validation: Certificate is Trusted." in first, output
    assert "Signer Certificate Common Name: Sylvie Maire" in first
    assert "ETSI.CAdES.detached" in first

    # The visible stamp says who, in which role, for which member, when and where
    text = pdf_text(signed, tmp_path)
    assert "Signé électroniquement par" in text and "Sylvie Maire, Maire" in text
    assert "à Alphaville" in text


def test_one_byte_changed_after_signing_is_detected(pki, identities, signer_of, roots, nssdb,
                                                    tmp_path):
    signed = sign(signer_of(identities.maire), "B-B", pki, make_pdf("Montant : 1000 euros"))
    offset = signed.index(b"1000 euros")
    tampered = signed[:offset] + b"9" + signed[offset + 1:]
    assert len(tampered) == len(signed)

    report = verify_pdf(tampered, roots, online=False)[0]
    assert not report.intact and not report.ok
    assert "le contenu signé a été modifié" in report.problems

    path = tmp_path / "tampered.pdf"
    path.write_bytes(tampered)
    code, output = pdfsig(nssdb, path)
    assert "Digest Mismatch" in output, output
    assert "Signature is Valid" not in output


def test_an_appended_revision_changing_the_page_is_not_intact(pki, identities, signer_of,
                                                              roots):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    signed = sign(signer_of(identities.maire), "B-B", pki)
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page_ref, _ = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 600 Td (Montant : 9000) Tj ET")
    page["/Contents"] = writer.add_object(stream)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)

    report = verify_pdf(out.getvalue(), roots, online=False)[0]
    assert not report.intact
    assert report.modifications == "other"


def test_a_revoked_signer_is_refused_at_signing_time(pki, identities, signer_of):
    with pytest.raises(SignatureError) as caught:
        sign(signer_of(identities.revoked), "B-B", pki)
    assert str(caught.value) == ("Le certificat du signataire (Révoqué Dupont) est révoqué : "
                                 "la signature est refusée.")


def test_an_untrusted_root_is_not_trusted(pki, identities, signer_of):
    signed = sign(signer_of(identities.maire), "B-B", pki)
    report = verify_pdf(signed, [], online=False)[0]
    assert report.intact and not report.trusted and not report.ok


def test_signatures_accumulate_and_each_stays_valid(pki, identities, signer_of, roots, nssdb,
                                                    tmp_path):
    first = sign(signer_of(identities.maire), "B-T", pki)
    second = SigningSession(signer_of(identities.adjoint), SigningOptions(
        level="B-T", tsa_url=pki.tsa_url)).sign(first, StampText("Paul Adjoint", "Adjoint"))
    reports = verify_pdf(second, roots, online=False)
    assert [(r.signer, r.ok) for r in reports] == [("Sylvie Maire", True),
                                                   ("Paul Adjoint", True)]
    assert reports[0].modifications == "form_filling"  # the second signature, allowed
    path = tmp_path / "two.pdf"
    path.write_bytes(second)
    code, output = pdfsig(nssdb, path)
    assert output.count("Signature is Valid.") == 2 and code == 0, output


def test_b_t_without_a_tsa_is_one_sentence():
    with pytest.raises(SignatureError, match="demande une autorité d'horodatage"):
        SigningOptions(level="B-T")


def test_validation_context_without_fetching_sees_no_revocation_data_for_b_b(pki, identities,
                                                                             signer_of, roots):
    """B-B carries no revocation data: offline, hard-fail checking cannot trust it (which is
    what B-LT is for)."""
    signed = sign(signer_of(identities.maire), "B-B", pki)
    sig = PdfFileReader(io.BytesIO(signed)).embedded_regular_signatures[0]
    context = ValidationContext(trust_roots=roots, allow_fetching=False, crls=[], ocsps=[],
                                revocation_mode="hard-fail")
    assert not validate_pdf_signature(sig, context).trusted
