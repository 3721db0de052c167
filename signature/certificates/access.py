"""Who sees which certificates, by the registry's rule (`provisioning.access`): on the
syndicate's own host, its superusers see every member's; on a member's host, that member's
staff (and the syndicate's superusers) see that member's only. Only the syndicate (its
superusers, the registration authority) imports, checks, records identity checks and
archives."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from provisioning import access, people
from provisioning.policies import HostMemberPermissionPolicy

from .models import MemberCertificate


def members_here(request):
    member = access.member_here(request)
    user = request.user
    if member is None:
        return people.members() if user.is_superuser else []
    if user.is_superuser or access.standing(user).is_staff_of(member):
        return [member]
    return []


class CertificatePermissionPolicy(HostMemberPermissionPolicy):
    member_field = "member"

    def members_here(self, request):
        return members_here(request)


certificate_policy = CertificatePermissionPolicy(MemberCertificate)


def require_syndicate(request) -> None:
    if not request.user.is_superuser:
        raise PermissionDenied(_("Seul le syndicat, autorité d'enregistrement de ses membres, "
                                 "importe et vérifie les certificats."))
