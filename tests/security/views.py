"""The views of one URL namespace, walked from the project's resolver: an isolation test over
them fails as soon as a new view of the namespace is added and not yet covered."""

from __future__ import annotations

from django.urls import URLResolver, get_resolver


def namespace_views(namespace: str) -> list[tuple[str, tuple[str, ...]]]:
    """(view name, URL parameters) of every named view in the namespace, through includes."""
    found = []

    def walk(resolver, namespaces, params):
        for p in resolver.url_patterns:
            named = params + tuple(p.pattern.regex.groupindex)
            if isinstance(p, URLResolver):
                walk(p, namespaces + ((p.namespace,) if p.namespace else ()), named)
            elif namespaces == (namespace,) and p.name:
                found.append((f"{namespace}:{p.name}", named))

    walk(get_resolver(), (), ())
    return found
