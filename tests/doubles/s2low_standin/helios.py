"""The stand-in's Hélios module: S²LOW's helios scripts and the DGFiP behind them.

What S²LOW does, and where it says so (libriciel/s2low):
- helios_importer_fichier.php (HeliosController::import / importAPIAction): the file field
  "enveloppe"; refused when absent ("Aucune enveloppe trouvée…"), empty ("Le fichier présenté
  est vide (0 octet)") or already posted, by its SHA-1 ("doublon détecté. Ce fichier a déjà été
  posté."); else a transaction at status 1, "Fichier bien reçu par la plate-forme S2low";
  answers <import><id/><resultat/><message/></import>.
- Its workers then check the file (HeliosEnvoiControler::validateOneTransaction, status -1
  with "Transaction N : …" on the first problem, else 2 "Transaction N dans la file
  d'attente"), send it to the DGFiP (3 "Transaction N transmise au serveur."), and read what
  comes back (lib/HeliosAnalyseFichierRecu.php: a PES_Acquit gives 4 "Transaction N acceptee",
  or 8 "information disponible" when it has ACQUIT elements; a PES_NonAcquit gives 6
  "Transaction N refusée"; a PES_Retour is filed for the collectivity by its IdColl).
- helios_transac_get_status.php: <transaction><id/><resultat/><message/><status/>; "Numéro
  de transaction invalide" for an unknown id, "Pas de numéro de transaction." without one.
- helios_download_acquit.php: the acquit file, or a redirect to the module's index.
- api/helios_get_list.php, helios_get_retour.php, helios_change_status.php: the unread
  PES_Retour, one of them, marking it read.

Here the workers' steps happen one per status call (auto mode), the DGFiP's acquit after a
delay (`acquit_after` seconds after transmission, when set) or on request through the control
endpoints: POST /_standin/helios/advance?transaction=ID[&to=N],
/_standin/helios/acquit?transaction=ID[&refuse=reason][&details=1],
/_standin/helios/retour?siret=SIRET[&transaction=ID]; GET /_standin/helios/transactions.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from html import escape

from lxml import etree

from actes.teletransmission import dgfip, pes
from actes.teletransmission import helios as h


@dataclass
class HeliosTransaction:
    id: int
    filename: str
    content: bytes
    sha1: str
    status: int = h.POSTED
    message: str = "Fichier bien reçu par la plate-forme S2low"
    history: list[int] = field(default_factory=lambda: [h.POSTED])
    nom_fic: str = ""
    cod_col: str = ""
    transmitted_at: float | None = None
    acquit: bytes = b""


@dataclass
class HeliosRetour:
    id: int
    name: str
    date: str
    content: bytes
    read: bool = False


class HeliosDesk:
    """The Hélios transactions and PES_Retour of the stand-in's account."""

    def __init__(self, clock, acquit_after: float | None = None):
        self.clock = clock
        self.acquit_after = acquit_after
        self.transactions: dict[int, HeliosTransaction] = {}
        self.retours: dict[int, HeliosRetour] = {}
        self._next = 1
        self._next_retour = 1

    def post(self, filename: str, content: bytes) -> HeliosTransaction:
        sha1 = hashlib.sha1(content).hexdigest()
        if any(t.sha1 == sha1 for t in self.transactions.values()):
            raise ValueError("doublon détecté. Ce fichier a déjà été posté.")
        transaction = HeliosTransaction(self._next, filename, content, sha1)
        self._next += 1
        self.transactions[transaction.id] = transaction
        return transaction

    def _set(self, transaction: HeliosTransaction, status: int, message: str) -> None:
        transaction.status, transaction.message = status, message
        transaction.history.append(status)

    def _check(self, t: HeliosTransaction) -> str | None:
        """validateOneTransaction's checks, in its words; None when the file passes."""
        if "ISO-8859-1" not in t.content[:50].decode("latin-1").upper():
            return "ce fichier n'est pas encodé en ISO-8859-1"
        try:
            root = etree.fromstring(t.content, etree.XMLParser(resolve_entities=False,
                                                               huge_tree=True))
        except etree.XMLSyntaxError:
            return "ce fichier n'est pas en XML"
        names = {etree.QName(c).localname for c in root if isinstance(c.tag, str)}
        if not names & {"PES_DepenseAller", "PES_RecetteAller", "PES_PJ", "PES_Marche"}:
            return "ce fichier ne contient ni bordereau, ni PJ, ni marché"
        found = root.find("Enveloppe/Parametres/NomFic")
        t.nom_fic = found.get("V", "") if found is not None else ""
        cod_col = root.find("EnTetePES/CodCol")
        t.cod_col = cod_col.get("V", "") if cod_col is not None else ""
        if not t.nom_fic:
            return "La balise Enveloppe/Parametre/NomFic n'est pas présente ou est vide"
        if len(t.cod_col) > 3:
            return "Le CodCol est trop long"
        if any(o.id != t.id and o.nom_fic == t.nom_fic and o.cod_col == t.cod_col
               and o.status not in (h.ERROR, h.POSTED) for o in self.transactions.values()):
            return "ce fichier existe déjà sur la plateforme"
        id_coll = root.find("EnTetePES/IdColl")
        if id_coll is not None and len(id_coll.get("V", "")) > 14:
            return "La balise IdCol est trop longue"
        return None

    def advance(self, t: HeliosTransaction, to: int | None = None) -> None:
        """One step of S²LOW's workers (or up to `to`): check, send, then the DGFiP's acquit."""
        while True:
            if t.status == h.POSTED:
                problem = self._check(t)
                if problem:
                    self._set(t, h.ERROR, f"Transaction {t.id} : {problem}")
                    return
                self._set(t, h.WAITING, f"Transaction {t.id} dans la file d'attente")
            elif t.status == h.WAITING:
                self._set(t, h.TRANSMITTED, f"Transaction {t.id} transmise au serveur.")
                t.transmitted_at = time.monotonic()
            elif t.status == h.TRANSMITTED and to is not None and to in h.WITH_ACQUIT:
                self.acquit(t, refused="Flux refusé par le comptable" if to == h.REFUSED
                            else None, details=to == h.INFORMATION)
            else:
                return
            if to is None or t.status == to or t.status == h.ERROR:
                return

    def tick(self, t: HeliosTransaction) -> None:
        """What time does in auto mode: a step, and the acquit once its delay has passed."""
        if t.status == h.TRANSMITTED:
            if self.acquit_after is not None and (
                    time.monotonic() - (t.transmitted_at or 0) >= self.acquit_after):
                self.acquit(t)
            return
        self.advance(t)

    def acquit(self, t: HeliosTransaction, refused: str | None = None,
               details: bool = False) -> None:
        """The DGFiP answers: a PES_Acquit (4, or 8 with details) or a PES_NonAcquit (6)."""
        if t.status in (h.POSTED, h.WAITING):
            self.advance(t, h.TRANSMITTED)
        if t.status != h.TRANSMITTED:
            raise ValueError(f"transaction {t.id} is not transmitted (status {t.status})")
        flux = pes.read_pes_aller(t.content, t.filename)
        t.acquit = dgfip.build_acquit(flux, self.clock(), refused=refused, details=details)
        if refused:
            self._set(t, h.REFUSED, f"Transaction {t.id} refusée")
        elif details:
            self._set(t, h.INFORMATION, f"Transaction {t.id} : information disponible")
        else:
            self._set(t, h.ACQUITTED, f"Transaction {t.id} acceptee")

    def new_retour(self, siret: str, transaction: HeliosTransaction | None = None) -> HeliosRetour:
        paid = []
        if transaction is not None:
            flux = pes.read_pes_aller(transaction.content, transaction.filename)
            paid = [(b.number, "1", str(b.amount or "0")) for b in flux.bordereaux]
        on = self.clock()
        retour = HeliosRetour(self._next_retour, f"PES_Retour_{siret}_{self._next_retour}.xml",
                              on.isoformat(), dgfip.build_retour(siret, on, paid))
        self._next_retour += 1
        self.retours[retour.id] = retour
        return retour


def _xml(tag: str, values: list[tuple[str, object]], children: str = "") -> bytes:
    # HeliosAPIResponse / DOMDocument output: ISO-8859-1, the values escaped as text.
    inner = "".join(f"<{k}>{escape(str(v), quote=False)}</{k}>" for k, v in values)
    body = f'<?xml version="1.0" encoding="ISO-8859-1"?>\n<{tag}>{inner}{children}</{tag}>\n'
    return body.encode("iso-8859-1", "replace")


# --- S²LOW's scripts (called with the stand-in's _Handler as `handler`) -------------------------


def import_file(handler, params, fields, files) -> None:
    desk = handler.server.state.helios
    uploads = files.get("enveloppe")
    result = [("id", ""), ("resultat", "KO")]
    if not uploads:
        message = ("Aucune enveloppe trouvée : la taille de l'enveloppe dépasse probablement "
                   "la taille maximum")
    elif not uploads[0][1]:
        message = "Le fichier présenté est vide (0 octet)"
    else:
        try:
            with handler.server.state.lock:
                transaction = desk.post(*uploads[0])
        except ValueError as refusal:
            message = str(refusal)
        else:
            result = [("id", transaction.id), ("resultat", "OK")]
            message = "Téléchargement du fichier réussi."
    handler._send(_xml("import", [*result, ("message", message)]),
                  content_type="text/xml")


def status(handler, params, fields, files) -> None:
    state = handler.server.state
    value = params.get("transaction", "")
    answer = [("id", value), ("resultat", "KO")]
    with state.lock:
        transaction = state.helios.transactions.get(int(value)) if value.isdigit() else None
        if not value:
            answer += [("message", "Pas de numéro de transaction."), ("status", "")]
        elif transaction is None:
            answer += [("message", "Numéro de transaction invalide"), ("status", "")]
        else:
            answer = [("id", value), ("resultat", "OK"), ("message", transaction.message),
                      ("status", transaction.status)]
            if state.auto_advance:
                state.helios.tick(transaction)
    handler._send(_xml("transaction", answer), content_type="text/xml")


def download_acquit(handler, params, fields, files) -> None:
    state = handler.server.state
    value = params.get("id", "")
    with state.lock:
        transaction = state.helios.transactions.get(int(value)) if value.isdigit() else None
        acquit = transaction.acquit if transaction else b""
    if not acquit:
        handler._send(b"", 302, headers={"Location": "/modules/helios/index.php"})
        return
    handler._send(acquit, content_type="text/xml")


def retour_list(handler, params, fields, files) -> None:
    state = handler.server.state
    with state.lock:
        unread = [r for r in state.helios.retours.values() if not r.read]
    items = "".join(
        f"<pes_retour><id>{r.id}</id><nom>{escape(r.name)}</nom><date>{r.date}</date>"
        "</pes_retour>" for r in unread)
    handler._send(_xml("liste", [("idColl", 1), ("resultat", ""), ("message", "liste réussi"),
                                 ("dateDemande", state.clock().isoformat())], items),
                  content_type="text/xml")


def get_retour(handler, params, fields, files) -> None:
    state = handler.server.state
    value = params.get("id", "")
    with state.lock:
        retour = state.helios.retours.get(int(value)) if value.isdigit() else None
    if retour is None:
        handler._send(_xml("get_retour", [("id", value), ("resultat", "KO"),
                                          ("message", "retour id n'est pas correcte")]),
                      content_type="text/xml")
        return
    handler._send(retour.content, content_type="text/xml")


def mark_read(handler, params, fields, files) -> None:
    state = handler.server.state
    value = params.get("id", "")
    with state.lock:
        retour = state.helios.retours.get(int(value)) if value.isdigit() else None
        if retour is not None:
            retour.read = True
    ok = retour is not None
    handler._send(_xml("transaction", [
        ("idRetour", value), ("resultat", "OK" if ok else "KO"),
        ("message", "reussi de changer status" if ok else "Changement de status est echoué.")]),
        content_type="text/xml")


ROUTES = {
    h.IMPORT: import_file,
    h.STATUS: status,
    h.ACQUIT: download_acquit,
    h.RETOUR_LIST: retour_list,
    h.RETOUR: get_retour,
    h.RETOUR_READ: mark_read,
}


def control(handler, path: str, params: dict) -> bool:
    """Our /_standin/helios/ endpoints; False when `path` is not one of them."""
    desk = handler.server.state.helios
    if path == "/_standin/helios/transactions":
        handler._json({t.id: {"status": t.status, "history": t.history, "filename": t.filename,
                              "message": t.message} for t in desk.transactions.values()})
        return True
    if path == "/_standin/helios/retour":
        value = params.get("transaction", "")
        transaction = desk.transactions.get(int(value)) if value.isdigit() else None
        retour = desk.new_retour(params.get("siret", ""), transaction)
        handler._json({"id": retour.id, "name": retour.name})
        return True
    if path not in ("/_standin/helios/advance", "/_standin/helios/acquit"):
        return False
    value = params.get("transaction", "")
    transaction = desk.transactions.get(int(value)) if value.isdigit() else None
    if transaction is None:
        raise ValueError("Numéro de transaction invalide")
    if path == "/_standin/helios/advance":
        to = params.get("to")
        desk.advance(transaction, int(to) if to else None)
    else:
        desk.acquit(transaction, params.get("refuse") or None, params.get("details") == "1")
    handler._json({"status": transaction.status, "message": transaction.message})
    return True
