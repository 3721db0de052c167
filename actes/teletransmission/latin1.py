"""Text the @ctes messages can carry: ISO-8859-1, decided once and deliberately.

Every @ctes message is declared ISO-8859-1 (the schema and every message S²LOW writes).
French text typed in a browser often holds characters outside it: "œ", "€", typographic
quotes and dashes, the narrow no-break space of French punctuation. S²LOW converts with
utf8_decode, which silently turns each of them into "?", and maps a few Windows-1252
punctuation marks to ASCII (XMLHelper::cp1252_to_iso88591). We do better and say so:

- characters with a faithful Latin-1 spelling are transliterated (œ -> oe, € -> EUR,
  ’ -> ', « stays «, narrow no-break space -> no-break space ...);
- any other character (Greek, emoji, CJK ...) is refused with a sentence naming the field
  and the character, so a person rewrites it rather than the prefecture reading "?".

XML numeric character references (&#339;) would be lossless, but no tiers we know writes
them and the receiving side is not ours to test, so we do not rely on them.
"""

from __future__ import annotations

import unicodedata

from .errors import ActInvalid

TRANSLITERATIONS: dict[str, str] = {
    "œ": "oe",
    "Œ": "OE",
    "€": "EUR",
    "‘": "'",
    "’": "'",
    "‚": "'",
    "‛": "'",
    "′": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "‟": '"',
    "″": '"',
    "‹": "<",
    "›": ">",
    "–": "-",
    "—": "-",
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "―": "-",
    "−": "-",
    "…": "...",
    "•": "-",
    "\u202f": "\u00a0",  # narrow no-break space (before « : ; ! ?) -> no-break space
    "\u2009": " ",
    "\u200a": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\u2007": "\u00a0",
    "\u200b": "",
    "\ufeff": "",
    "\u00ad": "",  # zero-width space, BOM, soft hyphen
    "Ÿ": "Y",
    "š": "s",
    "Š": "S",
    "ž": "z",
    "Ž": "Z",
    "ˆ": "^",
    "˜": "~",
    "™": "TM",
    "‰": "pour mille",
    "†": "+",
    "‡": "++",
    "\u2028": " ",
    "\u2029": " ",
}
_CONTROL_ALLOWED = {"\t", "\n", "\r"}


def to_latin1(text: str, field: str) -> str:
    """Return `text` spelt with ISO-8859-1 characters only, or raise ActInvalid."""
    text = unicodedata.normalize("NFC", text)
    out: list[str] = []
    for char in text:
        if ord(char) < 0x20 and char not in _CONTROL_ALLOWED or 0x7F <= ord(char) < 0xA0:
            raise ActInvalid(
                field,
                f"{field}: the control character U+{ord(char):04X} cannot be transmitted; "
                "remove it.",
            )
        if ord(char) <= 0xFF:
            out.append(char)
        elif char in TRANSLITERATIONS:
            out.append(TRANSLITERATIONS[char])
        else:
            decomposed = unicodedata.normalize("NFKD", char)
            base = "".join(c for c in decomposed if not unicodedata.combining(c))
            if base and all(ord(c) <= 0xFF for c in base) and base.isalpha():
                out.append(base)  # e.g. "ŷ" -> "y", "ſ" -> "s": same letter, no accent
                continue
            name = unicodedata.name(char, "unnamed")
            raise ActInvalid(
                field,
                f"{field}: the character {char!r} (U+{ord(char):04X} {name}) cannot be "
                "written in ISO-8859-1, the encoding of @ctes messages; replace it.",
            )
    return "".join(out)
