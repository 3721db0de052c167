"""Format identification for the SEDA manifest: the MIME type from libmagic (python-magic)
and a PRONOM identifier (PUID) from a small table of the formats the apps produce. The PUIDs
are those of The National Archives' PRONOM registry (nationalarchives.gov.uk/PRONOM):
fmt/276 is PDF 1.7, fmt/19 PDF 1.5, fmt/18 PDF 1.4, fmt/17 PDF 1.3, fmt/95 PDF/A-1a, fmt/354
PDF/A-1b, fmt/101 XML 1.0, x-fmt/111 plain text, fmt/412 DOCX, fmt/291 ODT, fmt/43 JPEG
1.01, fmt/11 PNG 1.0, x-fmt/263 ZIP, x-fmt/18 CSV."""

from __future__ import annotations

import re

import magic

PDF_VERSIONS = {"1.2": "fmt/16", "1.3": "fmt/17", "1.4": "fmt/18", "1.5": "fmt/19",
                "1.6": "fmt/20", "1.7": "fmt/276", "2.0": "fmt/1129"}
BY_MIME = {"application/xml": "fmt/101", "text/xml": "fmt/101", "text/plain": "x-fmt/111",
           "text/csv": "x-fmt/18", "image/jpeg": "fmt/43", "image/png": "fmt/11",
           "application/zip": "x-fmt/263",
           "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "fmt/412",
           "application/vnd.oasis.opendocument.text": "fmt/291"}
PDFA = re.compile(rb"<pdfaid:part>(\d)</pdfaid:part>\s*<pdfaid:conformance>([AB])<", re.I)


def identify(content: bytes, filename: str = "") -> tuple[str, str]:
    """(MIME type, PUID or "") of the content."""
    mime = magic.from_buffer(content[:8192], mime=True)
    if mime == "application/pdf":
        pdfa = PDFA.search(content[:200000])
        if pdfa and pdfa.group(1) == b"1":
            return mime, "fmt/95" if pdfa.group(2).upper() == b"A" else "fmt/354"
        return mime, PDF_VERSIONS.get(content[5:8].decode("ascii", "replace"), "")
    if mime == "text/plain" and filename.lower().endswith(".csv"):
        mime = "text/csv"
    return mime, BY_MIME.get(mime, "")
