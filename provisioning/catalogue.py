"""The service catalogue, the roles and the standard assemblies a member can have."""

from __future__ import annotations

# Each service and the services it needs. A member subscribing to a service must subscribe to
# what it needs: the validator names the missing one.
SERVICES: dict[str, tuple[str, ...]] = {
    "website": (),
    "extranet": (),
    "cloud": (),
    "agenda": (),
    "convocation": ("extranet", "agenda"),
    "parapheur": ("extranet",),
}

SERVICE_LABELS = {
    "website": "Site internet",
    "extranet": "Extranet",
    "cloud": "Partage de fichiers",
    "agenda": "Agendas",
    "convocation": "Convocation électronique des élus",
    "parapheur": "Parapheur électronique",
}

# Roles, by their slug. `elected` roles put the person in `<code>-elus`, the others in
# `<code>-staff`. `assembly` is the assembly the role sits in by default, per member kind.
ROLES: dict[str, dict] = {
    "maire": {"label": "Maire", "elected": True, "kinds": ("commune",)},
    "maire-delegue": {"label": "Maire délégué", "elected": True, "kinds": ("commune",)},
    "adjoint": {"label": "Adjoint au maire", "elected": True, "kinds": ("commune",)},
    "conseiller-municipal": {
        "label": "Conseiller municipal", "elected": True, "kinds": ("commune",)},
    "president": {"label": "Président", "elected": True, "kinds": ("epci",)},
    "vice-president": {"label": "Vice-président", "elected": True, "kinds": ("epci",)},
    "conseiller-communautaire": {
        "label": "Conseiller communautaire", "elected": True, "kinds": ("epci",)},
    "dgs": {"label": "Directeur général des services", "elected": False,
            "kinds": ("commune", "epci")},
    "secretaire-de-mairie": {"label": "Secrétaire de mairie", "elected": False,
                             "kinds": ("commune", "epci")},
    "agent": {"label": "Agent", "elected": False, "kinds": ("commune", "epci")},
}

# Role slugs written the way people write them in French map to the slugs above.
ROLE_ALIASES = {
    "conseillere-municipale": "conseiller-municipal",
    "conseillere-communautaire": "conseiller-communautaire",
    "adjointe": "adjoint",
    "presidente": "president",
    "vice-presidente": "vice-president",
    "maire-deleguee": "maire-delegue",
    "secretaire-general": "secretaire-de-mairie",
    "secretaire-generale": "secretaire-de-mairie",
    "directeur-general-des-services": "dgs",
    "directrice-generale-des-services": "dgs",
}

# The deliberative assembly of each kind of member, and the other standard assemblies.
STANDARD_ASSEMBLIES: dict[str, dict[str, str]] = {
    "commune": {"conseil-municipal": "Conseil municipal"},
    "epci": {"conseil-communautaire": "Conseil communautaire", "bureau": "Bureau"},
}

# Where an elected role sits by default, by member kind.
DEFAULT_ASSEMBLY = {"commune": "conseil-municipal", "epci": "conseil-communautaire"}
# Roles that also sit in an EPCI's bureau by default.
BUREAU_ROLES = ("president", "vice-president")

MEMBER_KINDS = ("commune", "epci")


def missing_dependencies(services: list[str]) -> list[tuple[str, str]]:
    """(service, needed) pairs for every dependency not subscribed."""
    chosen = set(services)
    return [(s, need) for s in services if s in SERVICES
            for need in SERVICES[s] if need not in chosen]
