"""The register's staff pages, in the Wagtail admin (`/admin/courrier/`).

Each page works on the items of the member whose host the admin is opened on, for that
member's staff, as their desk allows (`access.desk`); any other item, member or host answers
404.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q
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
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.views.generic.base import BaseOperationView, WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import HeaderButton

from mutualis.admin_forms import StaffFormView
from mutualis.private_files import serve_private
from provisioning import people

from . import forms, invoices, ocr, routing
from . import natures as n
from .access import desk, member_or_404, visible_items
from .models import Item, Refusal
from .register import Actor, Refused, add_contact, record

REGISTER = gettext_lazy("Courrier")


def _refused(request, exc: Refused) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _crumbs(*items: tuple[str, str]) -> list[dict]:
    return [*WagtailAdminTemplateMixin.breadcrumbs_items,
            *({"url": url, "label": label} for url, label in items)]


class HostMemberMixin:
    """Sets `self.member` (the host's member) and `self.desk` first; 404 without them."""

    def setup(self, request, *args, **kwargs):
        self.member = member_or_404(request)
        self.desk = desk(request)
        super().setup(request, *args, **kwargs)


# ------------------------------------------------------------------ the register


def status_tags(item: Item, today) -> list[dict]:
    tags = [{"label": item.get_status_display(), "primary": item.status == n.CLOSED}]
    if item.status not in (n.TREATED, n.CLOSED) and item.due_on and item.due_on < today:
        tags.append({"label": _("en retard"), "primary": True})
    if item.kind == n.INVOICE and item.invoice_state:
        tags.append({"label": item.get_invoice_state_display(), "primary": False})
    if item.duplicate_of_id:
        tags.append({"label": _("doublon possible"), "primary": True})
    if item.confidential:
        tags.append({"label": _("confidentiel"), "primary": False})
    return tags


class StatusTagsColumn(Column):
    cell_template_name = "courrier/admin/status_tags_cell.html"

    def get_value(self, instance):
        return status_tags(instance, timezone.localdate())


class ItemFilterSet(WagtailFilterSet):
    nature = django_filters.ChoiceFilter(label=gettext_lazy("Nature"),
                                         choices=n.NATURE_CHOICES,
                                         empty_label=gettext_lazy("Toutes"))
    kind = django_filters.ChoiceFilter(label=gettext_lazy("Type"), choices=n.KINDS,
                                       empty_label=gettext_lazy("Tous"))
    department = django_filters.ChoiceFilter(label=gettext_lazy("Service"), choices=[],
                                             method="by_department",
                                             empty_label=gettext_lazy("Tous"))
    status = django_filters.ChoiceFilter(label=gettext_lazy("État"), choices=n.STATUSES,
                                         empty_label=gettext_lazy("Tous"))
    channel = django_filters.ChoiceFilter(label=gettext_lazy("Canal"), choices=n.CHANNELS,
                                          empty_label=gettext_lazy("Tous"))
    overdue = django_filters.BooleanFilter(label=gettext_lazy("En retard"),
                                           method="by_overdue")

    class Meta:
        model = Item
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        member = member_or_404(self.request)
        self.filters["department"].extra["choices"] = list(people.departments(member).items())

    def by_department(self, queryset, name, value):
        return queryset.filter(Q(department=value) | Q(copies__department=value,
                                                       copies__active=True)).distinct()

    def by_overdue(self, queryset, name, value):
        late = Q(due_on__lt=timezone.localdate()) & ~Q(status__in=(n.TREATED, n.CLOSED))
        return queryset.filter(late) if value else queryset.exclude(late)


class ItemIndexView(HostMemberMixin, IndexView):
    model = Item
    template_name = "courrier/admin/item_index.html"
    index_url_name = "courrier:items"
    index_results_url_name = "courrier:items-results"
    add_url_name = "courrier:add"
    filterset_class = ItemFilterSet
    search_fields = ["chrono", "subject", "reference", "text"]
    default_ordering = "-received_on"
    paginate_by = 30
    page_title = REGISTER
    header_icon = "mail"
    any_permission_required = None  # who may come is the host's staff (HostMemberMixin)

    def get_base_queryset(self):
        return visible_items(self.desk).select_related("correspondent")

    def search_queryset(self, queryset):
        # The register's own search (no search index for it): chrono, subject, reference,
        # correspondent and recognised text, case-insensitively.
        if not self.is_searching:
            return queryset
        q = self.search_query
        return queryset.filter(Q(chrono__icontains=q) | Q(subject__icontains=q)
                               | Q(reference__icontains=q) | Q(correspondent__name__icontains=q)
                               | Q(text__icontains=q))

    def order_queryset(self, queryset):
        return queryset.order_by(self.ordering, "-pk")  # the same order on every page

    @cached_property
    def columns(self):
        names = people.departments(self.member)
        return [
            TitleColumn("chrono", label=_("N° chrono"), sort_key="chrono",
                        classname="w-whitespace-nowrap",
                        get_url=lambda item: reverse("courrier:item", args=[item.pk])),
            Column("subject", label=_("Objet"), sort_key="subject"),
            Column("correspondent", label=_("Correspondant"),
                   accessor=lambda item: item.correspondent.name if item.correspondent else ""),
            Column("get_nature_display", label=_("Nature"), sort_key="nature"),
            Column("received_on", label=_("Reçu le"), sort_key="received_on",
                   accessor=lambda item: date_format(item.received_on, "SHORT_DATE_FORMAT")),
            Column("due_on", label=_("Échéance"), sort_key="due_on",
                   accessor=lambda item: date_format(item.due_on, "SHORT_DATE_FORMAT")
                   if item.due_on else ""),
            Column("department", label=_("Service"), sort_key="department",
                   accessor=lambda item: names.get(item.department, "")),
            StatusTagsColumn("status", label=_("État")),
        ]

    @cached_property
    def add_item_label(self):
        return _("Enregistrer au guichet")

    def get_add_url(self):
        return reverse(self.add_url_name) if self.desk.secretariat else None

    @cached_property
    def header_buttons(self):
        if not self.desk.secretariat:
            return []
        return [self.add_button, HeaderButton(_("Numériser (PDF)"), url=reverse("courrier:scan"),
                             icon_name="upload"),
                HeaderButton(_("Facture électronique"), url=reverse("courrier:einvoice"),
                             icon_name="doc-full"),
                HeaderButton(_("Arrivées refusées"), url=reverse("courrier:refusals"),
                             icon_name="warning")]

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["member"] = self.member
        return context


class RefusalIndexView(HostMemberMixin, IndexView):
    """What came by itself (courrier@, Chorus Pro, the watched folder) and was refused:
    where it was left and why. The secrétariat's."""

    model = Refusal
    index_url_name = "courrier:refusals"
    index_results_url_name = "courrier:refusals-results"
    default_ordering = "-at"
    paginate_by = 30
    page_title = gettext_lazy("Arrivées refusées")
    header_icon = "warning"
    any_permission_required = None

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        if not self.desk.secretariat:
            raise Http404("only the secrétariat sees the refusals")

    def get_base_queryset(self):
        return Refusal.objects.filter(member=self.member)

    def order_queryset(self, queryset):
        return queryset.order_by("-at", "-pk")

    def get_breadcrumbs_items(self):
        return _crumbs((reverse("courrier:items"), REGISTER), ("", self.page_title))

    @cached_property
    def columns(self):
        return [
            Column("at", label=_("Quand"), accessor=lambda r: date_format(
                timezone.localtime(r.at), "SHORT_DATETIME_FORMAT")),
            Column("get_channel_display", label=_("Canal")),
            Column("what", label=_("Quoi")),
            Column("where", label=_("Laissé dans")),
            Column("reason", label=_("Motif")),
        ]


# ------------------------------------------------------------------ recording


class AdminFormView(HostMemberMixin, StaffFormView):
    header_icon = "mail"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        if not self.desk.secretariat:
            raise Http404("only the secrétariat records items")

    def get_breadcrumbs_items(self):
        return _crumbs((reverse("courrier:items"), REGISTER), ("", self.get_page_title()))

    def refused(self, form, exc: Refused):
        _refused(self.request, exc)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ItemCreateView(AdminFormView):
    form_class = forms.RecordForm
    page_title = gettext_lazy("Enregistrer un pli au guichet")
    submit_button_label = gettext_lazy("Enregistrer le pli")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "member": self.member}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            correspondent = data["correspondent"]
            if correspondent is None and (data["new_correspondent"] or data["siret"]):
                correspondent = add_contact(self.member, data["new_correspondent"],
                                            siret=data["siret"])
            item = record(
                self.member, subject=data["subject"], direction=data["direction"],
                kind=data["kind"], nature=data["nature"], received_on=data["received_on"],
                channel=data["channel"], priority=data["priority"],
                confidential=data["confidential"], correspondent=correspondent,
                reference=data["reference"], amount=data["amount"],
                files=[(f.name, f.read()) for f in data["files"]],
                actor=Actor.of(self.request.user))
        except Refused as exc:
            return self.refused(form, exc)
        messages.success(self.request, _("Pli n° %(c)s enregistré.") % {"c": item.chrono})
        return redirect("courrier:item", item.pk)


class ScanView(AdminFormView):
    form_class = forms.ScanForm
    page_title = gettext_lazy("Numériser des plis (PDF)")
    submit_button_label = gettext_lazy("Enregistrer et reconnaître le texte")

    def form_valid(self, form):
        data = form.cleaned_data
        actor = Actor.of(self.request.user)
        recorded = []
        try:
            for upload in data["files"]:
                subject = upload.name.rsplit(".", 1)[0][:500] or upload.name
                item = record(self.member, subject=subject, kind=data["kind"],
                              nature=data["nature"], received_on=data["received_on"],
                              channel=n.SCAN, files=[(upload.name, upload.read())],
                              actor=actor)
                recorded.append(item)
        except Refused as exc:
            return self.refused(form, exc)
        for item in recorded:
            ocr.schedule(item)
        messages.success(self.request, _("%(n)s pli(s) enregistré(s) : %(c)s.") % {
            "n": len(recorded), "c": ", ".join(i.chrono for i in recorded)})
        if len(recorded) == 1:
            return redirect("courrier:item", recorded[0].pk)
        return redirect("courrier:items")


# ------------------------------------------------------------------ one item


class HostItemMixin(HostMemberMixin):
    """The item of the URL, if this desk sees it; 404 hides the others."""

    def get_object(self):
        return get_object_or_404(visible_items(self.desk).select_related(
            "member", "correspondent", "duplicate_of"), pk=self.kwargs["pk"])


class ItemView(HostItemMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "courrier/admin/item.html"
    header_icon = "mail"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = self.get_object()

    def get_page_title(self):
        return _("Pli n° %(c)s") % {"c": self.object.chrono}

    def get_page_subtitle(self):
        return self.object.subject

    def get_breadcrumbs_items(self):
        return _crumbs((reverse("courrier:items"), REGISTER), ("", self.get_page_title()))

    def get_context_data(self, **kwargs):
        item, d = self.object, self.desk
        names = people.departments(self.member)
        treats = d.secretariat or (bool(item.department) and d.works_in(item.department))
        is_open = item.status != n.CLOSED
        context = super().get_context_data(**kwargs)
        context.update({
            "item": item, "tags": status_tags(item, timezone.localdate()),
            "department_name": names.get(item.department, ""),
            "copies": [names.get(c, c) for c in item.copies.filter(active=True)
                       .values_list("department", flat=True)],
            "attachments": item.attachments.all(), "events": item.events.order_by("pk"),
            "can_qualify": d.secretariat and is_open,
            "can_treat": treats and is_open,
            "qualify_form": forms.QualifyForm(member=self.member, initial={
                "department": item.department, "nature": item.nature,
                "priority": item.priority, "confidential": item.confidential,
                "copies": list(item.copies.filter(active=True)
                               .values_list("department", flat=True))}),
            "pass_on_form": forms.PassOnForm(member=self.member),
            "note_form": forms.NoteForm(),
            "delay": invoices.payment_delay(item) if item.kind == n.INVOICE else None,
            "can_certify": item.kind == n.INVOICE and invoices.may_certify(item, d),
            "can_validate": item.kind == n.INVOICE and invoices.may_validate(item, d),
            "certify_form": forms.CertifyForm(), "validate_form": forms.ValidateForm(),
            "chorus_pushes": item.status_pushes.all() if item.chorus_id else [],
        })
        if context["delay"] is not None:
            context["days_late"] = -context["delay"].days_left
            context["interest"] = context["delay"].interest(item.amount)
        return context


def attachment(request, pk: int, attachment_pk: int, searchable: bool = False):
    item = get_object_or_404(visible_items(desk(request)), pk=pk)
    found = get_object_or_404(item.attachments, pk=attachment_pk)
    file = found.searchable if searchable else found.file
    if not file:
        raise Http404("no searchable copy")
    return serve_private(request, file, found.name)


class ItemStepView(HostItemMixin, BaseOperationView):
    """A button of the item's page (POST only): do it, say how it went, back to the item."""

    http_method_names = ["post"]
    form_class = forms.NoteForm

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.make_form()
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        else:
            try:
                done = self.perform(form.cleaned_data, Actor.of(request.user))
            except Refused as exc:
                _refused(request, exc)
            else:
                messages.success(request, done)
        if visible_items(self.desk).filter(pk=self.object.pk).exists():
            return redirect("courrier:item", self.object.pk)
        return redirect("courrier:items")  # passed on: no longer this desk's

    def make_form(self):
        return self.form_class(self.request.POST)


class MemberFormMixin:
    def make_form(self):
        return self.form_class(self.request.POST, member=self.member)


class QualifyView(MemberFormMixin, ItemStepView):
    form_class = forms.QualifyForm

    def perform(self, data, actor):
        routing.qualify(self.object, self.desk, actor, department=data["department"],
                        copies=data["copies"], nature=data["nature"],
                        priority=data["priority"], confidential=data["confidential"],
                        note=data["note"])
        return _("Pli attribué au service « %(d)s ».") % {
            "d": people.departments(self.member)[data["department"]]}


class PassOnView(MemberFormMixin, ItemStepView):
    form_class = forms.PassOnForm

    def perform(self, data, actor):
        routing.pass_on(self.object, self.desk, actor, data["department"], data["note"])
        return _("Pli transmis au service « %(d)s ».") % {
            "d": people.departments(self.member)[data["department"]]}


class AnnotateView(ItemStepView):
    def perform(self, data, actor):
        routing.annotate(self.object, self.desk, actor, data["note"])
        return _("Annotation ajoutée.")


class TreatView(ItemStepView):
    def perform(self, data, actor):
        routing.treat(self.object, self.desk, actor, data["note"])
        return _("Pli marqué comme traité.")


class CloseView(ItemStepView):
    def perform(self, data, actor):
        routing.close(self.object, self.desk, actor, data["note"])
        return _("Pli clos.")


class CertifyView(ItemStepView):
    form_class = forms.CertifyForm

    def perform(self, data, actor):
        invoices.certify(self.object, self.desk, actor, data["outcome"], data["reason"])
        return _("Facture : %(s)s.") % {"s": self.object.get_invoice_state_display()}


class ValidateView(ItemStepView):
    form_class = forms.ValidateForm

    def perform(self, data, actor):
        invoices.validate(self.object, self.desk, actor, data["mandate_number"])
        return _("Facture validée par la comptabilité (mandat %(m)s).") % {
            "m": data["mandate_number"]}


class EInvoiceView(AdminFormView):
    form_class = forms.InvoiceFileForm
    page_title = gettext_lazy("Enregistrer une facture électronique (Factur-X)")
    submit_button_label = gettext_lazy("Lire et enregistrer la facture")

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            item = invoices.record_einvoice(self.member, upload.name, upload.read(),
                                            Actor.of(self.request.user))
        except Refused as exc:
            return self.refused(form, exc)
        messages.success(self.request, _("Facture enregistrée sous le n° %(c)s.") % {
            "c": item.chrono})
        return redirect("courrier:item", item.pk)
