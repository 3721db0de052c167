"""Sending a convocation: check the law, build the dossier, timestamp the manifest, publish the
dossier to the assembly's Nextcloud folder, add the sitting to the assembly's calendar, mail
each member a personal link and each guest an invitation, announce the sitting on the
member's website.

The dossier and the manifest must be made before anything goes out (SendingFailed otherwise).
The other steps do not stop the sending: a backend that is absent or failing leaves its reason
on the Dispatch (shown to the staff) and the members still get their links, which serve the
dossier. Each step records what it did, so a new attempt (or a Celery task run twice) resumes
where the sending stopped: nothing is mailed twice, and only those not yet reached are mailed.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualis.private_files import dossier_dir, private_storage
from provisioning.access import subscribes
from provisioning.people import assembly_seats

from . import backends, delivery, dossier, mail
from .models import Convocation, Dispatch, Sitting, audit
from .rules import lateness_message, long_date
from .timestamp import TimestampError, configured_authority, timestamp

STALE_CLAIM = timedelta(minutes=30)


class SendingRefused(Exception):
    """The convocation may not be sent; the sentence says why and what to do."""


class SendingFailed(Exception):
    """A step that must succeed before anything is mailed failed; nothing went out, and the
    sentence says what to do."""


def problems(sitting: Sitting, today: date | None = None) -> list[str]:
    """Why the convocation of this sitting may not be sent now (empty when it may)."""
    today = today or timezone.localdate()
    member = sitting.member
    found = []
    if "convocation" not in (member.services or []):
        found.append(_("%(member)s n'est pas abonné(e) au service de convocation "
                       "électronique : demandez au syndicat de l'y abonner.")
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
        found.append(_("Le %(assembly)s n'a aucun membre en fonctions dans le registre : "
                       "signalez-le au syndicat, qui tient l'inventaire des élus.")
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


def _dossier_dir(dispatch: Dispatch) -> str:
    """The dispatch's private folder: kept when the dossier is built again, else a new
    unguessable one."""
    for record in dispatch.files or []:
        if record["path"].endswith("/" + record["name"]):
            return record["path"][: -len(record["name"]) - 1]
    return dossier_dir()


def store_dossier(sitting: Sitting, dispatch: Dispatch) -> dict[str, bytes]:
    built = dossier.build(sitting)
    storage = private_storage()
    base = _dossier_dir(dispatch)
    records = []
    for name, content in built.files.items():
        path = f"{base}/{name}"
        if storage.exists(path):
            storage.delete(path)  # the same dossier, rebuilt: its hash is in the audit trail
        storage.save(path, ContentFile(content))
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
        with private_storage().open(record["path"], "rb") as f:
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


def _stamp(sitting: Sitting, dispatch: Dispatch, convocations: list[Convocation]) -> None:
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


def _publish_dossier(sitting: Sitting, dispatch: Dispatch, files: dict[str, bytes]) -> None:
    """Put the dossier in the assembly's Nextcloud folder, for the tablets. Without a
    Nextcloud the personal links serve it: the sending goes on, and says so."""
    if dispatch.published_paths or dispatch.nextcloud_absent:
        return
    if not backends.nextcloud_configured():
        dispatch.nextcloud_absent, dispatch.publication_error = True, ""
        dispatch.save(update_fields=["nextcloud_absent", "publication_error"])
        audit(sitting, "not-published", reason="no Nextcloud is configured")
        return
    try:
        paths = backends.publish_dossier(sitting.member.code, sitting.assembly.slug,
                                         folder_name(sitting), files)
    except Exception as exc:  # the members still get their links; a new attempt retries
        _failed(sitting, dispatch, "publication_error", "publish-failed",
                backends.cause(exc, "Nextcloud"))
        return
    dispatch.published_paths, dispatch.publication_error = paths, ""
    dispatch.save(update_fields=["published_paths", "publication_error"])
    audit(sitting, "published", paths=paths)


def _failed(sitting: Sitting, dispatch: Dispatch, field: str, event: str, cause: str) -> None:
    """A step that did not happen: its cause kept on the dispatch (shown to the staff, cleared
    when a new attempt succeeds) and in the audit trail."""
    setattr(dispatch, field, cause)
    dispatch.save(update_fields=[field])
    audit(sitting, event, error=cause)


def _add_to_calendar(sitting: Sitting, dispatch: Dispatch) -> None:
    """The sitting in the assembly's calendar, where the member has the agenda service (the
    mails carry the .ics anyway)."""
    if dispatch.calendar_uid or not subscribes(sitting.member, "agenda"):
        return
    event = mail.event_of(sitting)
    try:
        backends.add_to_calendar(sitting.member.code, sitting.assembly.slug, event)
    except Exception as exc:
        _failed(sitting, dispatch, "calendar_error", "calendar-failed",
                backends.cause(exc, _("Le serveur d'agendas")))
        return
    dispatch.calendar_uid, dispatch.calendar_error = event.uid, ""
    dispatch.save(update_fields=["calendar_uid", "calendar_error"])
    audit(sitting, "calendar", uid=event.uid)


def site_key(sitting: Sitting) -> str:
    """The sitting's stable key on the member's website."""
    return f"{sitting.assembly.slug}-{sitting.pk}"


def public_sitting(sitting: Sitting) -> backends.PublicSitting:
    return backends.PublicSitting(
        member_code=sitting.member.code, key=site_key(sitting),
        title=_("%(assembly)s du %(day)s") % {"assembly": sitting.assembly.name,
                                               "day": long_date(sitting.local_start.date())},
        assembly=sitting.assembly.name, start=sitting.starts_at, place=sitting.place,
        agenda_items=[item.title for item in sitting.items.order_by("position")])


def publish_on_site(sitting: Sitting, dispatch: Dispatch) -> None:
    """Announce the sitting on the member's website (date, place, agenda; never the
    dossier), where the member has the website service. Idempotent: a sitting published
    again updates its page."""
    if not subscribes(sitting.member, "website"):
        return
    try:
        url = backends.publish_sitting(public_sitting(sitting))
    except Exception as exc:
        _failed(sitting, dispatch, "site_error", "site-failed",
                backends.cause(exc, _("Le site internet")))
        return
    dispatch.site_url, dispatch.site_error = url, ""
    dispatch.save(update_fields=["site_url", "site_error"])
    audit(sitting, "site", url=url)


def file_in_ged(sitting: Sitting, files: dict[str, bytes]) -> None:
    """The dossier as sent is filed in the member's GED, where it subscribes to it (each file
    once: sending again files nothing new)."""
    if not subscribes(sitting.member, "ged"):
        return
    from ged.services import file_from_app

    title = sitting.title or sitting.assembly.name
    for name, content in files.items():
        file_from_app(sitting.member, "CONV-DOSSIER", f"{title} — {name}", content,
                      filename=name, source="convocation",
                      created_on=timezone.localdate(sitting.starts_at),
                      object_app="convocation", object_key=f"{sitting.pk}/{name}"[:80],
                      metadata={"assemblée": sitting.assembly.name, "lieu": sitting.place})


def settled(dispatch: Dispatch, sitting: Sitting) -> bool:
    """Nothing is left to retry: every step happened or cannot happen here."""
    return (bool(dispatch.published_paths or dispatch.nextcloud_absent)
            and not dispatch.calendar_error and not dispatch.site_error
            and not sitting.convocations.filter(sent_at__isnull=True).exists()
            and not sitting.guests.filter(invited_at__isnull=True).exists())


def reached(sitting: Sitting) -> int:
    return sitting.convocations.filter(sent_at__isnull=False).count()


def needs_check(sitting: Sitting) -> bool:
    """The law is checked before a sending, and again as long as nobody received it (a
    sending that reached no member did not convene anyone)."""
    dispatch = Dispatch.objects.filter(sitting=sitting).first()
    return dispatch is None or not dispatch.manifest_sha256 or reached(sitting) == 0


def send(sitting_id: int, today: date | None = None) -> Dispatch:
    """Send (or finish sending) the convocation of a sitting."""
    sitting = Sitting.objects.select_related("assembly__member").get(pk=sitting_id)
    existing = Dispatch.objects.filter(sitting=sitting).first()
    if existing is not None and existing.finished_at is not None:
        return existing
    if needs_check(sitting):
        check(sitting, today)
    if not _claim(sitting):
        raise SendingRefused(_("L'envoi de cette convocation est déjà en cours : attendez "
                               "quelques minutes puis rechargez la page."))
    try:
        dispatch, _created = Dispatch.objects.get_or_create(sitting=sitting)
        if dispatch.manifest_sha256:  # frozen: the manifest names these very files
            files = dossier_files(dispatch)
        else:
            files = _build(sitting, dispatch)
        convocations = convene(sitting)
        if not dispatch.manifest_sha256:
            _timestamp(sitting, dispatch, convocations)
        # The dossier is frozen from here on: the sitting is no longer a draft.
        Sitting.objects.filter(pk=sitting.pk, status=Sitting.DRAFT).update(
            status=Sitting.SENDING)
        _publish_dossier(sitting, dispatch, files)
        _add_to_calendar(sitting, dispatch)
        failed = delivery.mail_all(sitting, convocations)
        sent = reached(sitting)
        audit(sitting, "mailed", sent=sent, failed=[
            c.person.uid for c in sitting.convocations.filter(sent_at__isnull=True)
            .select_related("person")])
        if sent:  # sent only once a member received it
            now = timezone.now()
            Sitting.objects.filter(pk=sitting.pk, sent_at__isnull=True).update(sent_at=now)
            Sitting.objects.filter(pk=sitting.pk, status=Sitting.SENDING).update(
                status=Sitting.SENT)
            publish_on_site(sitting, dispatch)
            file_in_ged(sitting, files)
        if not failed and settled(dispatch, sitting):
            dispatch.finished_at = timezone.now()
            dispatch.save(update_fields=["finished_at"])
        return dispatch
    finally:
        _release(sitting)


def _build(sitting: Sitting, dispatch: Dispatch) -> dict[str, bytes]:
    try:
        return store_dossier(sitting, dispatch)
    except dossier.DossierError as exc:  # its sentence names the document
        raise SendingFailed(str(exc)) from exc


def _timestamp(sitting: Sitting, dispatch: Dispatch, convocations: list[Convocation]) -> None:
    try:
        _stamp(sitting, dispatch, convocations)
    except Exception as exc:
        said = isinstance(exc, TimestampError) and str(exc)  # its sentence, for people
        audit(sitting, "timestamp-failed", error=str(exc) if said else repr(exc))
        cause = str(exc) if said else _("L'autorité d'horodatage n'a pas pu horodater le "
                                        "manifeste d'envoi.")
        raise SendingFailed(_(
            "%(cause)s Rien n'est encore parti : relancez l'envoi dans quelques minutes, et "
            "signalez-le au syndicat si cela persiste.") % {"cause": cause}) from exc
