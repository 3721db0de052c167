"""Sittings of an assembly, their agenda and dossier, the convocations sent, receipts, answers,
proxies, attendance, votes, publications, and the hash-chained audit trail.

Assemblies and their members come from the registry (`provisioning.models`): a member of an
assembly is an active seat of an active person whose `assemblies` holds the assembly's slug.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutualis.private_files import TokenPath, private_storage
from provisioning.models import RegistryAssembly, RegistryMember, RegistryPerson
from provisioning.people import assembly_seats

from .rules import jours_francs, note_required

# Uploads and generated files are private, under unguessable names; `_upload_to` remains for
# the old migrations.
UPLOAD_TO = TokenPath("convocation")


def _upload_to(instance: models.Model, filename: str) -> str:
    sitting = instance if isinstance(instance, Sitting) else getattr(instance, "sitting", None)
    if sitting is None:
        sitting = instance.item.sitting  # an annex
    return f"convocation/{sitting.assembly.member.code}/{sitting.pk or 'new'}/{filename}"


class Sitting(models.Model):
    # SENDING: the sending started (the dossier is frozen) but no member received it yet.
    DRAFT, SENDING, SENT, CLOSED = "draft", "sending", "sent", "closed"
    STATUSES = [(DRAFT, _("en préparation")), (SENDING, _("envoi inachevé")),
                (SENT, _("convocation envoyée")), (CLOSED, _("close"))]

    assembly = models.ForeignKey(RegistryAssembly, verbose_name=_("assemblée"),
                                 on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("intitulé"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("date et heure"))
    duration_minutes = models.PositiveIntegerField(_("durée prévue (minutes)"), default=120)
    place = models.CharField(_("lieu"), max_length=200)
    urgent = models.BooleanField(_("séance d'urgence"), default=False)
    reconvened = models.BooleanField(
        _("nouvelle convocation après défaut de quorum"), default=False)
    remote_allowed = models.BooleanField(_("participation à distance autorisée"), default=False)
    note = models.FileField(_("note explicative de synthèse (PDF)"), storage=private_storage,
                            upload_to=UPLOAD_TO, blank=True)
    status = models.CharField(_("état"), max_length=10, choices=STATUSES, default=DRAFT)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    sending_since = models.DateTimeField(null=True, blank=True, editable=False)
    secretary = models.CharField(_("secrétaire de séance"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("séance")
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.assembly.name} — {local:%d/%m/%Y %H:%M}"

    @property
    def member(self) -> RegistryMember:
        return self.assembly.member

    @property
    def local_start(self) -> datetime:
        return timezone.localtime(self.starts_at)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    def jours_francs(self) -> int:
        m = self.member
        return jours_francs(m.population, m.kind, self.urgent, self.reconvened)

    def note_required(self) -> bool:
        return note_required(self.member.population, self.member.kind)

    def members_in_office(self) -> int:
        """Members convened (once sent), else the assembly's current members."""
        sent = self.convocations.count()
        return sent if sent else len(assembly_seats(self.assembly))


class AgendaItem(models.Model):
    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("rang"))
    title = models.CharField(_("objet"), max_length=300)
    rapporteur = models.ForeignKey(RegistryPerson, verbose_name=_("rapporteur"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="+")
    project = models.FileField(_("projet de délibération (PDF)"), storage=private_storage,
                               upload_to=UPLOAD_TO)

    class Meta:
        verbose_name = _("point de l'ordre du jour")
        ordering = ["sitting", "position"]
        unique_together = [("sitting", "position")]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class Annex(models.Model):
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="annexes")
    position = models.PositiveSmallIntegerField(_("rang"))
    title = models.CharField(_("intitulé"), max_length=300)
    file = models.FileField(_("annexe (PDF)"), storage=private_storage, upload_to=UPLOAD_TO)

    class Meta:
        verbose_name = _("annexe")
        ordering = ["item", "position"]


class Guest(models.Model):
    STAFF, PRESS, OTHER = "staff", "press", "other"
    QUALITIES = [(STAFF, _("agent")), (PRESS, _("presse")), (OTHER, _("autre"))]
    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="guests")
    name = models.CharField(_("nom"), max_length=200)
    email = models.EmailField(_("adresse électronique"))
    quality = models.CharField(_("qualité"), max_length=10, choices=QUALITIES, default=OTHER)
    invited_at = models.DateTimeField(null=True, blank=True)
    mail_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("invité")
        ordering = ["name"]


class Convocation(models.Model):
    """One member convened to one sitting."""

    sitting = models.ForeignKey(Sitting, on_delete=models.PROTECT, related_name="convocations")
    person = models.ForeignKey(RegistryPerson, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    sent_at = models.DateTimeField(null=True, blank=True)
    # Why the last attempt to mail it failed (one sentence for the staff); empty once sent.
    mail_error = models.TextField(blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        unique_together = [("sitting", "person")]
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} — {self.sitting}"


class AccessToken(models.Model):
    """A personal link's token: only its SHA-256 is stored."""

    convocation = models.ForeignKey(Convocation, on_delete=models.CASCADE,
                                    related_name="tokens")
    digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)


class Receipt(models.Model):
    """The first opening of a convocation's link: the acknowledgement of receipt."""

    convocation = models.OneToOneField(Convocation, on_delete=models.PROTECT,
                                       related_name="receipt")
    at = models.DateTimeField()
    user_agent = models.CharField(max_length=300, blank=True)


class Proxy(models.Model):
    """A pouvoir (L2121-20): a member gives another member of the same assembly the power to
    vote in their name, for the sitting where it is given and up to two following ones."""

    MAX_SITTINGS = 3
    assembly = models.ForeignKey(RegistryAssembly, on_delete=models.PROTECT, related_name="+")
    giver = models.ForeignKey(RegistryPerson, verbose_name=_("mandant"),
                              on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey(RegistryPerson, verbose_name=_("mandataire"),
                               on_delete=models.PROTECT, related_name="+")
    first_sitting = models.ForeignKey(Sitting, on_delete=models.PROTECT, related_name="+")
    sittings = models.PositiveSmallIntegerField(_("nombre de séances"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("pouvoir")
        ordering = ["-created_at"]

    def covered_sittings(self) -> list[Sitting]:
        """The consecutive sittings of the assembly this proxy covers."""
        first = self.first_sitting
        later = (Sitting.objects.filter(assembly_id=self.assembly_id)
                 .filter(models.Q(starts_at__gt=first.starts_at)
                         | models.Q(starts_at=first.starts_at, pk__gte=first.pk))
                 .order_by("starts_at", "pk"))
        return list(later[: self.sittings])

    def covers(self, sitting: Sitting) -> bool:
        if self.revoked_at is not None and self.revoked_at <= sitting.starts_at:
            return False
        return any(s.pk == sitting.pk for s in self.covered_sittings())


class Answer(models.Model):
    """A member's answer to a convocation; append-only, the latest one counts."""

    PRESENT, ABSENT, PROXY = "present", "absent", "proxy"
    CHOICES = [(PRESENT, _("présent")), (ABSENT, _("absent")),
               (PROXY, _("absent, donne pouvoir"))]
    convocation = models.ForeignKey(Convocation, on_delete=models.PROTECT,
                                    related_name="answers")
    choice = models.CharField(max_length=10, choices=CHOICES)
    proxy = models.ForeignKey(Proxy, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    by_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["at", "pk"]

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError("answers are append-only")
        super().save(*args, **kwargs)


class Movement(models.Model):
    """An arrival or a departure, effective from an agenda item on."""

    ARRIVAL, DEPARTURE = "arrival", "departure"
    KINDS = [(ARRIVAL, _("arrivée")), (DEPARTURE, _("départ"))]
    sitting = models.ForeignKey(Sitting, on_delete=models.PROTECT, related_name="movements")
    person = models.ForeignKey(RegistryPerson, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=KINDS)
    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    by_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["pk"]


class Vote(models.Model):
    ADOPTED, REJECTED = "adopted", "rejected"
    item = models.OneToOneField(AgendaItem, on_delete=models.CASCADE, related_name="vote")
    votes_for = models.PositiveSmallIntegerField(_("pour"), default=0)
    votes_against = models.PositiveSmallIntegerField(_("contre"), default=0)
    abstentions = models.PositiveSmallIntegerField(_("abstentions"), default=0)
    number = models.CharField(_("numéro de délibération"), max_length=40, blank=True)
    recorded_at = models.DateTimeField(auto_now=True)

    @property
    def outcome(self) -> str:
        return self.ADOPTED if self.votes_for > self.votes_against else self.REJECTED


class Dispatch(models.Model):
    """What a sending did: dossier files, manifest and its RFC 3161 token, Nextcloud paths,
    calendar event, the sitting's page on the member's website; and, for each step that did
    not happen, why (the sentence shown to the staff)."""

    sitting = models.OneToOneField(Sitting, on_delete=models.PROTECT, related_name="dispatch")
    files = models.JSONField(default=list)  # [{name, path, sha256, size, pages}]
    manifest = models.BinaryField(default=b"")
    manifest_sha256 = models.CharField(max_length=64, blank=True)
    timestamp_token = models.BinaryField(default=b"")
    timestamped_at = models.DateTimeField(null=True, blank=True)
    published_paths = models.JSONField(default=list)
    # No Nextcloud configured: the dossier is served by the personal links only (final).
    nextcloud_absent = models.BooleanField(default=False)
    publication_error = models.TextField(blank=True)  # a configured Nextcloud failed
    calendar_uid = models.CharField(max_length=200, blank=True)
    calendar_error = models.TextField(blank=True)
    site_url = models.CharField(max_length=500, blank=True)
    site_error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)


class Publication(models.Model):
    """The list of délibérations or the procès-verbal of a sitting, generated after it, and
    where and when it was put online."""

    DELIBERATIONS, MINUTES = "deliberations", "proces-verbal"
    KINDS = [(DELIBERATIONS, _("liste des délibérations")), (MINUTES, _("procès-verbal"))]
    sitting = models.ForeignKey(Sitting, on_delete=models.PROTECT, related_name="publications")
    kind = models.CharField(max_length=20, choices=KINDS)
    file = models.FileField(storage=private_storage, upload_to=UPLOAD_TO)
    sha256 = models.CharField(max_length=64)
    generated_at = models.DateTimeField(auto_now_add=True)
    due_by = models.DateField()
    published_at = models.DateTimeField(null=True, blank=True)
    url = models.CharField(max_length=500, blank=True)
    pending_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["sitting", "kind", "-generated_at"]


class AuditEntry(models.Model):
    """The sitting's audit trail: append-only, each entry's digest covers the previous one."""

    sitting = models.ForeignKey(Sitting, on_delete=models.PROTECT, related_name="audit")
    at = models.DateTimeField()
    action = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    previous = models.CharField(max_length=64)
    digest = models.CharField(max_length=64)

    class Meta:
        ordering = ["pk"]

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError("the audit trail is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("the audit trail is append-only")

    def compute(self) -> str:
        body = json.dumps([self.previous, self.sitting_id, self.at.isoformat(), self.action,
                           self.payload], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(body.encode()).hexdigest()


def lock(sitting: Sitting) -> None:
    """Lock the sitting's row until the end of the current transaction."""
    Sitting.objects.select_for_update().only("pk").get(pk=sitting.pk)


def audit(sitting: Sitting, action: str, **payload: object) -> AuditEntry:
    """Append an entry to the sitting's trail (the sitting's row is locked meanwhile)."""
    with transaction.atomic():
        lock(sitting)
        last = AuditEntry.objects.filter(sitting=sitting).order_by("-pk").first()
        entry = AuditEntry(sitting=sitting, at=timezone.now(), action=action,
                           payload=json.loads(json.dumps(payload, default=str)),
                           previous=last.digest if last else "")
        entry.digest = entry.compute()
        entry.save()
    return entry


def verify_audit(sitting: Sitting) -> bool:
    """True when no entry of the sitting's trail was altered, removed or reordered."""
    previous = ""
    for entry in AuditEntry.objects.filter(sitting=sitting).order_by("pk"):
        if entry.previous != previous or entry.compute() != entry.digest:
            return False
        previous = entry.digest
    return True
