"""The stand-in's HTTP side: S²LOW's endpoints and our /_standin/ control endpoints."""

from __future__ import annotations

import base64
import json
import re
from datetime import date
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from actes.teletransmission import naming
from actes.teletransmission.archive import Archive, build_archive, validate
from actes.teletransmission.errors import ActInvalid, ArchiveInvalid
from actes.teletransmission.model import Act, Collectivity, Document
from actes.teletransmission.nomenclature import STATUS_ACKNOWLEDGED, STATUS_ERROR
from actes.teletransmission.prefecture import SAMPLE_CLASSIFICATION
from actes.teletransmission.returns import MessageKind

from . import helios
from .state import StandInState, Transaction, _Refused


def _parse_multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, list[str]], dict[str, list]]:
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    fields: dict[str, list[str]] = {}
    files: dict[str, list[tuple[str, bytes]]] = {}
    if not match:
        return fields, files
    delimiter = b"--" + match.group(1).encode("latin-1")
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers = head.decode("latin-1")
        name = re.search(r'name="([^"]*)"', headers)
        filename = re.search(r'filename="([^"]*)"', headers)
        if not name:
            continue
        if filename:
            files.setdefault(name.group(1), []).append((filename.group(1), content))
        else:
            # S²LOW reads form fields as sent; ISO-8859-1 like the connector sends them.
            fields.setdefault(name.group(1), []).append(content.decode("latin-1"))
    return fields, files


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes: without TCP_NODELAY, Nagle's algorithm
    # and the client's delayed ACK add ~40 ms to every answer.
    disable_nagle_algorithm = True

    def log_message(self, format, *args) -> None:  # quiet: tests read the state instead
        pass

    # --- plumbing ---------------------------------------------------------------------------

    def _send(
        self,
        body: bytes,
        status: int = 200,
        content_type="text/plain; charset=ISO-8859-1",
        headers: dict | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _api(self, ok: bool, text: str) -> None:
        # Helpers::returnAndExit in API mode: OK/KO then the message, ISO-8859-1, HTTP 200.
        self._send((("OK" if ok else "KO") + "\n" + text + "\n").encode("iso-8859-1", "replace"))

    def _json(self, value, status: int = 200) -> None:
        self._send(json.dumps(value).encode(), status, "application/json")

    def _authenticated(self) -> bool:
        # S²LOW's User::authenticate: the certificate (checked in the TLS handshake when
        # the stand-in runs with --client-ca), then login/password when required.
        expected = self.server.credentials
        if expected is None:
            return True
        header = self.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                login, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return False
            return (login, password) == expected
        return False

    def _handle(self, method: str) -> None:
        url = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        state = self.server.state
        with state.lock:
            state.requests.append(f"{method} {url.path}")
            fault = (
                state.faults.pop(0)
                if state.faults and not url.path.startswith("/_standin")
                else None
            )
        if fault:
            self._send(b"<html><body>Service Unavailable</body></html>", fault, "text/html")
            return
        if url.path.startswith("/_standin/"):
            self._control(url.path, params)
            return
        fields, files = ({}, {})
        if method == "POST":
            content_type = self.headers.get("Content-Type", "")
            if content_type.startswith("multipart/form-data"):
                fields, files = _parse_multipart(content_type, body)
            else:
                fields = {k: v for k, v in parse_qs(body.decode("latin-1")).items()}
        for key, values in fields.items():
            params.setdefault(key, values[-1])
        route = _ROUTES.get(url.path)
        if route is None:
            self._send(b"Not Found", 404)
            return
        if not self._authenticated():
            self._api(False, "Échec de l'authentification")
            return
        try:
            route(self, params, fields, files)
        except _Refused as refusal:
            self._api(False, str(refusal))

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _transaction(self, value: str | None) -> Transaction:
        state = self.server.state
        if not value or not value.isdigit() or int(value) not in state.transactions:
            raise _Refused("Numéro de transaction invalide.")
        return state.transactions[int(value)]

    # --- S²LOW's scripts ----------------------------------------------------------------------

    def test_connection(self, params, fields, files) -> None:
        self._send(b"OK\n")

    def submit(self, params, fields, files) -> None:
        # actes_transac_submit.php: field "enveloppe", name checked by ActesNameArchive,
        # content imported (ActesEnvelope::importArchiveFile) - here: our validator.
        uploads = files.get("enveloppe")
        if not uploads:
            raise _Refused("Pas de fichier archive spécifié.")
        name, content = uploads[0]
        state = self.server.state
        parts = name.split("-")
        if len(parts) < 2:
            raise _Refused(
                "L'archive n'a pas un nom valide : Le nom de l'archive n'est pas correct"
            )
        if parts[0] != state.trigram:
            raise _Refused(
                f"L'archive n'a pas un nom valide : Le trigramme trouvé ({parts[0]}) ne "
                f"correspond pas au trigramme attendu ({state.trigram})"
            )
        if parts[1] != state.application:
            raise _Refused(
                f"L'archive n'a pas un nom valide : Le quadrigramme trouvé ({parts[1]}) "
                f"ne correspond pas au quadrigramme attendu ({state.application})"
            )
        archive = Archive(name, content)
        try:
            validate(archive)
        except ArchiveInvalid as error:
            details = "\n".join(str(problem) for problem in error.problems)
            raise _Refused(f"Erreur d'importation de l'enveloppe :\n{details}") from None
        siren = state.collectivite.siren
        if siren and naming.ARCHIVE_RE.match(name).group("siren") != siren:
            raise _Refused(
                "Erreur d'importation de l'enveloppe :\nLe SIREN de l'enveloppe n'est "
                "pas celui de la collectivité."
            )
        with state.lock:
            transaction = state.record_act(archive)
        # API answer: number of transactions, then each id.
        self._api(True, f"1\n{transaction.id}")

    def create(self, params, fields, files) -> None:
        # actes_transac_create.php: the form S²LOW turns into an archive itself.
        state = self.server.state
        number = params.get("number", "")
        if not re.match(r"^([A-Z0-9][A-Z0-9_]{0,13})?[A-Z0-9]$", number):
            raise _Refused("Le numéro n'est pas correct")
        try:
            decision = date.fromisoformat(params.get("decision_date", ""))
        except ValueError:
            raise _Refused("La date de décision n'est pas correcte") from None
        if decision > state.clock():
            raise _Refused("La date de décision est une date dans le futur")
        act_files = files.get("acte_pdf_file")
        if not act_files:
            raise _Refused("Aucun fichier acte n'a été posté ")
        if not params.get("type_acte"):
            raise _Refused(
                f"Erreur lors de la réception du fichier {act_files[0][0]} : typologie absente"
            )
        annex_files = files.get("acte_attachments[]", [])
        typologies = fields.get("type_pj[]", [])
        for index, (filename, _) in enumerate(annex_files):
            if index >= len(typologies) or not typologies[index]:
                raise _Refused(
                    f"Erreur lors de la réception du fichier annexe {filename} : typologie absente"
                )
        c = state.collectivite
        try:
            act = Act(
                collectivity=Collectivity(
                    c.siren or "000000000", c.department, c.arrondissement, c.nature_code
                ),
                number=number,
                nature=int(params.get("nature_code", "0") or 0),
                decision_date=decision,
                subject=params.get("subject", ""),
                matter=tuple(
                    params[f"classif{i}"] for i in range(1, 6) if params.get(f"classif{i}")
                ),
                classification_date=SAMPLE_CLASSIFICATION.version_date,
                document=Document(act_files[0][0], act_files[0][1], params["type_acte"]),
                annexes=tuple(
                    Document(f, content, typologies[i])
                    for i, (f, content) in enumerate(annex_files)
                ),
                return_emails=(c.email,),
                paper_documents=params.get("document_papier") == "1",
            )
        except ActInvalid as error:
            raise _Refused(f"Erreur de validation du fichier de l'acte :\n{error}") from None
        with state.lock:
            if number in state.numbers:
                raise _Refused(
                    "Un acte portant le même numéro interne existe déjà dans la base de "
                    "données.\nIl faut peut-être ajouter un suffixe au numéro."
                )
            state._sequence += 1
            archive = build_archive(
                act,
                state._sequence,
                state.clock(),
                trigram=state.trigram,
                application=state.application,
            )
            transaction = state.record_act(archive)
        self._api(True, str(transaction.id))

    def status(self, params, fields, files) -> None:
        # actes_transac_get_status.php: "OK", the status, then getFluxRetour(status); for -1
        # the error message.
        state = self.server.state
        with state.lock:
            transaction = self._transaction(params.get("transaction"))
            current = transaction.status
            if state.auto_advance:
                state.advance(transaction)
            body = f"OK\n{current}\n".encode()
            if current in (STATUS_ACKNOWLEDGED, STATUS_ERROR):
                body += transaction.flux_retour
        self._send(body)

    def aracte(self, params, fields, files) -> None:
        state = self.server.state
        with state.lock:
            transaction = self._transaction(params.get("id"))
            flux = transaction.flux_retour if transaction.status == STATUS_ACKNOWLEDGED else b""
        if not flux:
            raise _Refused("Cette transaction n'existe pas")
        self._send(flux, content_type="application/xml")

    def classification(self, params, fields, files) -> None:
        self._send(self.server.state.classification, content_type="text/xml; charset=ISO-8859-1")

    def classification_request(self, params, fields, files) -> None:
        self._api(True, "Demande de classification enregistrée.")

    def document(self, params, fields, files) -> None:
        # actes_transac_get_document.php: for an act, "type-status-id" per prefecture
        # message; for a message, a redirect to its envelope's archive.
        state = self.server.state
        with state.lock:
            transaction = self._transaction(params.get("id"))
            if transaction.type == 1:
                lines = [
                    f"{t.type}-{t.status}-{t.id}\n"
                    for t in state.transactions.values()
                    if t.related_id == transaction.id
                ]
                self._send("".join(lines).encode())
                return
            envelope_id = transaction.envelope_id
        self._send(b"", 302, headers={"Location": f"actes_download_file.php?env={envelope_id}"})

    def download(self, params, fields, files) -> None:
        state = self.server.state
        envelope = params.get("env", "")
        if not envelope.isdigit() or int(envelope) not in state.envelopes:
            raise _Refused("Enveloppe invalide.")
        name, content = state.envelopes[int(envelope)]
        self._send(
            content,
            content_type="application/x-gzip",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    def unread(self, params, fields, files) -> None:
        state = self.server.state
        with state.lock:
            rows = [
                {
                    "id": t.id,
                    "type": t.type,
                    "unique_id": t.id_acte,
                    "number": t.number,
                    "related_transaction_id": t.related_id,
                    "last_status_id": t.status,
                }
                for t in state.transactions.values()
                if t.type in (2, 3, 4, 5) and not t.read
            ]
        self._json(rows)

    def mark_read(self, params, fields, files) -> None:
        state = self.server.state
        with state.lock:
            transaction = state.transactions.get(int(params.get("transaction_id", "0") or 0))
            if transaction:
                transaction.read = True
        self._json({"result": "ok"})

    # --- control ------------------------------------------------------------------------------

    def _control(self, path: str, params: dict) -> None:
        state = self.server.state
        try:
            with state.lock:
                if path == "/_standin/fail":
                    state.faults.extend(
                        [int(params.get("status", 503))] * int(params.get("count", 1))
                    )
                    self._json({"faults": len(state.faults)})
                    return
                if helios.control(self, path, params):
                    return
                if path == "/_standin/transactions":
                    self._json(
                        {
                            t.id: {
                                "type": t.type,
                                "status": t.status,
                                "history": t.history,
                                "id_acte": t.id_acte,
                                "related": t.related_id,
                            }
                            for t in state.transactions.values()
                        }
                    )
                    return
                transaction = self._transaction(params.get("transaction"))
                if path == "/_standin/advance":
                    to = params.get("to")
                    state.advance(transaction, int(to) if to else None)
                    self._json({"status": transaction.status})
                elif path == "/_standin/emit":
                    message = state.emit(
                        transaction,
                        MessageKind(params.get("kind", "courrier_simple")),
                        params.get("text"),
                    )
                    self._json({"id": message.id, "type": message.type})
                elif path == "/_standin/anomaly":
                    state.anomaly(
                        transaction,
                        params.get("code", "006"),
                        params.get("detail", "Le fichier de l'acte est illisible"),
                    )
                    self._json({"status": transaction.status})
                else:
                    self._json({"error": "unknown control"}, 404)
        except (_Refused, ValueError) as error:
            self._json({"error": str(error)}, HTTPStatus.BAD_REQUEST)


_ROUTES = {
    "/api/test-connexion.php": _Handler.test_connection,
    "/modules/actes/actes_transac_submit.php": _Handler.submit,
    "/modules/actes/actes_transac_create.php": _Handler.create,
    "/modules/actes/actes_transac_get_status.php": _Handler.status,
    "/modules/actes/actes_transac_get_ARActe.php": _Handler.aracte,
    "/modules/actes/actes_classification_fetch.php": _Handler.classification,
    "/modules/actes/actes_classification_request.php": _Handler.classification_request,
    "/modules/actes/actes_transac_get_document.php": _Handler.document,
    "/modules/actes/actes_download_file.php": _Handler.download,
    "/modules/actes/api/list_document_prefecture.php": _Handler.unread,
    "/modules/actes/api/document_prefecture_mark_as_read.php": _Handler.mark_read,
    **helios.ROUTES,
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: StandInState
    credentials: tuple[str, str] | None
