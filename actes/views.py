"""Pages of the acts app.

Staff pages (`/actes/…`, in the Wagtail admin menu) check that the user is staff of the act's
member. Public pages (`/actes/<code>/registre/`, the CSV exports) are free and need no account:
the register and the open data are for everyone (CGCT L2131-1).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mutualis.private_files import serve_private
from provisioning import people
from provisioning.access import staffed_members
from provisioning.models import RegistryMember

from . import opendata, services, transmission
from .forms import ActForm, ClassificationForm, PostingForm, SettingsForm
from .models import Act, Classification, RegisterEntry

staff_only = login_required(login_url="wagtailadmin_login")
# At most this many members named in each of the page's classification notices (a syndicate
# superuser is staff of every member).
MEMBERS_SHOWN = 50


def members_of(user):
    """The members whose acts the user keeps: those they are staff of (registry access layer;
    every member records acts, it is no subscribed service)."""
    return staffed_members(user)


def _act_for(user, pk: int) -> Act:
    """The act, if the user is staff of its member; 404 hides the others' acts."""
    return get_object_or_404(Act.objects.filter(member__in=members_of(user))
                             .select_related("member", "matter__classification"), pk=pk)


def _refused(request: HttpRequest, exc: services.ActRefused) -> None:
    for message in exc.messages:
        messages.error(request, message)


@staff_only
def act_list(request: HttpRequest) -> HttpResponse:
    members = members_of(request.user)
    form = ActForm(request.POST or None, request.FILES or None, members=members)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            act = services.record_act(
                data["member"], number=data["number"], nature=data["nature"],
                decision_date=data["decision_date"], subject=data["subject"],
                matter_code=data["matter"], filename=data["document"].name,
                pdf=data["document"].read(), by=request.user,
                annexes=[(a.name.rsplit(".", 1)[0], a.name, a.read()) for a in data["annexes"]])
        except services.ActRefused as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("Acte n° %(n)s enregistré.") % {"n": act.number})
            return redirect("actes:act", act.pk)
    status = 400 if request.method == "POST" else 200  # refused: the form says why
    acts = (Act.objects.filter(member__in=members).select_related("member")
            .prefetch_related("transmissions", "prefecture_messages")
            .order_by("-decision_date", "-pk"))
    return render(request, "actes/act_list.html", {
        "page": Paginator(acts, 30).get_page(request.GET.get("page")), "form": form,
        "classification_form": ClassificationForm(members=members), "members": members,
        "classifications": _classification_states(members),
        "tiers": transmission.tiers_configured()}, status=status)


def _classification_states(members) -> list[dict]:
    """The members with no classification, then those with only the demo's example: what
    the page must say about them (two queries, whatever the number of members)."""
    imported = Classification.objects.values("member_id")
    own = imported.exclude(source_sha256=services.example_sha256())
    missing = members.exclude(pk__in=imported).order_by("name")[:MEMBERS_SHOWN]
    example = (members.filter(pk__in=imported).exclude(pk__in=own)
               .order_by("name")[:MEMBERS_SHOWN])
    return ([{"member": m, "missing": True} for m in missing]
            + [{"member": m, "missing": False} for m in example])


@staff_only
def act_detail(request: HttpRequest, pk: int) -> HttpResponse:
    act = _act_for(request.user, pk)
    return render(request, "actes/act_detail.html", {
        "act": act, "settings": services.settings_of(act.member),
        "register": act.register.order_by("pk"), "transmissions": act.transmissions.all(),
        "prefecture_messages": act.prefecture_messages.all(), "posting_form": PostingForm()})


@staff_only
def act_document(request: HttpRequest, pk: int) -> HttpResponse:
    act = _act_for(request.user, pk)
    return serve_private(request, act.document, act.document.name.rsplit("/", 1)[-1])


@staff_only
@require_POST
def act_publish(request: HttpRequest, pk: int) -> HttpResponse:
    act = _act_for(request.user, pk)
    form = PostingForm(request.POST)
    posted_at = form.cleaned_data["posted_at"] if form.is_valid() else None
    try:
        entry = services.publish(act, posted_at=posted_at)
    except services.ActRefused as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Acte publié le %(at)s.") % {
            "at": entry.at.strftime("%d/%m/%Y %H:%M")})
    return redirect("actes:act", act.pk)


@staff_only
@require_POST
def act_transmit(request: HttpRequest, pk: int) -> HttpResponse:
    act = _act_for(request.user, pk)
    try:
        sent = transmission.transmit(act)
    except services.ActRefused as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Acte transmis au tiers de télétransmission "
                                    "(transaction %(id)s).") % {"id": sent.transaction_id})
    return redirect("actes:act", act.pk)


@staff_only
@require_POST
def act_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    act = _act_for(request.user, pk)
    try:
        transmission.refresh_act(act)
    except services.ActRefused as exc:
        _refused(request, exc)
    return redirect("actes:act", act.pk)


@staff_only
@require_POST
def classification_import(request: HttpRequest) -> HttpResponse:
    form = ClassificationForm(request.POST, request.FILES, members=members_of(request.user))
    if form.is_valid():
        try:
            c = services.import_classification(form.cleaned_data["member"],
                                               form.cleaned_data["file"].read())
        except services.ActRefused as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("Classification du %(d)s importée (%(n)s matières).") % {
                "d": c.version_date.strftime("%d/%m/%Y"), "n": c.matters.count()})
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("actes:acts")


@staff_only
@require_POST
def classification_fetch(request: HttpRequest, code: str) -> HttpResponse:
    """Import the member's classification from the tiers de télétransmission."""
    member = get_object_or_404(members_of(request.user), code=code)
    try:
        c = transmission.fetch_classification(member)
    except services.ActRefused as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Classification du %(d)s importée (%(n)s matières).") % {
            "d": c.version_date.strftime("%d/%m/%Y"), "n": c.matters.count()})
    return redirect("actes:acts")


@staff_only
def member_settings(request: HttpRequest, code: str) -> HttpResponse:
    member = get_object_or_404(members_of(request.user), code=code)  # 404 hides the others
    settings = services.settings_of(member)
    form = SettingsForm(request.POST or None, instance=settings)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Paramètres enregistrés."))
        return redirect("actes:settings", code)
    return render(request, "actes/settings.html", {"member": member, "form": form})


# ------------------------------------------------------------------ public


def _public_member(code: str) -> RegistryMember:
    return get_object_or_404(people.members(), code=code.upper())


def register(request: HttpRequest, code: str) -> HttpResponse:
    member = _public_member(code)
    entries = (RegisterEntry.objects.filter(member=member).select_related("act")
               .order_by("-pk"))
    return render(request, "actes/register.html", {
        "member": member, "page": Paginator(entries, 50).get_page(request.GET.get("page"))})


def _csv(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def register_csv(request: HttpRequest, code: str) -> HttpResponse:
    member = _public_member(code)
    return _csv(opendata.export_register(member), f"registre-publication-{member.code}.csv")


def deliberations_csv(request: HttpRequest, code: str) -> HttpResponse:
    member = _public_member(code)
    try:
        content = opendata.export_scdl(member)
    except services.ActRefused as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    return _csv(content, f"deliberations-{member.code}.csv")
