"""A hub that refuses a subscription often quotes the request back in its error ("invalid
hub.callback ..."): the subscription's hub.secret (and callback token) it was sent must not
then land in the log, the subscription's last_error, or what /sources and the API show."""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from distributor.config import Settings
from distributor.pipeline import Runtime, discover, sync_configuration, websub_step
from distributor.sources.websub import callback_secret
from tests.test_websub import subscription
from tests.helpers.websub_hub import rss_with_hub
from tests.newsroom import Site


class EchoingHub:
    """Answers every request of the ``refused`` modes 400 with the request's own form in the body
    (the others 202, as a hub taking the request does)."""

    def __init__(self, refused: tuple[str, ...] = ("subscribe", "unsubscribe"), cut: int = 0):
        self.refused, self.cut = refused, cut  # cut: the quote leaves out the form's last ``cut`` bytes

    def __enter__(self):
        refused, cut = self.refused, self.cut

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                form = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                mode = parse_qs(form.decode("ascii")).get("hub.mode", [""])[0]
                body = b"invalid request: " + form[:len(form) - cut] if mode in refused else b""
                self.send_response(400 if mode in refused else 202)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def subscribed_feed(site, hub, engine) -> Runtime:
    """A runtime whose one feed names ``hub``, its subscription found and due."""
    feed_url = site.url("/feed")
    site.pages["/feed"] = ("application/rss+xml", rss_with_hub(hub.url, feed_url, []))
    settings = Settings(fetch={"allow_private_networks": True, "timeout_seconds": 3, "total_seconds": 3},
                        web={"public_url": "http://127.0.0.1:9"},
                        feeds=[{"url": feed_url, "poll_seconds": 60}], accounts=[{"name": "d", "platform": "dryrun"}])
    runtime = Runtime(settings, engine)
    sync_configuration(runtime)
    discover(runtime, force=True)
    return runtime


@pytest.fixture(params=[0, 40], ids=["whole", "cut"])
def refused(request, engine, monkeypatch, caplog):
    """A subscription refused by a hub that quotes our whole request, or all of it but its last
    40 bytes: '...&hub.secret=<the first 49 of its 64 characters>' (a hub cutting its quote short)."""
    monkeypatch.setenv("DISTRIBUTOR_WEBSUB_SECRET", "master-websub-secret")
    with Site() as site, EchoingHub(cut=request.param) as hub:
        runtime = subscribed_feed(site, hub, engine)
        with caplog.at_level(logging.DEBUG):
            report = websub_step(runtime)
        yield runtime, report, caplog.text


def test_a_hub_quoting_our_request_back_does_not_spread_the_secret(refused):
    runtime, report, logged = refused
    sub = subscription(runtime.engine)
    secret = callback_secret("master-websub-secret", sub.token)
    assert sub.state == "failed" and "HTTP 400" in sub.last_error  # the refusal is still told ...
    for where in (sub.last_error, logged, " ".join(report.errors)):
        assert secret not in where and sub.token not in where  # ... without what the hub quoted of ours
        assert not any(secret[i:i + 16] in where for i in range(len(secret) - 15))  # not even a part of it



def test_a_hub_quoting_our_unsubscribe_back_does_not_spread_the_callback_token(engine, monkeypatch, caplog):
    monkeypatch.setenv("DISTRIBUTOR_WEBSUB_SECRET", "master-websub-secret")
    with Site() as site, EchoingHub(refused=("unsubscribe",)) as hub:
        runtime = subscribed_feed(site, hub, engine)
        settings = runtime.settings
        assert websub_step(runtime).errors == []  # the hub took the subscription
        token = subscription(runtime.engine).token
        removed = Runtime(settings.model_copy(update={"feeds": []}), engine)
        with caplog.at_level(logging.DEBUG):
            report = websub_step(removed)  # the feed left the configuration: we ask the hub to stop, it refuses
    sub = subscription(engine)
    assert sub.state == "unsubscribing" and "HTTP 400" in sub.last_error  # the refusal is still told ...
    for where in (sub.last_error, caplog.text, " ".join(report.errors)):
        assert token not in where  # ... without the callback address the hub quoted back
