"""The public pages of the acts: the publication register of a member and its open data
(`/actes/<code>/registre/`, the CSV exports). Free, no account: the register and the open
data are for everyone (CGCT L2131-1)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from provisioning import people
from provisioning.models import RegistryMember

from . import opendata, services
from .models import RegisterEntry


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
