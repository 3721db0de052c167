"""Members subscribing to the GED, with the standard plan loaded (for tests/ged and
tests/security)."""

from __future__ import annotations

from ged import plan
from provisioning.models import RegistryMember


def make_member(code: str, name: str, kind: str = "commune", services=("ged",)):
    member = RegistryMember.objects.create(
        code=code, name=name, kind=kind, slug=f"m{code}", hostname=f"m{code}.localhost",
        services=list(services), siren="2" + code.rjust(8, "0")[-8:])
    plan.load_standard(member)
    return member
