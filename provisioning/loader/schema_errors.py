"""Pass 2 of the loader: the inventory against the published JSON Schema
(`provisioning.schema`), each schema error put into a plain sentence, and keys given twice."""

from __future__ import annotations

import difflib
from typing import Any

import jsonschema

from .. import naming
from ..quoting import shown
from ..schema import INVENTORY_SCHEMA, SECRET_KEYS
from .base import CheckerBase
from .helpers import _suggest
from .yaml_source import JsonPath, VaultValue

_SINGULAR = {"services": "service", "roles": "role", "assemblies": "assembly",
             "people": "person", "members": "member"}
_TYPE_WORDS = {"string": "text", "integer": "a whole number", "number": "a number",
               "array": "a list", "object": "a mapping of keys to values",
               "boolean": "true or false"}


def _jsonable(value: Any, done: dict[int, Any] | None = None) -> Any:
    """The YAML data as JSON would hold it (Vault values in Ansible's JSON form). A value
    reached through several aliases is converted once and shared, never copied again."""
    if not isinstance(value, dict | list | VaultValue):
        return value
    done = {} if done is None else done
    if id(value) in done:
        return done[id(value)]
    result: Any
    if isinstance(value, dict):
        result = done[id(value)] = {}
        result.update((str(k), _jsonable(v, done)) for k, v in value.items())
    elif isinstance(value, list):
        result = done[id(value)] = []
        result.extend(_jsonable(v, done) for v in value)
    else:
        result = done[id(value)] = {"__ansible_vault": value.ciphertext}
    return result


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


class SchemaChecks(CheckerBase):
    """The schema's errors, as sentences."""

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
                    self.error(path + (str(key),), f'unknown key {shown(key)}{hint}', key=True)
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
                return f'{name} must be text in quotes: write {key}{shown(quoted)}'
            if expected == "array" and not isinstance(instance, dict):
                return f"{name} must be a list, e.g. {name}: [{written or '...'}]"
            return f"{name} must be {words}"
        if keyword == "enum":
            options = [str(o) for o in expected]
            if name == "service":
                hint = _suggest(str(instance), options) or f" (it has: {', '.join(options)})"
                return f'service {shown(instance)} is not in the catalogue{hint}'
            hint = _suggest(str(instance), options) or f" (use {' or '.join(options)})"
            return f'{name} {shown(instance)} is not a valid {name}{hint}'
        if keyword == "pattern":
            return self.pattern_sentence(path, name, str(instance))
        if keyword == "minLength":
            return f"{name} is empty"
        if keyword == "minItems":
            return f"{name} is empty: give at least one {_plural_of(path)}"
        if keyword == "uniqueItems" and isinstance(instance, list):
            twice = next(v for i, v in enumerate(instance) if v in instance[:i])
            return f'{_plural_of(path)} {shown(twice)} is listed twice'
        if keyword == "minimum":
            return f"{name} must be at least {expected}"
        if keyword == "maximum":
            return f"{name} must be at most {expected}"
        if keyword == "exclusiveMinimum":
            return f"{name} must be more than {expected}"
        if keyword == "maxLength":
            return (f"{name} is too long: {len(instance):,} characters where at most {expected:,} "
                    "fit in the backends")
        return f"{name}: {error.message}"

    def pattern_sentence(self, path: JsonPath, name: str, value: str) -> str:
        if name == "code":
            return (f'code {shown(value)} must be a 5-character INSEE code (commune) '
                    "or a 9-digit SIREN (EPCI)")
        if name == "siren":
            return f'SIREN {shown(value)} must be 9 digits'
        if name == "uid":
            return (f"uid {shown(value)} is not valid: use 1 to 32 lower-case letters, "
                    'digits, ".", '
                    '"_" or "-", starting with a letter')
        if name == "slug":
            return (f'slug {shown(value)} is not valid: use lower-case letters, digits and single '
                    f'hyphens, e.g. {shown(naming.slugify(value) or "commission-finances")}')
        return f'{name} {shown(value)} is not valid'
