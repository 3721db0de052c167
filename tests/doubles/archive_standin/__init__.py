"""A local stand-in for the archive system that receives SEDA transfers, for tests and
benchmarks (never installed). It is not As@lae nor Vitam.

It answers the interface `ged/connector.py` documents, the way an SAE answers a transfer in
SEDA 2.2 (the standard's message sequence: ArchiveTransfer → Acknowledgement, then
ArchiveTransferReply with a ReplyCode from its code list, 000 being acceptance):
- `POST /transfers`: reads the zip, validates its manifest.xml against the SEDA 2.2 schema
  (ged/data/seda-2.2) and checks every file's SHA-256 against its MessageDigest; answers 201
  with an Acknowledgement and `Location: /transfers/<n>`, or 400 with the reason;
- `GET /transfers/<n>/reply`: 202 until the transfer is decided (`decide`, or at once when
  `auto_accept`), then 200 with the ArchiveTransferReply (000 accepted, 200 rejected here).
The stand-in parses with lxml on its own, without the GED's SEDA code, so that a round trip
through it checks the package against an independent reader.
"""

from __future__ import annotations

import hashlib
import io
import threading
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

from lxml import etree

NS = "fr:gouv:culture:archivesdefrance:seda:v2.2"
XSD = Path(__file__).resolve().parents[3] / "ged" / "data" / "seda-2.2" / "seda-2.2-main.xsd"
S = {"s": NS}


@dataclass
class Transfer:
    identifier: str
    files: dict[str, str]  # uri -> sha256 as received
    titles: list[str]
    decision: str | None = None


@dataclass
class ArchiveStandIn:
    agency: str = "FRAD079"
    auto_accept: bool = False
    transfers: list[Transfer] = field(default_factory=list)

    def __post_init__(self):
        self.schema = etree.XMLSchema(etree.parse(str(XSD)))

    # -------------------------------------------------------------- messages
    def _message(self, tag: str, children: list[tuple[str, str]]) -> bytes:
        root = etree.Element(f"{{{NS}}}{tag}", nsmap={None: NS})
        for path, text in children:
            node = root
            for part in path.split("/"):
                node = etree.SubElement(node, f"{{{NS}}}{part}")
            node.text = text
        xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        assert self.schema.validate(etree.fromstring(xml)), self.schema.error_log
        return xml

    def receive(self, body: bytes) -> tuple[int, bytes, int | None]:
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as package:
                manifest = etree.fromstring(package.read("manifest.xml"))
                if not self.schema.validate(manifest):
                    return 400, str(self.schema.error_log.last_error).encode(), None
                files = {}
                for data in manifest.iterfind(".//s:BinaryDataObject", S):
                    uri = data.findtext("s:Uri", namespaces=S)
                    digest = data.findtext("s:MessageDigest", namespaces=S)
                    if hashlib.sha256(package.read(uri)).hexdigest() != digest:
                        return 400, f"digest mismatch: {uri}".encode(), None
                    files[uri] = digest
        except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
            return 400, f"bad package: {exc}".encode(), None
        identifier = manifest.findtext("s:MessageIdentifier", namespaces=S)
        titles = [t.text for t in manifest.iterfind(".//s:ArchiveUnit/s:Content/s:Title", S)]
        self.transfers.append(Transfer(identifier, files, titles,
                                       "000" if self.auto_accept else None))
        number = len(self.transfers)
        sender = manifest.findtext("s:TransferringAgency/s:Identifier", namespaces=S)
        ack = self._message("Acknowledgement", [
            ("Date", datetime.now(UTC).isoformat(timespec="seconds")),
            ("MessageIdentifier", f"ACK-{number}"), ("MessageReceivedIdentifier", identifier),
            ("Sender/Identifier", self.agency), ("Receiver/Identifier", sender or "")])
        return 201, ack, number

    def decide(self, number: int, code: str = "000") -> None:
        self.transfers[number - 1].decision = code

    def reply(self, number: int) -> tuple[int, bytes]:
        transfer = self.transfers[number - 1]
        if transfer.decision is None:
            return 202, b""
        return 200, self._message("ArchiveTransferReply", [
            ("Date", datetime.now(UTC).isoformat(timespec="seconds")),
            ("MessageIdentifier", f"ATR-{number}"),
            ("CodeListVersions/ReplyCodeListVersion", "SEDA-2.2"),
            ("ReplyCode", transfer.decision), ("MessageRequestIdentifier", transfer.identifier),
            ("ArchivalAgency/Identifier", self.agency),
            ("TransferringAgency/Identifier", "member")])

    # -------------------------------------------------------------- HTTP
    def __call__(self, environ, start_response):
        path, method = environ["PATH_INFO"].rstrip("/"), environ["REQUEST_METHOD"]
        headers = [("Content-Type", "application/xml")]
        if method == "POST" and path == "/transfers":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            status, body, number = self.receive(environ["wsgi.input"].read(length))
            if number is not None:
                headers.append(("Location", f"/transfers/{number}"))
        elif method == "GET" and path.startswith("/transfers/") and path.endswith("/reply"):
            number = int(path.split("/")[2])
            if not 0 < number <= len(self.transfers):
                status, body = 404, b""
            else:
                status, body = self.reply(number)
        else:
            status, body = 404, b""
        reason = {200: "OK", 201: "Created", 202: "Accepted", 400: "Bad Request",
                  404: "Not Found"}[status]
        start_response(f"{status} {reason}", headers)
        return [body]

    def serve(self) -> tuple[str, callable]:
        """Serve on a loopback port in a thread: (base URL, stop)."""

        class Quiet(WSGIRequestHandler):
            def log_message(self, *args):
                pass

        server = make_server("127.0.0.1", 0, self, handler_class=Quiet)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()

        def stop():
            server.shutdown()
            server.server_close()

        return f"http://127.0.0.1:{server.server_port}", stop
