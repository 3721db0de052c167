"""The MUTUALIS_* settings the apps read: each one declared here once, with its default.

`conf.MUTUALIS_TSA_URL` is the settings module's value, else the default below. It is read at
each access, so `override_settings` and the tests' `settings` fixture apply. The settings
modules (mutualis/settings/) set only what comes from the environment or differs from these
defaults; docs/settings.md lists the environment variables.

Imports nothing of the project: any module may use it.
"""

from __future__ import annotations

from types import MappingProxyType

from django.conf import settings

DEFAULTS = {
    # ---- provisioning
    # The drivers, in the order their backends are applied (env MUTUALIS_DRIVERS).
    "MUTUALIS_DRIVERS": (
        "provisioning.registry.RegistryDriver",
        "ldap_sync.driver.LdapDriver",
        "mail_service.driver.MailDriver",
        "nextcloud_bridge.driver.NextcloudDriver",
        "nextcloud_bridge.agendas.driver.AgendaDriver",
        "wagtail_site_factory.driver.SiteDriver",
    ),
    # Share of existing resources a plan may disable or archive without --allow-destroy.
    "MUTUALIS_DESTROY_THRESHOLD": 0.10,
    # Concurrent changes per backend (in one apply, and per worker queue).
    "MUTUALIS_BACKEND_CONCURRENCY": MappingProxyType(
        {"registry": 1, "ldap": 8, "mail": 4, "nextcloud": 8, "caldav": 4, "wagtail": 1}),
    # Attempts for a change that fails with a transient backend error, and the first backoff (s).
    "MUTUALIS_RETRY_ATTEMPTS": 4,
    "MUTUALIS_RETRY_BACKOFF": 0.5,
    # The backends as the web app and the workers reach them outside an apply (dicts: url,
    # user, password...); None: the embedded servers of `mutualis services start`.
    "MUTUALIS_LDAP": None,
    "MUTUALIS_NEXTCLOUD": None,  # env MUTUALIS_NEXTCLOUD_URL, _USER, _PASSWORD
    "MUTUALIS_CALDAV": None,
    # The shared mail's servers (host, imap_port, submission_port, dkim_dir); None: the
    # embedded Postfix and Dovecot.
    "MUTUALIS_MAIL": None,
    # ---- the web app
    # Login throttling beyond django-axes' own (address, account) limit (mutualis/throttle.py):
    # failures of one account from every address before unknown addresses are refused, failures
    # from one address across accounts before a warning is logged, and how long an address an
    # account logged in from stays known (days).
    "MUTUALIS_LOGIN_MAX_ACCOUNT_FAILURES": 50,
    "MUTUALIS_LOGIN_ADDRESS_WARNING": 30,
    "MUTUALIS_LOGIN_KNOWN_DAYS": 30,
    # Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR networks).
    "MUTUALIS_TRUSTED_PROXIES": (),
    # Private files' root (empty: VAR_DIR/private), and nginx's internal location for it.
    "MUTUALIS_PRIVATE_ROOT": "",
    "MUTUALIS_PRIVATE_ACCEL": "",
    # Largest upload in bytes; past it an upload is counted, no longer written.
    "MUTUALIS_UPLOAD_MAX_SIZE": 50 * 1024 * 1024,
    # Django serves MEDIA_URL itself (the demo: no web server in front); always with DEBUG.
    "MUTUALIS_SERVE_MEDIA": False,
    # Bearer token /metrics asks for (env MUTUALIS_METRICS_TOKEN); empty: /metrics is off.
    "MUTUALIS_METRICS_TOKEN": "",
    # Start of the links sent by mail; empty: the demo's address, else http://127.0.0.1:8000.
    "MUTUALIS_BASE_URL": "",
    # Days an activation link stays valid.
    "MUTUALIS_ACTIVATION_DAYS": 7,
    # Contact form of a member's site: messages per visitor's address within the window (s).
    "MUTUALIS_CONTACT_MAX_MESSAGES": 5,
    "MUTUALIS_CONTACT_WINDOW": 3600,
    # ---- mail
    # A relay is configured (env MUTUALIS_EMAIL_HOST); else the demo's embedded mail server.
    "MUTUALIS_EMAIL_CONFIGURED": False,
    # The sender is configured (env MUTUALIS_EMAIL_FROM); else the inventory's smtp.from.
    "MUTUALIS_EMAIL_FROM_CONFIGURED": False,
    # ---- convocations
    # Sender of convocations; empty: DEFAULT_FROM_EMAIL.
    "MUTUALIS_CONVOCATION_FROM": "",
    # Days before a sitting when officials who have not opened their convocation are reminded.
    "MUTUALIS_CONVOCATION_REMINDER_DAYS": 2,
    # Cost in euros of one paper dossier, for the savings report.
    "MUTUALIS_PAPER_DOSSIER_COST": "7.35",
    # ---- parapheur and timestamps
    # Secrets for signing keys at rest (comma-separated, the first encrypts); empty: derived
    # from SECRET_KEY, for development only.
    "MUTUALIS_SIGNATURE_KEY": "",
    # The timestamp authority (RFC 3161) and its credentials; empty: the demo's.
    "MUTUALIS_TSA_URL": "",
    "MUTUALIS_TSA_USER": "",
    "MUTUALIS_TSA_PASSWORD": "",
    # PAdES level; empty: B-T with a timestamp authority, else B-B.
    "MUTUALIS_SIGNATURE_LEVEL": "",
    # Trust anchors (PEM files) for verifying signatures.
    "MUTUALIS_SIGNATURE_TRUST_ROOTS": (),
    # PKCS#11 module for smart cards and HSMs; empty: none.
    "MUTUALIS_PKCS11_MODULE": "",
    # The members' certificates (signature/certificates/): the certification policy OIDs each
    # kind must carry ({"rgs_auth": [...], "signing": [...], "seal": [...]}; none: any), and
    # who at the syndicate receives the expiry reminders (empty: its superusers' addresses).
    "MUTUALIS_CERTIFICATE_POLICIES": MappingProxyType({}),
    "MUTUALIS_CERTIFICATES_MAIL_TO": (),
    # Signed folders are published to the members' Nextcloud, in this folder of theirs.
    "MUTUALIS_PARAPHEUR_PUBLISH": True,
    "MUTUALIS_PARAPHEUR_NEXTCLOUD_FOLDER": "extranet",
    # ---- acts
    # The tiers de télétransmission (S²LOW, a dict: url, client_cert...); None: not configured.
    "MUTUALIS_ACTES_TDT": None,
    # A folder of the Ministry's current @ctes schemas; None: the copies in actes/data.
    "MUTUALIS_ACTES_XSD_DIR": None,
    # The tiers for the accounting flux to Hélios (same keys); None: the acts' one.
    "MUTUALIS_HELIOS_TDT": None,
    # ---- GED
    # The archive system's gateway that receives SEDA transfers (ged/connector.py); empty:
    # none, transfers wait. Its identifier as ArchivalAgency in the manifests.
    "MUTUALIS_GED_ARCHIVE_URL": "",
    "MUTUALIS_GED_ARCHIVAL_AGENCY": "archives-departementales",
    # ---- citizen requests (grc)
    # Requests a visitor's address may file per window (s), on one member's site.
    "MUTUALIS_GRC_SUBMIT_MAX": 10,
    "MUTUALIS_GRC_SUBMIT_WINDOW": 3600,
    # Seconds a form must have been open before it is posted (robots post at once), and hours
    # it stays valid.
    "MUTUALIS_GRC_MIN_FILL_SECONDS": 3,
    "MUTUALIS_GRC_FORM_HOURS": 24,
    # Unknown tracking codes a visitor's address may try per window (s) before being refused.
    "MUTUALIS_GRC_FOLLOW_MAX_FAILURES": 20,
    "MUTUALIS_GRC_FOLLOW_WINDOW": 3600,
    # Largest photo a citizen may attach (bytes).
    "MUTUALIS_GRC_PHOTO_MAX_SIZE": 8 * 1024 * 1024,
    # The tile server of the signalement's map (a URL with {z}, {x}, {y}, e.g. the syndicate's
    # own or a provider it has an agreement with), the attribution its licence asks for, and
    # the map's first view (latitude, longitude, zoom). No tiles: no map, the address only.
    "MUTUALIS_GRC_MAP_TILES": "",
    "MUTUALIS_GRC_MAP_ATTRIBUTION": "",
    "MUTUALIS_GRC_MAP_VIEW": (46.6, 1.9, 6),
}


def get(name: str):
    """The setting `name` (declared above), as the settings module gives it or by default."""
    return getattr(settings, name, DEFAULTS[name])


def __getattr__(name: str):
    if name not in DEFAULTS:
        raise AttributeError(f"{name} is not a declared setting: declare it in "
                             f"{__name__}.DEFAULTS")
    return get(name)
