"""S²LOW's Hélios interface: post a PES_Aller, follow its transaction, fetch the PES_Acquit
and the PES_Retour files the DGFiP sends back.

The scripts, their parameters and answers are S²LOW's (libriciel/s2low, public.ssl/modules/
helios/…) as Pastell's S²LOW connector calls them (connecteur/s2low/S2low.php: sendHelios,
getStatusHelios, getFichierRetour, getPESRetourListe, getPESRetour). Unlike the actes module,
the Hélios scripts answer XML, declared ISO-8859-1:

- api/helios_importer_fichier.php, file field "enveloppe" → <import><id/><resultat>OK|KO
  </resultat><message/></import> (HeliosController::importAPIAction; an authentication failure
  is the actes module's plain "KO\\n…" text);
- api/helios_transac_get_status.php?transaction=ID → <transaction><id/><resultat/><message/>
  <status/></transaction> (HeliosAPIResponse::displayAndExit); the status codes are
  S²LOW's HeliosStatus enum (src/Enum/HeliosStatus.php);
- helios_download_acquit.php?id=ID → the PES_Acquit file itself, or a redirect to S²LOW's
  index with the error in the session when there is none;
- api/helios_get_list.php → <liste><pes_retour><id/><nom/><date/></pes_retour>…</liste>, the
  unread PES_Retour (HeliosController::getPESRetourListAction);
- api/helios_get_retour.php?id=ID → the PES_Retour file, or <get_retour>…<resultat>KO…;
- api/helios_change_status.php?id=ID marks a PES_Retour read (Pastell does, once imported).

Transport, authentication and retries are the actes connector's (s2low.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
from lxml import etree

from .errors import TransmissionFailed
from .s2low import S2lowConnector

IMPORT = "/modules/helios/api/helios_importer_fichier.php"
STATUS = "/modules/helios/api/helios_transac_get_status.php"
ACQUIT = "/modules/helios/helios_download_acquit.php"
RETOUR_LIST = "/modules/helios/api/helios_get_list.php"
RETOUR = "/modules/helios/api/helios_get_retour.php"
RETOUR_READ = "/modules/helios/api/helios_change_status.php"

# S²LOW's HeliosStatus (src/Enum/HeliosStatus.php), in the words of its transaction pages.
ERROR, POSTED, WAITING, TRANSMITTED = -1, 1, 2, 3
ACQUITTED, REFUSED, PROCESSING, INFORMATION = 4, 6, 7, 8
TRANSMITTED_NO_ACK = 24
STATUSES = {
    -1: "Erreur", 0: "Annulé", 1: "Posté", 2: "En attente de transmission", 3: "Transmis",
    4: "Acquittement reçu", 5: "Validé", 6: "Refusé", 7: "En traitement",
    8: "Information disponible", 9: "Envoyé au SAE", 10: "Accepté par le SAE",
    11: "Refusé par le SAE", 13: "En attente d'être signé", 14: "En attente d'être posté",
    19: "En attente de transmission au SAE", 20: "Erreur lors de l'envoi au SAE",
    22: "Détruit", 24: "Transmis (sans acquittement attendu)",
}
# Statuses after which the PES_Acquit can be fetched (S²LOW's ApiHeliosStatusResolver
# reports 3 instead while the acquit file is not stored yet).
WITH_ACQUIT = (ACQUITTED, REFUSED, INFORMATION)


@dataclass(frozen=True)
class HeliosStatus:
    transaction_id: str
    code: int
    label: str
    message: str  # S²LOW's last workflow message ("Transaction 12 transmise au serveur.")


@dataclass(frozen=True)
class RetourRef:
    """A PES_Retour waiting at S²LOW: its id, file name and date of reception."""

    id: str
    name: str
    date: str


def _xml(response: httpx.Response, what: str):
    """The root of an XML answer, or TransmissionFailed with what S²LOW said instead."""
    body = response.content
    if body.startswith(b"KO"):  # the authentication check answers in the actes module's way
        answer = body.decode("iso-8859-1").partition("\n")[2].strip()
        raise TransmissionFailed(f"S²LOW refused {what}: {answer}", answer=answer)
    try:
        # recover: S²LOW's messages are written into the XML as they are.
        root = etree.fromstring(body, etree.XMLParser(recover=True, resolve_entities=False,
                                                      no_network=True))
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        raise TransmissionFailed(f"S²LOW's answer to {what} is not XML; is the URL right and "
                                 f"the certificate accepted? It began with: {body[:120]!r}")
    return root


def _text(root, name: str) -> str:
    found = root.find(name)
    return (found.text or "").strip() if found is not None else ""


def _refused(root, what: str) -> None:
    if _text(root, "resultat") == "KO":
        answer = _text(root, "message")
        raise TransmissionFailed(f"S²LOW refused {what}: {answer}", answer=answer)


def safe_name(name: str) -> str:
    """The file name as Pastell hands it to S²LOW (getHeliosEnveloppeFileName)."""
    return re.sub(r"[^a-zA-Z0-9._\- ]", "_", name) or "PES.xml"


class S2lowHeliosConnector(S2lowConnector):
    """The S²LOW connector with the Hélios module's calls."""

    def send_pes(self, filename: str, content: bytes) -> str:
        """Post a PES_Aller (signed elsewhere); return S²LOW's transaction id."""
        response = self._request("POST", IMPORT, delivers=True,
                                 files={"enveloppe": (safe_name(filename), content,
                                                      "text/xml")})
        root = _xml(response, f"the PES file {filename}")
        _refused(root, f"the PES file {filename}")
        transaction = _text(root, "id")
        if _text(root, "resultat") != "OK" or not transaction:
            raise TransmissionFailed(f"S²LOW accepted {filename} but gave no transaction id.")
        return transaction

    def helios_status(self, transaction_id: str) -> HeliosStatus:
        response = self._request("GET", STATUS, params={"transaction": transaction_id})
        root = _xml(response, f"the status of PES transaction {transaction_id}")
        _refused(root, f"the status of PES transaction {transaction_id}")
        try:
            code = int(_text(root, "status"))
        except ValueError:
            raise TransmissionFailed(
                f"S²LOW gave no status for PES transaction {transaction_id}.") from None
        return HeliosStatus(str(transaction_id), code,
                            STATUSES.get(code, f"Statut inconnu ({code})"),
                            _text(root, "message"))

    def acquit(self, transaction_id: str) -> bytes:
        """The PES_Acquit (or PES_NonAcquit) of a transaction, as the DGFiP sent it."""
        response = self._request("GET", ACQUIT, params={"id": transaction_id})
        if response.is_redirect or not response.content.lstrip().startswith(b"<"):
            raise TransmissionFailed(
                f"S²LOW has no PES_Acquit for transaction {transaction_id}.")
        return response.content

    def retours(self) -> list[RetourRef]:
        """The PES_Retour not yet read, for the account's collectivity."""
        root = _xml(self._request("GET", RETOUR_LIST), "the list of PES_Retour")
        _refused(root, "the list of PES_Retour")
        return [RetourRef(_text(e, "id"), _text(e, "nom"), _text(e, "date"))
                for e in root.findall("pes_retour")]

    def fetch_retour(self, retour_id: str) -> bytes:
        response = self._request("GET", RETOUR, params={"id": retour_id})
        head = response.content.lstrip()[:300]
        if b"<get_retour" in head:
            _refused(_xml(response, f"the PES_Retour {retour_id}"), f"the PES_Retour {retour_id}")
        if not head.startswith(b"<"):
            raise TransmissionFailed(f"S²LOW sent no PES_Retour for id {retour_id}.")
        return response.content

    def mark_retour_read(self, retour_id: str) -> None:
        root = _xml(self._request("GET", RETOUR_READ, params={"id": retour_id}),
                    f"marking the PES_Retour {retour_id} read")
        _refused(root, f"marking the PES_Retour {retour_id} read")
