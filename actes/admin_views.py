"""The acts' staff pages, in the Wagtail admin (`/admin/actes/`).

Each page works on the acts of the member whose host the admin is opened on, for that member's
staff (`access.host_member`); any other act, member or host answers 404.
"""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.views.generic.base import BaseOperationView, WagtailAdminTemplateMixin
from wagtail.admin.widgets import HeaderButton
from wagtail.admin.widgets.button import Button

from mutualis.admin_forms import StaffFormView
from mutualis.private_files import serve_private
from provisioning.models import RegistryAssembly

from . import services, transmission
from .access import host_member, member_or_404
from .forms import ActForm, ClassificationForm, PostingForm, SettingsForm
from .models import Act, Classification, Transmission
from .natures import NATURES
from .policies import act_policy

ACTS = gettext_lazy("Actes")


def _refused(request, exc: services.ActRefused) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _crumbs(*items: tuple[str, str]) -> list[dict]:
    """Wagtail's breadcrumbs (its home first), then the items (url, label)."""
    return [*WagtailAdminTemplateMixin.breadcrumbs_items,
            *({"url": url, "label": label} for url, label in items)]


# ------------------------------------------------------------------ status tags


def status_tags(act: Act) -> list[dict]:
    """What a secrétaire de mairie wants to see first, as tags: published or only recorded,
    then where the prefecture stands (the last sending's state, the last message). Reads the
    related rows through .all(): a listing that prefetches them makes no query per act."""
    tags = [{"label": _("publié"), "primary": True} if act.published_at
            else {"label": _("enregistré"), "primary": False}]
    sent = list(act.transmissions.all())
    if sent:
        last = max(sent, key=lambda t: t.pk)
        tags.append({"label": _("préfecture : %(state)s") % {"state": last.get_state_display()},
                     "primary": last.state == Transmission.ACKNOWLEDGED})
    received = list(act.prefecture_messages.all())
    if received:
        last = max(received, key=lambda m: (m.received_on, m.pk))
        tags.append({"label": last.get_kind_display(), "primary": False})
    return tags


class StatusTagsColumn(Column):
    cell_template_name = "actes/admin/status_tags_cell.html"

    def get_value(self, instance):
        return status_tags(instance)


# ------------------------------------------------------------------ the listing

STATES = [("recorded", gettext_lazy("enregistré, non publié")),
          ("published", gettext_lazy("publié")),
          ("transmitted", gettext_lazy("transmis en préfecture")),
          ("acknowledged", gettext_lazy("acquitté par la préfecture")),
          ("refused", gettext_lazy("refusé par le tiers ou la préfecture"))]


def _sent(*states: str):
    return Exists(Transmission.objects.filter(act=OuterRef("pk"), state__in=states))


def _host_assemblies(request):
    return RegistryAssembly.objects.filter(member=host_member(request), active=True)


class ActFilterSet(WagtailFilterSet):
    nature = django_filters.ChoiceFilter(label=gettext_lazy("Nature"), choices=NATURES,
                                         empty_label=gettext_lazy("Toutes"))
    state = django_filters.ChoiceFilter(label=gettext_lazy("État"), choices=STATES,
                                        method="filter_state", empty_label=gettext_lazy("Tous"))
    decision_date = django_filters.DateFromToRangeFilter(
        label=gettext_lazy("Date de décision"), widget=DateRangePickerWidget)
    assembly = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Assemblée"), field_name="sitting__assembly",
        queryset=_host_assemblies, empty_label=gettext_lazy("Toutes"))

    class Meta:
        model = Act
        fields = []

    def filter_state(self, queryset, name, value):
        return {
            "recorded": lambda: queryset.filter(published_at__isnull=True),
            "published": lambda: queryset.filter(published_at__isnull=False),
            "transmitted": lambda: queryset.filter(_sent(Transmission.SENT,
                                                         Transmission.ACKNOWLEDGED)),
            "acknowledged": lambda: queryset.filter(_sent(Transmission.ACKNOWLEDGED)),
            "refused": lambda: queryset.filter(_sent(Transmission.FAILED)),
        }.get(value, lambda: queryset)()


class HostMemberMixin:
    """Sets `self.member`, the host's member, before anything else; 404 if there is none."""

    def setup(self, request, *args, **kwargs):
        self.member = member_or_404(request)
        super().setup(request, *args, **kwargs)


class ActIndexView(HostMemberMixin, IndexView):
    model = Act
    template_name = "actes/admin/act_index.html"
    index_url_name = "actes:acts"
    index_results_url_name = "actes:acts-results"
    add_url_name = "actes:add"
    inspect_url_name = "actes:act"
    filterset_class = ActFilterSet
    # The admin's search lands here too (wagtail_hooks): the ORM searches the host's acts.
    is_searchable = True
    search_fields = ["number", "subject"]
    search_backend_name = None
    show_other_searches = True
    default_ordering = "-decision_date"
    paginate_by = 30
    page_title = ACTS
    header_icon = "doc-full"
    # The host's staff only (HostMemberMixin answers 404 to anyone else), on its acts only.
    permission_policy = act_policy  # bound to the request in setup()
    permission_required = "view"
    any_permission_required = None

    def setup(self, request, *args, **kwargs):
        self.permission_policy = act_policy.for_request(request)
        super().setup(request, *args, **kwargs)

    def get_base_queryset(self):
        return (self.permission_policy.instances_user_has_permission_for(self.request.user, "view")
                .select_related("sitting__assembly")
                .prefetch_related("transmissions", "prefecture_messages"))

    def order_queryset(self, queryset):
        return queryset.order_by(self.ordering, "-pk")  # the same order on every page

    @cached_property
    def columns(self):
        return [
            TitleColumn("number", label=_("Numéro"), sort_key="number",
                        classname="w-whitespace-nowrap",
                        get_url=lambda act: reverse("actes:act", args=[act.pk])),
            Column("subject", label=_("Objet"), sort_key="subject"),
            Column("get_nature_display", label=_("Nature"), sort_key="nature"),
            Column("decision_date", label=_("Date de décision"), sort_key="decision_date",
                   accessor=lambda act: date_format(act.decision_date, "SHORT_DATE_FORMAT")),
            Column("assembly", label=_("Assemblée"),
                   accessor=lambda act: act.sitting.assembly.name if act.sitting else ""),
            StatusTagsColumn("status", label=_("État")),
        ]

    @cached_property
    def add_item_label(self):
        return _("Enregistrer un acte")

    def get_header_more_buttons(self):
        code = self.member.code
        return [
            Button(_("Classification de la préfecture"), url=reverse("actes:classification"),
                   icon_name="list-ul", priority=10),
            Button(_("Paramètres des actes"), url=reverse("actes:settings", args=[code]),
                   icon_name="cog", priority=20),
            Button(_("Registre de publication (public)"),
                   url=reverse("actes_public:register", args=[code]), icon_name="link-external",
                   priority=30),
            Button(_("Délibérations en données ouvertes (CSV)"),
                   url=reverse("actes_public:deliberations-csv", args=[code]),
                   icon_name="download", priority=40),
        ]

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["member"] = self.member
        context["classification"] = classification_state(self.member)
        return context


def classification_state(member) -> str:
    """"missing" (no classification), "example" (only the demo's), or "" (the prefecture's)."""
    versions = Classification.objects.filter(member=member)
    if not versions.exists():
        return "missing"
    if not versions.exclude(source_sha256=services.example_sha256()).exists():
        return "example"
    return ""


# ------------------------------------------------------------------ recording an act


class AdminFormView(HostMemberMixin, StaffFormView):
    header_icon = "doc-full"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "member": self.member}

    def get_breadcrumbs_items(self):
        return _crumbs((reverse("actes:acts"), ACTS), ("", self.get_page_title()))


class ActCreateView(AdminFormView):
    form_class = ActForm
    template_name = "actes/admin/act_form.html"
    page_title = gettext_lazy("Enregistrer un acte")
    submit_button_label = gettext_lazy("Enregistrer l'acte")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["classification"] = classification_state(self.member)
        context["tiers"] = transmission.tiers_configured()
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            act = services.record_act(
                self.member, number=data["number"], nature=data["nature"],
                decision_date=data["decision_date"], subject=data["subject"],
                matter_code=data["matter"], filename=data["document"].name,
                pdf=data["document"].read(), by=self.request.user,
                annexes=[(a.name.rsplit(".", 1)[0], a.name, a.read()) for a in data["annexes"]])
        except services.ActRefused as exc:
            _refused(self.request, exc)  # the service names each field and what is wrong
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, _("Acte n° %(n)s enregistré.") % {"n": act.number})
        return redirect("actes:act", act.pk)


# ------------------------------------------------------------------ one act


class HostActMixin(HostMemberMixin):
    """The act of the URL, if it is the host's member's; 404 hides the others."""

    model = Act

    def get_object(self):
        acts = act_policy.for_request(self.request).instances_user_has_permission_for(
            self.request.user, "change")
        return get_object_or_404(acts.select_related("member", "matter__classification",
                                                      "sitting__assembly", "agenda_item"),
                                 pk=self.kwargs["pk"])


class ActView(HostActMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "actes/admin/act.html"
    header_icon = "doc-full"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = self.get_object()

    def get_page_title(self):
        return _("%(nature)s n° %(number)s") % {"nature": self.object.get_nature_display(),
                                                "number": self.object.number}

    def get_breadcrumbs_items(self):
        return _crumbs((reverse("actes:acts"), ACTS), ("", self.get_page_title()))

    @cached_property
    def header_buttons(self):
        return [HeaderButton(_("Acte signé (PDF)"), icon_name="doc-full",
                             url=reverse("actes:document", args=[self.object.pk]))]

    def get_context_data(self, **kwargs):
        act = self.object
        context = super().get_context_data(**kwargs)
        context.update({
            "act": act, "tags": status_tags(act),
            "settings": services.settings_of(act.member),
            "register": act.register.order_by("pk"),
            "transmissions": act.transmissions.order_by("pk"),
            "prefecture_messages": act.prefecture_messages.order_by("received_on", "pk"),
            "posting_form": PostingForm(), "tiers": transmission.tiers_configured()})
        return context


def act_document(request, pk: int):
    member_or_404(request)
    acts = act_policy.for_request(request).instances_user_has_permission_for(request.user, "view")
    act = get_object_or_404(acts, pk=pk)
    return serve_private(request, act.document, act.document.name.rsplit("/", 1)[-1])


class ActOperationView(HostActMixin, BaseOperationView):
    """A button of the act's page (POST only): do it, say how it went, back to the act."""

    http_method_names = ["post"]
    success_url_name = "actes:act"

    def get_success_url(self):
        return reverse(self.success_url_name, args=[self.object.pk])

    def post(self, request, *args, **kwargs):
        try:
            done = self.perform_operation()
        except services.ActRefused as exc:
            _refused(request, exc)
        else:
            if done:
                messages.success(request, done)
        return redirect(self.get_success_url())


class PublishView(ActOperationView):
    def perform_operation(self):
        form = PostingForm(self.request.POST)
        posted_at = form.cleaned_data["posted_at"] if form.is_valid() else None
        entry = services.publish(self.object, posted_at=posted_at)
        at = timezone.localtime(entry.at)  # as the register shows it
        return _("Acte publié le %(at)s.") % {"at": at.strftime("%d/%m/%Y %H:%M")}


class TransmitView(ActOperationView):
    def perform_operation(self):
        sent = transmission.transmit(self.object)
        return _("Acte transmis au tiers de télétransmission (transaction %(id)s).") % {
            "id": sent.transaction_id}


class RefreshView(ActOperationView):
    def perform_operation(self):
        transmission.refresh_act(self.object)
        return _("État de la transmission actualisé.")


# ------------------------------------------------------------------ the member's files


class ClassificationView(AdminFormView):
    form_class = ClassificationForm
    template_name = "actes/admin/classification.html"
    page_title = gettext_lazy("Classification de la préfecture")
    submit_button_label = gettext_lazy("Importer")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["current"] = services.current_classification(self.member)
        context["classification"] = classification_state(self.member)
        context["tiers"] = transmission.tiers_configured()
        return context

    def form_valid(self, form):
        try:
            c = services.import_classification(self.member, form.cleaned_data["file"].read())
        except services.ActRefused as exc:
            _refused(self.request, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, _("Classification du %(d)s importée (%(n)s matières).") % {
            "d": c.version_date.strftime("%d/%m/%Y"), "n": c.matters.count()})
        return redirect("actes:classification")


class ClassificationFetchView(HostMemberMixin, BaseOperationView):
    """Import the member's classification from the tiers de télétransmission."""

    http_method_names = ["post"]
    pk_url_kwarg = "code"

    def get_object(self):
        if self.pk != self.member.code:
            raise_404()
        return self.member

    def post(self, request, *args, **kwargs):
        try:
            c = transmission.fetch_classification(self.member)
        except services.ActRefused as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("Classification du %(d)s importée (%(n)s matières).") % {
                "d": c.version_date.strftime("%d/%m/%Y"), "n": c.matters.count()})
        return redirect("actes:classification")


class SettingsView(AdminFormView):
    form_class = SettingsForm
    page_title = gettext_lazy("Paramètres des actes")

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        if kwargs["code"] != self.member.code:
            raise_404()

    def get_page_subtitle(self):
        return self.member.name

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": services.settings_of(self.member)}

    def form_valid(self, form):
        form.save()
        messages.success(self.request, _("Paramètres enregistrés."))
        return redirect("actes:settings", self.member.code)


def raise_404():
    raise Http404("another member's page")
