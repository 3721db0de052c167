"""The GRC's records: a member's démarches (made from the syndicate's templates, grc/data/),
the citizens' requests with their answers, attachments and history, and each member's costs.

A request's personal data (identity, answers, attachments, messages) is anonymised once its
démarche's retention delay has passed (`retention.py`); the request itself stays, for the
statistics."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutualis.private_files import TokenPath, private_storage
from provisioning.models import RegistryMember

# The tracking code: no 0/O, 1/I/L, nothing to misread on a phone or a receipt. 31 symbols,
# 10 of them: 31**10 ≈ 8.2e14 codes (49 bits); with the follow page's rate limit, guessing
# one among a million requests takes longer than any démarche's retention.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))


def normalise_code(typed: str) -> str:
    """The code as a citizen may type it (spaces, dashes, lower case) as it is stored."""
    return "".join(c for c in (typed or "").upper() if c.isalnum())


class Demarche(models.Model):
    """One démarche a member offers, from a template of grc/data/ and adjusted by the member."""

    member = models.ForeignKey(RegistryMember, on_delete=models.PROTECT,
                               related_name="demarches")
    template = models.SlugField(_("modèle"), max_length=60)
    slug = models.SlugField(_("adresse"), max_length=60)
    title = models.CharField(_("intitulé"), max_length=200)
    intro = models.TextField(_("présentation"), blank=True)
    purpose = models.CharField(_("finalité du traitement"), max_length=300)
    fields = models.JSONField(_("champs"), default=list)
    attachments = models.JSONField(_("pièces jointes"), default=list)
    statuses = models.JSONField(_("statuts"), default=list)
    department = models.CharField(_("service instructeur"), max_length=150)
    role = models.CharField(_("rôle qui traite"), max_length=60, blank=True)
    deadline_days = models.PositiveIntegerField(_("délai de traitement (jours)"), default=15)
    reminder_days = models.PositiveIntegerField(_("relance après (jours)"), default=7)
    retention_days = models.PositiveIntegerField(
        _("conservation des données personnelles (jours après la clôture)"), default=365)
    active = models.BooleanField(_("en ligne"), default=True)

    class Meta:
        verbose_name = _("démarche")
        constraints = [models.UniqueConstraint(fields=["member", "slug"],
                                               name="grc_demarche_unique_slug")]
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def first_status(self) -> str:
        return self.open_statuses()[0]["slug"]

    def open_statuses(self) -> list[dict]:
        """The statuses a request may take now (a retired one stays for the requests that had
        it, and for their history)."""
        return [s for s in self.statuses if not s.get("retired")]

    def open_fields(self) -> list[dict]:
        return [f for f in self.fields if not f.get("retired")]

    def open_attachments(self) -> list[dict]:
        return [a for a in self.attachments if not a.get("retired")]

    def status(self, slug: str) -> dict:
        for status in self.statuses:
            if status["slug"] == slug:
                return status
        return {"slug": slug, "label": slug, "citizen_label": slug, "final": False}

    def status_choices(self) -> list[tuple[str, str]]:
        return [(s["slug"], s["label"]) for s in self.open_statuses()]


class DemarcheChange(models.Model):
    """One adjustment of a démarche by its member's staff: who, when, what changed in words,
    and the démarche as it was before (nothing of a démarche is ever deleted: a field, a
    piece or a status is retired, and stays for the requests that used it)."""

    demarche = models.ForeignKey(Demarche, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    summary = models.TextField()
    before = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-pk"]


class Channel(models.TextChoices):
    WEB = "web", _("site internet")
    COUNTER = "guichet", _("guichet")
    PHONE = "telephone", _("téléphone")
    LETTER = "courrier", _("courrier")
    SMS = "sms", _("SMS")


class CitizenRequest(models.Model):
    member = models.ForeignKey(RegistryMember, on_delete=models.PROTECT,
                               related_name="citizen_requests")
    demarche = models.ForeignKey(Demarche, on_delete=models.PROTECT, related_name="requests")
    code = models.CharField(_("code de suivi"), max_length=16, unique=True)
    channel = models.CharField(_("canal"), max_length=12, choices=Channel.choices,
                               default=Channel.WEB)
    status = models.SlugField(_("statut"), max_length=60)
    # The citizen: no account; an e-mail address or a phone number to answer.
    name = models.CharField(_("nom et prénom"), max_length=150)
    email = models.EmailField(_("courriel"), blank=True, db_index=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    postal_address = models.CharField(_("adresse postale"), max_length=300, blank=True)
    answers = models.JSONField(_("réponses"), default=dict)
    created_at = models.DateTimeField(_("reçue le"), default=timezone.now, db_index=True)
    due_at = models.DateTimeField(_("à traiter avant le"))
    closed_at = models.DateTimeField(_("clôturée le"), null=True, blank=True)
    delivered = models.TextField(_("ce qui a été délivré"), blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymisée le"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    # The form's one-time token: a form posted twice makes one request.
    form_token = models.CharField(max_length=255, null=True, blank=True, unique=True)
    courrier_chrono = models.CharField(_("n° chrono du courrier"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("demande")
        indexes = [models.Index(fields=["member", "-created_at", "-id"],
                                name="grc_request_member_recent"),
                   models.Index(fields=["member", "status"], name="grc_request_member_status"),
                   models.Index(fields=["member", "due_at"], name="grc_request_member_due")]

    def __str__(self) -> str:
        return self.code

    @property
    def status_info(self) -> dict:
        return self.demarche.status(self.status)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def is_overdue(self) -> bool:
        return self.closed_at is None and self.due_at < timezone.now()

    def save_with_new_code(self) -> None:
        """Save, drawing another code on the (astronomically rare) collision."""
        for _attempt in range(5):
            self.code = new_code()
            try:
                with transaction.atomic():
                    self.save()
                return
            except IntegrityError:
                if self.form_token and CitizenRequest.objects.filter(
                        form_token=self.form_token).exists():
                    raise
        raise RuntimeError("no free tracking code after 5 draws")


class Attachment(models.Model):
    request = models.ForeignKey(CitizenRequest, on_delete=models.CASCADE,
                                related_name="files")
    slot = models.SlugField(max_length=60)
    label = models.CharField(max_length=150)
    file = models.FileField(storage=private_storage, upload_to=TokenPath("grc"), max_length=400)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()


class Event(models.Model):
    """The request's history: creation, status changes, messages to the citizen (mailed),
    internal notes, reminders, escalations, delivery, anonymisation."""

    CREATED, STATUS, MESSAGE, NOTE = "created", "status", "message", "note"
    REMINDER, ESCALATION, DELIVERED, ANONYMISED = "reminder", "escalation", "delivered", "anon"
    KINDS = [(CREATED, _("demande enregistrée")), (STATUS, _("changement de statut")),
             (MESSAGE, _("message au demandeur")), (NOTE, _("note interne")),
             (REMINDER, _("relance")), (ESCALATION, _("escalade")),
             (DELIVERED, _("délivrance")), (ANONYMISED, _("anonymisation"))]
    CITIZEN_KINDS = (CREATED, STATUS, MESSAGE, DELIVERED)

    request = models.ForeignKey(CitizenRequest, on_delete=models.CASCADE,
                                related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=12, choices=KINDS)
    status = models.SlugField(max_length=60, blank=True)
    text = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["at", "pk"]

    @property
    def shown_to_citizen(self) -> bool:
        return self.kind in self.CITIZEN_KINDS


class MemberCosts(models.Model):
    """What one request costs the member by channel (the report's « coût évité »)."""

    member = models.OneToOneField(RegistryMember, on_delete=models.CASCADE,
                                  related_name="grc_costs")
    online = models.DecimalField(_("coût d'une démarche en ligne (€)"), max_digits=7,
                                 decimal_places=2, default=Decimal("3.00"))
    counter = models.DecimalField(_("coût d'une démarche au guichet (€)"), max_digits=7,
                                  decimal_places=2, default=Decimal("12.00"))
