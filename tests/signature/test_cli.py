"""`mutualis signature sign` and `verify`: exit codes, --json, errors in one sentence."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mutualis.cli import main
from tests.factories import make_pdf

from .conftest import PASSWORD, pdfsig

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def files(tmp_path, identities, monkeypatch):
    p12 = tmp_path / "maire.p12"
    p12.write_bytes(identities.maire.pkcs12())
    pdf = tmp_path / "acte.pdf"
    pdf.write_bytes(make_pdf("Arrêté n° 42"))
    monkeypatch.setenv("P12_PASSWORD", PASSWORD.decode())
    return tmp_path, p12, pdf


def test_sign_then_verify_json(files, root_pem, pki, capsys, nssdb):
    tmp, p12, pdf = files
    out = tmp / "signed.pdf"
    assert main(["signature", "sign", str(pdf), str(out), "--p12", str(p12), "--password-env",
                 "P12_PASSWORD", "--level", "B-LTA", "--tsa", pki.tsa_url, "--reason",
                 "Approuvé", "--location", "Alphaville"]) == 0
    assert "signed by Sylvie Maire at level B-LTA" in capsys.readouterr().out

    assert main(["signature", "verify", str(out), "--trust", str(root_pem), "--json"]) == 0
    reports = json.loads(capsys.readouterr().out)
    assert [r["kind"] for r in reports] == ["signature", "timestamp"]
    first = reports[0]
    for key in ("intact", "trusted", "signer", "signing_time", "level", "coverage"):
        assert key in first
    assert (first["intact"], first["trusted"], first["signer"], first["level"]) == (
        True, True, "Sylvie Maire", "B-LTA")
    assert first["coverage"] == "entire_revision" and first["signing_time"]

    code, output = pdfsig(nssdb, out)
    assert code == 0 and "Signature is Valid." in output


def test_verify_exit_codes(files, root_pem, capsys):
    tmp, p12, pdf = files
    out = tmp / "signed.pdf"
    assert main(["signature", "sign", str(pdf), str(out), "--p12", str(p12),
                 "--password-env", "P12_PASSWORD"]) == 0
    capsys.readouterr()
    assert main(["signature", "verify", str(out), "--trust", str(root_pem)]) == 0
    assert capsys.readouterr().out.startswith("OK ")
    # not trusted without the root
    assert main(["signature", "verify", str(out)]) == 1
    assert "trusted NO" in capsys.readouterr().out
    # one byte changed
    data = out.read_bytes()
    at = data.index(b"42")
    (tmp / "bad.pdf").write_bytes(data[:at] + b"7" + data[at + 1:])
    assert main(["signature", "verify", str(tmp / "bad.pdf"), "--trust", str(root_pem),
                 "--json"]) == 1
    assert json.loads(capsys.readouterr().out)[0]["intact"] is False
    # no signature at all
    assert main(["signature", "verify", str(pdf), "--trust", str(root_pem)]) == 1
    assert "no signature" in capsys.readouterr().err


@pytest.mark.parametrize("args, sentence", [
    (["--password-env", "WRONG_PASSWORD"],
     "error: Le mot de passe du certificat est incorrect."),
    (["--password-env", "UNSET_VARIABLE"],
     "error: the environment variable UNSET_VARIABLE (the key's password) is not set"),
    (["--password-env", "P12_PASSWORD", "--level", "B-T"],
     "error: Le niveau B-T demande une autorité d'horodatage (son adresse, MUTUALIS_TSA_URL)."),
    (["--password-env", "P12_PASSWORD", "--level", "B-T", "--tsa", "http://127.0.0.1:9/tsa"],
     "error: L'autorité d'horodatage http://127.0.0.1:9/tsa n'a pas répondu : rien n'a été "
     "signé ; réessayez dans quelques minutes."),
])
def test_errors_are_one_sentence(files, capsys, monkeypatch, args, sentence):
    tmp, p12, pdf = files
    monkeypatch.setenv("WRONG_PASSWORD", "non")
    monkeypatch.delenv("UNSET_VARIABLE", raising=False)
    assert main(["signature", "sign", str(pdf), str(tmp / "o.pdf"), "--p12", str(p12),
                 *args]) == 1
    err = capsys.readouterr().err
    assert err.strip() == sentence
    assert "Traceback" not in err and not (tmp / "o.pdf").exists()


def test_revoked_signer_refused_by_the_cli(tmp_path, identities, capsys, monkeypatch):
    p12 = tmp_path / "revoked.p12"
    p12.write_bytes(identities.revoked.pkcs12())
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(make_pdf())
    monkeypatch.setenv("P12_PASSWORD", PASSWORD.decode())
    assert main(["signature", "sign", str(pdf), str(tmp_path / "o.pdf"), "--p12", str(p12),
                 "--password-env", "P12_PASSWORD"]) == 1
    assert capsys.readouterr().err.strip() == (
        "error: Le certificat du signataire (Révoqué Dupont) est révoqué : la signature est "
        "refusée.")


def test_the_installed_command(files, root_pem):
    """The real entry point, in its own process (signing happened in this one)."""
    tmp, p12, pdf = files
    out = tmp / "signed.pdf"
    assert main(["signature", "sign", str(pdf), str(out), "--p12", str(p12),
                 "--password-env", "P12_PASSWORD"]) == 0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "mutualis.cli", "signature", "verify", str(out),
                           "--trust", str(root_pem), "--json"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["trusted"] is True
