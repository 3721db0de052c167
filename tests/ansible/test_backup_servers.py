"""playbooks/backup.yml and restore.yml on the syndicate's own servers: the directory (a real
slapd, exported with slapcat and put back with slapadd), Radicale's collections and the
mailboxes (maildirs), onto a loopback host whose files live under a directory of the test
(mutualis_root), as in test_deploy.py. The database and media branches are test_deploy.py's.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import ldap
import pytest
import yaml

from ldap_sync.server import start_slapd

from .deployment import ANSIBLE, BIN

pytestmark = pytest.mark.slow
HOST = "serveurs1"  # one host in the directory, radicale and mail groups


def playbook(inventory: Path, name: str, *extra: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MUTUALIS_") and k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update(ANSIBLE_CONFIG=str(ANSIBLE / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    proc = subprocess.run([str(BIN / "ansible-playbook"), f"playbooks/{name}", "-i",
                           str(inventory), *extra], env=env, cwd=ANSIBLE, capture_output=True,
                          text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


def slapcat(config: Path) -> list[str]:
    """The directory's entries, each as its sorted lines (slapcat keeps their operational
    attributes: a restored entry is the same entry)."""
    out = subprocess.run(["slapcat", "-F", str(config), "-n", "1"], capture_output=True,
                         text=True, check=True).stdout
    return sorted("\n".join(sorted(block.splitlines())) for block in out.split("\n\n")
                  if block.strip())


def tree(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_the_directory_the_agendas_and_the_mailboxes_come_back_on_empty_servers(tmp_path):
    # The running servers: a directory with a person, an agenda, a mailbox.
    source = start_slapd(tmp_path / "annuaire")
    try:
        conn = ldap.initialize(source.url)
        conn.simple_bind_s(source.admin_dn, source.admin_password)
        person = f"uid=claire.martin,{source.base_dn}"
        conn.add_s(person, [("objectClass", [b"inetOrgPerson"]), ("uid", [b"claire.martin"]),
                            ("cn", [b"Claire Martin"]), ("sn", [b"Martin"]),
                            ("mail", [b"claire.martin@juille.fr"])])
        conn.unbind_s()
    finally:
        source.stop()
    root = tmp_path / "hote"
    collections = root / "var/lib/mutualis-radicale/collections"
    write(collections / "collection-root/79140/conseil/seance.ics",
          b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
    mail = root / "var/mail/vhosts"
    write(mail / "juille.fr/mairie/Maildir/cur/1733300000.M1P1.hote:2,S",
          "Subject: Convocation\r\n\r\nSéance du conseil.\r\n".encode())
    inventory = tmp_path / "inventaire.yml"
    host = {"ansible_host": "127.0.0.1", "ansible_connection": "local",
            "ansible_python_interpreter": str(BIN / "python"), "mutualis_root": str(root),
            "mutualis_slapd_config_dir": str(source.workdir / "config")}
    inventory.write_text(yaml.safe_dump({"all": {"children": {
        group: {"hosts": {HOST: host}} for group in ("directory", "radicale", "mail")}}}))

    backups = tmp_path / "sauvegardes"
    named = ["-e", f"mutualis_backup_dir={backups}", "-e", "mutualis_backup_name=nuit"]
    rc, out = playbook(inventory, "backup.yml", *named)
    assert rc == 0, out[-4000:]
    saved = backups / "nuit"
    assert sorted(p.name for p in saved.iterdir()) == [
        "agendas.tar.gz", "annuaire.ldif", "courriels.tar.gz"]
    assert "dn: uid=claire.martin," in (saved / "annuaire.ldif").read_text()

    # Empty servers: a directory configured afresh with no entry, empty folders.
    target = start_slapd(tmp_path / "annuaire-neuf")
    target.stop()
    for name in os.listdir(target.workdir / "data"):
        (target.workdir / "data" / name).unlink()
    subprocess.run(["slapadd", "-q", "-F", str(target.workdir / "config"), "-n", "1", "-l",
                    os.devnull], check=True)  # slapd configured, its database empty
    fresh = tmp_path / "hote-neuf"
    onto = [*named, "-e", f"mutualis_root={fresh}",
            "-e", f"mutualis_slapd_config_dir={target.workdir / 'config'}"]
    rc, out = playbook(inventory, "restore.yml", *onto)
    assert rc == 0, out[-4000:]
    assert slapcat(target.workdir / "config") == slapcat(source.workdir / "config")
    assert tree(fresh / "var/lib/mutualis-radicale/collections") == tree(collections)
    assert tree(fresh / "var/mail/vhosts") == tree(mail)

    # The restored directory answers, with the person in it.
    target.start()
    try:
        conn = ldap.initialize(target.url)
        conn.simple_bind_s(target.admin_dn, target.admin_password)
        [(dn, attrs)] = conn.search_s(target.base_dn, ldap.SCOPE_SUBTREE, "(uid=claire.martin)")
        assert attrs["mail"] == [b"claire.martin@juille.fr"]
        conn.unbind_s()
    finally:
        target.stop()

    # Again onto what is now there: refused, and the directory is left as it was.
    before = slapcat(target.workdir / "config")
    rc, out = playbook(inventory, "restore.yml", *onto)
    assert rc != 0
    assert "n'est pas vide" in " ".join(out.split())
    assert slapcat(target.workdir / "config") == before
