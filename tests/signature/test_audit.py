"""The audit trail: hash-chained, append-only, any later edit detected, exportable and
checkable from its export."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from mutualis.cli import main
from signature import audit
from signature.models import AuditEntry

# The registry fixture journals the installation of Alphaville's 3 signing keys (entries 1-3).
BASE = 3


@pytest.fixture
def trail(registry):
    member = registry.alpha
    assert AuditEntry.objects.filter(member=member).count() == BASE
    for i in range(5):
        audit.record(member, "approved", "smaire", None, step=i, note="é")
    audit.record(registry.bravo, "submitted", "bmaire", None)
    return member


def test_chain_is_intact_and_per_member(trail, registry):
    check = audit.verify_chain(trail)
    assert check.ok and check.entries == BASE + 5
    rows = list(audit.entries(trail))
    assert rows[0]["prev_hash"] == audit.GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(rows, rows[1:], strict=False))
    assert audit.verify_chain(registry.bravo).entries == 2


def test_any_later_edit_of_history_is_detected(trail):
    entry = AuditEntry.objects.get(member=trail, seq=BASE + 3)
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
    # Behind the model's back: the chain finds it
    AuditEntry.objects.filter(pk=entry.pk).update(details={"step": 99, "note": "é"})
    check = audit.verify_chain(trail)
    assert (check.ok, check.broken_at) == (False, BASE + 3)
    assert f"entry {BASE + 3} no longer matches" in check.sentence()


def test_a_recomputed_entry_still_breaks_the_next_one(trail):
    entry = AuditEntry.objects.get(member=trail, seq=BASE + 2)
    forged = audit.as_dict(entry)
    forged["actor"] = "intrus"
    AuditEntry.objects.filter(pk=entry.pk).update(
        actor="intrus", hash=audit.entry_hash(entry.prev_hash, forged))
    assert audit.verify_chain(trail).broken_at == BASE + 3


def test_a_removed_entry_is_detected(trail):
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE member_id = %s AND "
                       "seq = %s", [trail.pk, BASE + 4])
    assert audit.verify_chain(trail).broken_at == BASE + 5


def test_exports_carry_the_chain_and_can_be_checked(trail):
    exported = json.loads(audit.export_json(trail))
    assert audit.verify_entries(exported).ok
    exported[BASE + 1]["details"]["note"] = "changé"
    assert audit.verify_entries(exported).broken_at == BASE + 2
    rows = audit.read_csv(audit.export_csv(trail))
    assert [r["seq"] for r in rows] == list(range(1, BASE + 6))
    assert audit.verify_entries(rows).ok


def test_cli_verifies_and_exports(trail, capsys):
    assert main(["signature", "audit", "79101", "--verify"]) == 0
    assert f"intact: {BASE + 5} entries" in capsys.readouterr().out
    assert main(["signature", "audit", "79101", "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("seq,member,folder,at,actor,action")
    AuditEntry.objects.filter(member=trail, seq=1).update(actor="intrus")
    assert main(["signature", "audit", "79101", "--verify"]) == 1
    assert "entry 1 no longer matches" in capsys.readouterr().err
    assert main(["signature", "audit", "00000"]) == 1
    assert capsys.readouterr().err.strip() == "error: no member 00000 in the registry"
