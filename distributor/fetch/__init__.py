"""Safe HTTP fetching for feeds, article pages and images: the one path every outside URL takes.

Every fetch is bounded (a per-read timeout, one deadline for the whole fetch
from connecting to the last body byte, body size after decompression, redirect
count) and decides on exactly what it connects to, on every redirect hop: the
URL is read once, with the connection's own parser, and refused if parsers
could read its host differently; the host is resolved once; every address is
checked (private, loopback and link-local ones are refused unless
``fetch.allow_private_networks`` is set or the network is passed in
``allowed_networks``); and the connection goes to a checked address, with TLS
verified against the host name.
"""

from distributor.fetch.addresses import AddressPolicy, Resolver, check_url, is_public_address, system_resolver
from distributor.fetch.fetcher import Fetcher, FetchResult
from distributor.fetch.urls import Target, read_target

__all__ = [
    "AddressPolicy",
    "FetchResult",
    "Fetcher",
    "Resolver",
    "Target",
    "check_url",
    "is_public_address",
    "read_target",
    "system_resolver",
]
