"""One adapter contract, run against every platform.

The real tweepy and facebook-sdk code talks HTTP to the sandbox on 127.0.0.1
(the ``sandbox`` fixture); images come from a tiny local HTTP server. Faults
are queued through ``/_sandbox/faults``; what a test checks is what a user
would notice: what the platform shows, what error the dispatcher gets.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from distributor.config import AccountSettings, FetchSettings
from distributor.errors import AuthExpired, ConfigError, DuplicateContent, RateLimited, Rejected, Transient
from distributor.fetch import Fetcher
from distributor.platforms import ADAPTERS, build_adapter
from distributor.platforms.base import Metrics, OutgoingPost, PlatformAdapter
from distributor.platforms.specs import SPECS

LEAD_PNG = (Path(__file__).parent / "fixtures" / "platforms" / "lead.png").read_bytes()
SECRETS = {
    "DISTRIBUTOR_X_MAIN_CONSUMER_KEY": "ck-Secret-1",
    "DISTRIBUTOR_X_MAIN_CONSUMER_SECRET": "cs-Secret-2",
    "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN": "12345-at-Secret-3",
    "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN_SECRET": "ats-Secret-4",
    "DISTRIBUTOR_FB_MAIN_PAGE_ACCESS_TOKEN": "EAAB-page-Secret-5",
    "DISTRIBUTOR_BSKY_MAIN_APP_PASSWORD": "bsky-app-Secret-6",
    "DISTRIBUTOR_MASTO_MAIN_ACCESS_TOKEN": "masto-token-Secret-7",
    "DISTRIBUTOR_THREADS_MAIN_ACCESS_TOKEN": "THQ-token-Secret-8",
}
PAGE_ID = "100200300"
LINK = "https://news.example.com/2026/11/25/city-council-budget"


# --- a local image server -------------------------------------------------------------

class _Images(BaseHTTPRequestHandler):
    bodies = {
        "/lead.png": ("image/png", LEAD_PNG),
        "/huge.png": ("image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * (11 * 1024 * 1024)),
        "/big.png": ("image/png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * (10 * 1024)),  # 2.5 MB: chunked on X
        "/page.html": ("text/html", b"<html>not an image</html>"),
    }

    def do_GET(self):  # noqa: N802
        content_type, body = self.bodies.get(self.path, (None, None))
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the fetcher hangs up on a body over its limit

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def images():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Images)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def fetcher():
    return Fetcher(FetchSettings(allow_private_networks=True, timeout_seconds=5))


# --- the platforms under test ---------------------------------------------------------

@dataclass
class Target:
    name: str
    adapter: PlatformAdapter
    publish_route: str  # the sandbox route a text post goes to
    metrics_route: str  # the sandbox route one metrics call counts under
    base_url: str

    def posts(self) -> list[dict]:
        return requests.get(self.base_url + "/_sandbox/posts", timeout=5).json()

    def stats(self) -> dict[str, int]:
        return requests.get(self.base_url + "/_sandbox/stats", timeout=5).json()["requests"]

    def fault(self, kind: str, path: str | None = None, **extra) -> None:
        spec = {"path": path or self.publish_route, "kind": kind, **extra}
        requests.post(self.base_url + "/_sandbox/faults", json=spec, timeout=5).raise_for_status()


def make_adapter(platform: str, base_url: str, fetcher: Fetcher, **kwargs) -> PlatformAdapter:
    post_type = kwargs.pop("post_type", "photo")
    accounts = {
        "twitter": dict(name="x-main"),
        "facebook": dict(name="fb-main", page_id=PAGE_ID, post_type=post_type),
        "bluesky": dict(name="bsky-main", handle=BSKY_HANDLE),
        "mastodon": dict(name="masto-main"),
        "threads": dict(name="threads-main", user_id=THREADS_USER),
    }
    account = AccountSettings(platform=platform, api_base_url=base_url, **accounts[platform])
    kwargs.setdefault("timeout", 10)
    return build_adapter(account, fetcher, environ=SECRETS, **kwargs)


BSKY_HANDLE = "newsroom.bsky.social"
THREADS_USER = "17841400000000001"
# (route a text post goes to, route one metrics call counts under, metrics calls for 250 posts, seed account)
ROUTES = {
    "twitter": ("POST /2/tweets", "GET /2/tweets", 3, "sandbox"),
    "facebook": ("POST /{version}/{page_id}/feed", "POST /{version}/", 5, PAGE_ID),
    "bluesky": ("POST /xrpc/com.atproto.repo.createRecord", "GET /xrpc/app.bsky.feed.getPosts", 10, BSKY_HANDLE),
    "mastodon": ("POST /api/v1/statuses", "GET /api/v1/statuses", 7, "sandbox"),
    "threads": ("POST /{version}/{user_id}/threads_publish", "GET /{version}/{id}/insights", 250, THREADS_USER),
}
PLATFORMS = [name for name in ROUTES if name in ADAPTERS]
HAS_IMPRESSIONS = {name for name in PLATFORMS if "impressions" in SPECS[name].metrics}
HAS_VIEWS = {name for name in PLATFORMS if "views" in SPECS[name].metrics}  # Meta counts views, not impressions


@pytest.fixture(params=PLATFORMS)
def target(request, sandbox, fetcher) -> Target:
    # Facebook as a photo-post account, so images reach the Page as media
    publish_route, metrics_route = ROUTES[request.param][:2]
    return Target(request.param, make_adapter(request.param, sandbox, fetcher), publish_route, metrics_route,
                  sandbox)


def a_post(**overrides) -> OutgoingPost:
    fields = dict(text="Council passes the 2027 budget after a late-night vote", link=LINK,
                  marker=None, image_url=None, image_alt=None)
    fields.update(overrides)
    return OutgoingPost(**fields)


def assert_no_secret(exc: BaseException) -> None:
    chain, seen = [], exc
    while seen is not None:
        chain.append(f"{seen!s} {seen!r}")
        seen = seen.__cause__ or seen.__context__
    text = " ".join(chain)
    for secret in SECRETS.values():
        assert secret not in text


# --- publishing ---------------------------------------------------------------------

def test_publish_text_and_link(target):
    published = target.adapter.publish(a_post())

    [shown] = target.posts()
    assert shown["id"] == published.external_id
    assert shown["link"] == LINK
    assert shown["text"].startswith("Council passes the 2027 budget")
    assert shown["media"] == []
    assert published.url and published.external_id in published.url
    assert published.note is None


def test_publish_with_image_and_alt_text(target, images):
    alt = "Council members vote by a show of hands in the chamber"
    published = target.adapter.publish(a_post(image_url=images + "/lead.png", image_alt=alt))

    [shown] = target.posts()
    assert shown["id"] == published.external_id
    [media] = shown["media"]
    assert media["sha256"] == hashlib.sha256(LEAD_PNG).hexdigest()
    if SPECS[target.name].capabilities.image_in_card:
        assert shown["link"] == LINK  # the image is the link card's thumbnail, which has no alt text
    else:
        assert media["alt_text"] == alt
    assert LINK in shown["text"] or shown["link"] == LINK
    assert published.note is None


@pytest.mark.parametrize("path, why", [
    ("/huge.png", "larger than"),
    ("/gone.png", "404"),
    ("/page.html", "not an image"),
])
def test_unusable_image_does_not_stop_the_post(target, images, path, why):
    published = target.adapter.publish(a_post(image_url=images + path, image_alt="alt"))

    [shown] = target.posts()
    assert shown["id"] == published.external_id
    assert shown["media"] == []
    assert published.note and "without image" in published.note and why in published.note


# --- errors, sorted by what the dispatcher must do -------------------------------------

@pytest.mark.parametrize("kind, error", [
    ("expired_token", AuthExpired),
    ("duplicate", DuplicateContent),
    ("500", Transient),
    ("html502", Transient),
    ("no_content_type", Transient),
])
def test_refused_publish_maps_to_our_errors(target, kind, error):
    target.fault(kind)

    with pytest.raises(error) as caught:
        target.adapter.publish(a_post())

    assert type(caught.value) is error
    assert target.posts() == []
    assert_no_secret(caught.value)


def test_rate_limit_says_when_to_retry(target):
    target.fault("429", reset_in=120)

    with pytest.raises(RateLimited) as caught:
        target.adapter.publish(a_post())

    wait = caught.value.retry_at - datetime.now(timezone.utc)
    assert timedelta(seconds=100) < wait < timedelta(seconds=200)
    assert caught.value.endpoint
    assert target.posts() == []
    assert_no_secret(caught.value)


def test_lost_response_is_transient_and_reconciled(target):
    post = a_post(marker="[ref:7f3a]", text="Council passes the 2027 budget [ref:7f3a]")
    target.fault("drop_after")

    with pytest.raises(Transient) as caught:
        target.adapter.publish(post)
    assert_no_secret(caught.value)

    [shown] = target.posts()  # the platform did publish it
    found = target.adapter.find_existing(post)
    assert found is not None and found.external_id == shown["id"]


def test_timeout_is_transient_and_reconciled(target, sandbox, fetcher):
    impatient = make_adapter(target.name, sandbox, fetcher, timeout=0.5)
    target.fault("timeout", seconds=1.5)

    with pytest.raises(Transient) as caught:
        impatient.publish(a_post())
    assert_no_secret(caught.value)

    deadline = time.monotonic() + 5
    while not target.posts() and time.monotonic() < deadline:
        time.sleep(0.05)
    [shown] = target.posts()
    assert impatient.find_existing(a_post()).external_id == shown["id"]


def test_duplicate_refusal_then_reconcile_finds_the_first(target):
    first = target.adapter.publish(a_post())

    with pytest.raises(DuplicateContent):
        target.adapter.publish(a_post())

    assert [p["id"] for p in target.posts()] == [first.external_id]
    assert target.adapter.find_existing(a_post()).external_id == first.external_id


def test_find_existing_is_none_for_a_post_never_made(target):
    target.adapter.publish(a_post(text="Another story", link="https://news.example.com/other"))

    assert target.adapter.find_existing(a_post()) is None


def test_find_existing_prefers_the_marker_over_a_shared_link(target):
    target.adapter.publish(a_post(text="Budget: what it means for you"))
    mine = target.adapter.publish(a_post(text="Council passes the budget [ref:b1]", marker="[ref:b1]"))
    target.adapter.publish(a_post(text="Budget: the vote in pictures"))

    # the template changed since: only the marker ties the post to what went out
    found = target.adapter.find_existing(a_post(text="Budget passed [ref:b1]", marker="[ref:b1]"))
    assert found.external_id == mine.external_id


def test_unreachable_platform_is_transient(target, fetcher):
    with socket_closed_port() as port:
        adapter = make_adapter(target.name, f"http://127.0.0.1:{port}", fetcher, timeout=2)
        with pytest.raises(Transient) as caught:
            adapter.publish(a_post())
    assert_no_secret(caught.value)


class socket_closed_port:
    """A port on 127.0.0.1 where nothing listens."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return probe.getsockname()[1]

    def __exit__(self, *exc):
        return False


def test_secrets_stay_out_of_debug_logs(target, caplog):
    """urllib3 logs every URL at DEBUG: a token in a query string would land in the log."""
    caplog.set_level("DEBUG")
    published = target.adapter.publish(a_post(marker="[ref:log]", text="Logged story [ref:log]"))
    target.adapter.find_existing(a_post(marker="[ref:log]"))
    target.adapter.fetch_metrics([published.external_id])

    assert "127.0.0.1" in caplog.text  # the requests were logged...
    for secret in SECRETS.values():
        assert secret not in caplog.text  # ...without any secret


# --- metrics -------------------------------------------------------------------------

def seed_posts(target: Target, count: int) -> list[str]:
    account = ROUTES[target.name][3]
    answer = requests.post(target.base_url + "/_sandbox/posts", timeout=10, json={
        "platform": target.name, "account": account, "text": "Seeded story", "count": count})
    answer.raise_for_status()
    return answer.json()["ids"]


def test_metrics_for_250_posts_use_the_fewest_calls_and_match_the_platform(target):
    ids = seed_posts(target, 250)
    expected = {post_id: {"id": post_id, "likes": 3 * n + 1, "shares": n % 7, "comments": n % 5,
                          "impressions": 1000 + n, "views": 2000 + n, "clicks": 50 + n}
                for n, post_id in enumerate(ids)}
    requests.post(target.base_url + "/_sandbox/metrics", json=list(expected.values()), timeout=10).raise_for_status()
    before = target.stats().get(target.metrics_route, 0)

    metrics = target.adapter.fetch_metrics(ids)

    calls = target.stats()[target.metrics_route] - before
    assert calls == math.ceil(250 / target.adapter.limits.metrics_batch_size)
    assert calls == ROUTES[target.name][2]
    assert set(metrics) == set(ids)
    for post_id, want in expected.items():
        got = metrics[post_id]
        assert (got.likes, got.shares, got.comments) == (want["likes"], want["shares"], want["comments"])
        # impressions where the platform counts them (X), views where it counts those instead (Facebook,
        # Threads); Bluesky and Mastodon count neither
        assert got.impressions == (want["impressions"] if target.name in HAS_IMPRESSIONS else None)
        assert got.views == (want["views"] if target.name in HAS_VIEWS else None)
        assert got.clicks in (None, want["clicks"])  # X has no clicks in public metrics
        assert not got.deleted and got.raw


def test_metrics_of_a_deleted_post_say_deleted(target):
    kept = target.adapter.publish(a_post())
    gone = target.adapter.publish(a_post(text="A story we retracted", link="https://news.example.com/retracted"))
    requests.delete(f"{target.base_url}/_sandbox/posts/{gone.external_id}", timeout=5).raise_for_status()

    metrics = target.adapter.fetch_metrics([kept.external_id, gone.external_id])

    assert metrics[gone.external_id].deleted is True
    assert metrics[kept.external_id].deleted is False


def test_rate_limited_metrics_raise(target):
    target.fault("429", path=target.metrics_route, reset_in=60)
    seed = seed_posts(target, 3)

    with pytest.raises(RateLimited):
        target.adapter.fetch_metrics(seed)


def test_engagement_reaches_the_adapter_normalised(target):
    post = target.adapter.publish(a_post())
    first = target.adapter.fetch_metrics([post.external_id])[post.external_id]
    assert isinstance(first, Metrics) and not first.deleted
    assert (first.impressions is not None) == (target.name in HAS_IMPRESSIONS)
    assert (first.views is not None) == (target.name in HAS_VIEWS)


def test_each_metric_map_names_only_what_we_store_and_views_stay_apart_from_impressions():
    """The specs' metric maps: ours -> the platform's name. Meta counts views (Facebook Page views since
    2025-11-15, Threads), X counts impressions; a report adds neither to the other."""
    from dataclasses import fields

    from distributor.config import EngagementSettings

    ours = {f.name for f in fields(Metrics)} - {"deleted", "raw"} | {"quotes"}  # quotes are added to shares
    for name, spec in SPECS.items():
        assert set(spec.metrics) <= ours, name
    assert SPECS["twitter"].metrics["impressions"] == "impression_count" and "views" not in SPECS["twitter"].metrics
    assert SPECS["facebook"].metrics["views"] == "post_media_view" and "impressions" not in SPECS["facebook"].metrics
    assert SPECS["threads"].metrics["views"] == "views" and "impressions" not in SPECS["threads"].metrics
    # the Page views metric the spec names is one the configuration asks Graph for by default
    assert SPECS["facebook"].metrics["views"] in EngagementSettings().facebook_insights_metrics
    assert SPECS["facebook"].metrics["clicks"] in EngagementSettings().facebook_insights_metrics


@pytest.mark.parametrize("metric, family", [
    ("post_media_view", "views"), ("post_total_media_view_unique", "views"), ("post_video_views", "views"),
    ("post_impressions", "impressions"), ("post_impressions_unique", "impressions"),  # an older graph_version
    ("post_clicks", "clicks"), ("post_engaged_users", None),
    # durations are no counts: milliseconds of video watched would pass for views
    ("post_video_view_time", None), ("post_video_avg_time_watched", None), ("post_video_view_time_organic", None),
])
def test_a_facebook_insights_metric_fills_the_column_of_its_family(metric, family):
    from distributor.platforms.facebook import insight_family

    assert insight_family(metric) == family


def test_sandbox_engagement_grows_with_age_and_is_fixed_by_the_seed():
    from datetime import timedelta

    from distributor.sandbox.state import Post as SandboxPost, SandboxState, utcnow

    def reading(seed: int, age_minutes: int) -> dict[str, int]:
        state = SandboxState(seed=seed)
        state.add_post(SandboxPost("twitter", "acct", "42", "text", None, utcnow() - timedelta(minutes=age_minutes)))
        return state.engagement("42")

    young, old = reading(7, 60), reading(7, 6 * 60)
    assert old["impressions"] > 2 * young["impressions"] > 0
    assert reading(7, 60) == young and reading(8, 60) != young


# --- X only ----------------------------------------------------------------------------

@pytest.fixture
def x(sandbox, fetcher) -> Target:
    return Target("twitter", make_adapter("twitter", sandbox, fetcher), *ROUTES["twitter"][:2], sandbox)


def test_x_text_over_280_weighted_characters_is_rejected(x):
    with pytest.raises(Rejected) as caught:
        x.adapter.publish(a_post(text="界" * 141, link=None))  # CJK counts 2: 282
    assert type(caught.value) is Rejected and "too long" in caught.value.reason
    assert x.posts() == []


@pytest.mark.parametrize("status", [400, 403])
def test_x_other_refusals_are_rejected_with_the_platform_reason(x, status):
    x.fault("status", code=status, message="The text contains a banned phrase.")

    with pytest.raises(Rejected) as caught:
        x.adapter.publish(a_post())

    assert type(caught.value) is Rejected
    assert "banned phrase" in caught.value.reason


def test_x_rate_limit_retry_at_comes_from_the_reset_header(x):
    x.fault("429", reset_in=3)
    with pytest.raises(RateLimited) as caught:
        x.adapter.publish(a_post())
    wait = (caught.value.retry_at - datetime.now(timezone.utc)).total_seconds()
    assert 0 < wait <= 5
    assert caught.value.endpoint == "POST /2/tweets"


def test_x_uses_the_v1_media_upload_only_when_the_account_says_so(sandbox, fetcher, images):
    account = AccountSettings(name="x-main", platform="twitter", api_base_url=sandbox, x_media_api="v1.1")
    adapter = build_adapter(account, fetcher, environ=SECRETS, timeout=10)
    adapter.publish(a_post(image_url=images + "/lead.png", image_alt="Chamber"))
    [shown] = requests.get(sandbox + "/_sandbox/posts", timeout=5).json()
    assert shown["media"][0]["alt_text"] == "Chamber"
    stats = requests.get(sandbox + "/_sandbox/stats", timeout=5).json()["requests"]
    assert stats["POST /1.1/media/upload.json"] == 1 and "POST /2/media/upload" not in stats


def test_x_media_goes_through_v2_only_by_default(x, images):
    x.fault("status", path="POST /2/media/upload", code=404, message="Not Found")
    published = x.adapter.publish(a_post(image_url=images + "/lead.png", image_alt="Chamber"))
    [shown] = x.posts()
    assert shown["media"] == [] and "posted without image" in published.note
    assert "POST /1.1/media/upload.json" not in x.stats()


def test_x_uploads_a_large_image_in_chunks_through_v2(x, images):
    x.adapter.publish(a_post(image_url=images + "/big.png", image_alt="A large photo"))
    [shown] = x.posts()
    expected = hashlib.sha256(_Images.bodies["/big.png"][1]).hexdigest()
    assert shown["media"][0]["sha256"] == expected and shown["media"][0]["alt_text"] == "A large photo"
    stats = x.stats()
    assert stats["POST /2/media/upload/initialize"] == 1
    assert stats["POST /2/media/upload/{id}/append"] == 3  # 2.5 MB in 1 MB segments
    assert stats["POST /2/media/upload/{id}/finalize"] == 1
    assert "POST /2/media/upload" not in stats


def test_x_v2_upload_is_tried_first(x, images):
    x.adapter.publish(a_post(image_url=images + "/lead.png", image_alt="Chamber"))
    stats = x.stats()
    assert stats["POST /2/media/upload"] == 1 and stats["POST /2/media/metadata"] == 1
    assert "POST /1.1/media/upload.json" not in stats


# --- Facebook only ---------------------------------------------------------------------

@pytest.fixture
def fb(sandbox, fetcher) -> Target:
    return Target("facebook", make_adapter("facebook", sandbox, fetcher), *ROUTES["facebook"][:2], sandbox)


@pytest.mark.parametrize("code, error", [
    (4, RateLimited), (17, RateLimited), (32, RateLimited), (613, RateLimited),
    (190, AuthExpired), (506, DuplicateContent), (1, Transient), (2, Transient), (100, Rejected),
])
def test_graph_error_codes(fb, code, error):
    fb.fault("graph_code", code=code, message=f"Sandbox says code {code}")

    with pytest.raises(error) as caught:
        fb.adapter.publish(a_post())

    assert type(caught.value) is error
    assert_no_secret(caught.value)
    if error is Rejected:
        assert "Sandbox says code 100" in caught.value.reason


def test_graph_rate_limit_waits_for_the_usage_header_estimate(fb):
    fb.fault("graph_code", code=32, reset_in=600)  # estimated_time_to_regain_access: 10 minutes

    with pytest.raises(RateLimited) as caught:
        fb.adapter.publish(a_post())

    wait = caught.value.retry_at - datetime.now(timezone.utc)
    assert timedelta(minutes=9) < wait <= timedelta(minutes=10)


def test_graph_temporarily_blocked_waits_long(fb):
    """368: we chose RateLimited with an hour's wait, so the account stops posting for a while."""
    fb.fault("graph_code", code=368)

    with pytest.raises(RateLimited) as caught:
        fb.adapter.publish(a_post())

    assert caught.value.retry_at - datetime.now(timezone.utc) > timedelta(minutes=30)


def test_facebook_link_account_posts_a_link_post(sandbox, fetcher, images):
    adapter = make_adapter("facebook", sandbox, fetcher, post_type="link")

    adapter.publish(a_post(image_url=images + "/lead.png"))

    [shown] = requests.get(sandbox + "/_sandbox/posts", timeout=5).json()
    assert shown["link"] == LINK and shown["media"] == []  # the preview image comes from the article page


def test_facebook_photo_post_falls_back_to_a_link_post_without_its_image(fb, images):
    published = fb.adapter.publish(a_post(image_url=images + "/gone.png"))

    [shown] = fb.posts()
    assert shown["link"] == LINK
    assert "without image" in published.note


def test_facebook_rate_limit_inside_a_metrics_batch(fb):
    ids = seed_posts(fb, 2)
    fb.fault("graph_code", path="GET /{version}/{id}", code=4)

    with pytest.raises(RateLimited):
        fb.adapter.fetch_metrics(ids)


# --- the registry ----------------------------------------------------------------------

def test_registry_lists_every_platform():
    assert set(ADAPTERS) == set(SPECS) and set(PLATFORMS) == {n for n in SPECS if SPECS[n].sandbox}


def test_missing_secret_names_the_variable(fetcher):
    account = AccountSettings(name="fb-main", platform="facebook", page_id=PAGE_ID)
    with pytest.raises(ConfigError, match="DISTRIBUTOR_FB_MAIN_PAGE_ACCESS_TOKEN"):
        build_adapter(account, fetcher, environ={})


def test_dry_run_publishes_nothing_but_remembers(fetcher, sandbox):
    adapter = build_adapter(AccountSettings(name="rehearsal", platform="dryrun"), fetcher, environ={})

    published = adapter.publish(a_post())

    assert published.external_id and "dry run" in published.note
    assert adapter.find_existing(a_post()).external_id == published.external_id
    assert requests.get(sandbox + "/_sandbox/posts", timeout=5).json() == []


# --- credentials check (`distributor accounts check`) -----------------------------------

VERIFY_ROUTES = {"twitter": "GET /2/users/me", "facebook": "GET /{version}/{id}",
                 "bluesky": "GET /xrpc/com.atproto.server.getSession",
                 "mastodon": "GET /api/v1/accounts/verify_credentials", "threads": "GET /{version}/me"}
IDENTITIES = {"twitter": "@", "facebook": PAGE_ID, "bluesky": "@" + BSKY_HANDLE, "mastodon": "@sandbox_",
              "threads": "@"}


def test_verify_names_the_account_and_a_refused_token_is_auth_expired(target):
    identity = target.adapter.verify()
    assert IDENTITIES[target.name] in identity
    assert target.posts() == []  # a check publishes nothing

    target.fault("expired_token", path=VERIFY_ROUTES[target.name])
    with pytest.raises(AuthExpired) as caught:
        target.adapter.verify()
    assert_no_secret(caught.value)
