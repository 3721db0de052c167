"""Login on every host, each person's landing, and the officials' space.

Staff (secrétaire, DGS, agents) work in the Wagtail admin of their commune's host; officials
(maire, adjoints, conseillers) in `/espace-elus/` on the same host. A person who logs in on a
host where they have no place is told where they have one, with the link: a session is per
host, so sending them elsewhere silently would only ask them to log in again.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mutualis.links import member_url
from provisioning import access, people

from . import space
from .hosts import layout_for, member_of_request, syndicate_name

log = logging.getLogger(__name__)


def page_context(request: HttpRequest, **extra) -> dict:
    member = member_of_request(request)
    context = {"member": member, "layout": layout_for(member),
               "syndicate_name": syndicate_name()}
    if member is not None:
        from wagtail_site_factory.models import CommuneSettings

        context["commune"] = CommuneSettings.for_request(request)
    return {**context, **extra}


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return page_context(self.request, **super().get_context_data(**kwargs))


def where_to(request: HttpRequest) -> str | None:
    """Where the logged-in user works on this host, or None when they have no place here."""
    standing = access.standing(request.user)
    member = member_of_request(request)
    if member is None:  # the syndicate's own host: its admins and any member's staff
        return "/admin/" if standing.is_staff_somewhere else None
    if standing.superuser or member.pk in standing.staff_of:
        return "/admin/"
    if member.pk in standing.official_of:
        return "/espace-elus/"
    return None


@login_required
def landing(request: HttpRequest) -> HttpResponse:
    target = where_to(request)
    if target is not None:
        return redirect(target)
    standing = access.standing(request.user)
    places = people.members().filter(
        pk__in=standing.staff_of | standing.official_of).order_by("name")
    links = [{"member": m, "url": member_url(m, "/connexion/")} for m in places]
    return render(request, "portal/elsewhere.html", page_context(request, places=links), status=403)


def _official_here(request: HttpRequest):
    """(person, member) when the user is an official of this host's member, else None."""
    member = member_of_request(request)
    person = people.person_for(request.user)
    if member is None or person is None or member.pk not in access.standing(
            request.user).official_of:
        return None
    return person, member


@login_required
def officials_space(request: HttpRequest) -> HttpResponse:
    here = _official_here(request)
    if here is None:
        return landing(request)
    person, member = here
    official_of = access.standing(request.user).official_of
    return render(request, "portal/space.html", page_context(
        request, person=person, **space.summary(person, member, official_of)))


@login_required
@require_POST
def open_convocation(request: HttpRequest, pk: int) -> HttpResponse:
    """The official's own convocation (or its combined dossier), opened as their personal
    link would open it."""
    here = _official_here(request)
    if here is None:
        raise Http404
    document = space.COMBINED if request.POST.get("document") == space.COMBINED else ""
    url = space.convocation_link(*here, pk, document)
    if url is None:
        raise Http404(_("Convocation introuvable."))
    return redirect(url + ("#reponse" if request.POST.get("to") == "reponse" else ""))


@login_required
@require_POST
def answer_convocation(request: HttpRequest, pk: int) -> HttpResponse:
    """Present or absent, in one tap from the space's home (a proxy names its holder on the
    convocation's page)."""
    from convocation import receipts
    from convocation.models import Answer, Convocation

    here = _official_here(request)
    if here is None:
        raise Http404
    person, member = here
    convocation = Convocation.objects.filter(
        pk=pk, person=person, sitting__assembly__member=member,
        sent_at__isnull=False).select_related("sitting").first()
    choice = request.POST.get("choice")
    if convocation is None or choice not in (Answer.PRESENT, Answer.ABSENT):
        raise Http404(_("Convocation introuvable."))
    try:
        receipts.acknowledge(convocation, request.META.get("HTTP_USER_AGENT", ""))
        receipts.answer(convocation, choice, by_user=request.user)
    except receipts.AnswerRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Votre réponse est enregistrée : %(choice)s.") % {
            "choice": dict(Answer.CHOICES)[choice]})
    return redirect(f"{reverse('portal:space')}#convocation-{pk}")


MAIL_SERVICE = "messagerie"


@login_required
def mail_settings(request: HttpRequest) -> HttpResponse:
    """What the official's mail client needs (Thunderbird, a tablet's mail app, Nextcloud
    Mail): the servers, ports and login, their addresses and the shared mailboxes they read,
    as the directory has them now."""
    from mail_service.services import person_mail
    from provisioning.drivers import ProvisioningError

    here = _official_here(request)
    if here is None:
        return landing(request)
    person, member = here
    mail, unavailable = None, False
    subscribed = MAIL_SERVICE in (member.services or [])
    if subscribed:
        try:
            mail = person_mail(person.uid)
        except ProvisioningError:
            log.exception("the mail settings of %s could not be read", person.uid)
            unavailable = True
    return render(request, "portal/mail.html", page_context(
        request, person=person, mail=mail, subscribed=subscribed, unavailable=unavailable))


class AdminPasswordView(auth_views.PasswordResetConfirmView):
    """A syndicate admin chooses their password from their single-use link."""

    template_name = "portal/admin_password.html"
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = "/admin/"

    def get_context_data(self, **kwargs):
        return page_context(self.request, **super().get_context_data(**kwargs))


def theme(request: HttpRequest) -> HttpResponse:
    """The syndicate's pages take the sites' stylesheet with the default colours."""
    from wagtail_site_factory.stylesheet import stylesheet

    response = HttpResponse(stylesheet(None), content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response
