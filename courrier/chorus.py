"""Chorus Pro, through PISTE: the invoices every supplier of a public body deposits there are
fetched and recorded in the register, and the circuit's decisions go back to Chorus Pro.

The API (the AIFE's "factures" API on PISTE, as Libriciel's Pastell connector calls it):
an OAuth2 token by client credentials from PISTE (the syndicate's PISTE application), then
POST /cpro/factures/v1/<service> in JSON with the bearer token and the member's Chorus Pro
technical account in the `cpro-account` header (base64 of login:password):
rechercher/recipiendaire (the invoices the structure received, paged), telecharger/groupe
(one invoice's PDF, base64), traiter/recue (a new status, its motif, the mandat number),
consulter/historique (the statuses it went through). codeRetour 0 is success; 20000 is « no
result » for a search; anything else is a refusal whose libelle says why.

Configuration: settings.MUTUALIS_CHORUS_PRO (api_url, token_url, client_id, client_secret,
and accounts: {member code: {login, password, structure}}); unset, nothing is fetched and
the statuses wait in their queue.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

import httpx
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from provisioning import people
from provisioning.models import RegistryMember

from . import natures as n
from .models import Item, Refusal, StatusPush
from .register import SYSTEM, Refused, add_contact, log_step, record, recorded_from

log = logging.getLogger(__name__)

TIMEOUT = 60.0  # seconds (Pastell's connector waits as long)
PAGE = 100
NO_RESULT = 20000  # « TRA_MSG_00.015 - La recherche n'a retourné aucun résultat »
NEW = "MISE_A_DISPOSITION"
# What the circuit's states become in Chorus Pro (the names are Chorus Pro's already).
PUSHED = (n.SERVICE_DONE, n.SUSPENDED, n.REJECTED, n.VALIDATED)


class ChorusError(Exception):
    """Chorus Pro refused, or could not be reached (`transient`): one sentence."""

    def __init__(self, message: str, transient: bool = False):
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class Account:
    login: str
    password: str = field(repr=False)
    structure: int = 0

    @property
    def header(self) -> str:
        return base64.b64encode(f"{self.login}:{self.password}".encode()).decode()


def config() -> dict | None:
    return getattr(settings, "MUTUALIS_CHORUS_PRO", None) or None


def account_of(member: RegistryMember) -> Account | None:
    found = ((config() or {}).get("accounts") or {}).get(member.code)
    if not found:
        return None
    return Account(found["login"], found["password"], int(found.get("structure") or 0))


_tokens: dict[tuple[str, str], tuple[str, float]] = {}
_tokens_lock = threading.Lock()


class Client:
    """One member's access to Chorus Pro."""

    def __init__(self, conf: dict, account: Account, http: httpx.Client | None = None):
        self.conf, self.account = conf, account
        self.http = http or httpx.Client(timeout=TIMEOUT)

    # PISTE: a token by client credentials, kept until shortly before it expires.
    def token(self, fresh: bool = False) -> str:
        key = (self.conf["token_url"], self.conf["client_id"])
        with _tokens_lock:
            known = _tokens.get(key)
            if known and not fresh and known[1] > time.monotonic():
                return known[0]
        try:
            answer = self.http.post(self.conf["token_url"], data={
                "grant_type": "client_credentials", "client_id": self.conf["client_id"],
                "client_secret": self.conf["client_secret"], "scope": "openid"})
        except httpx.HTTPError as exc:
            raise ChorusError(_("PISTE ne répond pas (%(e)s).") % {"e": exc}, True) from None
        if answer.status_code != 200:
            raise ChorusError(_("PISTE refuse l'application (HTTP %(s)s) : vérifiez "
                                "MUTUALIS_CHORUS_PRO_CLIENT_ID et _SECRET.")
                              % {"s": answer.status_code}, answer.status_code >= 500)
        data = answer.json()
        if not (data.get("access_token") and int(data.get("expires_in") or 0) > 0):
            raise ChorusError(_("PISTE a répondu sans jeton valable."))
        with _tokens_lock:
            _tokens[key] = (data["access_token"],
                            time.monotonic() + int(data["expires_in"]) - 60)
        return data["access_token"]

    def call(self, service: str, body: dict) -> dict:
        url = self.conf["api_url"].rstrip("/") + "/cpro/factures/v1/" + service
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self.token(fresh=attempt == 2)}",
                       "cpro-account": self.account.header,
                       "Content-Type": "application/json;charset=utf-8",
                       "Accept": "application/json;charset=utf-8"}
            try:
                answer = self.http.post(url, json=body, headers=headers)
            except httpx.HTTPError as exc:
                raise ChorusError(_("Chorus Pro ne répond pas (%(e)s).") % {"e": exc},
                                  True) from None
            if answer.status_code == 401 and attempt == 1:
                continue  # the token expired early: one new one
            break
        try:
            data = answer.json()
        except ValueError:
            data = {}
        code = data.get("codeRetour", 0 if answer.status_code == 200 else answer.status_code)
        if answer.status_code == 200 and code in (0, NO_RESULT):
            return data
        reason = data.get("libelle") or data.get("error") or answer.reason_phrase
        raise ChorusError(_("Chorus Pro a refusé %(s)s (HTTP %(h)s, code %(c)s) : %(r)s") % {
            "s": service, "h": answer.status_code, "c": code, "r": reason},
            answer.status_code >= 500 or answer.status_code == 429)

    def received(self, statuses=(NEW,)):
        """The invoices the structure received, at these statuses, page after page."""
        page = 1
        while True:
            body = {"paramRecherche": {"nbResultatsParPage": PAGE,
                                       "pageResultatDemandee": page},
                    "statutCourant": list(statuses), "typeDemandePaiement": "FACTURE"}
            if self.account.structure:
                body["idDestinataire"] = self.account.structure
            data = self.call("rechercher/recipiendaire", body)
            if data.get("codeRetour") == NO_RESULT:
                return
            yield from data.get("listeFactures") or []
            if int(data.get("pageCourante") or page) >= int(data.get("pages") or 1):
                return
            page += 1

    def download(self, id_facture: int) -> bytes:
        data = self.call("telecharger/groupe", {"format": "PDF",
                                                "avecPiecesJointesComplementaires": "Non",
                                                "listeFacture": [{"idFacture": id_facture}]})
        if not data.get("fichierResultat"):
            raise ChorusError(_("Chorus Pro n'a pas donné le fichier de la facture %(i)s.")
                              % {"i": id_facture})
        return base64.b64decode(data["fichierResultat"])

    def process(self, id_facture: int, status: str, reason: str = "",
                mandate: str = "") -> dict:
        return self.call("traiter/recue", {"idFacture": id_facture, "nouveauStatut": status,
                                           "motif": reason, "numeroDPMandat": mandate})

    def history(self, id_facture: int) -> dict:
        return self.call("consulter/historique", {"idFacture": id_facture,
                                                  "nbResultatsMaximum": 50})


def client_for(member: RegistryMember) -> Client | None:
    conf, account = config(), account_of(member)
    return Client(conf, account) if conf and account else None


# ------------------------------------------------------------------ import


def _date(text) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10])
    except (TypeError, ValueError):
        return None


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01")) if value is not None else None
    except InvalidOperation:
        return None


def record_invoice(member: RegistryMember, summary: dict, pdf: bytes) -> Item:
    """One invoice from Chorus Pro: a Factur-X is read as the register reads one (its XML
    kept, routed on its service code); any other PDF is recorded from what Chorus Pro says of
    it and routed on its codeServiceExecutant. The payment delay runs from its deposit."""
    from .invoices import has_einvoice_xml, record_einvoice
    from .routing import assign_by_system

    id_facture = str(summary["idFacture"])
    source = f"chorus:{id_facture}"
    deposited = _date(summary.get("dateDepot")) or timezone.localdate()
    name = f"facture-{summary.get('numeroFacture') or id_facture}.pdf"
    with transaction.atomic():
        if has_einvoice_xml(pdf):
            item = record_einvoice(member, name, pdf, SYSTEM, channel=n.CHORUS, source=source,
                                   received_on=deposited)
        else:
            siret = str(summary.get("identifiantFournisseur") or "")
            supplier = add_contact(member, summary.get("designationFournisseur")
                                   or _("Fournisseur inconnu"),
                                   siret=siret if len(siret) == 14 else "")
            number = str(summary.get("numeroFacture") or id_facture)
            item = record(member, subject=_("Facture %(n)s — %(s)s") % {
                              "n": number, "s": supplier.name},
                          kind=n.INVOICE, channel=n.CHORUS, correspondent=supplier,
                          reference=number, amount=_decimal(summary.get("montantTTC")),
                          files=[(name, pdf)], received_on=deposited, source=source)
            code = str(summary.get("codeServiceExecutant") or "").strip().lower()
            if code in people.departments(member):
                assign_by_system(item, code)
        item.chorus_id = id_facture
        item.save(update_fields=["chorus_id"])
        log_step(item, "received_from_chorus", SYSTEM, id_facture=id_facture,
                 deposited=deposited.isoformat(), status=summary.get("statut", ""))
    return item


def import_invoices(member: RegistryMember, client: Client) -> dict:
    """The invoices made available to the member and not yet in its register."""
    done = {"recorded": 0, "refused": 0}
    for summary in client.received():
        source = f"chorus:{summary['idFacture']}"
        if recorded_from(member, source) is not None:
            continue
        where = _("Chorus Pro, facture %(i)s") % {"i": summary["idFacture"]}
        if Refusal.objects.filter(member=member, where=where).exists():
            continue  # refused once: said once, it waits in Chorus Pro
        try:
            record_invoice(member, summary, client.download(int(summary["idFacture"])))
        except Refused as exc:
            reason = " ; ".join(exc.messages)
            log.warning("courrier: Chorus Pro invoice %s of %s refused: %s",
                        summary["idFacture"], member.code, reason)
            Refusal.objects.create(member=member, channel=n.CHORUS, where=where,
                                   what=str(summary.get("numeroFacture") or "")[:500],
                                   reason=reason)
            done["refused"] += 1
            continue
        except IntegrityError:  # recorded meanwhile by another worker
            continue
        done["recorded"] += 1
    return done


# ------------------------------------------------------------------ statuses back


def queue_status(item: Item, status: str, reason: str = "", mandate: str = "") -> None:
    """In the transaction of the circuit's step: the status to send to Chorus Pro, sent
    once the step is committed (and by the periodic import until Chorus Pro takes it)."""
    if not item.chorus_id or status not in PUSHED:
        return
    StatusPush.objects.create(item=item, status=status, reason=reason,
                              mandate_number=mandate)
    from .tasks import chorus_push

    transaction.on_commit(lambda: chorus_push.delay(item.pk))


def push_pending(item_id: int | None = None) -> dict:
    """Send the statuses waiting, oldest first; an item's later statuses wait behind one
    Chorus Pro has not taken."""
    done = {"sent": 0, "failed": 0, "waiting": 0}
    pending = StatusPush.objects.filter(sent_at__isnull=True).select_related("item__member")
    if item_id is not None:
        pending = pending.filter(item_id=item_id)
    blocked: set[int] = set()
    clients: dict[int, Client | None] = {}
    for push in pending.order_by("pk"):
        item = push.item
        if item.pk in blocked:
            done["waiting"] += 1
            continue
        if item.member_id not in clients:
            clients[item.member_id] = client_for(item.member)
        client = clients[item.member_id]
        if client is None:
            done["waiting"] += 1
            continue
        try:
            client.process(int(item.chorus_id), push.status, push.reason, push.mandate_number)
        except ChorusError as exc:
            StatusPush.objects.filter(pk=push.pk).update(attempts=push.attempts + 1,
                                                         error=str(exc))
            if push.attempts == 0:  # said once in the history, retried quietly after
                log_step(item, "chorus_status_failed", SYSTEM, str(exc), status=push.status)
            log.warning("courrier: status %s of %s not taken by Chorus Pro: %s",
                        push.status, item.chrono, exc)
            blocked.add(item.pk)
            done["failed"] += 1
            continue
        StatusPush.objects.filter(pk=push.pk).update(sent_at=timezone.now(),
                                                     attempts=push.attempts + 1, error="")
        log_step(item, "chorus_status_sent", SYSTEM, push.reason, status=push.status,
                 mandate=push.mandate_number)
        done["sent"] += 1
    return done


def import_all() -> dict:
    """Every member with a Chorus Pro account (the periodic task), then the statuses."""
    total = {"members": 0, "recorded": 0, "refused": 0, "failed": 0}
    if config():
        for member in people.subscribing(people.members(), "courrier"):
            client = client_for(member)
            if client is None:
                continue
            try:
                done = import_invoices(member, client)
            except ChorusError as exc:
                log.warning("courrier: Chorus Pro not read for %s: %s", member.code, exc)
                total["failed"] += 1
                continue
            total["members"] += 1
            total["recorded"] += done["recorded"]
            total["refused"] += done["refused"]
    total["statuses"] = push_pending()
    return total
