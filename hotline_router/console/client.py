"""The client's address: the direct peer, or what a trusted proxy says in X-Forwarded-For.

X-Forwarded-For is read only when the direct peer is one of the configured trusted proxies
(`HotlineSettings.trusted_proxies`), since anyone can send the header. It is read from the right:
each proxy appends the address it received the request from, so the right-most address that
is not itself a trusted proxy is the client; whatever the client wrote further left is ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TypeAlias

Network: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network
Address: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address


class TrustedProxies:
    def __init__(self, networks: Iterable[str] = ()) -> None:
        self.networks: tuple[Network, ...] = tuple(ipaddress.ip_network(n, strict=False) for n in networks)

    def __contains__(self, address: Address) -> bool:
        return any(address in net for net in self.networks)

    def client(self, peer: str | None, forwarded_for: Iterable[str] = ()) -> str:
        """The client's address as text ("" when the peer is unknown, e.g. a Unix socket)."""
        addr = _parse(peer)
        if addr is None:
            return peer or ""
        if not self.networks or addr not in self:
            return str(addr)
        hops = [h.strip() for header in forwarded_for for h in header.split(",")]
        for hop in reversed(hops):
            hop_addr = _parse(hop)
            if hop_addr is None:
                break  # garbage in the chain: trust nothing further left
            if hop_addr not in self:
                return str(hop_addr)
            addr = hop_addr
        return str(addr)


def _parse(text: str | None) -> Address | None:
    if not text:
        return None
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:51234"
        text = text.partition(":")[0]
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def throttle_key(address: str) -> str:
    """The unit the per-address budget counts: one IPv4 address, or one IPv6 /64 (a single
    subscriber usually holds a whole /64, so counting single IPv6 addresses counts nothing)."""
    addr = _parse(address)
    if isinstance(addr, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{addr}/64", strict=False))
    return address
