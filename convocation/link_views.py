"""The members' personal link (`/espace-elus/convocation/<token>/`), for tablets: opening it
records the receipt before anything is shown. It needs no login: the token is the key, as the
mail that carried it was addressed to the person alone. Its page is part of the officials'
space: the commune's look on its host (portal.views.page_context), a link back to the space."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from mutualis.private_files import serve_private
from portal.views import page_context

from . import receipts
from .forms import AnswerForm
from .models import Answer, Dispatch


def dispatched_file(request: HttpRequest, dispatch: Dispatch | None, name: str) -> HttpResponse:
    record = next((r for r in (dispatch.files if dispatch else []) if r["name"] == name), None)
    if record is None:
        raise Http404
    return serve_private(request, record["path"], name, inline=True)


def _private(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "same-origin"  # the token never leaves the site
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _invalid(request: HttpRequest, exc: Exception) -> HttpResponse:
    return render(request, "convocation/link_invalid.html",
                  page_context(request, message=str(exc)), status=404)


def _link_page(request: HttpRequest, token: str, convocation, form=None,
               status: int = 200) -> HttpResponse:
    sitting = convocation.sitting
    current = receipts.current_answer(convocation)
    form = form or AnswerForm(sitting=sitting, person=convocation.person, initial={
        "choice": current.choice or None, "holder": current.holder})
    dispatch = Dispatch.objects.filter(sitting=sitting).first()
    files = dispatch.files if dispatch else []
    return _private(render(request, "convocation/link.html", page_context(request, **{
        "token": token, "convocation": convocation, "sitting": sitting,
        "receipt": convocation.receipt, "current": current, "form": form,
        "combined": next((f for f in files if f["name"] == "dossier-complet.pdf"), None),
        "on_tablets": bool(dispatch and dispatch.published_paths),
        "files": [f for f in files if f["name"] != "dossier-complet.pdf"],
        "history": convocation.answers.select_related("proxy__holder").order_by("-at", "-pk"),
        "open": timezone.now() < sitting.starts_at,
        "items": sitting.items.select_related("rapporteur").order_by("position"),
    }), status=status))


@never_cache
def link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        convocation = receipts.resolve(token)
    except receipts.LinkInvalid as exc:
        return _private(_invalid(request, exc))
    receipts.acknowledge(convocation, request.META.get("HTTP_USER_AGENT", ""))
    convocation.refresh_from_db()
    return _link_page(request, token, convocation)


@never_cache
def link_document(request: HttpRequest, token: str, name: str) -> HttpResponse:
    try:
        convocation = receipts.resolve(token)
    except receipts.LinkInvalid as exc:
        raise Http404 from exc
    receipts.acknowledge(convocation, request.META.get("HTTP_USER_AGENT", ""))
    return _private(dispatched_file(request, Dispatch.objects.filter(sitting=convocation.sitting)
                              .first(), name))


@never_cache
@require_POST
def link_answer(request: HttpRequest, token: str) -> HttpResponse:
    try:
        convocation = receipts.resolve(token)
    except receipts.LinkInvalid as exc:
        return _private(_invalid(request, exc))
    receipts.acknowledge(convocation, request.META.get("HTTP_USER_AGENT", ""))
    convocation.refresh_from_db()
    form = AnswerForm(request.POST, sitting=convocation.sitting, person=convocation.person)
    if not form.is_valid():
        return _link_page(request, token, convocation, form, 400)
    d = form.cleaned_data
    try:
        receipts.answer(convocation, d["choice"], d.get("holder"), d.get("sittings") or 1)
    except receipts.AnswerRefused as exc:
        form.add_error(None, str(exc))
        return _link_page(request, token, convocation, form, 400)
    messages.success(request, _("Votre réponse est enregistrée : %(choice)s.") % {
        "choice": dict(Answer.CHOICES)[d["choice"]]})
    return redirect("convocation_link:link", token)
