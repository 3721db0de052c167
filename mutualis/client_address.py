"""The address of the client a request comes from, for security decisions (throttles, limits).

Behind a reverse proxy every request arrives from the proxy's address (REMOTE_ADDR), and the
client's address is in the X-Forwarded-For header the proxy appends to. That header is written
by whoever sends the request, so it is believed only as far as it was written by a proxy we
trust: settings.MUTUALIS_TRUSTED_PROXIES (addresses or networks, empty by default, see
docs/reverse-proxy.md).

- REMOTE_ADDR not a trusted proxy (the default: none is): REMOTE_ADDR, whatever the header says.
- REMOTE_ADDR a trusted proxy: walk X-Forwarded-For from the right (each proxy appends the
  address it received from) and take the first address that is not a trusted proxy. Everything
  left of it was written by the client and is ignored. A hop that is not an address (a proxy
  that let the client's value through unparsed) stops the walk: the last trusted hop is used.
"""

from __future__ import annotations

import ipaddress
import logging
from functools import lru_cache

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from mutualis import conf

log = logging.getLogger(__name__)
_warned = False
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for entry in entries:
        if not entry.strip():
            continue
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"MUTUALIS_TRUSTED_PROXIES: {entry.strip()!r} is neither an address nor a "
                "network (e.g. 10.0.0.5 or 10.0.0.0/24)") from None
    return tuple(networks)


def trusted_networks() -> tuple[Network, ...]:
    entries = conf.MUTUALIS_TRUSTED_PROXIES or ()
    if isinstance(entries, str):
        entries = entries.split(",")
    return _networks(tuple(str(e) for e in entries))


def parse(value: str) -> Address | None:
    """An address from a header or REMOTE_ADDR value (`[v6]:port` and `v4:port` accepted);
    IPv4-mapped IPv6 addresses as IPv4; None when it is not an address."""
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1:value.index("]")]
    elif value.count(":") == 1:  # IPv4 with a port
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def _hint_unset_proxies(request: HttpRequest, remote: Address) -> None:
    """Once per process: a forwarded request from a loopback or private peer while no proxy is
    trusted is most likely a proxy left out of the setting (every client then shares its
    address)."""
    global _warned
    if _warned or not request.META.get("HTTP_X_FORWARDED_FOR"):
        return
    if remote.is_loopback or remote.is_private:
        _warned = True
        log.warning("requests come through a proxy at %s with X-Forwarded-For, but "
                    "MUTUALIS_TRUSTED_PROXIES is empty: every client counts as that address "
                    "(docs/reverse-proxy.md)", remote)


def client_address(request: HttpRequest | None) -> str:
    """The client's address as text ("" when the request has none)."""
    if request is None:
        return ""
    remote_text = request.META.get("REMOTE_ADDR", "") or ""
    remote = parse(remote_text)
    if remote is None:
        return remote_text.strip()
    networks = trusted_networks()
    if not networks:
        _hint_unset_proxies(request, remote)
    if not networks or not _trusted(remote, networks):
        return str(remote)
    nearest = remote  # the last hop known to be written by a trusted proxy
    hops = (request.META.get("HTTP_X_FORWARDED_FOR", "") or "").split(",")
    for hop in reversed(hops):
        if not hop.strip():
            continue
        address = parse(hop)
        if address is None:
            break
        if not _trusted(address, networks):
            return str(address)
        nearest = address
    return str(nearest)
