"""XML reading and schema validation, with one safe parser for everything we read.

The schema files ship in actes/data/actes-v1.1/ (see its README for what is official and
what is ours); an operator can point to a directory holding the Ministry's own files.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from lxml import etree

from .errors import Problem

DEFAULT_SCHEMA_DIR = Path(__file__).resolve().parent.parent / "data" / "actes-v1.1"
ROOT_SCHEMA = "actesv1_1.xsd"

# lxml validators keep their error log on the instance: serialise their use, since the
# stand-in validates from several request threads.
_VALIDATION_LOCK = threading.Lock()


def parser() -> etree.XMLParser:
    """A parser for untrusted XML: no entities, no DTD, no network, no huge trees.

    A new one per call because lxml parsers must not be shared between threads."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse(content: bytes, filename: str) -> tuple[etree._Element | None, list[Problem]]:
    """Parse bytes; return the root, or None with the syntax errors as problems."""
    try:
        root = etree.fromstring(content, parser())
    except etree.XMLSyntaxError as error:
        problems = [
            Problem(filename, f"not well-formed XML: {entry.message}", entry.line or None)
            for entry in error.error_log
        ] or [Problem(filename, f"not well-formed XML: {error}")]
        return None, problems
    return root, []


@lru_cache(maxsize=8)
def _load(schema_path: str) -> etree.XMLSchema:
    document = etree.parse(schema_path)
    return etree.XMLSchema(document)


def load_schema(schema_dir: str | Path | None = None) -> etree.XMLSchema:
    """The compiled @ctes schema from `schema_dir` (default: the shipped one)."""
    directory = Path(schema_dir) if schema_dir else DEFAULT_SCHEMA_DIR
    path = directory / ROOT_SCHEMA
    if not path.is_file():
        raise FileNotFoundError(
            f"No {ROOT_SCHEMA} in {directory}: the @ctes schema directory must hold "
            f"{ROOT_SCHEMA} and the files it imports (siret.xsd ...)."
        )
    return _load(str(path.resolve()))


def _element_of(path: str | None) -> str | None:
    if not path:
        return None
    # lxml reports "/actes:Acte/actes:Objet"; the last step names the element.
    return path.rsplit("/", 1)[-1] or None


def schema_problems(
    root: etree._Element, filename: str, schema_dir: str | Path | None = None
) -> list[Problem]:
    """Every schema error of a parsed document, with its line and element."""
    schema = load_schema(schema_dir)
    with _VALIDATION_LOCK:
        if schema.validate(root):
            return []
        entries = list(schema.error_log)
    return [
        Problem(filename, entry.message, entry.line or None, _element_of(entry.path))
        for entry in entries
    ]
