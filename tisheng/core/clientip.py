"""Who is asking: the client's address, and the network a per-client limit counts against.

Behind TRUSTED_PROXY_COUNT reverse proxies (nginx, HAProxy) that each append the address they
saw to X-Forwarded-For, the client is that many entries from the right (what the outermost
trusted proxy saw; entries further left are the client's own word and could be anything).
With no proxy (the default) the header is ignored: anyone can send it.

Limits (the login throttle, the public verify page) count per IPv4 address or per IPv6 /64:
one household or host gets a whole /64, so single IPv6 addresses would cost an attacker
nothing. An IPv4-mapped IPv6 address counts as its IPv4 address.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address (see the module docstring); anything unparsable falls back to the
    connection's address."""
    if request is None:
        return None
    meta = request.META
    remote = meta.get("REMOTE_ADDR") or None
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = [a.strip() for a in (meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if a.strip()]
    candidate = forwarded[-hops] if hops and len(forwarded) >= hops else remote
    try:
        return str(ipaddress.ip_address(candidate)) if candidate else None
    except ValueError:
        return remote


def client_network(ip: str | None) -> str | None:
    """The IPv4 address or IPv6 /64 a per-client limit counts against; None without one."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
