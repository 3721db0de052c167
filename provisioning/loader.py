"""Read an inventory file into the typed `provisioning.inventory.Inventory`.

Three passes, every error collected (never only the first), each given as
`FILE:LINE: <where>: <one sentence>`:

1. YAML, with a record of where each node starts (so every error has a line);
2. the published JSON Schema (`provisioning.schema`), its errors put into plain sentences;
3. what a schema cannot check: codes and names against the COG (`provisioning.cog`), service
   dependencies, roles and assemblies, people met in several members, uids and hostnames.

If anything is wrong, `InventoryError` is raised with all the errors; otherwise the inventory
is normalised (role slugs, default assemblies, populations, hostnames, uids) and returned.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import idna
import jsonschema
import yaml

from . import catalogue, naming
from .cog import Commune, Epci
from .cog import load as load_cog
from .drivers import ProvisioningError
from .inventory import Assembly, BackendConfig, Inventory, Member, Person, Seat, Syndicate
from .schema import (
    ENV_REF_PATTERN,
    INVENTORY_SCHEMA,
    MEMBER_CODE_PATTERN,
    SECRET_KEYS,
    UID_PATTERN,
)

JsonPath = tuple[str | int, ...]

_ENV_REF = re.compile(ENV_REF_PATTERN)
_UID = re.compile(UID_PATTERN)
_MEMBER_CODE = re.compile(MEMBER_CODE_PATTERN)
_EMAIL_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_SINGULAR = {"services": "service", "roles": "role", "assemblies": "assembly",
             "people": "person", "members": "member"}
_TYPE_WORDS = {"string": "text", "integer": "a whole number", "number": "a number",
               "array": "a list", "object": "a mapping of keys to values",
               "boolean": "true or false"}
_HOSTNAME_RULE = "use letters (accents allowed), digits and hyphens between dots"
_KIND_WORDS = {"commune": "a commune", "epci": "an EPCI"}
_NAME_WORDS = {"st": "saint", "ste": "sainte"}
_ARTICLES = {"d", "de", "des", "du", "l", "la", "le", "les"}
# Ways the names of EPCI are written, reduced to the COG's abbreviations.
_EPCI_PREFIXES = {"communaute-de-communes-": "cc-", "communaute-d-agglomeration-": "ca-",
                  "communaute-urbaine-": "cu-"}


class InventoryError(ProvisioningError):
    """An invalid inventory: every error found, one line each, `FILE:LINE: where: sentence`."""

    def __init__(self, filename: str, errors: list[tuple[int, str]]):
        self.filename = filename
        # (line, message) sorted by line; line 0 when the error concerns the whole file.
        self.errors: list[tuple[int, str]] = sorted(dict.fromkeys(errors), key=lambda e: e[0])
        super().__init__("\n".join(self.lines))

    @property
    def lines(self) -> list[str]:
        return [f"{self.filename}:{line}: {message}" if line else f"{self.filename}: {message}"
                for line, message in self.errors]


class VaultValue:
    """An Ansible Vault value (`!vault |`), kept encrypted until `decrypt` is called."""

    def __init__(self, ciphertext: str):
        self.ciphertext = ciphertext.strip()

    def __repr__(self) -> str:
        return "VaultValue(<encrypted>)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VaultValue) and other.ciphertext == self.ciphertext

    def __hash__(self) -> int:
        return hash(self.ciphertext)

    def decrypt(self, where: str) -> str:
        """The clear value, with the vault password from ANSIBLE_VAULT_PASSWORD_FILE."""
        try:
            from ansible.errors import AnsibleError
            from ansible.parsing.vault import VaultLib, VaultSecret
        except ImportError:
            raise ProvisioningError(
                f"{where}: this secret is an Ansible Vault value and Ansible is not installed "
                "here: install ansible-core or use a ${ENV_VAR} reference") from None
        password_file = os.environ.get("ANSIBLE_VAULT_PASSWORD_FILE")
        if not password_file:
            raise ProvisioningError(
                f"{where}: this secret is an Ansible Vault value: set "
                "ANSIBLE_VAULT_PASSWORD_FILE to the file holding the vault password")
        try:
            password = Path(password_file).read_bytes().strip()
        except OSError as exc:
            raise ProvisioningError(
                f"{where}: cannot read the vault password file {password_file} "
                f"({exc.strerror})") from None
        try:
            vault = VaultLib([("default", VaultSecret(password))])
            return vault.decrypt(self.ciphertext.encode()).decode()
        except AnsibleError:
            raise ProvisioningError(
                f"{where}: cannot decrypt this Ansible Vault value with the password in "
                f"{password_file}") from None


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps `!vault` scalars as VaultValue objects."""


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same on LibYAML when available (an inventory of 1,000 communes is megabytes)."""


def _construct_vault(loader: _Loader, node: yaml.Node) -> VaultValue:
    if not isinstance(node, yaml.ScalarNode):
        raise yaml.constructor.ConstructorError(
            None, None, "a !vault value must be a text block", node.start_mark)
    return VaultValue(loader.construct_scalar(node))


_Loader.add_constructor("!vault", _construct_vault)
_FastLoader.add_constructor("!vault", _construct_vault)


@dataclass
class _Source:
    """The parsed document and where each of its nodes starts."""

    data: Any
    values: dict[JsonPath, yaml.Node] = field(default_factory=dict)
    keys: dict[JsonPath, yaml.Node] = field(default_factory=dict)
    duplicates: list[tuple[JsonPath, int, int]] = field(default_factory=list)

    def line(self, path: JsonPath, key: bool = False) -> int:
        """The line of the value at `path` (of its key if `key`), else of its nearest parent."""
        if key and path in self.keys:
            return self.keys[path].start_mark.line + 1
        while path not in self.values and path:
            path = path[:-1]
        node = self.values.get(path)
        return node.start_mark.line + 1 if node is not None else 1

    def text(self, path: JsonPath) -> str | None:
        """The scalar exactly as written in the file, for hints like 'write "01001"'."""
        node = self.values.get(path)
        return node.value if isinstance(node, yaml.ScalarNode) else None

    def walk(self, node: yaml.Node, path: JsonPath = (), stack: frozenset = frozenset()) -> None:
        self.values[path] = node
        if id(node) in stack:  # a recursive alias: stop here
            return
        stack = stack | {id(node)}
        if isinstance(node, yaml.MappingNode):
            # For a key given twice, YAML keeps the last value: so do the paths.
            last: dict[str, tuple[yaml.Node, yaml.Node]] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.value == "<<":
                    continue
                key = key_node.value
                if key in last:
                    self.duplicates.append((path + (key,), key_node.start_mark.line + 1,
                                            last[key][0].start_mark.line + 1))
                last[key] = (key_node, value_node)
            for key, (key_node, value_node) in last.items():
                self.keys[path + (key,)] = key_node
                self.walk(value_node, path + (key,), stack)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.walk(item, path + (i,), stack)


def _parse(text: str) -> _Source:
    """Parse `text`; errors always come from the pure-Python parser, for the same messages."""
    try:
        return _parse_with(_FastLoader, text)
    except yaml.YAMLError:
        if _FastLoader is _Loader:
            raise
    return _parse_with(_Loader, text)


def _parse_with(loader_class: type, text: str) -> _Source:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    source = _Source(data)
    if node is not None:
        source.walk(node)
    return source


def _yaml_error(exc: yaml.YAMLError, text: str) -> tuple[int, str]:
    if not isinstance(exc, yaml.MarkedYAMLError):
        return 0, f"not valid YAML: {exc}"
    mark = exc.problem_mark or exc.context_mark
    if exc.context == "while scanning a simple key" and exc.context_mark:
        mark = exc.context_mark  # the key lacking its ':' is where the mistake is
    line = mark.line + 1 if mark else 0
    message = f"not valid YAML: {exc.problem or exc.context or 'unreadable'}"
    if exc.problem == "mapping values are not allowed here":
        message += ' (put a value containing ": " in quotes)'
    elif exc.context and exc.problem and exc.context_mark and exc.context_mark.line + 1 != line:
        message += f" ({exc.context} at line {exc.context_mark.line + 1})"
    lines = text.splitlines()
    if 0 < line <= len(lines) and "${" in lines[line - 1]:
        message += ' (inside { } or [ ], write "${VAR}" references in quotes)'
    return line, message


def _suggest(value: str, candidates: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(value, list(candidates), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _text(value: Any) -> str | None:
    """A non-empty stripped string, or None for anything else."""
    return value.strip() or None if isinstance(value, str) else None


def _items(value: Any) -> list:
    return value if isinstance(value, list) else []


def _jsonable(value: Any) -> Any:
    """The YAML data as JSON would hold it (Vault values in Ansible's JSON form)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, VaultValue):
        return {"__ansible_vault": value.ciphertext}
    return value


def _field(path: JsonPath) -> str:
    """How to call the value at `path` in a sentence: its key, or its list's singular."""
    if not path:
        return "the file"
    if isinstance(path[-1], int):
        parent = path[-2] if len(path) > 1 else ""
        return _SINGULAR.get(str(parent), f"item of {parent}")
    return str(path[-1])


def _plural_of(path: JsonPath) -> str:
    return _SINGULAR.get(str(path[-1]), "item") if path else "item"


@functools.lru_cache(maxsize=4096)
def _hostname(value: str) -> str | None:
    """The ASCII (IDNA) form of a hostname, or None if it is not one."""
    try:
        return naming.hostname(value)
    except (idna.IDNAError, UnicodeError, ValueError):
        return None


def _email_valid(value: str) -> bool:
    local, at, domain = value.rpartition("@")
    if not at or not local or " " in value or not _EMAIL_LOCAL.match(local):
        return False
    return bool(_hostname(domain)) and "." in domain.strip(".") and not domain.endswith(".")


def _name_key(name: str) -> str:
    """A name reduced for comparison: slug, EPCI prefixes abbreviated, 'St' spelt out, articles
    dropped ("Communauté de communes du Mellois en Poitou" is "CC Mellois en Poitou")."""
    slug = naming.slugify(name.replace("\u2019", "'"))
    for long, short in _EPCI_PREFIXES.items():
        if slug.startswith(long):
            slug = short + slug[len(long):]
    words = [_NAME_WORDS.get(w, w) for w in slug.split("-")]
    return "-".join(w for w in words if w not in _ARTICLES)


@dataclass
class _PersonDraft:
    email: str
    given_name: str
    surname: str
    line: int
    phone: str = ""
    uid: str | None = None
    uid_line: int = 0
    seats: list[Seat] = field(default_factory=list)
    seat_lines: dict[str, int] = field(default_factory=dict)


class _Checker:
    def __init__(self, filename: str, source: _Source, known_uids: dict[str, str] | None):
        self.filename = filename
        self.source = source
        self.data = source.data
        self.known_uids = {k.lower(): v for k, v in (known_uids or {}).items()}
        self.errors: list[tuple[int, str]] = []
        self.cog = load_cog()

    # -- reporting ---------------------------------------------------------------------------

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
        label = (f"member {str(code).strip()}" if isinstance(code, str | int) and str(code).strip()
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
            return f"{label}, person {who or '#' + str(path[3] + 1)}"
        return label

    def error(self, path: JsonPath, message: str, key: bool = False) -> None:
        """Report `message` at the value at `path` (at its key if `key`)."""
        where = self.context(path[:-1] if key else path)
        self.errors.append((self.source.line(path, key), f"{where}: {message}"))

    # -- pass 2: the schema ------------------------------------------------------------------

    def check_schema(self) -> None:
        for path, line, first in self.source.duplicates:
            self.errors.append(
                (line, f"{self.context(path[:-1])}: duplicate key \"{path[-1]}\" "
                       f"(first at line {first})"))
        validator = jsonschema.Draft202012Validator(INVENTORY_SCHEMA)
        for error in validator.iter_errors(_jsonable(self.data)):
            self.schema_error(error)

    def schema_error(self, error: jsonschema.ValidationError) -> None:
        path: JsonPath = tuple(error.absolute_path)
        keyword, instance, expected = error.validator, error.instance, error.validator_value
        name = _field(path)
        if path[:1] == ("backends",) and any(p in SECRET_KEYS for p in path[2:]):
            return  # secrets are checked by check_secrets, which never echoes a value
        if keyword == "additionalProperties" and isinstance(instance, dict):
            known = list(error.schema.get("properties", {}))
            for key in instance:
                if key not in known:
                    hint = _suggest(str(key), known) or (
                        f" (expected one of: {', '.join(known)})" if len(known) <= 8 else "")
                    self.error(path + (str(key),), f'unknown key "{key}"{hint}', key=True)
            return
        if keyword == "required" and isinstance(instance, dict):
            for key in expected:
                # A misspelt key ("member:") is reported as unknown, with the right spelling.
                unknown = [str(k) for k in instance if k not in error.schema["properties"]]
                misspelt = difflib.get_close_matches(key, unknown, n=1, cutoff=0.6)
                if key not in instance and not misspelt:
                    self.error(path, f'missing key "{key}"')
            return
        self.error(path, self.schema_sentence(path, name, keyword, instance, expected, error))

    def schema_sentence(self, path: JsonPath, name: str, keyword: str, instance: Any,
                        expected: Any, error: jsonschema.ValidationError) -> str:
        written = self.source.text(path)
        if keyword == "type":
            if instance is None and expected == "array":
                return f"{name} has no value: write {name}: [] if there is none"
            if instance is None:
                return f"{name} is empty"
            words = _TYPE_WORDS.get(expected, expected)
            if expected == "string" and not isinstance(instance, dict | list):
                quoted = written if written is not None else str(instance)
                key = f"{path[-1]}: " if path and isinstance(path[-1], str) else ""
                return f'{name} must be text in quotes: write {key}"{quoted}"'
            if expected == "array" and not isinstance(instance, dict):
                return f"{name} must be a list, e.g. {name}: [{written or '...'}]"
            return f"{name} must be {words}"
        if keyword == "enum":
            options = [str(o) for o in expected]
            if name == "service":
                hint = _suggest(str(instance), options) or f" (it has: {', '.join(options)})"
                return f'service "{instance}" is not in the catalogue{hint}'
            hint = _suggest(str(instance), options) or f" (use {' or '.join(options)})"
            return f'{name} "{instance}" is not a valid {name}{hint}'
        if keyword == "pattern":
            return self.pattern_sentence(path, name, str(instance))
        if keyword == "minLength":
            return f"{name} is empty"
        if keyword == "minItems":
            return f"{name} is empty: give at least one {_plural_of(path)}"
        if keyword == "uniqueItems" and isinstance(instance, list):
            twice = next(v for i, v in enumerate(instance) if v in instance[:i])
            return f'{_plural_of(path)} "{twice}" is listed twice'
        if keyword == "minimum":
            return f"{name} must be at least {expected}"
        if keyword == "maximum":
            return f"{name} must be at most {expected}"
        if keyword == "exclusiveMinimum":
            return f"{name} must be more than {expected}"
        if keyword == "maxLength":
            return f"{name} is too long (at most {expected} characters)"
        return f"{name}: {error.message}"

    def pattern_sentence(self, path: JsonPath, name: str, value: str) -> str:
        if name == "code":
            return (f'code "{value}" must be a 5-character INSEE code (commune) '
                    "or a 9-digit SIREN (EPCI)")
        if name == "siren":
            return f'SIREN "{value}" must be 9 digits'
        if name == "uid":
            return (f'uid "{value}" is not valid: use 1 to 32 lower-case letters, digits, ".", '
                    '"_" or "-", starting with a letter')
        if name == "slug":
            return (f'slug "{value}" is not valid: use lower-case letters, digits and single '
                    f'hyphens, e.g. "{naming.slugify(value) or "commission-finances"}"')
        return f'{name} "{value}" is not valid'

    # -- pass 3: what a schema cannot check --------------------------------------------------

    def check_secrets(self, value: Any, path: JsonPath) -> None:
        """Every secret under `backends` is a ${ENV_VAR} or a Vault value; never echo it."""
        if isinstance(value, dict):
            if set(value) == {"__ansible_vault"}:
                return
            for key, item in value.items():
                if str(key) in SECRET_KEYS:
                    self.check_secret(item, path + (str(key),))
                else:
                    self.check_secrets(item, path + (str(key),))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                self.check_secrets(item, path + (i,))

    def check_secret(self, value: Any, path: JsonPath) -> None:
        key = str(path[-1])
        if isinstance(value, dict) and set(value) == {"__ansible_vault"}:
            value = VaultValue(str(value["__ansible_vault"]))
        if isinstance(value, VaultValue):
            if not value.ciphertext.startswith("$ANSIBLE_VAULT;"):
                self.error(path, f"{key} is tagged !vault but is not an Ansible Vault value "
                                 "(it must start with $ANSIBLE_VAULT;)", key=True)
        elif not (isinstance(value, str) and _ENV_REF.match(value)):
            self.error(path, f"{key} must be a ${{ENV_VAR}} reference or an Ansible Vault "
                             "value, never clear text", key=True)

    def syndicate(self) -> Syndicate | None:
        raw = self.data.get("syndicate")
        if not isinstance(raw, dict):
            return None
        domains = {}
        for key in ("domain", "sites_domain"):
            value = _text(raw.get(key))
            if value is None:
                continue
            ascii_name = _hostname(value)
            if ascii_name is None:
                self.error(("syndicate", key), f'{key} "{value}" is not a valid domain name: '
                                               f"{_HOSTNAME_RULE}")
            domains[key] = ascii_name
        name, siren = _text(raw.get("name")), _text(raw.get("siren"))
        if not (name and siren and domains.get("domain")):
            return None
        return Syndicate(name=name, siren=siren, domain=domains["domain"],
                         sites_domain=domains.get("sites_domain") or domains["domain"])

    def backends(self) -> dict[str, BackendConfig]:
        raw = self.data.get("backends")
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            return {}
        self.check_secrets(raw, ("backends",))
        result = {}
        for name, settings in raw.items():
            if not isinstance(settings, dict):
                continue
            path = ("backends", str(name))
            url = settings.get("url")
            if isinstance(url, str) and re.match(r"^[a-z+]+://[^/@]*:[^/@]*@", url):
                self.error(path + ("url",), "the url holds a password: give it as a "
                                            "${ENV_VAR} reference in the password key instead")
            if name == "smtp" and not settings.get("host") and not settings.get("url"):
                self.error(path, 'give the SMTP server as "host" (or url: embedded)')
            plain = {k: v for k, v in settings.items() if k not in SECRET_KEYS}
            secrets = {k: (VaultValue(v["__ansible_vault"]) if isinstance(v, dict) else v)
                       for k, v in settings.items() if k in SECRET_KEYS}
            result[str(name)] = BackendConfig(name=str(name), settings=plain, secrets=secrets)
        return result

    def member_code(self, path: JsonPath, code: str, kind: str) -> Commune | Epci | None:
        """The COG entry of a member (a Commune or an Epci), or None after an error."""
        cog = self.cog
        at = path + ("code",)
        if kind == "commune":
            if len(code) == 9:
                if code in cog.commune_by_siren:
                    commune = cog.commune_by_siren[code]
                    self.error(at, f"a commune is identified by its INSEE code, not its SIREN: "
                                   f'write code: "{commune.code}" ({commune.name})')
                elif code in cog.epcis:
                    self.error(at, f'{code} is the SIREN of the EPCI "{cog.epcis[code].name}": '
                                   "write kind: epci")
                else:
                    self.error(at, f'a commune is identified by its 5-character INSEE code, '
                                   f'not a 9-digit number like "{code}"')
                return None
            commune = cog.commune(code)
            if commune is None:
                former = cog.former_commune(code)
                if former is not None:
                    current = cog.communes[former.current]
                    self.error(at, f"INSEE code {code} is {former.name}, a former commune now "
                                   f'part of {current.name}: use code "{current.code}"')
                else:
                    self.error(at, f"INSEE code {code} is not a current commune in the COG")
            return commune
        if len(code) != 9:
            commune = cog.commune(code)
            which = f" ({code} is the commune of {commune.name})" if commune else ""
            self.error(at, "an EPCI is identified by its 9-digit SIREN, not a 5-character "
                           f"INSEE code{which}")
            return None
        epci = cog.epci(code)
        if epci is None:
            if code in cog.commune_by_siren:
                commune = cog.commune_by_siren[code]
                self.error(at, f"SIREN {code} is the commune of {commune.name}, not an EPCI: "
                               f'write kind: commune and code: "{commune.code}"')
            else:
                self.error(at, f"SIREN {code} is not an EPCI in the COG")
        return epci

    def member(self, index: int, raw: dict, syndicate: Syndicate | None,
               people: dict[str, _PersonDraft]) -> Member | None:
        path: JsonPath = ("members", index)
        code, name, kind = _text(raw.get("code")), _text(raw.get("name")), raw.get("kind")
        kind = kind if kind in catalogue.MEMBER_KINDS else None
        reference = None
        if code and kind and _MEMBER_CODE.match(code):
            reference = self.member_code(path, code, kind)
        if reference is not None and name and _name_key(name) != _name_key(reference.name):
            what = "INSEE code" if kind == "commune" else "SIREN"
            self.error(path + ("name",), f'name "{name}" does not match {what} {code}, '
                                         f'which is "{reference.name}"')
        slug = naming.slugify(name) if name else ""
        if name and not slug:
            self.error(path + ("name",), f'name "{name}" has no letter or digit to make a slug')
        hostname = self.member_hostname(path, raw, slug, syndicate)
        services = [s for s in _items(raw.get("services"))
                    if isinstance(s, str) and s in catalogue.SERVICES]
        for service, needed in catalogue.missing_dependencies(services):
            self.error(path + ("services", _items(raw.get("services")).index(service)),
                       f'service "{service}" needs "{needed}", which this member does not '
                       "subscribe to")
        email = _text(raw.get("email"))
        if email and not _email_valid(email):
            self.error(path + ("email",), f'email "{email}" is not a valid address')
        assemblies = self.member_assemblies(path, raw, kind)
        elected, people_ok = False, True
        for j, person in enumerate(_items(raw.get("people"))):
            seat = None
            if isinstance(person, dict):
                seat = self.person(path + ("people", j), person, code, kind, assemblies, people)
            people_ok = people_ok and seat is not None
            elected = elected or bool(seat and seat.elected)
        if "convocation" in services and not elected and people_ok:
            self.error(path + ("services", _items(raw.get("services")).index("convocation")),
                       'subscribes to "convocation" but has no elected person to convene')
        population = raw.get("population")
        if not isinstance(population, int) or isinstance(population, bool):
            population = reference.population if reference and reference.population else 0
        if not (code and name and kind and hostname and reference):
            return None
        siren = reference.siren if kind == "commune" else code
        return Member(code=code, name=name, kind=kind, population=population, slug=slug,
                      hostname=hostname, services=tuple(raw.get("services") or ()),
                      assemblies=tuple(assemblies), siren=siren,
                      address=_text(raw.get("address")) or "", email=email or "",
                      phone=_text(raw.get("phone")) or "")

    def member_hostname(self, path: JsonPath, raw: dict, slug: str,
                        syndicate: Syndicate | None) -> str | None:
        website = _text(raw.get("website"))
        if website is None:
            if slug and syndicate:
                return naming.default_hostname(slug, syndicate.sites_domain)
            return None
        at = path + ("website",)
        if "/" in website or ":" in website:
            self.error(at, f'website must be a hostname like melle.fr, not a URL: "{website}"')
            return None
        ascii_name = _hostname(website)
        if ascii_name is None:
            self.error(at, f'website "{website}" is not a valid hostname: {_HOSTNAME_RULE}')
        elif "." not in ascii_name:
            self.error(at, f'website "{website}" is not a full hostname: write e.g. '
                           f"{website}.fr")
            return None
        return ascii_name

    def member_assemblies(self, path: JsonPath, raw: dict, kind: str | None) -> list[Assembly]:
        standard = catalogue.STANDARD_ASSEMBLIES.get(kind or "", {})
        assemblies = [Assembly(slug, label) for slug, label in standard.items()]
        lines: dict[str, int] = {}
        for i, item in enumerate(_items(raw.get("assemblies"))):
            if not isinstance(item, dict) or not _text(item.get("name")):
                continue
            name = _text(item["name"])
            slug = item.get("slug") if isinstance(item.get("slug"), str) else naming.slugify(name)
            at = path + ("assemblies", i)
            if not slug:
                self.error(at + ("name",), f'assembly "{name}" has no letter or digit to make '
                                           "a slug")
            elif slug in standard:
                self.error(at, f'assembly "{slug}" exists in every '
                               f"{'EPCI' if kind == 'epci' else kind}: do not declare it")
            elif slug in lines:
                self.error(at, f'assembly "{slug}" is declared twice (first at line '
                               f"{lines[slug]})")
            else:
                lines[slug] = self.source.line(at)
                assemblies.append(Assembly(slug, name))
        return assemblies

    def person(self, path: JsonPath, raw: dict, code: str | None, kind: str | None,
               assemblies: list[Assembly], people: dict[str, _PersonDraft]) -> Seat | None:
        """The person's seat in member `code`, merged into `people` by email; None if wrong."""
        roles = self.roles(path, raw, kind)
        explicit = self.person_assemblies(path, raw, assemblies) if kind else []
        email = _text(raw.get("email"))
        if email is not None and not _email_valid(email):
            self.error(path + ("email",), f'email "{email}" is not a valid address')
            email = None
        given, surname = _text(raw.get("given_name")), _text(raw.get("surname"))
        if roles is None or explicit is None or not (email and given and surname):
            return None
        if not (code and kind):
            return Seat(member=code or "", roles=tuple(roles), assemblies=())
        sits = set(explicit)
        if any(catalogue.ROLES[r]["elected"] for r in roles):
            sits.add(catalogue.DEFAULT_ASSEMBLY[kind])
        if any(r in catalogue.BUREAU_ROLES for r in roles) and any(
                a.slug == "bureau" for a in assemblies):
            sits.add("bureau")
        seat = Seat(member=code, roles=tuple(roles),
                    assemblies=tuple(a.slug for a in assemblies if a.slug in sits),
                    title=_text(raw.get("title")) or "")
        line = self.source.line(path)
        identity = email.lower()
        uid = raw.get("uid") if isinstance(raw.get("uid"), str) else None
        draft = people.get(identity)
        if draft is None:
            draft = people[identity] = _PersonDraft(identity, given, surname, line)
        elif (given, surname) != (draft.given_name, draft.surname):
            self.error(path + ("email",),
                       f'{email} is also used at line {draft.line} for "{draft.given_name} '
                       f'{draft.surname}": one person must have the same name everywhere')
        if code in draft.seat_lines:
            self.error(path, f"{email} is listed twice in this member (first at line "
                             f"{draft.seat_lines[code]})")
            return seat
        if uid and _UID.match(uid):
            if draft.uid and draft.uid != uid:
                self.error(path + ("uid",), f'uid "{uid}" differs from uid "{draft.uid}" given '
                                            f"to the same person at line {draft.uid_line}")
            elif not draft.uid:
                draft.uid, draft.uid_line = uid, self.source.line(path + ("uid",))
        draft.phone = draft.phone or _text(raw.get("phone")) or ""
        draft.seats.append(seat)
        draft.seat_lines[code] = line
        return seat

    def roles(self, path: JsonPath, raw: dict, kind: str | None) -> list[str] | None:
        roles: list[str] = []
        ok = bool(_items(raw.get("roles")))
        for i, value in enumerate(_items(raw.get("roles"))):
            if not _text(value):
                ok = False
                continue
            slug = naming.slugify(value)
            slug = catalogue.ROLE_ALIASES.get(slug, slug)
            at = path + ("roles", i)
            if slug not in catalogue.ROLES:
                known = list(catalogue.ROLES) + list(catalogue.ROLE_ALIASES)
                hint = _suggest(slug, known) or f" (roles: {', '.join(catalogue.ROLES)})"
                self.error(at, f'role "{value}" is not a known role{hint}')
                ok = False
            elif kind and kind not in catalogue.ROLES[slug]["kinds"]:
                allowed = [r for r, spec in catalogue.ROLES.items() if kind in spec["kinds"]]
                self.error(at, f'role "{value}" does not exist in {_KIND_WORDS[kind]} '
                               f"(use one of: {', '.join(allowed)})")
                ok = False
            elif slug not in roles:
                roles.append(slug)
        return roles if ok else None

    def person_assemblies(self, path: JsonPath, raw: dict,
                          assemblies: list[Assembly]) -> list[str] | None:
        by_slug = {a.slug: a.slug for a in assemblies}
        by_name = {naming.slugify(a.name): a.slug for a in assemblies}
        result: list[str] = []
        ok = True
        for i, value in enumerate(_items(raw.get("assemblies"))):
            if not _text(value):
                ok = False
                continue
            slug = by_slug.get(value) or by_slug.get(naming.slugify(value)) or by_name.get(
                naming.slugify(value))
            if slug is None:
                hint = _suggest(naming.slugify(value), list(by_slug)) or (
                    f" (its assemblies: {', '.join(by_slug)})")
                self.error(path + ("assemblies", i),
                           f'assembly "{value}" is not an assembly of this member{hint}')
                ok = False
            else:
                result.append(slug)
        return result if ok else None

    def check_uids(self, people: dict[str, _PersonDraft]) -> None:
        owners: dict[str, _PersonDraft] = {}
        known_owner = {uid: email for email, uid in self.known_uids.items()}
        for draft in people.values():
            if not draft.uid:
                continue
            other = owners.setdefault(draft.uid, draft)
            if other is not draft:
                self.errors.append((draft.uid_line, f'person {draft.given_name} '
                                    f'{draft.surname}: uid "{draft.uid}" is already given to '
                                    f"{other.email} at line {other.uid_line}"))
                continue
            previous = known_owner.get(draft.uid)
            if previous and previous != draft.email:
                self.errors.append((draft.uid_line, f'person {draft.given_name} '
                                    f'{draft.surname}: uid "{draft.uid}" already belongs to '
                                    f"{previous} in the registry: choose another uid"))

    def check_unique_members(self, members: list[tuple[int, Member]]) -> None:
        codes: dict[str, int] = {}
        hosts: dict[str, tuple[str, int]] = {}
        for index, member in members:
            path: JsonPath = ("members", index)
            line = self.source.line(path + ("code",))
            if member.code in codes:
                self.error(path + ("code",), f"this member is declared twice (first at line "
                                             f"{codes[member.code]})")
                continue
            codes[member.code] = line
            if member.hostname in hosts:
                other, other_line = hosts[member.hostname]
                self.error(path + ("website",), f'hostname "{member.hostname}" is already used '
                                                f"by member {other} (line {other_line}): set "
                                                "a different website for one of them")
            else:
                hosts[member.hostname] = (member.code, self.source.line(path + ("website",)))

    def build(self) -> Inventory | None:
        if not isinstance(self.data, dict):
            self.check_schema()
            return None
        self.check_schema()
        syndicate = self.syndicate()
        backends = self.backends()
        people: dict[str, _PersonDraft] = {}
        members: list[tuple[int, Member]] = []
        for i, raw in enumerate(_items(self.data.get("members"))):
            if isinstance(raw, dict):
                member = self.member(i, raw, syndicate, people)
                if member is not None:
                    members.append((i, member))
        self.check_unique_members(members)
        self.check_uids(people)
        if self.errors or syndicate is None:
            return None
        uids = naming.assign_uids(
            ((d.email, d.given_name, d.surname, d.uid) for d in people.values()),
            self.known_uids)
        persons = tuple(Person(uid=uids[d.email], given_name=d.given_name, surname=d.surname,
                               email=d.email, seats=tuple(d.seats), phone=d.phone)
                        for d in people.values())
        return Inventory(path=self.filename, syndicate=syndicate, backends=backends,
                         members=tuple(m for _, m in members), people=persons)


def parse_inventory(text: str, filename: str = "<inventory>",
                    known_uids: dict[str, str] | None = None) -> Inventory:
    """Validate and normalise inventory `text`; `filename` is what error lines start with."""
    try:
        source = _parse(text)
    except yaml.YAMLError as exc:
        raise InventoryError(filename, [_yaml_error(exc, text)]) from None
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
        text = Path(path).read_text(encoding="utf-8")
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
