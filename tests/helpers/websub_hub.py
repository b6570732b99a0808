"""A small WebSub hub on 127.0.0.1 for tests and the push benchmark.

It takes subscription requests (``POST /`` form, answered 202), verifies the
subscriber's intent by GETting its callback with a challenge (as a real hub
does, from its own thread), and ``publish(topic, body)`` pushes a body to every
verified subscriber with ``X-Hub-Signature: sha256=<hmac>``. ``down()`` stops
it answering (the hub went away); ``lease_seconds`` is what it grants.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode

import requests

from distributor.sources.websub import sign


@dataclass
class Subscriber:
    callback: str
    topic: str
    secret: str
    lease_seconds: int
    verified: bool = False


class Hub:
    def __init__(self, lease_seconds: int | None = None):
        self.lease_seconds = lease_seconds
        self.requests: list[dict[str, str]] = []  # every subscription request, in order
        self.subscribers: dict[tuple[str, str], Subscriber] = {}
        self.failing = False  # answer 500 to subscription requests
        self.silent = False  # accept subscription requests (202) and never verify them
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                size = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(size).decode()).items()}
                hub.requests.append(form)
                if hub.failing:
                    self.send_response(500)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if hub.silent:
                    return
                threading.Thread(target=hub._verify, args=(form,), daemon=True).start()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def _verify(self, form: dict[str, str]) -> None:
        lease = self.lease_seconds or int(form.get("hub.lease_seconds", "86400"))
        subscriber = Subscriber(form["hub.callback"], form["hub.topic"], form.get("hub.secret", ""), lease)
        challenge = secrets.token_hex(8)
        query = urlencode({"hub.mode": form["hub.mode"], "hub.topic": subscriber.topic, "hub.challenge": challenge,
                           "hub.lease_seconds": lease})
        separator = "&" if "?" in subscriber.callback else "?"
        answer = requests.get(f"{subscriber.callback}{separator}{query}", timeout=10)
        subscriber.verified = answer.status_code == 200 and answer.text == challenge
        if subscriber.verified and form["hub.mode"] == "unsubscribe":  # confirmed: pushes stop
            self.subscribers.pop((subscriber.callback, subscriber.topic), None)
        elif subscriber.verified:
            self.subscribers[(subscriber.callback, subscriber.topic)] = subscriber

    def verified(self, topic: str) -> list[Subscriber]:
        return [s for s in self.subscribers.values() if s.topic == topic and s.verified]

    def publish(self, topic: str, body: bytes, content_type: str = "application/rss+xml",
                secret: str | None = None) -> list[requests.Response]:
        """Push ``body`` to the topic's verified subscribers (``secret`` forges another signature)."""
        return [requests.post(s.callback, data=body, timeout=10,
                              headers={"Content-Type": content_type,
                                       "X-Hub-Signature": sign(s.secret if secret is None else secret, body)})
                for s in self.verified(topic)]

    def down(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            self.down()
        except OSError:
            pass


def rss_with_hub(hub: str | None, self_url: str, items: list[tuple[str, str]]) -> bytes:
    """An RSS 2.0 feed that announces ``hub`` (None: no hub) and its own topic URL."""
    from email.utils import format_datetime
    from datetime import datetime, timezone

    date = format_datetime(datetime.now(timezone.utc))
    links = f'<atom:link rel="self" href="{self_url}"/>' + (f'<atom:link rel="hub" href="{hub}"/>' if hub else "")
    body = "".join(f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid><pubDate>{date}</pubDate></item>"
                   for t, link in items)
    return (f'<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
            f"<title>T</title><link>http://x/</link><description>d</description>{links}{body}</channel></rss>").encode()
