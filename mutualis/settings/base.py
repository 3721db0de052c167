"""Django settings for Mutualis, shared by dev, test and production (see __init__.py).

Everything that differs between machines comes from the environment:
`DATABASE_URL` (SQLite under var/ when unset), `CELERY_BROKER_URL` (eager in-process when unset),
`MUTUALIS_CACHE_URL` (a memory cache per process when unset), `MUTUALIS_SECRET_KEY`,
`MUTUALIS_DEBUG`, `MUTUALIS_ALLOWED_HOSTS`, `MUTUALIS_VAR_DIR`: docs/settings.md. The MUTUALIS_*
settings the apps read have their defaults in mutualis/conf.py; only what the environment gives
is set here.
"""

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

from mutualis import cache_url

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = Path(os.environ.get("MUTUALIS_VAR_DIR", BASE_DIR / "var"))

DEBUG = os.environ.get("MUTUALIS_DEBUG", "0") == "1"
# The development key only serves the demo and the tests; production sets its own.
SECRET_KEY = os.environ.get("MUTUALIS_SECRET_KEY", "insecure-development-key-change-me")
ALLOWED_HOSTS = os.environ.get(
    "MUTUALIS_ALLOWED_HOSTS", "localhost,.localhost,127.0.0.1").split(",")

INSTALLED_APPS = [
    "mutualis",  # its system checks (mutualis/checks.py)
    "provisioning",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "wagtail_site_factory",
    "ldap_sync",
    "convocation",
    "signature",
    "actes",
    "ged",
    "courrier",
    "portal",
    "workspace",
    "csp",
    "axes",
    "grc",
    "pes",
]

MIDDLEWARE = [
    "mutualis.health.HealthMiddleware",  # first: /healthz answers whatever else fails
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "mutualis.security.DocumentFilePolicyMiddleware",  # after django-csp: sets its own
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail_site_factory.middleware.TenantAdminMiddleware",
    "wagtail_site_factory.pagecache.PageCacheMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as axes asks
]

ROOT_URLCONF = "mutualis.urls"
WSGI_APPLICATION = "mutualis.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'mutualis.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The database holds the sessions: only this account reads it. The var dir is 0700 when
    # created here, and the checkout's own var/ is made so (a MUTUALIS_VAR_DIR the operator
    # made keeps its mode: a web server may serve its static/); the database file is 0600
    # before SQLite first opens it, and SQLite gives its -wal and -shm files that mode.
    if not VAR_DIR.exists():
        VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    elif "MUTUALIS_VAR_DIR" not in os.environ and VAR_DIR.stat().st_mode & 0o077:
        try:
            VAR_DIR.chmod(0o700)
        except PermissionError:
            pass
    _sqlite = Path(DATABASES["default"]["NAME"])
    if _sqlite.parent.is_dir() and str(_sqlite) != ":memory:":
        os.close(os.open(_sqlite, os.O_RDWR | os.O_CREAT, 0o600))
        for _path in (_sqlite, Path(f"{_sqlite}-wal"), Path(f"{_sqlite}-shm")):
            try:
                if _path.stat().st_mode & 0o077:
                    _path.chmod(0o600)
            except (FileNotFoundError, PermissionError):
                pass
    # Several threads or worker processes write the journal: wait for the lock, and take it
    # when a transaction starts (a read lock upgraded later fails at once instead of waiting).
    # WAL with synchronous=NORMAL: readers never wait for the writer, and a commit does not
    # wait for the disk (a power cut may lose the last commits, never corrupt the file).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "transaction_mode": "IMMEDIATE",
         "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"})
    # A file, not SQLite's shared in-memory database, whose table locks ignore the timeout;
    # one per test process, so that test runs side by side do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Staff and officials log in with their directory account; Django's own accounts remain for
# the syndicate's administrators.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses after too many failures
    "ldap_sync.auth.LdapBackend",
    "django.contrib.auth.backends.ModelBackend",
    "portal.backends.StaffAdminAccessBackend",  # the registry's staff open the Wagtail admin
]

# HTTPS, secure cookies and HSTS: production.py.

# Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR networks,
# comma-separated; none by default): docs/reverse-proxy.md, mutualis/client_address.py.
MUTUALIS_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("MUTUALIS_TRUSTED_PROXIES", "").split(",") if p.strip()]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

LANGUAGE_CODE = "fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Private files (dossiers, parapheur documents, acts before publication) live outside
# MEDIA_ROOT and are served only by views that check rights (mutualis/private_files.py).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "private": {"BACKEND": "mutualis.private_files.PrivateStorage"},
}
MUTUALIS_PRIVATE_ROOT = os.environ.get("MUTUALIS_PRIVATE_ROOT", "")  # default VAR_DIR/private
# nginx: the `internal` location that maps to the private root (docs/private-files.md).
MUTUALIS_PRIVATE_ACCEL = os.environ.get("MUTUALIS_PRIVATE_ACCEL", "")
if os.environ.get("MUTUALIS_UPLOAD_MAX_SIZE"):
    MUTUALIS_UPLOAD_MAX_SIZE = int(os.environ["MUTUALIS_UPLOAD_MAX_SIZE"])
# Past the limit, an upload is counted but no longer written (mutualis/uploads.py).
FILE_UPLOAD_HANDLERS = ["mutualis.uploads.SizeLimitUploadHandler",
                        "django.core.files.uploadhandler.MemoryFileUploadHandler",
                        "django.core.files.uploadhandler.TemporaryFileUploadHandler"]
# Wagtail documents through Wagtail's view (collection privacy), never inline unless a PDF;
# images: raster formats only (an SVG may carry script).
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_EXTENSIONS = ["pdf", "odt", "ods", "odp", "docx", "xlsx", "pptx", "csv", "txt",
                          "png", "jpg", "jpeg"]
WAGTAILDOCS_CONTENT_TYPES = {"pdf": "application/pdf", "txt": "text/plain", "csv": "text/csv"}
WAGTAILDOCS_INLINE_CONTENT_TYPES = ["application/pdf"]
WAGTAILDOCS_DOCUMENT_FORM_BASE = "wagtail_site_factory.documents.DocumentForm"
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]

# One cache for every web process and worker: the page cache and the login throttle count
# across processes only if they share it. Redis in production (`check --deploy` refuses a
# per-process cache); the memory cache of each process for the demo (mutualis/cache_url.py).
CACHES = cache_url.caches(os.environ.get("MUTUALIS_CACHE_URL", "locmem://"),
                          os.environ.get("MUTUALIS_CACHE_PREFIX", "mutualis"))

# Django's tasks (Wagtail's index updates) run in-process, coalesced where asked
# (mutualis/tasks.py).
TASKS = {"default": {"BACKEND": "mutualis.tasks.Backend"}}

# Celery: eager in-process unless a broker is configured.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "rpc://"
)
CELERY_TASK_ALWAYS_EAGER = "CELERY_BROKER_URL" not in os.environ
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True  # tasks are idempotent: a task lost with its worker runs again
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task whose process was killed (OOM, kill -9) goes back to the queue rather than being
# acknowledged as failed; one whose whole worker died is handed to another worker by Redis
# once its visibility timeout has passed (it must exceed the longest task).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
visibility_timeout = int(os.environ.get("MUTUALIS_CELERY_VISIBILITY_TIMEOUT", "3600"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": visibility_timeout,
    # Every worker looks for such tasks every few seconds (kombu's default scans at every
    # tenth sweep of 10 s: a dead worker's task would wait 100 s more).
    "unacked_restore_interval": max(1, min(10, visibility_timeout // 2)),
    "unacked_restore_throttle": 1,
}
del visibility_timeout

# Provisioning engine: the drivers, in the order their backends are applied (the default
# list, the destroy threshold, concurrency and retries: mutualis/conf.py).
if os.environ.get("MUTUALIS_DRIVERS"):
    MUTUALIS_DRIVERS = os.environ["MUTUALIS_DRIVERS"].split(",")

# Wagtail: one instance serves every member's site.
WAGTAIL_SITE_NAME = "Mutualis"
# Avatars are uploaded, never fetched from Gravatar (no third-party request, and the CSP).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILADMIN_BASE_URL = os.environ.get("MUTUALIS_ADMIN_BASE_URL", "http://localhost:8000")

# Nextcloud as the apps reach it (publish_files, create_public_link); None: not configured.
MUTUALIS_NEXTCLOUD = ({"url": os.environ["MUTUALIS_NEXTCLOUD_URL"],
                       "user": os.environ.get("MUTUALIS_NEXTCLOUD_USER", ""),
                       "password": os.environ.get("MUTUALIS_NEXTCLOUD_PASSWORD", "")}
                      if os.environ.get("MUTUALIS_NEXTCLOUD_URL") else None)

# Links sent by mail (activation, convocations) start with this address; unset, they take the
# address the demo serves on, else http://127.0.0.1:8000 (see mutualis/links.py).
MUTUALIS_BASE_URL = os.environ.get("MUTUALIS_BASE_URL", "")

# Parapheur: secret(s) for signing keys at rest (comma-separated, the first encrypts; derived
# from SECRET_KEY when unset, for development only), the timestamp authority, the signature
# level (default B-T with a TSA, else B-B), trust anchors (PEM files, colon-separated), and a
# PKCS#11 module for smart cards and HSMs.
MUTUALIS_SIGNATURE_KEY = os.environ.get("MUTUALIS_SIGNATURE_KEY", "")
MUTUALIS_TSA_URL = os.environ.get("MUTUALIS_TSA_URL", "")
MUTUALIS_TSA_USER = os.environ.get("MUTUALIS_TSA_USER", "")
MUTUALIS_TSA_PASSWORD = os.environ.get("MUTUALIS_TSA_PASSWORD", "")
MUTUALIS_SIGNATURE_LEVEL = os.environ.get("MUTUALIS_SIGNATURE_LEVEL", "")
MUTUALIS_SIGNATURE_TRUST_ROOTS = [
    p for p in os.environ.get("MUTUALIS_SIGNATURE_TRUST_ROOTS", "").split(":") if p]
MUTUALIS_PKCS11_MODULE = os.environ.get("MUTUALIS_PKCS11_MODULE", "")
# The members' certificates: the policy OIDs each kind must carry
# ("rgs_auth=1.2.3 1.2.4;signing=1.2.5"), and who at the syndicate gets the expiry reminders.
MUTUALIS_CERTIFICATE_POLICIES = {
    kind.strip(): oids.split() for kind, _, oids in (
        part.partition("=") for part in os.environ.get(
            "MUTUALIS_CERTIFICATE_POLICIES", "").split(";") if "=" in part)}
MUTUALIS_CERTIFICATES_MAIL_TO = [
    a.strip() for a in os.environ.get("MUTUALIS_CERTIFICATES_MAIL_TO", "").split(",")
    if a.strip()]

# Acts: the tiers de télétransmission to the prefecture (S²LOW). Its client certificate and
# key are files given by path; its password, when the certificate is shared, comes from the
# environment. MUTUALIS_ACTES_XSD_DIR: a folder with the Ministry's current @ctes schema files
# to validate against instead of the copies shipped in actes/data/actes-v1.1.
MUTUALIS_ACTES_TDT = ({
    "url": os.environ["MUTUALIS_S2LOW_URL"],
    "client_cert": os.environ.get("MUTUALIS_S2LOW_CERT") or None,
    "client_key": os.environ.get("MUTUALIS_S2LOW_KEY") or None,
    "key_password": os.environ.get("MUTUALIS_S2LOW_KEY_PASSWORD") or None,
    "ca_bundle": os.environ.get("MUTUALIS_S2LOW_CA") or None,
    "login": os.environ.get("MUTUALIS_S2LOW_LOGIN") or None,
    "password": os.environ.get("MUTUALIS_S2LOW_PASSWORD") or None,
    "application": os.environ.get("MUTUALIS_S2LOW_APPLICATION", "EACT"),
    "mode": os.environ.get("MUTUALIS_S2LOW_MODE", "act"),
} if os.environ.get("MUTUALIS_S2LOW_URL") else None)
MUTUALIS_ACTES_XSD_DIR = os.environ.get("MUTUALIS_ACTES_XSD_DIR") or None
# Hélios (PES flux): S²LOW's Hélios module; unset, the acts' tiers above (one S²LOW account
# carries both). The same certificate and login settings apply.
MUTUALIS_HELIOS_TDT = ({
    **{k: v for k, v in (MUTUALIS_ACTES_TDT or {}).items() if k not in ("application", "mode")},
    "url": os.environ["MUTUALIS_HELIOS_S2LOW_URL"],
} if os.environ.get("MUTUALIS_HELIOS_S2LOW_URL") else None)
# Courrier: Chorus Pro through PISTE (the syndicate's PISTE application, and each member's
# Chorus Pro technical account as JSON: {"79174": {"login": …, "password": …, "structure":
# idStructureCPP}}), and the root of the watched folders (a folder per member code).
MUTUALIS_CHORUS_PRO = ({
    "api_url": os.environ["MUTUALIS_CHORUS_PRO_URL"],
    "token_url": os.environ.get("MUTUALIS_CHORUS_PRO_TOKEN_URL",
                                "https://oauth.piste.gouv.fr/api/oauth/token"),
    "client_id": os.environ.get("MUTUALIS_CHORUS_PRO_CLIENT_ID", ""),
    "client_secret": os.environ.get("MUTUALIS_CHORUS_PRO_CLIENT_SECRET", ""),
    "accounts": json.loads(os.environ.get("MUTUALIS_CHORUS_PRO_ACCOUNTS") or "{}"),
} if os.environ.get("MUTUALIS_CHORUS_PRO_URL") else None)
MUTUALIS_COURRIER_WATCH_ROOT = os.environ.get("MUTUALIS_COURRIER_WATCH_ROOT", "")
# Days after an item's due date before its department is reminded, then before the
# reminder is escalated to the secrétariat.
MUTUALIS_COURRIER_REMIND_AFTER = int(os.environ.get("MUTUALIS_COURRIER_REMIND_AFTER", "0"))
MUTUALIS_COURRIER_ESCALATE_AFTER = int(os.environ.get("MUTUALIS_COURRIER_ESCALATE_AFTER", "7"))
# GED: the archive system that receives SEDA 2.2 transfers, and its identifier.
MUTUALIS_GED_ARCHIVE_URL = os.environ.get("MUTUALIS_GED_ARCHIVE_URL", "")
MUTUALIS_GRC_MAP_TILES = os.environ.get("MUTUALIS_GRC_MAP_TILES", "")
MUTUALIS_GRC_MAP_ATTRIBUTION = os.environ.get("MUTUALIS_GRC_MAP_ATTRIBUTION", "")
MUTUALIS_GED_ARCHIVAL_AGENCY = os.environ.get("MUTUALIS_GED_ARCHIVAL_AGENCY",
                                              "archives-departementales")
# One login page on every host (the commune's, the syndicate's): staff land in the Wagtail
# admin, officials in their space (portal/).
LOGIN_URL = "/connexion/"
LOGIN_REDIRECT_URL = "/connexion/suite/"
LOGOUT_REDIRECT_URL = "/connexion/"
# A page of a site restricted to logged-in people sends them to the same login page.
WAGTAIL_FRONTEND_LOGIN_URL = LOGIN_URL

# Passwords people choose (the activation page, the syndicate's admin accounts); the
# directory's own policy (length, history) applies on top for directory accounts.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ("username", "first_name", "last_name", "email")}},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Outgoing mail: the relay of MUTUALIS_EMAIL_HOST when it is set (production), else the demo's
# embedded mail server of `mutualis services start` (mail_service/backend.py).
EMAIL_BACKEND = "mail_service.backend.EmailBackend"
MUTUALIS_EMAIL_CONFIGURED = "MUTUALIS_EMAIL_HOST" in os.environ
EMAIL_HOST = os.environ.get("MUTUALIS_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("MUTUALIS_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("MUTUALIS_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("MUTUALIS_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("MUTUALIS_EMAIL_TLS", "0") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("MUTUALIS_EMAIL_FROM", "convocations@localhost")
# Unset, mail from the default address leaves from the inventory's `smtp: {from: ...}`.
MUTUALIS_EMAIL_FROM_CONFIGURED = "MUTUALIS_EMAIL_FROM" in os.environ
# A relay that stops answering must not hold a sending forever.
EMAIL_TIMEOUT = int(os.environ.get("MUTUALIS_EMAIL_TIMEOUT", "30"))
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "convocation-reminders": {"task": "convocation.reminders",
                              "schedule": crontab(hour=8, minute=0)},
    "grc-reminders": {"task": "grc.reminders", "schedule": crontab(hour=7, minute=30)},
    "grc-retention": {"task": "grc.retention", "schedule": crontab(hour=3, minute=15)},
    # GED: the documents at the end of their DUA into batches awaiting the visa (ged/tasks.py).
    "ged-retention": {"task": "ged.retention", "schedule": crontab(hour=2, minute=45)},
    # Courrier: the courrier@ mailboxes and Chorus Pro every ten minutes (the statuses
    # not yet taken by Chorus Pro go with it), the watched folders every five, reminders
    # daily (courrier/tasks.py).
    "courrier-mail": {"task": "courrier.fetch_mail", "schedule": crontab(minute="*/10")},
    "courrier-chorus": {"task": "courrier.chorus_import", "schedule": crontab(minute="*/10")},
    "courrier-folders": {"task": "courrier.watch_folders", "schedule": crontab(minute="*/5")},
    "courrier-reminders": {"task": "courrier.reminders", "schedule": crontab(hour=7, minute=45)},
    # The prefecture's acknowledgements and letters (actes/tasks.py), every hour.
    "actes-refresh": {"task": "actes.refresh", "schedule": crontab(minute=10)},
    # Hélios: the PES flux still pending, their PES_Acquit, the PES_Retour (actes/tasks.py).
    "actes-helios-refresh": {"task": "actes.helios_refresh", "schedule": crontab(minute="*/15")},
    # B-LTA archive timestamps about to stop being verifiable (signature/tasks.py), nightly.
    "signature-renewals": {"task": "signature.renew_archive_timestamps",
                           "schedule": crontab(hour=3, minute=30)},
    # The members' certificates: new parapheur keys, checks, expiry reminders (signature/tasks.py).
    "signature-certificates": {"task": "signature.certificates_daily",
                               "schedule": crontab(hour=6, minute=45)},
}

# /metrics answers only with this bearer token (mutualis/health.py); unset, it is off.
MUTUALIS_METRICS_TOKEN = os.environ.get("MUTUALIS_METRICS_TOKEN", "")

# Tokens of the links sent by mail never reach a log: the loggers that write request paths
# (Django's 4xx answers, CSRF refusals, the demo server's request lines) mask them before any
# handler sees the record, and the console handler does for every other logger
# (mutualis/log_filters.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"tokens": {"()": "mutualis.log_filters.TokenFilter"}},
    "formatters": {"django.server": {"()": "django.utils.log.ServerFormatter",
                                     "format": "[{server_time}] {message}", "style": "{"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["tokens"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server",
                          "level": "INFO", "filters": ["tokens"]},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django.request": {"filters": ["tokens"]},
        "django.security.csrf": {"filters": ["tokens"]},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False,
                          "filters": ["tokens"]},
    },
}

# ---------------------------------------------------------------------------------------------
# The libraries that do what Mutualis once did itself (docs/security.md).

# django-csp: every page Mutualis renders allows only its own origin (no inline code, nothing
# from elsewhere). The admin interfaces carry inline code: left to their own headers. A
# response with a policy of its own keeps it (private files, Wagtail documents:
# mutualis/security.py).
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/", "/django-admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    },
}

# django-axes: login throttling (mutualis/throttle.py). Failures within 15 minutes: per account
# from one address (then that pair is refused), per account from all addresses (then refused
# from addresses it never logged in from within MUTUALIS_LOGIN_KNOWN_DAYS), per address across
# accounts (only logged, never refused). Attempts are kept in the database, not the cache:
# shared by every process whatever the cache, and the access log of successful logins is what
# tells an account's known addresses.
AXES_HANDLER = "mutualis.throttle.LoginLimits"
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a refusal tries no password: not counted
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # the per-account and per-address counts
AXES_CLIENT_IP_CALLABLE = "mutualis.throttle.throttled_address"
AXES_USERNAME_CALLABLE = "mutualis.throttle.account"
AXES_LOCKOUT_CALLABLE = "mutualis.throttle.looks_like_a_wrong_password"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]
AXES_ENABLE_ADMIN = False  # `manage.py axes_list_attempts`, `axes_reset_username`...

# django-auth-ldap (ldap_sync/auth.py) takes its settings from the directory's runtime
# configuration (MUTUALIS_LDAP or the embedded directory): no AUTH_LDAP_* setting here.
