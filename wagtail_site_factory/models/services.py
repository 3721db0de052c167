"""Agenda, démarches (with a contact form that mails the mairie) and contact pages."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable

from mutualis import conf
from mutualis.client_address import client_address
from mutualis.throttle import increment

from .base import SitePage


class AgendaPage(SitePage):
    intro = models.TextField(_("chapeau"), blank=True)

    content_panels = SitePage.content_panels + [FieldPanel("intro")]
    subpage_types: list[str] = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("agenda")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        from ..agenda import upcoming_events

        context = super().get_context(request, *args, **kwargs)
        context["events"], context["available"] = upcoming_events(
            request, context["commune"].code)
        return context


class DemarchesPage(SitePage):
    """Links to the démarches, and a form that mails the mairie (never cached: it has a form)."""

    cacheable = False
    intro = RichTextField(_("introduction"), blank=True)

    content_panels = SitePage.content_panels + [
        FieldPanel("intro"), InlinePanel("links", heading=_("Démarches"), label=_("démarche"))]
    subpage_types = ["wagtail_site_factory.StandardPage"]

    class Meta:
        verbose_name = _("démarches")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        from provisioning.access import member_here, subscribes

        context = super().get_context(request, *args, **kwargs)
        # The commune's own online démarches (grc), when it offers them on this host.
        member = member_here(request)
        context["online_demarches"] = member is not None and subscribes(member, "grc")
        return context

    def serve(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        from ..council import mairie_email
        from ..forms import ContactForm

        form = ContactForm(request.POST or None)
        context = self.get_context(request, *args, **kwargs)
        context["sent"] = request.GET.get("envoye") == "1"
        # A few messages per address and hour: the form mails the mairie, it must not become
        # a way to flood it.
        flood_key = f"contact:{context['commune'].code}:{client_address(request)}"
        limit = conf.MUTUALIS_CONTACT_MAX_MESSAGES
        window = conf.MUTUALIS_CONTACT_WINDOW
        if request.method == "POST" and cache.get(flood_key, 0) >= limit:
            form.is_valid()
            form.add_error(None, _t("Vous avez déjà envoyé plusieurs messages depuis cette "
                                    "connexion : réessayez dans une heure, ou appelez la "
                                    "mairie."))
            context["form"] = form
            return TemplateResponse(request, self.get_template(request), context, status=429)
        if request.method == "POST" and form.is_valid():
            to = mairie_email(context["commune"].code)
            if to:
                increment(flood_key, window)
                data = form.cleaned_data
                send_mail(
                    _t("[Site de %(commune)s] %(subject)s") % {
                        "commune": context["commune"].name, "subject": data["subject"]},
                    _t("Message de %(name)s <%(email)s>, envoyé depuis le site :\n\n%(message)s")
                    % data,
                    settings.DEFAULT_FROM_EMAIL, [to])
                # A path: the browser keeps the host and port it used (the demo's :8000).
                return HttpResponseRedirect(self.get_url(request) + "?envoye=1#formulaire")
            form.add_error(None, _t("La mairie n'a pas d'adresse de courriel : appelez-la."))
        context["form"] = form
        return TemplateResponse(request, self.get_template(request), context,
                                status=400 if form.errors else 200)


class DemarcheLink(Orderable):
    page = ParentalKey(DemarchesPage, on_delete=models.CASCADE, related_name="links")
    title = models.CharField(_("intitulé"), max_length=150)
    url = models.URLField(_("adresse"))
    description = models.CharField(_("description"), max_length=250, blank=True)

    panels = [FieldPanel("title"), FieldPanel("url"), FieldPanel("description")]


class ContactPage(SitePage):
    intro = RichTextField(_("introduction"), blank=True)

    content_panels = SitePage.content_panels + [FieldPanel("intro")]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("contact")
