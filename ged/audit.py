"""The GED's audit trail: every filing, new version, hold, transfer and elimination,
hash-chained per member the way the parapheur's trail is (signature/audit.py): entry n's hash
is SHA-256 over entry n-1's hash and entry n's canonical JSON, so changing, inserting or
removing a past entry breaks every later hash and `verify` names the first that no longer
matches."""

from __future__ import annotations

import json
from datetime import UTC

from django.db import IntegrityError, transaction
from django.utils import timezone

from mutualis.chain import GENESIS, link

from .models import AuditEntry


def entry_hash(entry: AuditEntry, member_code: str) -> str:
    return link(entry.prev_hash, [
        entry.seq, member_code, entry.document_id,
        entry.at.astimezone(UTC).isoformat(timespec="microseconds"), entry.actor, entry.action,
        entry.details])


def record(member, action: str, actor: str = "", document=None, **details) -> AuditEntry:
    """Append to the member's chain; a racing writer retries on the new head (unique seq)."""
    details = json.loads(json.dumps(details, ensure_ascii=False, default=str))
    for _attempt in range(10):
        try:
            with transaction.atomic():
                head = (AuditEntry.objects.select_for_update().filter(member=member)
                        .order_by("-seq").first())
                entry = AuditEntry(member=member, seq=head.seq + 1 if head else 1,
                                   at=timezone.now(), actor=actor or "system", action=action,
                                   document=document, details=details,
                                   prev_hash=head.hash if head else GENESIS)
                entry.hash = entry_hash(entry, member.code)
                entry.save()
                return entry
        except IntegrityError:
            continue
    raise RuntimeError(f"could not append to the GED audit trail of member {member.code}")


def verify(member) -> int | None:
    """The sequence number of the first entry that no longer matches its chain, or None."""
    previous, expected = GENESIS, 1
    for entry in AuditEntry.objects.filter(member=member).order_by("seq").iterator(2000):
        if (entry.seq != expected or entry.prev_hash != previous
                or entry_hash(entry, member.code) != entry.hash):
            return entry.seq
        previous, expected = entry.hash, expected + 1
    return None
