"""The end of the retention period: which documents are due, the batches proposed for them
(a SEDA transfer for those kept, an elimination for the others), and what happens to each.

Nothing is removed without the visa of the departmental archives' director (Code du
patrimoine, R212-14: "l'élimination ... est soumise au visa préalable" of the director):
`eliminate` refuses a batch without it, removes the files of the ones with it, keeps every
record, and writes a certificate of destruction. A legal hold suspends every rule: a held
document is never proposed, and is taken out of a batch it was already in."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from provisioning import people
from provisioning.access import staff_addresses

from . import audit, mirror, plan, seda
from .connector import ArchiveConnector
from .models import DESTROY, KEEP, SORT, Document, DocumentVersion, LegalHold, Proposal


class RetentionRefused(Exception):
    """One French sentence for people."""


def _open_proposals():
    return Proposal.objects.exclude(state__in=[Proposal.DONE, Proposal.REFUSED,
                                               Proposal.REJECTED])


def held_links():
    """The document's links to a hold not lifted (for an Exists over documents)."""
    return LegalHold.documents.through.objects.filter(document=OuterRef("pk"),
                                                      legalhold__lifted_at__isnull=True)


def due(member, today: date | None = None):
    """The member's documents whose DUA has ended, not held and not in an open batch."""
    today = today or timezone.localdate()
    return (Document.objects.filter(member=member, state=Document.ACTIVE,
                                    retention_end__lte=today)
            .exclude(Exists(held_links()))
            .exclude(Exists(Proposal.documents.through.objects.filter(
                document=OuterRef("pk"), proposal__in=_open_proposals())))
            .select_related("doc_type"))


def _identifier(member, kind: str) -> str:
    return f"{member.code}-{kind[:3].upper()}-{timezone.now():%Y%m%d}-{secrets.token_hex(3)}"


@transaction.atomic
def propose(member, today: date | None = None, actor: str = "") -> list[Proposal]:
    """A batch per sort final: conserver → transfer; détruire and trier → an elimination
    bordereau (the director's visa may keep some of the trier ones: `give_visa`)."""
    documents = list(due(member, today))
    made = []
    for kind, finals in ((Proposal.TRANSFER, {KEEP}), (Proposal.ELIMINATION, {DESTROY, SORT})):
        chosen = [d for d in documents if d.doc_type.final_action in finals]
        if not chosen:
            continue
        proposal = Proposal.objects.create(member=member, kind=kind,
                                           identifier=_identifier(member, kind))
        proposal.documents.set(chosen)
        audit.record(member, f"proposed-{kind}", actor, identifier=proposal.identifier,
                     documents=[d.pk for d in chosen])
        made.append(proposal)
    return made


def _take_out_held(proposal: Proposal, actor: str) -> list[Document]:
    held = list(proposal.documents.filter(Exists(held_links())))
    if held:
        proposal.documents.remove(*held)
        audit.record(proposal.member, "held-out", actor, identifier=proposal.identifier,
                     documents=[d.pk for d in held])
    return held


# ------------------------------------------------------------------ transfer


def sip_items(documents) -> list[seda.Item]:
    items = []
    for document in documents:
        version = document.current_version()
        with version.file.open("rb") as f:
            content = f.read()
        start = plan.start_date(document.doc_type, document) or document.created_on
        items.append(seda.Item(
            key=str(document.pk), title=document.title, type_title=document.doc_type.title,
            created_on=document.created_on.isoformat(), author=document.author,
            filename=version.filename, content=content, sha256=version.sha256,
            mime_type=version.mime_type, puid=version.puid, rule_start=start.isoformat(),
            plan_position=document.doc_type.heading.code, rule_id=document.doc_type.code))
    return items


def build_sip(proposal: Proposal, archival_agency: str) -> bytes:
    documents = proposal.documents.select_related("doc_type__heading").order_by("pk")
    return seda.build_sip(proposal.identifier,
                          _("Versement de %(member)s") % {"member": proposal.member.name},
                          archival_agency, proposal.member.siren or proposal.member.code,
                          sip_items(documents))


def send_transfer(proposal: Proposal, connector: ArchiveConnector, archival_agency: str,
                  actor: str = "") -> Proposal:
    if proposal.kind != Proposal.TRANSFER or proposal.state != Proposal.PROPOSED:
        raise RetentionRefused(_("Le versement %(id)s a déjà été envoyé.")
                               % {"id": proposal.identifier})
    _take_out_held(proposal, actor)
    sip = build_sip(proposal, archival_agency)
    remote_id, ack = connector.send(sip)
    ack_fields = seda.read_reply(ack)
    if ack_fields["request"] != proposal.identifier:
        raise RetentionRefused(_("L'accusé de réception du système d'archivage ne porte pas "
                                 "sur le versement %(id)s.") % {"id": proposal.identifier})
    proposal.sip.save(f"{proposal.identifier}.zip", ContentFile(sip), save=False)
    proposal.sip_sha256 = hashlib.sha256(sip).hexdigest()
    proposal.remote_id, proposal.acknowledgement = remote_id, ack.decode()
    proposal.state = Proposal.ACKNOWLEDGED
    proposal.save()
    audit.record(proposal.member, "transfer-sent", actor, identifier=proposal.identifier,
                 sip_sha256=proposal.sip_sha256, acknowledgement=ack_fields["identifier"])
    return proposal


@transaction.atomic
def import_reply(proposal: Proposal, connector: ArchiveConnector, actor: str = "") -> bool:
    """Import the archive's decision; True once there is one. Accepted documents are marked
    transferred (their files stay until the member chooses to remove its copies)."""
    xml = connector.reply(proposal.remote_id)
    if xml is None:
        return False
    fields = seda.read_reply(xml)
    accepted = fields["code"] == "000"
    proposal.reply = xml.decode()
    proposal.state = Proposal.ACCEPTED if accepted else Proposal.REJECTED
    proposal.done_at = timezone.now()
    proposal.save()
    if accepted:
        proposal.documents.update(state=Document.TRANSFERRED)
    audit.record(proposal.member, "transfer-accepted" if accepted else "transfer-rejected",
                 actor, identifier=proposal.identifier, reply=fields["identifier"],
                 code=fields["code"])
    return True


# ------------------------------------------------------------------ elimination


def bordereau(proposal: Proposal) -> str:
    """The bordereau d'élimination submitted to the director's visa (plain text)."""
    lines = [_("Bordereau d'élimination %(id)s — %(member)s") % {
        "id": proposal.identifier, "member": proposal.member.name}, ""]
    for d in proposal.documents.select_related("doc_type").order_by("created_on", "pk"):
        lines.append(f"{d.pk}\t{d.doc_type.code}\t{d.created_on}\t{d.retention_end}\t{d.title}")
    return "\n".join(lines) + "\n"


@transaction.atomic
def give_visa(proposal: Proposal, director: str, reference: str, keep=(), actor: str = ""):
    """The director's visa; the documents in `keep` are struck out (kept by the member)."""
    if proposal.kind != Proposal.ELIMINATION or proposal.state != Proposal.PROPOSED:
        raise RetentionRefused(_("Le bordereau %(id)s n'attend pas de visa.")
                               % {"id": proposal.identifier})
    if not director.strip() or not reference.strip():
        raise RetentionRefused(_("Le visa doit indiquer le directeur des archives "
                                 "départementales et la référence du visa."))
    kept = list(proposal.documents.filter(pk__in=[getattr(k, "pk", k) for k in keep]))
    if kept:
        proposal.documents.remove(*kept)
    proposal.visa_by, proposal.visa_reference = director.strip(), reference.strip()
    proposal.visa_at, proposal.state = timezone.now(), Proposal.APPROVED
    proposal.save()
    audit.record(proposal.member, "visa", actor, identifier=proposal.identifier,
                 director=proposal.visa_by, reference=proposal.visa_reference,
                 struck_out=[d.pk for d in kept])


@transaction.atomic
def refuse_visa(proposal: Proposal, director: str, reason: str, actor: str = "") -> None:
    proposal.visa_by, proposal.state = director.strip(), Proposal.REFUSED
    proposal.save()
    audit.record(proposal.member, "visa-refused", actor, identifier=proposal.identifier,
                 director=director, reason=reason)


def eliminate(proposal: Proposal, actor: str = "") -> str:
    """Remove the files of a visaed batch (held documents are taken out and kept), keep the
    records, and return the certificate of destruction (also kept on the batch)."""
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.kind != Proposal.ELIMINATION:
            raise RetentionRefused(_("%(id)s n'est pas un bordereau d'élimination.")
                                   % {"id": proposal.identifier})
        if proposal.state != Proposal.APPROVED or not proposal.visa_reference:
            raise RetentionRefused(_(
                "Élimination refusée : le bordereau %(id)s n'a pas reçu le visa du directeur "
                "des archives départementales.") % {"id": proposal.identifier})
        held = _take_out_held(proposal, actor)
        documents = list(proposal.documents.prefetch_related("versions").order_by("pk"))
        now = timezone.now()
        lines = [_("Certificat de destruction — bordereau %(id)s, %(member)s") % {
                     "id": proposal.identifier, "member": proposal.member.name},
                 _("Visa de %(by)s, référence %(ref)s, du %(at)s") % {
                     "by": proposal.visa_by, "ref": proposal.visa_reference,
                     "at": proposal.visa_at.date().isoformat()},
                 _("Détruit le %(at)s") % {"at": now.isoformat(timespec="seconds")}, ""]
        removed = []
        for document in documents:
            for version in document.versions.all():
                if version.file:
                    removed.append(version.file.name)
                lines.append(f"{document.pk}\t{document.doc_type_id}\tv{version.number}\t"
                             f"{version.sha256}\t{document.title}")
            document.versions.update(file="", removed_at=now)
            Document.objects.filter(pk=document.pk).update(
                state=Document.ELIMINATED, search_text=document.title)
        for pk in held:
            lines.append(_("%(pk)s\tretiré : document sous gel") % {"pk": pk.pk})
        proposal.certificate = "\n".join(lines) + "\n"
        proposal.certificate_sha256 = hashlib.sha256(proposal.certificate.encode()).hexdigest()
        proposal.state, proposal.done_at = Proposal.DONE, now
        proposal.save()
        audit.record(proposal.member, "eliminated", actor, identifier=proposal.identifier,
                     documents=[d.pk for d in documents],
                     certificate_sha256=proposal.certificate_sha256)
    storage = DocumentVersion._meta.get_field("file").storage
    for name in removed:  # after its commit (callers hold no transaction): none lost on rollback
        storage.delete(name)
    mirror.schedule(proposal.member)  # their Nextcloud copies go too
    return proposal.certificate


def pending_visa(member):
    return Proposal.objects.filter(member=member, kind=Proposal.ELIMINATION,
                                   state=Proposal.PROPOSED)


# ---------------------------------------------------------------------------- the nightly task

# Who gives the visa of a batch, and hears of new ones.
VISA_ROLES = ("dgs", "secretaire-de-mairie")


@shared_task(name="ged.retention")
def retention_proposals(today_iso: str | None = None) -> dict:
    """Nightly: for each member with the GED, the documents whose DUA has ended go into
    proposals (a transfer batch, an elimination batch: ged.retention.propose), and the
    member's DGS or secrétaire hear of them; nothing leaves or is destroyed before their
    visa in the admin. Idempotent: a document already in an open batch is not proposed
    again."""
    today = date.fromisoformat(today_iso) if today_iso else None
    done = {"members": 0, "proposals": 0, "documents": 0}
    for member in people.subscribing(people.members(), "ged"):
        done["members"] += 1
        made = propose(member, today, actor=_("tâche nocturne"))
        if made:
            count = sum(p.documents.count() for p in made)
            done["proposals"] += len(made)
            done["documents"] += count
            _tell_archivists(member, count, len(made))
    return done


def _tell_archivists(member, count: int, batches: int) -> None:
    to = staff_addresses(member, VISA_ROLES)
    if not to:
        return
    link = f"https://{member.hostname}" + reverse("ged:proposals")
    subject = ngettext(
        "GED : %(count)s document au terme de sa durée d'utilité administrative",
        "GED : %(count)s documents au terme de leur durée d'utilité administrative",
        count) % {"count": count}
    body = ngettext(
        "%(count)s document de %(member)s a atteint le terme de sa durée d'utilité "
        "administrative.", "%(count)s documents de %(member)s ont atteint le terme de leur "
        "durée d'utilité administrative.", count) % {"count": count, "member": member.name}
    body += " " + ngettext("%(batches)s lot attend votre visa (versement ou élimination).",
                           "%(batches)s lots attendent votre visa (versement ou élimination).",
                           batches) % {"batches": batches}
    send_mail(subject, f"{body}\n\n{link}", settings.DEFAULT_FROM_EMAIL, to)
