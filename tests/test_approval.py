"""The approval workflow: approve, or send back with a reason; ``[desk] approval`` enforced
in posts.approve, the one function the CLI, the API and the desk call."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from distributor import posts, users
from distributor.config import AccountSettings, Settings
from distributor.errors import InvalidInput, InvalidTransition
from distributor.models import PostState
from distributor.web import create_app

GATED = AccountSettings(name="fb-desk", platform="facebook", page_id="1", require_approval=True)


def test_other_editor_rule_refuses_the_author_and_lets_a_colleague_approve(session):
    post = posts.create_post(session, GATED, text="Ferry strike ends", actor="ana@desk")
    with pytest.raises(posts.NotAllowed, match="another editor must approve it"):
        posts.approve(session, post.id, "ana@desk", approval="other_editor")
    assert post.state is PostState.awaiting_approval
    posts.approve(session, post.id, "ben@desk", approval="other_editor")
    assert post.state is PostState.queued


def test_anyone_rule_lets_the_author_approve(session):
    post = posts.create_post(session, GATED, text="Ferry strike ends", actor="ana@desk")
    posts.approve(session, post.id, "ana@desk", approval="anyone")
    assert post.state is PostState.queued


def test_send_back_goes_to_draft_with_the_reason_and_can_be_resubmitted(session):
    post = posts.create_post(session, GATED, text="Ferry strike ends", actor="ana@desk")
    with pytest.raises(InvalidInput):
        posts.send_back(session, post.id, "ben@desk", "   ")
    posts.send_back(session, post.id, "ben@desk", "Name the ferry line, please")
    assert post.state is PostState.draft
    event = posts.last_sent_back(session, [post.id])[post.id]
    assert (event.actor, event.reason) == ("ben@desk", "sent back: Name the ferry line, please")
    with pytest.raises(InvalidTransition):
        posts.send_back(session, post.id, "ben@desk", "again")  # a draft is not awaiting approval
    posts.edit(session, post.id, text="Island ferry strike ends", actor="ana@desk")
    posts.submit(session, post.id, "ana@desk")
    assert post.state is PostState.awaiting_approval


@pytest.fixture
def gated_settings():
    return Settings(accounts=[{"name": "fb-desk", "platform": "facebook", "page_id": "1", "require_approval": True}],
                    desk={"approval": "other_editor"})


def test_the_api_refuses_self_approval_and_sends_back_with_a_reason(engine, gated_settings):
    with Session(engine) as session:
        users.add_user(session, "ana@desk", "a long password", "editor")
        users.add_user(session, "ben@desk", "a long password", "editor")
        ana, ben = users.create_token(session, "ana@desk"), users.create_token(session, "ben@desk")
        post = posts.create_post(session, gated_settings.account("fb-desk"), text="Ferry", actor="ana@desk")
        other = posts.create_post(session, gated_settings.account("fb-desk"), text="Bridge", actor="ana@desk")
        session.commit()
        post_id, other_id = post.id, other.id
    app = create_app(gated_settings, engine)
    as_ana = TestClient(app, headers={"Authorization": f"Bearer {ana}"})
    as_ben = TestClient(app, headers={"Authorization": f"Bearer {ben}"})
    refused = as_ana.post(f"/api/posts/{post_id}/approve")
    assert refused.status_code == 403 and "another editor" in refused.json()["detail"]
    assert as_ben.post(f"/api/posts/{post_id}/approve").json()["state"] == "queued"
    assert as_ben.post(f"/api/posts/{other_id}/reject", json={}).status_code == 422
    assert as_ben.post(f"/api/posts/{other_id}/reject", json={"reason": " "}).status_code == 422
    back = as_ben.post(f"/api/posts/{other_id}/reject", json={"reason": "Which bridge?"})
    assert back.status_code == 200 and back.json()["state"] == "draft"
    assert back.json()["history"][-1]["reason"] == "sent back: Which bridge?"
    assert as_ben.post(f"/api/posts/{other_id}/reject", json={"reason": "x"}).status_code == 409


def test_the_cli_obeys_the_same_rule(tmp_path):
    from tests.test_cli import cli

    config = tmp_path / "distributor.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "d.db"}"\n[desk]\napproval = "other_editor"\n'
                      '[[accounts]]\nname = "fb-desk"\nplatform = "dryrun"\nrequire_approval = true\n')
    added = cli("queue", "add", "--account", "fb-desk", "--text", "Ferry", config=config)
    assert added.returncode == 0, added.stderr
    refused = cli("queue", "approve", added.stdout.strip(), config=config)
    assert refused.returncode == 1 and "another editor must approve it" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1


def test_other_editor_rule_counts_an_editor_who_rewrote_the_post_as_its_author(session):
    """ben rewrites ana's post, then approves it: nobody but ben has read the text that goes out."""
    post = posts.create_post(session, GATED, text="Ferry strike ends", actor="ana@desk")
    posts.send_back(session, post.id, "ben@desk", "Name the ferry line")
    posts.edit(session, post.id, text="Buy our ferry tickets now", actor="ben@desk")
    posts.submit(session, post.id, "ben@desk")
    with pytest.raises(posts.NotAllowed, match="another editor must approve it"):
        posts.approve(session, post.id, "ben@desk", approval="other_editor")
    assert post.state is PostState.awaiting_approval
    posts.reschedule(session, post.id, post.scheduled_at, "cy@desk")  # a new time is not a new text
    posts.approve(session, post.id, "cy@desk", approval="other_editor")
    assert post.state is PostState.queued


def test_other_editor_rule_refuses_approving_at_creation(session):
    with pytest.raises(posts.NotAllowed, match="another editor must approve it"):
        posts.create_post(session, GATED, text="Ferry strike ends", approve=True, actor="ana@desk",
                          approval="other_editor")
    post = posts.create_post(session, GATED, text="Ferry strike ends", approve=True, actor="ana@desk")
    assert post.state is PostState.queued  # under "anyone" the author may skip the step


def test_the_api_and_the_compose_page_refuse_approve_now_under_other_editor(engine, gated_settings):
    """"Approve now" is the author approving their own post: the other_editor rule refuses it at every door."""
    from sqlmodel import select

    from distributor.models import Post
    from tests.helpers.desk import log_in

    with Session(engine) as session:
        users.add_user(session, "ana@desk", "a long password", "editor")
        token = users.create_token(session, "ana@desk")
        session.commit()
    app = create_app(gated_settings, engine)
    api = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    refused = api.post("/api/posts", json={"account": "fb-desk", "text": "Ferry", "approve": True})
    assert refused.status_code == 403 and "another editor must approve it" in refused.json()["detail"]
    desk = TestClient(app)
    csrf = log_in(desk, "ana@desk", "a long password")
    form = {"csrf_token": csrf, "draft_accounts": "fb-desk", "include_fb-desk": "on", "text_fb-desk": "Ferry",
            "image_fb-desk": "none", "when": "now", "approve": "on"}
    page = desk.post("/compose", data=form, follow_redirects=False)
    assert page.status_code == 400 and "another editor must approve it" in page.text
    with Session(engine) as session:
        assert session.exec(select(Post)).all() == []
    assert api.post("/api/posts", json={"account": "fb-desk", "text": "Ferry"}).json()["state"] == "awaiting_approval"


def test_the_cli_refuses_approve_now_under_other_editor(tmp_path):
    from tests.test_cli import cli

    config = tmp_path / "distributor.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "d.db"}"\n[desk]\napproval = "other_editor"\n'
                      '[[accounts]]\nname = "fb-desk"\nplatform = "dryrun"\nrequire_approval = true\n')
    refused = cli("queue", "add", "--account", "fb-desk", "--text", "Ferry", "--approve", config=config)
    assert refused.returncode == 1 and "another editor must approve it" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert cli("queue", "list", config=config).stdout.count("Ferry") == 0


def test_an_approved_post_changed_by_its_author_on_the_desk_needs_approval_again(engine, gated_settings):
    """ana has ben approve one text, then edits the queued post: the new text must not go out unread."""
    from sqlmodel import select

    from distributor.models import Post
    from tests.helpers.desk import log_in

    with Session(engine) as session:
        for email in ("ana@desk", "ben@desk"):
            users.add_user(session, email, "a long password", "editor")
        post = posts.create_post(session, gated_settings.account("fb-desk"), text="Ferry strike ends", actor="ana@desk")
        posts.approve(session, post.id, "ben@desk", approval="other_editor")
        session.commit()
        post_id = post.id
    desk = TestClient(create_app(gated_settings, engine))
    csrf = log_in(desk, "ana@desk", "a long password")
    edited = desk.post(f"/posts/{post_id}/edit", data={"csrf_token": csrf, "text": "Buy our ferry tickets now"},
                       follow_redirects=False)
    assert edited.status_code == 303
    with Session(engine) as session:
        stored = session.exec(select(Post).where(Post.id == post_id)).one()
        assert (stored.text, stored.state) == ("Buy our ferry tickets now", PostState.awaiting_approval)
    refused = desk.post(f"/posts/{post_id}/approve", data={"csrf_token": csrf}, follow_redirects=True)
    assert "another editor must approve it" in refused.text
    with Session(engine) as session:
        assert session.get(Post, post_id).state is PostState.awaiting_approval


def test_an_approved_post_that_failed_and_was_changed_needs_approval_before_it_is_retried(session):
    post = posts.create_post(session, GATED, text="Ferry strike ends", actor="ana@desk")
    posts.approve(session, post.id, "ben@desk", approval="other_editor")
    post.state, post.attempts, post.error = PostState.failed, 3, "Facebook refused the link"
    session.flush()
    posts.edit(session, post.id, text="Buy our ferry tickets now", actor="ana@desk", approval="other_editor")
    assert post.state is PostState.awaiting_approval
    with pytest.raises(InvalidTransition):
        posts.retry(session, post.id, "ana@desk")  # only a failed post is retried: this one waits for a colleague
    posts.approve(session, post.id, "cy@desk", approval="other_editor")
    assert (post.state, post.attempts, post.error) == (PostState.queued, 0, None)


def test_under_anyone_an_edit_of_an_approved_post_keeps_it_queued(session):
    post = posts.create_post(session, GATED, text="Ferry strike ends", actor="ana@desk")
    posts.approve(session, post.id, "ben@desk")
    posts.edit(session, post.id, text="Island ferry strike ends", actor="ana@desk")
    assert post.state is PostState.queued


def test_an_author_cannot_approve_their_own_post_once_it_was_sent_back(engine, gated_settings):
    """ben sends ana's post back; ana approving the draft herself would overrule him (the API takes any state)."""
    with Session(engine) as session:
        for email in ("ana@desk", "ben@desk"):
            users.add_user(session, email, "a long password", "editor")
        ana = users.create_token(session, "ana@desk")
        post = posts.create_post(session, gated_settings.account("fb-desk"), text="Ferry", actor="ana@desk")
        posts.send_back(session, post.id, "ben@desk", "Which ferry?")
        session.commit()
        post_id = post.id
    as_ana = TestClient(create_app(gated_settings, engine), headers={"Authorization": f"Bearer {ana}"})
    refused = as_ana.post(f"/api/posts/{post_id}/approve")
    assert refused.status_code == 403 and "another editor must approve it" in refused.json()["detail"]
    assert as_ana.get(f"/api/posts/{post_id}").json()["state"] == "draft"


def test_an_approval_is_of_the_text_the_approver_read_not_of_one_changed_since(engine, gated_settings):
    """ben opens ana's post and reads it; ana rewrites it meanwhile; ben's click must not approve the new
    text he never saw: the desk says it changed, and his approval once he has read it goes through."""
    import re

    from distributor.models import Post
    from tests.helpers.desk import log_in

    with Session(engine) as session:
        for email in ("ana@desk", "ben@desk"):
            users.add_user(session, email, "a long password", "editor")
        post = posts.create_post(session, gated_settings.account("fb-desk"), text="Ferry strike ends", actor="ana@desk")
        session.commit()
        post_id = post.id
    ben = TestClient(create_app(gated_settings, engine))
    csrf = log_in(ben, "ben@desk", "a long password")
    page = ben.get(f"/posts/{post_id}").text
    form = re.search(r'<form method="post" action="/posts/\d+/approve">(.*?)</form>', page, re.S).group(1)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    assert fields["csrf_token"] == csrf
    with Session(engine) as session:  # ana, on her own desk, a minute later
        posts.edit(session, post_id, text="Buy our ferry tickets now", actor="ana@desk", approval="other_editor")
        session.commit()
    refused = ben.post(f"/posts/{post_id}/approve", data=fields, follow_redirects=True)
    assert "changed since you opened it" in refused.text
    with Session(engine) as session:
        assert session.get(Post, post_id).state is PostState.awaiting_approval
    form = re.search(r'<form method="post" action="/posts/\d+/approve">(.*?)</form>', refused.text, re.S).group(1)
    approved = ben.post(f"/posts/{post_id}/approve", data=dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form)),
                        follow_redirects=False)
    assert approved.status_code == 303
    with Session(engine) as session:
        stored = session.get(Post, post_id)
        assert (stored.state, stored.text) == (PostState.queued, "Buy our ferry tickets now")


def test_an_approval_is_of_the_time_the_approver_read_not_of_one_moved_since(engine, gated_settings):
    """ana moves the post ben has open to another time (an embargo lifted, a slot taken): ben's click
    must not approve a post going out when he did not read it would."""
    import re
    from datetime import timedelta

    from distributor.models import Post, utcnow
    from tests.helpers.desk import log_in

    with Session(engine) as session:
        for email in ("ana@desk", "ben@desk"):
            users.add_user(session, email, "a long password", "editor")
        post = posts.create_post(session, gated_settings.account("fb-desk"), text="Ferry strike ends", actor="ana@desk")
        session.commit()
        post_id = post.id
    ben = TestClient(create_app(gated_settings, engine))
    log_in(ben, "ben@desk", "a long password")
    page = ben.get(f"/posts/{post_id}").text
    form = re.search(r'<form method="post" action="/posts/\d+/approve">(.*?)</form>', page, re.S).group(1)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    with Session(engine) as session:
        posts.reschedule(session, post_id, utcnow() + timedelta(days=2), "ana@desk")
        session.commit()
    refused = ben.post(f"/posts/{post_id}/approve", data=fields, follow_redirects=True)
    assert "changed since you opened it" in refused.text
    with Session(engine) as session:
        assert session.get(Post, post_id).state is PostState.awaiting_approval


def test_an_api_approval_carrying_the_digest_read_is_refused_when_the_post_changed_since(engine, gated_settings):
    """ben's script reads ana's post (GET: its digest, also its ETag); ana rewrites it; approving with the
    digest read (in the body, or as If-Match) approves nothing and says why; with the new digest it goes
    through. Without a digest the API approves as it always did."""
    from distributor.models import Post

    with Session(engine) as session:
        for email in ("ana@desk", "ben@desk"):
            users.add_user(session, email, "a long password", "editor")
        ben = users.create_token(session, "ben@desk")
        post = posts.create_post(session, gated_settings.account("fb-desk"), text="Ferry strike ends", actor="ana@desk")
        other = posts.create_post(session, gated_settings.account("fb-desk"), text="Bridge shut", actor="ana@desk")
        session.commit()
        post_id, other_id = post.id, other.id
    as_ben = TestClient(create_app(gated_settings, engine), headers={"Authorization": f"Bearer {ben}"})
    read = as_ben.get(f"/api/posts/{post_id}")
    digest = read.json()["digest"]
    assert digest and read.headers["ETag"] == f'"{digest}"'
    with Session(engine) as session:  # ana, on her own desk, a minute later
        posts.edit(session, post_id, text="Buy our ferry tickets now", actor="ana@desk", approval="other_editor")
        session.commit()
    refused = as_ben.post(f"/api/posts/{post_id}/approve", json={"digest": digest})
    assert refused.status_code == 409 and "changed since you opened it" in refused.json()["detail"]
    precondition = as_ben.post(f"/api/posts/{post_id}/approve", headers={"If-Match": f'"{digest}"'})
    assert precondition.status_code == 412 and "changed since you read it" in precondition.json()["detail"]
    with Session(engine) as session:
        assert session.get(Post, post_id).state is PostState.awaiting_approval
    fresh = as_ben.get(f"/api/posts/{post_id}").json()
    assert fresh["text"] == "Buy our ferry tickets now"
    approved = as_ben.post(f"/api/posts/{post_id}/approve", json={"digest": fresh["digest"]})
    assert approved.status_code == 200 and approved.json()["state"] == "queued"
    assert as_ben.post(f"/api/posts/{other_id}/approve").json()["state"] == "queued"  # no digest: as before
    with Session(engine) as session:
        assert session.get(Post, other_id).state is PostState.queued
