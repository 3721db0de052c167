"""The `mutualis` command line, in-process (exit codes, output) and as a real console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from mutualis.cli import main
from provisioning.models import RegistryPerson, Run

pytestmark = pytest.mark.django_db(transaction=True)


def run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_validate_and_schema(capsys, small_inventory):
    code, out, _ = run(capsys, "validate", str(small_inventory))
    assert code == 0 and "valid: 2 members, 4 people" in out
    code, out, _ = run(capsys, "schema")
    schema = json.loads(out)
    assert code == 0 and "members" in schema["properties"]


def test_plan_apply_then_nothing_to_do(capsys, small_inventory):
    code, out, _ = run(capsys, "plan", str(small_inventory), "--json", "--detailed-exitcode")
    plan = json.loads(out)
    assert code == 2
    assert set(plan["changes"][0]) == {"key", "kind", "action", "before", "after"}
    keys = {c["key"] for c in plan["changes"]}
    assert {"registry.member:79142", "registry.member:79055",
            "registry.assembly:79142/conseil-municipal"} <= keys
    assert plan["summary"]["create"] == len(plan["changes"])

    code, out, err = run(capsys, "apply", str(small_inventory), "--yes")
    assert code == 0, err
    assert "succeeded" in out and "0 still pending" in out
    # One person, two seats: Jeanne Dupont is maire of one commune, councillor of the other.
    jeanne = RegistryPerson.objects.get(email="jeanne.dupont@example.fr")
    assert sorted(s.member.code for s in jeanne.seats.all()) == ["79055", "79142"]
    assert RegistryPerson.objects.get(email="jean.dupont@example.fr").uid != jeanne.uid

    code, out, _ = run(capsys, "plan", str(small_inventory), "--detailed-exitcode")
    assert code == 0 and "0 to create, 0 to update" in out
    code, out, _ = run(capsys, "apply", str(small_inventory), "--yes")
    assert code == 0 and "Nothing to do" in out


def test_apply_asks_for_yes_when_no_one_can_answer(capsys, small_inventory, monkeypatch):
    monkeypatch.setattr(sys, "stdin", open(os.devnull))
    code, _, err = run(capsys, "apply", str(small_inventory))
    assert code == 1 and "pass --yes" in err
    assert not Run.objects.exists()


def test_only_limits_to_one_member_and_rejects_unknown_codes(capsys, small_inventory):
    code, out, _ = run(capsys, "plan", str(small_inventory), "--json", "--only", "79055")
    keys = {c["key"] for c in json.loads(out)["changes"]}
    assert "registry.member:79055" in keys and "registry.member:79142" not in keys
    code, _, err = run(capsys, "plan", str(small_inventory), "--only", "99999")
    assert code == 1 and "--only 99999: no member has this code" in err


def test_a_member_leaving_is_archived_only_with_allow_destroy(capsys, small_inventory):
    assert run(capsys, "apply", str(small_inventory), "--yes")[0] == 0
    text = small_inventory.read_text()
    small_inventory.write_text(text[: text.index('  - code: "79055"')])
    code, _, err = run(capsys, "apply", str(small_inventory), "--yes")
    assert code == 1 and "--allow-destroy" in err and "Traceback" not in err
    code, out, _ = run(capsys, "apply", str(small_inventory), "--yes", "--allow-destroy")
    assert code == 0 and "archive" in out
    from provisioning.models import RegistryMember

    assert RegistryMember.objects.get(code="79055").active is False  # archived, not deleted


def test_runs_journal_and_its_verification(capsys, small_inventory):
    run(capsys, "apply", str(small_inventory), "--yes")
    code, out, _ = run(capsys, "runs", "--json")
    runs = json.loads(out)
    assert code == 0 and runs[0]["status"] == "succeeded"
    code, out, _ = run(capsys, "runs", str(runs[0]["id"]), "--json")
    assert code == 0 and all(r["outcome"] == "ok" for r in json.loads(out))
    code, out, _ = run(capsys, "runs", "--verify")
    assert code == 0 and "intact" in out
    Run.objects.update(summary={"create": 0})  # someone rewrites history
    code, _, err = run(capsys, "runs", "--verify")
    assert code == 1 and "altered" in err


def test_the_console_script_prints_one_sentence_not_a_traceback(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("members:\n  - code: 79174\n    name: [unclosed\n")
    env = {**os.environ, "MUTUALIS_VAR_DIR": str(tmp_path / "var")}
    env.pop("DATABASE_URL", None)
    for argv, expected in (
        (["validate", str(bad)], str(bad) + ":"),
        (["plan", str(tmp_path / "missing.yml")], "missing.yml"),
    ):
        proc = subprocess.run([sys.executable, "-m", "mutualis.cli", *argv], env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 1
        assert "Traceback" not in proc.stderr
        assert proc.stderr.startswith("error: ") and expected in proc.stderr
