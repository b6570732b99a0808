"""URLs that some parser reads as 127.0.0.2 never reach 127.0.0.2, directly or as a redirect.

A trap listens on 127.0.0.2; a decoy HTTP server on 127.0.0.1 (same port) is the
one private address the fetcher is told to allow, and the test's DNS answers
example.com with the decoy. Every spelling below is one that some URL parser
(urllib.parse, urllib3, a browser's WHATWG parser or a resolver) reads as
127.0.0.2 while another reads it differently; each must be refused before any
connection, and the trap must see nothing. Nothing here resolves a real name
or connects outside loopback (``loopback_only``).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from distributor.config import FetchSettings
from distributor.errors import FetchError, FetchRefused
from distributor.fetch import Fetcher
from tests.helpers.fetch_servers import Decoy, ScriptedResolver, Trap, loopback_only

# (id, URL with {p} for the port, whether it can be sent as a Location header)
SPELLINGS = [
    ("backslash before @ (the issue's case)", "http://127.0.0.2:{p}\\@example.com/", True),
    ("backslash inside userinfo", "http://example.com\\@127.0.0.2:{p}/", True),
    ("backslashes for slashes", "http:\\\\127.0.0.2:{p}/", True),
    ("backslash ends the host for browsers", "http://127.0.0.2:{p}\\.example.com/", True),
    ("userinfo", "http://example.com@127.0.0.2:{p}/", True),
    ("user and password", "http://user:pass@127.0.0.2:{p}/", True),
    ("two @", "http://example.com@x@127.0.0.2:{p}/", True),
    ("userinfo with a port-like part", "http://example.com:80@127.0.0.2:{p}/", True),
    ("@ after the fragment", "http://127.0.0.2:{p}#@example.com/", True),
    ("@ after the query", "http://127.0.0.2:{p}?@example.com/", True),
    ("decimal IPv4", "http://2130706434:{p}/", True),
    ("hex IPv4", "http://0x7f000002:{p}/", True),
    ("hex first part", "http://0x7f.0.0.2:{p}/", True),
    ("hex, two parts", "http://0x7f.2:{p}/", True),
    ("octal IPv4", "http://0177.0.0.2:{p}/", True),
    ("leading zeros", "http://127.000.000.002:{p}/", True),
    ("two-part IPv4", "http://127.2:{p}/", True),
    ("three-part IPv4", "http://127.0.2:{p}/", True),
    ("percent-encoded digit", "http://127.0.0.%32:{p}/", True),
    ("percent-encoded label", "http://%31%32%37.0.0.2:{p}/", True),
    ("percent-encoded dot", "http://127%2e0%2e0%2e2:{p}/", True),
    ("IPv4-mapped IPv6", "http://[::ffff:127.0.0.2]:{p}/", True),
    ("IPv4-mapped IPv6 in hex", "http://[::ffff:7f00:2]:{p}/", True),
    ("IPv6 zone id", "http://[::ffff:127.0.0.2%25lo]:{p}/", True),
    ("IPv6 brackets around IPv4", "http://[127.0.0.2]:{p}/", True),
    ("trailing dot", "http://127.0.0.2.:{p}/", True),
    ("name with trailing dot", "http://internal.example.:{p}/", True),
    ("tab in the host", "http://127.0.0.2\t:{p}/", True),
    ("tab hiding userinfo", "http://example.com\t@127.0.0.2:{p}/", True),
    ("newline in the host", "http://127.0.0.2\n:{p}/", False),
    ("NUL after the host", "http://127.0.0.2:{p}\x00.example.com/", False),
    ("space before @", "http://example.com @127.0.0.2:{p}/", True),
    ("space after the port", "http://127.0.0.2:{p} /", True),
    ("leading space", " http://127.0.0.2:{p}/", True),
    ("no-break space in the host", "http://127.0.0.2\u00a0:{p}/", True),
    ("soft hyphen in the host", "http://127.0.0\u00ad.2:{p}/", True),
    ("fullwidth digits", "http://\uff11\uff12\uff17.\uff10.\uff10.\uff12:{p}/", True),
    ("ideographic full stops", "http://127\u30020\u30020\u30022:{p}/", True),
    ("fullwidth full stops", "http://127\uff0e0\uff0e0\uff0e2:{p}/", True),
    ("invalid punycode", "http://xn--zz.internal.example:{p}/", True),
    ("empty host, three slashes", "http:///127.0.0.2:{p}/", True),
    ("one slash", "http:/127.0.0.2:{p}/", True),
    ("no slashes", "http:127.0.0.2:{p}/", True),
    ("two ports", "http://127.0.0.2:{p}:{p}/", True),
    ("upper-case scheme, private address", "HTTP://127.0.0.2:{p}/", True),
    ("plain private address", "http://127.0.0.2:{p}/", True),
    ("a name that resolves to it", "http://internal.example:{p}/", True),
    ("a name with one good and one bad address", "http://mixed.example:{p}/", True),
    ("gopher", "gopher://127.0.0.2:{p}/", True),
    ("ftp", "ftp://127.0.0.2:{p}/", True),
]


@pytest.fixture(scope="module")
def servers():
    decoy = Decoy()
    trap = Trap(decoy.port)
    yield decoy, trap
    trap.close()
    decoy.close()


@pytest.fixture
def net(servers, monkeypatch):
    """(decoy, trap, fetcher): only 127.0.0.1 is allowed, DNS is the test's, nothing leaves loopback."""
    decoy, trap = servers
    trap.connections()
    decoy.reset()
    trap.seen = 0
    resolver = ScriptedResolver({
        "example.com": [["127.0.0.1"]],
        "internal.example": [["127.0.0.2"]],
        "internal.example.": [["127.0.0.2"]],
        "xn--zz.internal.example": [["127.0.0.2"]],
        "mixed.example": [["127.0.0.1", "127.0.0.2"]],
        "xn--bcher-kva.example": [["127.0.0.1"]],
    })
    loopback_only(monkeypatch, resolver)
    settings = FetchSettings(timeout_seconds=2, total_seconds=4)
    fetcher = Fetcher(settings, resolver=resolver, allowed_networks=["127.0.0.1/32"])
    yield decoy, trap, fetcher
    fetcher.close()


@pytest.mark.parametrize("spelling", [row[1] for row in SPELLINGS], ids=[row[0] for row in SPELLINGS])
def test_a_spelling_parsers_disagree_on_is_refused_before_connecting(net, spelling):
    decoy, trap, fetcher = net
    with pytest.raises(FetchRefused):
        fetcher.get(spelling.format(p=decoy.port))
    assert trap.connections() == 0
    assert decoy.connections == 0


REDIRECTED = [row for row in SPELLINGS if row[2]]  # a newline or NUL would end the header line


@pytest.mark.parametrize("spelling", [row[1] for row in REDIRECTED], ids=[row[0] for row in REDIRECTED])
def test_a_redirect_to_such_a_spelling_is_refused_on_the_hop(net, spelling):
    decoy, trap, fetcher = net
    with pytest.raises(FetchRefused):
        fetcher.get(f"{decoy.base}/to?{quote(spelling.format(p=decoy.port), safe='')}")
    assert trap.connections() == 0
    assert decoy.hosts == [f"127.0.0.1:{decoy.port}"]  # only the first hop was fetched


def test_the_allowed_network_is_reached_and_nothing_else(net):
    decoy, trap, fetcher = net
    assert fetcher.get(f"http://example.com:{decoy.port}/page").content == b"decoy"
    assert decoy.hosts == [f"example.com:{decoy.port}"]  # the name travels in Host, the connection to the address
    with pytest.raises(FetchRefused, match="127.0.0.2"):
        fetcher.get(f"http://127.0.0.2:{decoy.port}/page")
    assert trap.connections() == 0


def test_a_redirect_to_an_international_name_sent_as_utf8_is_followed(net):
    decoy, trap, fetcher = net
    result = fetcher.get(f"{decoy.base}/to?{quote(f'http://bücher.example:{decoy.port}/seite', safe='')}")
    assert result.content == b"decoy"
    assert decoy.hosts == [f"127.0.0.1:{decoy.port}", f"xn--bcher-kva.example:{decoy.port}"]


def test_private_networks_are_refused_when_nothing_is_allowed(monkeypatch):
    decoy = Decoy()
    trap = Trap(decoy.port)
    try:
        loopback_only(monkeypatch)
        fetcher = Fetcher(FetchSettings(timeout_seconds=2, total_seconds=4), resolver=ScriptedResolver({}))
        for url in (decoy.base + "/", f"http://127.0.0.2:{decoy.port}/", f"http://[::ffff:127.0.0.1]:{decoy.port}/"):
            with pytest.raises(FetchRefused, match="private or loopback"):
                fetcher.get(url)
        assert trap.connections() == 0 and decoy.connections == 0
    finally:
        trap.close()
        decoy.close()


@pytest.fixture
def rebinding(monkeypatch):
    """A name answered first with the allowed decoy, then with the trap: to the fetcher and to the OS alike."""
    decoy = Decoy()
    trap = Trap(decoy.port)
    resolver = ScriptedResolver({"rebind.example": [["127.0.0.1"], ["127.0.0.2"]]})
    loopback_only(monkeypatch, resolver)  # a second lookup anywhere (even by the HTTP client) gets 127.0.0.2
    fetcher = Fetcher(FetchSettings(timeout_seconds=2, total_seconds=4), resolver=resolver,
                      allowed_networks=["127.0.0.1/32"])
    yield decoy, trap, fetcher
    trap.close()
    decoy.close()


def test_dns_rebinding_never_gets_the_second_answer_connected(rebinding):
    decoy, trap, fetcher = rebinding
    result = fetcher.get(f"http://rebind.example:{decoy.port}/page")
    assert result.content == b"decoy"  # served by the address that was checked
    assert trap.connections() == 0
    with pytest.raises(FetchRefused, match="127.0.0.2"):  # the next fetch resolves anew and is checked anew
        fetcher.get(f"http://rebind.example:{decoy.port}/page")
    assert trap.connections() == 0


def test_dns_rebinding_between_redirect_hops_is_checked_on_the_hop(rebinding):
    decoy, trap, fetcher = rebinding
    url = f"http://rebind.example:{decoy.port}"
    with pytest.raises(FetchRefused, match="127.0.0.2"):
        fetcher.get(f"{url}/to?{quote(url + '/page', safe='')}")
    assert decoy.hosts == [f"rebind.example:{decoy.port}"]  # the first hop went to the decoy, the second nowhere
    assert trap.connections() == 0


def test_a_name_that_cannot_be_resolved_is_one_clear_error(net):
    decoy, trap, fetcher = net
    with pytest.raises(FetchError, match="cannot resolve unknown.example"):
        fetcher.get(f"http://unknown.example:{decoy.port}/")
    assert trap.connections() == 0


def test_a_dead_address_is_skipped_for_the_next_checked_one(servers, monkeypatch):
    decoy, trap = servers
    decoy.reset()
    resolver = ScriptedResolver({"two.example": [["127.0.0.3", "127.0.0.1"]]})  # nothing listens on 127.0.0.3
    loopback_only(monkeypatch, resolver)
    fetcher = Fetcher(FetchSettings(timeout_seconds=2, total_seconds=4), resolver=resolver,
                      allowed_networks=["127.0.0.1/32", "127.0.0.3/32"])
    assert fetcher.get(f"http://two.example:{decoy.port}/").content == b"decoy"
    assert trap.connections() == 0
