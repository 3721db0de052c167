"""The nextcloud backend's settings, checked once, with one sentence per mistake."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from provisioning.drivers import BackendError

PROVISIONED, LDAP = "provisioned", "ldap"
UNLIMITED = -3  # lib/public/Files/FileInfo.php SPACE_UNLIMITED, as Nextcloud reports "none"
_UNITS = {"MB": 1024**2, "GB": 1024**3, "TB": 1024**4}
_QUOTA = re.compile(r"^(\d+(?:\.\d)?)\s*(MB|GB|TB)$", re.IGNORECASE)


def quota_bytes(value: str | int, name: str) -> int:
    """'2 GB' -> 2147483648; 'none' -> -3. Nextcloud stores a user quota as a human size
    with one decimal (OC_Helper::humanFileSize), so only such sizes read back the same."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value >= 0 and value % _UNITS["MB"] == 0:
            return value
        raise BackendError(f"nextcloud backend: {name} must be a whole number of megabytes")
    text = str(value).strip()
    if text.lower() == "none":
        return UNLIMITED
    found = _QUOTA.match(text)
    if not found:
        raise BackendError(f"nextcloud backend: {name} must be a size such as '2 GB', "
                           f"'500 MB' or 'none', not {text!r}")
    return round(float(found[1]) * _UNITS[found[2].upper()])


@dataclass(frozen=True)
class LdapSource:
    """How Nextcloud's user_ldap reaches the directory (ldap mode)."""

    host: str  # "ldaps://annuaire.example.fr" or "annuaire.example.fr"
    port: int
    base_dn: str
    bind_dn: str
    bind_password: str = field(repr=False)
    config_id: str = "s01"
    start_tls: bool = False


@dataclass(frozen=True)
class NextcloudConfig:
    url: str
    user: str
    password: str = field(repr=False)
    mode: str = PROVISIONED
    timeout: float = 30.0
    concurrency: int = 8
    retries: int = 3
    backoff: float = 0.2
    verify: bool | str = True
    user_quota: int = 1024**3
    folder_quota: int = 10 * 1024**3
    ldap: LdapSource | None = None

    @classmethod
    def from_settings(cls, config: dict) -> NextcloudConfig:
        missing = [k for k in ("url", "user", "password") if not config.get(k)]
        if missing:
            raise BackendError(f"the nextcloud backend settings lack {', '.join(missing)}")
        mode = config.get("mode", PROVISIONED)
        if mode not in (PROVISIONED, LDAP):
            raise BackendError(f"nextcloud backend: mode must be '{PROVISIONED}' or '{LDAP}', "
                               f"not {mode!r}")
        verify = config.get("ca_file") or config.get("verify_tls", True)
        return cls(
            url=str(config["url"]).rstrip("/"), user=str(config["user"]),
            password=str(config["password"]), mode=mode,
            timeout=float(config.get("timeout", 30)),
            concurrency=int(config.get("concurrency", 8)),
            retries=int(config.get("retries", 3)), backoff=float(config.get("backoff", 0.2)),
            verify=verify,
            user_quota=quota_bytes(config.get("user_quota", "1 GB"), "user_quota"),
            folder_quota=quota_bytes(config.get("folder_quota", "10 GB"), "folder_quota"),
            ldap=_ldap_source(config) if mode == LDAP else None,
        )


def _ldap_source(config: dict) -> LdapSource:
    missing = [k for k in ("ldap_url", "base_dn", "bind_dn", "bind_password")
               if not config.get(k)]
    if missing:
        raise BackendError("nextcloud backend: mode 'ldap' needs " + ", ".join(missing)
                           + " (how Nextcloud reaches the directory)")
    url = urlsplit(str(config["ldap_url"]))
    if url.scheme not in ("ldap", "ldaps") or not url.hostname:
        raise BackendError("nextcloud backend: ldap_url must look like "
                           "ldaps://annuaire.example.fr or ldap://10.0.0.5:389")
    host = f"ldaps://{url.hostname}" if url.scheme == "ldaps" else url.hostname
    port = url.port or (636 if url.scheme == "ldaps" else 389)
    return LdapSource(host=host, port=port, base_dn=str(config["base_dn"]),
                      bind_dn=str(config["bind_dn"]),
                      bind_password=str(config["bind_password"]),
                      config_id=str(config.get("ldap_config_id", "s01")),
                      start_tls=bool(config.get("start_tls", False)))
