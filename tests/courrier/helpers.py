"""Members of the register for the courrier tests: registry rows made directly."""

from __future__ import annotations

from provisioning.models import RegistryMember


def member(code: str = "79174", name: str = "Melle", services=("courrier",)) -> RegistryMember:
    """A member subscribing to `courrier`."""
    slug = name.lower().replace(" ", "-")
    return RegistryMember.objects.create(
        code=code, name=name, kind="commune", slug=slug, hostname=f"{slug}.localhost",
        services=list(services))
