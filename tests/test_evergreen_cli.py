"""Evergreen as a user drives it: `run --once` re-shares a post that did well (once, with the
runner-up quote, and it reaches the sandbox), `evergreen list` says why each post is or is not
due, `evergreen run` queues the due ones now, and bad input is one line."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from distributor.db import make_engine
from distributor.models import Account, Article, ArticleState, EngagementSnapshot, Post, PostState, utcnow
from tests.helpers.sandbox_process import sandbox_posts
from tests.test_accounts import X_SECRETS
from tests.test_cli import cli

FIRST = "We will keep the ferries running through the night for as long as people need them"
SECOND = "Nobody should have to choose between a late shift and a safe journey home again"
QUOTES = [{"text": FIRST, "speaker": "Maria Okafor", "score": 9.0, "confidence": 0.9},
          {"text": SECOND, "speaker": "Tom Reyes", "score": 7.0, "confidence": 0.9}]


@pytest.fixture
def evergreen_config(tmp_path, database_url, sandbox):
    file = tmp_path / "distributor.toml"
    file.write_text(f'[database]\nurl = "{database_url}"\n'
                    f'[[accounts]]\nname = "x-main"\nplatform = "twitter"\napi_base_url = "{sandbox}"\n'
                    '[accounts.evergreen]\nafter_days = 7\nmin_engagement = 50\nmax_age_days = 30\n'
                    '[[accounts]]\nname = "x-plain"\nplatform = "dryrun"\n')
    return file


def _seed(database_url) -> dict[str, int]:
    """Two stories posted to x-main 8 days ago: one did well (80), one poorly (5); and a young one."""
    engine = make_engine(database_url)
    now = utcnow()
    ids = {}
    with Session(engine) as session:
        session.add(Account(name="x-main", platform="twitter"))
        for slug, days, likes in (("ferries", 8, 80), ("bins", 8, 5), ("bridge", 2, 300)):
            url = f"https://news.example.com/{slug}"
            article = Article(url=url, canonical_url=url, title=f"The {slug} story", state=ArticleState.extracted,
                              pull_quote=FIRST, pull_quote_speaker="Maria Okafor", data={"quotes": QUOTES})
            session.add(article)
            session.flush()
            post = Post(account="x-main", platform="twitter", text=f"{FIRST} {url}", link=url,
                        state=PostState.sent, sent_at=now - timedelta(days=days), article_id=article.id,
                        auto_key=f"auto:{article.id}:x-main", external_id=f"old-{slug}")
            session.add(post)
            session.flush()
            session.add(EngagementSnapshot(post_id=post.id, collected_at=post.sent_at + timedelta(hours=2),
                                           likes=likes))
            ids[slug] = post.id
        session.commit()
    engine.dispose()
    return ids


def _reshares(database_url) -> list[Post]:
    engine = make_engine(database_url)
    with Session(engine) as session:
        found = list(session.exec(select(Post).where(col(Post.auto_key).startswith("evergreen:"))))
    engine.dispose()
    return found


def test_run_once_reshares_the_post_that_did_well_once_with_the_runner_up_quote(evergreen_config, database_url,
                                                                                sandbox):
    ids = _seed(database_url)
    first = cli("run", "--once", config=evergreen_config, env=X_SECRETS)
    assert first.returncode == 0, first.stderr
    assert "evergreen: 1 re-share(s) queued" in first.stdout
    reshares = _reshares(database_url)
    assert [(p.account, p.auto_key, p.link) for p in reshares] == [
        ("x-main", f"evergreen:{ids['ferries']}", "https://news.example.com/ferries")]
    assert SECOND in reshares[0].text and FIRST not in reshares[0].text
    # queued at the account's next slot (now: nothing else waits), so this very cycle sent it
    sent = sandbox_posts(sandbox)
    assert len(sent) == 1 and SECOND in sent[0]["text"] and FIRST not in sent[0]["text"]  # X shortens the link

    again = cli("run", "--once", config=evergreen_config, env=X_SECRETS)
    assert again.returncode == 0, again.stderr
    assert "evergreen: 0 re-share(s) queued" in again.stdout
    assert len(_reshares(database_url)) == 1 and len(sandbox_posts(sandbox)) == 1


def test_list_says_why_and_run_queues_the_due_reshare_once(evergreen_config, database_url):
    ids = _seed(database_url)
    listed = cli("evergreen", "list", "--json", config=evergreen_config)
    assert listed.returncode == 0, listed.stderr
    rows = {row["post_id"]: row for row in json.loads(listed.stdout)}
    assert set(rows) == set(ids.values())
    good, poor, young = rows[ids["ferries"]], rows[ids["bins"]], rows[ids["bridge"]]
    assert (good["status"], good["engagement"], good["quote"]) == ("due", 80, {"text": SECOND, "speaker": "Tom Reyes"})
    assert 7.9 < good["age_days"] < 8.1
    assert poor["status"] == "did not do well enough: 5 < 50"
    assert young["status"].startswith("too soon: due in 5.")
    table = cli("evergreen", "list", config=evergreen_config, env={"COLUMNS": "200"})  # a wide terminal
    assert table.returncode == 0 and "Tom Reyes" in table.stdout and "did not do well enough" in table.stdout

    ran = cli("evergreen", "run", config=evergreen_config)
    assert ran.returncode == 0, ran.stderr
    assert "1 re-share(s) queued" in ran.stdout and "for x-main" in ran.stdout
    reshares = _reshares(database_url)
    assert len(reshares) == 1 and reshares[0].state == PostState.queued and SECOND in reshares[0].text
    assert "0 re-share(s) queued" in cli("evergreen", "run", config=evergreen_config).stdout
    assert len(_reshares(database_url)) == 1
    after = {row["post_id"]: row["status"] for row in json.loads(cli("evergreen", "list", "--json",
                                                                     config=evergreen_config).stdout)}
    assert after[ids["ferries"]] == "already re-shared"
    assert json.loads(cli("evergreen", "list", "--due", "--json", config=evergreen_config).stdout) == []


@pytest.mark.parametrize("args, expected", [
    (("evergreen", "list", "--account", "nobody"), "nobody"),
    (("evergreen", "run", "--account", "x-plain"), "account x-plain has no evergreen rule"),
    (("evergreen", "run", "--json", "--account"), "--account"),
    (("evergreen", "list", "--due=maybe"), "--due"),
])
def test_bad_input_is_one_line_and_changes_nothing(evergreen_config, database_url, args, expected):
    _seed(database_url)
    result = cli(*args, config=evergreen_config)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and result.stderr.strip().count("\n") == 0
    assert expected in result.stderr
    assert _reshares(database_url) == []


def test_without_any_rule_it_says_how_to_add_one(tmp_path, database_url):
    file = tmp_path / "distributor.toml"
    file.write_text(f'[database]\nurl = "{database_url}"\n[[accounts]]\nname = "x-main"\nplatform = "twitter"\n')
    result = cli("evergreen", "list", config=file)
    assert result.returncode == 1 and result.stderr.strip().count("\n") == 0
    assert "no account has an evergreen rule" in result.stderr and "[accounts.evergreen]" in result.stderr
