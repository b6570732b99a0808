"""A post's parts: several images, an X thread, a Facebook first comment, end to end on the sandbox.

The real tweepy and facebook-sdk code talks to the sandbox; what a test
checks is what the sandbox received (its /_sandbox/posts), the post's row and
history, and the ledger against the sandbox's own bill.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlmodel import Session, select

from distributor import manual
from distributor.config import AccountSettings, Settings
from distributor.delivery import costs
from distributor.dispatch import RetryPolicy, dispatch_due
from distributor.errors import ComposeError
from distributor.fetch import Fetcher
from distributor.models import Post, PostEvent, PostState, utcnow
from distributor.pipeline import Runtime
from distributor.platforms import build_adapter
from tests.helpers.sandbox_process import queue_faults, sandbox_posts
from tests.newsroom import Site

IMAGE = Path(__file__).parent / "fixtures" / "platforms" / "lead.png"
SECRETS = {
    "DISTRIBUTOR_X_MAIN_CONSUMER_KEY": "ck", "DISTRIBUTOR_X_MAIN_CONSUMER_SECRET": "cs",
    "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN": "token-parts", "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN_SECRET": "ts",
    "DISTRIBUTOR_FB_MAIN_PAGE_ACCESS_TOKEN": "page-token-parts",
}
PAGE = "4040404040"
FAST = RetryPolicy(backoff_base_seconds=60, max_attempts=8)
HEADLINE = "Council passes the budget after a night of debate"
QUOTE_1 = "\u201cWe kept the libraries open,\u201d said the mayor."
QUOTE_2 = "\u201cThis is a budget for the next ten years,\u201d said the treasurer."


@pytest.fixture
def images():
    """Three image URLs on 127.0.0.1 (the same small PNG)."""
    with Site() as site:
        for n in (1, 2, 3):
            site.pages[f"/photo-{n}.png"] = ("image/png", IMAGE.read_bytes())
        yield [site.url(f"/photo-{n}.png") for n in (1, 2, 3)]


class Bot:
    def __init__(self, engine, sandbox):
        self.engine, self.sandbox = engine, sandbox
        self.settings = Settings(
            fetch={"allow_private_networks": True},
            accounts=[AccountSettings(name="x-main", platform="twitter", api_base_url=sandbox),
                      AccountSettings(name="fb-main", platform="facebook", page_id=PAGE, api_base_url=sandbox)])
        self.runtime = Runtime(self.settings, engine)
        fetcher = Fetcher(self.settings.fetch)
        self.adapters = {a.name: build_adapter(a, fetcher) for a in self.settings.accounts}

    def queue(self, account: str, **request) -> int:
        return manual.queue(self.runtime, self.settings.account(account), actor="desk@example.com", **request).post.id

    def dispatch(self, now=None, worker="w1"):
        return dispatch_due(self.engine, self.settings, self.adapters, worker_id=worker, policy=FAST, now=now)

    def post(self, post_id: int) -> Post:
        with Session(self.engine) as session:
            return session.get(Post, post_id)

    def history(self, post_id: int) -> list[str]:
        with Session(self.engine) as session:
            return [e.reason or "" for e in session.exec(select(PostEvent).where(PostEvent.post_id == post_id)
                                                         .order_by(PostEvent.id))]

    def ledger_usd(self) -> float:
        with Session(self.engine) as session:
            rows = costs.cost_rows(session, utcnow() - timedelta(days=1), utcnow() + timedelta(days=1))
        return round(sum(r.cost_micros for r in rows) / 1e6, 6)

    def bill_usd(self) -> float:
        return requests.get(self.sandbox + "/_sandbox/costs", timeout=5).json()["total_usd"]


@pytest.fixture
def bot(engine, sandbox, monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return Bot(engine, sandbox)


def by_text(sandbox: str, platform: str) -> dict[str, dict]:
    return {p["text"]: p for p in sandbox_posts(sandbox) if p["platform"] == platform}


def test_a_thread_of_three_arrives_on_x_as_three_chained_posts_and_the_ledger_matches_the_bill(bot):
    post_id = bot.queue("x-main", text=HEADLINE, thread=[QUOTE_1, QUOTE_2])
    report = bot.dispatch()
    assert report.sent == 1 and report.parts == 2
    received = by_text(bot.sandbox, "twitter")
    first, second, third = received[HEADLINE], received[QUOTE_1], received[QUOTE_2]
    assert first["in_reply_to"] is None
    assert second["in_reply_to"] == first["id"] and third["in_reply_to"] == second["id"]
    post = bot.post(post_id)
    assert post.state is PostState.sent and post.external_id == first["id"]
    assert post.parts_sent["thread"] == [second["id"], third["id"]]
    # three post creates of $0.015 each (no URL), as X's price list says; the ledger equals the sandbox's bill
    assert bot.bill_usd() == pytest.approx(0.045)
    assert bot.ledger_usd() == pytest.approx(bot.bill_usd())
    assert bot.dispatch(now=utcnow() + timedelta(hours=1)).parts == 0  # nothing is sent twice
    assert len(sandbox_posts(bot.sandbox)) == 3


def test_a_first_comment_arrives_under_the_facebook_post(bot):
    post_id = bot.queue("fb-main", text=HEADLINE, link="https://news.example.com/budget",
                        first_comment="Read the full budget document: https://news.example.com/budget.pdf")
    assert bot.dispatch().parts == 1
    [received] = [p for p in sandbox_posts(bot.sandbox) if p["platform"] == "facebook"]
    assert received["text"] == HEADLINE and received["link"] == "https://news.example.com/budget"
    assert [c["message"] for c in received["comments"]] == [
        "Read the full budget document: https://news.example.com/budget.pdf"]
    assert bot.post(post_id).parts_sent == {"first_comment": received["comments"][0]["id"]}
    page = requests.get(f"{bot.sandbox}/_sandbox/view/{received['id']}", timeout=5).text
    assert "Read the full budget document" in page


@pytest.mark.parametrize("account", ["x-main", "fb-main"])
def test_three_images_with_their_alt_texts_arrive_in_one_post(bot, images, account):
    alts = ["The council chamber at midnight", "The mayor at the lectern", "Councillors raise their hands"]
    bot.queue(account, text=HEADLINE, image_url=images[0], image_alt=alts[0],
              extra_images=[{"url": images[1], "alt": alts[1]}, {"url": images[2], "alt": alts[2]}])
    assert bot.dispatch().sent == 1
    [received] = sandbox_posts(bot.sandbox)
    assert received["text"].startswith(HEADLINE)
    assert [m["alt_text"] for m in received["media"]] == alts
    assert bot.ledger_usd() == pytest.approx(bot.bill_usd())


class Crash(BaseException):
    """The worker's process dies (not an error the dispatcher could catch)."""


def test_a_crash_after_the_first_reply_resumes_with_the_missing_reply_only(bot):
    post_id = bot.queue("x-main", text=HEADLINE, thread=[QUOTE_1, QUOTE_2])
    adapter = bot.adapters["x-main"]
    real_reply = adapter.reply
    made = []

    def reply_then_die(parent, text):
        if made:
            raise Crash()  # dies before the second reply reaches X
        made.append(text)
        return real_reply(parent, text)

    adapter.reply = reply_then_die
    with pytest.raises(Crash):
        bot.dispatch()
    assert [p["text"] for p in sandbox_posts(bot.sandbox)] == [HEADLINE, QUOTE_1]
    assert bot.post(post_id).state is PostState.sent  # the post is out whatever its parts do
    del adapter.reply
    # another worker, once the dead worker's lease ran out
    later = utcnow() + timedelta(seconds=bot.settings.scheduler.lease_seconds + 5)
    assert bot.dispatch(now=later, worker="w2").parts == 1
    received = sandbox_posts(bot.sandbox)
    assert sorted(p["text"] for p in received) == sorted([HEADLINE, QUOTE_1, QUOTE_2])  # each exactly once
    by = {p["text"]: p for p in received}
    assert by[QUOTE_2]["in_reply_to"] == by[QUOTE_1]["id"]
    assert bot.ledger_usd() == pytest.approx(bot.bill_usd())


def test_a_reply_whose_answer_was_lost_is_found_and_not_posted_again(bot):
    post_id = bot.queue("x-main", text=HEADLINE, thread=[QUOTE_1])
    adapter = bot.adapters["x-main"]
    real_reply = adapter.reply

    def lose_the_answer(parent, text):
        queue_faults(bot.sandbox, {"path": "POST /2/tweets", "kind": "drop_after"})  # X makes it, the answer is lost
        return real_reply(parent, text)

    adapter.reply = lose_the_answer
    bot.dispatch()
    del adapter.reply
    post = bot.post(post_id)
    assert post.state is PostState.sent and "thread post 2 of 2 not posted yet" in (post.note or "")
    assert any("thread post 2 of 2 failed" in line for line in bot.history(post_id))
    bot.dispatch(now=utcnow() + timedelta(minutes=5), worker="w2")
    texts = [p["text"] for p in sandbox_posts(bot.sandbox)]
    assert texts.count(QUOTE_1) == 1
    assert len(bot.post(post_id).parts_sent["thread"]) == 1
    assert bot.ledger_usd() == pytest.approx(bot.bill_usd())


def test_a_refused_part_leaves_the_post_sent_and_says_so(bot):
    post_id = bot.queue("fb-main", text=HEADLINE, first_comment="More at six")
    adapter = bot.adapters["fb-main"]
    real_comment = adapter.comment

    def refused(parent, text):
        queue_faults(bot.sandbox, {"path": "POST /{version}/{id}/comments", "kind": "graph_code", "code": 200,
                                   "message": "(#200) Permissions error"})
        return real_comment(parent, text)

    adapter.comment = refused
    bot.dispatch()
    post = bot.post(post_id)
    assert post.state is PostState.sent and post.external_id
    assert "the first comment was not posted" in post.note and "Permissions error" in post.note
    assert bot.dispatch(now=utcnow() + timedelta(hours=2)).parts == 0  # given up: not tried again and again
    [received] = sandbox_posts(bot.sandbox)
    assert received["comments"] == []


@pytest.mark.parametrize("account, request_, words", [
    ("x-main", dict(first_comment="More soon"), "a first comment is for Facebook posts only; X has none"),
    ("fb-main", dict(thread=["More soon"]), "a thread is for X posts only; Facebook posts go out alone"),
    ("x-main", dict(thread=["two", "three", "four"]), "a thread on X is at most 3 posts"),
    ("x-main", dict(thread=["word " * 60]), "thread post 2: the text is 299 characters as X counts them"),
    ("x-main", dict(image_url="https://news.example.com/1.jpg",
                    extra_images=[{"url": f"https://news.example.com/{n}.jpg", "alt": "a"} for n in range(2, 6)]),
     "X takes at most 4 images a post; this one has 5"),
    ("x-main", dict(extra_images=[{"url": "javascript:alert(1)", "alt": "a"}]), "is not an http(s) URL"),
])
def test_the_door_refuses_parts_the_platform_cannot_take(bot, account, request_, words):
    with pytest.raises(Exception) as refused:
        bot.queue(account, text=HEADLINE, **request_)
    assert words in str(refused.value)
    with Session(bot.engine) as session:
        assert session.exec(select(Post)).all() == []


def test_the_budget_counts_the_thread_replies(bot):
    """Three post creates of $0.015: a $0.04 daily budget holds the thread, where the post alone would pass."""
    account = bot.settings.account("x-main").model_copy(update={"budget_usd_per_day": 0.04})
    bot.settings.accounts[0] = account
    post_id = bot.queue("x-main", text=HEADLINE, thread=[QUOTE_1, QUOTE_2])
    assert bot.dispatch().sent == 0
    assert bot.post(post_id).state is PostState.queued and sandbox_posts(bot.sandbox) == []
    with pytest.raises(ComposeError):
        manual.check_thread(account, ["x" * 281])


@pytest.mark.parametrize("platform", ["twitter", "facebook", "bluesky", "mastodon"])
def test_each_adapter_that_takes_several_images_sends_them_with_their_alt_texts(sandbox, images, platform):
    from distributor.platforms.base import OutgoingPost
    from tests.test_platform_contract import make_adapter

    adapter = make_adapter(platform, sandbox, Fetcher(Settings(fetch={"allow_private_networks": True}).fetch))
    alts = ["The chamber at midnight", "The mayor at the lectern", "The vote"]
    published = adapter.publish(OutgoingPost(text=HEADLINE, image_url=images[0], image_alt=alts[0],
                                             extra_images=((images[1], alts[1]), (images[2], alts[2]))))
    [shown] = [p for p in sandbox_posts(sandbox) if p["platform"] == platform]
    assert shown["id"] == published.external_id and published.note is None
    assert [m["alt_text"] for m in shown["media"]] == alts


def test_the_desk_and_the_api_show_the_parts_and_which_are_out(bot):
    from fastapi.testclient import TestClient

    from distributor import users
    from distributor.web import create_app
    from tests.helpers.desk import EDITOR, PASSWORD, log_in

    post_id = bot.queue("x-main", text=HEADLINE, thread=[QUOTE_1, QUOTE_2])
    bot.dispatch()
    ids = bot.post(post_id).parts_sent["thread"]
    with Session(bot.engine) as session:
        users.add_user(session, EDITOR, PASSWORD, "editor")
        token = users.create_token(session, EDITOR)
        session.commit()
    app = create_app(bot.settings, bot.engine)
    desk = TestClient(app)
    log_in(desk, EDITOR)
    page = desk.get(f"/posts/{post_id}").text
    assert "Thread post 3" in page and f"(sent: {ids[1]})" in page
    detail = TestClient(app, headers={"Authorization": f"Bearer {token}"}).get(f"/api/posts/{post_id}").json()
    assert detail["thread"] == [QUOTE_1, QUOTE_2] and detail["parts_sent"]["thread"] == ids


def test_a_paused_account_sends_no_parts_until_it_is_resumed(bot):
    """"accounts pause" holds an account's posts: the replies of a thread already out wait too."""
    from distributor import accounts

    post_id = bot.queue("x-main", text=HEADLINE, thread=[QUOTE_1])
    adapter = bot.adapters["x-main"]
    real_reply = adapter.reply

    def failing_once(parent, text):
        adapter.reply = real_reply
        queue_faults(bot.sandbox, {"path": "POST /2/tweets", "kind": "500"})
        return real_reply(parent, text)

    adapter.reply = failing_once
    bot.dispatch()
    assert QUOTE_1 not in by_text(bot.sandbox, "twitter")  # the reply waits for its retry
    with Session(bot.engine) as session:
        accounts.act(bot.settings, session, "x-main", "pause", actor="desk@example.com", reason="a crisis")
        session.commit()
    assert bot.dispatch(now=utcnow() + timedelta(hours=1)).parts == 0
    assert QUOTE_1 not in by_text(bot.sandbox, "twitter")  # held, as the account's posts are
    assert "thread" not in (bot.post(post_id).parts_sent or {}) or bot.post(post_id).parts_sent["thread"] == []
    with Session(bot.engine) as session:
        from distributor.dispatch import resume_account

        resume_account(session, "x-main")
        session.commit()
    assert bot.dispatch(now=utcnow() + timedelta(hours=2)).parts == 1
    assert by_text(bot.sandbox, "twitter")[QUOTE_1]["in_reply_to"] == bot.post(post_id).external_id


def test_an_expired_token_pauses_the_account_and_the_reply_waits_for_the_new_one(bot):
    """An expired token is not the reply's fault: it must not use up the reply's attempts (given up after
    eight, the reply would never go); the account is paused as for a post, and the reply goes after resume."""
    from distributor.models import Account

    post_id = bot.queue("x-main", text=HEADLINE, thread=[QUOTE_1])
    adapter = bot.adapters["x-main"]
    real_reply = adapter.reply

    def expired(parent, text):
        queue_faults(bot.sandbox, {"path": "POST /2/tweets", "kind": "expired_token"})
        return real_reply(parent, text)

    adapter.reply = expired
    bot.dispatch()
    with Session(bot.engine) as session:
        assert session.get(Account, "x-main").paused_at is not None  # as `distributor accounts` shows
    for hours in range(1, 12):  # the token stays expired for half a day
        bot.dispatch(now=utcnow() + timedelta(hours=hours))
    assert not (bot.post(post_id).parts_sent or {}).get("gave_up")
    adapter.reply = real_reply  # the token is renewed
    with Session(bot.engine) as session:
        from distributor.dispatch import resume_account

        resume_account(session, "x-main")
        session.commit()
    assert bot.dispatch(now=utcnow() + timedelta(hours=13)).parts == 1
    assert by_text(bot.sandbox, "twitter")[QUOTE_1]["in_reply_to"] == bot.post(post_id).external_id


def test_removing_the_first_image_in_the_desk_keeps_the_others(bot, images):
    """The desk's edit form holds the first image only: clearing it must not silently drop images 2 and 3;
    the next one leads, with its own alt text, as at the door."""
    from distributor import posts

    alts = ["The council chamber at midnight", "The mayor at the lectern", "Councillors raise their hands"]
    post_id = bot.queue("x-main", text=HEADLINE, image_url=images[0], image_alt=alts[0],
                        extra_images=[{"url": images[1], "alt": alts[1]}, {"url": images[2], "alt": alts[2]}],
                        at=(utcnow() + timedelta(minutes=5)).isoformat())
    with Session(bot.engine) as session:
        posts.edit(session, post_id, image_url="", actor="desk@example.com")
        session.commit()
    assert bot.dispatch(now=utcnow() + timedelta(minutes=6)).sent == 1
    [received] = sandbox_posts(bot.sandbox)
    assert [m["alt_text"] for m in received["media"]] == alts[1:]
    post = bot.post(post_id)
    assert post.image_url == images[1] and post.image_alt == alts[1]


def test_a_retried_reply_is_not_mistaken_for_the_same_words_under_another_post(bot):
    """Two threads end with the same reply; the second one's first try fails. The retry must look for it under
    its own post: taking the other thread's reply for it would show it sent when it is not (X then refuses the
    same words again as duplicate content: the post's note says so)."""
    same = "Follow our live coverage of the night."
    first = bot.queue("x-main", text=HEADLINE, thread=[same])
    assert bot.dispatch().parts == 1
    second = bot.queue("x-main", text="Libraries stay open: what the budget keeps", thread=[same])
    adapter = bot.adapters["x-main"]
    real_reply = adapter.reply

    def failing_once(parent, text):
        adapter.reply = real_reply
        queue_faults(bot.sandbox, {"path": "POST /2/tweets", "kind": "500"})  # nothing made; it may have been
        return real_reply(parent, text)

    adapter.reply = failing_once
    bot.dispatch()
    bot.dispatch(now=utcnow() + timedelta(minutes=5))
    [other] = [p for p in sandbox_posts(bot.sandbox) if p["text"] == same]
    assert other["in_reply_to"] == bot.post(first).external_id  # the only reply is the first thread's
    post = bot.post(second)
    assert other["id"] not in (post.parts_sent or {}).get("thread", [])
    assert "thread post 2 of 2 was not posted" in post.note and "duplicate" in post.note
