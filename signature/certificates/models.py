"""The register of the certificates the syndicate manages for its members (`MemberCertificate`),
with the checks made on each (`CertificateCheck`), the syndicate's registration-authority
records (`IdentityCheck`) and the expiry reminders sent (`ExpiryReminder`).

These models belong to the `signature` app (signature/models.py imports them): their
migrations are signature's. Nothing is deleted: a certificate no longer managed is archived.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from provisioning.models import RegistryMember, RegistryPerson

RGS_AUTH, SIGNING, SEAL = "rgs_auth", "signing", "seal"
KINDS = [(RGS_AUTH, _("authentification RGS (télétransmission, Hélios)")),
         (SIGNING, _("signature d'un élu (parapheur)")),
         (SEAL, _("cachet serveur"))]

PEM, DER, PKCS12, PKCS11, PARAPHEUR = "pem", "der", "pkcs12", "pkcs11", "parapheur"
SOURCES = [(PEM, _("fichier PEM")), (DER, _("fichier DER")), (PKCS12, _("fichier PKCS#12")),
           (PKCS11, _("jeton PKCS#11")), (PARAPHEUR, _("clé du parapheur"))]

VALID, EXPIRED, NOT_YET_VALID, REVOKED, UNTRUSTED, UNVERIFIABLE, POLICY, INVALID = (
    "valid", "expired", "not_yet_valid", "revoked", "untrusted", "unverifiable", "policy",
    "invalid")
STATUSES = [(VALID, _("valide")), (EXPIRED, _("expiré")),
            (NOT_YET_VALID, _("pas encore valide")), (REVOKED, _("révoqué")),
            (UNTRUSTED, _("autorité non reconnue")),
            (UNVERIFIABLE, _("révocation invérifiable")),
            (POLICY, _("politique de certification non conforme")),
            (INVALID, _("usage non conforme"))]


class MemberCertificate(models.Model):
    """One certificate (public part only: no private key is kept here), of a member, held by a
    person of its (or by the member itself, for a seal)."""

    member = models.ForeignKey(RegistryMember, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("collectivité"))
    holder = models.ForeignKey(RegistryPerson, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("titulaire"))
    holder_name = models.CharField(_("titulaire"), max_length=200)
    holder_email = models.EmailField(_("adresse du titulaire"), blank=True)
    kind = models.CharField(_("nature"), max_length=10, choices=KINDS)
    subject = models.CharField(_("sujet"), max_length=500)
    issuer = models.CharField(_("émetteur"), max_length=500)
    issuer_name = models.CharField(_("autorité émettrice"), max_length=200)
    serial = models.CharField(_("numéro de série"), max_length=80)
    not_before = models.DateTimeField(_("valide à partir du"))
    not_after = models.DateTimeField(_("valide jusqu'au"))
    policy_oids = models.JSONField(_("politiques de certification"), default=list, blank=True)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, unique=True)
    certificate = models.TextField()  # PEM
    chain = models.TextField(blank=True)  # PEM of the other certificates that came with it
    source = models.CharField(_("provenance"), max_length=10, choices=SOURCES)
    source_detail = models.CharField(_("détail de la provenance"), max_length=300, blank=True)
    signing_key = models.ForeignKey("signature.SigningKey", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    imported_by = models.CharField(max_length=150, blank=True)
    imported_at = models.DateTimeField(_("importé le"), default=timezone.now)
    # The last check (CertificateCheck keeps them all).
    status = models.CharField(_("état"), max_length=14, choices=STATUSES, blank=True)
    status_detail = models.TextField(blank=True)
    checked_at = models.DateTimeField(_("vérifié le"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    archived = models.BooleanField(_("archivé"), default=False)

    class Meta:
        verbose_name = _("certificat d'un membre")
        verbose_name_plural = _("certificats des membres")
        ordering = ["not_after", "pk"]
        indexes = [models.Index(fields=["member", "not_after"])]

    def __str__(self) -> str:
        return f"{self.holder_name} ({self.serial})"


class CertificateCheck(models.Model):
    """One validation of a certificate (chain, revocation, policy), as pyHanko's validator
    answered it on `checked_at`."""

    certificate = models.ForeignKey(MemberCertificate, on_delete=models.PROTECT,
                                    related_name="checks")
    checked_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=14, choices=STATUSES)
    detail = models.TextField(blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-checked_at", "-pk"]


class IdentityCheck(models.Model):
    """The syndicate's record, as registration authority, of the holder's identity check."""

    certificate = models.ForeignKey(MemberCertificate, on_delete=models.PROTECT,
                                    related_name="identity_checks")
    checked_by = models.CharField(_("vérifiée par"), max_length=200)
    checked_on = models.DateField(_("vérifiée le"))
    documents = models.TextField(_("pièces présentées"))
    notes = models.TextField(_("observations"), blank=True)
    recorded_by = models.CharField(max_length=150, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("vérification d'identité")
        ordering = ["-checked_on", "-pk"]


class ExpiryReminder(models.Model):
    """A reminder sent `threshold` days (90, 30) before expiry: once per threshold."""

    certificate = models.ForeignKey(MemberCertificate, on_delete=models.PROTECT,
                                    related_name="reminders")
    threshold = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["certificate", "threshold"],
                                               name="signature_one_reminder_per_threshold")]
        ordering = ["sent_at"]
