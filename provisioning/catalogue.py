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
    "messagerie": (),
    "ged": (),
    "courrier": (),
    "grc": ("website",),
    "pes": ("parapheur",),
}

SERVICE_LABELS = {
    "website": "Site internet",
    "extranet": "Extranet",
    "cloud": "Partage de fichiers",
    "agenda": "Agendas",
    "convocation": "Convocation électronique des élus",
    "parapheur": "Parapheur électronique",
    "messagerie": "Messagerie partagée",
    "ged": "Gestion électronique des documents et archives",
    "courrier": "Courrier et factures",
    "grc": "Relation citoyen (démarches en ligne)",
    "pes": "Signature des flux comptables PES (Hélios)",
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

# How a role may be written in the inventory (its slug), the role it is, and the civility
# its form says: "adjointe" is a woman, "adjoint" a man, "maire" or "DGS" says nothing.
# The roles themselves are kept by their masculine slug (the stable key in the registry).
ROLE_FORMS: dict[str, tuple[str, str]] = {
    "maire": ("maire", ""),
    "maire-delegue": ("maire-delegue", "m"),
    "maire-deleguee": ("maire-delegue", "mme"),
    "adjoint": ("adjoint", "m"),
    "adjointe": ("adjoint", "mme"),
    "conseiller-municipal": ("conseiller-municipal", "m"),
    "conseillere-municipale": ("conseiller-municipal", "mme"),
    "president": ("president", "m"),
    "presidente": ("president", "mme"),
    "vice-president": ("vice-president", "m"),
    "vice-presidente": ("vice-president", "mme"),
    "conseiller-communautaire": ("conseiller-communautaire", "m"),
    "conseillere-communautaire": ("conseiller-communautaire", "mme"),
    "dgs": ("dgs", ""),
    "directeur-general-des-services": ("dgs", "m"),
    "directrice-generale-des-services": ("dgs", "mme"),
    "secretaire-de-mairie": ("secretaire-de-mairie", ""),
    "secretaire-general": ("secretaire-de-mairie", "m"),
    "secretaire-generale": ("secretaire-de-mairie", "mme"),
    "agent": ("agent", ""),
}

# Role slugs written the way people write them in French map to the slugs above.
ROLE_ALIASES = {form: role for form, (role, _c) in ROLE_FORMS.items() if form != role}

# Civility of a person: "mme", "m", or "" when neither the inventory nor the role says.
MADAME, MONSIEUR = "mme", "m"
CIVILITIES = (MADAME, MONSIEUR)
# How the inventory may write it (lower-cased, final dot dropped).
CIVILITY_FORMS = {"mme": MADAME, "madame": MADAME, "m": MONSIEUR, "monsieur": MONSIEUR}
CIVILITY_WRITTEN = {MADAME: "Mme", MONSIEUR: "M."}

# The labels of the roles held by a woman, where French has a feminine form (the Guide
# d'aide à la féminisation des noms de métiers, titres, grades et fonctions, and the
# Académie française's 2019 report). « Maire », « Agent » and « Secrétaire de mairie » stay
# as they are: one says « la maire », the label does not change.
FEMININE_LABELS = {
    "maire-delegue": "Maire déléguée",
    "adjoint": "Adjointe au maire",
    "conseiller-municipal": "Conseillère municipale",
    "president": "Présidente",
    "vice-president": "Vice-présidente",
    "conseiller-communautaire": "Conseillère communautaire",
    "dgs": "Directrice générale des services",
}


def parse_civility(written: str) -> str | None:
    """The civility `written` in the inventory ("Mme", "M.", "Madame"...), None if it is none."""
    return CIVILITY_FORMS.get(written.strip().lower().removesuffix("."))


def role_label(slug: str, civility: str = "") -> str:
    """The label of role `slug` for a person of that civility ("mme", "m" or "")."""
    if civility == MADAME and slug in FEMININE_LABELS:
        return FEMININE_LABELS[slug]
    spec = ROLES.get(slug)
    return spec["label"] if spec else slug

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
