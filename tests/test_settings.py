"""Production settings pass Django's deployment checks."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def check_deploy(tmp_path, **env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith("MUTUALIS_") and k != "DATABASE_URL"}
    environ.update(MUTUALIS_VAR_DIR=str(tmp_path), **env)
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy",
                           "--fail-level", "WARNING"], cwd=ROOT, env=environ,
                          capture_output=True, text=True, timeout=120)


def test_production_settings_pass_check_deploy(tmp_path):
    proc = check_deploy(tmp_path, MUTUALIS_HTTPS="1",
                        MUTUALIS_SECRET_KEY=secrets.token_urlsafe(50))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_development_settings_do_not(tmp_path):
    proc = check_deploy(tmp_path)
    assert proc.returncode != 0 and "security.W" in proc.stdout + proc.stderr


def test_https_without_a_secret_key_refuses_to_start(tmp_path):
    proc = check_deploy(tmp_path, MUTUALIS_HTTPS="1")
    assert proc.returncode != 0
    assert "MUTUALIS_HTTPS=1 needs MUTUALIS_SECRET_KEY" in proc.stderr


def directives(header: str) -> dict[str, str]:
    """A policy as {directive: sources}: the order of its directives means nothing."""
    parts = [part.strip().split(" ", 1) for part in header.split(";") if part.strip()]
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def test_pages_carry_a_content_security_policy(client, db):
    page = client.get("/activation/unknown-token/")
    assert directives(page["Content-Security-Policy"]) == {
        "default-src": "'self'", "img-src": "'self' data:", "object-src": "'none'",
        "base-uri": "'self'", "form-action": "'self'", "frame-ancestors": "'self'"}
    assert "Content-Security-Policy" not in client.get("/admin/login/")
    assert "Content-Security-Policy" not in client.get("/django-admin/login/")
