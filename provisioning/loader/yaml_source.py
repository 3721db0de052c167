"""Pass 1 of the loader: the inventory's YAML parsed with the line where each node starts
(`_Source`) and `!vault` values kept encrypted (`VaultValue`) until a backend needs them;
`yaml_errors` puts a YAML error into one sentence."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..drivers import ProvisioningError

JsonPath = tuple[str | int, ...]


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
