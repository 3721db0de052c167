"""SEDA 2.2 transfer packages (SIP): the ArchiveTransfer manifest, validated against the
published schema (ged/data/seda-2.2, see its SOURCE.md), zipped with the documents' files
under content/; and the reading back of a package (`read_sip`), which is also how the
archive's replies (Acknowledgement, ArchiveTransferReply) are read."""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from lxml import etree

NS = "fr:gouv:culture:archivesdefrance:seda:v2.2"
SCHEMA = Path(__file__).parent / "data" / "seda-2.2" / "seda-2.2-main.xsd"
MANIFEST = "manifest.xml"


class InvalidMessage(Exception):
    """A SEDA message that its schema refuses (the first error, with its line)."""


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def validate(xml: bytes) -> etree._Element:
    root = etree.fromstring(xml)
    checker = schema()
    if not checker.validate(root):
        error = checker.error_log.last_error
        raise InvalidMessage(f"message SEDA invalide, ligne {error.line} : {error.message}")
    return root


def _el(parent, tag: str, text: str | None = None, **attrs) -> etree._Element:
    node = etree.SubElement(parent, f"{{{NS}}}{tag}", **attrs)
    if text is not None:
        node.text = text
    return node


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Item:
    """One document's current version, as the package carries it."""

    key: str           # the document's record id
    title: str
    type_title: str
    created_on: str    # ISO date
    author: str
    filename: str
    content: bytes
    sha256: str
    mime_type: str
    puid: str
    rule_start: str    # ISO date the DUA ran from
    plan_position: str = ""  # the heading's cote in the member's plan
    rule_id: str = ""  # the retention rule (the document type's code)


def build_manifest(identifier: str, comment: str, archival_agency: str,
                   transferring_agency: str, items: list[Item],
                   archival_agreement: str = "") -> bytes:
    root = etree.Element(f"{{{NS}}}ArchiveTransfer", nsmap={None: NS})
    _el(root, "Comment", comment)
    _el(root, "Date", _now())
    _el(root, "MessageIdentifier", identifier)
    if archival_agreement:
        _el(root, "ArchivalAgreement", archival_agreement)
    codes = _el(root, "CodeListVersions")
    for tag in ("ReplyCodeListVersion", "MessageDigestAlgorithmCodeListVersion",
                "MimeTypeCodeListVersion", "FileFormatCodeListVersion"):
        _el(codes, tag, "SEDA-2.2")
    package = _el(root, "DataObjectPackage")
    for item in items:
        group = _el(package, "DataObjectGroup", id=f"GRP-{item.key}")
        data = _el(group, "BinaryDataObject", id=f"BDO-{item.key}")
        _el(data, "DataObjectVersion", "BinaryMaster_1")
        _el(data, "Uri", f"content/{item.key}/{item.filename}")
        _el(data, "MessageDigest", item.sha256, algorithm="SHA-256")
        _el(data, "Size", str(len(item.content)))
        fmt = _el(data, "FormatIdentification")
        if item.mime_type:
            _el(fmt, "MimeType", item.mime_type)
        if item.puid:
            _el(fmt, "FormatId", item.puid)
        info = _el(data, "FileInfo")
        _el(info, "Filename", item.filename)
    meta = _el(package, "DescriptiveMetadata")
    for item in items:
        unit = _el(meta, "ArchiveUnit", id=f"AU-{item.key}")
        management = _el(unit, "Management")
        appraisal = _el(management, "AppraisalRule")
        _el(appraisal, "Rule", item.rule_id or "DUA")
        _el(appraisal, "StartDate", item.rule_start)
        _el(appraisal, "FinalAction", "Keep")
        content = _el(unit, "Content")
        _el(content, "DescriptionLevel", "Item")
        _el(content, "Title", item.title)
        if item.plan_position:
            _el(content, "FilePlanPosition", item.plan_position)
        _el(content, "OriginatingSystemId", item.key)
        _el(content, "DocumentType", item.type_title)
        if item.author:
            writer = _el(content, "Writer")
            _el(writer, "FullName", item.author)
        _el(content, "CreatedDate", item.created_on)
        ref = _el(unit, "DataObjectReference")
        _el(ref, "DataObjectGroupReferenceId", f"GRP-{item.key}")
    management = _el(package, "ManagementMetadata")
    _el(management, "OriginatingAgencyIdentifier", transferring_agency)
    _el(management, "SubmissionAgencyIdentifier", transferring_agency)
    _el(_el(root, "ArchivalAgency"), "Identifier", archival_agency)
    _el(_el(root, "TransferringAgency"), "Identifier", transferring_agency)
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate(xml)
    return xml


def build_sip(identifier: str, comment: str, archival_agency: str, transferring_agency: str,
              items: list[Item], archival_agreement: str = "") -> bytes:
    """The package: manifest.xml (validated) and content/<key>/<filename>."""
    manifest = build_manifest(identifier, comment, archival_agency, transferring_agency,
                              items, archival_agreement)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(MANIFEST, manifest)
        for item in items:
            package.writestr(f"content/{item.key}/{item.filename}", item.content)
    return out.getvalue()


@dataclass(frozen=True)
class ReadItem:
    key: str
    title: str
    filename: str
    sha256: str
    size: int
    puid: str
    digest_ok: bool


def _text(node, path: str) -> str:
    found = node.find(path, {"s": NS})
    return "" if found is None or found.text is None else found.text


def read_sip(package: bytes) -> tuple[str, list[ReadItem]]:
    """(MessageIdentifier, items) of a package, its manifest validated and every file's
    digest checked against the manifest."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        root = validate(archive.read(MANIFEST))
        units = {_text(u, "s:Content/s:OriginatingSystemId"): u
                 for u in root.iterfind(".//s:ArchiveUnit", {"s": NS})}
        items = []
        for data in root.iterfind(".//s:BinaryDataObject", {"s": NS}):
            key = data.get("id").removeprefix("BDO-")
            uri, digest = _text(data, "s:Uri"), _text(data, "s:MessageDigest")
            content = archive.read(uri)
            items.append(ReadItem(key=key, title=_text(units[key], "s:Content/s:Title"),
                                  filename=_text(data, "s:FileInfo/s:Filename"), sha256=digest,
                                  size=int(_text(data, "s:Size")),
                                  puid=_text(data, "s:FormatIdentification/s:FormatId"),
                                  digest_ok=hashlib.sha256(content).hexdigest() == digest))
    return _text(root, "s:MessageIdentifier"), items


def acknowledgement(identifier: str, received: str, sender: str, receiver: str) -> bytes:
    """An Acknowledgement message (SEDA 2.2), as the archive sends it on receipt."""
    root = etree.Element(f"{{{NS}}}Acknowledgement", nsmap={None: NS})
    _el(root, "Date", _now())
    _el(root, "MessageIdentifier", identifier)
    _el(root, "MessageReceivedIdentifier", received)
    _el(_el(root, "Sender"), "Identifier", sender)
    _el(_el(root, "Receiver"), "Identifier", receiver)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def transfer_reply(identifier: str, request: str, code: str, archival_agency: str,
                   transferring_agency: str, comment: str = "") -> bytes:
    """An ArchiveTransferReply (SEDA 2.2): ReplyCode 000 is acceptance."""
    root = etree.Element(f"{{{NS}}}ArchiveTransferReply", nsmap={None: NS})
    if comment:
        _el(root, "Comment", comment)
    _el(root, "Date", _now())
    _el(root, "MessageIdentifier", identifier)
    codes = _el(root, "CodeListVersions")
    _el(codes, "ReplyCodeListVersion", "SEDA-2.2")
    _el(root, "ReplyCode", code)
    _el(root, "MessageRequestIdentifier", request)
    _el(_el(root, "ArchivalAgency"), "Identifier", archival_agency)
    _el(_el(root, "TransferringAgency"), "Identifier", transferring_agency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def read_reply(xml: bytes) -> dict:
    """The fields the GED keeps from an archive's message (validated first)."""
    root = validate(xml)
    return {"kind": etree.QName(root).localname, "identifier": _text(root, "s:MessageIdentifier"),
            "code": _text(root, "s:ReplyCode"),
            "request": _text(root, "s:MessageRequestIdentifier")
            or _text(root, "s:MessageReceivedIdentifier")}
