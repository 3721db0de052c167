"""playbooks/deploy.yml, run for real with `ansible-playbook` onto loopback "hosts".

Six hosts on their own loopback addresses: two web hosts, two worker hosts, a db host and a
front. Each is `ansible_connection: local` with its own `mutualis_root`, so that every file the
roles write lands under a temporary directory: no package, no system user, no systemctl
(`mutualis_manage_system` is false there). What stands for the machines' own servers:
this machine's PostgreSQL (the roles create the role and the database in it), and for the
network mount every host shares, one temporary directory. The virtual environment is the
one running the tests (`mutualis_venv_create: false`), the code this checkout.

After the playbook, the units it rendered are checked by `systemd-analyze verify`, then the
test starts their ExecStart lines itself (systemd is not ours to use here) with their
EnvironmentFile: Redis, gunicorn on both web hosts, the workers, and Caddy with Debian's
`pebble` as the ACME server and `pebble-challtestsrv` as the DNS that points the members'
hosts at the front.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from provisioning.backends import stop_process

ROOT = Path(__file__).resolve().parents[2]
ANSIBLE = ROOT / "ansible"
BIN = Path(sys.executable).parent
VAULT_PASSWORD = "test-vault-password"
HOSTS = {"web1": ("web", "127.0.0.2"), "web2": ("web", "127.0.0.3"),
         "worker1": ("worker", "127.0.0.4"), "worker2": ("worker", "127.0.0.5"),
         "db1": ("db", "127.0.0.6"), "front1": ("front", "127.0.0.7")}
FRONT = HOSTS["front1"][1]
SITES_DOMAIN = "mutualis.test"

pytestmark = pytest.mark.slow


def free_port(address: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def wait_for(check, what: str, timeout: float = 60, process: subprocess.Popen | None = None,
             log: Path | None = None):
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            if result:
                return result
        except (OSError, httpx.TransportError):
            pass
        if time.monotonic() > deadline or (process is not None and process.poll() is not None):
            tail = log.read_text()[-3000:] if log and log.exists() else ""
            raise AssertionError(f"{what} did not happen in time\n{tail}")
        time.sleep(0.2)


# ---------------------------------------------------------------------------- pebble

def make_ca(directory: Path) -> Path:
    """A CA of the test and a certificate for pebble's own HTTPS listener (127.0.0.1)."""
    from ipaddress import IPv4Address

    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Mutualis test ACME CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pebble")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(IPv4Address("127.0.0.1"))]),
                critical=False)
            .sign(ca_key, hashes.SHA256()))
    (directory / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (directory / "pebble.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "pebble.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return directory / "ca.pem"


class Pebble:
    """Debian's pebble (an ACME server for tests, RFC 8555) and its DNS, pebble-challtestsrv,
    which answers every A query with the front's address: pebble validates the HTTP-01 and
    TLS-ALPN-01 challenges by connecting to the front, as Let's Encrypt would."""

    def __init__(self, tmp: Path, http_port: int, https_port: int):
        self.tmp = tmp
        self.port, self.management = free_port(), free_port()
        self.dns = free_port()
        self.ca = make_ca(tmp)
        config = {"pebble": {
            "listenAddress": f"127.0.0.1:{self.port}",
            "managementListenAddress": f"127.0.0.1:{self.management}",
            "certificate": str(tmp / "pebble.pem"), "privateKey": str(tmp / "pebble.key"),
            "httpPort": http_port, "tlsPort": https_port, "ocspResponderURL": "",
            "externalAccountBindingRequired": False}}
        (tmp / "pebble.json").write_text(json.dumps(config))
        self.processes: list[subprocess.Popen] = []

    @property
    def directory(self) -> str:
        return f"https://127.0.0.1:{self.port}/dir"

    def start(self) -> None:
        dns_log = self.tmp / "challtestsrv.log"
        self.processes.append(subprocess.Popen(
            ["pebble-challtestsrv", "-dns01", f"127.0.0.1:{self.dns}", "-http01", "",
             "-https01", "", "-tlsalpn01", "", "-management", f"127.0.0.1:{free_port()}",
             "-defaultIPv4", FRONT, "-defaultIPv6", ""],
            stdout=dns_log.open("w"), stderr=subprocess.STDOUT))
        log = self.tmp / "pebble.log"
        env = {**os.environ, "PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0"}
        pebble = subprocess.Popen(
            ["pebble", "-config", str(self.tmp / "pebble.json"),
             "-dnsserver", f"127.0.0.1:{self.dns}"],
            env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        self.processes.append(pebble)
        wait_for(lambda: httpx.get(self.directory, verify=self.trust(), timeout=2)
                 .status_code == 200, "pebble answering", process=pebble, log=log)

    def trust(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca))

    def issuing_roots(self) -> str:
        """The PEM of the root pebble issues under (it makes a new one at each start)."""
        return httpx.get(f"https://127.0.0.1:{self.management}/roots/0",
                         verify=self.trust(), timeout=5).text

    def stop(self) -> None:
        for process in self.processes:
            stop_process(process)


# ---------------------------------------------------------------------------- the syndicate

class Deployment:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.inventory = tmp / "inventory" / "hosts.yml"
        self.vault_password_file = tmp / "vault-password"
        self.shared = tmp / "shared"
        token = secrets.token_hex(4)
        self.db_name, self.db_user = f"mutualis_deploy_{token}", f"mutualis_deploy_{token}"
        self.secrets = {"vault_mutualis_secret_key": secrets.token_urlsafe(40),
                        "vault_mutualis_db_password": "mot de passe " + secrets.token_hex(8),
                        "vault_mutualis_redis_password": secrets.token_hex(16),
                        "vault_mutualis_metrics_token": secrets.token_hex(16)}
        self.web_ports = {name: free_port(address) for name, (group, address) in HOSTS.items()
                          if group == "web"}
        self.redis_port = free_port(HOSTS["db1"][1])
        self.http_port, self.https_port = free_port(FRONT), free_port(FRONT)
        self.ask_port, self.admin_port = free_port(), free_port()
        (tmp / "pebble").mkdir()
        self.pebble = Pebble(tmp / "pebble", self.http_port, self.https_port)
        self.processes: dict[str, subprocess.Popen] = {}
        self.extra_databases: list[str] = []

    def root(self, host: str) -> Path:
        return self.tmp / "hosts" / host

    def write_inventory(self) -> None:
        groups: dict[str, dict] = {}
        for name, (group, address) in HOSTS.items():
            host = {"ansible_host": address, "ansible_connection": "local",
                    "ansible_python_interpreter": sys.executable,
                    "mutualis_root": str(self.root(name))}
            if group == "web":
                host["mutualis_web_port"] = self.web_ports[name]
            groups.setdefault(group, {"hosts": {}})["hosts"][name] = host
        all_vars = {
            "mutualis_venv": str(BIN.parent), "mutualis_venv_create": False,
            "mutualis_source_dir": str(ROOT), "mutualis_shared_dir": str(self.shared),
            # This machine's PostgreSQL stands for the db host's.
            "mutualis_postgres_psql": ["psql", "-h", "127.0.0.1", "-U", "postgres"],
            "mutualis_db_host": "127.0.0.1", "mutualis_db_name": self.db_name,
            "mutualis_db_user": self.db_user, "mutualis_redis_port": self.redis_port,
            "mutualis_web_workers": 2,
            "mutualis_worker_backends": ["registry", "wagtail"],
            "mutualis_worker_concurrency": {"registry": 1, "wagtail": 1},
            "mutualis_worker_default_concurrency": 1,
            "mutualis_extra_environment": {
                "MUTUALIS_DRIVERS": "provisioning.registry.RegistryDriver,"
                                    "wagtail_site_factory.driver.SiteDriver"},
            "mutualis_front_http_port": self.http_port,
            "mutualis_front_https_port": self.https_port,
            "mutualis_front_ask_address": "127.0.0.1", "mutualis_front_ask_port": self.ask_port,
            "mutualis_front_admin": f"127.0.0.1:{self.admin_port}",
            "mutualis_acme_ca": self.pebble.directory,
            "mutualis_acme_ca_root": str(self.pebble.ca),
            "mutualis_acme_email": "exploitation@example.fr",
        }
        self.inventory.parent.mkdir(parents=True)
        self.inventory.write_text(yaml.safe_dump({"all": {"vars": all_vars, "children": groups}}))
        vault = self.inventory.parent / "group_vars" / "all" / "vault.yml"
        vault.parent.mkdir(parents=True)
        vault.write_text(yaml.safe_dump(self.secrets))
        self.vault_password_file.write_text(VAULT_PASSWORD + "\n")
        subprocess.run([str(BIN / "ansible-vault"), "encrypt", str(vault),
                        "--vault-password-file", str(self.vault_password_file)],
                       check=True, capture_output=True, timeout=60)

    def playbook(self, *args: str) -> tuple[int, str]:
        return self.playbook_named("deploy.yml", *args)

    def playbook_named(self, name: str, *args: str) -> tuple[int, str]:
        env = {**os.environ, "ANSIBLE_CONFIG": str(ANSIBLE / "ansible.cfg"), "ANSIBLE_FORKS": "8",
               "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1", "PYTHONPATH": str(ROOT)}
        for variable in list(env):
            if variable.startswith("MUTUALIS_") or variable in ("DATABASE_URL",
                                                                 "CELERY_BROKER_URL"):
                env.pop(variable)
        proc = subprocess.run(
            [str(BIN / "ansible-playbook"), f"playbooks/{name}", "-i", str(self.inventory),
             "--vault-password-file", str(self.vault_password_file), *args],
            env=env, cwd=ANSIBLE, capture_output=True, text=True, timeout=600)
        return proc.returncode, proc.stdout + proc.stderr

    # -- the units, started as systemd would

    def units(self, host: str) -> dict[str, Path]:
        directory = self.root(host) / "etc" / "systemd" / "system"
        return {p.name: p for p in sorted(directory.glob("*.service"))}

    def environment(self, host: str) -> dict[str, str]:
        """The EnvironmentFile the app role wrote (KEY="value", backslash escapes)."""
        env = {}
        path = self.root(host) / "etc" / "mutualis" / "mutualis.env"
        for line in path.read_text().splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.partition("=")
                env[name] = shlex.split(value)[0] if value else ""
        return env

    def fields(self, host: str, unit: str) -> dict[str, list[str]]:
        fields: dict[str, list[str]] = {}
        for line in self.units(host)[unit].read_text().splitlines():
            if "=" in line and not line.startswith(("#", "[")):
                key, _, value = line.partition("=")
                fields.setdefault(key, []).append(value)
        return fields

    def unit_field(self, host: str, unit: str, name: str) -> str:
        return self.fields(host, unit)[name][0]

    def start(self, host: str, unit: str) -> subprocess.Popen:
        fields = self.fields(host, unit)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("MUTUALIS_") and k not in ("DATABASE_URL",)}
        for path in fields.get("EnvironmentFile", []):
            assert path == str(self.root(host) / "etc" / "mutualis" / "mutualis.env")
            env.update(self.environment(host))
        for assignment in fields.get("Environment", []):
            env.update(part.split("=", 1) for part in shlex.split(assignment))
        argv = [part.replace("%%", "%") for part in shlex.split(fields["ExecStart"][0])]
        log = self.tmp / f"{host}-{unit}.log"
        process = subprocess.Popen(argv, env=env, cwd=fields.get("WorkingDirectory", ["/"])[0],
                                   stdout=log.open("w"), stderr=subprocess.STDOUT,
                                   start_new_session=True)  # its own group, as a cgroup
        self.processes[f"{host}/{unit}"] = process
        return process

    def log(self, host: str, unit: str) -> Path:
        return self.tmp / f"{host}-{unit}.log"

    def stop_all(self) -> None:
        """SIGTERM to all at once (gunicorn and Celery stop gracefully), then wait."""
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            stop_process(process, timeout=15)

    def drop_database(self) -> None:
        for statement in [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
                          for name in [self.db_name, *self.extra_databases]] + [
                          f'DROP ROLE IF EXISTS "{self.db_user}"']:
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-XqAt", "-d",
                            "postgres", "-c", statement], capture_output=True, timeout=60)


def recap(output: str) -> dict[str, dict[str, int]]:
    hosts = {}
    for host, counts in re.findall(r"^(\S+)\s*:\s*(ok=.*)$", output.split("PLAY RECAP")[-1],
                                   re.MULTILINE):
        hosts[host] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", counts)}
    assert set(hosts) == set(HOSTS), output[-3000:]
    return hosts


def changed(output: str) -> dict[str, int]:
    return {host: counts["changed"] for host, counts in recap(output).items()}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    for tool in ("caddy", "pebble", "pebble-challtestsrv", "psql", "redis-server"):
        assert shutil.which(tool), f"the deploy test needs {tool} (scripts/setup.sh)"
    d = Deployment(tmp_path_factory.mktemp("deploy"))
    d.write_inventory()
    d.pebble.start()
    try:
        yield d
    finally:
        d.stop_all()
        d.pebble.stop()
        d.drop_database()


# ---------------------------------------------------------------------------- the tests

def test_check_mode_on_empty_hosts_changes_nothing(deployment):
    rc, out = deployment.playbook("--check", "--diff")
    assert rc == 0, out[-5000:]
    assert all(n > 0 for n in changed(out).values()), out[-3000:]
    assert not (deployment.tmp / "hosts").exists()  # not one file written
    for secret in deployment.secrets.values():
        assert secret not in out


def test_deploy_then_again_changes_nothing(deployment):
    rc, out = deployment.playbook()
    assert rc == 0, out[-5000:]
    assert all(n > 0 for n in changed(out).values()), out[-3000:]
    rc, out = deployment.playbook()
    assert rc == 0, out[-5000:]
    assert changed(out) == dict.fromkeys(HOSTS, 0), out[-5000:]
    for secret in deployment.secrets.values():
        assert secret not in out

    # What each host holds: its units, and the settings only where the app runs.
    assert set(deployment.units("web1")) == {"mutualis-web.service"}
    assert set(deployment.units("worker1")) == {
        "mutualis-worker-registry.service", "mutualis-worker-wagtail.service",
        "mutualis-worker-default.service", "mutualis-beat.service"}
    assert "mutualis-beat.service" not in deployment.units("worker2")  # beat runs once
    assert set(deployment.units("db1")) == {"mutualis-redis.service"}
    assert set(deployment.units("front1")) == {"mutualis-front.service"}
    env_file = deployment.root("web2") / "etc" / "mutualis" / "mutualis.env"
    assert oct(env_file.stat().st_mode & 0o777) == "0o640"
    env = deployment.environment("web2")
    assert env["MUTUALIS_SECRET_KEY"] == deployment.secrets["vault_mutualis_secret_key"]
    assert env["MUTUALIS_TRUSTED_PROXIES"] == FRONT
    assert not (deployment.root("front1") / "etc" / "mutualis" / "mutualis.env").exists()
    assert (deployment.shared / "static" / "wagtailadmin").is_dir()  # collected once, shared


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is missing")
def test_the_units_pass_systemd_analyze_verify(deployment):
    units = [p for host in HOSTS for p in deployment.units(host).values()]
    assert len(units) == 2 + 4 + 3 + 1 + 1
    proc = subprocess.run(["systemd-analyze", "verify", *map(str, units)],
                          capture_output=True, text=True, timeout=120)
    problems = [line for line in (proc.stdout + proc.stderr).splitlines()
                if ".service" in line and "mutualis" in line]
    assert proc.returncode == 0 and not problems, proc.stdout + proc.stderr


def test_the_started_processes_answer_and_the_front_gets_a_members_certificate(deployment):
    d = deployment
    redis = d.start("db1", "mutualis-redis.service")
    wait_for(lambda: socket.create_connection((HOSTS["db1"][1], d.redis_port), 1),
             "Redis listening", process=redis, log=d.log("db1", "mutualis-redis.service"))
    for host in ("web1", "web2"):
        d.start(host, "mutualis-web.service")
    for host in ("worker1", "worker2"):
        for unit in ("mutualis-worker-registry.service", "mutualis-worker-wagtail.service"):
            d.start(host, unit)
    for host in ("web1", "web2"):
        url = f"http://{HOSTS[host][1]}:{d.web_ports[host]}/healthz"
        health = wait_for(lambda url=url: httpx.get(url, timeout=5), f"{host}'s gunicorn",
                          process=d.processes[f"{host}/mutualis-web.service"],
                          log=d.log(host, "mutualis-web.service"))
        assert health.status_code == 200, health.text
        assert health.json() == {"status": "ok", "checks": {
            "database": "ok", "cache": "ok", "broker": "ok"}}
    front = d.start("front1", "mutualis-front.service")
    wait_for(lambda: socket.create_connection((FRONT, d.http_port), 1), "Caddy listening",
             process=front, log=d.log("front1", "mutualis-front.service"))

    # A member joins: applied through the deployed workers (the broker in the env file).
    inventory = d.tmp / "inventaire.yml"
    inventory.write_text(INVENTORY)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("MUTUALIS_")},
           **d.environment("web1")}
    proc = subprocess.run([sys.executable, "-m", "mutualis.cli", "apply", str(inventory),
                           "--yes"], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    host = f"juille.{SITES_DOMAIN}"

    # The first TLS handshake for its host: Caddy asks /tls/ask, pebble validates, issues.
    roots = d.tmp / "pebble-roots.pem"
    roots.write_text(d.pebble.issuing_roots())
    context = ssl.create_default_context(cafile=str(roots))
    answer, certificate = https_get(context, host, d.https_port)
    assert certificate["subjectAltName"] == (("DNS", host),)
    assert answer.startswith("HTTP/1.1 200"), answer[:500]
    assert "Juillé" in answer

    # The front serves the static files from the shared directory, and no /metrics.
    static, _ = https_get(context, host, d.https_port, "/static/wagtailadmin/css/core.css")
    assert static.startswith("HTTP/1.1 200"), static[:500]
    expected = (d.shared / "static" / "wagtailadmin" / "css" / "core.css").read_text()
    assert static.split("\r\n\r\n", 1)[1] == expected
    hidden, _ = https_get(context, host, d.https_port, "/metrics")
    assert hidden.startswith("HTTP/1.1 404")
    # Prometheus reaches each web process itself, with the vault's token.
    token = d.secrets["vault_mutualis_metrics_token"]
    metrics = httpx.get(f"http://{HOSTS['web2'][1]}:{d.web_ports['web2']}/metrics",
                        headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert metrics.status_code == 200, metrics.text
    assert 'mutualis_members{state="active"} 1.0' in metrics.text.splitlines()
    assert 'mutualis_provisioning_last_run_status{status="succeeded"} 1.0' in metrics.text
    assert 'mutualis_celery_queue_length{queue="mutualis.wagtail"} 0.0' in metrics.text

    # A web host dies (its gunicorn and all its workers at once): the front sends the next
    # requests to the other one, none is lost.
    statuses = []
    for i in range(24):
        if i == 8:
            os.killpg(d.processes["web1/mutualis-web.service"].pid, signal.SIGKILL)
        page, _ = https_get(context, host, d.https_port, f"/?visite={i}")
        statuses.append(page.split(" ", 2)[1])
    assert statuses == ["200"] * 24

    # The unit's reload (a new version deployed) while visitors keep coming: none refused.
    reload = d.unit_field("web2", "mutualis-web.service", "ExecReload")
    pid = d.processes["web2/mutualis-web.service"].pid
    statuses = []
    for i in range(30):
        if i == 5:
            subprocess.run(shlex.split(reload.replace("$MAINPID", str(pid))), check=True)
        page, _ = https_get(context, host, d.https_port, f"/?rechargement={i}")
        statuses.append(page.split(" ", 2)[1])
    assert statuses == ["200"] * 30
    reloaded = d.log("web2", "mutualis-web.service").read_text()
    assert "Handling signal: hup" in reloaded  # the old processes finished, new ones took over

    # A name nobody registered gets no certificate: Caddy asked, a web process said no.
    with pytest.raises(ssl.SSLError):
        https_get(context, f"inconnue.{SITES_DOMAIN}", d.https_port)
    def asked(pattern: str):  # gunicorn logs a request once it has answered it
        return re.search(pattern, "".join(d.log(h, "mutualis-web.service").read_text()
                                          for h in ("web1", "web2")))

    assert asked(rf'"GET /tls/ask\?domain={re.escape(host)} HTTP/1.1" 200')
    wait_for(lambda: asked(r'"GET /tls/ask\?domain=inconnue\.mutualis\.test HTTP/1.1" 404'),
             "the refusal in a web process's log", timeout=10)


def https_get(context: ssl.SSLContext, host: str, port: int,
              path: str = "/") -> tuple[str, dict]:
    """GET over TLS from the front, `host` in SNI and Host (no DNS of ours resolves it)."""
    with socket.create_connection((FRONT, port), timeout=60) as raw:
        with context.wrap_socket(raw, server_hostname=host) as tls:
            tls.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
                        .encode())
            chunks = []
            while chunk := tls.recv(65536):
                chunks.append(chunk)
            return b"".join(chunks).decode("utf-8", "replace"), tls.getpeercert()


INVENTORY = f"""\
syndicate:
  name: Syndicat de test
  siren: "257900126"
  domain: example.fr
  sites_domain: {SITES_DOMAIN}
members:
  - code: "79142"
    name: Juillé
    kind: commune
    services: [website]
"""


def tree(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def data_dump(database: str) -> bytes:
    """Every row of the database, as pg_dump writes them (plain SQL, data only), less the
    random key pg_dump puts in its `\\restrict` and `\\unrestrict` lines at each run."""
    proc = subprocess.run(["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "--data-only",
                           "--no-owner", "-d", database], capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.split(b"\n")
    kept = [line for line in lines if not line.startswith((b"\\restrict ", b"\\unrestrict "))]
    assert len(lines) - len(kept) <= 2
    return b"\n".join(kept)


def test_backup_then_restore_onto_fresh_directories(deployment):
    d = deployment
    # What the running system holds besides the database: an upload and a signed file.
    for relative in ("media/documents/budget-2026.pdf", "private/parapheur/signe.pdf"):
        path = d.shared / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%PDF-1.7\n" + secrets.token_bytes(4096))
    backups = d.tmp / "backups"
    rc, out = d.playbook_named("backup.yml", "-e", f"mutualis_backup_dir={backups}",
                               "-e", "mutualis_backup_name=sauvegarde")
    assert rc == 0, out[-5000:]
    saved = backups / "sauvegarde"
    assert sorted(p.name for p in saved.iterdir()) == ["fichiers.tar.gz", "mutualis.pgdump"]
    for secret in d.secrets.values():
        assert secret not in out

    # Onto empty hosts: a new database and a new shared directory.
    fresh_db, fresh_shared = f"{d.db_name}_restauree", d.tmp / "shared-restauree"
    d.extra_databases.append(fresh_db)
    fresh = ["-e", f"mutualis_backup_dir={backups}", "-e", "mutualis_backup_name=sauvegarde",
             "-e", f"mutualis_db_name={fresh_db}", "-e", f"mutualis_shared_dir={fresh_shared}"]
    rc, out = d.playbook_named("restore.yml", *fresh)
    assert rc == 0, out[-5000:]
    assert data_dump(fresh_db) == data_dump(d.db_name)
    assert tree(fresh_shared / "media") == tree(d.shared / "media")
    assert tree(fresh_shared / "private") == tree(d.shared / "private")
    assert len(tree(fresh_shared)) == 2

    # The restored system needs nothing: its plan for the same inventory is empty.
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("MUTUALIS_")},
           **d.environment("web1")}
    env["DATABASE_URL"] = env["DATABASE_URL"].rsplit("/", 1)[0] + f"/{fresh_db}"
    env["MUTUALIS_VAR_DIR"] = str(fresh_shared)
    proc = subprocess.run([sys.executable, "-m", "mutualis.cli", "plan",
                           str(d.tmp / "inventaire.yml"), "--json"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    plan = json.loads(proc.stdout)
    assert plan["changes"] == [] or all(c["action"] == "noop" for c in plan["changes"]), plan
    assert plan["summary"].get("noop", 0) > 0

    # A second restore onto what is now there is refused, and changes nothing.
    rc, out = d.playbook_named("restore.yml", *fresh)
    assert rc != 0
    assert "n'est pas vide" in " ".join(out.split())
    assert data_dump(fresh_db) == data_dump(d.db_name)
