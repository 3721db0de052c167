"""« Vie municipale »: the council, its sittings and the published acts.

An act (délibération, arrêté, procès-verbal) is published with its full text as a PDF, the date
it was put online and the SHA-256 of the file, computed at upload (CGCT L2131-1, R2131-1).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.documents import get_document_model_string
from wagtail.fields import RichTextField
from wagtail.search import index

from ..visible import public
from .base import SitePage

ACT_KINDS = [
    ("deliberation", _("Délibération")),
    ("arrete", _("Arrêté")),
    ("proces-verbal", _("Procès-verbal")),
    ("contrat", _("Contrat, convention")),
    ("budget", _("Document budgétaire")),
    ("autre", _("Autre acte")),
]


class MunicipalLifePage(SitePage):
    intro = RichTextField(_("introduction"), blank=True)

    content_panels = SitePage.content_panels + [FieldPanel("intro")]
    subpage_types = ["wagtail_site_factory.SittingPage", "wagtail_site_factory.ActIndexPage",
                     "wagtail_site_factory.StandardPage"]

    class Meta:
        verbose_name = _("vie municipale")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        from ..council import elected_officials

        context = super().get_context(request, *args, **kwargs)
        context["officials"] = elected_officials(context["commune"].code)
        sittings = public(SittingPage.objects.live().child_of(self))
        now = timezone.now()
        context["upcoming"] = sittings.filter(start__gte=now).order_by("start")[:5]
        context["past"] = sittings.filter(start__lt=now).order_by("-start")[:10]
        context["act_indexes"] = public(ActIndexPage.objects.live().child_of(self))
        return context


class SittingPage(SitePage):
    start = models.DateTimeField(_("date et heure"))
    assembly = models.CharField(_("assemblée"), max_length=200, default="Conseil municipal")
    place = models.CharField(_("lieu"), max_length=200, blank=True)
    agenda = RichTextField(_("ordre du jour"), blank=True)

    content_panels = SitePage.content_panels + [
        FieldPanel("start"), FieldPanel("assembly"), FieldPanel("place"), FieldPanel("agenda")]
    search_fields = SitePage.search_fields + [index.SearchField("agenda")]
    parent_page_types = ["wagtail_site_factory.MunicipalLifePage"]
    subpage_types: list[str] = []
    show_in_menus_default = False

    class Meta:
        verbose_name = _("séance")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context["acts"] = (public(ActPage.objects.live().filter(sitting=self))
                           .select_related("document").order_by("kind", "number"))
        return context


class ActIndexPage(SitePage):
    intro = models.TextField(_("chapeau"), blank=True)

    content_panels = SitePage.content_panels + [FieldPanel("intro")]
    parent_page_types = ["wagtail_site_factory.MunicipalLifePage"]
    subpage_types = ["wagtail_site_factory.ActPage"]
    show_in_menus_default = False

    class Meta:
        verbose_name = _("actes publiés")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        acts = (public(ActPage.objects.live().child_of(self)).select_related("document")
                .order_by("-act_date", "-pk"))
        kind = request.GET.get("type", "")
        if kind in dict(ACT_KINDS):
            acts = acts.filter(kind=kind)
        context["kinds"], context["kind"] = ACT_KINDS, kind
        context["acts"] = Paginator(acts, 20).get_page(request.GET.get("page"))
        return context


class ActPage(SitePage):
    kind = models.CharField(_("nature de l'acte"), max_length=20, choices=ACT_KINDS)
    number = models.CharField(_("numéro"), max_length=40, blank=True)
    act_date = models.DateField(_("date de l'acte"))
    summary = models.TextField(_("objet"), blank=True)
    document = models.ForeignKey(
        get_document_model_string(), verbose_name=_("texte intégral (PDF)"), null=True,
        on_delete=models.PROTECT, related_name="+")
    sitting = models.ForeignKey("wagtail_site_factory.SittingPage", verbose_name=_("séance"),
                                null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")

    content_panels = SitePage.content_panels + [
        FieldPanel("kind"), FieldPanel("number"), FieldPanel("act_date"), FieldPanel("summary"),
        FieldPanel("document"), FieldPanel("sitting")]
    search_fields = SitePage.search_fields + [index.SearchField("summary"),
                                              index.FilterField("kind")]
    parent_page_types = ["wagtail_site_factory.ActIndexPage"]
    subpage_types: list[str] = []
    show_in_menus_default = False

    class Meta:
        verbose_name = _("acte")

    def clean(self) -> None:
        super().clean()
        if self.document_id is None:
            raise ValidationError({"document": _("Joignez le texte intégral de l'acte (PDF).")})
        if not self.document.file.name.lower().endswith(".pdf"):
            raise ValidationError({"document": _("Le texte intégral doit être un fichier PDF.")})

    @property
    def online_date(self):
        """The date the act was put online: its first publication."""
        return self.first_published_at

    def sha256(self) -> str:
        from ..integrity import sha256_of

        return sha256_of(self.document) if self.document_id else ""
