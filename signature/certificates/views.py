"""The members' certificates in the Wagtail admin (/admin/certificats/, namespace
`certificates`): the register (a generic index view: filters member, kind, state, expiring
within N days), a certificate's page (its checks, identity checks and reminders), importing,
reading the parapheur's keys, recording an identity check, checking again, archiving, and
the renewal request (PDF).

Who sees what is `access.members_here`; another member's certificate is a 404. Writing is the
syndicate's (`access.require_syndicate`, a 403 that says why)."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import IndexView, WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import HeaderButton

from mutualis.admin_forms import StaffFormView
from provisioning import people

from ..errors import SignatureError
from . import register, renewal_request
from .access import certificate_policy, members_here, require_syndicate
from .checks import check_certificate, check_certificates
from .forms import IdentityCheckForm, ImportForm
from .models import KINDS, REVOKED, STATUSES, VALID, MemberCertificate

TITLE = gettext_lazy("Certificats des membres")
HOME = {"url": reverse_lazy("wagtailadmin_home"), "label": gettext_lazy("Tableau de bord")}
INDEX = {"url": reverse_lazy("certificates:index"), "label": TITLE}
WITHIN = [("30", gettext_lazy("30 jours")), ("90", gettext_lazy("90 jours")),
          ("180", gettext_lazy("180 jours")), ("365", gettext_lazy("un an"))]


def badges(certificate: MemberCertificate, now=None) -> list[dict]:
    """The certificate's state as status tags: its expiry, and its last check."""
    now = now or timezone.now()
    left = (certificate.not_after - now).days
    tags = []
    if certificate.archived:
        tags.append({"label": _("archivé"), "primary": False})
    if certificate.status == REVOKED:
        tags.append({"label": _("révoqué"), "primary": True})
    if certificate.not_after <= now:
        tags.append({"label": _("expiré"), "primary": True})
    elif left < 90:
        tags.append({"label": _("expire dans %(n)d jours") % {"n": left}, "primary": left < 30})
    if certificate.status and certificate.status not in (VALID, REVOKED) and not (
            certificate.not_after <= now):
        tags.append({"label": certificate.get_status_display(), "primary": True})
    elif certificate.status == VALID and certificate.not_after > now:
        tags.append({"label": _("vérifié"), "primary": False})
    elif not certificate.status:
        tags.append({"label": _("jamais vérifié"), "primary": False})
    return tags


class BadgesColumn(Column):
    cell_template_name = "signature/certificates/badges_cell.html"

    def get_value(self, instance):
        return badges(instance)


class CertificateFilterSet(WagtailFilterSet):
    member = django_filters.ModelChoiceFilter(label=gettext_lazy("Collectivité"),
                                              queryset=people.members().none())
    kind = django_filters.ChoiceFilter(label=gettext_lazy("Nature"), choices=KINDS,
                                       empty_label=gettext_lazy("Toutes"))
    status = django_filters.ChoiceFilter(label=gettext_lazy("Dernière vérification"),
                                         choices=STATUSES, empty_label=gettext_lazy("Toutes"))
    expiring = django_filters.ChoiceFilter(label=gettext_lazy("Expire d'ici"), choices=WITHIN,
                                           method="by_expiry", empty_label=gettext_lazy("—"))
    archived = django_filters.BooleanFilter(label=gettext_lazy("Archivés"))

    class Meta:
        model = MemberCertificate
        fields = ["member", "kind", "status", "expiring", "archived"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        found = members_here(request) if request is not None else []
        self.filters["member"].queryset = people.members().filter(
            pk__in=[m.pk for m in found] if isinstance(found, list) else found.values("pk"))

    def by_expiry(self, queryset, name, value):
        now = timezone.now()
        return queryset.filter(not_after__gt=now, not_after__lte=now + timedelta(days=int(value)))


class CertificateIndexView(IndexView):
    model = MemberCertificate
    page_title = gettext_lazy("Certificats")
    header_icon = "key"
    index_url_name = "certificates:index"
    index_results_url_name = "certificates:index_results"
    filterset_class = CertificateFilterSet
    default_ordering = "not_after"
    paginate_by = 25
    is_searchable = True
    search_fields = ["holder_name", "serial", "issuer_name", "subject"]
    search_backend_name = None  # the ORM
    breadcrumbs_items = [HOME]
    verbose_name = gettext_lazy("certificat")
    verbose_name_plural = gettext_lazy("certificats")
    permission_policy = certificate_policy  # bound to the request in setup()
    permission_required = "view"
    any_permission_required = None

    def setup(self, request, *args, **kwargs):
        self.permission_policy = certificate_policy.for_request(request)
        super().setup(request, *args, **kwargs)

    def get_base_queryset(self):
        queryset = (self.permission_policy.instances_user_has_permission_for(
            self.request.user, "view").select_related("member"))
        if "archived" not in self.request.GET:  # archived ones on demand only
            queryset = queryset.filter(archived=False)
        return queryset

    def order_queryset(self, queryset):
        return queryset.order_by(self.ordering, "pk")

    def get_page_subtitle(self):
        return _("des membres")

    @cached_property
    def several(self) -> bool:
        found = self.permission_policy.members
        return (found.count() if not isinstance(found, list) else len(found)) > 1

    @cached_property
    def columns(self):
        columns = [
            TitleColumn("holder_name", label=_("Titulaire"), sort_key="holder_name",
                        get_url=lambda c: reverse("certificates:certificate", args=[c.pk])),
            Column("kind", label=_("Nature"), accessor="get_kind_display", sort_key="kind"),
            Column("issuer_name", label=_("Autorité"), sort_key="issuer_name"),
            Column("not_after", label=_("Valide jusqu'au"), sort_key="not_after",
                   accessor=lambda c: timezone.localtime(c.not_after).strftime("%d/%m/%Y")),
            BadgesColumn("state", label=_("État")),
        ]
        if self.several:
            columns.insert(1, Column("member", label=_("Collectivité"), accessor="member.name",
                                     sort_key="member__name"))
        return columns

    @property
    def header_buttons(self):
        if not self.request.user.is_superuser:
            return []
        return [HeaderButton(_("Importer un certificat"), url=reverse("certificates:import"),
                             icon_name="upload", classname="button-primary"),
                HeaderButton(_("Lire les clés du parapheur"),
                             url=reverse("certificates:parapheur"), icon_name="key")]


def visible_certificate(request, pk: int) -> MemberCertificate:
    certificates = certificate_policy.for_request(request).instances_user_has_permission_for(
        request.user, "view")
    return get_object_or_404(certificates.select_related("member", "holder"), pk=pk)


class PageMixin(WagtailAdminTemplateMixin):
    header_icon = "key"

    def get_breadcrumbs_items(self):
        return [HOME, INDEX, {"url": "", "label": self.get_page_title()}]


class CertificateView(PageMixin, TemplateView):
    template_name = "signature/certificates/certificate.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = visible_certificate(request, kwargs["pk"])

    def get_page_title(self):
        return self.object.holder_name

    def get_page_subtitle(self):
        return _("certificat, %(member)s") % {"member": self.object.member.name}

    def get_header_buttons(self):
        pk = self.object.pk
        buttons = [HeaderButton(_("Demande de renouvellement (PDF)"),
                                url=reverse("certificates:renewal", args=[pk]),
                                icon_name="download")]
        if self.request.user.is_superuser:
            buttons.insert(0, HeaderButton(_("Enregistrer une vérification d'identité"),
                                           url=reverse("certificates:identity", args=[pk]),
                                           icon_name="user", classname="button-primary"))
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        certificate = self.object
        context.update({
            "certificate": certificate, "badges": badges(certificate),
            "checks": certificate.checks.all()[:10],
            "identity_checks": certificate.identity_checks.all(),
            "reminders": certificate.reminders.all(),
            "syndicate": self.request.user.is_superuser,
            "header_buttons": self.get_header_buttons()})
        return context


class SyndicateFormView(PageMixin, StaffFormView):
    header_icon = "key"

    def dispatch(self, request, *args, **kwargs):
        require_syndicate(request)
        return super().dispatch(request, *args, **kwargs)

    def refused(self, form, exc):
        form.add_error(None, str(exc))
        return self.form_invalid(form)


def _user_name(user) -> str:
    return user.get_full_name() or user.get_username()


class ImportView(SyndicateFormView):
    form_class = ImportForm
    page_title = gettext_lazy("Importer un certificat")
    submit_button_label = gettext_lazy("Importer")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        found = members_here(self.request)
        kwargs["members"] = people.members().filter(
            pk__in=[m.pk for m in found] if isinstance(found, list) else found.values("pk"))
        return kwargs

    def form_valid(self, form):
        data = form.cleaned_data
        who = self.request.user.get_username()
        try:
            if data.get("file"):
                upload = data["file"]
                records = [register.import_file(
                    upload.read(), upload.name, data["member"], data["kind"], data["holder"],
                    data["password"], imported_by=who)]
            else:
                records = register.import_token(
                    data["token"], data["member"], data["kind"], data.get("pin", ""),
                    data.get("token_label", ""), data["holder"], imported_by=who)
        except SignatureError as exc:
            return self.refused(form, exc)
        for record in records:
            messages.success(self.request, _("Certificat de %(holder)s importé ; dernière "
                                             "vérification : %(status)s.")
                             % {"holder": record.holder_name,
                                "status": record.get_status_display()})
        return redirect("certificates:certificate", records[0].pk)


ImportView.dispatch = method_decorator(sensitive_post_parameters("password", "pin"))(
    ImportView.dispatch)


class IdentityCheckView(SyndicateFormView):
    form_class = IdentityCheckForm
    submit_button_label = gettext_lazy("Enregistrer la vérification")

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = visible_certificate(request, kwargs["pk"])

    def get_page_title(self):
        return _("Vérification d'identité : %(holder)s") % {"holder": self.object.holder_name}

    def get_initial(self):
        return {"checked_by": _user_name(self.request.user), "checked_on": timezone.localdate()}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            register.record_identity_check(self.object, data["checked_by"], data["checked_on"],
                                           data["documents"], data["notes"],
                                           recorded_by=self.request.user.get_username())
        except SignatureError as exc:
            return self.refused(form, exc)
        messages.success(self.request, _("Vérification d'identité enregistrée."))
        return redirect("certificates:certificate", self.object.pk)


class ParapheurKeysView(PageMixin, TemplateView):
    template_name = "signature/certificates/parapheur.html"
    page_title = gettext_lazy("Lire les clés du parapheur")

    def dispatch(self, request, *args, **kwargs):
        require_syndicate(request)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        added = register.read_parapheur_keys(imported_by=request.user.get_username())
        check_certificates(added)  # in one batch: each CRL fetched once
        messages.success(request, _("%(n)d certificat(s) du parapheur ajouté(s) au registre.")
                         % {"n": len(added)})
        return redirect("certificates:index")


def check(request, pk: int) -> HttpResponse:
    require_syndicate(request)
    certificate = visible_certificate(request, pk)
    if request.method == "POST":
        done = check_certificate(certificate)
        messages.success(request, _("Certificat vérifié : %(status)s.")
                         % {"status": done.get_status_display()})
    return redirect("certificates:certificate", certificate.pk)


def archive(request, pk: int) -> HttpResponse:
    require_syndicate(request)
    certificate = visible_certificate(request, pk)
    if request.method == "POST":
        certificate.archived = request.POST.get("archived") != "0"
        certificate.save(update_fields=["archived"])
        messages.success(request, _("Certificat archivé.") if certificate.archived
                         else _("Certificat désarchivé."))
    return redirect("certificates:certificate", certificate.pk)


def renewal(request, pk: int) -> HttpResponse:
    certificate = visible_certificate(request, pk)
    response = HttpResponse(renewal_request.renewal_request(certificate),
                            content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{renewal_request.filename(certificate)}"')
    return response
