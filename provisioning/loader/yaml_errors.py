"""A YAML syntax error put into one plain sentence, at the line where the mistake is.

The parser reports what it expected ("while scanning a simple key ... could not find expected
':'"), often at the line after the mistake. People editing an inventory need what is wrong
with their line: a key without its colon, an indentation that does not match, a quote or a
bracket never closed, a tab. Each of these gets its own sentence, anything else a generic one.
"""

from __future__ import annotations

import re

import yaml

PREFIX = "the line is not valid YAML"
GENERIC = (f"{PREFIX}: check its indentation (spaces only), the colon after each key, and "
           "that every quote and bracket it opens is closed")
_KEY_AND_VALUE = re.compile(r"^(?P<dash>-\s+)?(?P<key>[\w.-]+)\s+(?P<value>[^:#\s].*)$")
_ENV_REFERENCE = re.compile(r"([\w-]+): (\$\{[A-Za-z_][A-Za-z0-9_]*\})")
_OPENERS = {"[": "]", "{": "}"}
_KIND = {"[": "list", "{": "mapping"}


def yaml_error(exc: yaml.YAMLError, text: str) -> tuple[int, str]:
    """(line, sentence) for a YAML error in `text`; line 0 when no line is known."""
    lines = text.splitlines()
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        return line, (f"{PREFIX}: it holds the control character #x{exc.character:04x}, "
                      "which YAML does not accept: delete it")
    if not isinstance(exc, yaml.MarkedYAMLError):
        return 0, "the file is not valid YAML"
    problem, context = exc.problem or "", exc.context or ""
    at = exc.problem_mark or exc.context_mark
    opened = exc.context_mark or at

    def line_of(mark) -> int:
        return mark.line + 1 if mark else 0

    def source(mark) -> str:
        return lines[mark.line] if mark and 0 <= mark.line < len(lines) else ""

    if "${" in source(at) and context.startswith("while parsing a flow"):
        reference = _ENV_REFERENCE.search(source(at))
        example = f': write {reference[1]}: "{reference[2]}"' if reference else ""
        return line_of(at), (f'{PREFIX}: inside {{ }} or [ ], write "${{VAR}}" references in '
                             f"quotes{example}")
    if "'\\t'" in problem or "'\t'" in problem or "tab character" in problem:
        return line_of(at), (f"{PREFIX}: it holds a tab character where YAML expects spaces: "
                             "indent with spaces only")
    if context == "while scanning a simple key":
        return line_of(opened), _missing_colon(source(opened))
    if context == "while scanning a quoted scalar":
        quote = source(opened)[opened.column:opened.column + 1] or '"'
        return line_of(opened), (f"{PREFIX}: the quote {quote} opened here is never closed: "
                                 f"end the value with {quote}")
    if context.startswith("while parsing a flow") and exc.context_mark:
        bracket = source(opened)[opened.column:opened.column + 1]
        if bracket in _OPENERS and not _closed(text, opened.index):
            return line_of(opened), (f'{PREFIX}: the "{bracket}" opened here is never closed: '
                                     f'end the {_KIND[bracket]} with "{_OPENERS[bracket]}"')
        return line_of(at), (f"{PREFIX}: inside {{ }} or [ ], separate the items with commas "
                             'and put a value containing ":", "[" or "{" in quotes')
    if problem == "mapping values are not allowed here":
        return line_of(at), _colon_in_value(source(at), at.column)
    if "but found '<block mapping start>'" in problem or "but found '<block sequence start>'" \
            in problem or "but found '-'" in problem:
        return line_of(at), _indentation()
    if "but found '<scalar>'" in problem and _after_quote(source(at), at.column):
        return line_of(at), (f"{PREFIX}: text follows a quoted value: put the whole value in "
                             "quotes")
    match = re.search(r"but found '([\]}])'", problem)
    if match:
        return line_of(at), (f'{PREFIX}: the "{match.group(1)}" here closes nothing opened '
                             "before it")
    match = re.match(r"found character '(.)' that cannot start any token", problem)
    if match:
        return line_of(at), (f'{PREFIX}: a value cannot start with "{match.group(1)}": put the '
                             "value in quotes")
    match = re.match(r"could not determine a constructor for the tag '([^']*)'", problem)
    if match:
        return line_of(at), (f'{PREFIX}: the tag "{match.group(1)}" is unknown (the only tag '
                             "an inventory uses is !vault)")
    match = re.match(r"found undefined alias '([^']*)'", problem)
    if match:
        name = match.group(1)
        return line_of(at), f"{PREFIX}: the alias *{name} refers to no anchor &{name} above it"
    if problem.startswith("a !vault value"):  # our own constructor's sentence
        return line_of(at), f"{PREFIX}: {problem}"
    return line_of(at), GENERIC


def _missing_colon(line: str) -> str:
    found = _KEY_AND_VALUE.match(line.strip())
    if found:
        fixed = f"{found['dash'] or ''}{found['key']}: {found['value']}"
        return f'{PREFIX}: a "key: value" pair is missing its colon: write {fixed}'
    return f'{PREFIX}: a "key: value" pair is missing its colon'


def _colon_in_value(line: str, column: int) -> str:
    """A ": " the parser did not expect: in a value (quote it), or at the key of a line
    indented deeper than the keys around it."""
    stripped = line.lstrip(" -")
    first_colon = len(line) - len(stripped) + stripped.find(":")
    if column <= first_colon:
        return _indentation()
    key, _, value = line.strip().partition(": ")
    if key and value and '"' not in value:
        return f'{PREFIX}: a value containing ": " must be in quotes: write {key}: "{value}"'
    return f'{PREFIX}: a value containing ": " must be in quotes'


def _indentation() -> str:
    return (f"{PREFIX}: its indentation does not match the lines above it (the keys of one "
            "mapping start in the same column, the items of a list under their key)")


def _after_quote(line: str, column: int) -> bool:
    before = line[:column].rstrip()
    return before.endswith(('"', "'"))


def _closed(text: str, start: int) -> bool:
    """Whether the bracket at `start` has its closing one later in the text (quoted values and
    comments skipped; an apostrophe inside a word starts no quote)."""
    opener = text[start]
    closer, depth, quote, previous = _OPENERS[opener], 0, "", "\n"
    i = start
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\" and quote == '"':
                i += 1
            elif char == quote:
                quote = ""
        elif char in "\"'" and previous in "[{,:\n":
            quote = char
        elif char == "#" and text[i - 1] in " \t\n":
            newline = text.find("\n", i)
            i = len(text) if newline < 0 else newline
            continue
        elif char == opener:
            depth += 1
        elif char == closer:
            depth -= 1
            if depth == 0:
                return True
        if char != " ":
            previous = char
        i += 1
    return False
