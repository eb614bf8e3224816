"""The client's address, for login lockout (django-axes) and rate limits.

``X-Forwarded-For`` is written by whoever sends the request, so it is believed only when the peer
(``REMOTE_ADDR``) is one of ``settings.TRUSTED_PROXIES`` (addresses or networks; none by default).
Then the header is read from the right, past every trusted proxy, and the first address that is
not a trusted proxy is the client: entries further left were written by the client itself.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

from django.conf import settings

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[_Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    proxies = tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ())
    return any(address in network for network in _networks(proxies))


def _parse(raw: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(raw.strip())
    except ValueError:
        return None


def client_address(remote_addr: str, forwarded_for: str = "") -> str | None:
    """The client's address as text, or None when what we would use is not an address."""
    peer = _parse(remote_addr or "")
    if peer is None:
        return None
    if not forwarded_for or not _trusted(peer):
        return str(peer)
    hops = [h for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            return None  # a garbled entry after a trusted proxy: refuse to guess
        if not _trusted(address):
            return str(address)
    return str(_parse(hops[0])) if hops else str(peer)


def request_ip(request: Any) -> str | None:
    """``client_address`` of a Django request (also django-axes' AXES_CLIENT_IP_CALLABLE)."""
    return client_address(
        request.META.get("REMOTE_ADDR") or "", request.META.get("HTTP_X_FORWARDED_FOR", "")
    )
