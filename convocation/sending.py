"""Sending a convocation: check the law, build the dossier, timestamp the manifest, publish the
dossier to the assembly's Nextcloud folder, add the sitting to the assembly's calendar, mail
each member a personal link and each guest an invitation.

Each step records what it did, so a sending interrupted at any point resumes where it stopped
when it runs again (the Celery task may run twice): nothing is mailed twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import backends, dossier, mail, receipts
from .models import Convocation, Dispatch, Sitting, assembly_seats, audit
from .rules import lateness_message
from .timestamp import configured_authority, timestamp

log = logging.getLogger(__name__)
STALE_CLAIM = timedelta(minutes=30)


class SendingRefused(Exception):
    """The convocation may not be sent; the sentence says why and what to do."""


def problems(sitting: Sitting, today: date | None = None) -> list[str]:
    """Why the convocation of this sitting may not be sent now (empty when it may)."""
    today = today or timezone.localdate()
    member = sitting.member
    found = []
    if "convocation" not in (member.services or []):
        found.append(_("%(member)s n'est pas abonné(e) au service de convocation électronique.")
                     % {"member": member.name})
    if not sitting.items.exists():
        found.append(_("L'ordre du jour est vide : ajoutez au moins un point."))
    if sitting.note_required() and not sitting.note:
        found.append(_(
            "La note explicative de synthèse est obligatoire pour %(member)s (article "
            "L2121-12 du CGCT%(epci)s) : joignez-la avant l'envoi.") % {
            "member": member.name, "epci": _(" et L5211-1") if member.kind == "epci" else ""})
    sitting_day = sitting.local_start.date()
    if today + timedelta(days=sitting.jours_francs() + 1) > sitting_day:
        found.append(lateness_message(today, sitting_day, member.population, member.kind,
                                      sitting.urgent, sitting.reconvened))
    if not assembly_seats(sitting.assembly) and not sitting.convocations.exists():
        found.append(_("Le %(assembly)s n'a aucun membre en fonctions dans le registre.")
                     % {"assembly": sitting.assembly.name.lower()})
    return found


def check(sitting: Sitting, today: date | None = None) -> None:
    found = problems(sitting, today)
    if found:
        raise SendingRefused(" ".join(found))


def _claim(sitting: Sitting) -> bool:
    now = timezone.now()
    with transaction.atomic():
        locked = Sitting.objects.select_for_update().get(pk=sitting.pk)
        if locked.sending_since and now - locked.sending_since < STALE_CLAIM:
            return False
        locked.sending_since = now
        locked.save(update_fields=["sending_since"])
    return True


def _release(sitting: Sitting) -> None:
    Sitting.objects.filter(pk=sitting.pk).update(sending_since=None)


def folder_name(sitting: Sitting) -> str:
    """The sitting's subfolder in the assembly's Nextcloud folder."""
    return f"{sitting.local_start:%Y-%m-%d-%Hh%M}"


def store_dossier(sitting: Sitting, dispatch: Dispatch) -> dict[str, bytes]:
    built = dossier.build(sitting)
    base = f"convocation/{sitting.member.code}/{sitting.pk}/dossier"
    records = []
    for name, content in built.files.items():
        path = f"{base}/{name}"
        if default_storage.exists(path):
            default_storage.delete(path)
        default_storage.save(path, ContentFile(content))
        records.append({"name": name, "path": path, "size": len(content),
                        "sha256": hashlib.sha256(content).hexdigest()})
    dispatch.files = records
    dispatch.save(update_fields=["files"])
    audit(sitting, "dossier", pages=built.pages,
          files=[{k: r[k] for k in ("name", "sha256")} for r in records])
    return built.files


def dossier_files(dispatch: Dispatch) -> dict[str, bytes]:
    out = {}
    for record in dispatch.files:
        with default_storage.open(record["path"], "rb") as f:
            out[record["name"]] = f.read()
    return out


def convene(sitting: Sitting) -> list[Convocation]:
    if not sitting.convocations.exists():
        Convocation.objects.bulk_create([
            Convocation(sitting=sitting, person=seat.person,
                        name=f"{seat.person.given_name} {seat.person.surname}",
                        email=seat.person.email)
            for seat in assembly_seats(sitting.assembly)])
    return list(sitting.convocations.select_related("person"))


def manifest(sitting: Sitting, dispatch: Dispatch, convocations: list[Convocation]) -> bytes:
    """The sending manifest: what was sent to whom, canonical JSON."""
    member = sitting.member
    body = {
        "type": "mutualis.convocation.manifest", "version": 1,
        "member": {"code": member.code, "name": member.name},
        "assembly": {"slug": sitting.assembly.slug, "name": sitting.assembly.name},
        "sitting": {"id": sitting.pk, "starts_at": sitting.local_start.isoformat(),
                    "place": sitting.place, "urgent": sitting.urgent,
                    "reconvened": sitting.reconvened, "remote_allowed": sitting.remote_allowed},
        "jours_francs": sitting.jours_francs(),
        "prepared_at": timezone.localtime().isoformat(),
        "files": [{k: r[k] for k in ("name", "sha256", "size")} for r in dispatch.files],
        "recipients": [{"uid": c.person.uid, "name": c.name, "email": c.email}
                       for c in convocations],
        "guests": [{"name": g.name, "email": g.email, "quality": g.quality}
                   for g in sitting.guests.all()],
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode()


def _timestamp(sitting: Sitting, dispatch: Dispatch, convocations: list[Convocation]) -> None:
    data = manifest(sitting, dispatch, convocations)
    dispatch.manifest = data
    dispatch.manifest_sha256 = hashlib.sha256(data).hexdigest()
    authority = configured_authority()
    if authority is not None:
        token = timestamp(data, authority)
        dispatch.timestamp_token, dispatch.timestamped_at = token.der, token.gen_time
    dispatch.save(update_fields=["manifest", "manifest_sha256", "timestamp_token",
                                 "timestamped_at"])
    audit(sitting, "manifest", sha256=dispatch.manifest_sha256,
          timestamped_at=dispatch.timestamped_at.isoformat() if dispatch.timestamped_at else "")


def _mail_members(sitting: Sitting, convocations: list[Convocation]) -> list[str]:
    failed = []
    expires = receipts.link_expiry(sitting)
    with get_connection() as connection:
        for convocation in convocations:
            if convocation.sent_at is not None:
                continue
            token = receipts.issue_token(convocation)
            message = mail.convocation_message(convocation, receipts.link_url(token), expires)
            message.connection = connection
            try:
                message.send()
            except Exception as exc:  # one refused address must not stop the others
                log.warning("convocation %s not mailed: %s", convocation.pk,
                            type(exc).__name__)
                failed.append(convocation.person.uid)
                continue
            convocation.sent_at = timezone.now()
            convocation.save(update_fields=["sent_at"])
        for guest in sitting.guests.filter(invited_at__isnull=True):
            message = mail.invitation_message(guest)
            message.connection = connection
            try:
                message.send()
            except Exception as exc:
                log.warning("guest %s not invited: %s", guest.pk, type(exc).__name__)
                failed.append(guest.email)
                continue
            guest.invited_at = timezone.now()
            guest.save(update_fields=["invited_at"])
    return failed


def send(sitting_id: int, today: date | None = None) -> Dispatch:
    """Send (or finish sending) the convocation of a sitting."""
    sitting = Sitting.objects.select_related("assembly__member").get(pk=sitting_id)
    existing = Dispatch.objects.filter(sitting=sitting).first()
    if existing is not None and existing.finished_at is not None:
        return existing
    if existing is None or not existing.manifest_sha256:  # not a resumed sending
        check(sitting, today)
    if not _claim(sitting):
        raise SendingRefused(_("L'envoi de cette convocation est déjà en cours."))
    try:
        dispatch, _created = Dispatch.objects.get_or_create(sitting=sitting)
        files = dossier_files(dispatch) if dispatch.files else store_dossier(sitting, dispatch)
        convocations = convene(sitting)
        if not dispatch.manifest_sha256:
            _timestamp(sitting, dispatch, convocations)
        if not dispatch.published_paths:
            dispatch.published_paths = backends.publish_dossier(
                sitting.member.code, sitting.assembly.slug, folder_name(sitting), files)
            dispatch.save(update_fields=["published_paths"])
            audit(sitting, "published", paths=dispatch.published_paths)
        event = mail.event_of(sitting)
        backends.add_to_calendar(sitting.member.code, sitting.assembly.slug, event)
        dispatch.calendar_uid = event.uid
        dispatch.save(update_fields=["calendar_uid"])
        failed = _mail_members(sitting, convocations)
        sent = sum(1 for c in convocations if c.sent_at is not None)
        audit(sitting, "mailed", sent=sent, failed=failed)
        now = timezone.now()
        Sitting.objects.filter(pk=sitting.pk, sent_at__isnull=True).update(sent_at=now)
        Sitting.objects.filter(pk=sitting.pk).update(status=Sitting.SENT)
        if not failed:
            dispatch.finished_at = now
            dispatch.save(update_fields=["finished_at"])
        return dispatch
    finally:
        _release(sitting)
