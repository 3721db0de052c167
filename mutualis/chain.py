"""Hash chains of the audit trails (the parapheur's, the GED's, the courrier's history): each
entry's hash covers the previous entry's hash and the entry's canonical JSON, so that changing,
removing or reordering an entry breaks every hash after it."""

from __future__ import annotations

import hashlib
import json

GENESIS = "0" * 64  # the "previous hash" of a chain's first entry


def canonical(body) -> bytes:
    """The entry as the hash reads it: JSON with sorted keys, no spaces, UTF-8."""
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str).encode()


def link(prev_hash: str, body) -> str:
    """The hash of an entry whose predecessor's hash is `prev_hash`."""
    return hashlib.sha256(prev_hash.encode() + canonical(body)).hexdigest()
