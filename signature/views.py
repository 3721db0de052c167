"""The parapheur's pages under /parapheur/: folders waiting for me, a folder, submit a folder,
verify a PDF. Every page that touches a folder checks that the user (the registry person whose
uid is the username) sits in the folder's member: another member's folder is a 404.

The member's staff (a seat whose roles are not elected ones: secrétaire de mairie, DGS, agent)
also edit the member's circuits and delegations under /parapheur/collectivites/<code>/: a
member the user does not sit in, or another member's circuit or delegation, is a 404; an
elected person of the member gets a 403.

Circuits are never deleted, only deactivated. A circuit's steps are read live by the folders on
it (`Folder.circuit`, steps by position), and a circuit is unique per (member, type, subtype)
whether active or not, so a second version cannot sit beside it: while folders are in progress
on a circuit its steps cannot change (the workflow's own rule in `define_circuit`); its name,
type and subtype can, and it can be deactivated so that no new folder takes it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from provisioning.catalogue import ROLES
from provisioning.models import RegistryMember, RegistryPerson, RegistrySeat

from . import audit, workflow
from .errors import SignatureError
from .forms import (
    ActionForm,
    ActorChoices,
    BatchForm,
    CircuitForm,
    DelegationForm,
    StepFormSet,
    SubmitForm,
    VerifyForm,
    actor_key,
    group_labels,
)
from .models import Circuit, Decision, Delegation, Document, Folder, StepActor
from .pki.keys import configured_trust_roots
from .report import bordereau
from .verify import all_ok, verify_pdf

logger = logging.getLogger(__name__)
MAX_UPLOAD = 50 * 1024 * 1024


def _person(request: HttpRequest) -> RegistryPerson:
    person = workflow.person_for(request.user)
    if person is None:
        raise PermissionDenied("Votre compte n'est rattaché à aucune personne de l'annuaire.")
    return person


def _folder(request: HttpRequest, pk: int) -> tuple[RegistryPerson, Folder]:
    person = _person(request)
    folder = (Folder.objects.select_related("member", "circuit", "submitter")
              .filter(pk=pk, member__in=workflow.members_of(person)).first())
    if folder is None:
        raise Http404("Dossier introuvable.")
    return person, folder


@sensitive_post_parameters("passphrase")
@login_required
def index(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    waiting = workflow.waiting_for(person)
    form = BatchForm(folders=waiting)
    if request.method == "POST":
        form = BatchForm(request.POST, folders=waiting)
        if form.is_valid():
            chosen = [f for f in waiting if f.pk in form.cleaned_data["folders"]]
            try:
                results = workflow.act_batch(person, chosen, form.cleaned_data["action"],
                                             form.cleaned_data["passphrase"])
            except SignatureError as exc:
                messages.error(request, str(exc))
            else:
                for r in results:
                    level = messages.SUCCESS if r.ok else messages.ERROR
                    messages.add_message(request, level, f"{r.folder.reference} : {r.message}")
                return redirect("signature:index")
    submitted = workflow.submitted_by(person)[:50]
    return render(request, "signature/index.html",
                  {"person": person, "waiting": waiting, "form": form, "submitted": submitted,
                   "managed": _managed_members(person)})


@sensitive_post_parameters("passphrase")
@login_required
@require_http_methods(["GET", "POST"])
def folder_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person, folder = _folder(request, pk)
    capacities = workflow.capacities(folder, person)
    form = ActionForm(capacities=capacities, person=person)
    if request.method == "POST":
        if request.POST.get("action") == "resubmit":
            try:
                workflow.resubmit(folder, person)
            except SignatureError as exc:
                raise PermissionDenied(str(exc)) from None
            messages.success(request, "Le dossier repart dans son circuit.")
            return redirect("signature:folder", pk=folder.pk)
        if not capacities:
            raise PermissionDenied("Ce dossier n'attend pas d'action de votre part.")
        form = ActionForm(request.POST, capacities=capacities, person=person)
        if form.is_valid():
            data = form.cleaned_data
            principal = next((p for p in capacities if p.uid == data["on_behalf"]), None)
            try:
                if data["action"] == "approve":
                    workflow.approve(folder, person, principal)
                elif data["action"] == "sign":
                    workflow.sign(folder, person, data["passphrase"], principal)
                else:
                    workflow.reject(folder, person, data["reason"], principal)
            except SignatureError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, dict(ActionForm.ACTIONS)[data["action"]] + " : fait.")
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
        "steps": steps, "documents": folder.documents.all(),
        "rejections": folder.decisions.filter(outcome=Decision.REJECTED)
        .select_related("actor")})


@login_required
def document(request: HttpRequest, pk: int, doc: int) -> HttpResponse:
    _, folder = _folder(request, pk)
    item = Document.objects.filter(pk=doc, folder=folder).first()
    if item is None:
        raise Http404("Document introuvable.")
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.name,
                        content_type="application/pdf")


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
    person = _person(request)
    members = workflow.members_of(person)
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
                messages.success(request, f"Dossier {folder.reference} déposé.")
                return redirect("signature:folder", pk=folder.pk)
    return render(request, "signature/submit.html", {"form": form, "person": person})


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    _person(request)
    form, reports, verdict = VerifyForm(), None, None
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_UPLOAD:
                form.add_error("file", "Le fichier dépasse 50 Mo.")
            else:
                try:
                    reports = verify_pdf(upload.read(), configured_trust_roots())
                    verdict = all_ok(reports)
                except SignatureError as exc:
                    form.add_error("file", str(exc))
    return render(request, "signature/verify.html",
                  {"form": form, "reports": reports, "verdict": verdict})


# Circuits and delegations, edited by the member's staff.

PAGE_SIZE = 25
STEPS_PREFIX = "etapes"
FOLDER_TYPES = ("Délibération", "Arrêté", "Bon de commande", "Convocation")


def _is_staff_seat(seat: RegistrySeat) -> bool:
    """Staff, as the naming groups say (`<code>-staff`): a seat with no elected role."""
    return not any(ROLES.get(role, {}).get("elected") for role in seat.roles)


def _staff_seats(person: RegistryPerson):
    return (RegistrySeat.objects.filter(person=person, active=True, member__active=True)
            .select_related("member").order_by("member__name"))


def _managed_members(person: RegistryPerson) -> list[RegistryMember]:
    return [seat.member for seat in _staff_seats(person) if _is_staff_seat(seat)]


def _staff_member(request: HttpRequest, code: str) -> tuple[RegistryPerson, RegistryMember]:
    """The user and the member whose circuits and delegations they edit: a member they do not
    sit in does not exist for them (404); its elected people may not edit them (403)."""
    person = _person(request)
    seat = _staff_seats(person).filter(member__code=code).first()
    if seat is None:
        raise Http404("Collectivité introuvable.")
    if not _is_staff_seat(seat):
        raise PermissionDenied(_("Seuls les agents de la collectivité gèrent ses circuits et "
                                 "ses délégations."))
    return person, seat.member


def _member_circuit(member: RegistryMember, pk: int) -> Circuit:
    circuit = Circuit.objects.filter(member=member, pk=pk).first()
    if circuit is None:
        raise Http404("Circuit introuvable.")
    return circuit


def _actor_label(actor: StepActor, labels: dict[str, str]) -> str:
    if actor.person_id:
        return f"{actor.person.given_name} {actor.person.surname}"
    return _("groupe %(label)s") % {"label": labels.get(actor.group, actor.group)}


def _step_keys(circuit: Circuit) -> list[tuple]:
    return [(s.kind, s.mode, s.label, frozenset(actor_key(a) for a in s.actors.all()))
            for s in circuit.steps.prefetch_related("actors__person")]


def _spec_keys(specs: list[workflow.StepSpec]) -> list[tuple]:
    return [(s.kind, s.mode, s.label, frozenset(actor_key(a) for a in s.actors)) for s in specs]


def _in_progress(circuit: Circuit | None) -> int:
    if circuit is None:
        return 0
    return circuit.folders.filter(status=Folder.IN_PROGRESS).count()


@login_required
def circuits(request: HttpRequest, code: str) -> HttpResponse:
    person, member = _staff_member(request, code)
    actors = Prefetch("steps__actors", queryset=StepActor.objects.select_related("person")
                      .order_by("pk"))
    found = (Circuit.objects.filter(member=member)
             .annotate(in_progress=Count("folders",
                                         filter=Q(folders__status=Folder.IN_PROGRESS)))
             .prefetch_related("steps", actors)
             .order_by("-active", "folder_type", "folder_subtype", "pk"))
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = group_labels(member)
    rows = [{"circuit": c, "steps": [{"step": s, "actors": [_actor_label(a, labels)
                                                            for a in s.actors.all()]}
                                     for s in c.steps.all()]}
            for c in page]
    return render(request, "signature/circuits.html",
                  {"person": person, "member": member, "page": page, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def circuit_new(request: HttpRequest, code: str) -> HttpResponse:
    person, member = _staff_member(request, code)
    return _circuit_page(request, person, member, None)


@login_required
@require_http_methods(["GET", "POST"])
def circuit_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    person, member = _staff_member(request, code)
    return _circuit_page(request, person, member, _member_circuit(member, pk))


def _circuit_page(request: HttpRequest, person: RegistryPerson, member: RegistryMember,
                  circuit: Circuit | None) -> HttpResponse:
    """Create or edit a circuit: its name, type and subtype, and a formset of steps. "Ajouter
    une étape" shows the same page again with one more (blank) step; nothing is saved."""
    actors = ActorChoices.of(member, circuit)
    kwargs = {"prefix": STEPS_PREFIX, "form_kwargs": {"actors": actors}}
    status = 200
    if request.method == "POST" and "add_step" in request.POST:
        typed = StepFormSet(request.POST, **kwargs)
        form = CircuitForm(member=member, circuit=circuit,
                           initial={name: request.POST.get(name, "")
                                    for name in CircuitForm.base_fields})
        steps = StepFormSet(initial=typed.raw_rows(), extra=1, **kwargs)
    elif request.method == "POST":
        form = CircuitForm(request.POST, member=member, circuit=circuit)
        steps = StepFormSet(request.POST, **kwargs)
        saved = _save_circuit(person, member, circuit, form, steps, actors)
        if saved is not None:
            messages.success(request, _("Circuit « %(name)s » enregistré.")
                             % {"name": saved.name})
            return redirect("signature:circuits", code=member.code)
        status = 400
    elif circuit is None:
        form = CircuitForm(member=member)
        steps = StepFormSet(extra=2, **kwargs)
    else:
        form = CircuitForm(member=member, circuit=circuit,
                           initial={"name": circuit.name, "folder_type": circuit.folder_type,
                                    "folder_subtype": circuit.folder_subtype})
        steps = StepFormSet(initial=[
            {"kind": s.kind, "mode": s.mode, "label": s.label,
             "actors": [actor_key(a) for a in s.actors.all()]}
            for s in circuit.steps.prefetch_related("actors__person")], **kwargs)
    types = set(Circuit.objects.filter(member=member).values_list("folder_type", flat=True))
    return render(request, "signature/circuit_form.html", {
        "person": person, "member": member, "circuit": circuit, "form": form, "steps": steps,
        "in_progress": _in_progress(circuit), "folder_types": sorted(types | set(FOLDER_TYPES))},
        status=status)


def _save_circuit(person: RegistryPerson, member: RegistryMember, circuit: Circuit | None,
                  form: CircuitForm, steps, actors: ActorChoices) -> Circuit | None:
    """Save a valid form, or add the reason it is refused to it and return None."""
    if not (form.is_valid() and steps.is_valid()):
        return None
    data = form.cleaned_data
    name, folder_type, subtype = data["name"], data["folder_type"], data["folder_subtype"]
    specs = steps.specs(actors)
    try:
        with transaction.atomic():
            if circuit is None:
                circuit = workflow.define_circuit(member, name, folder_type, specs, subtype)
                action = "circuit_created"
            else:
                circuit = Circuit.objects.select_for_update().get(pk=circuit.pk)
                changed = _spec_keys(specs) != _step_keys(circuit)
                running = _in_progress(circuit)
                if changed and running:
                    form.add_error(None, ngettext(
                        "Étapes : %(n)d dossier suit ce circuit en ce moment ; ses étapes ne "
                        "peuvent pas changer avant qu'il soit terminé ou rejeté. Vous pouvez "
                        "changer le nom, le type ou le sous-type, ou désactiver le circuit.",
                        "Étapes : %(n)d dossiers suivent ce circuit en ce moment ; ses étapes "
                        "ne peuvent pas changer avant qu'ils soient terminés ou rejetés. Vous "
                        "pouvez changer le nom, le type ou le sous-type, ou désactiver le "
                        "circuit.", running) % {"n": running})
                    return None
                active = circuit.active
                circuit.name, circuit.folder_type, circuit.folder_subtype = (
                    name, folder_type, subtype)
                circuit.save(update_fields=["name", "folder_type", "folder_subtype"])
                if changed:  # the same row: define_circuit finds it by its (new) type
                    circuit = workflow.define_circuit(member, name, folder_type, specs,
                                                      subtype)
                    if not active:
                        circuit.active = False
                        circuit.save(update_fields=["active"])
                action = "circuit_changed"
            audit.record(member, action, person.uid, None, circuit=circuit.pk, name=name,
                         type=folder_type, subtype=subtype,
                         steps=[{"kind": s.kind, "mode": s.mode, "label": s.label,
                                 "actors": sorted(actor_key(a) for a in s.actors)}
                                for s in specs])
    except IntegrityError:
        form.add_error("folder_type", _(
            "Type de dossier : un autre circuit vient d'être enregistré pour ce type et ce "
            "sous-type ; rechargez la liste des circuits."))
        return None
    except SignatureError as exc:
        form.add_error(None, _("Le circuit n'est pas enregistré : %(reason)s.")
                       % {"reason": exc})
        return None
    return circuit


@login_required
@require_POST
def circuit_activation(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Deactivate a circuit (no new folder takes it; folders on it finish it) or reactivate it.
    Circuits are never deleted."""
    person, member = _staff_member(request, code)
    active = request.POST.get("active") == "1"
    with transaction.atomic():
        circuit = Circuit.objects.select_for_update().filter(member=member, pk=pk).first()
        if circuit is None:
            raise Http404("Circuit introuvable.")
        if circuit.active != active:
            circuit.active = active
            circuit.save(update_fields=["active"])
            audit.record(member, "circuit_activated" if active else "circuit_deactivated",
                         person.uid, None, circuit=circuit.pk, name=circuit.name)
    if active:
        messages.success(request, _("Le circuit « %(name)s » est actif : les nouveaux dossiers "
                                    "de son type le suivent.") % {"name": circuit.name})
    else:
        messages.success(request, _(
            "Le circuit « %(name)s » est désactivé : aucun nouveau dossier ne le suit ; les "
            "dossiers en cours le terminent.") % {"name": circuit.name})
    return redirect("signature:circuits", code=member.code)


def _delegation_state(delegation: Delegation, today) -> str:
    if delegation.end < today:
        return _("terminée")
    if delegation.start > today:
        return _("à venir")
    return _("en cours")


@login_required
@require_http_methods(["GET", "POST"])
def delegations(request: HttpRequest, code: str) -> HttpResponse:
    person, member = _staff_member(request, code)
    today = timezone.localdate()
    status = 200
    if request.method == "POST":
        form = DelegationForm(request.POST, member=member)
        if form.is_valid():
            data = form.cleaned_data
            try:
                workflow.delegate(member, data["delegator"], data["delegate"], data["start"],
                                  data["end"])
            except SignatureError as exc:
                form.add_error(None, _("La délégation n'est pas enregistrée : %(reason)s.")
                               % {"reason": exc})
            else:
                messages.success(request, _(
                    "%(delegate)s agira pour %(delegator)s du %(start)s au %(end)s.") % {
                    "delegate": data["delegate"], "delegator": data["delegator"],
                    "start": data["start"].strftime("%d/%m/%Y"),
                    "end": data["end"].strftime("%d/%m/%Y")})
                return redirect("signature:delegations", code=member.code)
        status = 400
    else:
        form = DelegationForm(member=member, initial={"start": today})
    found = (Delegation.objects.filter(member=member).select_related("delegator", "delegate")
             .order_by("-end", "-start", "-pk"))
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"delegation": d, "state": _delegation_state(d, today), "over": d.end < today}
            for d in page]
    return render(request, "signature/delegations.html",
                  {"person": person, "member": member, "form": form, "page": page,
                   "rows": rows}, status=status)


@login_required
@require_POST
def delegation_end(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """End a delegation now: it stops applying today. It is kept (never deleted): its last day
    becomes yesterday; one that had not begun yet is reduced to yesterday alone. The journal
    keeps the period it had."""
    person, member = _staff_member(request, code)
    yesterday = timezone.localdate() - timedelta(days=1)
    with transaction.atomic():
        delegation = (Delegation.objects.select_for_update()
                      .filter(member=member, pk=pk).first())
        if delegation is None:
            raise Http404("Délégation introuvable.")
        if delegation.end <= yesterday:
            messages.info(request, _("Cette délégation était déjà terminée."))
            return redirect("signature:delegations", code=member.code)
        start, end = delegation.start, delegation.end
        delegation.end = yesterday
        delegation.start = min(delegation.start, yesterday)
        delegation.save(update_fields=["start", "end"])
        delegator, delegate = delegation.delegator, delegation.delegate
        audit.record(member, "delegation_ended", person.uid, None, delegator=delegator.uid,
                     delegate=delegate.uid, start=start.isoformat(), end=end.isoformat(),
                     last_day=yesterday.isoformat())
    messages.success(request, _("La délégation de %(delegator)s à %(delegate)s a pris fin.")
                     % {"delegator": delegator, "delegate": delegate})
    return redirect("signature:delegations", code=member.code)
