"""The post state machine and queue operations, on every database."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from distributor import posts
from distributor.config import AccountSettings
from distributor.errors import InvalidTransition, NotFound
from distributor.models import Account, Post, PostState

X = AccountSettings(name="x-main", platform="twitter")
GATED = AccountSettings(name="fb-desk", platform="facebook", page_id="1", require_approval=True)


def states(session, post_id):
    return [(e.from_state, e.to_state) for e in posts.history(session, post_id)]


def test_a_new_post_is_queued_and_its_account_row_exists(session):
    post = posts.create_post(session, X, text="Budget passes", link="https://news.example/budget", actor="ana")
    session.commit()
    assert post.state is PostState.queued
    assert session.get(Account, "x-main").platform == "twitter"
    [event] = posts.history(session, post.id)
    assert (event.from_state, event.to_state, event.actor) == (None, "queued", "ana")


def test_an_account_that_requires_approval_holds_posts_until_approved(session):
    post = posts.create_post(session, GATED, text="Storm warning")
    assert post.state is PostState.awaiting_approval
    posts.approve(session, post.id, actor="editor@desk")
    session.commit()
    assert posts.get_post(session, post.id).state is PostState.queued
    assert states(session, post.id) == [(None, "awaiting_approval"), ("awaiting_approval", "queued")]
    assert posts.history(session, post.id)[-1].actor == "editor@desk"


def test_approve_at_creation_skips_the_approval_step(session):
    post = posts.create_post(session, GATED, text="Storm warning", approve=True)
    assert post.state is PostState.queued


def test_approving_a_queued_post_is_refused_with_a_clear_message(session):
    post = posts.create_post(session, X, text="Already queued")
    with pytest.raises(InvalidTransition, match=r"is queued: it cannot become queued"):
        posts.approve(session, post.id, actor="ana")


def test_cancel_before_sending_and_never_after(session):
    queued = posts.create_post(session, X, text="one")
    posts.cancel(session, queued.id, actor="ana")
    assert queued.state is PostState.cancelled
    with pytest.raises(InvalidTransition):
        posts.approve(session, queued.id, actor="ana")

    sending = posts.create_post(session, X, text="two")
    sending.state = PostState.sending  # as a worker would have it
    session.flush()
    with pytest.raises(InvalidTransition, match="is sending"):
        posts.cancel(session, sending.id, actor="ana")
    session.commit()
    assert posts.get_post(session, sending.id).state is PostState.sending


def test_retry_requeues_a_failed_post_with_fresh_attempts(session):
    post = posts.create_post(session, X, text="too long")
    post.state, post.attempts, post.error = PostState.failed, 8, "gave up"
    session.flush()
    posts.retry(session, post.id, actor="ana")
    session.commit()
    post = posts.get_post(session, post.id)
    assert (post.state, post.attempts, post.error) == (PostState.queued, 0, None)
    assert "gave up" in posts.history(session, post.id)[-1].reason


def test_only_a_failed_post_can_be_retried(session):
    post = posts.create_post(session, X, text="fine")
    with pytest.raises(InvalidTransition, match="only a failed post"):
        posts.retry(session, post.id, actor="ana")


def test_edit_changes_the_post_and_says_what_changed(session):
    post = posts.create_post(session, X, text="Typo in hedline")
    posts.edit(session, post.id, text="Typo in headline", link="https://news.example/x", actor="ana")
    session.commit()
    post = posts.get_post(session, post.id)
    assert (post.text, post.link) == ("Typo in headline", "https://news.example/x")
    assert posts.history(session, post.id)[-1].reason == "edited: text, link"


def test_a_sent_post_cannot_be_edited_or_rescheduled(session):
    post = posts.create_post(session, X, text="out")
    post.state = PostState.sent
    session.flush()
    with pytest.raises(InvalidTransition, match="can no longer be edited"):
        posts.edit(session, post.id, text="changed", actor="ana")
    with pytest.raises(InvalidTransition, match="can no longer be rescheduled"):
        posts.reschedule(session, post.id, datetime(2030, 1, 1, tzinfo=UTC), actor="ana")
    assert posts.get_post(session, post.id).text == "out"


def test_reschedule_moves_the_time_and_reads_naive_times_in_the_given_zone(session):
    post = posts.create_post(session, X, text="later")
    posts.reschedule(session, post.id, datetime(2030, 7, 1, 9, 0), actor="ana", zone="Europe/Berlin")
    session.commit()
    assert posts.get_post(session, post.id).scheduled_at == datetime(2030, 7, 1, 7, 0, tzinfo=UTC)


def test_unknown_ids_raise_not_found(session):
    for operation in (posts.approve, posts.cancel, posts.retry):
        with pytest.raises(NotFound, match="no post with id 999"):
            operation(session, 999, actor="ana")
    with pytest.raises(NotFound):
        posts.history(session, 999)


def test_an_auto_key_posts_an_article_once_per_account(session):
    posts.create_post(session, X, text="a", auto_key="auto:1:x-main:twitter.j2")
    session.commit()
    with pytest.raises(IntegrityError):
        posts.create_post(session, X, text="a again", auto_key="auto:1:x-main:twitter.j2")
    session.rollback()
    assert len(posts.list_posts(session, account="x-main")) == 1


def test_list_posts_filters_by_state_and_account(session):
    a = posts.create_post(session, X, text="a")
    b = posts.create_post(session, GATED, text="b")
    posts.create_post(session, X, text="c")
    posts.cancel(session, a.id, actor="ana")
    session.commit()
    assert [p.text for p in posts.list_posts(session, account="x-main")] == ["c", "a"]
    assert [p.id for p in posts.list_posts(session, state="awaiting_approval")] == [b.id]
    assert [p.text for p in posts.list_posts(session, state=PostState.queued)] == ["c"]


def test_history_tells_the_whole_story(session):
    post = posts.create_post(session, GATED, text="v1", actor="ana")
    posts.edit(session, post.id, text="v2", actor="ben")
    posts.approve(session, post.id, actor="cho")
    posts.cancel(session, post.id, actor="ana")
    session.commit()
    story = [(e.from_state, e.to_state, e.actor) for e in posts.history(session, post.id)]
    assert story == [
        (None, "awaiting_approval", "ana"),
        ("awaiting_approval", "awaiting_approval", "ben"),
        ("awaiting_approval", "queued", "cho"),
        ("queued", "cancelled", "ana"),
    ]
    times = [e.at for e in posts.history(session, post.id)]
    assert times == sorted(times)


# --------------------------------------------------------------------------- slots, pacing, quiet hours

T0 = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)


def test_next_slot_keeps_the_gap_after_the_last_scheduled_post(session):
    paced = AccountSettings(name="x-paced", platform="twitter", min_gap_minutes=10)
    first = posts.create_post(session, paced, text="one", at=T0)
    assert first.scheduled_at == T0
    assert posts.next_slot(session, paced, T0) == T0 + timedelta(minutes=10)
    slots = []
    for i in range(3):
        slots.append(posts.create_post(session, paced, text=f"story {i}", at=posts.next_slot(session, paced, T0)).scheduled_at)
    assert slots == [T0 + timedelta(minutes=10 * i) for i in (1, 2, 3)]


def test_a_post_queued_far_ahead_does_not_push_the_next_slot_behind_it(session):
    paced = AccountSettings(name="x-paced", platform="twitter", min_gap_minutes=10)
    christmas = datetime(2030, 12, 20, 9, 0, tzinfo=UTC)
    posts.create_post(session, paced, text="Christmas appeal", at=christmas)
    assert posts.next_slot(session, paced, T0) == T0
    # and the appeal's own neighbourhood is kept free on both sides
    assert posts.next_slot(session, paced, christmas - timedelta(minutes=5)) == christmas + timedelta(minutes=10)


def test_next_slot_keeps_the_gap_before_a_later_post_too(session):
    paced = AccountSettings(name="x-paced", platform="twitter", min_gap_minutes=10)
    posts.create_post(session, paced, text="soon", at=T0 + timedelta(minutes=5))
    posts.create_post(session, paced, text="later", at=T0 + timedelta(minutes=40))
    # T0 is only 5 minutes before "soon"; the first free time is 10 minutes after it,
    # well before "later" (the hole between them is used, not the end of the queue)
    assert posts.next_slot(session, paced, T0) == T0 + timedelta(minutes=15)
    posts.create_post(session, paced, text="filler", at=T0 + timedelta(minutes=15))
    posts.create_post(session, paced, text="filler 2", at=T0 + timedelta(minutes=25))
    # 25 + 10 = 35 is only 5 minutes before "later": the slot is after it
    assert posts.next_slot(session, paced, T0) == T0 + timedelta(minutes=50)


def test_next_slot_walks_past_many_posts_and_quiet_hours(session):
    paced = AccountSettings(name="x-paced", platform="twitter", min_gap_minutes=10, quiet_hours=(22, 7))
    evening = datetime(2030, 3, 4, 18, 0, tzinfo=UTC)
    posts.ensure_account(session, paced)
    for i in range(300):  # every 10 minutes for 50 hours: more than one page of occupied times
        session.add(Post(account="x-paced", platform="twitter", text=f"p{i}", state=PostState.queued,
                         scheduled_at=evening + timedelta(minutes=10 * i)))
    session.flush()
    assert posts.next_slot(session, paced, evening) == evening + timedelta(minutes=3000)
    at_night = session.exec(select(Post).where(Post.text == "p30")).one()  # 23:00, quiet hours anyway
    posts.cancel(session, at_night.id, actor="ana")
    assert posts.next_slot(session, paced, evening) == evening + timedelta(minutes=3000)
    next_morning = session.exec(select(Post).where(Post.text == "p100")).one()  # 10:40 the next day
    posts.cancel(session, next_morning.id, actor="ana")
    assert posts.next_slot(session, paced, evening) == datetime(2030, 3, 5, 10, 40, tzinfo=UTC)


def test_next_slot_counts_sent_posts_and_ignores_cancelled_ones(session):
    paced = AccountSettings(name="x-paced", platform="twitter", min_gap_minutes=15)
    sent = posts.create_post(session, paced, text="out", at=T0)
    sent.state, sent.sent_at = PostState.sent, T0 + timedelta(minutes=2)
    dropped = posts.create_post(session, paced, text="dropped", at=T0 + timedelta(hours=5))
    posts.cancel(session, dropped.id, actor="ana")
    session.flush()
    assert posts.next_slot(session, paced, T0) == T0 + timedelta(minutes=17)
    # a time well after the gap is free as it is
    assert posts.next_slot(session, paced, T0 + timedelta(hours=1)) == T0 + timedelta(hours=1)


def test_next_slot_skips_quiet_hours_in_the_accounts_time_zone(session):
    night = AccountSettings(name="x-night", platform="twitter", quiet_hours=(23, 6), timezone="America/New_York")
    # 2030-03-04 04:30 UTC is 23:30 in New York (EST, UTC-5): quiet until 06:00 local = 11:00 UTC
    assert posts.next_slot(session, night, datetime(2030, 3, 4, 4, 30, tzinfo=UTC)) == datetime(2030, 3, 4, 11, 0, tzinfo=UTC)
    # 03:00 local (08:00 UTC) is quiet too; the same morning's 06:00 is the answer
    assert posts.next_slot(session, night, datetime(2030, 3, 4, 8, 0, tzinfo=UTC)) == datetime(2030, 3, 4, 11, 0, tzinfo=UTC)
    # 12:00 local is fine
    assert posts.next_slot(session, night, datetime(2030, 3, 4, 17, 0, tzinfo=UTC)) == datetime(2030, 3, 4, 17, 0, tzinfo=UTC)


def test_quiet_hours_within_one_day(session):
    lunch = AccountSettings(name="x-lunch", platform="twitter", quiet_hours=(12, 14))
    assert posts.in_quiet_hours(lunch, datetime(2030, 3, 4, 13, 59, tzinfo=UTC))
    assert not posts.in_quiet_hours(lunch, datetime(2030, 3, 4, 14, 0, tzinfo=UTC))
    assert posts.next_slot(session, lunch, datetime(2030, 3, 4, 12, 30, tzinfo=UTC)) == datetime(2030, 3, 4, 14, 0, tzinfo=UTC)


def test_a_naive_time_is_read_in_the_accounts_zone(session):
    berlin = AccountSettings(name="fb-berlin", platform="facebook", page_id="1", timezone="Europe/Berlin")
    post = posts.create_post(session, berlin, text="Morgen", at=datetime(2030, 1, 10, 8, 0))
    session.commit()
    assert posts.get_post(session, post.id).scheduled_at == datetime(2030, 1, 10, 7, 0, tzinfo=UTC)


def test_priority_is_stored_for_the_dispatcher(session):
    post = posts.create_post(session, X, text="BREAKING", priority=10)
    session.commit()
    assert session.get(Post, post.id).priority == 10


def test_a_cancel_cannot_overwrite_a_claim_made_after_it_was_read(engine):
    """The editor's page read the post as queued; a worker claimed it since. The cancel must refuse."""
    from sqlalchemy import update as sql_update

    from distributor.errors import InvalidTransition
    from distributor.models import Post as PostRow

    account = AccountSettings(name="x-main", platform="twitter")
    with Session(engine) as session:
        post_id = posts.create_post(session, account, text="Racing story").id
        session.commit()
    with Session(engine) as editor:
        post = posts.get_post(editor, post_id)  # read: queued
        with engine.begin() as worker:  # meanwhile a worker claims it
            worker.execute(sql_update(PostRow).where(PostRow.id == post_id).values(state="sending"))
        with pytest.raises(InvalidTransition, match="changed meanwhile"):
            posts.transition(editor, post, PostState.cancelled, reason="editor", actor="ed")
    with Session(engine) as session:
        assert session.get(PostRow, post_id).state is PostState.sending


def test_a_post_that_may_already_be_live_cannot_have_its_text_changed(session):
    account = AccountSettings(name="x-main", platform="twitter")
    post = posts.create_post(session, account, text="First wording")
    post.attempts = 1  # an earlier try timed out: it may be on the platform
    session.add(post)
    session.commit()
    with pytest.raises(InvalidTransition, match="may be live"):
        posts.edit(session, post.id, text="Second wording", actor="ed")
    posts.edit(session, post.id, image_url="https://img.example/b.jpg", actor="ed")  # the picture may change
    assert posts.get_post(session, post.id).text == "First wording"
