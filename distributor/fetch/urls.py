"""Read a URL into exactly what we connect to, refusing spellings that URL parsers disagree on.

An address check is only as good as its agreement with the connection: if the
check reads one host and the HTTP client another (``http://127.0.0.2\\@example.com/``
is example.com to ``urllib.parse`` and 127.0.0.2 to urllib3), the check guards
nothing. So a URL is read here once, into a ``Target`` the fetcher connects to
without reading the URL again, and the URL is refused unless urllib3 (the
connection's parser), ``urllib.parse`` (the rest of the code's parser) and a
strict reading of RFC 3986 all agree on the host and port. Spellings on which
browsers (WHATWG) and resolvers disagree with RFC 3986 are refused outright:
backslashes, control characters, whitespace or ``@`` in the authority, user
names, percent-encoded hosts, IPv6 zone ids, IPv4 written in decimal, octal,
hex or short form, trailing dots, and international names that are not valid
IDNA 2008.

Written by hand because no parser library refuses ambiguity: each one resolves
it its own way, which is the problem.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import idna
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from distributor.errors import FetchRefused

DEFAULT_PORTS = {"http": 80, "https": 443}

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_PORT = re.compile(r"[0-9]{1,5}")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_HEX_NUMBER = re.compile(r"0x[0-9a-f]*")
_DECIMAL_OCTET = re.compile(r"0|[1-9][0-9]{0,2}")


@dataclass(frozen=True)
class Target:
    """One hop's destination, read once: the fetcher resolves ``host`` and sends ``request_uri``."""

    url: str
    scheme: str  # "http" or "https"
    host: str  # ASCII, lower case, no brackets: resolved, sent as Host, checked against the certificate
    port: int
    request_uri: str  # path and query, percent-encoded as sent
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None  # the host when it is an IP literal

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if isinstance(self.address, ipaddress.IPv6Address) else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def _refuse(url: str, reason: str) -> FetchRefused:
    return FetchRefused(f"refusing to fetch {url!r}: {reason}")


def _has_control_character(text: str) -> bool:
    return any(ord(c) < 0x20 or ord(c) == 0x7F or 0x80 <= ord(c) < 0xA0 for c in text)


def read_target(url: str) -> Target:
    """The ``Target`` of ``url``, or ``FetchRefused`` saying why it is not fetched."""
    if not isinstance(url, str) or not url:
        raise _refuse(str(url), "not a valid URL (empty)")
    scheme_match = _SCHEME.match(url)
    if scheme_match is None:
        raise _refuse(url, "not a valid URL (no scheme)")
    scheme = scheme_match.group()[:-1].lower()
    if scheme not in DEFAULT_PORTS:
        raise _refuse(url, "only http and https URLs are fetched")
    if _has_control_character(url):
        raise _refuse(url, "it contains a control character (parsers drop or keep them differently)")
    if "\\" in url:
        raise _refuse(url, "it contains a backslash (browsers read it as '/', other parsers do not)")
    rest = url[scheme_match.end():]
    if not rest.startswith("//") or rest.startswith("///"):
        raise _refuse(url, "not a valid URL (no host after the scheme; write http://host/...)")
    rest = rest[2:]
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority = rest[:end]
    host, port = _read_authority(url, scheme, authority)
    address = _ip_literal(url, host)
    host = _domain_name(url, host) if address is None else str(address)
    target = Target(url, scheme, host, port, "/", address)
    return _agreed_by_parsers(target, authority)


def redirect_url(base: str, location: str) -> str:
    """Where a ``Location`` header sends us; refused when parsers could read it another way.

    An absolute Location must be a URL on its own: ``urljoin`` reads ``http:/host`` or
    ``http:///host`` as a path on the current host where a browser reads another host.
    """
    if _SCHEME.match(location):
        read_target(location)
        return location
    try:
        return urljoin(base, location)
    except ValueError as exc:
        raise _refuse(location, f"not a valid redirect from {base} ({exc})") from None


def _read_authority(url: str, scheme: str, authority: str) -> tuple[str, int]:
    if not authority:
        raise _refuse(url, "no host")
    if "@" in authority:
        raise _refuse(url, "user names and passwords in URLs are not fetched (and '@' hides the real host)")
    if any(c.isspace() for c in authority):
        raise _refuse(url, "its host contains whitespace")
    if "%" in authority:
        raise _refuse(url, "its host is percent-encoded or has an IPv6 zone id")
    if authority.startswith("["):
        close = authority.find("]")
        if close < 0:
            raise _refuse(url, "not a valid URL (unclosed '[' in the host)")
        host, after = authority[: close + 1], authority[close + 1 :]
        if after and not after.startswith(":"):
            raise _refuse(url, "not a valid URL (text after the IPv6 address)")
        port_text = after[1:] if after else None
    else:
        if "[" in authority or "]" in authority or authority.count(":") > 1:
            raise _refuse(url, "not a valid URL (stray '[', ']' or ':' in the host)")
        host, colon, port_text = authority.partition(":")
        port_text = port_text if colon else None
    if port_text is None:
        return host, DEFAULT_PORTS[scheme]
    if not _PORT.fullmatch(port_text) or not 0 < int(port_text) <= 65535:
        raise _refuse(url, f"not a valid URL (port {port_text!r} is not a number from 1 to 65535)")
    return host, int(port_text)


def _ip_literal(url: str, host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address an IP-literal host names (IPv4 only in its dotted-decimal spelling), or None for a name."""
    if host.startswith("["):
        try:
            return ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise _refuse(url, f"not a valid URL ({host} is not an IPv6 address)") from None
    if not host.isascii():
        return None
    labels = host.lower().split(".")
    last = labels[-1] if labels[-1] or len(labels) == 1 else labels[-2]
    if not (last.isdigit() or _HEX_NUMBER.fullmatch(last)):
        return None
    # WHATWG reads a host ending in a number as IPv4 in any base and with fewer parts
    # (2130706433, 0x7f.1, 0177.0.0.1, 127.1 are all 127.0.0.1); resolvers differ. Only the
    # plain dotted-decimal spelling means the same everywhere.
    if len(labels) != 4 or not all(_DECIMAL_OCTET.fullmatch(part) and int(part) <= 255 for part in labels):
        raise _refuse(url, f"the IPv4 address {host!r} is spelt in decimal, octal, hex or short form; write a.b.c.d")
    return ipaddress.IPv4Address(host)


def _domain_name(url: str, host: str) -> str:
    """``host`` as the lower-case ASCII name we resolve, or a refusal."""
    if host.endswith("."):
        raise _refuse(url, f"the host {host!r} ends with a dot")
    if not host.isascii():
        try:
            # IDNA 2008 without UTS 46 mapping: fullwidth digits, '。' and the like are refused,
            # not mapped to ASCII (mapping is where parsers disagree).
            host = idna.encode(host.lower(), strict=True, std3_rules=True).decode("ascii")
        except (idna.IDNAError, UnicodeError) as exc:
            raise _refuse(url, f"the international host name is not valid IDNA ({exc})") from None
    host = host.lower()
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise _refuse(url, f"{host!r} is not a valid host name (letters, digits and '-' between dots)")
    for label in labels:
        if label.startswith("xn--") and not _is_canonical_punycode(label):
            raise _refuse(url, f"the international host name {host!r} is not valid IDNA ({label!r})")
    return host


def _is_canonical_punycode(label: str) -> bool:
    """An ``xn--`` label decodes, and encodes back to itself (else parsers may read two names)."""
    try:
        return idna.encode(idna.decode(label), strict=True, std3_rules=True).decode("ascii") == label
    except (idna.IDNAError, UnicodeError):
        return False


def _agreed_by_parsers(target: Target, authority: str) -> Target:
    """``target`` with its request URI, once urllib3 and urllib.parse read the same host and port."""
    url = target.url
    try:
        ours = parse_url(url)
        theirs = urlsplit(url)
        their_port = theirs.port or DEFAULT_PORTS[target.scheme]
    except (LocationParseError, ValueError) as exc:
        raise _refuse(url, f"not a valid URL ({exc})") from None
    our_host = _canonical_host((ours.host or "").strip("[]"), target)
    their_host = _canonical_host(theirs.hostname or "", target)
    if not their_host.isascii() and their_host == authority.partition(":")[0].lower():
        their_host = target.host  # urllib.parse leaves an international name undecoded: same host
    expected = target.host
    agreed = (
        ours.scheme == target.scheme
        and our_host == expected
        and (ours.port or DEFAULT_PORTS[target.scheme]) == target.port
        and their_host == expected
        and their_port == target.port
        and ours.auth is None
    )
    if not agreed:
        raise _refuse(url, "URL parsers read its host differently")
    return Target(url, target.scheme, target.host, target.port, ours.request_uri, target.address)


def _canonical_host(host: str, target: Target) -> str:
    """An IPv6 literal in its one compressed spelling, so two parsers' readings compare equal."""
    if isinstance(target.address, ipaddress.IPv6Address):
        try:
            return str(ipaddress.IPv6Address(host))
        except ValueError:
            return host
    return host
