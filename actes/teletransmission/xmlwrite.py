"""Writing @ctes XML and tar.gz archives: the few helpers both sides of the format use
(archive.py for what the collectivité sends, prefecture.py for what comes back)."""

from __future__ import annotations

import gzip
import io
import tarfile
from datetime import UTC, date, datetime

from lxml import etree

from .nomenclature import NS, NSMAP, SCHEMA_LOCATION, XSI_NS


def q(name: str) -> str:
    """Qualified name in the @ctes namespace."""
    return f"{{{NS}}}{name}"


def new_root(tag: str) -> etree._Element:
    root = etree.Element(q(tag), nsmap=NSMAP)
    root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
    return root


def sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str):
    element = etree.SubElement(parent, q(tag))
    for key, value in attributes.items():
        element.set(q(key), value)
    if text is not None:
        element.text = text
    return element


def serialize(root: etree._Element) -> bytes:
    # ISO-8859-1 as every @ctes message (model.py keeps text within it, so lxml never
    # needs a character reference here).
    return etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1", pretty_print=True)


def tar_gz(files: list[tuple[str, bytes]], day: date) -> bytes:
    buffer = io.BytesIO()
    mtime = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
    # USTAR: the plainest tar, read by every tool on the tiers' and the ministry's side.
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, content in files:
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mtime = mtime
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(content))
    # mtime=0 in the gzip header: the same act gives the same bytes.
    return gzip.compress(buffer.getvalue(), compresslevel=6, mtime=0)
