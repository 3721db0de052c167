"""Acts of a member, the prefecture's classification they are filed under, their publication
register, and their transmissions to the prefecture with what came back.

An act's text never changes once it is online: the register entry records its SHA-256 and the
moment it went online, and entries are hash-chained so that rewriting the past shows.
"""

from __future__ import annotations

import hashlib
import json
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutualis.private_files import TokenPath, private_storage
from provisioning.models import RegistryMember

from .natures import (
    ELECTRONIC,
    MATTER_LEVELS,
    NATURES,
    PUBLICATION_MODES,
    SITE_KINDS,
    SUBJECT_MAX,
    may_choose_mode,
    number_problem,
)

UPLOAD_TO = TokenPath("actes")  # private until published; _upload_to: old migrations


def _upload_to(instance: models.Model, filename: str) -> str:
    act = instance if isinstance(instance, Act) else instance.act
    return f"actes/{act.member.code}/{act.decision_date:%Y}/{act.number}/{filename}"


class MemberSettings(models.Model):
    """What the prefecture and the law need to know about a member's acts."""

    member = models.OneToOneField(RegistryMember, on_delete=models.PROTECT,
                                  related_name="actes_settings")
    publication_mode = models.CharField(_("mode de publication des actes"), max_length=12,
                                        choices=PUBLICATION_MODES, default=ELECTRONIC)
    mode_decided_by = models.CharField(
        _("délibération ayant choisi ce mode"), max_length=100, blank=True,
        help_text=_("Numéro et date de la délibération, pour un mode autre qu'électronique."))
    siret = models.CharField(_("SIRET"), max_length=14, blank=True,
                             help_text=_("14 chiffres : le SIREN du membre suivi du NIC."))
    department = models.CharField(_("département (@ctes, 3 caractères)"), max_length=3,
                                  blank=True)
    arrondissement = models.CharField(_("arrondissement"), max_length=1, default="0")
    collectivity_nature = models.CharField(
        _("nature de la collectivité (@ctes)"), max_length=2, blank=True,
        help_text=_("Code à deux chiffres de l'émetteur dans @ctes ; vide : 31 pour une "
                    "commune, 44 pour une communauté de communes."))
    referent_name = models.CharField(_("référent @ctes"), max_length=200, blank=True)
    referent_phone = models.CharField(_("téléphone du référent"), max_length=40, blank=True)
    referent_email = models.EmailField(_("adresse du référent"), blank=True)

    class Meta:
        verbose_name = _("paramètres des actes d'un membre")

    def __str__(self) -> str:
        return str(self.member)

    @property
    def emitter_nature(self) -> str:
        return self.collectivity_nature or ("31" if self.member.kind == "commune" else "44")

    def clean(self) -> None:
        member = self.member
        if self.siret and (len(self.siret) != 14 or not self.siret.isdigit()
                           or (member.siren and not self.siret.startswith(member.siren))):
            raise ValidationError({"siret": _(
                "Le SIRET « %(siret)s » doit compter 14 chiffres et commencer par le SIREN du "
                "membre (%(siren)s).") % {"siret": self.siret, "siren": member.siren or "?"}})
        if self.department and not re.fullmatch(r"0[0-9][0-9]|02[AB]|9[78][0-9]",
                                                self.department):
            raise ValidationError({"department": _(
                "Le département @ctes s'écrit sur 3 caractères, par exemple 079 ou 02A.")})
        if self.publication_mode != ELECTRONIC:
            if not may_choose_mode(member.kind, member.population):
                raise ValidationError({"publication_mode": _(
                    "%(name)s (%(population)s habitants) doit publier ses actes sur son site "
                    "internet : seules les communes de moins de 3 500 habitants peuvent choisir "
                    "l'affichage ou le papier (article L2131-1 du CGCT).") % {
                    "name": member.name, "population": member.population}})
            if not self.mode_decided_by.strip():
                raise ValidationError({"mode_decided_by": _(
                    "Indiquez la délibération qui a choisi ce mode de publication.")})


class Classification(models.Model):
    """One version of the prefecture's classification of matters, as imported."""

    member = models.ForeignKey(RegistryMember, on_delete=models.PROTECT,
                               related_name="+")
    version_date = models.DateField(_("date de version"))
    imported_at = models.DateTimeField(auto_now_add=True)
    source_sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "version_date"],
                                               name="actes_one_classification_per_version")]
        ordering = ["member", "-version_date"]

    def __str__(self) -> str:
        return f"{self.member.code} {self.version_date}"


class Matter(models.Model):
    """A matter code of the classification: "1" to "9" and sub-matters down to 5 levels."""

    classification = models.ForeignKey(Classification, on_delete=models.PROTECT,
                                       related_name="matters")
    code = models.CharField(max_length=20)
    label = models.CharField(max_length=300)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["classification", "code"],
                                               name="actes_unique_matter_code")]
        ordering = ["classification", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    @property
    def levels(self) -> tuple[str, ...]:
        return tuple(self.code.split("."))


class Act(models.Model):
    member = models.ForeignKey(RegistryMember, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("numéro"), max_length=15)
    nature = models.PositiveSmallIntegerField(_("nature"), choices=NATURES)
    minutes = models.BooleanField(_("procès-verbal de séance"), default=False)
    decision_date = models.DateField(_("date de décision"))
    subject = models.CharField(_("objet"), max_length=SUBJECT_MAX)
    matter = models.ForeignKey(Matter, verbose_name=_("classification"), on_delete=models.PROTECT,
                               related_name="+")
    document = models.FileField(_("acte signé (PDF)"), storage=private_storage, upload_to=UPLOAD_TO,
                                max_length=400)
    sha256 = models.CharField(max_length=64, editable=False)
    signed_document = models.ForeignKey("signature.Document", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    sitting = models.ForeignKey("convocation.Sitting", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="acts")
    agenda_item = models.OneToOneField("convocation.AgendaItem", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="act")
    seats = models.PositiveSmallIntegerField(_("membres en exercice"), null=True, blank=True)
    voters = models.PositiveSmallIntegerField(_("votants"), null=True, blank=True)
    votes_for = models.PositiveSmallIntegerField(_("pour"), null=True, blank=True)
    votes_against = models.PositiveSmallIntegerField(_("contre"), null=True, blank=True)
    abstentions = models.PositiveSmallIntegerField(_("abstentions"), null=True, blank=True)
    budget_year = models.CharField(_("exercice budgétaire"), max_length=9, blank=True)
    budget_name = models.CharField(_("budget"), max_length=200, blank=True)
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)
    publication_url = models.URLField(_("adresse de publication"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("acte")
        constraints = [models.UniqueConstraint(fields=["member", "number"],
                                               name="actes_unique_number_per_member")]
        ordering = ["member", "-decision_date", "-number"]

    def __str__(self) -> str:
        return f"{self.number} — {self.subject[:80]}"

    def clean(self) -> None:
        errors = {}
        problem = number_problem(self.number)
        if problem:
            errors["number"] = problem
        if len(self.subject or "") > SUBJECT_MAX:
            errors["subject"] = _(
                "L'objet compte %(n)s caractères : @ctes en accepte au plus %(max)s.") % {
                "n": len(self.subject), "max": SUBJECT_MAX}
        if not (self.subject or "").strip():
            errors["subject"] = _("Indiquez l'objet de l'acte.")
        if self.matter_id is None:
            errors["matter"] = _("Choisissez la classification de l'acte (matière @ctes) : "
                                 "la préfecture refuse un acte qui n'en a pas.")
        elif self.matter.classification.member_id != self.member_id:
            errors["matter"] = _("Cette classification n'est pas celle de ce membre.")
        elif len(self.matter.levels) > MATTER_LEVELS:
            errors["matter"] = _("Une classification compte au plus 5 niveaux.")
        if self.document and not self.document.name.lower().endswith(".pdf"):
            errors["document"] = _("L'acte doit être un fichier PDF.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and self.published_at is not None:
            stored = Act.objects.filter(pk=self.pk).values_list("sha256", flat=True).first()
            if stored and stored != self.sha256:
                raise ValidationError(_("Un acte publié ne se modifie pas : publiez un nouvel "
                                        "acte qui le rectifie ou le retire."))
        super().save(*args, **kwargs)

    @property
    def site_kind(self) -> str:
        return "proces-verbal" if self.minutes else SITE_KINDS[self.nature]

    def status(self) -> str:
        """What a secrétaire de mairie wants to know first: where the act stands. Reads the
        related rows through .all(), so that a list prefetching them makes no query per act."""
        messages = list(self.prefecture_messages.all())
        if messages:
            return max(messages, key=lambda m: (m.received_on, m.pk)).get_kind_display()
        transmissions = list(self.transmissions.all())
        if transmissions:
            return max(transmissions, key=lambda t: t.pk).get_state_display()
        if self.published_at:
            return str(_("publié"))
        return str(_("en préparation"))


class ActAnnex(models.Model):
    act = models.ForeignKey(Act, on_delete=models.PROTECT, related_name="annexes")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(_("intitulé"), max_length=300)
    file = models.FileField(storage=private_storage, upload_to=UPLOAD_TO, max_length=400)
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["act", "position"]


class RegisterEntry(models.Model):
    """The publication register: what went online (or was posted), when, with which hash.

    An entry is an act of this app, or a document another app put online (the list of the
    délibérations and the procès-verbal of a sitting). Append-only; each entry's digest covers
    the previous one, so removing or editing an entry breaks the chain (`verify_register`)."""

    member = models.ForeignKey(RegistryMember, on_delete=models.PROTECT, related_name="+")
    act = models.ForeignKey(Act, null=True, blank=True, on_delete=models.PROTECT,
                            related_name="register")
    kind = models.CharField(max_length=60)  # the nature's label, or "Procès-verbal" …
    number = models.CharField(max_length=15, blank=True)
    title = models.CharField(max_length=500)
    at = models.DateTimeField()
    mode = models.CharField(max_length=12, choices=PUBLICATION_MODES)
    url = models.CharField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64)
    previous = models.CharField(max_length=64)
    digest = models.CharField(max_length=64)

    class Meta:
        ordering = ["member", "pk"]

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError("the publication register is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("the publication register is append-only")

    def compute(self) -> str:
        body = json.dumps([self.previous, self.member_id, self.act_id, self.kind, self.number,
                           self.title, self.at.isoformat(), self.mode, self.url, self.sha256],
                          ensure_ascii=False)
        return hashlib.sha256(body.encode()).hexdigest()


class Transmission(models.Model):
    """One sending of an act to the prefecture through the tiers de télétransmission."""

    PREPARED, SENT, ACKNOWLEDGED, FAILED = "prepared", "sent", "acknowledged", "failed"
    STATES = [(PREPARED, _("archive prête")), (SENT, _("transmis")),
              (ACKNOWLEDGED, _("acquitté par la préfecture")), (FAILED, _("refusé"))]
    act = models.ForeignKey(Act, on_delete=models.PROTECT, related_name="transmissions")
    sequence = models.PositiveIntegerField()
    archive_name = models.CharField(max_length=200)
    archive = models.BinaryField()
    state = models.CharField(max_length=12, choices=STATES, default=PREPARED)
    transaction_id = models.CharField(max_length=100, blank=True)
    tdt_status = models.CharField(_("état chez le tiers"), max_length=200, blank=True)
    id_acte = models.CharField(_("identifiant @ctes"), max_length=100, blank=True)
    received_on = models.DateField(_("reçu en préfecture le"), null=True, blank=True)
    aracte = models.BinaryField(default=b"")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["act", "pk"]


class PrefectureMessage(models.Model):
    """What the prefecture sent about an act after acknowledging it."""

    LETTER, DOCUMENTS, OBSERVATIONS, REFERRAL = "courrier", "pieces", "observations", "defere"
    KINDS = [(LETTER, _("courrier simple reçu")),
             (DOCUMENTS, _("demande de pièces complémentaires")),
             (OBSERVATIONS, _("lettre d'observations")),
             (REFERRAL, _("déféré au tribunal administratif"))]
    act = models.ForeignKey(Act, on_delete=models.PROTECT, related_name="prefecture_messages")
    kind = models.CharField(max_length=12, choices=KINDS)
    reference = models.CharField(max_length=200, blank=True)
    received_on = models.DateField()
    content = models.BinaryField(default=b"")
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["act", "kind", "reference"],
                                               name="actes_message_once")]
        ordering = ["act", "received_on", "pk"]


# The Hélios flux live in their own module; imported here so that Django finds them.
from .helios_models import HeliosFlux, HeliosFluxEvent, HeliosRetour  # noqa: E402, F401
