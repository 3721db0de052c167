"""The citizens' pages on their commune's site: the démarches (/demarches/en-ligne/), each
démarche's form, the receipt, and the follow page by tracking code (/suivi/). No account, no
JavaScript needed; the page says what is done with the personal data.

Only the host's member's démarches and requests answer on its host: another commune's slug or
code is not found here, and a member that does not subscribe to grc says so in one sentence."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from mutualis import conf
from mutualis.throttle import increment, throttled_address
from provisioning.access import subscribes
from wagtail_site_factory.models import CommuneSettings

from . import maps, services
from .access import SERVICE, site_member
from .forms import FollowForm, RequestForm, new_form_token, token_problem
from .models import CitizenRequest, normalise_code
from .queries import online_demarches


def _page(request, template: str, context: dict, status: int = 200) -> TemplateResponse:
    context.setdefault("commune", CommuneSettings.for_request(request))
    response = TemplateResponse(request, f"grc/{template}", context, status=status)
    if template == "form.html":
        context["map"] = maps.settings()
        if context["map"]["tiles"]:  # the tiles are the one thing fetched from elsewhere
            response._csp_update = {"img-src": [maps.tile_origin(context["map"]["tiles"])]}
    return response


def _refusal(request, sentence: str, status: int = 404) -> TemplateResponse:
    return _page(request, "refused.html", {"sentence": sentence}, status)


def _grc_member(request):
    """(member, None) when the host's member offers démarches; (None, refusal page) else."""
    member = site_member(request)
    if member is None:
        return None, _refusal(request, _("Aucune commune ne propose de démarches en ligne à "
                                         "cette adresse."))
    if not subscribes(member, SERVICE):
        return None, _refusal(request, _("%(name)s ne propose pas de démarches en ligne sur "
                                         "ce site : contactez la mairie.")
                              % {"name": member.name})
    return member, None


def _base(request) -> str:
    return request.build_absolute_uri("/")


@never_cache
def index(request: HttpRequest) -> HttpResponse:
    member, refused = _grc_member(request)
    if refused:
        return refused
    return _page(request, "index.html", {"member": member,
                                         "demarches": online_demarches(member)})


def _submissions_key(member, request) -> str:
    return f"grc:submit:{member.code}:{throttled_address(request)}"


@never_cache
def demarche(request: HttpRequest, slug: str) -> HttpResponse:
    member, refused = _grc_member(request)
    if refused:
        return refused
    found = online_demarches(member).filter(slug=slug).first()
    if found is None:
        return _refusal(request, _("La démarche « %(slug)s » n'existe pas sur le site de "
                                   "%(name)s : choisissez-en une dans la liste des démarches.")
                        % {"slug": slug, "name": member.name})
    if request.method != "POST":
        form = RequestForm(found, initial={"form_token": new_form_token()})
        return _page(request, "form.html", {"member": member, "demarche": found, "form": form})
    form = RequestForm(found, request.POST, request.FILES)
    problem = None
    if form.is_spam_trap_filled:
        problem = _("Le champ « Laissez ce champ vide » doit rester vide : videz-le et envoyez "
                    "à nouveau.")
    elif cache.get(_submissions_key(member, request), 0) >= int(conf.MUTUALIS_GRC_SUBMIT_MAX):
        return _with_error(request, member, found, form, _(
            "Plusieurs demandes ont déjà été envoyées depuis cette connexion : réessayez dans "
            "une heure, ou appelez la mairie."), 429)
    elif form.is_valid():
        token = form.cleaned_data["form_token"]
        problem = token_problem(token)
        if problem is None:
            request_obj, new = services.file_request(
                found, name=form.cleaned_data["name"], email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"], answers=form.answers(),
                uploads=list(form.uploads()), form_token=token)
            if new:
                increment(_submissions_key(member, request),
                          int(conf.MUTUALIS_GRC_SUBMIT_WINDOW))
                services.send_receipt(request_obj, _base(request))
            # A path: the browser keeps the host and port it used.
            return HttpResponseRedirect(services.follow_path(request_obj) + "?recue=1")
    return _with_error(request, member, found, form, problem, 400)


def _with_error(request, member, found, form, problem, status):
    """The form again, as the citizen filled it, with what is wrong; a fresh token (its
    clock restarts; nothing was filed with the old one)."""
    if problem:
        form.add_error(None, problem)
    data = form.data.copy()
    data["form_token"] = new_form_token()
    form.data = data
    return _page(request, "form.html", {
        "member": member, "demarche": found, "form": form,
        "files_to_choose_again": bool(found.open_attachments()) and bool(request.FILES)}, status)


# ------------------------------------------------------------------ following by code


def _failures_key(request) -> str:
    return f"grc:follow-failures:{throttled_address(request)}"


def _too_many_failures(request) -> bool:
    return cache.get(_failures_key(request), 0) >= int(conf.MUTUALIS_GRC_FOLLOW_MAX_FAILURES)


@never_cache
def follow_form(request: HttpRequest) -> HttpResponse:
    member, refused = _grc_member(request)
    if refused:
        return refused
    form = FollowForm(request.GET if "code" in request.GET else None)
    if form.is_bound and form.is_valid():
        code = normalise_code(form.cleaned_data["code"])
        return HttpResponseRedirect(
            services.follow_path(CitizenRequest(code=code)))
    return _page(request, "follow_form.html", {"member": member, "form": form},
                 400 if form.errors else 200)


@never_cache
def follow(request: HttpRequest, tracking_token: str) -> HttpResponse:
    member, refused = _grc_member(request)
    if refused:
        return refused
    if _too_many_failures(request):
        return _refusal(request, _("Trop de codes de suivi inconnus ont été essayés depuis "
                                   "cette connexion : réessayez dans une heure, ou appelez la "
                                   "mairie."), 429)
    code = normalise_code(tracking_token)
    found = (CitizenRequest.objects.filter(member=member, code=code)
             .select_related("demarche").first())
    if found is None:
        increment(_failures_key(request), int(conf.MUTUALIS_GRC_FOLLOW_WINDOW))
        form = FollowForm(initial={"code": tracking_token[:30]})
        return _page(request, "follow_form.html", {
            "member": member, "form": form,
            "unknown": _("Aucune demande faite sur ce site n'a le code de suivi « %(code)s » : "
                         "vérifiez-le dans le courriel reçu.") % {"code": tracking_token[:30]}},
            404)
    return _page(request, "follow.html", {
        "member": member, "req": found, "status": found.status_info,
        "events": [(e, found.demarche.status(e.status)) for e in services.citizen_history(found)],
        "received": request.GET.get("recue") == "1"})
