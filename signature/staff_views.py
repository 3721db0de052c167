"""The parapheur's staff pages in the admin, /admin/parapheur/collectivites/<code>/: the member's
circuits and delegations, edited by the member's staff (a seat that holds a staff role:
secrétaire de mairie, DGS, agent; also an elected one or not, see `provisioning.access`). The
code must be the host's member's (`access.staff_member`): another code, or another member's
circuit or delegation, is a 404.

Circuits are never deleted, only deactivated, and versioned. A folder reads its circuit's
steps as it goes (`Folder.circuit`, steps by position) and its bordereau names them, so a
circuit that folders took (in progress, done or rejected) is never changed: saving a change
to it (steps, name, type or subtype) deactivates it, keeps it with its steps, marks it
`replaced_by` a new circuit that has the changes (active if the old one was), and the folders
on the old one follow it to the end, a rejected one resubmitted too; new folders take the new
one (`workflow.change_circuit`, one transaction). A circuit no folder ever took is changed in
place. Only one circuit per (member, type, subtype) is active (a partial unique constraint):
reactivating an old version while another circuit is active for its type and subtype is
refused with a sentence.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from wagtail.admin.widgets.button import HeaderButton

from provisioning.models import RegistryMember, RegistryPerson

from . import audit, workflow
from .access import person_of, staff_member
from .admin_views import admin_page
from .errors import SignatureError, as_clause
from .forms import (
    ActorChoices,
    CircuitForm,
    DelegationForm,
    StepFormSet,
    actor_key,
)
from .models import Circuit, Delegation, Folder

PAGE_SIZE = 25
STEPS_PREFIX = "etapes"
FOLDER_TYPES = ("Délibération", "Arrêté", "Bon de commande", "Convocation")


def _staff_member(request: HttpRequest, code: str) -> tuple[RegistryPerson, RegistryMember]:
    """The user and the member whose circuits and delegations they edit: only the host's
    member, whose staff they are (`access.staff_member`, a 404 otherwise)."""
    member = staff_member(request, code)
    return person_of(request), member


def _member_circuit(member: RegistryMember, pk: int) -> Circuit:
    circuit = Circuit.objects.filter(member=member, pk=pk).first()
    if circuit is None:
        raise Http404("Circuit introuvable.")
    return circuit


def _in_progress(circuit: Circuit | None) -> int:
    if circuit is None:
        return 0
    return circuit.folders.filter(status=Folder.IN_PROGRESS).count()


@require_http_methods(["GET", "POST"])
def circuit_new(request: HttpRequest, code: str) -> HttpResponse:
    person, member = _staff_member(request, code)
    return _circuit_page(request, person, member, None)


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
    if circuit is None:
        title = _("Créer un circuit — %(member)s") % {"member": member.name}
    else:
        title = _("Modifier le circuit « %(name)s » — %(member)s") % {
            "name": circuit.name, "member": member.name}
    return admin_page(request, "signature/admin/circuit_form.html", title, {
        "person": person, "member": member, "circuit": circuit, "form": form, "steps": steps,
        "in_progress": _in_progress(circuit),
        "used": circuit is not None and circuit.folders.exists(),
        "folder_types": sorted(types | set(FOLDER_TYPES))},
        status=status)


def _save_circuit(person: RegistryPerson, member: RegistryMember, circuit: Circuit | None,
                  form: CircuitForm, steps, actors: ActorChoices) -> Circuit | None:
    """Save a valid form, or add the reason it is refused to it and return None."""
    if not (form.is_valid() and steps.is_valid()):
        return None
    data = form.cleaned_data
    name, folder_type, subtype = data["name"], data["folder_type"], data["folder_subtype"]
    specs = steps.specs(actors)
    if circuit is not None and circuit.replaced_by_id and not circuit.active:
        form.add_error(None, _(
            "Ce circuit a été remplacé par « %(other)s » : il ne se modifie plus. Modifiez "
            "« %(other)s », ou réactivez celui-ci depuis la liste des circuits.")
            % {"other": circuit.replaced_by.name})
        return None
    try:
        with transaction.atomic():
            if circuit is None:
                circuit = workflow.create_circuit(member, name, folder_type, specs, subtype)
                action, details = "circuit_created", {}
            else:
                old = circuit
                circuit = workflow.change_circuit(old, name, folder_type, specs, subtype)
                action = "circuit_changed"
                details = {"replaces": old.pk} if circuit.pk != old.pk else {}
            audit.record(member, action, person.uid, None, circuit=circuit.pk, name=name,
                         type=folder_type, subtype=subtype, **details,
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
                       % {"reason": as_clause(exc)})
        return None
    return circuit


def _type_label(folder_type: str, subtype: str) -> str:
    if subtype:
        return _("de type « %(type)s », sous-type « %(subtype)s »") % {
            "type": folder_type, "subtype": subtype}
    return _("de type « %(type)s » (sans sous-type)") % {"type": folder_type}


def _active_rival(circuit: Circuit) -> Circuit | None:
    """The other active circuit of the circuit's member, type and subtype, if any."""
    return (Circuit.objects.filter(member_id=circuit.member_id, folder_type=circuit.folder_type,
                                   folder_subtype=circuit.folder_subtype, active=True)
            .exclude(pk=circuit.pk).first())


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
        other = _active_rival(circuit) if active and not circuit.active else None
        if other is None and circuit.active != active:
            circuit.active = active
            if active:  # in service again: no longer replaced (the journal keeps it)
                circuit.replaced_by, circuit.replaced_at = None, None
            try:
                with transaction.atomic():
                    circuit.save(update_fields=["active", "replaced_by", "replaced_at"])
            except IntegrityError:  # another one activated meanwhile
                other = _active_rival(circuit)
            else:
                audit.record(member, "circuit_activated" if active else "circuit_deactivated",
                             person.uid, None, circuit=circuit.pk, name=circuit.name)
    if other is not None:
        messages.error(request, _(
            "Le circuit « %(name)s » n'est pas réactivé : le circuit « %(other)s » est déjà "
            "actif pour les dossiers %(what)s. Désactivez d'abord « %(other)s », ou modifiez "
            "celui-ci.") % {"name": circuit.name, "other": other.name,
                            "what": _type_label(circuit.folder_type, circuit.folder_subtype)})
        return redirect("signature:circuits", code=member.code)
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
                               % {"reason": as_clause(exc)})
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
    buttons = [HeaderButton(_("Circuits"),
                            url=reverse("signature:circuits", args=[member.code]),
                            icon_name="list-ul")]
    return admin_page(request, "signature/admin/delegations.html",
                      _("Délégations — %(name)s") % {"name": member.name},
                      {"person": person, "member": member, "form": form, "page": page,
                       "rows": rows}, buttons=buttons, status=status)


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
