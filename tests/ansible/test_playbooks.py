"""The syndicate's playbooks, run for real with `ansible-playbook` against the embedded backends.

One syndicate for the whole module (the tests run in file order, each starting from what the
previous ones left): slapd and Radicale started by `mutualis services start` in a temporary
MUTUALIS_VAR_DIR, an SQLite database beside it, a Mutualis inventory with two real communes
whose CalDAV password is a `${CALDAV_PASSWORD}` reference, and an Ansible inventory whose
vault holds that password. Every check reads the backends themselves: the registry and the
journal in the database, the calendars over CalDAV, the accounts over LDAP.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import ldap
import pytest
import yaml

from nextcloud_bridge.agendas.client import CalDAV

ROOT = Path(__file__).resolve().parents[2]
ANSIBLE = ROOT / "ansible"
BIN = Path(sys.executable).parent
VAULT_PASSWORD = "test-vault-password"

pytestmark = pytest.mark.slow

INVENTORY = """\
syndicate:
  name: Syndicat de test
  siren: "257900126"
  domain: example.fr
  sites_domain: localhost
backends:
  ldap: {{url: embedded}}
  caldav: {{url: "{caldav_url}", user: "{caldav_user}", password: "${{CALDAV_PASSWORD}}"}}
members:
  - code: "79142"
    name: Juillé
    kind: commune
    services: [website, extranet, agenda, convocation]
    people:
      - {{given_name: Jeanne, surname: Dupont, email: jeanne.dupont@example.fr, roles: [maire]}}
      - {{given_name: Zoé, surname: "N'Diaye", email: zoe.ndiaye@example.fr,
         roles: [secrétaire de mairie]}}
  - code: "79055"
    name: Brieuil-sur-Chizé
    kind: commune
    services: [website, agenda]
    people:
      - {{given_name: Luc, surname: Moreau, email: luc.moreau@example.fr, roles: [maire]}}
"""

NEW_MEMBER = {
    "member": {
        "code": "79129",
        "name": "Fressines",
        "kind": "commune",
        "services": ["website", "agenda"],
        "people": [
            {"given_name": "Paul", "surname": "Texier", "email": "paul.texier@example.fr",
             "roles": ["maire"]},
            # Also maire of Juillé: one account, a seat in each commune.
            {"given_name": "Jeanne", "surname": "Dupont", "email": "jeanne.dupont@example.fr",
             "roles": ["conseillère municipale"]},
        ],
    }
}


class Syndicate:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.database = tmp / "mutualis.sqlite3"
        self.inventory = tmp / "inventaire.yml"
        self.hosts = tmp / "ansible-inventory" / "hosts.yml"
        self.vault_password_file = tmp / "vault-password"
        self.env = {
            **os.environ,
            "MUTUALIS_VAR_DIR": str(tmp / "var"),
            "DATABASE_URL": f"sqlite:///{self.database}",
            # The modules import this checkout's Mutualis, whatever the venv was installed from.
            "PYTHONPATH": str(ROOT),
            "ANSIBLE_CONFIG": str(ANSIBLE / "ansible.cfg"),
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_NOCOLOR": "1",
        }
        self.env.pop("MUTUALIS_DEBUG", None)
        self.services: dict = {}

    # -- the command line, the playbooks, the backends

    def mutualis(self, *argv: str) -> subprocess.CompletedProcess:
        proc = subprocess.run([sys.executable, "-m", "mutualis.cli", *argv], env=self.env,
                              cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc

    def playbook(self, name: str, *args: str,
                 env_overrides: dict | None = None) -> tuple[int, str]:
        """Run a playbook of ansible/playbooks (or a path) with the test's Ansible inventory,
        the way an admin does (from ansible/, where ansible.cfg is); its output, as text."""
        playbook = name if os.path.isabs(name) else f"playbooks/{name}"
        # The database and var/ reach the modules through the play's `environment` only.
        env = {k: v for k, v in self.env.items() if k not in ("MUTUALIS_VAR_DIR", "DATABASE_URL")}
        proc = subprocess.run(
            [str(BIN / "ansible-playbook"), playbook, "-i", str(self.hosts),
             "--vault-password-file", str(self.vault_password_file), *args],
            env={**env, **(env_overrides or {})}, cwd=ANSIBLE, capture_output=True, text=True,
            timeout=300)
        return proc.returncode, proc.stdout + proc.stderr

    def recap(self, output: str) -> dict[str, int]:
        match = re.search(r"controle\s*:\s*(.*)", output.split("PLAY RECAP")[-1])
        assert match, output
        return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(1))}

    def query(self, sql: str, *params) -> list[tuple]:
        with contextlib.closing(sqlite3.connect(self.database)) as db:
            return db.execute(sql, params).fetchall()

    def runs(self) -> list[dict]:
        """The journal's runs, newest first (as `mutualis runs --json` lists them)."""
        return [{"status": status, "only": json.loads(only), "pending_after": pending_after,
                 "inventory": inventory}
                for status, only, pending_after, inventory in self.query(
                    "SELECT status, only, pending_after, inventory_path FROM provisioning_run "
                    "ORDER BY id DESC")]

    def members(self) -> dict[str, bool]:
        return {code: bool(active) for code, active in
                self.query("SELECT code, active FROM provisioning_registrymember")}

    def calendars(self) -> dict[str, dict]:
        caldav = self.services["caldav"]
        client = CalDAV(caldav["url"], caldav["user"], caldav["password"])
        try:
            return client.list_calendars()
        finally:
            client.close()

    def accounts(self) -> set[str]:
        directory = self.services["ldap"]
        conn = ldap.initialize(directory["url"])
        try:
            conn.simple_bind_s(directory["bind_dn"], directory["bind_password"])
            found = conn.search_s(directory["base_dn"], ldap.SCOPE_SUBTREE,
                                  "(objectClass=inetOrgPerson)", ["uid"])
        finally:
            conn.unbind_s()
        return {attrs["uid"][0].decode() for _, attrs in found}

    def inventory_variant(self, name: str, old: str, new: str) -> Path:
        text = self.inventory.read_text()
        assert old in text
        path = self.tmp / name
        path.write_text(text.replace(old, new))
        return path


def flat(output: str) -> str:
    """The output with its lines joined: Ansible folds long messages over several lines."""
    return " ".join(output.split())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def syndicate(tmp_path_factory):
    s = Syndicate(tmp_path_factory.mktemp("syndicate"))
    s.mutualis("services", "start")
    try:
        s.services = json.loads((s.tmp / "var" / "services.json").read_text())
        caldav = s.services["caldav"]
        s.inventory.write_text(INVENTORY.format(caldav_url=caldav["url"],
                                                caldav_user=caldav["user"]))
        # The Ansible inventory: the project's control node, with this syndicate's variables.
        group_vars = s.hosts.parent / "group_vars" / "syndicate"
        group_vars.mkdir(parents=True)
        s.hosts.write_text((ANSIBLE / "inventory" / "hosts.yml").read_text())
        (group_vars / "vars.yml").write_text(yaml.safe_dump({
            "mutualis_inventory": str(s.inventory),
            "mutualis_environment": {"MUTUALIS_VAR_DIR": s.env["MUTUALIS_VAR_DIR"],
                                     "DATABASE_URL": s.env["DATABASE_URL"]},
            "mutualis_secret_env": {"CALDAV_PASSWORD": "{{ vault_caldav_password }}"},
        }))
        s.vault_password_file.write_text(VAULT_PASSWORD + "\n")
        vault = group_vars / "vault.yml"
        vault.write_text(yaml.safe_dump({"vault_caldav_password": caldav["password"]}))
        subprocess.run([str(BIN / "ansible-vault"), "encrypt", str(vault),
                        "--vault-password-file", str(s.vault_password_file)],
                       env=s.env, check=True, capture_output=True, timeout=60)
        assert caldav["password"] not in vault.read_text()
        s.mutualis("runs")  # creates the database: the first playbook does not pay for it
        yield s
    finally:
        s.mutualis("services", "stop")


def test_check_mode_shows_the_diff_and_changes_nothing(syndicate):
    rc, out = syndicate.playbook("provision.yml", "--check", "--diff")
    assert rc == 0, out
    assert syndicate.recap(out)["changed"] == 1
    for key in ("registry.member:79142", "ldap.account:jdupont", "caldav.calendar:79142/agenda",
                "caldav.calendar:79055/conseil-municipal"):
        assert f"--- before: {key}\n+++ after: {key} (create)" in out, key
    assert "Would change" in out
    # Nothing reached the backends, nor the journal.
    assert syndicate.runs() == []
    assert syndicate.members() == {}
    assert syndicate.calendars() == {}
    assert syndicate.accounts() == set()


def test_first_run_changes_then_second_run_changes_nothing(syndicate):
    rc, out = syndicate.playbook("provision.yml")
    assert rc == 0, out
    assert syndicate.recap(out)["changed"] == 1
    runs = json.loads(syndicate.mutualis("runs", "--json").stdout)
    assert [r["status"] for r in runs] == ["succeeded"] and runs[0]["pending_after"] == 0
    assert runs[0]["inventory"] == str(syndicate.inventory)
    assert syndicate.members() == {"79142": True, "79055": True}
    calendars = syndicate.calendars()
    assert {"79142-agenda", "79142-conseil-municipal", "79055-agenda"} <= set(calendars)
    assert calendars["79142-agenda"]["name"] == "Agenda — Juillé"
    assert {"jdupont", "zndiaye", "lmoreau"} <= syndicate.accounts()

    # Again, verbose: nothing to change, and the vault's secret shows nowhere.
    rc, out = syndicate.playbook("provision.yml", "-vvv")
    assert rc == 0, out
    recap = syndicate.recap(out)
    assert recap["changed"] == 0 and recap["failed"] == 0
    assert syndicate.services["caldav"]["password"] not in out
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in out  # secret_env, masked
    assert len(syndicate.runs()) == 1


def test_plan_info_returns_the_plan_and_changes_nothing(syndicate):
    drifted = syndicate.inventory_variant("drift.yml", "services: [website, agenda]",
                                          "services: [website, agenda, extranet]")
    result = syndicate.tmp / "plan.json"
    playbook = syndicate.tmp / "plan_info.yml"
    playbook.write_text(textwrap.dedent("""\
        - hosts: syndicate
          gather_facts: false
          vars:
            ansible_python_interpreter: "{{ ansible_playbook_python }}"
          environment: "{{ mutualis_environment }}"
          tasks:
            - name: Read the plan
              mutualis.syndicate.plan_info:
                path: "{{ mutualis_inventory }}"
                secret_env: "{{ mutualis_secret_env }}"
              register: planned
            - name: Keep it
              ansible.builtin.copy:
                content: "{{ planned | to_json }}"
                dest: "{{ result }}"
              check_mode: false
        """))
    rc, out = syndicate.playbook(str(playbook), "-e", f"mutualis_inventory={drifted}",
                                 "-e", f"result={result}")
    assert rc == 0, out
    planned = json.loads(result.read_text())
    assert planned["changed"] is False
    keys = {c["key"]: c["action"] for c in planned["plan"]["changes"]}
    assert keys["ldap.group:79055-svc-extranet"] == "create"
    assert keys["registry.member:79055"] == "update"
    assert all("79055" in key for key in keys), keys
    assert planned["pending"] == len(keys)
    assert len(syndicate.runs()) == 1


def test_onboard_then_offboard_a_member(syndicate):
    member = syndicate.tmp / "fressines.yml"
    member.write_text(yaml.safe_dump(NEW_MEMBER, allow_unicode=True))
    rc, out = syndicate.playbook("onboard_member.yml", "-e", f"@{member}")
    assert rc == 0, out
    assert syndicate.recap(out)["changed"] == 1
    assert "member 79129 is not in" in flat(out)  # the admin is told to add it to the file
    assert syndicate.members() == {"79142": True, "79055": True, "79129": True}
    assert "79129-agenda" in syndicate.calendars()
    assert "ptexier" in syndicate.accounts()
    seats = syndicate.query(
        "SELECT m.code FROM provisioning_registryseat s "
        "JOIN provisioning_registrymember m ON m.id = s.member_id "
        "JOIN provisioning_registryperson p ON p.id = s.person_id "
        "WHERE p.email = 'jeanne.dupont@example.fr' AND s.active")
    assert sorted(code for (code,) in seats) == ["79129", "79142"]

    rc, out = syndicate.playbook("offboard_member.yml", "-e", "code=79129", "--diff")
    assert rc == 0, out
    assert syndicate.recap(out)["changed"] == 1
    assert "+++ after: registry.member:79129 (archive)" in out
    # Archived, not deleted; the other members untouched.
    assert syndicate.members() == {"79142": True, "79055": True, "79129": False}
    assert syndicate.runs()[0]["only"] == ["79129"]
    calendars = syndicate.calendars()
    assert calendars["79129-agenda"]["name"] == "[Archivé] Agenda — Fressines"
    assert calendars["79142-agenda"]["name"] == "Agenda — Juillé"

    rc, out = syndicate.playbook("offboard_member.yml", "-e", "code=79129")
    assert rc == 0, out
    assert syndicate.recap(out)["changed"] == 0


def test_an_unreachable_backend_fails_the_play_with_one_sentence(syndicate):
    port = free_port()
    dead = syndicate.inventory_variant("dead.yml", syndicate.services["caldav"]["url"],
                                       f"http://127.0.0.1:{port}/")
    rc, out = syndicate.playbook("provision.yml", "-e", f"mutualis_inventory={dead}")
    assert rc != 0
    assert syndicate.recap(out)["failed"] == 1
    assert f"CalDAV server unreachable at http://127.0.0.1:{port}/" in flat(out)
    assert "Traceback" not in out


def test_a_change_the_backend_refuses_fails_the_play_with_its_message(syndicate):
    refused = syndicate.inventory_variant(
        "refused.yml", "email: luc.moreau@example.fr, roles: [maire]",
        'email: luc.moreau@example.fr, roles: [maire], phone: "05 49 07 # 12"')
    rc, out = syndicate.playbook("provision.yml", "-e", f"mutualis_inventory={refused}",
                                 "-e", "members=79055")
    assert rc != 0
    assert syndicate.recap(out)["failed"] == 1
    # The failing resource's key and the directory's refusal, without a traceback.
    assert re.search(r"run \d+ failed: 1 of the \d+ changes were not applied: "
                     r"ldap\.account:lmoreau: .*telephoneNumber", flat(out)), out
    assert "Traceback" not in out
    runs = syndicate.runs()
    assert runs[0]["status"] == "failed" and runs[0]["only"] == ["79055"]


def test_a_python_without_mutualis_fails_with_one_sentence(syndicate):
    # The interpreter the virtual environment was made from: Mutualis is not installed there.
    base_python = Path(sys.executable).resolve()
    assert base_python != Path(sys.executable)
    rc, out = syndicate.playbook("provision.yml", "-e", f"mutualis_python={base_python}",
                                 env_overrides={"PYTHONPATH": ""})
    assert rc != 0
    message = flat(out)
    assert f"Mutualis cannot start with the Python that runs this module ({base_python})" in message
    assert "ansible_python_interpreter" in message and "Traceback" not in out
