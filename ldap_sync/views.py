"""The activation page: a new account's person chooses a password (French).

The link's token is moved from the URL into the session at once (as Django's password reset
does), so that the page the person then sees and posts to carries no token: it cannot leak
through a Referer header, the browser's history or a request log. The pages send a Referer to
this origin only (`same-origin`): with `no-referrer`, browsers post the form with
`Origin: null`, which Django's CSRF check rightly refuses.

The page is framed as the portal's pages are: the commune's site on its host.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from provisioning.drivers import BackendError

from .forms import ActivationForm, account_person
from .services import (
    InvalidToken,
    PasswordRejected,
    activate,
    password_min_length,
    usable_token,
)

TEMPLATE = "ldap_sync/activation.html"
SESSION_KEY = "ldap_sync_activation"
# The tokenless address of the form: never a token (tokens are 43 characters).
FORM_SLUG = "mot-de-passe"


def _page(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    from portal.views import page_context

    response = render(request, TEMPLATE, page_context(request, **context), status=status)
    response["Referrer-Policy"] = "same-origin"
    return response


def _places(uid: str) -> list[dict]:
    """Where the person logs in next: the login page of each member they sit in."""
    from mutualis.links import member_url
    from provisioning import people

    members = people.members_of(uid).order_by("name")
    return [{"member": m, "url": member_url(m, "/connexion/")} for m in members]


@never_cache
@require_http_methods(["GET", "POST"])
def activation(request: HttpRequest, token: str) -> HttpResponse:
    if token == FORM_SLUG:
        token = request.session.get(SESSION_KEY, "")
    elif request.method == "GET" and usable_token(token) is not None:
        request.session[SESSION_KEY] = token
        # Same place, whatever prefix the project mounts these urls under.
        return redirect(request.path[: -len(token) - 1] + FORM_SLUG + "/")
    row = usable_token(token)
    if row is None:
        return _page(request, {"state": "invalid"}, status=404)
    form = ActivationForm(request.POST or None, min_length=password_min_length(),
                          person=account_person(row.uid))
    if request.method == "POST" and form.is_valid():
        try:
            activate(token, form.cleaned_data["password1"])
        except InvalidToken:
            return _page(request, {"state": "invalid"}, status=404)
        except PasswordRejected as exc:
            form.add_error("password1", str(exc))
        except BackendError:
            form.add_error(None, _("L'annuaire est momentanément indisponible : réessayez "
                                   "dans quelques minutes."))
        else:
            request.session.pop(SESSION_KEY, None)
            return _page(request, {"state": "done", "uid": row.uid, "places": _places(row.uid)})
    # A form with errors is answered 200: a 4xx would put the address in Django's log.
    return _page(request, {"state": "form", "form": form, "uid": row.uid})
