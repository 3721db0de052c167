"""The in-memory driver's resources kept as JSON files in a directory, so that a Celery worker
in another process applies them and the test reads what it wrote. The directory comes from
MUTUALIS_TEST_FILE_BACKEND; each file records the process that wrote it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import quote

from provisioning.drivers import Outcome, Scope
from provisioning.resources import ACTIVE, ARCHIVE, DISABLE, Change, Observed

from .memory_driver import MemoryDriver


class FileDriver(MemoryDriver):
    backend = "file"
    retire = {"file.account": DISABLE, "file.group": ARCHIVE, "file.site": ARCHIVE}

    def __init__(self, config: dict | None = None):
        super().__init__()
        self.root = Path(os.environ["MUTUALIS_TEST_FILE_BACKEND"])
        self.root.mkdir(parents=True, exist_ok=True)

    def desired(self, inventory, context):
        for res in super().desired(inventory, context):
            yield type(res)("file." + res.key.split(".", 1)[1], res.attrs, res.members,
                            tuple("file." + d.split(".", 1)[1] for d in res.depends_on),
                            res.secret_attrs, res.create_only)

    def path(self, key: str) -> Path:
        return self.root / (quote(key, safe="") + ".json")

    def observe(self, scope: Scope) -> Iterable[Observed]:
        for f in self.root.glob("*.json"):
            r = json.loads(f.read_text())
            yield Observed(r["key"], r["attrs"], r["state"], frozenset(r["members"]))

    def apply(self, changes: Sequence[Change]) -> list[Outcome]:
        for c in changes:
            path = self.path(c.key)
            r = json.loads(path.read_text()) if path.exists() else None
            if c.action in (DISABLE, ARCHIVE):
                r["state"] = "disabled" if c.action == DISABLE else "archived"
            else:
                r = {"key": c.key, "attrs": c.desired.attrs, "state": ACTIVE,
                     "members": sorted(c.members)}
            r["written_by"] = os.environ.get("MUTUALIS_TEST_WRITER", "unknown")
            path.write_text(json.dumps(r))
        return [Outcome(c.key, True) for c in changes]
