"""The GED's staff pages, in the Wagtail admin (/admin/ged/): the documents (listing, search,
filters, filing, one document with its versions, rule and history), the plan de classement
with its retention rules, and the batches at the end of the DUA (transfers, eliminations
under the departmental archives' visa).

Each page works on the host's member, for its staff (`access.host_member`); any other
member's object answers 404.
"""

from __future__ import annotations

import django_filters
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import Button

from mutualis import conf
from mutualis.admin_forms import StaffFormView
from mutualis.private_files import serve_private
from provisioning import people

from . import plan, retention, services
from .access import member_or_404
from .connector import ArchiveConnector, ArchiveUnavailable
from .forms import FilingForm, HoldForm, RuleForm, VersionForm, VisaForm
from .models import AuditEntry, Document, DocumentType, Heading, Proposal
from .policies import document_policy, proposal_policy, type_policy
from .search import search

GED = gettext_lazy("GED et archives")


def _crumbs(*items: tuple[str, str]) -> list[dict]:
    return [*WagtailAdminTemplateMixin.breadcrumbs_items,
            *({"url": url, "label": label} for url, label in items)]


def actor(request) -> str:
    return request.user.get_username()


class HostMemberMixin:
    """`self.member`, the host's member, before anything else; 404 if there is none."""

    def setup(self, request, *args, **kwargs):
        self.member = member_or_404(request)
        if not DocumentType.objects.filter(member=self.member).exists():
            plan.load_standard(self.member)  # a new subscriber starts from the standard plan
        super().setup(request, *args, **kwargs)


def _types(request):
    from .access import host_member

    return DocumentType.objects.filter(member=host_member(request))


class DocumentFilterSet(WagtailFilterSet):
    doc_type = django_filters.ModelChoiceFilter(label=gettext_lazy("Type"), queryset=_types,
                                                empty_label=gettext_lazy("Tous"))
    created_on = django_filters.DateFromToRangeFilter(label=gettext_lazy("Date du document"),
                                                      widget=DateRangePickerWidget)
    department = django_filters.ChoiceFilter(label=gettext_lazy("Service"), choices=[],
                                             empty_label=gettext_lazy("Tous"))
    state = django_filters.ChoiceFilter(label=gettext_lazy("État"), choices=Document.STATES,
                                        empty_label=gettext_lazy("Tous"))

    class Meta:
        model = Document
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The host's member's departments (the inventory's `departments:`), none other's.
        self.filters["department"].extra["choices"] = list(
            people.departments(member_or_404(self.request)).items())


def retention_label(document: Document) -> str:
    if document.retention_end:
        return date_format(document.retention_end, "SHORT_DATE_FORMAT")
    if document.doc_type.dua_years is None:
        return _("illimitée")
    return _("pas encore commencée")


class DocumentIndexView(HostMemberMixin, IndexView):
    model = Document
    index_url_name = "ged:documents"
    index_results_url_name = "ged:documents-results"
    add_url_name = "ged:add"
    filterset_class = DocumentFilterSet
    is_searchable = True  # through ged.search (full text), in search_queryset below
    search_backend_name = None
    show_other_searches = True
    default_ordering = "-created_on"
    paginate_by = 30
    page_title = GED
    header_icon = "folder-open-inverse"
    permission_policy = document_policy
    permission_required = "view"
    any_permission_required = None

    def setup(self, request, *args, **kwargs):
        self.permission_policy = document_policy.for_request(request)
        super().setup(request, *args, **kwargs)

    def get_base_queryset(self):
        return (self.permission_policy.instances_user_has_permission_for(self.request.user, "view")
                .select_related("doc_type"))

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return search(self.member, self.search_query, queryset=queryset)

    def order_queryset(self, queryset):
        if self.is_searching and not self.is_explicitly_ordered and queryset.ordered:
            return queryset  # by relevance (PostgreSQL) as the search ranked it
        return queryset.order_by(self.ordering, "-pk")

    @cached_property
    def columns(self):
        return [
            TitleColumn("title", label=_("Titre"), sort_key="title",
                        get_url=lambda d: reverse("ged:document", args=[d.pk])),
            Column("doc_type", label=_("Type"), accessor=lambda d: d.doc_type.title),
            Column("created_on", label=_("Date"), sort_key="created_on",
                   accessor=lambda d: date_format(d.created_on, "SHORT_DATE_FORMAT")),
            Column("retention_end", label=_("Fin de DUA"), sort_key="retention_end",
                   accessor=retention_label),
            Column("department", label=_("Service"), accessor=self.department_name),
            Column("state", label=_("État"), accessor="get_state_display"),
        ]

    @cached_property
    def departments(self) -> dict[str, str]:
        return people.departments(self.member)

    def department_name(self, document: Document) -> str:
        return self.departments.get(document.department, document.department)

    @cached_property
    def add_item_label(self):
        return _("Classer un document")

    def get_header_more_buttons(self):
        return [Button(_("Plan de classement et règles"), url=reverse("ged:plan"),
                       icon_name="list-ul", priority=10),
                Button(_("Propositions de fin de DUA"), url=reverse("ged:proposals"),
                       icon_name="clipboard-list", priority=20)]


# ------------------------------------------------------------------ forms


class AdminFormView(HostMemberMixin, StaffFormView):
    header_icon = "folder-open-inverse"

    def get_breadcrumbs_items(self):
        return _crumbs((reverse("ged:documents"), GED), ("", self.get_page_title()))

    def refused(self, form, exc):
        messages.error(self.request, str(exc))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class FilingView(AdminFormView):
    form_class = FilingForm
    page_title = gettext_lazy("Classer un document")
    submit_button_label = gettext_lazy("Classer")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "member": self.member}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            document = services.file_document(
                self.member, data["doc_type"].code, data["title"], data["file"],
                filename=data["file"].name, author=data["author"],
                created_on=data["created_on"], closed_on=data["closed_on"],
                department=data.get("department", ""), actor=actor(self.request))
        except services.FilingRefused as exc:
            return self.refused(form, exc)
        messages.success(self.request, _("« %(t)s » classé.") % {"t": document.title})
        return redirect("ged:document", document.pk)


class HostObjectMixin(HostMemberMixin):
    """The object of the URL, if it is the host's member's; 404 hides the others."""

    policy = document_policy

    def get_object(self):
        objects = self.policy.for_request(self.request).instances_user_has_permission_for(
            self.request.user, "change")
        return get_object_or_404(objects, pk=self.kwargs["pk"])

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = self.get_object()


class VersionView(HostObjectMixin, AdminFormView):
    form_class = VersionForm
    submit_button_label = gettext_lazy("Ajouter la version")

    def get_page_title(self):
        return _("Nouvelle version de « %(t)s »") % {"t": self.object.title}

    def form_valid(self, form):
        try:
            version = services.add_version(self.object, form.cleaned_data["file"],
                                           filename=form.cleaned_data["file"].name,
                                           actor=actor(self.request),
                                           note=form.cleaned_data["note"])
        except services.FilingRefused as exc:
            return self.refused(form, exc)
        messages.success(self.request, _("Version %(n)s ajoutée ; les précédentes sont "
                                         "conservées.") % {"n": version.number})
        return redirect("ged:document", self.object.pk)


class HoldView(HostObjectMixin, AdminFormView):
    form_class = HoldForm
    submit_button_label = gettext_lazy("Geler le document")

    def get_page_title(self):
        return _("Gel de « %(t)s »") % {"t": self.object.title}

    def form_valid(self, form):
        services.place_hold(self.member, form.cleaned_data["reference"],
                            form.cleaned_data["reason"], [self.object], actor=actor(self.request))
        messages.success(self.request, _("Document gelé : aucune règle de conservation ne "
                                         "s'applique tant que le gel n'est pas levé."))
        return redirect("ged:document", self.object.pk)


class LiftHoldView(HostObjectMixin, WagtailAdminTemplateMixin, TemplateView):
    """Lift a hold naming the document (POST only): its rules run again on every document
    the hold named."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        hold = get_object_or_404(self.object.holds.filter(lifted_at__isnull=True,
                                                          member=self.member),
                                 pk=self.kwargs["hold"])
        services.lift_hold(hold, actor=actor(request))
        messages.success(request, _("Gel « %(r)s » levé.") % {"r": hold.reference})
        return redirect("ged:document", self.object.pk)


class RuleView(HostObjectMixin, AdminFormView):
    policy = type_policy
    form_class = RuleForm
    submit_button_label = gettext_lazy("Enregistrer la règle")

    def get_page_title(self):
        return _("Règle de conservation : %(t)s") % {"t": self.object.title}

    def get_breadcrumbs_items(self):
        return _crumbs((reverse("ged:documents"), GED),
                       (reverse("ged:plan"), _("Plan de classement")), ("", self.get_page_title()))

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def form_valid(self, form):
        rule = form.save(commit=False)
        rule.edited = True
        rule.save()
        changed = services.recompute_retention(rule)
        messages.success(self.request, _("Règle enregistrée ; %(n)s document(s) ont une "
                                         "nouvelle fin de DUA.") % {"n": changed})
        return redirect("ged:plan")


# ------------------------------------------------------------------ pages


class PageView(HostMemberMixin, WagtailAdminTemplateMixin, TemplateView):
    header_icon = "folder-open-inverse"

    def get_breadcrumbs_items(self):
        return _crumbs((reverse("ged:documents"), GED), ("", self.get_page_title()))


class DocumentView(HostObjectMixin, PageView):
    template_name = "ged/admin/document.html"

    def get_page_title(self):
        return self.object.title

    def get_context_data(self, **kwargs):
        document = self.object
        context = super().get_context_data(**kwargs)
        context.update({
            "document": document, "rule": document.doc_type,
            "department": people.departments(self.member).get(document.department,
                                                              document.department),
            "versions": document.versions.order_by("-number"),
            "copies": document.versions.exclude(mirror_path="").order_by("number"),
            "holds": document.holds.order_by("-started_at"),
            "held": services.is_held(document),
            "history": AuditEntry.objects.filter(member=self.member, document=document)
            .order_by("seq"),
            "proposals": document.proposals.order_by("-created_at")})
        return context


def version_file(request, pk: int, number: int):
    member_or_404(request)
    documents = document_policy.for_request(request).instances_user_has_permission_for(
        request.user, "view")
    document = get_object_or_404(documents, pk=pk)
    version = get_object_or_404(document.versions.exclude(file=""), number=number)
    return serve_private(request, version.file, version.filename)


class PlanView(PageView):
    template_name = "ged/admin/plan.html"
    page_title = gettext_lazy("Plan de classement et règles de conservation")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        headings = list(Heading.objects.filter(member=self.member).order_by("code"))
        types = DocumentType.objects.filter(member=self.member).order_by("code")
        by_heading = {}
        for doc_type in types:
            by_heading.setdefault(doc_type.heading_id, []).append(doc_type)
        context["headings"] = [(h, h.code.count("."), by_heading.get(h.pk, []))
                               for h in headings]
        return context


class ProposalsView(PageView):
    template_name = "ged/admin/proposals.html"
    page_title = gettext_lazy("Propositions de fin de DUA")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["proposals"] = Proposal.objects.filter(member=self.member).order_by("-created_at")
        context["due"] = retention.due(self.member).count()
        return context

    def post(self, request, *args, **kwargs):
        made = retention.propose(self.member, actor=actor(request))
        if made:
            messages.success(request, _("%(n)s proposition(s) préparée(s).") % {"n": len(made)})
        else:
            messages.info(request, _("Aucun document n'a atteint la fin de sa DUA."))
        return redirect("ged:proposals")


class ProposalView(HostObjectMixin, PageView):
    policy = proposal_policy
    template_name = "ged/admin/proposal.html"

    def get_page_title(self):
        return _("%(kind)s %(id)s") % {"kind": self.object.get_kind_display().capitalize(),
                                       "id": self.object.identifier}

    def get_breadcrumbs_items(self):
        return _crumbs((reverse("ged:documents"), GED),
                       (reverse("ged:proposals"), _("Propositions")), ("", self.get_page_title()))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({"proposal": self.object, "visa_form": VisaForm(),
                        "documents": self.object.documents.select_related("doc_type")
                        .order_by("created_on", "pk"),
                        "archive": ArchiveConnector.configured() is not None})
        return context


class ProposalOperationView(HostObjectMixin, WagtailAdminTemplateMixin, TemplateView):
    """A button of a batch's page (POST only): do it, say how it went, back to the batch."""

    policy = proposal_policy
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            done = self.perform()
        except (retention.RetentionRefused, ArchiveUnavailable) as exc:
            messages.error(request, str(exc))
        else:
            if done:
                messages.success(request, done)
        return redirect("ged:proposal", self.object.pk)


class VisaOperation(ProposalOperationView):
    def perform(self):
        form = VisaForm(self.request.POST)
        if not form.is_valid():
            raise retention.RetentionRefused(_(
                "Le visa doit indiquer le directeur des archives départementales et la "
                "référence du visa."))
        retention.give_visa(self.object, form.cleaned_data["director"],
                            form.cleaned_data["reference"], actor=actor(self.request),
                            keep=self.request.POST.getlist("keep"))
        return _("Visa enregistré.")


class EliminateOperation(ProposalOperationView):
    def perform(self):
        retention.eliminate(self.object, actor=actor(self.request))
        return _("Documents éliminés ; leurs notices et le certificat de destruction sont "
                 "conservés.")


class SendOperation(ProposalOperationView):
    def perform(self):
        connector = ArchiveConnector.configured()
        if connector is None:
            raise retention.RetentionRefused(_(
                "Aucun système d'archivage n'est configuré (réglage MUTUALIS_GED_ARCHIVE_URL) : le "
                "versement ne peut pas être envoyé d'ici."))
        retention.send_transfer(self.object, connector, conf.MUTUALIS_GED_ARCHIVAL_AGENCY,
                                actor=actor(self.request))
        return _("Versement envoyé ; accusé de réception reçu.")


class ReplyOperation(ProposalOperationView):
    def perform(self):
        connector = ArchiveConnector.configured()
        if connector is None or not self.object.remote_id:
            raise retention.RetentionRefused(_("Ce versement n'a pas été envoyé."))
        if retention.import_reply(self.object, connector, actor=actor(self.request)):
            return _("Réponse du service d'archives importée : %(s)s.") % {
                "s": self.object.get_state_display()}
        return _("Le service d'archives n'a pas encore répondu.")


def proposal_text(request, pk: int, what: str):
    """The bordereau or the certificate of destruction, as a text file."""
    member_or_404(request)
    proposals = proposal_policy.for_request(request).instances_user_has_permission_for(
        request.user, "view")
    proposal = get_object_or_404(proposals, pk=pk, kind=Proposal.ELIMINATION)
    text = retention.bordereau(proposal) if what == "bordereau" else proposal.certificate
    if not text:
        return HttpResponse(status=404)
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{proposal.identifier}-{what}.txt"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
