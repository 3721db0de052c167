"""PES figures: XAdES-EPES signing of PES_Aller flux with an EC P-256 key (pes.xades), side by
side in the same run with `xmlsec1 --sign` on the same files, and verification rates.

- a 10 MB flux (20 bordereaux of 5 pièces, the PJ padded): signed whole (one signature, the
  work xmlsec1 does with one template), and per bordereau (20 signatures, ours only: xmlsec1
  signs one template per run);
- 100 single-bordereau flux: ours, each flux in turn in this process, against one xmlsec1
  process per file (its usual use from a script);
- verification: ours (XML-DSig core, XAdES properties, chain and revocation against the test
  PKI's CRL on loopback) and xmlsec1's (XML-DSig core and chain), flux a second.

xmlsec1 signs a plain XML-DSig template (same canonicalisation, digest, signature algorithm,
enveloped, same reference) without the XAdES properties ours adds; the template is made
before the clock starts.

Run: .venv/bin/python benchmarks/bench_pes.py [SINGLE_FLUX] [MEGABYTES]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _django import start  # noqa: E402 (benchmarks/_django.py)

start("pes")

from cryptography.hazmat.primitives import serialization  # noqa: E402
from lxml import etree  # noqa: E402

from pes import xades  # noqa: E402
from pes.flux import DEPENSE  # noqa: E402
from pes.verify import _id_attributes, verify_flux, xmlsec_verify  # noqa: E402
from tests.pes.generate import BordereauSpec, flux_of_size, make_flux  # noqa: E402
from tests.signature.pki import start_pki, to_asn1  # noqa: E402

DS = "http://www.w3.org/2000/09/xmldsig#"
PLACE = xades.ProductionPlace("Melle", "79500")


def template(data: bytes) -> bytes:
    """The flux with an XML-DSig template for xmlsec1 on its root (the same choices as ours)."""
    root = etree.fromstring(data, etree.XMLParser(huge_tree=True))
    root.set("Id", "PESBENCH")
    sig = etree.SubElement(root, f"{{{DS}}}Signature", nsmap={"ds": DS})
    info = etree.SubElement(sig, f"{{{DS}}}SignedInfo")
    etree.SubElement(info, f"{{{DS}}}CanonicalizationMethod", Algorithm=xades.C14N.value)
    etree.SubElement(info, f"{{{DS}}}SignatureMethod",
                     Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256")
    ref = etree.SubElement(info, f"{{{DS}}}Reference", URI="#PESBENCH")
    transforms = etree.SubElement(ref, f"{{{DS}}}Transforms")
    etree.SubElement(transforms, f"{{{DS}}}Transform", Algorithm=f"{DS}enveloped-signature")
    etree.SubElement(transforms, f"{{{DS}}}Transform", Algorithm=xades.C14N.value)
    etree.SubElement(ref, f"{{{DS}}}DigestMethod",
                     Algorithm="http://www.w3.org/2001/04/xmlenc#sha256")
    etree.SubElement(ref, f"{{{DS}}}DigestValue")
    etree.SubElement(sig, f"{{{DS}}}SignatureValue")
    etree.SubElement(etree.SubElement(sig, f"{{{DS}}}KeyInfo"), f"{{{DS}}}X509Data")
    return etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1")


def xmlsec_sign(path: Path, key_pem: Path, cert_pem: Path) -> None:
    subprocess.run(["xmlsec1", "--sign", "--privkey-pem", f"{key_pem},{cert_pem}",
                    *_id_attributes(), "--output", str(path.with_suffix(".signed.xml")),
                    str(path)], check=True, capture_output=True)


def main() -> None:
    singles = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    megabytes = float(sys.argv[2]) if len(sys.argv) > 2 else 10
    pki = start_pki()
    signer = pki.issue("Sylvain Gaborit", "Melle")
    chain = [signer.certificate]
    roots = [to_asn1(pki.root)]
    work = Path(tempfile.mkdtemp(prefix="bench-pes-"))
    key_pem, cert_pem, root_pem = work / "key.pem", work / "cert.pem", work / "root.pem"
    key_pem.write_bytes(signer.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    cert_pem.write_bytes(signer.pem)
    root_pem.write_bytes(pki.root_pem)

    big = flux_of_size(megabytes)
    print(f"{megabytes:g} MB flux: {len(big) / 1024 / 1024:.1f} MB, 20 bordereaux, 100 pièces, "
          "100 PJ")
    started = time.perf_counter()
    ours_whole = xades.sign_flux(big, signer.key, chain, mode=xades.FLUX, place=PLACE)
    t_ours_whole = time.perf_counter() - started
    started = time.perf_counter()
    ours_each = xades.sign_flux(big, signer.key, chain, mode=xades.BORDEREAU, place=PLACE)
    t_ours_each = time.perf_counter() - started
    big_template = work / "big.xml"
    big_template.write_bytes(template(big))
    started = time.perf_counter()
    xmlsec_sign(big_template, key_pem, cert_pem)
    t_xmlsec_big = time.perf_counter() - started
    print(f"  sign whole flux: ours {t_ours_whole:.2f} s, xmlsec1 --sign {t_xmlsec_big:.2f} s "
          f"(ratio ours/xmlsec1 {t_ours_whole / t_xmlsec_big:.1f})")
    print(f"  sign each of its 20 bordereaux (ours): {t_ours_each:.2f} s "
          f"({t_ours_each / 20 * 1000:.0f} ms a bordereau)")

    files = [make_flux([BordereauSpec(DEPENSE, n, pieces=3)]) for n in range(1, singles + 1)]
    print(f"{singles} single-bordereau flux of {len(files[0]) / 1024:.0f} KB")
    started = time.perf_counter()
    signed = [xades.sign_flux(f, signer.key, chain, place=PLACE) for f in files]
    t_ours = time.perf_counter() - started
    paths = []
    for n, data in enumerate(files):
        path = work / f"single-{n:03d}.xml"
        path.write_bytes(template(data))
        paths.append(path)
    started = time.perf_counter()
    for path in paths:
        xmlsec_sign(path, key_pem, cert_pem)
    t_xmlsec = time.perf_counter() - started
    print(f"  sign: ours {t_ours:.2f} s ({singles / t_ours:.0f} flux/s), xmlsec1 --sign "
          f"{t_xmlsec:.2f} s ({singles / t_xmlsec:.0f} flux/s; ratio ours/xmlsec1 "
          f"{t_ours / t_xmlsec:.2f})")

    started = time.perf_counter()
    results = [verify_flux(s, roots, online=True) for s in signed]
    t_verify = time.perf_counter() - started
    assert all(r.ok for r in results)
    started = time.perf_counter()
    checked = [xmlsec_verify(s, [root_pem]) for s in signed]
    t_xverify = time.perf_counter() - started
    assert all(r.ok for c in checked for r in c)
    print(f"  verify: ours {singles / t_verify:.1f} flux/s (CRL fetched each time), "
          f"xmlsec1 {singles / t_xverify:.1f} flux/s")
    started = time.perf_counter()
    assert verify_flux(ours_each, roots, online=True).ok
    t_big_verify = time.perf_counter() - started
    started = time.perf_counter()
    assert all(r.ok for r in xmlsec_verify(ours_each, [root_pem]))
    t_big_xverify = time.perf_counter() - started
    assert verify_flux(ours_whole, roots).ok
    print(f"  verify the big flux signed per bordereau (20 signatures): ours "
          f"{t_big_verify:.2f} s, xmlsec1 {t_big_xverify:.2f} s")
    pki.stop()


if __name__ == "__main__":
    main()
