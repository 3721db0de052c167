"""The parapheur's staff pages in the Wagtail admin (/admin/parapheur/, namespace `signature`):
the member's folders (a generic index view with filters, sorting and pagination), a folder with
its documents, steps and journal, depositing a folder, verifying a signed PDF. Circuits,
delegations and credentials are in staff_views.py and credential_views.py.

Every page acts for the members `access.staff_members_here` gives: the host's member, when it
subscribes and the user is its staff (on the syndicate's host, every subscribing member for a
superuser). Another member's folder is a 404.
"""

from __future__ import annotations

import functools

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.widgets.button import Button, HeaderButton

from provisioning import people

from . import workflow
from .access import manages_credentials, person_of, staff_members_here
from .errors import SignatureError
from .forms import SubmitForm, VerifyForm
from .models import AuditEntry, Circuit, Folder
from .pki.keys import configured_trust_roots
from .policies import folder_policy
from .verify import all_ok, verify_pdf
from .views import audit_response, document_response, folder_page, report_response

HOME = {"url": reverse_lazy("wagtailadmin_home"), "label": gettext_lazy("Tableau de bord")}
PARAPHEUR = {"url": reverse_lazy("signature:index"), "label": gettext_lazy("Parapheur")}


REFUSED = gettext_lazy("Le parapheur de cette collectivité n'est ouvert qu'à ses agents, et "
                       "seulement si elle y est abonnée.")


def members_here(request: HttpRequest):
    """The members the user works for here; a 403 for a user who works for none of them."""
    members = staff_members_here(request)
    if not members:
        raise PermissionDenied(REFUSED)
    return members


def admin_page(request: HttpRequest, template: str, title: str, context: dict, *,
               buttons=(), status: int = 200) -> TemplateResponse:
    """A page in the admin's frame: breadcrumbs Parapheur > title, header buttons."""
    breadcrumbs = [HOME, PARAPHEUR] if title else [HOME]
    breadcrumbs = breadcrumbs + [{"url": "", "label": title or _("Parapheur")}]
    return TemplateResponse(request, template, {
        "header_title": title, "page_title": title, "breadcrumbs_items": breadcrumbs,
        "header_buttons": list(buttons), **context}, status=status)


def explained(view):
    """Wagtail answers a PermissionDenied in its admin with a redirect to the dashboard and a
    sentence of its own; the parapheur's refusals say why, with a 403 (a refusal of the
    permission policy, which gives no reason, is the parapheur's usual one)."""
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return admin_page(request, "signature/admin/refused.html", _("Accès refusé"),
                              {"reason": str(exc) or str(REFUSED)}, status=403)
    return wrapped


# ------------------------------------------------------------------ the folders' listing

def _type_choices(members) -> list[tuple[str, str]]:
    types = (Folder.objects.filter(member__in=members).values_list("folder_type", flat=True)
             .distinct().order_by("folder_type"))
    return [(t, t) for t in types]


class FolderFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(label=gettext_lazy("État"), choices=Folder.STATUSES,
                                         empty_label=gettext_lazy("Tous"))
    folder_type = django_filters.ChoiceFilter(label=gettext_lazy("Type de dossier"),
                                              empty_label=gettext_lazy("Tous"))
    circuit = django_filters.ModelChoiceFilter(label=gettext_lazy("Circuit"),
                                               queryset=Circuit.objects.none())
    created_at = django_filters.DateFromToRangeFilter(label=gettext_lazy("Déposé entre"),
                                                      widget=DateRangePickerWidget)

    class Meta:
        model = Folder
        fields = ["status", "folder_type", "circuit", "created_at"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        members = staff_members_here(request) if request is not None else []
        self.filters["folder_type"].extra["choices"] = _type_choices(members)
        self.filters["circuit"].queryset = (Circuit.objects.filter(member__in=members)
                                            .order_by("name", "-pk"))


# The journal's actions, as the staff read them (an unknown one shows its code).
JOURNAL_ACTIONS = {
    "submitted": gettext_lazy("dossier déposé"), "resubmitted": gettext_lazy("dossier redéposé"),
    "approved": gettext_lazy("visé"), "signed": gettext_lazy("signé"),
    "sealed": gettext_lazy("cacheté"), "rejected": gettext_lazy("rejeté"),
    "document_signed": gettext_lazy("document signé"), "blocked": gettext_lazy("en attente"),
    "completed": gettext_lazy("circuit terminé"),
    "published": gettext_lazy("déposé dans Nextcloud"),
    "publication_failed": gettext_lazy("dépôt dans Nextcloud échoué"),
    "archive_timestamp_renewed": gettext_lazy("horodatage d'archive renouvelé"),
}

STATUS_TAGS = {Folder.IN_PROGRESS: True, Folder.REJECTED: False, Folder.DONE: False}


class FolderIndexView(IndexView):
    model = Folder
    page_title = gettext_lazy("Parapheur : dossiers")
    header_icon = "doc-full-inverse"
    index_url_name = "signature:index"
    index_results_url_name = "signature:index_results"
    filterset_class = FolderFilterSet
    default_ordering = "-created_at"
    paginate_by = 25
    is_searchable = True
    search_fields = ["title", "folder_type"]
    search_backend_name = None  # the ORM: a folder is not in Wagtail's search index
    show_other_searches = True  # the admin's search lands here too (wagtail_hooks)
    breadcrumbs_items = [HOME]
    verbose_name = gettext_lazy("dossier")
    verbose_name_plural = gettext_lazy("dossiers")
    permission_policy = folder_policy  # bound to the request in setup()
    permission_required = "view"
    any_permission_required = None

    def setup(self, request, *args, **kwargs):
        self.permission_policy = folder_policy.for_request(request)
        self.members = self.permission_policy.members
        super().setup(request, *args, **kwargs)

    def get_base_queryset(self):
        return (self.permission_policy.instances_user_has_permission_for(self.request.user, "view")
                .select_related("member", "circuit", "submitter"))

    @property
    def columns(self):
        columns = [
            TitleColumn("reference", label=_("Référence"), sort_key="pk",
                        get_url=lambda f: reverse("signature:folder", args=[f.pk])),
            Column("title", label=_("Objet"), sort_key="title"),
            Column("folder_type", label=_("Type"), sort_key="folder_type"),
            Column("circuit", label=_("Circuit"), accessor="circuit.name"),
            Column("submitter", label=_("Déposé par"),
                   accessor=lambda f: f"{f.submitter.given_name} {f.submitter.surname}"),
            StatusTagColumn("status", label=_("État"), accessor="status_label",
                            primary=lambda f: STATUS_TAGS.get(f.status, False),
                            sort_key="status"),
            DateColumn("created_at", label=_("Déposé le"), sort_key="created_at"),
        ]
        if len(self.members) > 1:
            columns.insert(1, Column("member", label=_("Collectivité"), accessor="member.name"))
        return columns

    @property
    def header_buttons(self):
        return [HeaderButton(_("Déposer un dossier"), url=reverse("signature:submit"),
                             icon_name="plus", classname="button-primary")]

    @property
    def header_more_buttons(self):
        """The member pages: circuits, delegations, and credentials for its DGS and the
        syndicate; verifying a signed PDF."""
        person = people.person_for(self.request.user)
        dgs_of = {m.pk for m in manages_credentials(person)}
        several = len(self.members) > 1
        buttons, priority = [], 10
        for member in self.members:
            suffix = f" — {member.name}" if several else ""
            links = [(_("Circuits"), "signature:circuits", "list-ul"),
                     (_("Délégations"), "signature:delegations", "user")]
            if self.request.user.is_superuser or member.pk in dgs_of:
                links.append((_("Certificats des élus"), "signature:credentials", "key"))
            for label, name, icon in links:
                buttons.append(Button(label + suffix, url=reverse(name, args=[member.code]),
                                      icon_name=icon, priority=priority))
                priority += 10
        buttons.append(Button(_("Vérifier un PDF signé"), url=reverse("signature:verify"),
                              icon_name="success", priority=priority))
        return buttons


# ------------------------------------------------------------------ a folder

def staff_folder(request: HttpRequest, pk: int) -> Folder:
    """One of the folders of the members the user works for here; any other is a 404."""
    policy = folder_policy.for_request(request)
    folder = (policy.instances_user_has_permission_for(request.user, "change")
              .select_related("member", "circuit", "submitter").filter(pk=pk).first())
    if folder is None:
        raise Http404("Dossier introuvable.")
    return folder


@sensitive_post_parameters("passphrase")
@require_http_methods(["GET", "POST"])
def folder(request: HttpRequest, pk: int) -> HttpResponse:
    item = staff_folder(request, pk)
    person = people.person_for(request.user)
    answer, context = folder_page(request, item, person, True, "signature:folder")
    if answer is not None:
        return answer
    context["journal"] = [
        {"entry": e, "action": JOURNAL_ACTIONS.get(e.action, e.action)}
        for e in AuditEntry.objects.filter(member=item.member, folder=item).order_by("seq")]
    buttons = [
        HeaderButton(_("Bordereau (PDF)"), url=reverse("signature:report", args=[item.pk]),
                     icon_name="doc-full"),
        HeaderButton(_("Journal (CSV)"), url=reverse("signature:audit", args=[item.pk, "csv"]),
                     icon_name="download"),
        HeaderButton(_("Journal (JSON)"),
                     url=reverse("signature:audit", args=[item.pk, "json"]),
                     icon_name="download"),
    ]
    title = _("Dossier %(ref)s") % {"ref": item.reference}
    return admin_page(request, "signature/admin/folder.html", title, context, buttons=buttons)


def document(request: HttpRequest, pk: int, doc: int) -> HttpResponse:
    return document_response(request, staff_folder(request, pk), doc)


def report(request: HttpRequest, pk: int) -> HttpResponse:
    return report_response(staff_folder(request, pk))


def folder_audit(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    return audit_response(staff_folder(request, pk), fmt)


# ------------------------------------------------------------------ deposit, verify

@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    members = members_here(request)
    person = person_of(request)
    queryset = people.members().filter(pk__in=[m.pk for m in members])
    form = SubmitForm(members=queryset, initial={"member": members[0]} if members else None)
    if request.method == "POST":
        form = SubmitForm(request.POST, request.FILES, members=queryset)
    if len(members) == 1:  # the host's member: nothing to choose
        form.fields["member"].widget = forms.HiddenInput()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        files = [(f.name, f.read()) for f in data["documents"]]
        annexes = [(f.name, f.read()) for f in data["annexes"]]
        try:
            item = workflow.submit(person, data["member"], data["title"], data["folder_type"],
                                   files, annexes, data["folder_subtype"])
        except SignatureError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Dossier %(ref)s déposé.") % {"ref": item.reference})
            return redirect("signature:folder", pk=item.pk)
    status = 400 if request.method == "POST" else 200
    return admin_page(request, "signature/admin/submit.html", _("Déposer un dossier"),
                      {"form": form, "members": members}, status=status)


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    members_here(request)
    form, reports, verdict = VerifyForm(), None, None
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]  # its size checked by the field
            try:
                reports = verify_pdf(upload.read(), configured_trust_roots())
                verdict = all_ok(reports)
            except SignatureError as exc:
                form.add_error("file", str(exc))
    return admin_page(request, "signature/admin/verify.html", _("Vérifier un PDF signé"),
                      {"form": form, "reports": reports, "verdict": verdict})
