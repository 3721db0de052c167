"""The deploy test's syndicate: ansible-playbook onto loopback "hosts", pebble, and the
units started as systemd would (tests/ansible/test_deploy.py and benchmarks/bench_deploy.py
both use it). See test_deploy.py's docstring for what stands for what."""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import socket
import ssl
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
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
WORKER_UNITS = ("mutualis-worker-registry.service", "mutualis-worker-wagtail.service")


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
        # The workers' /healthz: the apps' worker here, the backends' on the next ports.
        self.worker_health_port = free_port(HOSTS["worker1"][1])
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
            "mutualis_worker_health_port": self.worker_health_port,
            # A task whose worker died runs again elsewhere after this many seconds.
            "mutualis_celery_visibility_timeout": 10,
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

    def start_redis(self) -> None:
        redis = self.start("db1", "mutualis-redis.service")
        wait_for(lambda: socket.create_connection((HOSTS["db1"][1], self.redis_port), 1),
                 "Redis listening", process=redis, log=self.log("db1", "mutualis-redis.service"))

    def start_workers(self, host: str) -> None:
        """The backends' workers of a worker host (the test's drivers need no other)."""
        for unit in WORKER_UNITS:
            self.start(host, unit)

    def wait_for_worker(self, host: str, unit: str) -> httpx.Response:
        """A worker's /healthz answer, once it serves it (the backends' ports follow the apps'
        worker's, in the order of mutualis_worker_backends)."""
        port = self.worker_health_port + 1 + WORKER_UNITS.index(unit)
        url = f"http://{HOSTS[host][1]}:{port}/healthz"

        def healthy():  # 503 until its consumer holds the broker connection
            response = httpx.get(url, timeout=5)
            return response if response.status_code == 200 else None

        return wait_for(healthy, f"{host}'s {unit} healthy",
                        process=self.processes[f"{host}/{unit}"], log=self.log(host, unit))

    def wait_for_web(self, host: str) -> httpx.Response:
        """The host's /healthz answer, once its gunicorn answers."""
        url = f"http://{HOSTS[host][1]}:{self.web_ports[host]}/healthz"
        return wait_for(lambda: httpx.get(url, timeout=5), f"{host}'s gunicorn",
                        process=self.processes[f"{host}/mutualis-web.service"],
                        log=self.log(host, "mutualis-web.service"))

    def start_front(self) -> None:
        unit = "mutualis-front.service"
        front = self.start("front1", unit)
        wait_for(lambda: socket.create_connection((FRONT, self.http_port), 1),
                 "Caddy listening", process=front, log=self.log("front1", unit))

    def cli_environment(self, host: str = "web1") -> dict[str, str]:
        """This process's environment with a host's settings instead of the tests'."""
        return {**{k: v for k, v in os.environ.items() if not k.startswith("MUTUALIS_")},
                **self.environment(host)}

    def cli(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """`mutualis ARGS` as an operator runs it on the first web host."""
        return subprocess.run([sys.executable, "-m", "mutualis.cli", *args],
                              env=self.cli_environment(), cwd=ROOT, capture_output=True,
                              text=True, timeout=timeout)

    def python_process(self, code: str) -> subprocess.Popen:
        """`code` running in a Django process with the first web host's settings."""
        return subprocess.Popen([sys.executable, "-c", "import django; django.setup()\n" + code],
                                env=self.cli_environment(), cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def python(self, code: str, timeout: float = 120) -> str:
        """Run `code` as python_process does, to its end; its stdout."""
        process = self.python_process(code)
        stdout, stderr = process.communicate(timeout=timeout)
        assert process.returncode == 0, stdout + stderr
        return stdout

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


def inventory_with(extra: int) -> str:
    """INVENTORY and the first `extra` communes of the Deux-Sèvres (the COG's), with a
    website each."""
    from provisioning import cog

    communes = sorted((c for c in cog.load().communes.values()
                       if c.code.startswith("79") and c.code != "79142"),
                      key=lambda c: c.code)[:extra]
    return INVENTORY + "".join(f"""\
  - code: "{c.code}"
    name: "{c.name}"
    kind: commune
    services: [website]
""" for c in communes)
