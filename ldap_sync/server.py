"""A throwaway OpenLDAP server, configured the way Mutualis expects a directory to be.

`start_slapd(workdir)` writes a cn=config (mdb database, memberof + refint + ppolicy overlays,
the argon2 password module when the system has it, the mail schemas of
mail_service/schema.py), loads the skeleton entries offline with `slapadd`, then runs `slapd`
in the foreground on a loopback port. The test fixtures, the benchmarks and `mutualis
services start` use it; production directories are configured by
their operators as docs/ldap-directory.md describes.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import shutil
import subprocess
import time
from pathlib import Path

import ldap

from mail_service.schema import INDEXED as MAIL_INDEXED
from mail_service.schema import postfix_book_schema
from provisioning.backends import free_port, stop_process

from .layout import Layout

MODULE_DIRS = ("/usr/lib/ldap", "/usr/lib64/openldap", "/usr/lib/openldap",
               "/usr/local/libexec/openldap")
SCHEMA_DIRS = ("/etc/ldap/schema", "/etc/openldap/schema", "/usr/local/etc/openldap/schema")
# misc: inetLocalMailRecipient, the mail routing attributes Postfix reads (mail_service/schema.py).
SCHEMAS = ("core", "cosine", "inetorgperson", "nis", "misc")
SBIN_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin",
                             "/usr/local/libexec"])

# Password policy of every account (slapo-ppolicy(5)). OpenLDAP 2.5 without a quality-check
# module checks only the length, which is what pwdCheckQuality 2 then enforces.
POLICY = {
    "pwdAttribute": "userPassword",
    "pwdMinLength": "12",
    "pwdCheckQuality": "2",
    "pwdLockout": "TRUE",
    "pwdMaxFailure": "5",
    "pwdLockoutDuration": "900",
    "pwdFailureCountInterval": "900",
    "pwdInHistory": "0",
    "pwdAllowUserChange": "TRUE",
}


class SlapdError(RuntimeError):
    pass


def _find(candidates: tuple[str, ...], probe: str) -> Path | None:
    return next((Path(d) for d in candidates if (Path(d) / probe).exists()), None)


def _binary(name: str) -> str:
    path = shutil.which(name, path=SBIN_PATH)
    if path is None:
        raise SlapdError(f"{name} is not installed (Debian package slapd)")
    return path


def ssha(password: str) -> str:
    """An RFC 2307 {SSHA} value: the admin password is random and long, so salted SHA-1 is
    enough here and needs no module."""
    salt = secrets.token_bytes(8)
    digest = hashlib.sha1(password.encode() + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()




def _ldif(entries: list[tuple[str, list[tuple[str, str]]]]) -> str:
    out = []
    for dn, attrs in entries:
        out.append(f"dn: {dn}")
        out += [f"{name}: {value}" for name, value in attrs]
        out.append("")
    return "\n".join(out) + "\n"


def config_ldif(workdir: Path, layout: Layout, admin_hash: str, module_dir: Path,
                schema_dir: Path, modules: list[str], sync: bool) -> str:
    data = workdir / "data"
    base = layout.base_dn
    modules_attrs = [("olcModulePath", str(module_dir))] + [("olcModuleLoad", m) for m in modules]
    frontend = [("objectClass", "olcDatabaseConfig"), ("objectClass", "olcFrontendConfig"),
                ("olcDatabase", "{-1}frontend")]
    # Passwords written in clear through the Password Modify operation are stored hashed.
    frontend.append(("olcPasswordHash", "{ARGON2}" if "argon2" in modules else "{SSHA}"))
    mdb = [
        ("objectClass", "olcDatabaseConfig"), ("objectClass", "olcMdbConfig"),
        ("olcDatabase", "{1}mdb"), ("olcDbDirectory", str(data)), ("olcSuffix", base),
        ("olcRootDN", layout.admin_dn), ("olcRootPW", admin_hash),
        # Sparse file: the size is a ceiling, not an allocation.
        ("olcDbMaxSize", str(8 * 1024**3)),
        ("olcDbNoSync", "FALSE" if sync else "TRUE"),
        ("olcDbIndex", "objectClass eq"), ("olcDbIndex", "uid eq"),
        ("olcDbIndex", "cn eq,sub"), ("olcDbIndex", "ou eq"), ("olcDbIndex", "mail eq"),
        ("olcDbIndex", "member eq"), ("olcDbIndex", "memberOf eq"),
        ("olcDbIndex", "entryUUID eq"),
        *(("olcDbIndex", f"{name} eq") for name in MAIL_INDEXED),
        ("olcLimits", f"dn.exact=\"{layout.admin_dn}\" size=unlimited time=unlimited"),
        ("olcAccess", "{0}to attrs=userPassword by self =w by anonymous auth by * none"),
        ("olcAccess", f"{{1}}to dn.subtree=\"{layout.policies_dn}\" by * none"),
        ("olcAccess", "{2}to * by users read by * none"),
    ]
    overlay = "olcDatabase={1}mdb,cn=config"
    entries: list[tuple[str, list[tuple[str, str]]]] = [
        ("cn=config", [("objectClass", "olcGlobal"), ("cn", "config"),
                       ("olcPidFile", str(workdir / "slapd.pid")),
                       ("olcArgsFile", str(workdir / "slapd.args")),
                       ("olcLogLevel", "none"), ("olcToolThreads", "2")]),
        ("cn=module{0},cn=config", [("objectClass", "olcModuleList"), ("cn", "module{0}")]
         + modules_attrs),
        ("cn=schema,cn=config", [("objectClass", "olcSchemaConfig"), ("cn", "schema")]),
    ]
    text = _ldif(entries)
    text += "".join(f"include: file://{schema_dir / s}.ldif\n\n" for s in SCHEMAS)
    text += _ldif([
        ("cn=postfix-book,cn=schema,cn=config", postfix_book_schema()),
        ("olcDatabase={-1}frontend,cn=config", frontend),
        ("olcDatabase={0}config,cn=config", [
            ("objectClass", "olcDatabaseConfig"), ("olcDatabase", "{0}config"),
            ("olcAccess", "{0}to * by * none")]),
        (overlay, mdb),
        (f"olcOverlay={{0}}memberof,{overlay}", [
            ("objectClass", "olcOverlayConfig"), ("objectClass", "olcMemberOf"),
            ("olcOverlay", "{0}memberof"), ("olcMemberOfRefInt", "TRUE"),
            ("olcMemberOfDangling", "ignore"), ("olcMemberOfGroupOC", "groupOfNames"),
            ("olcMemberOfMemberAD", "member"), ("olcMemberOfMemberOfAD", "memberOf")]),
        (f"olcOverlay={{1}}refint,{overlay}", [
            ("objectClass", "olcOverlayConfig"), ("objectClass", "olcRefintConfig"),
            ("olcOverlay", "{1}refint"), ("olcRefintAttribute", "member")]),
        (f"olcOverlay={{2}}ppolicy,{overlay}", [
            ("objectClass", "olcOverlayConfig"), ("objectClass", "olcPPolicyConfig"),
            ("olcOverlay", "{2}ppolicy"), ("olcPPolicyDefault", layout.policy_dn),
            ("olcPPolicyHashCleartext", "TRUE")]),
    ])
    return text


def data_ldif(layout: Layout) -> str:
    policy = [("objectClass", "organizationalRole"), ("objectClass", "pwdPolicy"),
              ("cn", "default")] + list(POLICY.items())
    return _ldif([(dn, attrs) for dn, attrs in layout.skeleton()] + [(layout.policy_dn, policy)])


class Slapd:
    """A running (or stopped) slapd on a loopback port, with its data kept between restarts."""

    def __init__(self, workdir: Path, port: int, layout: Layout, admin_password: str):
        self.workdir = workdir
        self.port = port
        self.layout = layout
        self.admin_password = admin_password
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def base_dn(self) -> str:
        return self.layout.base_dn

    @property
    def admin_dn(self) -> str:
        return self.layout.admin_dn

    def settings(self) -> dict:
        """The resolved backend settings a driver takes (`LdapDriver(slapd.settings())`)."""
        return {"url": self.url, "base_dn": self.base_dn, "bind_dn": self.admin_dn,
                "bind_password": self.admin_password}

    def start(self, timeout: float = 10.0) -> None:
        if self.running:
            return
        log = open(self.workdir / "slapd.log", "ab")  # handed to the child, closed here
        try:
            # -d 0: stay in the foreground (so that we own the process) and log nothing. Its
            # own session: a Ctrl-C meant for `mutualis demo` does not stop the directory.
            self.process = subprocess.Popen(
                [_binary("slapd"), "-h", self.url + "/", "-F", str(self.workdir / "config"),
                 "-d", "0"], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        finally:
            log.close()
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process is None or self.process.poll() is not None:
                tail = (self.workdir / "slapd.log").read_text(errors="replace")[-2000:]
                raise SlapdError(f"slapd exited at start on port {self.port}: {tail.strip()}")
            conn = ldap.initialize(self.url)
            conn.set_option(ldap.OPT_NETWORK_TIMEOUT, 1.0)
            try:
                conn.simple_bind_s("", "")
                return
            except ldap.SERVER_DOWN:
                if time.monotonic() > deadline:
                    self.stop()
                    raise SlapdError(
                        f"slapd did not answer on {self.url} within {timeout}s") from None
                time.sleep(0.01)
            finally:
                conn.unbind_s()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """Stop cleanly (SIGTERM: slapd flushes and closes the database)."""
        stop_process(self.process, timeout)
        self.process = None

    def kill(self) -> None:
        """Stop abruptly, as a crash would."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def __enter__(self) -> Slapd:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_slapd(workdir: Path, port: int | None = None, base_dn: str = "dc=mutualis,dc=test",
                *, sync: bool = False) -> Slapd:
    """Configure a new directory in `workdir` (or reuse the one there) and start it.

    `sync=False` lets the database skip fsync: right for tests and the demo, which can afford
    to lose the last writes of a crash; stop() still writes everything out.
    """
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    state = workdir / "slapd.state"
    layout = Layout(base_dn)
    if (workdir / "config").exists() and state.exists():
        # An existing directory: same data, same admin password, same port unless told.
        saved = dict(line.split("=", 1) for line in state.read_text().splitlines() if line)
        layout = Layout(saved["base_dn"])
        slapd = Slapd(workdir, port or int(saved["port"]), layout, saved["admin_password"])
    else:
        slapd = _configure(workdir, layout, port, sync)
    for attempt in range(5):
        try:
            slapd.start()
            break
        except SlapdError:
            # The port was taken between our probe and slapd's bind: take another one.
            if port is not None or attempt == 4:
                raise
            slapd.port = free_port()
    _save_state(slapd)
    return slapd


def _save_state(slapd: Slapd) -> None:
    path = slapd.workdir / "slapd.state"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"base_dn={slapd.base_dn}\nport={slapd.port}\n"
                f"admin_password={slapd.admin_password}\n")


def _configure(workdir: Path, layout: Layout, port: int | None, sync: bool) -> Slapd:
    module_dir = _find(MODULE_DIRS, "back_mdb.la") or _find(MODULE_DIRS, "back_mdb.so")
    schema_dir = _find(SCHEMA_DIRS, "core.ldif")
    if module_dir is None or schema_dir is None:
        raise SlapdError("OpenLDAP modules or schemas not found (Debian package slapd)")
    modules = ["back_mdb", "memberof", "refint", "ppolicy"]
    if (module_dir / "argon2.so").exists() or (module_dir / "argon2.la").exists():
        modules.append("argon2")
    admin_password = secrets.token_urlsafe(32)
    for sub in ("config", "data"):
        path = workdir / sub
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(mode=0o700)
    (workdir / "config.ldif").write_text(config_ldif(
        workdir, layout, ssha(admin_password), module_dir, schema_dir, modules, sync))
    (workdir / "data.ldif").write_text(data_ldif(layout))
    for n, name in ((0, "config.ldif"), (1, "data.ldif")):
        run = subprocess.run([_binary("slapadd"), "-q", "-n", str(n), "-F",
                              str(workdir / "config"), "-l", str(workdir / name)],
                             capture_output=True, text=True)
        if run.returncode != 0:
            raise SlapdError(f"slapadd of {name} failed: {run.stderr.strip()}")
    (workdir / "config.ldif").unlink()  # it holds the admin password's hash
    return Slapd(workdir, port or free_port(), layout, admin_password)
