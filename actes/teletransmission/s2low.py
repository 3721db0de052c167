"""A connector to the tiers de télétransmission, implemented for S²LOW's HTTP API.

S²LOW (libriciel/s2low) is driven by its "API mode": every script under
/modules/actes/ answers a machine-readable text when called with api=1
(Helpers::returnAndExit): "OK\\n" or "KO\\n" on the first line, then the result or the
error message, in ISO-8859-1, with HTTP 200 either way. The paths and parameters below
are those of S²LOW's scripts and of Pastell's S²LOW connector (connecteur/s2low/S2low.php).

Authentication is S²LOW's: a client certificate presented in the TLS handshake (an RGS
certificate to teletransmit), plus HTTP Basic login/password when the certificate is
shared by several accounts (Pastell's user_login / user_password).

Retries: only on 5xx answers and on timeouts, with exponential backoff. A request that
posts an archive is retried only when it cannot have reached S²LOW (connect/pool timeout)
or S²LOW answered 5xx; a read timeout after posting is not retried, since S²LOW may have
recorded the transaction (it then refuses a second one with the same act number).
"""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import httpx

from .archive import Archive
from .errors import TransmissionFailed
from .model import Act
from .nomenclature import STATUS_ACKNOWLEDGED, STATUS_ERROR, STATUSES
from .returns import MessageKind

# S²LOW scripts (public.ssl/modules/actes/… and api/…).
SUBMIT_ENVELOPE = "/modules/actes/actes_transac_submit.php"
CREATE = "/modules/actes/actes_transac_create.php"
STATUS = "/modules/actes/actes_transac_get_status.php"
ARACTE = "/modules/actes/actes_transac_get_ARActe.php"
CLASSIFICATION = "/modules/actes/actes_classification_fetch.php"
CLASSIFICATION_REQUEST = "/modules/actes/actes_classification_request.php"
DOCUMENT = "/modules/actes/actes_transac_get_document.php"
UNREAD_REPLIES = "/modules/actes/api/list_document_prefecture.php"
MARK_READ = "/modules/actes/api/document_prefecture_mark_as_read.php"
TEST_CONNECTION = "/api/test-connexion.php"

_KIND_BY_TYPE = {kind.transaction_type: kind for kind in MessageKind}


@dataclass(frozen=True)
class S2lowSettings:
    """Where S²LOW is and how to authenticate. Secrets stay out of repr()."""

    url: str
    client_cert: str | None = None  # PEM file: the certificate (and key if no client_key)
    client_key: str | None = None
    key_password: str | None = field(default=None, repr=False)
    ca_bundle: str | None = None  # PEM of the CA that signed S²LOW's server certificate
    verify: bool = True
    login: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 0.5


@dataclass(frozen=True)
class TransactionStatus:
    """A transaction's state at S²LOW: the status code and label, the ARActe once the
    prefecture acknowledged (status 4), S²LOW's message when it failed (status -1)."""

    transaction_id: str
    code: int
    label: str
    aracte: bytes | None = field(default=None, repr=False)
    error: str | None = None

    @property
    def acknowledged(self) -> bool:
        return self.code == STATUS_ACKNOWLEDGED

    @property
    def failed(self) -> bool:
        return self.code == STATUS_ERROR


@dataclass(frozen=True)
class Reply:
    """A prefecture message linked to an act: its S²LOW transaction id, type and status."""

    id: str
    type: int
    status: int

    @property
    def kind(self) -> MessageKind | None:
        return _KIND_BY_TYPE.get(self.type)


@runtime_checkable
class Connector(Protocol):
    """What the Django side needs from a tiers de télétransmission."""

    def send(self, archive: Archive) -> str: ...

    def status(self, transaction_id: str) -> TransactionStatus: ...

    def fetch_classification(self) -> bytes: ...

    def replies(self, transaction_id: str) -> list[Reply]: ...

    def fetch_reply(self, reply_id: str) -> bytes: ...


def _ssl_context(settings: S2lowSettings) -> ssl.SSLContext | bool:
    if not settings.verify and not settings.client_cert:
        return False
    context = ssl.create_default_context(cafile=settings.ca_bundle)
    if not settings.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if settings.client_cert:
        context.load_cert_chain(settings.client_cert, settings.client_key, settings.key_password)
    return context


class S2lowConnector:
    """The Connector for S²LOW. Use as a context manager or call close()."""

    def __init__(
        self,
        settings: S2lowSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.settings = settings
        self._sleep = sleep
        auth = (settings.login, settings.password or "") if settings.login else None
        self._client = httpx.Client(
            base_url=settings.url.rstrip("/"),
            verify=_ssl_context(settings),
            auth=auth,
            timeout=settings.timeout,
            transport=transport,
            headers={"User-Agent": "Mutualis-actes/1"},
        )

    def __enter__(self) -> S2lowConnector:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    # --- transport ------------------------------------------------------------------------

    def _request(
        self, method: str, path: str, *, delivers: bool = False, **kwargs
    ) -> httpx.Response:
        """One call with retries on 5xx and timeouts. `delivers` marks a request that
        creates something at S²LOW: after a read timeout it is not repeated."""
        attempts = max(1, self.settings.retries + 1)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self._client.request(method, path, **kwargs)
            except (httpx.ConnectTimeout, httpx.PoolTimeout) as error:
                if last:
                    raise TransmissionFailed(
                        f"S²LOW ({self.settings.url}) did not accept the connection in "
                        f"{self.settings.timeout:g} s, {attempts} attempt(s)."
                    ) from error
            except httpx.TimeoutException as error:
                if delivers or last:
                    raise TransmissionFailed(
                        f"S²LOW ({self.settings.url}) did not answer {path} in "
                        f"{self.settings.timeout:g} s"
                        + (
                            " ; the request may have been recorded, check before resending."
                            if delivers
                            else "."
                        )
                    ) from error
            except httpx.TransportError as error:
                raise TransmissionFailed(
                    f"S²LOW ({self.settings.url}) cannot be reached: {error}."
                ) from error
            else:
                if response.status_code < 500:
                    if response.status_code >= 400:
                        raise TransmissionFailed(
                            f"S²LOW answered HTTP {response.status_code} to {path} (certificate, "
                            "login or URL?).",
                            status_code=response.status_code,
                        )
                    return response
                if last:
                    raise TransmissionFailed(
                        f"S²LOW answered HTTP {response.status_code} to {path}, "
                        f"{attempts} attempt(s).",
                        status_code=response.status_code,
                    )
            self._sleep(self.settings.backoff * (2**attempt))
        raise AssertionError("unreachable")

    @staticmethod
    def _api_answer(response: httpx.Response, what: str) -> list[str]:
        """The lines after "OK", or TransmissionFailed with S²LOW's message after "KO"."""
        text = response.content.decode("iso-8859-1")
        lines = text.split("\n")
        head = lines[0].strip()
        if head == "OK":
            return lines[1:]
        if head == "KO":
            answer = "\n".join(line.rstrip("\r") for line in lines[1:]).strip()
            raise TransmissionFailed(f"S²LOW refused {what}: {answer}", answer=answer)
        raise TransmissionFailed(
            f"S²LOW's answer to {what} is not its API's (OK/KO); is the URL right and the "
            f"certificate accepted? It began with: {text[:120]!r}"
        )

    # --- the Connector ----------------------------------------------------------------------

    def test_connection(self) -> None:
        """Raise TransmissionFailed unless S²LOW accepts our credentials."""
        response = self._request("GET", TEST_CONNECTION)
        if not response.content.startswith(b"OK"):
            raise TransmissionFailed(
                f"S²LOW refused the connection test: {response.content.decode('iso-8859-1')[:200]}"
            )

    def send(self, archive: Archive) -> str:
        """Post a built archive (S²LOW's envelope import, actes_transac_submit.php, field
        "enveloppe"); return the transaction id. S²LOW answers "OK", the number of
        transactions created, then their ids."""
        response = self._request(
            "POST",
            SUBMIT_ENVELOPE,
            delivers=True,
            data={"api": "1"},
            files={"enveloppe": (archive.name, archive.content, "application/x-gzip")},
        )
        lines = [line.strip() for line in self._api_answer(response, f"the archive {archive.name}")]
        ids = [line for line in lines[1:] if line]
        if not ids:
            raise TransmissionFailed(f"S²LOW accepted {archive.name} but gave no transaction id.")
        return ids[0]

    def send_act(self, act: Act, *, wait: bool = False) -> str:
        """Post an act as form fields (actes_transac_create.php: S²LOW builds the archive
        itself, and numbers the envelope); return the transaction id. `wait` asks S²LOW to
        hold it "en attente" until someone confirms with an RGS certificate."""
        data: dict[str, object] = {
            "api": "1",
            "nature_code": str(act.nature),
            "number": act.number,
            # Pastell sends the subject ISO-8859-1 encoded (utf8_decode); so do we.
            "subject": act.subject.encode("iso-8859-1"),
            "decision_date": act.decision_date.isoformat(),
            "document_papier": "1" if act.paper_documents else "0",
            "en_attente": "1" if wait else "0",
            "type_acte": act.document.typology or "",
        }
        for level, code in enumerate(act.matter, start=1):
            data[f"classif{level}"] = code
        if act.annexes:
            data["type_pj[]"] = [annex.typology or "" for annex in act.annexes]
        files = [
            ("acte_pdf_file", (act.document.filename, act.document.content, "application/pdf"))
        ]
        files += [
            ("acte_attachments[]", (annex.filename, annex.content, "application/pdf"))
            for annex in act.annexes
        ]
        response = self._request("POST", CREATE, delivers=True, data=data, files=files)
        lines = [line.strip() for line in self._api_answer(response, f"the act {act.number}")]
        if not lines or not lines[0]:
            raise TransmissionFailed(f"S²LOW accepted the act {act.number} but gave no id.")
        return lines[0]

    def status(self, transaction_id: str) -> TransactionStatus:
        """actes_transac_get_status.php?transaction=ID: "OK", the status code, then the
        ARActe for status 4 or S²LOW's error message for status -1."""
        response = self._request("GET", STATUS, params={"transaction": transaction_id})
        body = response.content
        if not body.startswith(b"OK"):
            self._api_answer(response, f"the status of transaction {transaction_id}")
        _, _, rest = body.partition(b"\n")
        code_line, _, flux = rest.partition(b"\n")
        try:
            code = int(code_line.strip())
        except ValueError:
            raise TransmissionFailed(
                f"S²LOW gave no status code for transaction {transaction_id}."
            ) from None
        flux = flux.strip()
        return TransactionStatus(
            transaction_id=str(transaction_id),
            code=code,
            label=STATUSES.get(code, f"Statut inconnu ({code})"),
            aracte=flux if code == STATUS_ACKNOWLEDGED and flux else None,
            error=flux.decode("iso-8859-1") if code == STATUS_ERROR and flux else None,
        )

    def acknowledgement(self, transaction_id: str) -> bytes:
        """The ARActe XML alone (actes_transac_get_ARActe.php?id=ID)."""
        response = self._request("GET", ARACTE, params={"id": transaction_id})
        if not response.content.lstrip().startswith(b"<"):
            raise TransmissionFailed(f"S²LOW has no ARActe for transaction {transaction_id}.")
        return response.content

    def fetch_classification(self) -> bytes:
        """The collectivité's last RetourClassification (actes_classification_fetch.php)."""
        response = self._request("GET", CLASSIFICATION, params={"api": "1"})
        if response.content.startswith(b"KO"):
            self._api_answer(response, "the classification")
        return response.content

    def request_classification(self) -> None:
        """Ask the prefecture for a new classification (actes_classification_request.php)."""
        self._api_answer(
            self._request("GET", CLASSIFICATION_REQUEST, params={"api": "1"}),
            "the classification request",
        )

    def replies(self, transaction_id: str) -> list[Reply]:
        """The prefecture's messages about an act: actes_transac_get_document.php?id=ID
        lists one "type-status-id" line per message."""
        response = self._request("GET", DOCUMENT, params={"id": transaction_id})
        text = response.content.decode("iso-8859-1").strip()
        if text.startswith("KO"):
            self._api_answer(response, f"the replies to transaction {transaction_id}")
        result = []
        for line in text.splitlines():
            parts = line.strip().split("-")
            if len(parts) == 3 and parts[0].isdigit() and parts[2].isdigit():
                result.append(Reply(id=parts[2], type=int(parts[0]), status=int(parts[1])))
        return result

    def fetch_reply(self, reply_id: str) -> bytes:
        """The tar.gz of one prefecture message (S²LOW redirects actes_transac_get_document
        .php?id=ID to actes_download_file.php?env=…)."""
        response = self._request("GET", DOCUMENT, params={"id": reply_id}, follow_redirects=True)
        if response.content.startswith(b"KO"):
            self._api_answer(response, f"the reply {reply_id}")
        return response.content

    def unread_replies(self) -> list[dict]:
        """The collectivité's unread prefecture messages (api/list_document_prefecture.php,
        JSON: id, type, unique_id, number, related_transaction_id, last_status_id …)."""
        response = self._request("GET", UNREAD_REPLIES)
        try:
            return json.loads(response.content or b"[]")
        except ValueError:
            raise TransmissionFailed("S²LOW's list of prefecture messages is not JSON.") from None

    def mark_reply_read(self, reply_id: str) -> None:
        self._request("GET", MARK_READ, params={"transaction_id": reply_id})
