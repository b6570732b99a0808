"""Engagement answers no platform should send, from a local server: odd values must not crash the reading.

A Graph or Threads answer with a count that is text, a list, null, negative or absurdly large, a metric
listed twice, or an entry that is not an object: the metrics that are counts are kept, the rest are
"not reported", and the other posts of the batch are read as usual (an exception here stops the whole
engagement run, every account after this one included).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from distributor.config import AccountSettings
from distributor.fetch import Fetcher
from distributor.platforms import build_adapter

SECRETS = {"DISTRIBUTOR_THREADS_MAIN_ACCESS_TOKEN": "THQ-token-Secret-8",
           "DISTRIBUTOR_X_MAIN_CONSUMER_KEY": "ck", "DISTRIBUTOR_X_MAIN_CONSUMER_SECRET": "cs",
           "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN": "token", "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN_SECRET": "ts",
           "DISTRIBUTOR_FB_MAIN_PAGE_ACCESS_TOKEN": "page-token"}


def threads_answer() -> dict:
    return {"data": [
        {"name": "views", "values": [{"value": "1200"}]},  # text, not a number
        {"name": "likes", "values": [{"value": 5}]},
        {"name": "replies", "values": [{"value": -3}]},
        {"name": "reposts", "values": [{"value": [1, 2]}]},
        {"name": "quotes", "values": ["not an object"]},
        "not an object either",
    ]}


def facebook_post(post_id: str) -> dict:
    return {"id": post_id, "reactions": {"summary": None}, "shares": {"count": "7"},
            "comments": {"summary": {"total_count": 4}},
            "insights": {"data": [
                {"name": "post_media_view", "values": [{"value": 10**12}]},  # beyond any column
                {"name": "post_media_view", "values": [{"value": 30}]},  # listed twice: a count after all
                "junk",
                {"name": "post_clicks", "values": None},
                {"name": "post_clicks", "values": [{"value": 2}]},
            ]}}


def x_answer() -> dict:
    return {"data": [
        {"id": "1", "text": "a story", "edit_history_tweet_ids": ["1"], "public_metrics": {"like_count": 5, "retweet_count": None, "quote_count": 2,
                                                          "reply_count": "3", "impression_count": -1}},
        {"id": "2", "text": "another", "edit_history_tweet_ids": ["2"], "public_metrics": None},
    ]}


class Hostile(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def _send(self, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # X: GET /2/tweets; Threads: GET /v1.0/{media_id}/insights
        self._send(x_answer() if self.path.startswith("/2/tweets") else threads_answer())

    def do_POST(self) -> None:  # Graph: one batch of GET /{post_id}?fields=...
        from urllib.parse import parse_qs

        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        batch = json.loads(form["batch"][0])
        self._send([{"code": 200, "body": json.dumps(facebook_post(item["relative_url"].split("/")[1].split("?")[0]))}
                    for item in batch])


@pytest.fixture
def hostile():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def adapter(platform: str, base_url: str):
    account = {"twitter": AccountSettings(name="x-main", platform="twitter", api_base_url=base_url),
               "threads": AccountSettings(name="threads-main", platform="threads", user_id="1784", api_base_url=base_url),
               "facebook": AccountSettings(name="fb-main", platform="facebook", page_id="1001",
                                           api_base_url=base_url)}[platform]
    return build_adapter(account, Fetcher(), environ=SECRETS, timeout=5)


def test_threads_insights_with_odd_values_keep_the_counts_and_drop_the_rest(hostile):
    metrics = adapter("threads", hostile).fetch_metrics(["m1", "m2"])

    assert set(metrics) == {"m1", "m2"}
    got = metrics["m1"]
    assert (got.likes, got.shares, got.comments, got.views) == (5, 0, 0, None)


def test_facebook_insights_with_odd_values_keep_the_counts_and_drop_the_rest(hostile):
    metrics = adapter("facebook", hostile).fetch_metrics(["1001_1", "1001_2"])

    assert set(metrics) == {"1001_1", "1001_2"}
    got = metrics["1001_1"]
    assert (got.likes, got.shares, got.comments, got.views, got.clicks) == (0, 0, 4, 30, 2)


def test_x_public_metrics_with_odd_values_keep_the_counts_and_drop_the_rest(hostile):
    metrics = adapter("twitter", hostile).fetch_metrics(["1", "2"])

    assert set(metrics) == {"1", "2"}
    got, empty = metrics["1"], metrics["2"]
    assert (got.likes, got.shares, got.comments, got.impressions) == (5, 2, 0, None)
    assert (empty.likes, empty.shares, empty.comments, empty.impressions) == (0, 0, 0, None)
