"""The GRC's staff pages, in the Wagtail admin (`/admin/grc/`): the host member's requests,
recording a counter, phone or letter request in the démarche's own form, one request's page
(treat, message, note, deliver, the citizen's other requests) and the yearly report.

Each page works on the requests of the member whose host the admin is opened on, for that
member's staff (`access.host_member`); any other request, member or host answers 404."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import Button

from mutualis.private_files import serve_private

from . import adjust, courrier_link, reports, services
from .access import member_or_404
from .forms import COORDINATES, RequestForm
from .models import Channel, CitizenRequest, Demarche, MemberCosts
from .policies import request_policy
from .queries import member_demarches
from .templates_data import workflow

REQUESTS = gettext_lazy("Demandes des citoyens")


def _crumbs(*items: tuple[str, str]) -> list[dict]:
    return [*WagtailAdminTemplateMixin.breadcrumbs_items,
            *({"url": url, "label": label} for url, label in items)]


def _base(request) -> str:
    return request.build_absolute_uri("/")


class HostMemberMixin:
    def setup(self, request, *args, **kwargs):
        self.member = member_or_404(request)
        super().setup(request, *args, **kwargs)


def _host_demarches(request):
    return Demarche.objects.filter(member=member_or_404(request))


class RequestFilterSet(WagtailFilterSet):
    demarche = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Démarche"), queryset=_host_demarches,
        empty_label=gettext_lazy("Toutes"))
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Statut"), empty_label=gettext_lazy("Tous"),
        choices=lambda: [(s["slug"], s["label"]) for s in workflow()])
    channel = django_filters.ChoiceFilter(label=gettext_lazy("Canal"), choices=Channel.choices,
                                          empty_label=gettext_lazy("Tous"))
    overdue = django_filters.BooleanFilter(label=gettext_lazy("En retard"),
                                           method="filter_overdue")

    class Meta:
        model = CitizenRequest
        fields = []

    def filter_overdue(self, queryset, name, value):
        late = Q(closed_at__isnull=True, due_at__lt=timezone.now())
        if value is None:
            return queryset
        return queryset.filter(late) if value else queryset.exclude(late)


class RequestIndexView(HostMemberMixin, IndexView):
    model = CitizenRequest
    index_url_name = "grc:requests"
    index_results_url_name = "grc:requests-results"
    add_url_name = "grc:record"
    filterset_class = RequestFilterSet
    # The admin's search lands here too (wagtail_hooks): the ORM searches the host's requests.
    is_searchable = True
    search_fields = ["code", "name", "email", "phone"]
    search_backend_name = None
    show_other_searches = True
    default_ordering = "-created_at"
    paginate_by = 50
    page_title = REQUESTS
    header_icon = "mail"
    permission_policy = request_policy  # bound to the request in setup()
    permission_required = "view"
    any_permission_required = None

    def setup(self, request, *args, **kwargs):
        self.permission_policy = request_policy.for_request(request)
        super().setup(request, *args, **kwargs)

    def get_base_queryset(self):
        return (self.permission_policy.instances_user_has_permission_for(self.request.user, "view")
                .select_related("demarche"))

    def order_queryset(self, queryset):
        return queryset.order_by(self.ordering, "-pk")

    @cached_property
    def columns(self):
        return [
            TitleColumn("code", label=_("Code"), sort_key="code",
                        get_url=lambda r: reverse("grc:request", args=[r.pk])),
            Column("demarche", label=_("Démarche"), accessor=lambda r: r.demarche.title),
            Column("name", label=_("Demandeur"), sort_key="name"),
            Column("get_channel_display", label=_("Canal"), sort_key="channel"),
            Column("status", label=_("Statut"), sort_key="status",
                   accessor=lambda r: r.status_info["label"]),
            Column("created_at", label=_("Reçue le"), sort_key="created_at",
                   accessor=lambda r: date_format(timezone.localtime(r.created_at),
                                                  "SHORT_DATE_FORMAT")),
            Column("due_at", label=_("À traiter avant le"), sort_key="due_at",
                   accessor=lambda r: (_("%(date)s (en retard)") if r.is_overdue else "%(date)s")
                   % {"date": date_format(timezone.localtime(r.due_at), "SHORT_DATE_FORMAT")}),
        ]

    @cached_property
    def add_item_label(self):
        return _("Enregistrer une demande (guichet, téléphone, courrier)")

    def get_header_more_buttons(self):
        return [Button(_("Rapport annuel"), url=reverse("grc:report"), icon_name="table",
                       priority=10),
                Button(_("Démarches en ligne (site)"), url=reverse("grc_public:index"),
                       icon_name="link-external", priority=20)]


# ------------------------------------------------------------------ recording a request


class ChooseDemarcheView(HostMemberMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "grc/admin/choose.html"
    page_title = gettext_lazy("Enregistrer une demande")
    header_icon = "mail"

    def get_breadcrumbs_items(self):
        return _crumbs((reverse("grc:requests"), REQUESTS), ("", self.get_page_title()))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["demarches"] = member_demarches(self.member)
        return context


class RecordView(HostMemberMixin, WagtailAdminTemplateMixin, FormView):
    """The agent records a counter, phone or letter request in the démarche's own form."""

    template_name = "grc/admin/record.html"
    header_icon = "mail"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.demarche = get_object_or_404(member_demarches(self.member), slug=kwargs["slug"])

    def get_page_title(self):
        return _("Enregistrer : %(title)s") % {"title": self.demarche.title}

    def get_breadcrumbs_items(self):
        return _crumbs((reverse("grc:requests"), REQUESTS),
                       (reverse("grc:record"), _("Enregistrer une demande")),
                       ("", self.demarche.title))

    def get_form(self, form_class=None):
        return RequestForm(self.demarche, staff=True, **self.get_form_kwargs())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["demarche"] = self.demarche
        return context

    def form_invalid(self, form):
        messages.validation_error(self.request, _("Le formulaire contient des erreurs."), form)
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def form_valid(self, form):
        data = form.cleaned_data
        filed, _new = services.file_request(
            self.demarche, name=data["name"], email=data["email"], phone=data["phone"],
            postal_address=data["postal_address"], answers=form.answers(),
            uploads=list(form.uploads()), channel=data["channel"], by=self.request.user,
            courrier_chrono=data["courrier_chrono"])
        if filed.email:
            services.send_receipt(filed, _base(self.request))
        messages.success(self.request, _("Demande %(code)s enregistrée.") % {"code": filed.code})
        return redirect("grc:request", filed.pk)


# ------------------------------------------------------------------ one request


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Nouveau statut"))
    message = forms.CharField(label=gettext_lazy("Message au demandeur (facultatif)"),
                              required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, demarche, *args, current: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [c for c in demarche.status_choices()
                                         if c[0] != "delivree"]
        if current:
            self.fields["status"].initial = current


class MessageForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Message au demandeur (envoyé par courriel)"),
                           widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Note interne (jamais montrée au demandeur)"),
                           widget=forms.Textarea(attrs={"rows": 3}))


class DeliverForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Ce qui a été délivré (document, rendez-vous, "
                                              "réponse)"),
                           widget=forms.Textarea(attrs={"rows": 3}))


def _host_request(request, pk: int) -> CitizenRequest:
    member_or_404(request)
    found = request_policy.for_request(request).instances_user_has_permission_for(
        request.user, "change")
    return get_object_or_404(found.select_related("demarche", "member"), pk=pk)


class RequestView(HostMemberMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "grc/admin/request.html"
    header_icon = "mail"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = _host_request(request, kwargs["pk"])

    def get_page_title(self):
        return _("Demande %(code)s") % {"code": self.object.code}

    def get_breadcrumbs_items(self):
        return _crumbs((reverse("grc:requests"), REQUESTS), ("", self.get_page_title()))

    def get_context_data(self, **kwargs):
        obj = self.object
        labels = {f["slug"]: f["label"] for f in obj.demarche.fields}  # retired ones too
        labels.update({f"{f['slug']}-{COORDINATES}": _("%(label)s : coordonnées GPS")
                       % {"label": f["label"]}
                       for f in obj.demarche.fields if f.get("type") == "location"})
        context = super().get_context_data(**kwargs)
        context.update({
            "req": obj, "status": obj.status_info,
            "answers": [(labels.get(k, k), v,
                         "geo:" + v.replace(" ", "") if k.endswith(f"-{COORDINATES}") else "")
                        for k, v in obj.answers.items()],
            "files": obj.files.all(),
            "events": [(e, obj.demarche.status(e.status))
                       for e in obj.events.select_related("by")],
            "others": services.other_requests(obj).select_related("demarche")
            .order_by("-created_at")[:20],
            "courrier_item": (courrier_link.item_for(obj.member, obj.courrier_chrono)
                              if obj.courrier_chrono and courrier_link.has_register(obj.member)
                              else None),
            "status_form": StatusForm(obj.demarche, current=obj.status),
            "message_form": MessageForm(), "note_form": NoteForm(),
            "deliver_form": DeliverForm()})
        return context


def attachment(request, pk: int, request_file_pk: int):
    found = _host_request(request, pk)
    file = get_object_or_404(found.files, pk=request_file_pk)
    return serve_private(request, file.file, file.file.name.rsplit("/", 1)[-1])


class OperationView(HostMemberMixin, WagtailAdminTemplateMixin, TemplateView):
    """A form of the request's page (POST only): do it, say how it went, back to the page."""

    http_method_names = ["post"]
    form_class: type[forms.Form]

    def post(self, request, *args, **kwargs):
        obj = _host_request(request, kwargs["pk"])
        form = (self.form_class(obj.demarche, request.POST) if self.form_class is StatusForm
                else self.form_class(request.POST))
        if not form.is_valid():
            messages.error(request, _("Rien n'a été fait : %(problem)s") % {
                "problem": " ".join(e for errors in form.errors.values() for e in errors)})
            return redirect("grc:request", obj.pk)
        try:
            done = self.perform(obj, form.cleaned_data)
        except services.RequestRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, done)
        return redirect("grc:request", obj.pk)


class StatusView(OperationView):
    form_class = StatusForm

    def perform(self, obj, data):
        services.change_status(obj, data["status"], by=self.request.user,
                               base=_base(self.request), message=data["message"])
        return _("Statut changé : %(status)s.") % {"status": obj.status_info["label"]}


class MessageView(OperationView):
    form_class = MessageForm

    def perform(self, obj, data):
        services.send_message(obj, data["text"], by=self.request.user, base=_base(self.request))
        return _("Message envoyé au demandeur.") if obj.email else _(
            "Message enregistré (le demandeur n'a pas de courriel : prévenez-le autrement).")


class NoteView(OperationView):
    form_class = NoteForm

    def perform(self, obj, data):
        services.add_note(obj, data["text"], by=self.request.user)
        return _("Note interne ajoutée.")


class DeliverView(OperationView):
    form_class = DeliverForm

    def perform(self, obj, data):
        services.deliver(obj, data["text"], by=self.request.user, base=_base(self.request))
        return _("Demande délivrée et close ; le demandeur est prévenu.")


# ------------------------------------------------------------------ adjusting a démarche


class DemarcheEditView(HostMemberMixin, WagtailAdminTemplateMixin, TemplateView):
    """The member adjusts a démarche made from the syndicate's template (grc/adjust.py)."""

    template_name = "grc/admin/demarche.html"
    header_icon = "cog"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.demarche = get_object_or_404(member_demarches(self.member), slug=kwargs["slug"])

    def get_page_title(self):
        return _("Régler : %(title)s") % {"title": self.demarche.title}

    def get_breadcrumbs_items(self):
        return _crumbs((reverse("grc:requests"), REQUESTS),
                       (reverse("grc:record"), _("Démarches")), ("", self.demarche.title))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        adjustment = kwargs.get("adjustment") or adjust.Adjustment(self.demarche)
        context.update({"demarche": self.demarche, "adjustment": adjustment,
                        "version": adjust.version_of(self.demarche),
                        "changes": self.demarche.changes.select_related("by")[:50]})
        return context

    def post(self, request, *args, **kwargs):
        adjustment = adjust.Adjustment(self.demarche, request.POST)
        if not adjustment.is_valid():
            if adjust.STALE in adjustment.problems:
                messages.error(request, str(adjust.STALE))
                return self.render_to_response(self.get_context_data(), status=409)
            messages.error(request, _("Rien n'a été enregistré : corrigez ce qui est indiqué "
                                      "ci-dessous."))
            return self.render_to_response(self.get_context_data(adjustment=adjustment),
                                           status=400)
        try:
            change = adjustment.save(request.user)
        except adjust.Stale:
            messages.error(request, str(adjust.STALE))
            return self.render_to_response(self.get_context_data(), status=409)
        if change is None:
            messages.info(request, _("Rien n'a changé dans la démarche « %(title)s ».")
                          % {"title": self.demarche.title})
        else:
            messages.success(request, _("Démarche « %(title)s » enregistrée : %(what)s")
                             % {"title": adjustment.demarche.title,
                                "what": " ; ".join(change.summary.splitlines())})
        return redirect("grc:demarche", self.demarche.slug)


# ------------------------------------------------------------------ the yearly report


class CostsForm(forms.ModelForm):
    class Meta:
        model = MemberCosts
        fields = ["online", "counter"]


class ReportView(HostMemberMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "grc/admin/report.html"
    header_icon = "table"
    page_title = gettext_lazy("Relation citoyen : rapport annuel")

    def get_breadcrumbs_items(self):
        return _crumbs((reverse("grc:requests"), REQUESTS), ("", self.get_page_title()))

    def year(self) -> int:
        # A hand-edited ?annee= (letters, "-1", a huge number, "²") falls back to this year.
        asked = self.request.GET.get("annee", "")
        if asked.isascii() and asked.isdigit() and 2000 <= int(asked) <= 2100:
            return int(asked)
        return timezone.localdate().year

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year = self.year()
        report = reports.yearly(self.member, year)
        context.update({"report": report, "year": year,
                        "savings": reports.savings(self.member, report),
                        "costs_form": kwargs.get("costs_form") or CostsForm(
                            instance=reports.costs_of(self.member))})
        return context

    def post(self, request, *args, **kwargs):
        form = CostsForm(request.POST, instance=reports.costs_of(self.member))
        if form.is_valid():
            form.save()
            messages.success(request, _("Coûts enregistrés."))
            return redirect(reverse("grc:report") + f"?annee={self.year()}")
        messages.validation_error(request, _("Le formulaire contient des erreurs."), form)
        return self.render_to_response(self.get_context_data(costs_form=form), status=400)
