"""The signers' pages of the parapheur, in the officials' space (/espace-elus/parapheur/,
namespace `parapheur`): folders waiting for me, a folder, its documents. Every page that
touches a folder checks that the user (the registry person whose uid is the username) sits in
the folder's member: another member's folder is a 404.

The member's staff work in the Wagtail admin (admin_views.py, staff_views.py); the helpers
that answer a decision, a document, the bordereau and the journal are shared with it.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from mutualis.private_files import serve_private
from provisioning.models import RegistryPerson

from . import audit, extensions, workflow
from .access import managed_members, manages_credentials, person_of
from .errors import SignatureError
from .forms import (
    ActionForm,
    BatchForm,
)
from .models import SIGNATURE, Decision, Document, Folder
from .report import bordereau

logger = logging.getLogger(__name__)
DONE = {"approve": _("Dossier visé."), "sign": _("Dossier signé."),
        "reject": _("Dossier rejeté : il revient à la personne qui l'a déposé.")}


def _folder(request: HttpRequest, pk: int) -> tuple[RegistryPerson, Folder]:
    person = person_of(request)
    folder = (Folder.objects.select_related("member", "circuit", "submitter")
              .filter(pk=pk, member__in=workflow.parapheur_members(person)).first())
    if folder is None:
        raise Http404("Dossier introuvable.")
    return person, folder


@sensitive_post_parameters("passphrase")
@login_required
def index(request: HttpRequest) -> HttpResponse:
    if request.user.is_superuser and workflow.person_for(request.user) is None:
        return redirect("signature:index")  # the syndicate works in the admin
    person = person_of(request)
    waiting = workflow.waiting_for(person)
    key = workflow.active_key(person)
    form = BatchForm(folders=waiting, key=key)
    if request.method == "POST":
        form = BatchForm(request.POST, folders=waiting, key=key)
        if form.is_valid():
            chosen = [f for f in waiting if f.pk in form.cleaned_data["folders"]]
            try:
                results = workflow.act_batch(person, chosen, form.cleaned_data["action"],
                                             form.cleaned_data.get("passphrase", ""))
            except SignatureError as exc:
                messages.error(request, str(exc))
            else:
                for r in results:
                    level = messages.SUCCESS if r.ok else messages.ERROR
                    messages.add_message(request, level, r.message)
                return redirect("parapheur:index")
    submitted = workflow.submitted_by(person)[:50]
    return render(request, "signature/index.html",
                  {"person": person, "waiting": waiting, "form": form, "submitted": submitted,
                   "staff": bool(managed_members(person) or manages_credentials(person)),
                   "key": key})


@sensitive_post_parameters("passphrase")
@login_required
@require_http_methods(["GET", "POST"])
def folder_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person, folder = _folder(request, pk)
    staff = folder.member in managed_members(person)
    answer, context = folder_page(request, folder, person, staff, "parapheur:folder")
    if answer is not None:
        return answer
    return render(request, "signature/folder.html", context)


def folder_page(request: HttpRequest, folder: Folder, person: RegistryPerson | None,
                staff: bool, folder_url: str) -> tuple[HttpResponse | None, dict]:
    """A folder's page, for its signers and for the member's staff: a POST (a decision,
    resubmitting, publishing again) answers with a redirect to `folder_url`; else the
    context of the page."""
    capacities = workflow.capacities(folder, person) if person is not None else []
    key = workflow.active_key(person) if person is not None else None
    form = ActionForm(capacities=capacities, person=person, key=key)
    if request.method == "POST":
        if request.POST.get("action") == "publish":
            return _publish_again(request, folder, staff, folder_url), {}
        if request.POST.get("action") == "resubmit":
            try:
                workflow.resubmit(folder, person)
            except SignatureError as exc:
                raise PermissionDenied(str(exc)) from None
            messages.success(request, _("Le dossier repart dans son circuit."))
            return redirect(folder_url, pk=folder.pk), {}
        if not capacities:
            raise PermissionDenied("Ce dossier n'attend pas d'action de votre part.")
        form = ActionForm(request.POST, capacities=capacities, person=person, key=key)
        if form.is_valid():
            data = form.cleaned_data
            principal = next((p for p in capacities if p.uid == data["on_behalf"]), None)
            try:
                if data["action"] == "approve":
                    workflow.approve(folder, person, principal)
                elif data["action"] == "sign":
                    workflow.sign(folder, person, data.get("passphrase", ""), principal)
                else:
                    workflow.reject(folder, person, data["reason"], principal)
            except SignatureError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, DONE[data["action"]])
                return redirect(folder_url, pk=folder.pk), {}
    steps = []
    decisions = list(folder.decisions.filter(round=folder.round)
                     .select_related("actor", "principal"))
    for step in folder.circuit.steps.prefetch_related("actors__person"):
        steps.append({"step": step, "decisions": [d for d in decisions
                                                  if d.position == step.position],
                      "current": folder.status == Folder.IN_PROGRESS
                      and step.position == folder.position,
                      "done": folder.status == Folder.DONE or step.position < folder.position})
    return None, {
        "folder": folder, "person": person, "form": form, "capacities": capacities,
        "key": key, "staff": staff, "signing": _waits_signature(folder, capacities),
        "steps": steps, "documents": folder.documents.all(),
        "panels": extensions.panels(folder),
        "rejections": folder.decisions.filter(outcome=Decision.REJECTED)
        .select_related("actor")}


def _waits_signature(folder: Folder, capacities) -> bool:
    step = workflow.current_step(folder) if capacities else None
    return step is not None and step.kind == SIGNATURE


def _publish_again(request: HttpRequest, folder: Folder, staff: bool,
                   folder_url: str) -> HttpResponse:
    """The member's staff retry a failed publication to Nextcloud."""
    if not staff:
        raise PermissionDenied(_("Seuls les agents de la collectivité relancent le dépôt dans "
                                 "Nextcloud."))
    if folder.unpublished:
        from .nextcloud import publish_folder

        if publish_folder(folder):
            messages.success(request, _("Le dossier est déposé dans Nextcloud."))
        else:
            messages.error(request, folder.publication_error)
    return redirect(folder_url, pk=folder.pk)


@login_required
def document(request: HttpRequest, pk: int, doc: int) -> HttpResponse:
    _, folder = _folder(request, pk)
    return document_response(request, folder, doc)


@login_required
def report(request: HttpRequest, pk: int) -> HttpResponse:
    _, folder = _folder(request, pk)
    return report_response(folder)


@login_required
def folder_audit(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    _, folder = _folder(request, pk)
    return audit_response(folder, fmt)


def document_response(request: HttpRequest, folder: Folder, doc: int) -> HttpResponse:
    item = Document.objects.filter(pk=doc, folder=folder).first()
    if item is None:
        raise Http404("Document introuvable.")
    # Annexes of any accepted type go as attachments typed by their bytes, never inline.
    return serve_private(request, item.file, item.name)


def report_response(folder: Folder) -> HttpResponse:
    response = HttpResponse(bordereau(folder), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        False, f"bordereau-{folder.reference}.pdf")
    return response


def audit_response(folder: Folder, fmt: str) -> HttpResponse:
    if fmt not in ("json", "csv"):
        raise Http404("Format inconnu.")
    if fmt == "csv":
        response = HttpResponse(audit.export_csv(folder.member, folder),
                                content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(audit.export_json(folder.member, folder),
                                content_type="application/json")
    response["Content-Disposition"] = content_disposition_header(
        True, f"journal-{folder.reference}.{fmt}")
    return response
