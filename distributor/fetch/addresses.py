"""Which addresses a fetch may connect to: resolve a host once and check every answer.

The addresses returned by ``checked_addresses`` are the only ones the fetcher
connects to (it never resolves the name again), so a DNS answer that changes
between the check and the connection (rebinding) cannot slip in an address the
check did not see.
"""

from __future__ import annotations

import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Callable, Iterable

from distributor.errors import FetchError, FetchRefused
from distributor.fetch.urls import Target, read_target

Resolver = Callable[[str, int], list[str]]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # SIIT's IPv4-translated addresses (RFC 2765): the IPv4 at the end
# Never anyone's public address, yet ``is_global`` on Python 3.11 says they are: the local-use NAT64
# prefix (RFC 8215, translated by the operator's own NAT64 to any IPv4, private ones included) and the
# deprecated site-local fec0::/10 (RFC 3879, still routed inside some networks).
_LOCAL_V6 = (ipaddress.ip_network("64:ff9b:1::/48"), ipaddress.ip_network("fec0::/10"))
# getaddrinfo cannot be interrupted; a lookup that outlives its fetch finishes here, harmlessly.
_lookups = ThreadPoolExecutor(max_workers=8, thread_name_prefix="fetch-dns")


def system_resolver(host: str, port: int) -> list[str]:
    """The operating system's answer (``getaddrinfo``), IPv4 first."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve {host}: {exc.strerror}") from exc
    return sorted({info[4][0] for info in infos}, key=lambda a: (":" in a, a))


def resolve_within(resolver: Resolver, host: str, port: int, seconds: float) -> list[str]:
    """``resolver(host, port)``, or ``TimeoutError`` after ``seconds`` (a slow name server must not hold a fetch)."""
    lookup = _lookups.submit(resolver, host, port)
    try:
        return lookup.result(timeout=seconds)
    except FutureTimeout:
        lookup.cancel()
        raise TimeoutError(host) from None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """IPv4 carried inside IPv6 (mapped, 6to4, NAT64, compatible), judged as that IPv4 address."""
    embedded = ip.ipv4_mapped or ip.sixtofour
    if embedded is None and (ip in _NAT64 or ip in _TRANSLATED):
        embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if embedded is None and int(ip) >> 32 == 0 and int(ip) > 1:
        embedded = ipaddress.IPv4Address(int(ip))  # ::a.b.c.d
    return embedded


def is_public_address(address: str | Address) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0]) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address) and (embedded := _embedded_ipv4(ip)) is not None:
        ip = embedded
    if isinstance(ip, ipaddress.IPv6Address) and any(ip in net for net in _LOCAL_V6):
        return False
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class AddressPolicy:
    """Public addresses always; private ones when allowed, all of them or only ``networks``."""

    allow_private: bool = False
    networks: tuple[Network, ...] = ()

    @classmethod
    def build(cls, allow_private: bool, networks: Iterable[str | Network] = ()) -> AddressPolicy:
        return cls(allow_private, tuple(ipaddress.ip_network(n) for n in networks))

    def allows(self, ip: Address) -> bool:
        if self.allow_private or is_public_address(ip):
            return True
        judged = ip
        if isinstance(ip, ipaddress.IPv6Address) and (embedded := _embedded_ipv4(ip)) is not None:
            judged = embedded
        return any(judged.version == net.version and judged in net for net in self.networks)


def _parse(target: Target, answer: object) -> Address:
    try:
        return ipaddress.ip_address(str(answer).split("%", 1)[0])
    except ValueError:
        raise FetchError(f"cannot resolve {target.host}: the resolver answered {answer!r}") from None


def checked_addresses(target: Target, resolver: Resolver, policy: AddressPolicy) -> list[str]:
    """Every address ``target`` may be reached at, resolved once; refused if any one is not allowed.

    One forbidden answer refuses the whole name rather than skipping it: a name that
    points at an internal address is hostile or misconfigured either way.
    """
    answers = [str(target.address)] if target.address is not None else list(resolver(target.host, target.port))
    if not answers:
        raise FetchError(f"cannot resolve {target.host}: no addresses")
    for answer in answers:
        if not policy.allows(_parse(target, answer)):
            raise FetchRefused(
                f"refusing to fetch {target.url}: {target.host} is a private or loopback address ({answer}); "
                "set fetch.allow_private_networks to allow it"
            )
    return answers


def check_url(url: str, *, allow_private: bool, resolver: Resolver = system_resolver) -> None:
    """Refuse a URL we must not fetch, as the fetcher would, without connecting (for validating input early)."""
    checked_addresses(read_target(url), resolver, AddressPolicy(allow_private))
