"""The ways an outside URL gets into the bot all take the one fetch path and are refused there.

Compose-from-URL over the API (an editor's article_url) and a post's image
(image_url or an og:image, fetched at dispatch) with the issue's parser-mismatch
URL: the answer says why, and the trap on 127.0.0.2 sees nothing.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from distributor import users
from distributor.config import Settings
from distributor.fetch import Fetcher
from distributor.models import Post
from distributor.pipeline import Runtime
from distributor.platforms.images import load_image
from distributor.web import create_app
from tests.helpers.fetch_servers import Decoy, ScriptedResolver, Trap, loopback_only


@pytest.fixture
def net(monkeypatch):
    decoy = Decoy()
    trap = Trap(decoy.port)
    resolver = ScriptedResolver({"example.com": [["127.0.0.1"]]})
    loopback_only(monkeypatch, resolver)
    yield decoy, trap, resolver
    trap.close()
    decoy.close()


def _bypass(decoy) -> str:
    return f"http://127.0.0.2:{decoy.port}\\@example.com/"


def test_compose_from_url_over_the_api_refuses_the_bypass(net, engine):
    decoy, trap, resolver = net
    settings = Settings(accounts=[{"name": "x-main", "platform": "twitter"}])
    fetcher = Fetcher(settings.fetch, resolver=resolver, allowed_networks=["127.0.0.1/32"])
    with Session(engine) as session:
        users.add_user(session, "desk@example.com", "a long password", "editor")
        token = users.create_token(session, "desk@example.com")
        session.commit()
    app = create_app(settings, engine, runtime=Runtime(settings, engine, fetcher=fetcher))
    api = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    answer = api.post("/api/posts", json={"account": "x-main", "article_url": _bypass(decoy)})
    assert answer.status_code == 422 and "backslash" in answer.json()["detail"]
    assert trap.connections() == 0 and decoy.connections == 0
    with Session(engine) as session:
        assert session.exec(select(Post)).all() == []


def test_a_posts_image_behind_the_bypass_is_left_out_with_a_note(net):
    decoy, trap, resolver = net
    fetcher = Fetcher(Settings().fetch, resolver=resolver, allowed_networks=["127.0.0.1/32"])
    image, note = load_image(fetcher, _bypass(decoy) + "lead.jpg", 5_000_000)
    assert image is None and note.startswith("posted without image: refusing to fetch")
    assert trap.connections() == 0 and decoy.connections == 0
