"""The accounting flux a member sends to Hélios (PES_Aller) through the tiers de
télétransmission, what became of each, and the PES_Retour the DGFiP sends back.

A flux is stored before it leaves (nothing is lost when the tiers is down), keeps its history
of states, and its PES_Acquit once the DGFiP answered. Nothing here is deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutualis.private_files import TokenPath, private_storage
from provisioning.models import RegistryMember


class HeliosFlux(models.Model):
    STORED, POSTED, TRANSMITTED = "stored", "posted", "transmitted"
    ACQUITTED, REFUSED, ERROR = "acquitted", "refused", "error"
    UNCERTAIN = "uncertain"  # sent, and no answer came: the tiers may hold it
    STATES = [(STORED, _("reçu, en attente d'envoi")), (POSTED, _("déposé chez le tiers")),
              (TRANSMITTED, _("transmis à Hélios")), (ACQUITTED, _("acquitté par Hélios")),
              (REFUSED, _("refusé par Hélios")), (ERROR, _("en erreur")),
              (UNCERTAIN, _("envoyé sans réponse du tiers : à vérifier"))]
    PENDING = (STORED, POSTED, TRANSMITTED)  # what the periodic job still asks about

    member = models.ForeignKey(RegistryMember, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("fichier"), max_length=255)
    file = models.FileField(storage=private_storage, upload_to=TokenPath("helios"),
                            max_length=400)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    nom_fic = models.CharField(_("identifiant du flux (NomFic)"), max_length=255)
    summary = models.JSONField(default=dict)  # pes.PesAller.summary()
    state = models.CharField(_("état"), max_length=12, choices=STATES, default=STORED)
    transaction_id = models.CharField(_("transaction chez le tiers"), max_length=40, blank=True)
    tdt_status = models.CharField(_("état chez le tiers"), max_length=200, blank=True)
    error = models.TextField(blank=True)
    acquit = models.BinaryField(default=b"")
    acquit_summary = models.JSONField(default=dict)  # pes.Acquit.summary()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    acquitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("flux PES")
        ordering = ["member", "-created_at", "-pk"]
        indexes = [models.Index(fields=["member", "sha256"]),
                   models.Index(fields=["state"])]

    def __str__(self) -> str:
        return self.filename

    @property
    def bordereaux(self) -> list[dict]:
        return self.summary.get("bordereaux", [])


class HeliosFluxEvent(models.Model):
    """One step in a flux's history: its state, the tiers' status and message."""

    flux = models.ForeignKey(HeliosFlux, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=12, choices=HeliosFlux.STATES)
    tdt_status = models.CharField(max_length=200, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["flux", "at", "pk"]


class HeliosRetour(models.Model):
    """A PES_Retour the DGFiP sent for a member (found by the SIRET in its header)."""

    member = models.ForeignKey(RegistryMember, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(_("identifiant chez le tiers"), max_length=40)
    name = models.CharField(_("fichier"), max_length=255)
    received_on = models.CharField(_("reçu par le tiers le"), max_length=40, blank=True)
    content = models.BinaryField()
    summary = models.JSONField(default=dict)  # pes.Retour.summary()
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("PES_Retour")
        constraints = [models.UniqueConstraint(fields=["reference"],
                                               name="actes_helios_retour_once")]
        ordering = ["member", "-imported_at", "-pk"]
