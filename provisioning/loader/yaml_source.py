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


# Limits that keep a small file from taking the machine (nested aliases, "billion laughs") and
# bound what any later pass may cost. An inventory of 35,000 communes is tens of megabytes.
MAX_INVENTORY_BYTES = 64 * 1024 * 1024
# What aliases may add to the document, in nodes: at least this, at most its own size again.
MAX_ALIAS_NODES = 100_000


class SourceLimitError(Exception):
    """The file is beyond a limit of the loader: (line, sentence) for `InventoryError`."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


class _AliasRecorder(_Loader):
    """The pure-Python composer, noting where each alias is used (LibYAML's cannot), and
    whether its anchor was still open there (an alias inside its own anchor)."""

    def __init__(self, text: str):
        super().__init__(text)
        self.alias_uses: list[tuple[str, yaml.Mark, yaml.Node, bool]] = []
        self._complete: set[int] = set()

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            node = self.anchors.get(event.anchor)
            if node is not None:
                self.alias_uses.append((event.anchor, event.start_mark, node,
                                        id(node) not in self._complete))
            return super().compose_node(parent, index)
        node = super().compose_node(parent, index)
        self._complete.add(id(node))
        return node


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _expanded_sizes(root: yaml.Node) -> tuple[dict[int, int], int, int | None]:
    """(expanded size of each node by id, distinct nodes, id of a node inside itself or None).

    Iterative and memoised: linear in the nodes as written, whatever the aliases expand to."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in _children(node))
            continue
        if key in sizes:
            continue
        if key in on_path:
            return sizes, len(sizes), key
        on_path.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in on_path:
                return sizes, len(sizes), id(child)
            if id(child) not in sizes:
                stack.append((child, False))
    return sizes, len(sizes), None


def _check_aliases(root: yaml.Node, text: str) -> None:
    """Refuse aliases that would expand the document beyond MAX_ALIAS_NODES (or its own size)
    or that refer to their own anchor, naming the alias where the limit is crossed."""
    sizes, distinct, recursive = _expanded_sizes(root)
    limit = max(MAX_ALIAS_NODES, distinct)
    if recursive is None and sizes[id(root)] - distinct <= limit:
        return
    # Beyond a limit: compose again in pure Python to find the line of the alias to blame.
    recorder = _AliasRecorder(text)
    try:
        # Its own nodes: the sizes are measured again on them.
        composed = recorder.get_single_node()
        sizes = _expanded_sizes(composed)[0]
    except yaml.YAMLError:
        pass  # the recursive case may stop the composer; the uses seen so far are enough
    finally:
        recorder.dispose()
    added = 0
    for anchor, mark, node, inside_itself in recorder.alias_uses:
        if inside_itself:
            raise SourceLimitError(mark.line + 1, (
                f"the alias *{anchor} is used inside its own anchor &{anchor}: an inventory "
                "cannot hold itself, write the values out"))
        if recursive is not None:
            continue
        added += sizes[id(node)]
        if added > limit:
            raise SourceLimitError(mark.line + 1, (
                f"the aliases expand the inventory to more than {limit:,} values, this alias "
                f"*{anchor} to {sizes[id(node)]:,}: write the values out, or nest fewer "
                "aliases"))
    line = recorder.alias_uses[-1][1].line + 1 if recorder.alias_uses else 1
    raise SourceLimitError(line, f"the aliases expand the inventory to more than {limit:,} "
                                 "values: write the values out, or nest fewer aliases")


@dataclass
class _Source:
    """The parsed document and where each of its nodes starts.

    Paths under an alias are not walked again: `aliases` maps such a path to the path where
    its anchor was walked, and lines are looked up through it."""

    data: Any
    values: dict[JsonPath, yaml.Node] = field(default_factory=dict)
    keys: dict[JsonPath, yaml.Node] = field(default_factory=dict)
    duplicates: list[tuple[JsonPath, int, int]] = field(default_factory=list)
    aliases: dict[JsonPath, JsonPath] = field(default_factory=dict)

    def _resolve(self, path: JsonPath) -> JsonPath:
        """`path` with any aliased prefix replaced by where its anchor was walked."""
        for _ in range(len(path) * 4 + 8):  # each step moves to an earlier walk; bounded
            for n in range(len(path), 0, -1):
                target = self.aliases.get(path[:n])
                if target is not None:
                    path = target + path[n:]
                    break
            else:
                return path
        return path

    def line(self, path: JsonPath, key: bool = False) -> int:
        """The line of the value at `path` (of its key if `key`), else of its nearest parent."""
        if key and path in self.keys:
            return self.keys[path].start_mark.line + 1
        path = self._resolve(path)
        if key and path in self.keys:
            return self.keys[path].start_mark.line + 1
        while path not in self.values and path:
            path = path[:-1]
        node = self.values.get(path)
        return node.start_mark.line + 1 if node is not None else 1

    def text(self, path: JsonPath) -> str | None:
        """The scalar exactly as written in the file, for hints like 'write "01001"'."""
        node = self.values.get(path) or self.values.get(self._resolve(path))
        return node.value if isinstance(node, yaml.ScalarNode) else None

    def walk(self, root: yaml.Node) -> None:
        """Record where each node starts: each node once (an alias is not walked again)."""
        seen: dict[int, JsonPath] = {}
        stack: list[tuple[yaml.Node, JsonPath]] = [(root, ())]
        while stack:
            node, path = stack.pop()
            self.values[path] = node
            if id(node) in seen:
                self.aliases[path] = seen[id(node)]
                continue
            seen[id(node)] = path
            children: list[tuple[yaml.Node, JsonPath]] = []
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
                    children.append((value_node, path + (key,)))
            elif isinstance(node, yaml.SequenceNode):
                children = [(item, path + (i,)) for i, item in enumerate(node.value)]
            stack.extend(reversed(children))  # document order, for the first walk of a node


def _parse(text: str) -> _Source:
    """Parse `text`; errors always come from the pure-Python parser, for the same messages."""
    if len(text) > MAX_INVENTORY_BYTES:  # characters: at least as many bytes
        raise SourceLimitError(0, too_big(len(text.encode("utf-8", "replace"))))
    try:
        return _parse_with(_FastLoader, text)
    except yaml.YAMLError:
        if _FastLoader is _Loader:
            raise
    return _parse_with(_Loader, text)


def reread(path: str) -> _Source | None:
    """The inventory file `path` parsed again, its data (`.data`) and where each value is
    written (`.line(json_path)`), for a check made after loading (a driver's) that must name
    the line; None when the file cannot be read again."""
    try:
        return _parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, SourceLimitError):
        return None


def too_big(size: int) -> str:
    return (f"the inventory is {size:,} bytes, more than the {MAX_INVENTORY_BYTES:,} an "
            "inventory may hold: split it, or check that it is the right file")


def _parse_with(loader_class: type, text: str) -> _Source:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _check_aliases(node, text)  # before constructing: merge keys copy what they expand
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    source = _Source(data)
    if node is not None:
        source.walk(node)
    return source
