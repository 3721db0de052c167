"""`mutualis services start|stop|status`: the embedded default backends under var/.

A throwaway slapd (directory), Radicale (agendas), the demo mail server (every mail the
demo sends, readable in a browser) and the demo timestamp authority with its demo
certification authority (the officials' demo signing credentials) on loopback, started as
background processes that outlive the command. Their URLs and generated credentials go to
var/services.json (mode 0600), where an inventory whose backends say `embedded` finds them.
Radicale is started after slapd and authenticates people against it, so that the assembly
calendars can be shared with the assemblies' members.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from django.conf import settings

from provisioning.backends import embedded_services, services_file, write_embedded_services


def services_path() -> Path:
    return services_file()


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _agenda_directory(ldap: dict | None) -> dict | None:
    """The embedded directory as the embedded Radicale logs people in against it."""
    if not ldap:
        return None
    return {"url": ldap["url"], "base_dn": ldap["base_dn"],
            "bind_dn": ldap["bind_dn"], "bind_password": ldap["bind_password"]}


def _starters() -> dict:
    """Each embedded backend and how to start it (given the backends started before it), for
    the packages that are installed, in the order they start."""
    starters = {}
    try:
        from ldap_sync.server import start_slapd
    except ImportError:
        pass
    else:
        starters["ldap"] = lambda var, started: start_slapd(var / "ldap")
    from nextcloud_bridge.agendas.server import start_radicale

    starters["caldav"] = lambda var, started: start_radicale(
        var / "radicale", directory=_agenda_directory(started.get("ldap")))
    from mail_service.server import start_mail

    starters["mail"] = lambda var, started: start_mail(var / "mail")
    from signature.tsa_server import start_tsa

    starters["tsa"] = lambda var, started: start_tsa(var / "pki")
    return starters


def start() -> dict:
    """Start what is not running yet; return every embedded backend's settings."""
    var = Path(settings.VAR_DIR)
    current = embedded_services()
    for name, starter in _starters().items():
        if _alive(current.get(name, {}).get("pid")):
            continue
        server = starter(var, current)
        info = server.settings()
        info["pid"] = server.process.pid
        current[name] = info
        write_embedded_services(current)  # after each start: a failure later loses nothing
    return current


def stop() -> list[str]:
    current = embedded_services()
    stopped = []
    for name, info in current.items():
        if name == "web":  # the demo's own process: Ctrl-C stops it, never a signal from here
            continue
        pid = info.get("pid")
        if _alive(pid):
            os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                if not _alive(pid):
                    break
                time.sleep(0.05)
            stopped.append(name)
    if services_file().exists():
        services_file().unlink()
    return stopped


def status() -> dict[str, str]:
    current = embedded_services()
    names = sorted(set(_starters()) | set(current))
    def state(name: str) -> str:
        info = current.get(name, {})
        if not _alive(info.get("pid")):
            return "stopped"
        return f"running on {info['url']}" + (
            f", read its mail at {info['web_url']}" if info.get("web_url") else "")

    return {n: state(n) for n in names}


def record_web_address(url: str) -> None:
    """The address the demo serves on, for the links other commands print or mail."""
    current = embedded_services()
    current["web"] = {"url": url, "pid": os.getpid()}
    write_embedded_services(current)
