"""How a value someone typed appears in an error sentence: control characters (NUL, newlines,
tabs, escape sequences, bidi overrides) written as escapes, never raw, so that one value cannot
break a sentence into lines, hide text or drive the terminal; long values cut with "…".

`shown(value)` is the quoted value for a sentence; `one_line(text)` cleans a whole sentence
(for messages built elsewhere, such as a backend's). Other apps quoting user values in their
error sentences should use these too."""

from __future__ import annotations

import unicodedata

# A value longer than this is cut: a sentence names a value, it does not reproduce a file.
SHOWN_MAX = 80
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0"}


def _escape_char(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _needs_escape(char: str) -> bool:
    # Cc: C0/C1 controls, DEL; Cf: bidi overrides, zero-width joiners...; Zl/Zp: U+2028/2029.
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") and char not in "\u00ad"


def one_line(text: str) -> str:
    """`text` with every control character escaped (a sentence stays one line)."""
    if text.isprintable():  # the common case, at C speed
        return text
    return "".join(_escape_char(c) if _needs_escape(c) else c for c in text)


def shown(value: object, limit: int = SHOWN_MAX, quote: bool = True) -> str:
    """`value` for a sentence: in double quotes (unless not `quote`), escaped, cut to `limit`
    characters with "…"."""
    text = value if isinstance(value, str) else str(value)
    text = one_line(text[:limit]) + ("…" if len(text) > limit else "")
    return f'"{text}"' if quote else text
