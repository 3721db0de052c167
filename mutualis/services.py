"""`mutualis services start|stop|status`: the embedded default backends under var/.

A throwaway slapd (directory), Radicale (agendas), the demo mail server (every mail the
demo sends, readable in a browser) and the demo timestamp authority with its demo
certification authority (the officials' demo signing credentials) on loopback, started as
background processes that outlive the command. Their URLs and generated credentials go to
var/services.json (mode 0600), where an inventory whose backends say `embedded` finds them.
Radicale is started after slapd and authenticates people against it, so that the assembly
calendars can be shared with the assemblies' members.

`mail-server` is the members' shared mail, Postfix and Dovecot on the embedded directory
(mail_service/servers.py, under var/mail-server): the demo's own mail enters it on its
loopback injection port; mail for the members' mail domains lands in Dovecot's mailboxes and
mail for any other address goes on to the demo mail catcher (`mail`), which so still shows
every mail the demo sends. Postfix needs root: elsewhere the record says why it did not
start, and the demo's mail goes straight to the catcher.
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


def _pids(info: dict) -> list[int]:
    """A backend's processes, in the order they stop (the mail servers have two)."""
    return [p for p in info.get("pids") or [info.get("pid")] if p]


def _running(info: dict) -> bool:
    pids = _pids(info)
    return bool(pids) and all(_alive(p) for p in pids)


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
    if "ldap" in starters:
        starters["mail-server"] = _start_mail_servers
    from signature.tsa_server import start_tsa

    starters["tsa"] = lambda var, started: start_tsa(var / "pki")
    return starters


class _NotStarted:
    """A backend that cannot run on this machine: its record says why."""

    def __init__(self, reason: str):
        self.reason = reason

    def settings(self) -> dict:
        return {"error": self.reason}


def _start_mail_servers(var: Path, started: dict):
    from mail_service.instance import MailServerError
    from mail_service.servers import start_mail_servers

    catcher = started.get("mail") or {}
    relay = (catcher["host"], int(catcher["port"])) if catcher.get("port") else None
    # Dovecot's mail processes (the `mail` user) go through var/ by name: let them (o+x,
    # no listing; what var/ holds keeps its own modes).
    var.chmod(var.stat().st_mode | 0o001)
    try:
        servers = start_mail_servers(var / "mail-server", started["ldap"], relay_to=relay)
    except MailServerError as exc:
        return _NotStarted(str(exc))
    # The mail driver's settings: the directory it writes, where Dovecot keeps the mail.
    servers.backend = {**_agenda_directory(started["ldap"]),
                       "dovecot_dir": str(servers.dovecot.directory),
                       "dkim_dir": str(servers.dkim.directory)}
    return servers


def _record(server) -> dict:
    info = server.settings()
    pids = getattr(server, "pids", None)
    if pids is None and getattr(server, "process", None) is not None:
        pids = [server.process.pid]
    if pids:
        info["pid"] = pids[0]
    if pids and len(pids) > 1:
        info["pids"] = pids
    if getattr(server, "backend", None):
        info["backend"] = server.backend
    return info


def start() -> dict:
    """Start what is not running yet; return every embedded backend's settings."""
    var = Path(settings.VAR_DIR)
    current = embedded_services()
    for name, starter in _starters().items():
        if _running(current.get(name, {})):
            continue
        _stop_one(current.get(name, {}))  # what is left of a backend half running
        current[name] = _record(starter(var, current))
        write_embedded_services(current)  # after each start: a failure later loses nothing
    return current


def _stop_one(info: dict) -> bool:
    return bool(_stop_all([info]))


def _stop_all(records: list[dict]) -> list[int]:
    """SIGTERM to every process of `records` at once (the last started first), then wait
    for them together: a server's shutdown (OpenDKIM's takes seconds) does not hold up the
    others'. Returns the indexes of the records that had a process running."""
    signalled = []
    for i, info in enumerate(records):
        for pid in _pids(info):
            if _alive(pid):
                os.kill(pid, signal.SIGTERM)
                signalled.append((i, pid))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for _, pid in signalled):
        time.sleep(0.05)
    return sorted({i for i, _ in signalled})


def stop() -> list[str]:
    current = embedded_services()
    # The demo's own process (web) stops by Ctrl-C, never by a signal from here.
    names = [n for n in reversed(list(current)) if n != "web"]
    stopped = [names[i] for i in _stop_all([current[n] for n in names])]
    if services_file().exists():
        services_file().unlink()
    return stopped[::-1]


def status() -> dict[str, str]:
    current = embedded_services()
    names = sorted(set(_starters()) | set(current))
    def state(name: str) -> str:
        info = current.get(name, {})
        if info.get("error"):
            return f"not started: {info['error']}"
        if not _running(info):
            return "stopped"
        return f"running on {info['url']}" + (
            f", read its mail at {info['web_url']}" if info.get("web_url") else "") + (
            f", IMAP on {info['host']}:{info['imap_port']}" if info.get("imap_port") else "")

    return {n: state(n) for n in names}


def record_web_address(url: str) -> None:
    """The address the demo serves on, for the links other commands print or mail."""
    current = embedded_services()
    current["web"] = {"url": url, "pid": os.getpid()}
    write_embedded_services(current)
