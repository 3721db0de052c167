"""The Chorus Pro stand-in: an HTTP server in a thread, its state in memory.

Sources of the behaviours reproduced:
- [PISTE] PISTE's OAuth2 token endpoint (https://oauth.piste.gouv.fr/api/oauth/token,
  sandbox-oauth.piste.gouv.fr for qualification): form-encoded grant_type=client_credentials,
  client_id, client_secret, scope=openid; answers token_type, access_token, expires_in. As
  Libriciel's Pastell calls it (libriciel/pastell, connecteur/cpp/lib/CPPWrapper.php,
  getToken), which checks exactly those three fields of the answer.
- [CPRO] The Chorus Pro API on PISTE, /cpro/factures/v1/…: POST, JSON, with the bearer token
  and the technical account as `cpro-account: base64(login:password)` (CPPWrapper.php, call;
  the PISTE guides of the AIFE). rechercher/recipiendaire takes paramRecherche
  {nbResultatsParPage, pageResultatDemandee}, factureTelechargeeParDestinataire,
  idDestinataire, statutCourant; answers listeFactures (idFacture, numeroFacture,
  dateDepot, dateFacture, statut, montantHT, montantTTC, designationFournisseur,
  identifiantFournisseur, codeServiceExecutant, numeroBonCommande,
  factureTelechargeeParDestinataire), pageCourante, pages, total, and codeRetour 20000
  (« TRA_MSG_00.015 - La recherche n'a retourné aucun résultat ») when nothing matches
  (CPPWrapper.php, rechercheFactureParRecipiendaire; the field names as the Go client
  choruspro's FactureParRecipiendaire lists them).
- telecharger/groupe takes format (PDF or PIVOT) and listeFacture [{idFacture}], answers
  fichierResultat, base64: a single PDF for one invoice with one file, a ZIP otherwise
  (the AIFE's description of telechargerGroupeFacture's output).
- traiter/recue takes idFacture, nouveauStatut, motif, numeroDPMandat (CPPWrapper.php,
  traiterFactureRecue). The statuses a recipient gives are those of the issue and of
  Chorus Pro's invoice life cycle: MISE_A_DISPOSITION, SUSPENDUE, SERVICE_FAIT, MANDATEE,
  MISE_EN_PAIEMENT, REJETEE (with COMPLETEE by the supplier after a suspension); a
  suspension or a rejection needs its motif, a mandat its number; REJETEE and
  MISE_EN_PAIEMENT are final. (Simplified here: every other transition is accepted.)
- consulter/historique takes idFacture, nbResultatsMaximum (CPPWrapper.php,
  consulterHistoriqueFacture).
- Functional errors come back with a codeRetour other than 0 and a libelle; here with HTTP
  400, as PISTE passes Chorus Pro's refusals (the connector handles a 200 with a non-zero
  codeRetour the same way).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

RECIPIENT_STATUSES = {"MISE_A_DISPOSITION", "SUSPENDUE", "SERVICE_FAIT", "MANDATEE",
                      "MISE_EN_PAIEMENT", "REJETEE"}
FINAL = {"REJETEE", "MISE_EN_PAIEMENT"}
NEEDS_REASON = {"SUSPENDUE", "REJETEE"}
NO_RESULT = (20000, "TRA_MSG_00.015 - La recherche n'a retourné aucun résultat")
TOKEN_LIFETIME = 3600


@dataclass
class Invoice:
    id: int
    structure: int
    number: str
    supplier: str
    supplier_id: str  # SIRET
    service_code: str
    order: str
    issued: str
    deposited: str
    net: float
    total: float
    pdf: bytes
    status: str = "MISE_A_DISPOSITION"
    downloaded: bool = False
    history: list[dict] = field(default_factory=list)

    def summary(self) -> dict:
        return {"idFacture": self.id, "numeroFacture": self.number, "dateDepot": self.deposited,
                "dateFacture": self.issued, "statut": self.status, "montantHT": self.net,
                "montantTTC": self.total, "devise": "EUR", "idDestinataire": self.structure,
                "designationFournisseur": self.supplier,
                "identifiantFournisseur": self.supplier_id,
                "typeIdentifiantFournisseur": "SIRET",
                "codeServiceExecutant": self.service_code, "numeroBonCommande": self.order,
                "typeDemandePaiement": "FACTURE", "typeFacture": "FACTURE",
                "factureTelechargeeParDestinataire": self.downloaded}


class State:
    def __init__(self, client_id: str, client_secret: str):
        self.client = (client_id, client_secret)
        self.accounts: dict[str, int] = {}  # cpro-account header -> idStructure
        self.tokens: dict[str, float] = {}  # token -> expiry (monotonic)
        self.invoices: dict[int, Invoice] = {}
        self.next_id = 4201
        self.failures: list[int] = []  # HTTP statuses to answer next, once each
        self.calls: list[str] = []
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server_version = "ChorusStandIn/1"

    def log_message(self, *args):  # quiet
        pass

    @property
    def state(self) -> State:
        return self.server.state

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self):
        if urlsplit(self.path).path == "/_standin/invoices":
            with self.state.lock:
                self._send(200, {"invoices": [
                    {**i.summary(), "history": i.history}
                    for i in self.state.invoices.values()]})
            return
        self._send(404, {"error": "not found"})

    def do_POST(self):
        url = urlsplit(self.path)
        raw = self._body()
        with self.state.lock:
            self.state.calls.append(url.path)
            if url.path.startswith("/_standin/"):
                return self._control(url, raw)
            if self.state.failures:
                status = self.state.failures.pop(0)
                return self._send(status, {"error": "unavailable"})
            if url.path == "/api/oauth/token":
                return self._token(raw)
            structure = self._authorised()
            if structure is None:
                return
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return self._send(400, {"codeRetour": 1, "libelle": "JSON invalide"})
            route = {"/cpro/factures/v1/rechercher/recipiendaire": self._search,
                     "/cpro/factures/v1/telecharger/groupe": self._download,
                     "/cpro/factures/v1/traiter/recue": self._process,
                     "/cpro/factures/v1/consulter/historique": self._history}.get(url.path)
            if route is None:
                return self._send(404, {"codeRetour": 404, "libelle": "ressource inconnue"})
            route(structure, body)

    # [PISTE] client credentials
    def _token(self, raw: bytes) -> None:
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        if form.get("grant_type") != "client_credentials":
            return self._send(400, {"error": "unsupported_grant_type"})
        if (form.get("client_id"), form.get("client_secret")) != self.state.client:
            return self._send(401, {"error": "invalid_client"})
        token = secrets.token_urlsafe(24)
        self.state.tokens[token] = time.monotonic() + TOKEN_LIFETIME
        self._send(200, {"access_token": token, "token_type": "Bearer",
                         "expires_in": TOKEN_LIFETIME, "scope": "openid"})

    # [CPRO] the bearer token and the technical account on every call
    def _authorised(self) -> int | None:
        auth = self.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else ""
        if self.state.tokens.get(token, 0) < time.monotonic():
            self._send(401, {"error": "invalid_token"})
            return None
        structure = self.state.accounts.get(self.headers.get("cpro-account", ""))
        if structure is None:
            self._send(401, {"codeRetour": 401,
                             "libelle": "Compte technique Chorus Pro inconnu (cpro-account)"})
            return None
        return structure

    def _mine(self, structure: int, body: dict) -> Invoice | None:
        found = self.state.invoices.get(int(body.get("idFacture") or 0))
        if found is None or found.structure != structure:
            self._send(400, {"codeRetour": 20001,
                             "libelle": f"La facture {body.get('idFacture')} n'existe pas "
                                        "pour ce destinataire"})
            return None
        return found

    def _search(self, structure: int, body: dict) -> None:
        found = [i for i in self.state.invoices.values() if i.structure == structure]
        if "factureTelechargeeParDestinataire" in body:
            found = [i for i in found
                     if i.downloaded == bool(body["factureTelechargeeParDestinataire"])]
        if body.get("statutCourant"):
            found = [i for i in found if i.status in body["statutCourant"]]
        if not found:
            return self._send(200, {"codeRetour": NO_RESULT[0], "libelle": NO_RESULT[1]})
        paging = body.get("paramRecherche") or {}
        size = max(1, int(paging.get("nbResultatsParPage") or 100))
        page = max(1, int(paging.get("pageResultatDemandee") or 1))
        pages = (len(found) + size - 1) // size
        chunk = found[(page - 1) * size:page * size]
        self._send(200, {"codeRetour": 0, "libelle": "TRA_MSG_00.000",
                         "listeFactures": [i.summary() for i in chunk],
                         "pageCourante": page, "pages": pages,
                         "nbResultatsParPage": size, "total": len(found)})

    def _download(self, structure: int, body: dict) -> None:
        if body.get("format") not in ("PDF", "PIVOT"):
            return self._send(400, {"codeRetour": 20002,
                                    "libelle": "Le format doit être PDF ou PIVOT"})
        wanted = body.get("listeFacture") or []
        if len(wanted) != 1:  # one invoice, one PDF: the case the connector uses
            return self._send(400, {"codeRetour": 20003,
                                    "libelle": "Une facture par téléchargement ici"})
        invoice = self._mine(structure, wanted[0])
        if invoice is None:
            return
        invoice.downloaded = True
        self._send(200, {"codeRetour": 0, "libelle": "GCU_MSG_01_000",
                         "fichierResultat": base64.b64encode(invoice.pdf).decode()})

    def _process(self, structure: int, body: dict) -> None:
        invoice = self._mine(structure, body)
        if invoice is None:
            return
        status, reason = body.get("nouveauStatut"), (body.get("motif") or "").strip()
        problem = None
        if status not in RECIPIENT_STATUSES:
            problem = f"Le statut {status} n'est pas un statut de traitement"
        elif invoice.status in FINAL:
            problem = f"La facture est au statut {invoice.status} : elle ne change plus"
        elif status in NEEDS_REASON and not reason:
            problem = f"Le motif est obligatoire pour le statut {status}"
        elif status == "MANDATEE" and not (body.get("numeroDPMandat") or "").strip():
            problem = "Le numéro de mandat est obligatoire pour le statut MANDATEE"
        if problem:
            return self._send(400, {"codeRetour": 20004, "libelle": problem})
        invoice.status = status
        invoice.history.append({"statut": status, "motif": reason,
                                "numeroDPMandat": body.get("numeroDPMandat") or "",
                                "date": datetime.now().isoformat(timespec="seconds")})
        self._send(200, {"codeRetour": 0, "libelle": "GCU_MSG_01_000",
                         "idFacture": invoice.id, "dateTraitement": date.today().isoformat()})

    def _history(self, structure: int, body: dict) -> None:
        invoice = self._mine(structure, body)
        if invoice is None:
            return
        self._send(200, {"codeRetour": 0, "libelle": "GCU_MSG_01_000",
                         "idFacture": invoice.id, "statutCourant": invoice.status,
                         "historiquesDesStatuts": list(invoice.history)})

    # ours
    def _control(self, url, raw: bytes) -> None:
        if url.path == "/_standin/fail":
            q = parse_qs(url.query)
            self.state.failures += [int(q.get("status", ["503"])[0])] * int(q["count"][0])
            return self._send(200, {"ok": True})
        if url.path == "/_standin/deposit":
            d = json.loads(raw)
            invoice = Invoice(
                id=self.state.next_id, structure=int(d["structure"]), number=d["number"],
                supplier=d["supplier"], supplier_id=d.get("siret", ""),
                service_code=d.get("service_code", ""), order=d.get("order", ""),
                issued=d.get("issued", date.today().isoformat()),
                deposited=d.get("deposited", date.today().isoformat()),
                net=float(d.get("net", 0)), total=float(d["total"]),
                pdf=base64.b64decode(d["pdf"]))
            invoice.history.append({"statut": invoice.status, "motif": "", "numeroDPMandat": "",
                                    "date": datetime.now().isoformat(timespec="seconds")})
            self.state.invoices[invoice.id] = invoice
            self.state.next_id += 1
            return self._send(200, {"idFacture": invoice.id})
        self._send(404, {"error": "not found"})


class ChorusStandIn:
    """Start with the PISTE application's credentials; `account(login, password, structure)`
    opens a technical account for a structure (a member's idStructureCPP)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *,
                 client_id: str = "piste-app", client_secret: str = "piste-secret"):
        self.state = State(client_id, client_secret)
        self._server = ThreadingHTTPServer((host, port), _Handler)
        self._server.state = self.state
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def token_url(self) -> str:
        return self.url + "/api/oauth/token"

    def account(self, login: str, password: str, structure: int) -> None:
        header = base64.b64encode(f"{login}:{password}".encode()).decode()
        self.state.accounts[header] = structure

    def deposit(self, structure: int, pdf: bytes, **fields) -> int:
        """A supplier's invoice made available to `structure`: its idFacture."""
        with self.state.lock:
            invoice = Invoice(id=self.state.next_id, structure=structure, pdf=pdf,
                              number=fields["number"], supplier=fields["supplier"],
                              supplier_id=fields.get("siret", ""),
                              service_code=fields.get("service_code", ""),
                              order=fields.get("order", ""),
                              issued=fields.get("issued", date.today().isoformat()),
                              deposited=fields.get("deposited", date.today().isoformat()),
                              net=float(fields.get("net", 0)), total=float(fields["total"]))
            invoice.history.append({"statut": invoice.status, "motif": "",
                                    "numeroDPMandat": "",
                                    "date": datetime.now().isoformat(timespec="seconds")})
            self.state.invoices[invoice.id] = invoice
            self.state.next_id += 1
            return invoice.id

    def invoice(self, id_facture: int) -> Invoice:
        return self.state.invoices[id_facture]

    def fail(self, count: int, status: int = 503) -> None:
        with self.state.lock:
            self.state.failures += [status] * count

    def start(self) -> ChorusStandIn:
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True,
                                        name="chorus-standin")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(5)

    def __enter__(self) -> ChorusStandIn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
