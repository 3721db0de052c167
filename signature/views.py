"""The parapheur's pages under /parapheur/: folders waiting for me, a folder, submit a folder,
verify a PDF. Every page that touches a folder checks that the user (the registry person whose
uid is the username) sits in the folder's member: another member's folder is a 404.

The member's staff also edit its circuits and delegations: see staff_views.py.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from mutualis.private_files import serve_private
from provisioning import people
from provisioning.models import RegistryPerson

from . import audit, workflow
from .access import managed_members, manages_credentials, person_of
from .errors import SignatureError
from .forms import (
    ActionForm,
    BatchForm,
    SubmitForm,
    VerifyForm,
)
from .models import SIGNATURE, Decision, Document, Folder
from .pki.keys import configured_trust_roots
from .report import bordereau
from .verify import all_ok, verify_pdf

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
        return _syndicate(request)
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
                return redirect("signature:index")
    submitted = workflow.submitted_by(person)[:50]
    return render(request, "signature/index.html",
                  {"person": person, "waiting": waiting, "form": form, "submitted": submitted,
                   "managed": managed_members(person), "key": key,
                   "credentials": manages_credentials(person)})


def _syndicate(request: HttpRequest) -> HttpResponse:
    """The syndicate's view of the parapheur: the members that subscribe to it."""
    members = workflow.subscribing(people.members()).order_by("name")
    page = Paginator(members, 50).get_page(request.GET.get("page"))
    return render(request, "signature/syndicate.html", {"person": None, "page": page})


@sensitive_post_parameters("passphrase")
@login_required
@require_http_methods(["GET", "POST"])
def folder_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person, folder = _folder(request, pk)
    capacities = workflow.capacities(folder, person)
    key = workflow.active_key(person)
    form = ActionForm(capacities=capacities, person=person, key=key)
    staff = folder.member in managed_members(person)
    if request.method == "POST":
        if request.POST.get("action") == "publish":
            return _publish_again(request, folder, staff)
        if request.POST.get("action") == "resubmit":
            try:
                workflow.resubmit(folder, person)
            except SignatureError as exc:
                raise PermissionDenied(str(exc)) from None
            messages.success(request, _("Le dossier repart dans son circuit."))
            return redirect("signature:folder", pk=folder.pk)
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
                return redirect("signature:folder", pk=folder.pk)
    steps = []
    decisions = list(folder.decisions.filter(round=folder.round)
                     .select_related("actor", "principal"))
    for step in folder.circuit.steps.prefetch_related("actors__person"):
        steps.append({"step": step, "decisions": [d for d in decisions
                                                  if d.position == step.position],
                      "current": folder.status == Folder.IN_PROGRESS
                      and step.position == folder.position,
                      "done": folder.status == Folder.DONE or step.position < folder.position})
    return render(request, "signature/folder.html", {
        "folder": folder, "person": person, "form": form, "capacities": capacities,
        "key": key, "staff": staff, "signing": _waits_signature(folder, capacities),
        "steps": steps, "documents": folder.documents.all(),
        "rejections": folder.decisions.filter(outcome=Decision.REJECTED)
        .select_related("actor")})


def _waits_signature(folder: Folder, capacities) -> bool:
    step = workflow.current_step(folder) if capacities else None
    return step is not None and step.kind == SIGNATURE


def _publish_again(request: HttpRequest, folder: Folder, staff: bool) -> HttpResponse:
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
    return redirect("signature:folder", pk=folder.pk)


@login_required
def document(request: HttpRequest, pk: int, doc: int) -> HttpResponse:
    _, folder = _folder(request, pk)
    item = Document.objects.filter(pk=doc, folder=folder).first()
    if item is None:
        raise Http404("Document introuvable.")
    # Annexes of any accepted type go as attachments typed by their bytes, never inline.
    return serve_private(request, item.file, item.name)


@login_required
def report(request: HttpRequest, pk: int) -> HttpResponse:
    _, folder = _folder(request, pk)
    response = HttpResponse(bordereau(folder), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        False, f"bordereau-{folder.reference}.pdf")
    return response


@login_required
def folder_audit(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    _, folder = _folder(request, pk)
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


@login_required
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    person = person_of(request)
    members = workflow.parapheur_members(person)
    form = SubmitForm(members=members)
    if request.method == "POST":
        form = SubmitForm(request.POST, request.FILES, members=members)
        if form.is_valid():
            data = form.cleaned_data
            files = [(f.name, f.read()) for f in data["documents"]]
            annexes = [(f.name, f.read()) for f in data["annexes"]]
            try:
                folder = workflow.submit(person, data["member"], data["title"],
                                         data["folder_type"], files, annexes,
                                         data["folder_subtype"])
            except SignatureError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Dossier %(ref)s déposé.")
                                 % {"ref": folder.reference})
                return redirect("signature:folder", pk=folder.pk)
    return render(request, "signature/submit.html", {"form": form, "person": person})


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    person_of(request)
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
    return render(request, "signature/verify.html",
                  {"form": form, "reports": reports, "verdict": verdict})
