"""The parapheur's audit trail: every action, hash-chained per member.

Entry n's hash is SHA-256 over entry n-1's hash and entry n's canonical JSON (sequence number,
member, folder, time, actor, action, details). Changing, inserting or removing any past entry
changes every later hash: `verify_chain` finds the first entry that no longer matches. An
export (JSON or CSV) carries the hashes, so that anyone can check it with `verify_entries`.
Details never hold secrets: names, hashes of documents, reasons, outcomes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from mutualis.chain import GENESIS, link
from provisioning.models import RegistryMember

from .models import AuditEntry, Folder

FIELDS = ("seq", "member", "folder", "at", "actor", "action", "details", "prev_hash", "hash")


def entry_hash(prev_hash: str, entry: dict) -> str:
    return link(prev_hash, [entry["seq"], entry["member"], entry["folder"], entry["at"],
                            entry["actor"], entry["action"], entry["details"]])


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def as_dict(entry: AuditEntry, member_code: str | None = None) -> dict:
    return {"seq": entry.seq, "member": member_code or entry.member.code,
            "folder": entry.folder_id, "at": _iso(entry.at), "actor": entry.actor,
            "action": entry.action, "details": entry.details, "prev_hash": entry.prev_hash,
            "hash": entry.hash}


def record(member: RegistryMember, action: str, actor: str, folder: Folder | None = None,
           **details) -> AuditEntry:
    """Append an entry to the member's chain (safe against concurrent writers: the unique
    (member, seq) makes a racing writer retry on the new head)."""
    details = json.loads(json.dumps(details, ensure_ascii=False, default=str))
    for _attempt in range(10):
        try:
            with transaction.atomic():
                head = (AuditEntry.objects.select_for_update().filter(member=member)
                        .order_by("-seq").first())
                entry = AuditEntry(member=member, seq=(head.seq + 1) if head else 1,
                                   folder=folder, at=timezone.now(), actor=actor or "system",
                                   action=action, details=details,
                                   prev_hash=head.hash if head else GENESIS)
                entry.hash = entry_hash(entry.prev_hash, as_dict(entry, member.code))
                entry.save()
                return entry
        except IntegrityError:
            continue
    raise RuntimeError(f"could not append to the audit trail of member {member.code}")


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    entries: int
    broken_at: int | None  # the sequence number of the first entry that does not match
    head: str

    def sentence(self) -> str:
        if self.ok:
            return f"The audit trail is intact: {self.entries} entries, head {self.head[:16]}…"
        return (f"The audit trail was altered: entry {self.broken_at} no longer matches its "
                "hash chain")


def verify_entries(entries: Iterable[dict]) -> ChainCheck:
    """Check a chain given as dicts (from the database or from an export)."""
    previous, expected_seq, count = GENESIS, 1, 0
    for entry in entries:
        count += 1
        if (entry["seq"] != expected_seq or entry["prev_hash"] != previous
                or entry_hash(previous, entry) != entry["hash"]):
            return ChainCheck(False, count, entry["seq"], previous)
        previous, expected_seq = entry["hash"], expected_seq + 1
    return ChainCheck(True, count, None, previous)


def entries(member: RegistryMember, folder: Folder | None = None) -> Iterable[dict]:
    rows = AuditEntry.objects.filter(member=member).order_by("seq")
    if folder is not None:
        rows = rows.filter(folder=folder)
    for entry in rows.iterator(chunk_size=2000):
        yield as_dict(entry, member.code)


def verify_chain(member: RegistryMember) -> ChainCheck:
    return verify_entries(entries(member))


def export_json(member: RegistryMember, folder: Folder | None = None) -> str:
    return json.dumps(list(entries(member, folder)), ensure_ascii=False, indent=1)


def export_csv(member: RegistryMember, folder: Folder | None = None) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS)
    writer.writeheader()
    for entry in entries(member, folder):
        writer.writerow({**entry, "details": json.dumps(entry["details"], ensure_ascii=False,
                                                        sort_keys=True)})
    return out.getvalue()


def read_csv(text: str) -> list[dict]:
    """Entries from an export_csv, ready for verify_entries."""
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        rows.append({**row, "seq": int(row["seq"]),
                     "folder": int(row["folder"]) if row["folder"] else None,
                     "details": json.loads(row["details"])})
    return rows
