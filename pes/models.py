"""A PES flux in the parapheur (the folder that carries it), and each member's PES settings."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from provisioning.models import RegistryMember
from signature.models import Folder

BORDEREAU, FLUX = "bordereau", "flux"
MODES = [(BORDEREAU, _("chaque bordereau")), (FLUX, _("le flux entier"))]


class PesSettings(models.Model):
    """How a member signs its PES: each bordereau (the default, as Hélios takes a bordereau
    signed alone) or the whole flux, and where (SignatureProductionPlace: the member's name
    when `city` is empty)."""

    member = models.OneToOneField(RegistryMember, on_delete=models.PROTECT,
                                  related_name="pes_settings")
    mode = models.CharField(_("signature"), max_length=10, choices=MODES, default=BORDEREAU)
    city = models.CharField(_("commune du lieu de signature"), max_length=100, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("réglages PES")
        verbose_name_plural = _("réglages PES")

    def __str__(self) -> str:
        return str(self.member)


class PesFlux(models.Model):
    """The flux a parapheur folder carries (its main document), as read when submitted."""

    folder = models.OneToOneField(Folder, on_delete=models.PROTECT, related_name="pes")
    file_name = models.CharField(max_length=255)
    siren = models.CharField(max_length=14)
    budget = models.CharField(max_length=255, blank=True)
    produced = models.DateField(null=True, blank=True)
    # The bordereaux as the signer sees them (pes.flux.Bordereau, amounts as strings).
    bordereaux = models.JSONField(default=list)
    attachments = models.PositiveIntegerField(default=0)
    # The register's invoices its mandats pay (pes.invoices.paid_invoices), found at deposit.
    invoices = models.JSONField(default=list, blank=True)
    # Set when the flux is signed; it counts once the folder's document holds those bytes
    # (a folder changed during its signature stores nothing: `is_signed` is then False).
    signed_mode = models.CharField(max_length=10, choices=MODES, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("flux PES")
        verbose_name_plural = _("flux PES")

    def __str__(self) -> str:
        return self.file_name

    def document(self):
        return self.folder.documents.filter(kind="main").first()

    @property
    def is_signed(self) -> bool:
        document = self.document()
        return bool(self.signed_sha256) and document is not None and (
            document.sha256 == self.signed_sha256)
