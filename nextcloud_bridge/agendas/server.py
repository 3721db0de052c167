"""A throwaway Radicale CalDAV server on loopback, for the embedded default and the tests.

Radicale is a real multi-user CalDAV server; it runs as a child process with its own
configuration, users file and storage under a directory of ours.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Radicale:
    workdir: Path
    port: int
    admin_user: str = "mutualis"
    admin_password: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def users_file(self) -> Path:
        return self.workdir / "users"

    def add_user(self, user: str, password: str) -> None:
        """Radicale reads its users file at each login: a new line is a new account."""
        with open(self.users_file, "a") as f:
            f.write(f"{user}:{password}\n")

    def write_config(self) -> Path:
        (self.workdir / "collections").mkdir(parents=True, exist_ok=True)
        if not self.users_file.exists():
            fd = os.open(self.users_file, os.O_WRONLY | os.O_CREAT, 0o600)
            os.close(fd)
            self.add_user(self.admin_user, self.admin_password)
        config = self.workdir / "config"
        config.write_text(
            "[server]\n"
            f"hosts = 127.0.0.1:{self.port}\n"
            "[auth]\n"
            "type = htpasswd\n"
            f"htpasswd_filename = {self.users_file}\n"
            "htpasswd_encryption = plain\n"
            "delay = 0\n"
            "[rights]\n"
            "type = owner_only\n"
            "[storage]\n"
            f"filesystem_folder = {self.workdir / 'collections'}\n"
            "[logging]\n"
            "level = warning\n"
        )
        return config

    def start(self, timeout: float = 15) -> Radicale:
        config = self.write_config()
        log = open(self.workdir / "radicale.log", "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", str(config)],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Radicale exited at start; see {self.workdir / 'radicale.log'}")
            try:
                urllib.request.urlopen(self.url + ".web/", timeout=0.5)
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"Radicale did not answer on {self.url} within {timeout} s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def settings(self) -> dict:
        return {
            "url": self.url,
            "user": self.admin_user,
            "password": self.admin_password,
            "users_file": str(self.users_file),
        }

    def __enter__(self) -> Radicale:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_radicale(workdir: Path, port: int | None = None) -> Radicale:
    workdir.mkdir(parents=True, exist_ok=True)
    return Radicale(workdir, port or free_port()).start()
