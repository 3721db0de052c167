"""Activation tokens: how a new account gets its first password (never in the inventory)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ActivationToken(models.Model):
    """A single-use link to set a password. Only the SHA-256 of the token is stored: the
    token itself exists in the link and nowhere else."""

    uid = models.CharField(_("identifiant"), max_length=64, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    expires_at = models.DateTimeField(_("expire le"))
    used_at = models.DateTimeField(_("utilisé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("jeton d'activation")
        verbose_name_plural = _("jetons d'activation")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.uid} ({self.created_at:%Y-%m-%d})"

    @property
    def usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()
