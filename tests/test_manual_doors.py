"""One door for manual posts: the CLI, the JSON API and the compose page give the same answer.

Each bad input is sent through all three; each refuses it with the same
words and creates nothing. A good one gives the same post through each
(text, link with the account's utm, image, alt text).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from distributor import users
from distributor.config import Settings
from distributor.models import Post
from distributor.web import create_app
from tests.helpers.desk import PASSWORD, csrf_of
from tests.test_cli import cli

EDITOR = "desk@example.com"
UTM = "utm_source={platform}&utm_medium=social"


@pytest.fixture
def world(engine, database_url, tmp_path):
    config = tmp_path / "distributor.toml"
    config.write_text(f"""
[database]
url = "{database_url}"
[web]
timezone = "Europe/Paris"
[[accounts]]
name = "x-main"
platform = "twitter"
utm = "{UTM}"
""")
    settings = Settings(database={"url": database_url}, web={"timezone": "Europe/Paris"},
                        accounts=[{"name": "x-main", "platform": "twitter", "utm": UTM}])
    with Session(engine) as session:
        users.add_user(session, EDITOR, PASSWORD, "editor")
        token = users.create_token(session, EDITOR)
        session.commit()
    desk = create_app(settings, engine)
    api = TestClient(desk, headers={"Authorization": f"Bearer {token}"})
    page = TestClient(desk)
    page.post("/login", data={"email": EDITOR, "password": PASSWORD, "csrf_token": csrf_of(page.get("/login").text)})
    page.csrf = csrf_of(page.get("/compose").text)
    return config, api, page


def through_cli(config, text, link=None, image=None, alt=None, at=None):
    args = ["queue", "add", "--account", "x-main", "--text", text]
    for option, value in (("--link", link), ("--image", image), ("--alt", alt), ("--at", at)):
        if value is not None:
            args += [option, value]
    result = cli(*args, config=config)  # the real command: its refusals are main()'s one line on stderr
    return result.returncode == 0, result.stderr


def through_api(api, text, link=None, image=None, alt=None, at=None):
    body = {"account": "x-main", "text": text, "link": link, "image_url": image, "image_alt": alt, "at": at}
    response = api.post("/api/posts", json={k: v for k, v in body.items() if v is not None})
    return response.status_code == 201, response.text


def through_page(page, text, link=None, image=None, alt=None, at=None):
    form = {"csrf_token": page.csrf, "draft_accounts": "x-main", "include_x-main": "on", "text_x-main": text,
            "link_x-main": link or "", "image_x-main": "custom" if image else "none", "image_custom_x-main": image or "",
            "alt_x-main": alt or "", "when": "at" if at else "now", "at": at or ""}
    response = page.post("/compose", data=form, follow_redirects=False)
    return response.status_code == 303, response.text


DOORS = (through_cli, through_api, through_page)


def _count(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Post)).one()


@pytest.mark.parametrize("request_, words", [
    (dict(text="word " * 60), "the text is 300 characters as X counts them; the limit is 280"),
    (dict(text="   "), "no text"),
    (dict(text="Budget night", link="javascript:alert(1)"), "is not an http(s) URL"),
    (dict(text="Budget night", image="file:///etc/passwd"), "is not an http(s) URL"),
    (dict(text="Budget night", at="2020-01-01T09:00"), "has passed"),
    (dict(text="Budget night", at="next tuesday"), "ISO 8601"),
    (dict(text="Budget night", image="https://news.example.com/p.jpg", alt="a" * 1001),
     "the alt text is 1001 characters; the limit is 1000"),
], ids=["too-long", "empty", "script-link", "file-image", "past", "not-a-time", "alt-too-long"])
def test_the_three_doors_refuse_the_same_bad_input_in_the_same_words(world, engine, request_, words):
    config, api, page = world
    for door, client in zip(DOORS, (config, api, page)):
        created, said = door(client, **request_)
        assert not created, (door.__name__, said)
        assert words in said.replace("&#34;", '"').replace("&#39;", "'"), (door.__name__, said[-400:])
    assert _count(engine) == 0  # nothing was created by any door


def test_the_three_doors_make_the_same_post(world, engine):
    config, api, page = world
    ask = dict(text="Budget night: the vote is at nine", link="https://news.example.com/budget?id=3",
               image="https://news.example.com/vote.jpg", alt="Councillors raise their hands", at="2031-05-04T21:00")
    for door, client in zip(DOORS, (config, api, page)):
        created, said = door(client, **ask)
        assert created, (door.__name__, said[-400:])
    with Session(engine) as session:
        made = [(p.text, p.link, p.image_url, p.image_alt, p.scheduled_at.replace(tzinfo=None).isoformat())
                for p in session.exec(select(Post).order_by(Post.id))]
    expected = ("Budget night: the vote is at nine", "https://news.example.com/budget?id=3&utm_source=twitter&utm_medium=social",
                "https://news.example.com/vote.jpg", "Councillors raise their hands", "2031-05-04T19:00:00")
    assert made == [expected] * 3  # 21:00 in Paris (summer time) is 19:00 UTC, whichever door


def test_an_image_without_alt_text_is_a_warning_through_every_door(world, engine):
    config, api, page = world
    ask = dict(text="Budget night", image="https://news.example.com/vote.jpg")
    ok, said = through_cli(config, **ask)
    assert ok and "warning: the image has no alt text" in said
    ok, said = through_api(api, **ask)
    assert ok and "the image has no alt text" in said
    ok, _ = through_page(page, **ask)
    assert ok and "the image has no alt text" in page.get("/queue").text  # the flash on the next page


def test_the_door_counts_the_link_the_platform_will_add_and_the_texts_link_carries_the_utm(engine):
    from distributor import manual
    from distributor.errors import ComposeError
    from distributor.pipeline import Runtime

    settings = Settings(accounts=[
        {"name": "bsky-main", "platform": "bluesky", "handle": "news.bsky.social", "utm": UTM},
        {"name": "x-main", "platform": "twitter", "utm": UTM},
    ])
    runtime = Runtime(settings, engine)
    link = "https://news.example.com/2031/05/04/council-budget-vote-runs-late-into-the-night"
    # 250 graphemes, and the link (about 100 with its utm) that Bluesky's post will carry below it: over 300
    with pytest.raises(ComposeError, match="limit is 300"):
        manual.prepare(runtime, settings.account("bsky-main"), text="a" * 250, link=link)
    # the editor's text quoting the link: the copy in the text gets the utm too (no second, bare URL in the post)
    ready = manual.prepare(runtime, settings.account("x-main"), text=f"Budget night {link} more soon", link=link)
    assert ready.link == link + "?utm_source=twitter&utm_medium=social"
    assert ready.text == f"Budget night {ready.link} more soon"


# --------------------------------------------------------------------------- a post's parts through the three doors


def parts_through_cli(config, text, images=(), thread=(), first_comment=None):
    args = ["queue", "add", "--account", "x-main", "--text", text]
    for url, alt in images:
        args += ["--image", url, "--alt", alt]
    for reply in thread:
        args += ["--thread", reply]
    if first_comment is not None:
        args += ["--first-comment", first_comment]
    result = cli(*args, config=config)
    return result.returncode == 0, result.stderr


def parts_through_api(api, text, images=(), thread=(), first_comment=None):
    body = {"account": "x-main", "text": text, "images": [{"url": u, "alt": a} for u, a in images] or None,
            "thread": list(thread) or None, "first_comment": first_comment}
    response = api.post("/api/posts", json={k: v for k, v in body.items() if v is not None})
    return response.status_code == 201, response.text


def parts_through_page(page, text, images=(), thread=(), first_comment=None):
    form = {"csrf_token": page.csrf, "draft_accounts": "x-main", "include_x-main": "on", "text_x-main": text,
            "link_x-main": "", "image_x-main": "custom" if images else "none",
            "image_custom_x-main": images[0][0] if images else "", "alt_x-main": images[0][1] if images else "",
            "when": "now"}
    for n, (url, alt) in enumerate(images[1:], start=2):
        form[f"extra_image_x-main_{n}"], form[f"extra_alt_x-main_{n}"] = url, alt
    for n, reply in enumerate(thread, start=2):
        form[f"thread_x-main_{n}"] = reply
    if first_comment is not None:
        form["first_comment_x-main"] = first_comment
    response = page.post("/compose", data=form, follow_redirects=False)
    return response.status_code == 303, response.text


PARTS_DOORS = (parts_through_cli, parts_through_api, parts_through_page)


def test_the_three_doors_make_the_same_thread_with_several_images(world, engine):
    config, api, page = world
    images = [("https://news.example.com/1.jpg", "The chamber"), ("https://news.example.com/2.jpg", "The mayor"),
              ("https://news.example.com/3.jpg", "The vote")]
    ask = dict(text="Budget night: the vote is at nine", images=images,
               thread=["\u201cWe kept the libraries open,\u201d said the mayor.", "Full story at ten."])
    for door, client in zip(PARTS_DOORS, (config, api, page)):
        created, said = door(client, **ask)
        assert created, (door.__name__, said[-400:])
    with Session(engine) as session:
        made = [(p.image_url, p.image_alt, p.extra_images, p.thread) for p in session.exec(select(Post).order_by(Post.id))]
    expected = ("https://news.example.com/1.jpg", "The chamber",
                [{"url": "https://news.example.com/2.jpg", "alt": "The mayor"},
                 {"url": "https://news.example.com/3.jpg", "alt": "The vote"}],
                ["\u201cWe kept the libraries open,\u201d said the mayor.", "Full story at ten."])
    assert made == [expected] * 3


@pytest.mark.parametrize("request_, words", [
    (dict(first_comment="More at six"), "a first comment is for Facebook posts only; X has none"),
    (dict(thread=["word " * 60]), "thread post 2: the text is 299 characters as X counts them; the limit is 280"),
    (dict(images=[(f"https://news.example.com/{n}.jpg", "a") for n in range(1, 6)]),
     "X takes at most 4 images a post; this one has 5"),
], ids=["first-comment-on-x", "reply-too-long", "five-images"])
def test_the_three_doors_refuse_parts_x_cannot_take_in_the_same_words(world, engine, request_, words):
    config, api, page = world
    for door, client in zip(PARTS_DOORS, (config, api, page)):
        if door is parts_through_page and "images" in request_:
            continue  # the page has 4 image boxes for X: a fifth cannot be typed
        created, said = door(client, text="Budget night", **request_)
        assert not created, (door.__name__, said)
        assert words in said.replace("&#34;", '"').replace("&#39;", "'"), (door.__name__, said[-400:])
    assert _count(engine) == 0
