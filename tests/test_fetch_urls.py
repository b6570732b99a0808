"""What the fetcher makes of ordinary URLs (they must keep working) and how it words a refusal."""

from __future__ import annotations

import pytest

from distributor.errors import FetchRefused
from distributor.fetch import check_url, read_target

# URL -> (host resolved and checked, port, Host header, request line target)
ORDINARY = {
    "https://news.example/2026/12/01/story.html": ("news.example", 443, "news.example", "/2026/12/01/story.html"),
    "HTTPS://News.Example:8443/a?b=c#top": ("news.example", 8443, "news.example:8443", "/a?b=c"),
    "http://news.example": ("news.example", 80, "news.example", "/"),
    "http://news.example:80/": ("news.example", 80, "news.example", "/"),
    "http://news.example?page=2": ("news.example", 80, "news.example", "/?page=2"),
    "https://news.example/a b/ü?q=x y": ("news.example", 443, "news.example", "/a%20b/%C3%BC?q=x%20y"),
    "https://news.example/story#@elsewhere": ("news.example", 443, "news.example", "/story"),
    "https://bücher.example/": ("xn--bcher-kva.example", 443, "xn--bcher-kva.example", "/"),
    "https://xn--bcher-kva.example/": ("xn--bcher-kva.example", 443, "xn--bcher-kva.example", "/"),
    "http://93.184.216.34:8080/feed": ("93.184.216.34", 8080, "93.184.216.34:8080", "/feed"),
    "http://[2001:db8::1]/feed": ("2001:db8::1", 80, "[2001:db8::1]", "/feed"),
    "http://[2001:DB8:0::1]:81/": ("2001:db8::1", 81, "[2001:db8::1]:81", "/"),
    "https://cdn-1.img.news.example/a.jpg?w=1200&h=630": (
        "cdn-1.img.news.example", 443, "cdn-1.img.news.example", "/a.jpg?w=1200&h=630"),
}


@pytest.mark.parametrize("url", list(ORDINARY))
def test_ordinary_urls_are_read_as_everyone_reads_them(url):
    target = read_target(url)
    assert (target.host, target.port, target.host_header, target.request_uri) == ORDINARY[url]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.2\\@news.example/", "backslash"),
        ("http://editor:secret@news.example/", "user names and passwords"),
        ("http://2130706433/", "decimal, octal, hex or short form"),
        ("http://news.example./", "ends with a dot"),
        ("http://new%73.example/", "percent-encoded"),
        ("http://[fe80::1%25eth0]/", "zone id"),
        ("http://news .example/", "whitespace"),
        ("http://news.example\r\n/", "control character"),
        ("http://news_desk.example/", "not a valid host name"),
        ("http://xn--zz.example/", "not valid IDNA"),
        ("http://\uff4e\uff45\uff57\uff53.example/", "not valid IDNA"),
        ("http:///news.example/", "no host"),
        ("http://news.example:99999/", "not a valid URL"),
        ("http://[::1/", "not a valid URL"),
        ("javascript:alert(1)", "only http and https"),
        ("news.example/feed", "not a valid URL"),
    ],
)
def test_a_refusal_says_what_is_wrong_with_the_url(url, reason):
    with pytest.raises(FetchRefused, match="refusing to fetch") as refused:
        read_target(url)
    assert reason in str(refused.value)


def test_check_url_refuses_what_the_fetcher_refuses_without_connecting():
    example = lambda host, port: ["93.184.216.34"]  # noqa: E731 - the test's DNS: no real lookup
    check_url("https://example.com/story", allow_private=False, resolver=example)
    with pytest.raises(FetchRefused, match="backslash"):
        check_url("http://127.0.0.2\\@example.com/", allow_private=False, resolver=example)
    with pytest.raises(FetchRefused, match="private or loopback"):
        check_url("http://10.0.0.1/", allow_private=False, resolver=example)
