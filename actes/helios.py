"""Accounting flux sent to Hélios through the tiers de télétransmission (S²LOW's Hélios
module), and what the DGFiP sends back.

    flux = transmit_pes("79174", "PES_2026_001.xml", data, user)   # checked, stored, posted
    refresh_pending()                                              # the beat task, hourly

`transmit_pes` takes any PES_Aller, signed here or elsewhere: it checks that the file is one
(each problem named, nothing stored when it is refused), stores it, then posts it in a Celery
task (`actes.helios_send`) retried while the tiers cannot be reached. The periodic task
(`actes.helios_refresh`) asks what became of the flux still pending, imports their
PES_Acquit, and files the PES_Retour of each member by the SIRET in their header.

The tiers is `MUTUALIS_HELIOS_TDT`; unset, the acts' one (`MUTUALIS_ACTES_TDT`): at S²LOW
one account carries both modules.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from celery import shared_task
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualis import conf, uploads
from provisioning.models import RegistryMember

from .access import keeps_helios
from .helios_models import HeliosFlux, HeliosFluxEvent, HeliosRetour
from .services import ActRefused, read_file
from .teletransmission import helios as tdt
from .teletransmission import pes
from .teletransmission.errors import TransmissionFailed
from .teletransmission.s2low import S2lowSettings

log = logging.getLogger(__name__)

# The tiers' statuses as our states (S²LOW's HeliosStatus, teletransmission/helios.py).
STATES = {tdt.POSTED: HeliosFlux.POSTED, tdt.WAITING: HeliosFlux.POSTED,
          tdt.PROCESSING: HeliosFlux.POSTED, tdt.TRANSMITTED: HeliosFlux.TRANSMITTED,
          tdt.TRANSMITTED_NO_ACK: HeliosFlux.ACQUITTED, tdt.ACQUITTED: HeliosFlux.ACQUITTED,
          tdt.INFORMATION: HeliosFlux.ACQUITTED, tdt.REFUSED: HeliosFlux.REFUSED,
          tdt.ERROR: HeliosFlux.ERROR}


class PesRefused(ActRefused):
    """A flux refused before it left: each message names the file and what is wrong."""


def _config() -> dict | None:
    config = conf.MUTUALIS_HELIOS_TDT or conf.MUTUALIS_ACTES_TDT
    return dict(config) if config and config.get("url") else None


def tiers_configured() -> bool:
    return _config() is not None


def connector() -> tdt.S2lowHeliosConnector:
    config = _config()
    if config is None:
        raise PesRefused([_("transmission : aucun tiers de télétransmission n'est configuré "
                            "(réglage MUTUALIS_HELIOS_TDT ou MUTUALIS_ACTES_TDT).")])
    fields = {k: v for k, v in config.items() if k in S2lowSettings.__dataclass_fields__}
    return tdt.S2lowHeliosConnector(S2lowSettings(**fields))


@contextmanager
def _tiers(given) -> Iterator[tdt.S2lowHeliosConnector]:
    if given is not None:
        yield given
        return
    with connector() as made:
        yield made


def _record(flux: HeliosFlux, state: str, message: str = "", tdt_status: str = "") -> None:
    """Set the flux's state and add the step to its history (only when something changed)."""
    last = flux.events.order_by("-at", "-pk").first()
    if last and (last.state, last.tdt_status) == (state, tdt_status or last.tdt_status):
        return
    flux.state = state
    if tdt_status:
        flux.tdt_status = tdt_status
    flux.save()
    HeliosFluxEvent.objects.create(flux=flux, state=state, tdt_status=tdt_status,
                                   message=message)


# ------------------------------------------------------------------ sending


def check_pes(member: RegistryMember, filename: str, data: bytes) -> pes.PesAller:
    """The PES_Aller in `data`, or PesRefused naming the file and each problem."""
    if len(data) > uploads.max_size():
        raise PesRefused([_("%(name)s : le fichier dépasse la taille maximale (%(max)s Mo).")
                          % {"name": filename, "max": uploads.max_size() // uploads.MB}])
    try:
        flux = pes.read_pes_aller(data, filename)
    except pes.PesInvalid as exc:
        raise PesRefused(list(exc.problems)) from exc
    problems = []
    if member.siren and not flux.id_coll.startswith(member.siren):
        problems.append(_("%(name)s : ce flux est celui de l'établissement de SIRET %(siret)s, "
                          "pas de %(member)s (SIREN %(siren)s).") % {
            "name": filename, "siret": flux.id_coll, "member": member.name,
            "siren": member.siren})
    sent = HeliosFlux.objects.filter(member=member).exclude(
        state__in=(HeliosFlux.ERROR, HeliosFlux.REFUSED))
    sha256 = hashlib.sha256(data).hexdigest()
    same = sent.filter(sha256=sha256).first() or sent.filter(nom_fic=flux.nom_fic).first()
    if same:
        problems.append(_("%(name)s : ce flux (NomFic %(nom)s) a déjà été transmis le "
                          "%(at)s (%(first)s) ; Hélios refuse un flux reçu deux fois.") % {
            "name": filename, "nom": flux.nom_fic, "first": same.filename,
            "at": timezone.localtime(same.created_at).strftime("%d/%m/%Y %H:%M")})
    if problems:
        raise PesRefused(problems)
    return flux


def transmit_pes(member_code: str, filename: str, data: bytes, user=None) -> HeliosFlux:
    """Check, store and send a PES_Aller for the member; the flux as stored (its state then
    says how the sending went: "déposé chez le tiers", or still "reçu" while the tiers cannot
    be reached and the task tries again)."""
    member = RegistryMember.objects.filter(code=member_code).first()
    if member is None or not keeps_helios(member):
        raise PesRefused([_("transmission : le membre %(code)s n'envoie pas ses flux "
                            "comptables d'ici (service « pes »).") % {"code": member_code}])
    if not tiers_configured():
        connector()  # raises the sentence that says which setting is missing
    summary = check_pes(member, filename, data)
    with transaction.atomic():
        flux = HeliosFlux(member=member, filename=filename[:255], size=len(data),
                          sha256=hashlib.sha256(data).hexdigest(), nom_fic=summary.nom_fic,
                          summary=summary.summary(), created_by=user)
        flux.file.save(filename, ContentFile(data), save=False)
        flux.save()
        _record(flux, HeliosFlux.STORED, _("Flux reçu : %(n)s bordereau(x), %(pj)s pièce(s) "
                                           "jointe(s).") % {"n": len(summary.bordereaux),
                                                            "pj": summary.pj})
    _queue(flux.pk)
    flux.refresh_from_db()
    return flux


def _queue(flux_id: int) -> None:
    send_flux.delay(flux_id)


def transient(exc: TransmissionFailed) -> bool:
    """A failure worth trying again: the tiers unreachable or answering 5xx, not a refusal,
    and not a timeout after the file left (S²LOW may hold it: it would answer « doublon »)."""
    cause = exc.__cause__
    if exc.answer is not None or (exc.status_code and exc.status_code < 500):
        return False
    if isinstance(cause, httpx.TimeoutException):
        return isinstance(cause, httpx.ConnectTimeout | httpx.PoolTimeout)
    return True


def send(flux_id: int, tiers=None) -> HeliosFlux:
    """Post a stored flux (once: a flux already posted is left alone). TransmissionFailed
    propagates when it is transient, for the task to try again."""
    failure = None
    with transaction.atomic():
        flux = HeliosFlux.objects.select_for_update().get(pk=flux_id)
        if flux.state != HeliosFlux.STORED or flux.transaction_id:
            return flux
        try:
            with _tiers(tiers) as client:
                flux.transaction_id = client.send_pes(flux.filename, read_file(flux.file))
        except TransmissionFailed as exc:
            failure = exc
            if isinstance(exc.__cause__, httpx.TimeoutException) and not transient(exc):
                # The file left and no answer came: the tiers may hold it. Not sent again,
                # and counted as sent (check_pes), until someone looks at the tiers.
                flux.error = str(exc)
                _record(flux, HeliosFlux.UNCERTAIN, _(
                    "Le tiers n'a pas répondu après l'envoi : le flux lui est peut-être "
                    "parvenu. Vérifiez sur le tiers avant de le déposer à nouveau."))
            elif not transient(exc):
                flux.error = exc.answer or str(exc)
                _record(flux, HeliosFlux.ERROR, _("Refusé par le tiers : %(why)s") % {
                    "why": exc.answer or exc})
        else:
            flux.sent_at, flux.error = timezone.now(), ""
            _record(flux, HeliosFlux.POSTED, _("Déposé chez le tiers (transaction %(id)s).")
                    % {"id": flux.transaction_id}, tdt.STATUSES[tdt.POSTED])
    if failure is not None and transient(failure):
        flux.error = str(failure)
        flux.save(update_fields=["error"])
        raise failure
    return flux


# ------------------------------------------------------------------ what comes back


def refresh(flux: HeliosFlux, tiers) -> bool:
    """Ask the tiers about one flux; import its PES_Acquit. True when its state changed."""
    before = (flux.state, flux.tdt_status)
    status = tiers.helios_status(flux.transaction_id)
    flux.checked_at = timezone.now()
    state = STATES.get(status.code, flux.state)
    message = status.message
    if status.code in tdt.WITH_ACQUIT and not flux.acquit:
        content = tiers.acquit(flux.transaction_id)
        try:
            acquit = pes.parse_acquit(content)
        except pes.PesInvalid as exc:
            flux.error = str(exc)
            flux.save()
            return False
        flux.acquit, flux.acquit_summary = content, acquit.summary()
        flux.acquitted_at = timezone.now()
        if not acquit.accepted:
            state, flux.error = HeliosFlux.REFUSED, acquit.reason
            message = _("Refusé par Hélios : %(why)s") % {"why": acquit.reason or status.label}
    elif status.code == tdt.ERROR:
        flux.error = status.message
    _record(flux, state, message, status.label)
    return before != (flux.state, flux.tdt_status)


def refresh_flux(flux: HeliosFlux, tiers=None) -> bool:
    if not flux.transaction_id:
        return False
    try:
        with _tiers(tiers) as client:
            return refresh(flux, client)
    except TransmissionFailed as exc:
        raise PesRefused([_("tiers de télétransmission : %(why)s") % {"why": exc}]) from exc


def member_of_siret(siret: str) -> RegistryMember | None:
    """The member a PES_Retour is for: its SIRET in the acts' settings, else its SIREN."""
    from .models import MemberSettings

    known = MemberSettings.objects.filter(siret=siret).select_related("member").first()
    if known:
        return known.member
    return RegistryMember.objects.filter(siren=siret[:9], active=True).first() if siret else None


def import_retours(tiers) -> int:
    """File each unread PES_Retour under its member, then mark it read at the tiers. One for
    no member here stays unread there (said in the log)."""
    imported = 0
    for ref in tiers.retours():
        if HeliosRetour.objects.filter(reference=ref.id).exists():
            tiers.mark_retour_read(ref.id)
            continue
        content = tiers.fetch_retour(ref.id)
        try:
            retour = pes.parse_retour(content)
        except pes.PesInvalid as exc:
            log.warning("PES_Retour %s (%s) not imported: %s", ref.id, ref.name, exc)
            continue
        member = member_of_siret(retour.id_coll)
        if member is None or not keeps_helios(member):
            log.warning("PES_Retour %s for SIRET %s: no member here", ref.id, retour.id_coll)
            continue
        HeliosRetour.objects.create(member=member, reference=ref.id, name=ref.name[:255],
                                    received_on=ref.date[:40], content=content,
                                    summary=retour.summary())
        tiers.mark_retour_read(ref.id)
        imported += 1
    return imported


def refresh_pending(tiers=None) -> dict:
    """The periodic job: send what could not be sent, ask about what is pending, import
    the PES_Retour. Returns counts."""
    counts = {"sent": 0, "changed": 0, "retours": 0}
    for flux_id in HeliosFlux.objects.filter(state=HeliosFlux.STORED).values_list("pk",
                                                                                   flat=True):
        _queue(flux_id)
        counts["sent"] += 1
    pending = HeliosFlux.objects.filter(state__in=HeliosFlux.PENDING).exclude(transaction_id="")
    with _tiers(tiers) as client:
        for flux in pending.iterator():
            try:
                counts["changed"] += refresh(flux, client)
            except TransmissionFailed as exc:
                log.warning("flux %s not refreshed: %s", flux.pk, exc)
        try:
            counts["retours"] = import_retours(client)
        except TransmissionFailed as exc:
            log.warning("PES_Retour not imported: %s", exc)
    return counts


# ------------------------------------------------------------------ the tasks

# Sending a flux, retried while the tiers cannot be reached (30 s, 1 min, 2 min…), then
# left stored for the periodic job; and the periodic job itself. actes/tasks.py imports them.
SEND_RETRIES = 5


@shared_task(name="actes.helios_send", bind=True, acks_late=True, max_retries=SEND_RETRIES)
def send_flux(self, flux_id: int) -> str:
    """Post a stored PES flux; returns its state."""
    try:
        return send(flux_id).state
    except TransmissionFailed as exc:
        if not transient(exc) or self.request.retries >= SEND_RETRIES:
            log.warning("PES flux %s not sent, the periodic job tries again: %s", flux_id, exc)
            return "stored"
        countdown = 30 * 2 ** self.request.retries
        if self.request.is_eager:  # no broker (the embedded default): the next attempt now
            retry = self.retry(exc=exc, countdown=countdown, throw=False)
            return retry.sig.apply(retries=self.request.retries + 1).result
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(name="actes.helios_refresh")
def helios_refresh() -> dict:
    """Send the flux still stored, ask what became of those pending, import the PES_Acquit
    and the PES_Retour. Without a tiers, there is nothing to ask."""
    if not tiers_configured():
        log.info("Hélios flux not refreshed: no tiers de télétransmission is configured")
        return {"sent": 0, "changed": 0, "retours": 0}
    return refresh_pending()
