"""The Hélios staff pages (/admin/actes/helios/): the member's PES flux with their states,
one flux with its history and its acquit, the form that sends a signed flux, and the
PES_Retour received. For the staff of the host's member when it sends its flux from here
(`access.helios_member`); anything else answers 404.
"""

from __future__ import annotations

import django_filters
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.views.generic.base import BaseOperationView, WagtailAdminTemplateMixin
from wagtail.admin.widgets import HeaderButton
from wagtail.admin.widgets.button import Button

from mutualis.admin_forms import StaffFormView
from mutualis.private_files import harden, serve_private

from . import helios
from .access import helios_member_or_404
from .admin_views import StatusTagsColumn
from .forms import PesUploadForm
from .helios_models import HeliosFlux, HeliosRetour
from .policies import helios_policy

FLUX = gettext_lazy("Flux comptables (Hélios)")


def _crumbs(*items: tuple[str, str]) -> list[dict]:
    return [*WagtailAdminTemplateMixin.breadcrumbs_items,
            *({"url": url, "label": label} for url, label in items)]


def flux_tags(flux: HeliosFlux) -> list[dict]:
    return [{"label": flux.get_state_display(), "primary": flux.state == HeliosFlux.ACQUITTED}]


class FluxTagsColumn(StatusTagsColumn):
    def get_value(self, instance):
        return flux_tags(instance)


class HeliosMemberMixin:
    def setup(self, request, *args, **kwargs):
        self.member = helios_member_or_404(request)
        super().setup(request, *args, **kwargs)


def _fluxes(request):
    return helios_policy.for_request(request).instances_user_has_permission_for(
        request.user, "view")


class FluxFilterSet(WagtailFilterSet):
    state = django_filters.ChoiceFilter(label=gettext_lazy("État"), choices=HeliosFlux.STATES,
                                        empty_label=gettext_lazy("Tous"))

    class Meta:
        model = HeliosFlux
        fields = []


class FluxIndexView(HeliosMemberMixin, IndexView):
    model = HeliosFlux
    index_url_name = "helios:index"
    index_results_url_name = "helios:results"
    add_url_name = "helios:add"
    filterset_class = FluxFilterSet
    is_searchable = True
    search_fields = ["filename", "nom_fic"]
    search_backend_name = None
    default_ordering = "-created_at"
    paginate_by = 30
    page_title = FLUX
    header_icon = "table"
    permission_required = "view"
    any_permission_required = None

    def setup(self, request, *args, **kwargs):
        self.permission_policy = helios_policy.for_request(request)
        super().setup(request, *args, **kwargs)

    def get_base_queryset(self):
        return _fluxes(self.request).defer("acquit")

    def order_queryset(self, queryset):
        return queryset.order_by(self.ordering, "-pk")

    @cached_property
    def columns(self):
        return [
            TitleColumn("filename", label=_("Fichier"), sort_key="filename",
                        get_url=lambda f: reverse("helios:flux", args=[f.pk])),
            Column("nom_fic", label=_("Identifiant (NomFic)"), sort_key="nom_fic"),
            Column("bordereaux", label=_("Bordereaux"), accessor=lambda f: len(f.bordereaux)),
            Column("created_at", label=_("Déposé le"), sort_key="created_at",
                   accessor=lambda f: date_format(localtime(f.created_at),
                                                  "SHORT_DATETIME_FORMAT")),
            FluxTagsColumn("state", label=_("État"), sort_key="state"),
        ]

    @cached_property
    def add_item_label(self):
        return _("Transmettre un flux PES")

    def get_header_more_buttons(self):
        return [Button(_("PES_Retour reçus"), url=reverse("helios:retours"),
                       icon_name="download", priority=10)]


class FluxUploadView(HeliosMemberMixin, StaffFormView):
    form_class = PesUploadForm
    template_name = "actes/admin/helios_upload.html"
    page_title = gettext_lazy("Transmettre un flux PES")
    submit_button_label = gettext_lazy("Transmettre à Hélios")
    header_icon = "table"

    def get_breadcrumbs_items(self):
        return _crumbs((reverse("helios:index"), FLUX), ("", self.get_page_title()))

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "tiers": helios.tiers_configured()}

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            flux = helios.transmit_pes(self.member.code, upload.name, upload.read(),
                                       self.request.user)
        except helios.PesRefused as exc:
            for message in exc.messages:
                messages.error(self.request, message)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, _("Flux %(name)s : %(state)s.") % {
            "name": flux.filename, "state": flux.get_state_display()})
        return redirect("helios:flux", flux.pk)


class HostFluxMixin(HeliosMemberMixin):
    def get_object(self):
        return get_object_or_404(_fluxes(self.request), pk=self.kwargs["pk"])


class FluxView(HostFluxMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "actes/admin/helios_flux.html"
    header_icon = "table"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = self.get_object()

    def get_page_title(self):
        return _("Flux %(name)s") % {"name": self.object.filename}

    def get_breadcrumbs_items(self):
        return _crumbs((reverse("helios:index"), FLUX), ("", self.get_page_title()))

    @cached_property
    def header_buttons(self):
        buttons = [HeaderButton(_("Fichier PES_Aller"), icon_name="download",
                                url=reverse("helios:file", args=[self.object.pk]))]
        if self.object.acquit:
            buttons.append(HeaderButton(_("PES_Acquit"), icon_name="download",
                                        url=reverse("helios:acquit",
                                                    args=[self.object.pk])))
        return buttons

    def get_context_data(self, **kwargs):
        flux = self.object
        return {**super().get_context_data(**kwargs), "flux": flux, "tags": flux_tags(flux),
                "events": flux.events.order_by("at", "pk"), "acquit": flux.acquit_summary,
                "pending": flux.state in HeliosFlux.PENDING and bool(flux.transaction_id),
                "tiers": helios.tiers_configured()}


class FluxRefreshView(HostFluxMixin, BaseOperationView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        flux = self.get_object()
        try:
            helios.refresh_flux(flux)
        except helios.PesRefused as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("État du flux actualisé : %(state)s.") % {
                "state": flux.get_state_display()})
        return redirect("helios:flux", flux.pk)


def flux_file(request, pk: int):
    helios_member_or_404(request)
    flux = get_object_or_404(_fluxes(request), pk=pk)
    return serve_private(request, flux.file, flux.filename)


def _xml_attachment(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(bytes(content), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return harden(response)


def flux_acquit(request, pk: int):
    helios_member_or_404(request)
    flux = get_object_or_404(_fluxes(request).exclude(acquit=b""), pk=pk)
    return _xml_attachment(flux.acquit, f"PES_Acquit_{flux.transaction_id}.xml")


class RetourIndexView(HeliosMemberMixin, IndexView):
    model = HeliosRetour
    index_url_name = "helios:retours"
    index_results_url_name = "helios:retours-results"
    default_ordering = "-imported_at"
    paginate_by = 30
    page_title = gettext_lazy("PES_Retour reçus")
    header_icon = "download"
    permission_policy = None

    def get_base_queryset(self):
        return HeliosRetour.objects.filter(member=self.member).defer("content")

    def order_queryset(self, queryset):
        return queryset.order_by(self.ordering, "-pk")

    def get_breadcrumbs_items(self):
        return _crumbs((reverse("helios:index"), FLUX), ("", self.get_page_title()))

    @cached_property
    def columns(self):
        return [
            TitleColumn("name", label=_("Fichier"),
                        get_url=lambda r: reverse("helios:retour", args=[r.pk])),
            Column("date", label=_("Date du fichier"),
                   accessor=lambda r: r.summary.get("date", "")),
            Column("contents", label=_("Contenu"), accessor=lambda r: ", ".join(
                f"{name} : {count}" for name, count in r.summary.get("contents", {}).items())),
            Column("imported_at", label=_("Importé le"), sort_key="imported_at",
                   accessor=lambda r: date_format(localtime(r.imported_at),
                                                  "SHORT_DATETIME_FORMAT")),
        ]


def retour_file(request, retour: int):
    member = helios_member_or_404(request)
    retour = get_object_or_404(HeliosRetour, member=member, pk=retour)
    return _xml_attachment(retour.content, retour.name)
