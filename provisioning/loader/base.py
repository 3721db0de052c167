"""What every section of the inventory checks shares: the parsed source, the reference data,
the errors found so far, and how an error is reported (its line, then where it is: the
syndicate, a backend, a member, a person)."""

from __future__ import annotations

from ..cog import load as load_cog
from ..quoting import shown
from .helpers import _text
from .yaml_source import JsonPath, _Source


class CheckerBase:
    """The state of one check of an inventory and its error reporting."""

    def __init__(self, filename: str, source: _Source, known_uids: dict[str, str] | None):
        self.filename = filename
        self.source = source
        self.data = source.data
        self.known_uids = {k.lower(): v for k, v in (known_uids or {}).items()}
        self.errors: list[tuple[int, str]] = []
        self.cog = load_cog()

    def context(self, path: JsonPath) -> str:
        if not path or path[0] not in ("syndicate", "backends", "members"):
            return "inventory"
        if path[0] == "syndicate":
            return "syndicate"
        if path[0] == "backends":
            return f"backends.{path[1]}" if len(path) > 1 else "backends"
        members = self.data.get("members") if isinstance(self.data, dict) else None
        if len(path) < 2 or not isinstance(path[1], int) or not isinstance(members, list):
            return "inventory"
        member = members[path[1]]
        code = member.get("code") if isinstance(member, dict) else None
        written = str(code).strip() if isinstance(code, str | int) else ""
        label = (f"member {shown(written, 20, quote=False)}" if written
                 else f"member #{path[1] + 1}")
        people = member.get("people") if isinstance(member, dict) else None
        if len(path) >= 4 and path[2] == "people" and isinstance(people, list) \
                and isinstance(path[3], int):
            person = people[path[3]]
            if isinstance(person, dict):
                names = [_text(person.get("given_name")), _text(person.get("surname"))]
                who = " ".join(n for n in names if n) or _text(person.get("email"))
            else:
                who = None
            who = shown(who, 60, quote=False) if who else "#" + str(path[3] + 1)
            return f"{label}, person {who}"
        return label

    def error(self, path: JsonPath, message: str, key: bool = False) -> None:
        """Report `message` at the value at `path` (at its key if `key`)."""
        where = self.context(path[:-1] if key else path)
        self.errors.append((self.source.line(path, key), f"{where}: {message}"))
