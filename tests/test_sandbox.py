"""The sandbox speaks like the platforms: shapes, status codes, headers, faults."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import requests

from distributor.sandbox import running_sandbox
from distributor.sandbox.state import Post, SandboxState, utcnow

X_AUTH = {"Authorization": "Bearer sandbox-user-token"}
DUPLICATE = {"detail": "You are not allowed to create a Tweet with duplicate content.", "title": "Forbidden",
             "status": 403, "type": "about:blank"}


def tweet(base: str, text: str, headers=X_AUTH, **extra) -> requests.Response:
    return requests.post(base + "/2/tweets", json={"text": text, **extra}, headers=headers, timeout=5)


def fb_post(base: str, page: str = "42", **fields) -> requests.Response:
    fields.setdefault("access_token", "page-token")
    return requests.post(f"{base}/v23.0/{page}/feed", data=fields, timeout=5)


def queue(base: str, **spec) -> None:
    requests.post(base + "/_sandbox/faults", json=spec, timeout=5).raise_for_status()


# --- X -----------------------------------------------------------------------------

def test_x_needs_credentials(sandbox):
    assert tweet(sandbox, "hi", headers={}).status_code == 401
    unsigned = {"Authorization": 'OAuth oauth_token="abc"'}
    answer = tweet(sandbox, "hi", headers=unsigned)
    assert answer.status_code == 401 and answer.json()["title"] == "Unauthorized"
    assert requests.get(sandbox + "/_sandbox/posts", timeout=5).json() == []


@pytest.mark.parametrize("text, accepted", [
    ("a" * 280, True),
    ("a" * 281, False),
    ("界" * 140, True),  # CJK weighs 2
    ("界" * 141, False),
    ("a" * 256 + " https://news.example.com/" + "x" * 80, True),  # a URL weighs 23
])
def test_x_counts_280_weighted_characters(sandbox, text, accepted):
    answer = tweet(sandbox, text)
    assert answer.status_code == (201 if accepted else 400)
    if not accepted:
        body = answer.json()
        assert body["title"] == "Invalid Request" and "too long" in body["errors"][0]["message"]


def test_x_post_shape_wraps_links_and_sends_rate_headers(sandbox):
    answer = tweet(sandbox, "Read this https://news.example.com/a")
    data = answer.json()["data"]
    assert set(data) == {"id", "text", "edit_history_tweet_ids"}
    assert data["text"].startswith("Read this https://t.co/")
    assert int(answer.headers["x-rate-limit-limit"]) == 100
    assert int(answer.headers["x-rate-limit-remaining"]) == 99
    assert int(answer.headers["x-rate-limit-reset"]) > time.time()
    [shown] = requests.get(sandbox + "/_sandbox/posts", timeout=5).json()
    assert shown["link"] == "https://news.example.com/a" and shown["platform"] == "twitter"


def test_x_duplicate_text_is_refused_like_x(sandbox):
    assert tweet(sandbox, "Same words").status_code == 201
    again = tweet(sandbox, "Same words")
    assert again.status_code == 403 and again.json() == DUPLICATE
    other_user = tweet(sandbox, "Same words", headers={"Authorization": "Bearer someone-else"})
    assert other_user.status_code == 201


def test_x_lookup_reports_missing_ids_and_caps_at_100(sandbox):
    kept = tweet(sandbox, "kept").json()["data"]["id"]
    answer = requests.get(sandbox + "/2/tweets", params={"ids": f"{kept},42", "tweet.fields": "public_metrics"},
                          headers=X_AUTH, timeout=5)
    body = answer.json()
    assert answer.status_code == 200
    assert [t["id"] for t in body["data"]] == [kept]
    assert set(body["data"][0]["public_metrics"]) >= {"like_count", "retweet_count", "reply_count",
                                                      "quote_count", "impression_count"}
    assert body["errors"][0]["resource_id"] == "42"
    too_many = requests.get(sandbox + "/2/tweets", params={"ids": ",".join(map(str, range(101)))},
                            headers=X_AUTH, timeout=5)
    assert too_many.status_code == 400


def test_x_chunked_v2_upload_attaches_media(sandbox):
    content = b"\x89PNG\r\n\x1a\n" + b"x" * 1000
    init = requests.post(sandbox + "/2/media/upload/initialize", headers=X_AUTH, timeout=5,
                         json={"media_type": "image/png", "total_bytes": len(content), "media_category": "tweet_image"})
    media_id = init.json()["data"]["id"]
    for index, part in enumerate((content[:500], content[500:])):
        requests.post(f"{sandbox}/2/media/upload/{media_id}/append", headers=X_AUTH, timeout=5,
                      data={"segment_index": index}, files={"media": part}).raise_for_status()
    final = requests.post(f"{sandbox}/2/media/upload/{media_id}/finalize", headers=X_AUTH, timeout=5)
    assert final.json()["data"]["size"] == len(content)

    assert tweet(sandbox, "with a picture", media={"media_ids": [media_id]}).status_code == 201
    [shown] = requests.get(sandbox + "/_sandbox/posts", timeout=5).json()
    assert shown["media"][0]["bytes"] == len(content)
    assert tweet(sandbox, "bad media", media={"media_ids": ["123"]}).status_code == 400


def test_x_users_tweets_lists_recent_posts_newest_first(sandbox):
    me = requests.get(sandbox + "/2/users/me", headers=X_AUTH, timeout=5).json()["data"]
    ids = [tweet(sandbox, f"post {n}").json()["data"]["id"] for n in range(3)]
    answer = requests.get(f"{sandbox}/2/users/{me['id']}/tweets", params={"max_results": 5}, headers=X_AUTH,
                          timeout=5).json()
    assert [t["id"] for t in answer["data"]] == ids[::-1]
    assert answer["meta"]["result_count"] == 3


# --- Graph -------------------------------------------------------------------------

def test_graph_needs_a_token(sandbox):
    answer = fb_post(sandbox, message="hi", access_token="")
    assert answer.json()["error"]["code"] == 190
    assert requests.get(sandbox + "/_sandbox/posts", timeout=5).json() == []


def test_graph_post_shapes_and_usage_headers(sandbox):
    answer = fb_post(sandbox, message="Budget passes", link="https://news.example.com/a")
    post_id = answer.json()["id"]
    assert post_id.startswith("42_")
    assert set(json.loads(answer.headers["X-App-Usage"])) == {"call_count", "total_cputime", "total_time"}
    usage = json.loads(answer.headers["X-Business-Use-Case-Usage"])
    assert "estimated_time_to_regain_access" in usage["42"][0]

    fields = "reactions.summary(total_count).limit(0),comments.summary(true).limit(0),shares"
    read = requests.get(f"{sandbox}/v23.0/{post_id}", params={"fields": fields, "access_token": "t"}, timeout=5)
    body = read.json()
    assert body["reactions"]["summary"]["total_count"] >= 0
    assert body["comments"]["summary"]["total_count"] >= 0

    assert fb_post(sandbox, message="Budget passes", link="https://news.example.com/a").json()["error"]["code"] == 506


def test_graph_insights_reject_an_unknown_metric(sandbox):
    post_id = fb_post(sandbox, message="x").json()["id"]
    good = requests.get(f"{sandbox}/v23.0/{post_id}/insights",
                        params={"metric": "post_media_view,post_clicks", "access_token": "t"}, timeout=5).json()
    assert [m["name"] for m in good["data"]] == ["post_media_view", "post_clicks"]
    bad = requests.get(f"{sandbox}/v23.0/{post_id}/insights",
                       params={"metric": "post_media_view,post_impressions_paid_typo", "access_token": "t"}, timeout=5)
    assert bad.json()["error"]["code"] == 100


def test_graph_batch_answers_each_request_and_caps_at_50(sandbox):
    post_id = fb_post(sandbox, message="x").json()["id"]
    batch = [{"method": "GET", "relative_url": f"v23.0/{post_id}?fields=id"},
             {"method": "GET", "relative_url": "v23.0/42_999?fields=id"}]
    answer = requests.post(sandbox + "/v23.0/", data={"batch": json.dumps(batch), "access_token": "t"},
                           timeout=5).json()
    assert [item["code"] for item in answer] == [200, 400]
    assert json.loads(answer[0]["body"])["id"] == post_id
    assert json.loads(answer[1]["body"])["error"]["error_subcode"] == 33
    too_big = requests.post(sandbox + "/v23.0/", timeout=5,
                            data={"batch": json.dumps(batch * 26), "access_token": "t"}).json()
    assert too_big["error"]["code"] == 1


# --- inspection and faults ------------------------------------------------------------

def test_stats_count_requests_and_reset_clears_everything(sandbox):
    tweet(sandbox, "one")
    tweet(sandbox, "two")
    fb_post(sandbox, message="three")
    queue(sandbox, path="POST /2/tweets", kind="500", count=5)
    stats = requests.get(sandbox + "/_sandbox/stats", timeout=5).json()["requests"]
    assert stats["POST /2/tweets"] == 2 and stats["POST /{version}/{page_id}/feed"] == 1

    requests.post(sandbox + "/_sandbox/reset", timeout=5)

    assert requests.get(sandbox + "/_sandbox/stats", timeout=5).json() == {"requests": {}}
    assert requests.get(sandbox + "/_sandbox/posts", timeout=5).json() == []
    assert tweet(sandbox, "after reset").status_code == 201  # the queued 500s are gone


def test_set_metrics_show_up_in_the_platform_answer(sandbox):
    tweet_id = tweet(sandbox, "measured").json()["data"]["id"]
    requests.post(sandbox + "/_sandbox/metrics", json={"id": tweet_id, "likes": 7, "shares": 3, "comments": 2,
                                                       "impressions": 900, "clicks": 11}, timeout=5)
    data = requests.get(sandbox + "/2/tweets", params={"ids": tweet_id, "tweet.fields": "public_metrics"},
                        headers=X_AUTH, timeout=5).json()["data"][0]["public_metrics"]
    assert data["like_count"] == 7 and data["reply_count"] == 2 and data["impression_count"] == 900
    assert data["retweet_count"] + data["quote_count"] == 3


def test_queued_faults_hit_the_next_n_matching_requests(sandbox):
    queue(sandbox, path="POST /2/tweets", kind="429", count=2, reset_in=4)
    first, second = tweet(sandbox, "a"), tweet(sandbox, "b")
    assert first.status_code == second.status_code == 429
    assert 0 < int(first.headers["x-rate-limit-reset"]) - time.time() <= 5
    assert first.headers["x-rate-limit-remaining"] == "0"
    assert tweet(sandbox, "c").status_code == 201
    assert fb_post(sandbox, message="not matched").status_code == 200


def test_html_502_and_missing_content_type(sandbox):
    queue(sandbox, path="POST /{version}/{page_id}/feed", kind="html502")
    queue(sandbox, path="POST /v23.0/*/feed", kind="no_content_type")
    html = fb_post(sandbox, message="x")
    assert html.status_code == 502 and html.headers["content-type"].startswith("text/html")
    bare = fb_post(sandbox, message="y")
    assert bare.status_code == 502 and "content-type" not in bare.headers


def test_drop_after_records_the_post_but_loses_the_answer(sandbox):
    queue(sandbox, path="POST /2/tweets", kind="drop_after")
    with pytest.raises(requests.exceptions.RequestException):
        tweet(sandbox, "lost answer")
    [shown] = requests.get(sandbox + "/_sandbox/posts", timeout=5).json()
    assert shown["text"] == "lost answer"


def test_a_malformed_fault_is_refused(sandbox):
    answer = requests.post(sandbox + "/_sandbox/faults", json={"path": "POST /2/tweets", "kind": "explode"},
                           timeout=5)
    assert answer.status_code == 400 and "kind" in answer.json()["error"]


def _outcomes(base: str, n: int) -> list[str]:
    seen = []
    for i in range(n):
        try:
            answer = tweet(base, f"post {i}")
            seen.append(f"{answer.status_code}:{answer.headers.get('content-type', '')[:9]}")
        except requests.exceptions.RequestException:
            seen.append("dropped")
    return seen


def test_random_faults_are_a_reproducible_mix():
    with running_sandbox(fail_rate=0.5, seed=7) as base:
        first = _outcomes(base, 60)
        posts = requests.get(base + "/_sandbox/posts", timeout=5).json()
    with running_sandbox(fail_rate=0.5, seed=7) as base:
        second = _outcomes(base, 60)

    assert first == second
    assert {"201:applicati", "429:applicati", "dropped"} <= set(first)
    assert any(o.startswith("502:text/html") for o in first) and any(o.startswith("500") for o in first)
    # a dropped answer still published its post
    assert len(posts) == first.count("201:applicati") + first.count("dropped")


def test_engagement_grows_with_age_and_is_fixed_by_the_seed():
    def engagement(seed: int, minutes: int) -> dict[str, int]:
        state = SandboxState(seed)
        state.add_post(Post("twitter", "a", "1", "t", None, utcnow() - timedelta(minutes=minutes)))
        return state.engagement("1")

    assert engagement(1, 600) == engagement(1, 600)
    assert engagement(1, 600) != engagement(2, 600)
    assert engagement(1, 6000)["impressions"] > engagement(1, 600)["impressions"] > 0


def test_running_sandbox_stops_on_exit():
    with running_sandbox() as base:
        assert requests.get(base + "/_sandbox/stats", timeout=5).status_code == 200
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(base + "/_sandbox/stats", timeout=2)


def test_set_impressions_are_what_graph_reports_as_page_views_unless_views_are_set(sandbox):
    """One audience: X answers it as impression_count, Graph as post_media_view; views set apart win."""
    def page_views(post_id: str) -> int:
        answer = requests.get(f"{sandbox}/v25.0/{post_id}/insights",
                              params={"metric": "post_media_view", "access_token": "t"}, timeout=5).json()
        return answer["data"][0]["values"][0]["value"]

    both, only_impressions = fb_post(sandbox, message="a").json()["id"], fb_post(sandbox, message="b").json()["id"]
    requests.post(sandbox + "/_sandbox/metrics", timeout=5, json=[
        {"id": both, "impressions": 900, "views": 4321}, {"id": only_impressions, "impressions": 900}])
    assert (page_views(both), page_views(only_impressions)) == (4321, 900)


@pytest.mark.parametrize("bad", [{"likes": "many"}, {"likes": None}, {"views": [3]}, {"likes": 1.5}, "not an object"])
def test_bad_metrics_are_refused_with_a_message_and_change_nothing(sandbox, bad):
    first, second = fb_post(sandbox, message="a").json()["id"], fb_post(sandbox, message="b").json()["id"]
    requests.post(sandbox + "/_sandbox/metrics", json={"id": second, "likes": 4}, timeout=5).raise_for_status()
    item = {"id": second, **bad} if isinstance(bad, dict) else bad

    answer = requests.post(sandbox + "/_sandbox/metrics", json=[{"id": first, "likes": 99}, item], timeout=5)

    assert answer.status_code == 400 and answer.json()["error"]
    likes = [requests.get(f"{sandbox}/v25.0/{post}", params={"fields": "reactions.summary(true)",
                                                             "access_token": "t"}, timeout=5)
             .json()["reactions"]["summary"]["total_count"] for post in (first, second)]
    assert likes[1] == 4 and likes[0] != 99  # the good item before the bad one was not applied either
