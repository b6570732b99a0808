"""Evergreen re-shares (the runner-up quote, once, only for posts that did well) and the best time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from distributor import evergreen, users
from distributor.config import EvergreenSettings, Settings
from distributor.models import Article, ArticleState, EngagementSnapshot, Post, PostState
from distributor.pipeline import Runtime
from distributor.web import create_app
from tests.helpers.desk import PASSWORD, csrf_of

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
RULE = EvergreenSettings(after_days=7, min_engagement=50, max_age_days=30)
FIRST = "We will keep the ferries running through the night for as long as people need them"
SECOND = "Nobody should have to choose between a late shift and a safe journey home again"


@pytest.mark.parametrize("engagement, days_ago, reshared, runner_up, expected", [
    (80, 8, False, True, True),
    (49, 8, False, True, False),  # did not do well enough
    (80, 6, False, True, False),  # too soon
    (80, 31, False, True, False),  # too old
    (80, 8, True, True, False),  # once only
    (80, 8, False, False, False),  # no other quote to share it with
    (None, 8, False, True, False),  # never measured
])
def test_the_evergreen_rule(engagement, days_ago, reshared, runner_up, expected):
    assert evergreen.should_reshare(RULE, engagement=engagement, sent_at=NOW - timedelta(days=days_ago), now=NOW,
                                    reshared=reshared, has_runner_up=runner_up) is expected


def test_no_rule_no_reshare():
    assert not evergreen.should_reshare(None, engagement=999, sent_at=NOW - timedelta(days=8), now=NOW,
                                        reshared=False, has_runner_up=True)


def test_best_hour_needs_enough_posts():
    assert evergreen.pick_hour({9: [10] * 10, 18: [90] * 9}) is None  # 19 posts: too few
    assert evergreen.pick_hour({9: [10] * 17, 18: [90, 95, 100]}) == 18
    assert evergreen.pick_hour({9: [10] * 18, 18: [900, 900]}) == 9  # two posts do not make an hour


def test_next_slot_at_the_best_hour_is_in_the_accounts_zone():
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")
    assert evergreen.next_at_hour(18, paris, NOW) == datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # 13:00 Paris now
    assert evergreen.next_at_hour(9, paris, NOW) == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)  # tomorrow


def _settings(**account) -> Settings:
    return Settings(accounts=[{"name": "x-main", "platform": "twitter", **account}])


def _sent(session, *, at: datetime, engagement: int, article_id=None) -> Post:
    post = Post(account="x-main", platform="twitter", text="a post", state=PostState.sent, sent_at=at,
                article_id=article_id, auto_key=f"auto:{article_id}:x-main" if article_id else None,
                external_id=f"x{at.timestamp()}")
    session.add(post)
    session.flush()
    session.add(EngagementSnapshot(post_id=post.id, collected_at=at + timedelta(hours=1), likes=engagement))
    return post


def test_a_post_that_did_well_is_shared_again_once_with_the_runner_up_quote(engine):
    settings = _settings(evergreen={"after_days": 7, "min_engagement": 50})
    with Session(engine) as session:
        from distributor.posts import ensure_account

        ensure_account(session, settings.account("x-main"))
        quotes = [{"text": FIRST, "speaker": "Maria Okafor", "score": 9.0, "confidence": 0.9},
                  {"text": SECOND, "speaker": "Tom Reyes", "score": 7.0, "confidence": 0.9}]
        article = Article(url="https://news.example.com/ferries", canonical_url="https://news.example.com/ferries",
                          title="Night ferries return", state=ArticleState.extracted, pull_quote=FIRST,
                          pull_quote_speaker="Maria Okafor", data={"quotes": quotes})
        dull = Article(url="https://news.example.com/dull", title="Dull", state=ArticleState.extracted,
                       data={"quotes": quotes})
        session.add_all([article, dull])
        session.flush()
        good = _sent(session, at=NOW - timedelta(days=8), engagement=80, article_id=article.id)
        _sent(session, at=NOW - timedelta(days=8, hours=1), engagement=5, article_id=dull.id)
        session.commit()
        good_id = good.id
    from distributor.compose import text_length

    text_length("twitter", "warm")  # load twitter-text outside the composer's 5 s deadline (seconds on a busy machine)
    runtime = Runtime(settings, engine)
    made = evergreen.reshare_due(runtime, now=NOW)
    assert len(made) == 1
    assert SECOND in made[0].text and FIRST not in made[0].text
    assert made[0].link == "https://news.example.com/ferries"
    assert evergreen.reshare_due(runtime, now=NOW + timedelta(hours=1)) == []  # once only
    with Session(engine) as session:
        again = session.exec(select(Post).where(Post.auto_key == f"evergreen:{good_id}")).one()
        assert again.state == PostState.queued


def test_the_composer_suggests_the_best_time_and_says_why(engine):
    settings = _settings()
    with Session(engine) as session:
        from distributor.posts import ensure_account

        ensure_account(session, settings.account("x-main"))
        for day in range(17):
            _sent(session, at=NOW - timedelta(days=day + 1, hours=3), engagement=10)  # 09:00 UTC
        for day in range(4):
            _sent(session, at=NOW - timedelta(days=day + 1) + timedelta(hours=6), engagement=100)  # 18:00 UTC
        users.add_user(session, "desk@example.com", PASSWORD, "editor")
        session.commit()
    with Session(engine) as session:  # closed: an open transaction would block the schema's drop on PostgreSQL
        found = evergreen.best_time(session, settings.account("x-main"), "UTC", now=NOW)
    assert (found.hour, found.posts, found.posts_in_hour, found.median) == (18, 21, 4, 100)
    client = TestClient(create_app(settings, engine))
    client.post("/login", data={"email": "desk@example.com", "password": PASSWORD,
                                "csrf_token": csrf_of(client.get("/login").text)})
    page = client.post("/compose/article", data={"csrf_token": csrf_of(client.get("/compose").text), "url": "",
                                                 "accounts": "x-main"}).text
    assert "Best time for <strong>x-main</strong>" in page
    assert "18:00 is when this account" in page and "median of 100" in page
    assert re.search(r'class="use-best" data-at="\d{4}-\d\d-\d\dT18:00"', page)


def _two_quote_article(session, url: str, **fields) -> Article:
    quotes = [{"text": FIRST, "speaker": "Maria Okafor", "score": 9.0, "confidence": 0.9},
              {"text": SECOND, "speaker": "Tom Reyes", "score": 7.0, "confidence": 0.9}]
    article = Article(url=url, canonical_url=url, title="Night ferries return", state=ArticleState.extracted,
                      pull_quote=FIRST, pull_quote_speaker="Maria Okafor", data={"quotes": quotes}, **fields)
    session.add(article)
    session.flush()
    return article


def test_an_article_posted_twice_to_one_account_is_reshared_there_once(engine):
    settings = _settings(evergreen={"after_days": 7, "min_engagement": 50})
    with Session(engine) as session:
        from distributor.posts import ensure_account

        ensure_account(session, settings.account("x-main"))
        article = _two_quote_article(session, "https://news.example.com/ferries")
        _sent(session, at=NOW - timedelta(days=9), engagement=80, article_id=article.id)
        again = _sent(session, at=NOW - timedelta(days=8), engagement=90, article_id=None)
        again.article_id = article.id  # the editor's "again": a second post of the article, no auto key
        session.add(again)
        session.commit()
    runtime = Runtime(settings, engine)
    made = evergreen.reshare_due(runtime, now=NOW)
    made += evergreen.reshare_due(runtime, now=NOW + timedelta(hours=1))
    assert len(made) == 1
    with Session(engine) as session:
        queued = session.exec(select(Post).where(Post.state == PostState.queued)).all()
        assert len(queued) == 1


def test_a_story_taken_down_is_not_shared_again(engine):
    settings = _settings(evergreen={"after_days": 7, "min_engagement": 50})
    with Session(engine) as session:
        from distributor.posts import ensure_account

        ensure_account(session, settings.account("x-main"))
        article = _two_quote_article(session, "https://news.example.com/ferries", gone_at=NOW - timedelta(days=2))
        _sent(session, at=NOW - timedelta(days=8), engagement=80, article_id=article.id)
        session.commit()
    assert evergreen.reshare_due(Runtime(settings, engine), now=NOW) == []
    with Session(engine) as session:
        assert session.exec(select(Post).where(Post.state == PostState.queued)).all() == []


def test_two_workers_resharing_one_article_at_once_make_one_post_and_neither_fails(engine, monkeypatch):
    settings = _settings(evergreen={"after_days": 7, "min_engagement": 50})
    with Session(engine) as session:
        from distributor.posts import ensure_account

        ensure_account(session, settings.account("x-main"))
        article = _two_quote_article(session, "https://news.example.com/ferries")
        first = _sent(session, at=NOW - timedelta(days=9), engagement=80, article_id=article.id)
        again = _sent(session, at=NOW - timedelta(days=8), engagement=90, article_id=None)
        again.article_id = article.id
        session.add(again)
        session.commit()
        first_id, again_id, article_id = first.id, again.id, article.id
    runtime = Runtime(settings, engine)
    # The other worker re-shared the second post in the moment between this job's look and its insert.
    monkeypatch.setattr(evergreen, "_reshared", lambda session, post, account: False)
    with Session(engine) as session:
        session.add(Post(account="x-main", platform="twitter", text="the other worker's re-share",
                         state=PostState.queued, article_id=article_id, auto_key=f"evergreen:{first_id}"))
        session.commit()
    assert evergreen.reshare_due(runtime, now=NOW) == []
    with Session(engine) as session:
        queued = session.exec(select(Post).where(Post.state == PostState.queued)).all()
        assert [p.text for p in queued] == ["the other worker's re-share"]
        assert again_id != first_id


def test_a_reshare_the_template_cannot_compose_is_skipped_and_the_others_go(engine, tmp_path, caplog):
    """A user's template raising on one story (here a division by zero for one speaker) must neither stop the
    account's other re-shares nor the run's dispatch: that story is left, and said so in the log."""
    (tmp_path / "picky.j2").write_text("{{ title }} {{ 1 // (speaker != 'Tom Reyes') }} {{ quote }} {{ link }}")
    settings = Settings(templates_dir=str(tmp_path), accounts=[{
        "name": "x-main", "platform": "twitter", "template": "picky.j2",
        "evergreen": {"after_days": 7, "min_engagement": 50}}])
    with Session(engine) as session:
        from distributor.posts import ensure_account

        ensure_account(session, settings.account("x-main"))
        ids = []
        for slug, runner_up_speaker in (("bad", "Tom Reyes"), ("good", "Ana Lima")):
            quotes = [{"text": FIRST, "speaker": "Maria Okafor", "score": 9.0, "confidence": 0.9},
                      {"text": SECOND, "speaker": runner_up_speaker, "score": 7.0, "confidence": 0.9}]
            article = Article(url=f"https://news.example.com/{slug}", canonical_url=f"https://news.example.com/{slug}",
                              title=f"Story {slug}", state=ArticleState.extracted, pull_quote=FIRST,
                              pull_quote_speaker="Maria Okafor", data={"quotes": quotes})
            session.add(article)
            session.flush()
            ids.append(article.id)
        _sent(session, at=NOW - timedelta(days=8, hours=1), engagement=80, article_id=ids[0])  # the older: first
        _sent(session, at=NOW - timedelta(days=8), engagement=80, article_id=ids[1])
        session.commit()
    from distributor.compose import text_length

    text_length("twitter", "warm")
    made = evergreen.reshare_due(Runtime(settings, engine), now=NOW)
    assert [post.article_id for post in made] == [ids[1]]
    assert "Story good" in made[0].text
    assert any("Story bad" in r.getMessage() or f"article {ids[0]}" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("policy, confidence, expected_state, expected_status", [
    ("never", 0.9, None, "quote_policy = never"),  # the account posts no quotes: no quote re-share either
    ("review_if_unsure", 0.4, PostState.awaiting_approval, "due"),  # an unsure speaker waits for an editor
    ("review_if_unsure", 0.9, PostState.queued, "due"),
])
def test_a_reshare_follows_the_accounts_quote_policy(engine, policy, confidence, expected_state, expected_status):
    """A misattributed quote is a correction: a re-share is an automatic post, under the same quote_policy."""
    settings = _settings(evergreen={"after_days": 7, "min_engagement": 50}, quote_policy=policy)
    with Session(engine) as session:
        from distributor.posts import ensure_account

        ensure_account(session, settings.account("x-main"))
        quotes = [{"text": FIRST, "speaker": "Maria Okafor", "score": 9.0, "confidence": 0.9},
                  {"text": SECOND, "speaker": "Tom Reyes", "score": 7.0, "confidence": confidence}]
        article = Article(url="https://news.example.com/ferries", canonical_url="https://news.example.com/ferries",
                          title="Night ferries return", state=ArticleState.extracted, pull_quote=FIRST,
                          pull_quote_speaker="Maria Okafor", data={"quotes": quotes})
        session.add(article)
        session.flush()
        _sent(session, at=NOW - timedelta(days=8), engagement=80, article_id=article.id)
        session.commit()
        [candidate] = evergreen.candidates(session, settings.account("x-main"), now=NOW)
    assert expected_status in candidate.status
    from distributor.compose import text_length

    text_length("twitter", "warm")
    made = evergreen.reshare_due(Runtime(settings, engine), now=NOW)
    assert [p.state for p in made] == ([expected_state] if expected_state else [])
    with Session(engine) as session:
        texts = [p.text for p in session.exec(select(Post).where(Post.auto_key.startswith("evergreen:")))]
    assert all(SECOND in text for text in texts) and len(texts) == len(made)
