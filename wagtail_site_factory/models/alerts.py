"""Alerts: a short notice shown at the top of every page of one site (a snippet per site)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Site


class SiteAlertQuerySet(models.QuerySet):
    def current(self, site: Site) -> SiteAlertQuerySet:
        now = timezone.now()
        return self.filter(Q(ends__isnull=True) | Q(ends__gt=now), site=site,
                           starts__lte=now).order_by("-starts")


class SiteAlert(models.Model):
    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.CASCADE,
                             related_name="+")
    message = models.CharField(_("message"), max_length=300)
    link = models.URLField(_("lien pour en savoir plus"), blank=True)
    starts = models.DateTimeField(_("affiché à partir du"), default=timezone.now)
    ends = models.DateTimeField(_("jusqu'au"), null=True, blank=True)

    objects = SiteAlertQuerySet.as_manager()
    panels = [FieldPanel("site"), FieldPanel("message"), FieldPanel("link"),
              FieldPanel("starts"), FieldPanel("ends")]

    class Meta:
        verbose_name = _("alerte")
        verbose_name_plural = _("alertes")

    def __str__(self) -> str:
        return self.message[:80]
