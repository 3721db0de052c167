"""A logging filter that masks the tokens of token-bearing addresses in log records.

Links sent by mail carry their secret in the path (/convocation/l/<token>/, /activation/<token>/,
/compte-syndicat/<uidb64>/<token>/, the Wagtail admin's password reset). Django writes the path
of every 4xx answer to the `django.request` logger ("Not Found: /convocation/l/…/"), of every
CSRF refusal to `django.security.csrf`, and the demo's server every request line to
`django.server`: a still-valid token would then sit in the log, for anyone who reads it.

TokenFilter (installed on those loggers and on the console handler by settings.LOGGING) rewrites
the record's message and arguments, before any handler sees them, replacing the token segment of
every URL pattern that has a token parameter with `[token]`. The patterns are read from the URL
resolver itself (every parameter whose name contains "token"), so a new token-bearing URL is
masked without being listed here; `token_patterns()` is what the tests enumerate.
"""

from __future__ import annotations

import logging
import re
import threading

MASK = "[token]"
_GROUP = re.compile(r"\(\?P<(?P<name>[^>]+)>")
_lock = threading.Lock()
_compiled: dict[str, list[re.Pattern]] = {}
_building = threading.local()


def is_token_parameter(name: str) -> bool:
    return "token" in name.lower()


def _route_regex(pattern) -> str:
    """One pattern's regex, without its anchors."""
    regex = pattern.pattern.regex.pattern
    if regex.startswith("^"):
        regex = regex[1:]
    for end in (r"\Z", "$"):
        if regex.endswith(end):
            regex = regex[: -len(end)]
    return regex


def _through_last_token(regex: str) -> str | None:
    """`regex` cut after its last token group (the rest of the path need not match), None when it
    has no token group."""
    end = None
    for match in _GROUP.finditer(regex):
        if not is_token_parameter(match.group("name")):
            continue
        depth, i = 0, match.start()
        while i < len(regex):
            char = regex[i]
            if char == "\\":
                i += 2
                continue
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
                if depth == 0:
                    end = i + 1
                    break
            i += 1
    return regex[:end] if end is not None else None


def token_patterns(urlconf: str | None = None) -> list[tuple[str, object]]:
    """(route regex, URLPattern) of every URL pattern with a token parameter."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            regex = prefix + _route_regex(pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, regex)
            elif isinstance(pattern, URLPattern) and any(
                    is_token_parameter(name) for name in pattern.pattern.regex.groupindex):
                found.append((regex, pattern))

    walk(get_resolver(urlconf).url_patterns, "")
    return found


def _numbered(regex: str) -> str:
    numbers = iter(range(len(regex)))
    return _GROUP.sub(lambda m: f"(?P<g{next(numbers)}_{m.group('name')}>", regex)


def _hide(match: re.Match) -> str:
    """The matched text with its token groups replaced by MASK."""
    spans = sorted(match.span(name) for name in match.re.groupindex
                   if is_token_parameter(name) and match.group(name) is not None)
    out, position = [], match.start()
    for a, b in spans:
        if a < position:
            continue
        out += [match.string[position:a], MASK]
        position = b
    out.append(match.string[position:match.end()])
    return "".join(out)


def _patterns() -> list[re.Pattern]:
    from django.conf import settings

    urlconf = settings.ROOT_URLCONF
    if urlconf in _compiled:
        return _compiled[urlconf]
    with _lock:
        if urlconf not in _compiled:
            compiled, seen = [], set()
            for regex, _pattern in token_patterns(urlconf):
                cut = _through_last_token(regex)
                if cut is None or cut in seen:
                    continue
                seen.add(cut)
                # Group names may repeat across include()s: number them apart.
                compiled.append(re.compile("/" + _numbered(cut)))
            _compiled[urlconf] = compiled
    return _compiled[urlconf]


def mask(text: str) -> str:
    """`text` with the token segment of every token-bearing address replaced by [token]."""
    if "/" not in text:
        return text
    for regex in _patterns():
        text = regex.sub(_hide, text)
    return text


def _mask_value(value):
    if isinstance(value, str):
        return mask(value)
    return value


class TokenFilter(logging.Filter):
    """Masks tokens in the record's message and arguments; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(_building, "active", False):
            return True
        _building.active = True
        try:
            if isinstance(record.msg, str):
                record.msg = mask(record.msg)
            if isinstance(record.args, dict):
                record.args = {k: _mask_value(v) for k, v in record.args.items()}
            elif isinstance(record.args, tuple):
                record.args = tuple(_mask_value(v) for v in record.args)
        except Exception:  # noqa: BLE001 - the resolver not loadable yet: never lose the record
            from django.apps import apps

            if apps.ready:
                # A record whose address could not be checked is not written as it is.
                record.msg, record.args = "%s", ("(message withheld: it could not be "
                                                 "checked for tokens)",)
        finally:
            _building.active = False
        return True
