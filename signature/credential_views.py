"""The pages for signing credentials.

- /admin/parapheur/collectivites/<code>/certificats/ (in the Wagtail admin): a member's
  officials (elected seats) and their credential (holder, issuer, expiry, kind), for the
  syndicate (a Django superuser) and the member's DGS; /…/certificats/<uid>/ installs or
  replaces an official's PKCS#12 or PKCS#11 credential. The code must be the host's member's
  (`access.staff_member`; a superuser on the syndicate's host opens any member's); another
  code, or a member that does not subscribe to the parapheur, is a 404; the member's other
  staff get a 403.
- /espace-elus/parapheur/mon-certificat/: an official's own credential.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from mutualis import conf
from provisioning import access, people
from provisioning.models import RegistryMember, RegistryPerson

from . import workflow
from .access import DGS, person_of, staff_member
from .admin_views import admin_page
from .credential_forms import Pkcs11Form, Pkcs12Form
from .demo_pki import is_demo_certificate
from .errors import SignatureError
from .models import SigningKey

PAGE_SIZE = 25


@dataclass(frozen=True)
class Credential:
    """What a person is shown of a signing credential."""

    holder: str
    issuer: str
    not_after: datetime
    kind: str
    demo: bool
    expired: bool
    asks: str  # what signing asks for: "", "password" or "pin"


def _common_name(name: x509.Name) -> str:
    found = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(found[0].value) if found else name.rfc4514_string()


def describe(key: SigningKey | None) -> Credential | None:
    if key is None:
        return None
    certificate = x509.load_pem_x509_certificate(key.certificate.encode())
    demo = is_demo_certificate(certificate)
    if demo:
        kind = _("certificat de démonstration")
    elif key.storage == SigningKey.PKCS11:
        kind = _("clé sur carte ou module PKCS#11")
    else:
        kind = _("fichier PKCS#12")
    asks = "" if not workflow.asks_secret(key) else (
        "pin" if key.storage == SigningKey.PKCS11 else "password")
    return Credential(holder=_common_name(certificate.subject),
                      issuer=_common_name(certificate.issuer), not_after=key.not_after,
                      kind=kind, demo=demo, expired=key.not_after <= timezone.now(), asks=asks)


def _member(request: HttpRequest, code: str) -> tuple[RegistryPerson | None, RegistryMember]:
    """The member whose credentials the user manages: the syndicate manages every member's,
    a DGS their member's."""
    member = staff_member(request, code)
    if request.user.is_superuser:
        return people.person_for(request.user), member
    person = person_of(request)
    seat = people.seat(person, member)
    if seat is None:
        raise Http404(_("Collectivité introuvable."))
    if DGS not in (seat.roles or []):
        raise PermissionDenied(_("Seuls le DGS de la collectivité et le syndicat installent les "
                                 "certificats de signature."))
    return person, member


def credentials(request: HttpRequest, code: str) -> HttpResponse:
    person, member = _member(request, code)
    page = Paginator(access.official_seats(member), PAGE_SIZE).get_page(request.GET.get("page"))
    ids = [seat.person_id for seat in page]
    keys = {k.person_id: k for k in SigningKey.objects.filter(
        kind=SigningKey.PERSONAL, active=True, person_id__in=ids)}
    rows = [{"person": seat.person, "role": workflow.role_label(seat.person, member),
             "credential": describe(keys.get(seat.person_id))} for seat in page]
    return admin_page(request, "signature/admin/credentials.html",
                      _("Certificats de signature — %(name)s") % {"name": member.name},
                      {"person": person, "member": member, "page": page, "rows": rows})


def _official(member: RegistryMember, uid: str) -> RegistryPerson:
    official = people.person(uid)
    seat = people.seat(official, member) if official is not None else None
    if seat is None or not access.is_official(seat.roles):
        raise Http404(_("Élu introuvable."))
    return official


@sensitive_post_parameters("passphrase", "pin")
@require_http_methods(["GET", "POST"])
def install(request: HttpRequest, code: str, uid: str) -> HttpResponse:
    person, member = _member(request, code)
    official = _official(member, uid)
    pkcs12_form, pkcs11_form = Pkcs12Form(prefix="p12"), Pkcs11Form(prefix="p11")
    pkcs11 = bool(conf.MUTUALIS_PKCS11_MODULE)
    installed_by = person.uid if person is not None else request.user.get_username()
    status = 200
    if request.method == "POST":
        kind = request.POST.get("kind")
        try:
            if kind == "pkcs12":
                pkcs12_form = Pkcs12Form(request.POST, request.FILES, prefix="p12")
                if pkcs12_form.is_valid():
                    data = pkcs12_form.cleaned_data
                    key = workflow.install_key(data["file"].read(),
                                               data["passphrase"].encode(), person=official,
                                               installed_by=installed_by)
                    return _installed(request, member, official, key)
            elif kind == "pkcs11" and pkcs11:
                pkcs11_form = Pkcs11Form(request.POST, prefix="p11")
                if pkcs11_form.is_valid():
                    data = pkcs11_form.cleaned_data
                    key = workflow.install_pkcs11_key(
                        data["token"], data["key_label"], data["pin"], person=official,
                        cert_label=data["cert_label"], installed_by=installed_by)
                    return _installed(request, member, official, key)
            else:
                raise Http404(_("Nature de certificat inconnue."))
        except SignatureError as exc:
            (pkcs12_form if kind == "pkcs12" else pkcs11_form).add_error(None, str(exc))
        status = 400
    return admin_page(request, "signature/admin/credential_install.html",
                      _("Certificat de signature — %(name)s")
                      % {"name": workflow.display_name(official)}, {
                          "person": person, "member": member, "official": official,
                          "role": workflow.role_label(official, member),
                          "credential": describe(workflow.active_key(official)),
                          "pkcs12_form": pkcs12_form, "pkcs11_form": pkcs11_form,
                          "pkcs11": pkcs11},
                      status=status)


def _installed(request: HttpRequest, member: RegistryMember, official: RegistryPerson,
               key: SigningKey) -> HttpResponse:
    messages.success(request, _("Certificat installé pour %(name)s ; il est valide jusqu'au "
                                "%(date)s.")
                     % {"name": workflow.display_name(official),
                        "date": timezone.localtime(key.not_after).strftime("%d/%m/%Y")})
    return redirect("signature:credentials", code=member.code)


@login_required
def my_credential(request: HttpRequest) -> HttpResponse:
    person = person_of(request)
    return render(request, "signature/my_credential.html", {
        "person": person, "credential": describe(workflow.active_key(person))})
