"""The inventory's `backends` section, resolved: `${ENV}` references, Vault values, `embedded`.

Only `resolve()` ever sees secret values; it returns them to the drivers in memory and nowhere
else. `mutualis services start` writes the embedded backends' URLs and credentials to
`var/services.json` (mode 0600); a backend whose `url` is `embedded` takes them from there.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
from pathlib import Path

from django.conf import settings

from mutualis import conf

from .drivers import ProvisioningError
from .inventory import BackendConfig, Inventory

ENV_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")


def free_port() -> int:
    """A loopback port nobody listens on now, for an embedded server about to start."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(process: subprocess.Popen | None, timeout: float = 10.0) -> None:
    """Stop an embedded server's process: SIGTERM (it closes its ports and files), then
    SIGKILL if it is still there after `timeout` seconds."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def services_file() -> Path:
    return Path(settings.VAR_DIR) / "services.json"


def embedded_services() -> dict:
    path = services_file()
    if not path.exists():
        return {}
    return json.loads(path.read_text())


def write_embedded_services(services: dict) -> Path:
    path = services_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(services, f, indent=2)
    return path


def resolve_secret(reference, where: str) -> str:
    """The value behind `${VAR}` or an Ansible Vault value; a clear error when unavailable."""
    if hasattr(reference, "decrypt"):  # an Ansible Vault value kept by the loader
        return reference.decrypt(where)
    match = ENV_REF.match(str(reference))
    if not match:
        raise ProvisioningError(
            f"{where}: a secret must be a ${{ENV_VAR}} reference or a Vault value")
    name = match.group(1)
    if name not in os.environ:
        raise ProvisioningError(f"{where}: the environment variable {name} is not set")
    return os.environ[name]


# The record of var/services.json that serves a backend of the inventory, where the names
# differ: `mail` there is the demo mail catcher, and the mail driver writes the directory
# that the embedded Postfix and Dovecot (`mail-server`) read.
EMBEDDED_RECORDS = {"mail": "mail-server"}


class EmbeddedUnavailable(ProvisioningError):
    """An embedded backend that cannot run on this machine (its record says why): the demo
    goes on without that backend's resources."""


def resolve_backend(config: BackendConfig) -> dict:
    if config.embedded:
        record = embedded_services().get(EMBEDDED_RECORDS.get(config.name, config.name))
        if record is not None and record.get("error"):
            raise EmbeddedUnavailable(f"backend {config.name} is 'embedded' but its embedded "
                                    f"server did not start: {record['error']}")
        embedded = record.get("backend", record) if record is not None else None
        if embedded is None:
            raise ProvisioningError(
                f"backend {config.name} is 'embedded' but no embedded {config.name} is running: "
                "run `mutualis services start` first")
        # The embedded server's own settings win (its base DN is fixed when it is created);
        # the inventory may add settings it does not have.
        resolved = {**{k: v for k, v in config.settings.items() if k != "url"}, **embedded}
        resolved["embedded"] = True
        return resolved
    resolved = dict(config.settings)
    for name, ref in config.secrets.items():
        resolved[name] = resolve_secret(ref, f"backends.{config.name}.{name}")
    return resolved


def resolve(inventory: Inventory) -> dict[str, dict]:
    """Every declared backend's settings, secrets resolved."""
    return {name: resolve_backend(cfg) for name, cfg in inventory.backends.items()}


def runtime_backend(name: str, setting: str, what: str) -> dict:
    """A backend as the web app, the apps and the workers reach it outside an apply: the
    Django setting `setting` (a dict: url, user, password...), else the embedded server of
    `mutualis services start`."""
    configured = conf.get(setting)
    if configured:
        return dict(configured)
    embedded = embedded_services().get(name)
    if not embedded:
        hint = " or run `mutualis services start`" if name in ("ldap", "caldav") else ""
        raise ProvisioningError(f"no {what} is configured: set {setting}{hint}")
    return embedded
