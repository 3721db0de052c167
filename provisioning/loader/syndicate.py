"""Pass 3 of the loader, the top of the file: the syndicate's domains and the backends
(secrets only as ${ENV_VAR} references or Vault values, never a password in a URL)."""

from __future__ import annotations

import re
from typing import Any

from ..inventory import BackendConfig, Syndicate
from ..quoting import shown
from ..schema import ENV_REF_PATTERN, SECRET_KEYS
from .base import CheckerBase
from .helpers import _HOSTNAME_RULE, _hostname, _text
from .yaml_source import JsonPath, VaultValue

_ENV_REF = re.compile(ENV_REF_PATTERN)


class SyndicateChecks(CheckerBase):
    """The syndicate and backends sections, built into `Syndicate` and `BackendConfig`."""

    def check_secrets(self, value: Any, path: JsonPath) -> None:
        """Every secret under `backends` is a ${ENV_VAR} or a Vault value; never echo it."""
        if isinstance(value, dict):
            if set(value) == {"__ansible_vault"}:
                return
            for key, item in value.items():
                if str(key) in SECRET_KEYS:
                    self.check_secret(item, path + (str(key),))
                else:
                    self.check_secrets(item, path + (str(key),))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                self.check_secrets(item, path + (i,))

    def check_secret(self, value: Any, path: JsonPath) -> None:
        key = str(path[-1])
        if isinstance(value, dict) and set(value) == {"__ansible_vault"}:
            value = VaultValue(str(value["__ansible_vault"]))
        if isinstance(value, VaultValue):
            if not value.ciphertext.startswith("$ANSIBLE_VAULT;"):
                self.error(path, f"{key} is tagged !vault but is not an Ansible Vault value "
                                 "(it must start with $ANSIBLE_VAULT;)", key=True)
        elif not (isinstance(value, str) and _ENV_REF.match(value)):
            self.error(path, f"{key} must be a ${{ENV_VAR}} reference or an Ansible Vault "
                             "value, never clear text", key=True)

    def syndicate(self) -> Syndicate | None:
        raw = self.data.get("syndicate")
        if not isinstance(raw, dict):
            return None
        domains = {}
        for key in ("domain", "sites_domain", "mail_domain"):
            value = _text(raw.get(key))
            if value is None:
                continue
            ascii_name = _hostname(value)
            if ascii_name is None:
                self.error(("syndicate", key), f'{key} {shown(value)} is not a valid domain name: '
                                               f"{_HOSTNAME_RULE}")
            domains[key] = ascii_name
        name, siren = _text(raw.get("name")), _text(raw.get("siren"))
        if not (name and siren and domains.get("domain")):
            return None
        return Syndicate(name=name, siren=siren, domain=domains["domain"],
                         sites_domain=domains.get("sites_domain") or domains["domain"],
                         mail_domain=domains.get("mail_domain") or domains["domain"])

    def backends(self) -> dict[str, BackendConfig]:
        raw = self.data.get("backends")
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            return {}
        self.check_secrets(raw, ("backends",))
        result = {}
        for name, settings in raw.items():
            if not isinstance(settings, dict):
                continue
            path = ("backends", str(name))
            url = settings.get("url")
            if isinstance(url, str) and re.match(r"^[a-z+]+://[^/@]*:[^/@]*@", url):
                self.error(path + ("url",), "the url holds a password: give it as a "
                                            "${ENV_VAR} reference in the password key instead")
            if name == "smtp" and not settings.get("host") and not settings.get("url"):
                self.error(path, 'give the SMTP server as "host" (or url: embedded)')
            plain = {k: v for k, v in settings.items() if k not in SECRET_KEYS}
            secrets = {k: (VaultValue(v["__ansible_vault"]) if isinstance(v, dict) else v)
                       for k, v in settings.items() if k in SECRET_KEYS}
            result[str(name)] = BackendConfig(name=str(name), settings=plain, secrets=secrets)
        return result
