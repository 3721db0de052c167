"""Staff pages of the convocation app, in the Wagtail admin (wagtail_hooks.py mounts them at
/admin/convocations/, behind the admin's own login and access check): every one of them
finds the sitting among those of the members the user acts for on this host
(`access.host_sitting`), so another member's sitting answers 404. The sittings listing is in
listing.py; the members' personal link is in link_views.py.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from mutualis.private_files import serve_private
from provisioning import people

from . import access, acts, outcome, quorum, reports, sending, tasks
from .forms import (
    AnnexForm,
    GuestForm,
    ItemForm,
    MovementForm,
    NoteForm,
    RollCallForm,
    SittingForm,
    VoteForm,
)
from .link_views import dispatched_file
from .models import AgendaItem, Annex, Dispatch, Publication, Sitting, audit
from .rules import long_date

log = logging.getLogger(__name__)
# Wagtail's admin (register_admin_urls) turns away anonymous users (its login page) and those
# without admin access before any view below; what a user may touch is `access.host_sitting`'s.


def _detail(sitting: Sitting):
    return redirect("convocation:sitting", sitting.pk)


# ------------------------------------------------------------------ staff: sittings

def _create_page(request: HttpRequest, form: SittingForm, status: int = 200) -> HttpResponse:
    return render(request, "convocation/admin/sitting_create.html", {
        "form": form, "action_url": reverse("convocation:sitting-create"),
        "page_title": _("Nouvelle séance"), "header_icon": "date",
        "breadcrumbs_items": [
            *WagtailAdminTemplateMixin.breadcrumbs_items,
            {"url": reverse("convocation:sittings"), "label": _("Séances")},
            {"url": "", "label": _("Nouvelle séance")}],
        "submit_button_label": _("Créer la séance")}, status=status)


def sitting_create(request: HttpRequest) -> HttpResponse:
    # Only the assemblies of the host's subscribing member(s) are valid choices.
    assemblies = access.host_assemblies(request)
    if request.method != "POST":
        if not assemblies.exists():
            raise Http404  # no member here subscribes: the listing says so
        return _create_page(request, SittingForm(assemblies=assemblies))
    form = SittingForm(request.POST, assemblies=assemblies)
    if not form.is_valid():
        return _create_page(request, form, 400)
    sitting = form.save(commit=False)
    sitting.created_by = request.user
    sitting.save()
    audit(sitting, "created", by=request.user.username)
    return _detail(sitting)


# The sitting page holds several forms: each gets its own ids, so that every label names
# one field (and the page has no duplicate id).
AUTO_IDS = {"edit_form": "seance-%s", "note_form": "note-%s", "item_form": "point-%s",
            "annex_form": "annexe-%s", "guest_form": "invite-%s", "roll_call_form": "appel-%s",
            "movement_form": "mouvement-%s", "vote_form": "vote-%s"}


def _assemblies(sitting: Sitting):
    return people.assemblies([sitting.assembly.member])


def _forms(sitting: Sitting) -> dict:
    ids = AUTO_IDS
    return {
        "edit_form": SittingForm(instance=sitting, assemblies=_assemblies(sitting),
                                 auto_id=ids["edit_form"]),
        "note_form": NoteForm(auto_id=ids["note_form"]),
        "item_form": ItemForm(sitting=sitting, auto_id=ids["item_form"]),
        "annex_form": AnnexForm(sitting=sitting, auto_id=ids["annex_form"]),
        "guest_form": GuestForm(auto_id=ids["guest_form"]),
        "roll_call_form": RollCallForm(sitting=sitting, auto_id=ids["roll_call_form"]),
        "movement_form": MovementForm(sitting=sitting, auto_id=ids["movement_form"]),
        "vote_form": VoteForm(sitting=sitting, auto_id=ids["vote_form"]),
    }


def _render_detail(request: HttpRequest, sitting: Sitting, status: int = 200,
                   **overrides) -> HttpResponse:
    dispatch = Dispatch.objects.filter(sitting=sitting).first()
    context = {"sitting": sitting, **_forms(sitting), **overrides,
               "items": sitting.items.select_related("rapporteur", "vote")
               .prefetch_related("annexes").order_by("position"),
               "guests": sitting.guests.all(),
               "dispatch": dispatch,
               "report": outcome.report(sitting, dispatch),
               "publications": sitting.publications.all()}
    if sitting.status == Sitting.DRAFT:
        context["problems"] = sending.problems(sitting)
        latest = sitting.local_start.date() - timedelta(days=sitting.jours_francs() + 1)
        context["deadline"] = long_date(latest)
    else:
        context["rows"] = reports.rows(sitting)
        context["quorum"] = quorum.quorum(sitting)
    return render(request, "convocation/admin/sitting.html", context, status=status)


def sitting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, access.host_sitting(request, pk))


def _frozen(request: HttpRequest, sitting: Sitting) -> HttpResponse | None:
    """Once the sending started, the dossier the manifest names may not change: a form left
    open in another tab gets a sentence, not an error page."""
    if sitting.status == Sitting.DRAFT:
        return None
    messages.error(request, _("Cette séance n'est plus modifiable : sa convocation est partie "
                              "ou en cours d'envoi, et le dossier envoyé ne change plus."))
    return _detail(sitting)


@require_POST
def sitting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    sitting = access.host_sitting(request, pk)
    if frozen := _frozen(request, sitting):
        return frozen
    form = SittingForm(request.POST, instance=sitting, assemblies=_assemblies(sitting),
                       auto_id=AUTO_IDS["edit_form"])
    if not form.is_valid():
        return _render_detail(request, sitting, 400, edit_form=form)
    form.save()
    audit(sitting, "edited", by=request.user.username)
    messages.success(request, _("Séance enregistrée."))
    return _detail(sitting)


@require_POST
def note_upload(request: HttpRequest, pk: int) -> HttpResponse:
    sitting = access.host_sitting(request, pk)
    if frozen := _frozen(request, sitting):
        return frozen
    form = NoteForm(request.POST, request.FILES, auto_id=AUTO_IDS["note_form"])
    if not form.is_valid():
        return _render_detail(request, sitting, 400, note_form=form)
    sitting.note = form.cleaned_data["note"]
    sitting.save(update_fields=["note"])
    messages.success(request, _("Note explicative de synthèse jointe."))
    return _detail(sitting)


@require_POST
def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    sitting = access.host_sitting(request, pk)
    if frozen := _frozen(request, sitting):
        return frozen
    form = ItemForm(request.POST, request.FILES, sitting=sitting,
                    auto_id=AUTO_IDS["item_form"])
    if not form.is_valid():
        return _render_detail(request, sitting, 400, item_form=form)
    with transaction.atomic():
        last = sitting.items.order_by("-position").first()
        AgendaItem.objects.create(sitting=sitting, position=(last.position + 1) if last else 1,
                                  title=form.cleaned_data["title"],
                                  rapporteur=form.cleaned_data["rapporteur"],
                                  project=form.cleaned_data["project"])
    return _detail(sitting)


@require_POST
def annex_add(request: HttpRequest, pk: int) -> HttpResponse:
    sitting = access.host_sitting(request, pk)
    if frozen := _frozen(request, sitting):
        return frozen
    form = AnnexForm(request.POST, request.FILES, sitting=sitting,
                     auto_id=AUTO_IDS["annex_form"])
    if not form.is_valid():
        return _render_detail(request, sitting, 400, annex_form=form)
    item = form.cleaned_data["item"]
    last = item.annexes.order_by("-position").first()
    Annex.objects.create(item=item, position=(last.position + 1) if last else 1,
                         title=form.cleaned_data["title"], file=form.cleaned_data["file"])
    return _detail(sitting)


@require_POST
def guest_add(request: HttpRequest, pk: int) -> HttpResponse:
    sitting = access.host_sitting(request, pk)
    if frozen := _frozen(request, sitting):
        return frozen
    form = GuestForm(request.POST, auto_id=AUTO_IDS["guest_form"])
    if not form.is_valid():
        return _render_detail(request, sitting, 400, guest_form=form)
    guest = form.save(commit=False)
    guest.sitting = sitting
    guest.save()
    return _detail(sitting)


@require_POST
def send(request: HttpRequest, pk: int) -> HttpResponse:
    sitting = access.host_sitting(request, pk)
    if sending.needs_check(sitting):  # refused before anything is queued
        found = sending.problems(sitting)
        if found:
            messages.error(request, " ".join(found))
            return _detail(sitting)
    audit(sitting, "send-requested", by=request.user.username)
    try:
        result = tasks.send_convocation.delay(sitting.pk)
        if result.ready():
            result.get()  # what it did is on the sitting's page (outcome.report)
        else:
            messages.info(request, _("L'envoi est en cours : rechargez cette page dans un "
                                     "instant pour voir qui a reçu la convocation."))
    except (sending.SendingRefused, sending.SendingFailed) as exc:
        messages.error(request, str(exc))
    except Exception:  # a bug: logged with its traceback, one sentence for the person
        log.exception("sending the convocation of sitting %s", sitting.pk)
        messages.error(request, _("L'envoi s'est interrompu sur une erreur inattendue, "
                                  "consignée dans le journal du serveur : relancez-le, il "
                                  "reprendra là où il s'est arrêté."))
    return _detail(sitting)


# ------------------------------------------------------------------ staff: after the sitting

@require_POST
def roll_call(request: HttpRequest, pk: int) -> HttpResponse:
    sitting = access.host_sitting(request, pk)
    form = RollCallForm(request.POST, sitting=sitting)
    if form.is_valid():
        try:
            quorum.roll_call(sitting, list(form.cleaned_data["present"]), request.user)
        except quorum.AttendanceRefused as exc:
            messages.error(request, str(exc))
    return _detail(sitting)


@require_POST
def movement(request: HttpRequest, pk: int) -> HttpResponse:
    sitting = access.host_sitting(request, pk)
    form = MovementForm(request.POST, sitting=sitting, auto_id=AUTO_IDS["movement_form"])
    if not form.is_valid():
        return _render_detail(request, sitting, 400, movement_form=form)
    try:
        quorum.record_movement(sitting, form.cleaned_data["person"], form.cleaned_data["kind"],
                               form.cleaned_data["item"], request.user)
    except quorum.AttendanceRefused as exc:
        messages.error(request, str(exc))
    return _detail(sitting)


@require_POST
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    sitting = access.host_sitting(request, pk)
    form = VoteForm(request.POST, sitting=sitting, auto_id=AUTO_IDS["vote_form"])
    if not form.is_valid():
        return _render_detail(request, sitting, 400, vote_form=form)
    d = form.cleaned_data
    try:
        quorum.record_vote(d["item"], d["votes_for"], d["votes_against"], d["abstentions"],
                           d["number"])
    except quorum.AttendanceRefused as exc:
        messages.error(request, str(exc))
    return _detail(sitting)


@require_POST
def publish_acts(request: HttpRequest, pk: int) -> HttpResponse:
    sitting = access.host_sitting(request, pk)
    try:
        for publication in acts.generate_and_publish(sitting):
            if publication.pending_reason:
                messages.warning(request, publication.pending_reason)
    except acts.ActsRefused as exc:
        messages.error(request, str(exc))
    return _detail(sitting)


def publication_file(request: HttpRequest, pk: int, publication: int) -> HttpResponse:
    sitting = access.host_sitting(request, pk)
    p = get_object_or_404(Publication, pk=publication, sitting=sitting)
    return serve_private(request, p.file, p.file.name.rsplit("/", 1)[-1])


def report(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    sitting = access.host_sitting(request, pk)
    if fmt not in ("csv", "pdf"):
        raise Http404
    stem = f"rapport-seance-{sitting.local_start:%Y-%m-%d}"
    if fmt == "csv":
        response = HttpResponse("\ufeff" + reports.csv_report(sitting),
                                content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(reports.pdf_report(sitting), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


def staff_document(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    sitting = access.host_sitting(request, pk)
    return dispatched_file(request, Dispatch.objects.filter(sitting=sitting).first(), name)


def savings(request: HttpRequest) -> HttpResponse:
    # A hand-edited ?annee= (letters, a huge number, "²" which str.isdigit() accepts and int()
    # refuses) falls back to this year, never a 500; so does ?membre=.
    asked = request.GET.get("annee", "")
    year = (int(asked) if asked.isascii() and asked.isdigit() and 2000 <= int(asked) <= 2100
            else timezone.localdate().year)
    members = access.host_members(request).order_by("name")
    member_id = request.GET.get("membre", "")
    member_id = (int(member_id) if member_id.isascii() and member_id.isdigit()
                 and len(member_id) <= 18 else None)
    figures = []
    for member in members.filter(pk=member_id) if member_id else members[:50]:
        figures.append((member, reports.yearly_savings(member.code, year)))
    return render(request, "convocation/admin/savings.html", {
        "year": year, "figures": figures, "members": members,
        "years": range(date.today().year, date.today().year - 6, -1)})
