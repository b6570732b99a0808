"""Post-on-publish leftovers: re-entering items, tracking tags, re-added feeds.

Same local news site and dryrun accounts as test_post_on_publish_identity:
what "went out" is the sent posts of each account. SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from distributor.models import Article, Post, PostState
from distributor.pipeline import run_cycle
from tests.test_post_on_publish_identity import NOW, feed, make_runtime, page, sent, site  # noqa: F401 - fixtures


def test_an_undated_item_edited_under_the_same_link_is_posted_once(make_runtime, site, engine):
    runtime = make_runtime([{"url": "/a", "accounts": ["web"]}], [{"name": "web"}])
    site.pages["/a"] = feed({"link": site.url("/earlier"), "when": None})
    run_cycle(runtime)  # the baseline
    page(site, "/story", "Ferry vote passes")
    site.pages["/a"] = feed({"link": site.url("/story"), "guid": "urn:1", "permalink": False, "when": None},
                            {"link": site.url("/earlier"), "when": None})
    run_cycle(runtime)
    assert len(sent(engine)) == 1
    site.pages["/a"] = feed()  # it leaves the feed ...
    run_cycle(runtime)
    # ... and comes back edited: a new guid, a new title, still undated
    site.pages["/a"] = feed({"link": site.url("/story"), "guid": "urn:2", "permalink": False, "when": None,
                             "title": "Ferry vote passes (updated)"})
    run_cycle(runtime)
    site.pages["/a"] = feed({"link": site.url("/story"), "when": None, "title": "Ferry vote passes, again"})
    run_cycle(runtime)
    assert len(sent(engine)) == 1


def bare_page(title: str) -> tuple[str, bytes]:
    """A story page that names no canonical URL (many CMSs omit it)."""
    return ("text/html; charset=utf-8",
            (f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head><body><article>'
             f"<h1>{title}</h1><p>The first paragraph of the story says what happened and where it happened.</p>"
             "</article></body></html>").encode())


TAGGED = ["/story?CMP=share_btn_tw", "/story?xtor=RSS-8", "/story?ns_mchannel=rss&ns_source=PublicRSS20-sa",
          "/story?at_medium=RSS&at_campaign=KARANGA", "/story?fbclid=IwAR0x", "/story?WT.mc_id=rss",
          "/story?msclkid=abc", "/story?_ga=2.1.2.3"]


def test_the_same_story_under_other_tracking_tags_is_posted_once(make_runtime, site, engine):
    runtime = make_runtime([{"url": "/a", "accounts": ["web"]}, {"url": "/b", "accounts": ["web"]}],
                           [{"name": "web"}])
    site.pages["/a"] = feed({"link": site.url("/earlier")})
    site.pages["/b"] = feed({"link": site.url("/earlier")})
    run_cycle(runtime)  # the baselines
    for path in ["/story", *TAGGED]:  # the article is read at its identity; the previous release kept the tag
        site.pages[path] = bare_page("Ferry vote passes")
    for i, path in enumerate(TAGGED):
        site.pages["/a" if i % 2 else "/b"] = feed({"link": site.url(path)}, {"link": site.url("/earlier")})
        run_cycle(runtime)
    assert [(account, link) for account, _, link in sent(engine)] == [("web", site.url("/story"))]
    with Session(engine) as session:
        assert [a.url for a in session.exec(select(Article).where(Article.url.like("%story%")))] == [
            site.url("/story")]


def test_a_story_stored_under_the_earlier_rule_is_not_new_after_the_upgrade(make_runtime, site, engine):
    """Rows written before the tracking list grew keep their key ('...?CMP=share'): the same link
    listed again, or pushed, finds them."""
    from distributor.models import FeedEntry

    runtime = make_runtime([{"url": "/a", "accounts": ["web"]}, {"url": "/b", "accounts": ["web"]}],
                           [{"name": "web"}])
    site.pages["/a"] = feed({"link": site.url("/earlier")})
    site.pages["/b"] = feed({"link": site.url("/earlier")})
    run_cycle(runtime)
    site.pages["/story"] = site.pages["/story?CMP=share"] = bare_page("Harbour wall repaired")
    site.pages["/a"] = feed({"link": site.url("/story?CMP=share")}, {"link": site.url("/earlier")})
    run_cycle(runtime)
    assert len(sent(engine)) == 1
    old_key = site.url("/story?CMP=share")  # what the previous release stored
    with Session(engine) as session:
        article = session.exec(select(Article).where(Article.url == site.url("/story"))).one()
        article.url = article.canonical_url = old_key
        for entry in session.exec(select(FeedEntry).where(FeedEntry.article_id == article.id)):
            entry.key = old_key
            session.add(entry)
        session.add(article)
        session.commit()
    run_cycle(runtime)  # feed A lists it again: not new
    site.pages["/b"] = feed({"link": site.url("/story?CMP=share")}, {"link": site.url("/earlier")})
    run_cycle(runtime)  # feed B lists it for the first time: the same article, no second post
    run_cycle(runtime)
    assert len(sent(engine)) == 1
    with Session(engine) as session:
        assert len(session.exec(select(Article).where(Article.url.like("%story%"))).all()) == 1


@pytest.mark.parametrize("url, expected", [
    ("https://n.example/a?CMP=share_btn_tw&page=2", "https://n.example/a?page=2"),
    ("https://n.example/a?xtor=RSS-8&id=7", "https://n.example/a?id=7"),
    ("https://n.example/a?ns_mchannel=rss&ns_source=PublicRSS20-sa", "https://n.example/a"),
    ("https://n.example/a?at_medium=RSS&at_custom1=x&at_campaign=y", "https://n.example/a"),
    ("https://n.example/a?gclid=1&mc_cid=2&mc_eid=3&utm_source=x", "https://n.example/a"),
    ("https://n.example/a?q=ns&at=5&cmpx=1", "https://n.example/a?at=5&cmpx=1&q=ns"),
])
def test_tracking_parameters_are_not_part_of_a_storys_identity(url, expected):
    from distributor.sources import normalise_url

    assert normalise_url(url) == expected


@pytest.mark.parametrize("canonical", [True, False], ids=["self-canonical", "no-canonical"])
def test_the_same_story_with_or_without_its_trailing_slash_is_posted_once(make_runtime, site, engine, canonical):
    """A CMS whose permalinks gain (or lose) their trailing slash lists every recent story again."""
    runtime = make_runtime([{"url": "/a", "accounts": ["web"]}], [{"name": "web"}])
    site.pages["/a"] = feed({"link": site.url("/earlier")})
    run_cycle(runtime)  # the baseline
    for path in ("/story", "/story/"):  # each page names itself as canonical, or names nothing
        if canonical:
            page(site, path, "Ferry vote passes")
        else:
            site.pages[path] = bare_page("Ferry vote passes")
    site.pages["/a"] = feed({"link": site.url("/story")}, {"link": site.url("/earlier")})
    run_cycle(runtime)
    site.pages["/a"] = feed({"link": site.url("/story/")}, {"link": site.url("/earlier")})
    run_cycle(runtime)
    run_cycle(runtime)
    assert [(account, link) for account, _, link in sent(engine)] == [("web", site.url("/story"))]


def test_a_story_whose_link_moved_to_https_is_posted_once(make_runtime, site, engine):
    """A site moving to https rewrites every link in its feed (its guids too): the stories it
    lists again are the ones already posted."""
    runtime = make_runtime([{"url": "/a", "accounts": ["web"]}], [{"name": "web"}])
    site.pages["/a"] = feed({"link": site.url("/earlier")})
    run_cycle(runtime)
    page(site, "/story", "Ferry vote passes")
    site.pages["/a"] = feed({"link": site.url("/story")}, {"link": site.url("/earlier")})
    run_cycle(runtime)
    moved = site.url("/story").replace("http://", "https://")
    site.pages["/a"] = feed({"link": moved}, {"link": site.url("/earlier").replace("http://", "https://")})
    run_cycle(runtime)
    assert [(account, link) for account, _, link in sent(engine)] == [("web", site.url("/story"))]
    with Session(engine) as session:  # no second article (which would be read and posted)
        assert [a.url for a in session.exec(select(Article).where(Article.url.like("%story%")))] == [
            site.url("/story")]


def test_a_canonical_that_moved_to_https_names_the_same_story():
    from distributor.sources.items import other_spellings

    assert set(other_spellings("https://n.example/2026/ferry-vote")) == {
        "http://n.example/2026/ferry-vote", "https://n.example/2026/ferry-vote/", "http://n.example/2026/ferry-vote/"}
    assert set(other_spellings("http://n.example/")) == {"https://n.example/"}  # the home page keeps its slash
    assert other_spellings("urn:story:1") == []


# --- 7. a post waiting for an editor does not take its account's pacing slot


def test_a_post_waiting_for_an_editor_does_not_delay_the_automatic_posts_behind_it(make_runtime, site, engine):
    from distributor import posts
    from distributor.pipeline import dispatch_step

    runtime = make_runtime([{"url": "/a", "accounts": ["web"]}], [{"name": "web", "min_gap_minutes": 30}])
    site.pages["/a"] = feed({"link": site.url("/earlier")})
    run_cycle(runtime)
    account = runtime.settings.accounts[0]
    with Session(engine) as session:  # an editor's post, held for approval, at the account's next slot
        held = posts.create_post(session, account.model_copy(update={"require_approval": True}),
                                 text="Held for an editor", next_slot=True, actor="editor")
        held_id = held.id
        session.commit()
    page(site, "/story", "Ferry vote passes")
    site.pages["/a"] = feed({"link": site.url("/story")}, {"link": site.url("/earlier")})
    run_cycle(runtime)
    assert [account for account, _, _ in sent(engine)] == ["web"]  # out now, not 30 minutes behind the held post
    with Session(engine) as session:
        posts.approve(session, held_id, "editor")
        session.commit()
    dispatch_step(runtime)
    with Session(engine) as session:  # approved, but the account posted a moment ago: it waits for the gap
        assert session.get(Post, held_id).state == PostState.queued
        assert len(session.exec(select(Post).where(Post.state == PostState.sent)).all()) == 1


# --- 3. a feed removed from the configuration and added again later


def test_a_feed_added_again_does_not_post_what_it_published_while_it_was_away(make_runtime, site, engine):
    both = [{"url": "/a", "accounts": ["web"]}, {"url": "/b", "accounts": ["web"]}]
    runtime = make_runtime(both, [{"name": "web"}])
    site.pages["/a"] = feed({"link": site.url("/a-earlier")})
    site.pages["/b"] = feed({"link": site.url("/b-earlier")})
    run_cycle(runtime)  # both baselines
    run_cycle(make_runtime(both[:1], [{"name": "web"}]))  # feed B is taken out of the configuration
    away(engine, "/b", 49)  # for longer than max_age_hours (48)
    for path in ("/b-1", "/b-2", "/b-3", "/b-4"):
        page(site, path, f"Story {path}")
    site.pages["/b"] = feed(*({"link": site.url(p), "when": NOW - timedelta(hours=2)}
                              for p in ("/b-1", "/b-2", "/b-3")), {"link": site.url("/b-earlier")})
    run_cycle(runtime)  # ... and put back: what it published meanwhile is its back catalogue
    assert sent(engine) == []
    site.pages["/b"] = feed({"link": site.url("/b-4")}, *({"link": site.url(p), "when": NOW - timedelta(hours=2)}
                                                          for p in ("/b-1", "/b-2", "/b-3")))
    run_cycle(runtime)  # a story published after it came back is new
    assert [link for _, _, link in sent(engine)] == [site.url("/b-4")]


def test_a_feed_added_again_posts_its_backfill_and_nothing_seen_before(make_runtime, site, engine):
    runtime = make_runtime([{"url": "/a", "accounts": ["web"], "backfill": 1}], [{"name": "web"}])
    page(site, "/story", "Seen before")
    site.pages["/a"] = feed({"link": site.url("/story")})
    run_cycle(runtime)  # its baseline: backfill 1 posts the newest item
    assert len(sent(engine)) == 1
    run_cycle(make_runtime([], [{"name": "web"}]))  # removed
    away(engine, "/a", 49)
    page(site, "/later", "Published while away")
    site.pages["/a"] = feed({"link": site.url("/later")}, {"link": site.url("/story"), "when": NOW - timedelta(hours=1)})
    run_cycle(runtime)  # back: backfill takes the newest item, the one posted already is not posted again
    run_cycle(runtime)
    assert [link for _, _, link in sent(engine)] == [site.url("/story"), site.url("/later")]


# --- 4. a poll longer than the feed lease keeps it: a second worker does not poll the feed too


def test_a_poll_that_outlasts_the_feed_lease_keeps_it_from_a_second_worker(engine, monkeypatch, tmp_path):
    import threading
    import time

    from distributor import pipeline
    from distributor.config import Settings
    from distributor.pipeline import Runtime, discover, sync_configuration
    from tests.newsroom import Site

    class SlowSite(Site):
        """Answers the feed after ``delay`` seconds: a huge feed that takes long to read."""

        delay = 0.0

        def page(self, path):
            if path == "/feed":
                time.sleep(self.delay)
            return super().page(path)

    monkeypatch.setattr(pipeline, "FEED_LEASE", timedelta(seconds=3))
    with SlowSite() as slow:
        slow.pages["/feed"] = feed({"link": slow.url("/earlier")})
        settings = Settings(fetch={"allow_private_networks": True, "timeout_seconds": 10},
                            feeds=[{"url": slow.url("/feed")}], accounts=[{"name": "web", "platform": "dryrun"}],
                            templates_dir=str(tmp_path), config_dir=str(tmp_path))
        first, second = Runtime(settings, engine), Runtime(settings, engine)
        assert first.worker_id != second.worker_id
        sync_configuration(first)
        slow.delay = 6.0
        done = []
        worker = threading.Thread(target=lambda: done.append(discover(first, force=True)))
        worker.start()
        time.sleep(4.0)  # the first worker's original lease has run out; it is still reading the feed
        other = discover(second, force=True)
        worker.join()
    assert slow.requests.count("/feed") == 1
    assert other.skipped == 1 and done[0].failed == 0
    with Session(engine) as session:
        from distributor.models import Feed

        feed_row = session.exec(select(Feed)).one()
        assert feed_row.initialized and feed_row.lease_owner is None


def away(engine, path_end: str, hours: float) -> None:
    """The feed was last polled ``hours`` ago: it stayed out of every configuration that long."""
    from distributor.models import Feed

    with Session(engine) as session:
        for row in session.exec(select(Feed).where(Feed.url.endswith(path_end))):
            row.last_polled_at = row.last_polled_at - timedelta(hours=hours)
            session.add(row)
        session.commit()


def test_a_run_once_with_a_configuration_lacking_a_feed_does_not_make_the_service_miss_its_stories(
        make_runtime, site, engine, caplog):
    """`run --once -c other.toml` (or a second service) whose configuration lacks feed B, while the
    service that has B keeps polling it: B was never away, its next story is posted as ever."""
    import logging

    both = [{"url": "/a", "accounts": ["web"]}, {"url": "/b", "accounts": ["web"]}]
    service = make_runtime(both, [{"name": "web"}])
    site.pages["/a"] = feed({"link": site.url("/a-earlier")})
    site.pages["/b"] = feed({"link": site.url("/b-earlier")})
    run_cycle(service)  # both baselines
    with caplog.at_level(logging.INFO, logger="distributor.pipeline"):
        run_cycle(make_runtime(both[:1], [{"name": "web"}]))  # another configuration, without feed B
    assert any("/b" in r.getMessage() and "not in this configuration" in r.getMessage() for r in caplog.records)
    page(site, "/b-1", "Ferry vote passes")
    site.pages["/b"] = feed({"link": site.url("/b-1")}, {"link": site.url("/b-earlier")})
    run_cycle(service)
    assert [link for _, _, link in sent(engine)] == [site.url("/b-1")]
