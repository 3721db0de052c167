"""Read an inventory file into the typed `provisioning.inventory.Inventory`.

Three passes, every error collected (never only the first), each given as
`FILE:LINE: <where>: <one sentence>`:

1. YAML, with a record of where each node starts (so every error has a line);
2. the published JSON Schema (`provisioning.schema`), its errors put into plain sentences;
3. what a schema cannot check: codes and names against the COG (`provisioning.cog`), service
   dependencies, roles and assemblies, people met in several members, uids and hostnames.

If anything is wrong, `InventoryError` is raised with all the errors; otherwise the inventory
is normalised (role slugs, default assemblies, populations, hostnames, uids) and returned.

The pieces: `yaml_source` (pass 1, and `VaultValue`) and `yaml_errors` (its errors in plain
words), `schema_errors` (pass 2), `syndicate`,
`members` and `people` (pass 3, by section of the file), all mixed into `checker._Checker`,
which also builds the `Inventory`; `helpers` holds what the sections share.
"""

from __future__ import annotations

import os

import yaml

from ..drivers import ProvisioningError
from ..inventory import Inventory
from ..quoting import one_line
from .checker import _Checker
from .yaml_errors import yaml_error
from .yaml_source import MAX_INVENTORY_BYTES, SourceLimitError, VaultValue, _parse, too_big

__all__ = ["InventoryError", "VaultValue", "load_inventory", "parse_inventory"]


class InventoryError(ProvisioningError):
    """An invalid inventory: every error found, one line each, `FILE:LINE: where: sentence`."""

    def __init__(self, filename: str, errors: list[tuple[int, str]]):
        self.filename = filename
        # (line, message) sorted by line; line 0 when the error concerns the whole file.
        # Every sentence one line: a value's NUL or newline is escaped, never raw.
        cleaned = ((line, one_line(message)) for line, message in errors)
        self.errors: list[tuple[int, str]] = sorted(dict.fromkeys(cleaned), key=lambda e: e[0])
        super().__init__("\n".join(self.lines))

    @property
    def lines(self) -> list[str]:
        return [f"{self.filename}:{line}: {message}" if line else f"{self.filename}: {message}"
                for line, message in self.errors]


def parse_inventory(text: str, filename: str = "<inventory>",
                    known_uids: dict[str, str] | None = None) -> Inventory:
    """Validate and normalise inventory `text`; `filename` is what error lines start with."""
    try:
        source = _parse(text)
    except SourceLimitError as exc:
        raise InventoryError(filename, [(exc.line, exc.message)]) from None
    except yaml.YAMLError as exc:
        raise InventoryError(filename, [yaml_error(exc, text)]) from None
    if source.data is None:
        raise InventoryError(filename, [(1, "inventory: the file is empty; an inventory needs "
                                            "at least syndicate and members")])
    checker = _Checker(filename, source, known_uids)
    inventory = checker.build()
    if checker.errors or inventory is None:
        raise InventoryError(filename, checker.errors or [(1, "inventory: not valid")])
    return inventory


def load_inventory(path: str | os.PathLike, known_uids: dict[str, str] | None = None
                   ) -> Inventory:
    """Read, validate and normalise the inventory at `path`.

    `known_uids` maps people's lower-cased emails to the uids an earlier apply gave them (the
    registry remembers them), so that nobody is ever renamed. Raises `InventoryError` (a
    `ProvisioningError`) listing every error as `FILE:LINE: where: sentence`.
    """
    filename = str(path)
    try:
        with open(path, "rb") as file:
            # Never read more than the limit: a wrong file may be gigabytes.
            data = file.read(MAX_INVENTORY_BYTES + 1)
        if len(data) > MAX_INVENTORY_BYTES:
            raise InventoryError(filename, [(0, too_big(os.path.getsize(path)))])
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise InventoryError(filename, [(0, "cannot read the inventory: no such file")]) from None
    except IsADirectoryError:
        raise InventoryError(filename, [(0, "cannot read the inventory: it is a folder, "
                                            "not a file")]) from None
    except UnicodeDecodeError as exc:
        raise InventoryError(filename, [(0, "cannot read the inventory: not UTF-8 text (byte "
                                            f"{exc.start})")]) from None
    except OSError as exc:
        raise InventoryError(filename, [(0, "cannot read the inventory: "
                                            f"{exc.strerror or exc}")]) from None
    return parse_inventory(text, filename, known_uids)
