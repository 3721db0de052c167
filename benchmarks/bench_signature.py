"""Parapheur figures: PAdES signing of one-page PDFs with an EC P-256 key, and verification.

- batch signing (`SigningSession.sign_many`: key opened once, signer's certificate and TSA
  chain validated once, signature size measured once, timestamp requests overlapping) at B-B
  and B-T, side by side with a naive loop that opens the PKCS#12 and calls pyHanko once per
  file;
- verification of the signed files (`verify_pdf`, with the revocation data they carry).

The timestamp authority is pyHanko's dummy TSA served over HTTP on loopback, in this process
(its work competes with the signer's for the CPU, as a local TSA would).

Run: .venv/bin/python benchmarks/bench_signature.py [FILES]
"""

from __future__ import annotations

import io
import os
import sys
import time

from _django import start  # noqa: E402 (benchmarks/_django.py)

start("signature")

import logging  # noqa: E402

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.sign import fields, signers  # noqa: E402
from pyhanko.sign.timestamps import HTTPTimeStamper  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

from signature import stamp  # noqa: E402
from signature.pki.keys import signer_from_pkcs12  # noqa: E402
from signature.sign import SigningOptions, SigningSession  # noqa: E402
from signature.verify import verify_pdf  # noqa: E402
from tests.signature.pki import PASSWORD, start_pki, to_asn1  # noqa: E402

logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)


def one_page_pdf(n: int) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.drawString(72, 760, f"Délibération n° 2026-{n:03d}")
    pdf.drawString(72, 740, "Le conseil municipal, après en avoir délibéré, décide...")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def naive(p12: bytes, pdfs: list[bytes], tsa_url: str | None) -> list[bytes]:
    """What a script would do: open the key, build a signer, sign, for every file."""
    out = []
    for data in pdfs:
        signer = signers.SimpleSigner.load_pkcs12_data(p12, [], passphrase=PASSWORD)
        meta = signers.PdfSignatureMetadata(field_name="Signature1", md_algorithm="sha256",
                                            subfilter=fields.SigSeedSubFilter.PADES)
        spec = fields.SigFieldSpec("Signature1", box=(28, 28, 208, 92), on_page=-1)
        pdf_signer = signers.PdfSigner(meta, signer, stamp_style=stamp.STYLE,
                                       new_field_spec=spec,
                                       timestamper=HTTPTimeStamper(tsa_url) if tsa_url else None)
        result = pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data)),
                                     appearance_text_params={"stamp": "Signé par\nBench"})
        out.append(result.getvalue())
    return out


def batch(p12: bytes, pdfs: list[bytes], level: str, tsa_url: str) -> list[bytes]:
    signer = signer_from_pkcs12(p12, PASSWORD)  # once
    session = SigningSession(signer, SigningOptions(level=level, tsa_url=tsa_url))
    text = stamp.StampText("Sylvie Martin", "Maire", "Commune de Melle", "Melle")
    return session.sign_many([(data, text) for data in pdfs])


def timed(label: str, count: int, run):
    start = time.perf_counter()
    result = run()
    elapsed = time.perf_counter() - start
    print(f"  {label:44} {elapsed:7.2f} s  {elapsed / count * 1000:7.1f} ms/file  "
          f"{count / elapsed:6.1f} files/s")
    return result, elapsed


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    pki = start_pki()
    try:
        p12 = pki.issue("Sylvie Martin", "Commune de Melle").pkcs12()
        pdfs = [one_page_pdf(n) for n in range(count)]
        # Warm up imports, the TSA and the CRL once, outside the measures.
        batch(p12, pdfs[:2], "B-T", pki.tsa_url)
        naive(p12, pdfs[:2], pki.tsa_url)
        print(f"Signing {count} one-page PDFs, EC P-256 key, on {os.cpu_count()} cores:")
        figures = {}
        for level in ("B-B", "B-T"):
            tsa = pki.tsa_url if level == "B-T" else ""
            _, figures[level, "naive"] = timed(f"{level} naive loop (key opened per file)", count,
                                               lambda tsa=tsa: naive(p12, pdfs, tsa or None))
            signed, figures[level, "batch"] = timed(
                f"{level} batch (SigningSession.sign_many)", count,
                lambda level=level, tsa=tsa: batch(p12, pdfs, level, tsa))
            print(f"  {level}: batch is {figures[level, 'naive'] / figures[level, 'batch']:.1f}x"
                  " the naive loop")
        roots = [to_asn1(pki.root)]
        reports, _ = timed("verify the B-T files (verify_pdf, offline)", count,
                           lambda: [verify_pdf(d, roots, online=False) for d in signed])
        assert all(r[0].ok and r[0].level == "B-T" for r in reports)
        print(f"  all {count} verified intact and trusted at level B-T")
    finally:
        pki.stop()


if __name__ == "__main__":
    main()
