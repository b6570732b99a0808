"""The desk's composer shows each account's quote card and lets the editor pick photo or card."""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session, select

from distributor import users
from distributor.config import Settings
from distributor.extract import extract_page
from distributor.models import Post
from tests.helpers.desk import editor_client
from tests.helpers.desk_server import logged_in_page, playwright_browser, served_desk_app  # noqa: F401 - the fixture
from tests.newsroom import SEED, NewsSite

PASSWORD = "a long password"
_SEED = extract_page((SEED / "article.html").read_bytes(), url="https://hypeline.example/", source="seed")
SEED_QUOTE, SEED_SPEAKER = _SEED.pull_quote.text, _SEED.pull_quote.speaker


@pytest.fixture
def site():
    with NewsSite() as site:
        yield site


@pytest.fixture
def settings(tmp_path):
    return Settings(
        config_dir=str(tmp_path),
        fetch={"allow_private_networks": True},
        cards={"cache_dir": "card-store"},
        accounts=[
            {"name": "x-main", "platform": "twitter", "image": "quote_card"},
            {"name": "fb-main", "platform": "facebook", "page_id": "123"},  # image = "lead"
        ],
    )


@pytest.fixture
def client(settings, engine):
    return editor_client(settings, engine, "desk@example.com", PASSWORD)


def _checked(page: str, account: str) -> str:
    return re.search(rf'name="image_{account}" value="(\w+)" checked', page).group(1)


def test_the_composer_previews_the_card_and_the_editor_switches_photo_and_card(client, engine, site):
    page = client.post("/compose/article", data={"csrf_token": client.csrf, "url": site.article_url,
                                                 "accounts": ["x-main", "fb-main"]})
    assert page.status_code == 200, page.text
    assert _checked(page.text, "x-main") == "card"  # the account says quote_card
    assert _checked(page.text, "fb-main") == "article"  # the account says lead
    previews = re.findall(r'class="preview-card" src="(/cards/[0-9a-f]{64}\.\w+)"', page.text)
    assert len(previews) == 2  # one per account: X 16:9, Facebook 1.91:1
    sizes = set()
    for url in previews:
        answer = client.get(url)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("image/")
        sizes.add(Image.open(io.BytesIO(answer.content)).size)
    assert sizes == {(1200, 675), (1200, 630)}
    assert f"Quote card: “{SEED_QUOTE}” — {SEED_SPEAKER}" in page.text  # the preview's alt text

    form = {"csrf_token": client.csrf, "url": site.article_url, "when": "now",
            "article_id": re.search(r'name="article_id" value="(\d+)"', page.text).group(1),
            "card_site": "", "draft_accounts": ["x-main", "fb-main"]}
    for account in ("x-main", "fb-main"):
        form |= {f"include_{account}": "on", f"text_{account}": f"The story for {account}",
                 f"link_{account}": "https://hypeline.example/story"}
    form |= {"image_x-main": "article", "image_fb-main": "card"}  # the editor swaps both
    response = client.post("/compose", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    with Session(engine) as session:
        posts = {p.account: p for p in session.exec(select(Post))}
    assert posts["x-main"].image_url.endswith("aleppo-children.jpg")
    card = posts["fb-main"]
    assert card.image_url.startswith("card:") and SEED_QUOTE in card.image_alt
    assert card.image_url.rsplit("/", 1)[1] in {u.rsplit("/", 1)[1] for u in previews}  # the card shown is the card sent
    queue = client.get("/queue?tab=all").text
    assert "/cards/" + card.image_url.rsplit("/", 1)[1] in queue  # the queue shows the card, not a broken card: URL


def test_card_files_are_only_the_stores_and_only_for_editors(client, settings):
    for name in ("..%2F..%2Fetc%2Fpasswd", "0" * 64 + ".png", "x.png"):
        assert client.get(f"/cards/{name}").status_code == 404
    anonymous = TestClient(client.app)
    assert anonymous.get("/cards/" + "0" * 64 + ".png", follow_redirects=False).status_code == 303


# --- in a real browser: the preview follows the editor's switch ------------------------------


@pytest.mark.browser
def test_in_the_browser_the_preview_follows_the_switch_between_photo_and_card(playwright_browser, settings, engine,
                                                                              site):
    from playwright.sync_api import expect

    with Session(engine) as session:
        users.add_user(session, "desk@example.com", PASSWORD, "editor")
        session.commit()
    with served_desk_app(settings, engine) as base:
        context, page = logged_in_page(playwright_browser, base, "desk@example.com", PASSWORD)
        try:
            page.goto(base + "/compose")
            page.fill("input[name=url]", site.article_url)
            page.click("button:has-text('Fetch and compose')")
            card = page.locator('.picture-preview[data-account="x-main"] img.preview-card')
            photo = page.locator('.picture-preview[data-account="x-main"] img.preview-article')
            expect(card).to_be_visible()  # x-main posts quote cards
            assert page.evaluate("img => img.naturalWidth", card.element_handle()) == 1200  # the card loaded
            expect(photo).to_be_hidden()
            page.check('input[name="image_x-main"][value="article"]')
            expect(photo).to_be_visible()
            expect(card).to_be_hidden()
            page.check('input[name="image_x-main"][value="card"]')
            expect(card).to_be_visible()
            page.uncheck('input[name="include_fb-main"]')
            page.click("#queue-button")
            page.wait_for_url(re.compile(r"/posts/\d+$"))
        finally:
            context.close()
    with Session(engine) as session:
        post = session.exec(select(Post).where(Post.account == "x-main")).one()
    assert post.image_url.startswith("card:") and SEED_QUOTE in post.image_alt
