"""Bad input on every route the desk registers: a 4xx with a message, never a 500, nothing stored.

The routes are read from ``app.routes``, so a route added later is swept too:
every ``{id}`` in a path, every integer query parameter, every form field and
every field of a JSON body gets the values that once gave HTTP 500 (ids past
2^63, '²', a time that overflows, a lone surrogate, NUL, an absurd period).
Runs on SQLite and PostgreSQL (the ``engine`` fixture).
"""

from __future__ import annotations

import json
import re
import typing
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, select

from distributor import posts, users
from distributor.config import Settings
from distributor.models import Article, ArticleState, Post, PostEvent
from distributor.web import create_app

PASSWORD = "a long password"
BIG = str(2**63)
BAD_IDS = [BIG, str(2**64 + 5), "99999999999999999999999999", "-1", "0", "²", "٣", "abc", "1e3", "%00", "1.5"]
BAD_NUMBERS = [BIG, "-1", "²", "abc", "1e400", "%00"]
OVERFLOW = "9999-12-31T23:59:59-12:00"
LONG = "x" * 200_001  # longer than any text field accepts
LONG_QUERY = "x" * 20_000  # as long as a URL may be
NUL = "before\x00after"


@pytest.fixture
def settings():
    return Settings(accounts=[{"name": "desk", "platform": "dryrun"},
                              {"name": "x-main", "platform": "twitter"}],
                    web={"timezone": "America/New_York"})


@pytest.fixture
def app(settings, engine):
    return create_app(settings, engine)


@pytest.fixture
def seeded(engine, settings):
    """One article and one post, so every id route has something real next to the bad ids."""
    with Session(engine) as session:
        article = Article(url="https://news.example/a", title="Ferry strike ends", state=ArticleState.extracted)
        session.add(article)
        session.flush()
        post = posts.create_post(session, settings.account("desk"), text="Ferries run again",
                                 at=datetime.now(UTC) + timedelta(days=1), article_id=article.id)
        users.add_user(session, "admin@example.com", PASSWORD, "admin")
        token = users.create_token(session, "admin@example.com")
        session.commit()
        return {"post": post.id, "article": article.id, "token": token}


@pytest.fixture
def api(app, seeded):
    return TestClient(app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {seeded['token']}"})


@pytest.fixture
def pages(app, seeded):
    client = TestClient(app, raise_server_exceptions=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"email": "admin@example.com", "password": PASSWORD, "csrf_token": token})
    client.csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/compose").text).group(1)
    return client


def stored(engine) -> tuple[int, int]:
    with Session(engine) as session:
        return (session.exec(select(func.count()).select_from(Post)).one(),
                session.exec(select(func.count()).select_from(PostEvent)).one())


def routes(app) -> list[APIRoute]:
    """Every route of the app, the ones of included routers too."""
    def walk(items):
        for route in items:
            if hasattr(route, "original_router"):
                yield from walk(route.original_router.routes)
            elif isinstance(route, APIRoute):
                yield route
    return list(walk(app.routes))


def is_api(path: str) -> bool:
    # /hooks and /websub are machine doors too (CMSs and hubs): they answer JSON, not pages
    return any(word.startswith(("/api", "/hooks/", "/websub/")) for word in path.split(" "))


def assert_refused(response, path: str, *, words: str | None = None) -> None:
    """A 4xx that says why: JSON ``detail`` for the API, an HTML page with the reason for the desk."""
    assert 400 <= response.status_code < 500, f"{path}: {response.status_code} {response.text[:200]}"
    if is_api(path):
        detail = response.json()["detail"]
        assert detail, path
        text = json.dumps(detail, ensure_ascii=False)
    else:
        assert response.headers["content-type"].startswith("text/html"), path
        text = " ".join(re.sub(r"<[^>]+>", " ", response.text).split())
        assert re.search(r"[a-z]{3,}.*[a-z]{3,}", text), path
    if words:
        assert re.search(words, text, re.I), f"{path}: {text[:300]}"


def call(client, method: str, url: str, route: APIRoute, **fields):
    """One request as the route's own callers make it: forms carry the CSRF token and every required field."""
    if method == "GET":
        return client.get(url)
    if is_api(route.path):
        return client.request(method, url)
    data = {p.name: "x" for p in route.dependant.body_params} | fields
    return client.request(method, url, data={"csrf_token": getattr(client, "csrf", "")} | data)


def test_the_sweep_sees_every_route(app):
    paths = {r.path for r in routes(app)}
    assert {"/api/posts/{post_id}", "/posts/{post_id}/reschedule", "/articles/{article_id}", "/queue"} <= paths


def test_every_id_in_a_path_is_checked(app, api, pages, engine):
    before = stored(engine)
    swept = 0
    for bad, route in ((bad, route) for bad in BAD_IDS for route in routes(app)):
        if not route.dependant.path_params or route.path == "/logout":
            continue
        url = route.path
        for param in route.dependant.path_params:
            url = url.replace("{" + param.name + "}", bad)
        for method in route.methods - {"HEAD"}:
            response = call(api if is_api(route.path) else pages, method, url, route)
            assert_refused(response, f"{method} {url}")
            swept += 1
    assert swept >= 12 * len(BAD_IDS)
    assert stored(engine) == before


def _is_int(annotation) -> bool:
    return annotation is int or int in typing.get_args(annotation)


def test_every_number_in_a_query_is_checked(app, api, pages):
    swept = 0
    for bad, route in ((bad, route) for bad in BAD_NUMBERS for route in routes(app)):
        for param in route.dependant.query_params:
            if not _is_int(param.field_info.annotation):
                continue
            url = f"{route.path}?{param.alias}={bad}"
            assert_refused((api if is_api(route.path) else pages).get(url), url)
            swept += 1
    assert swept >= 4 * len(BAD_NUMBERS)  # /queue article and page, /articles page, /api/posts article_id, limit, offset


STRANGE = [NUL, LONG_QUERY, "\udcff", "%ED%A0%80", "%00"]


def test_text_in_any_query_or_form_never_gives_500(app, api, pages, engine):
    """Whatever route, a strange string is answered, never a server error, and stores nothing."""
    before = stored(engine)
    for value, route in ((value, route) for value in STRANGE for route in routes(app)):
        if route.path in ("/logout", "/login"):
            continue
        client = api if is_api(route.path) else pages
        url = route.path.replace("{post_id}", "1").replace("{article_id}", "1").replace("{user_id}", "9")
        for param in route.dependant.query_params:
            if _is_int(param.field_info.annotation):
                continue
            encoded = value if value.startswith("%") else value.encode("utf-8", "surrogatepass").hex()
            query = value if value.startswith("%") else "".join(f"%{encoded[i:i + 2]}" for i in range(0, len(encoded), 2))
            response = client.get(f"{url}?{param.alias}={query}")
            assert response.status_code < 500, f"{url}?{param.alias}: {response.status_code}"
        form_fields = [p.name for p in route.dependant.body_params if type(p.field_info).__name__ == "Form"]
        for name in form_fields:
            if value.startswith("%"):
                body = f"csrf_token={pages.csrf}&{name}={value}" + "".join(f"&{f}=x" for f in form_fields if f != name)
                response = pages.post(url, content=body, headers={"content-type": "application/x-www-form-urlencoded"})
            else:
                response = call(pages, "POST", url, route, **{name: value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")})
            assert response.status_code < 500, f"POST {url} {name}: {response.status_code}"
    after = stored(engine)
    assert after[0] == before[0]


# --- the JSON API's body -----------------------------------------------------------------

def json_routes(app) -> list[tuple[APIRoute, type[BaseModel]]]:
    found = []
    for route in routes(app):
        for param in route.dependant.body_params:
            annotation = param.field_info.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                found.append((route, annotation))
    return found


VALID_BODY = {"account": "desk", "text": "Ferries run again"}
WRONG_TYPES = [5, 1.5, True, [], {}, ["desk"]]


def test_every_field_of_every_json_body_refuses_wrong_types_nul_surrogates_and_length(app, api, engine):
    before = stored(engine)
    bodies = json_routes(app)
    assert bodies, "the API takes JSON bodies"
    for route, model in bodies:
        method = next(iter(route.methods))
        for name, field in model.model_fields.items():
            wrong = [v for v in WRONG_TYPES if not (field.annotation is bool and isinstance(v, bool))]
            if field.annotation is bool or bool in typing.get_args(field.annotation):
                wrong = ["perhaps", 5, [], {}]
            else:
                wrong += [NUL, LONG]
            for value in wrong:
                response = api.request(method, route.path, json=VALID_BODY | {name: value})
                assert_refused(response, f"{route.path} {name}={str(value)[:20]!r}")
            if field.annotation is not bool:
                raw = json.dumps(VALID_BODY)[:-1] + f', "{name}": "a\\ud800b"}}'
                response = api.request(method, route.path, content=raw, headers={"content-type": "application/json"})
                assert_refused(response, f"{route.path} {name}=lone surrogate")
        for raw in ["", "not json", "[]", "null", '"text"', "{", json.dumps(VALID_BODY)[:-1] + ', "text": "\\u0000"}']:
            response = api.request(method, route.path, content=raw, headers={"content-type": "application/json"})
            assert_refused(response, f"{route.path} body {raw[:20]!r}")
    assert stored(engine) == before


API_TIMES = [
    (OVERFLOW, "out of range"),
    ("0001-01-01T00:00:00+14:00", "out of range"),
    ("2000-01-01T09:00", "has passed"),
    ("yesterday", "ISO 8601"),
    ("2026-02-30T10:00", "ISO 8601"),
]


def test_api_times_that_cannot_be_used_are_refused(api, engine):
    before = stored(engine)
    for at, words in API_TIMES:
        response = api.post("/api/posts", json=VALID_BODY | {"at": at})
        assert_refused(response, f"/api/posts at={at}", words=words)
    assert stored(engine) == before


REPORT_QUERIES = [
    ("since=99999999999d", "too long"), ("since=99999999999999999999999999999999d", "expected a duration"),
    ("since=-3d", "expected a duration"), ("since=%00", "NUL"), ("by=bogus", "platform"),
    (f"since={OVERFLOW}", "out of range"),
]


def test_report_periods_and_groupings(api, pages):
    for query, words in REPORT_QUERIES:
        assert_refused(api.get(f"/api/report?{query}"), f"/api/report?{query}", words=words)
        if not query.startswith("by="):
            assert_refused(pages.get(f"/reports/frame?{query}"), f"/reports/frame?{query}", words=words)


def test_api_list_filters(api):
    assert_refused(api.get(f"/api/posts?offset={BIG}"), "/api/posts", words="less than or equal")
    assert_refused(api.get(f"/api/posts?article_id={BIG}"), "/api/posts", words="less than or equal")
    assert_refused(api.get("/api/posts?state=%00"), "/api/posts", words="NUL")
    assert_refused(api.get("/api/posts?account=%00"), "/api/posts", words="NUL")
    assert api.get(f"/api/posts?offset={2**63 - 1}").json() == []  # the largest id is a fine offset


# --- the desk's forms ----------------------------------------------------------------------

def compose(pages, **fields):
    data = {"csrf_token": pages.csrf, "draft_accounts": "desk", "include_desk": "on", "text_desk": "Ferries run",
            "when": "now"} | fields
    return pages.post("/compose", data=data)


COMPOSE_CASES = [
    ({"article_id": "²"}, "not a number"),
    ({"article_id": "٣"}, "not a number"),
    ({"article_id": BIG}, "out of range"),
    ({"article_id": "-4"}, "out of range"),
    ({"article_id": "424242"}, "no article with id 424242"),
    ({"when": "at", "at": OVERFLOW}, "out of range"),
    ({"when": "at", "at": "2000-01-01T09:00"}, "has passed"),
    ({"when": "at", "at": "soon"}, "ISO 8601"),
    ({"when": "sometime"}, "choose now"),
    ({"text_desk": NUL}, "NUL"),
    ({"text_desk": LONG}, "characters long"),
    ({"link_desk": "https://a.example/" + "p" * 5000}, "characters long"),
    ({"link_desk": "https://a.example/\x00"}, "NUL"),
]


def test_compose_form_refuses_and_stores_nothing(pages, engine):
    before = stored(engine)
    for fields, words in COMPOSE_CASES:
        assert_refused(compose(pages, **fields), f"/compose {fields}"[:80], words=words)
    assert stored(engine) == before


RESCHEDULE_CASES = [
    (OVERFLOW, "out of range"), ("2000-01-01T09:00", "has passed"), ("later", "ISO 8601"), ("\x00", "NUL"),
]


def test_reschedule_refuses_and_keeps_the_time(pages, engine, seeded):
    with Session(engine) as session:
        was = session.get(Post, seeded["post"]).scheduled_at
    for at, words in RESCHEDULE_CASES:
        response = pages.post(f"/posts/{seeded['post']}/reschedule", data={"csrf_token": pages.csrf, "at": at})
        assert_refused(response, f"/posts/reschedule at={at!r}", words=words)
    with Session(engine) as session:
        assert session.get(Post, seeded["post"]).scheduled_at == was


def test_edit_refuses_and_keeps_the_text(pages, engine, seeded):
    for fields, words in [({"text": NUL}, "NUL"), ({"text": LONG}, "characters long"),
                          ({"link": "https://a.example/\x00"}, "NUL")]:
        response = pages.post(f"/posts/{seeded['post']}/edit",
                              data={"csrf_token": pages.csrf, "text": "new", "link": "", "image_url": ""} | fields)
        assert_refused(response, f"/posts/edit {list(fields)}", words=words)
    with Session(engine) as session:
        assert session.get(Post, seeded["post"]).text == "Ferries run again"


def test_queue_filters_and_compose_from_a_url(pages):
    response = pages.post("/compose/article", data={"csrf_token": pages.csrf, "accounts": "desk", "url": "http://a\x00b/"})
    assert_refused(response, "/compose/article", words="NUL")
    assert_refused(pages.get(f"/queue?article={BIG}"), "/queue", words="less than or equal")
    assert_refused(pages.get("/queue?article=²"), "/queue", words="integer")
    assert_refused(pages.get("/queue?account=%00"), "/queue", words="NUL")


# --- the accounts' pause reason ----------------------------------------------------------------

def paused_reason(engine, name: str = "desk"):
    from distributor.models import Account

    with Session(engine) as session:
        row = session.exec(select(Account).where(Account.name == name)).first()
        return row.paused_reason if row else None


@pytest.mark.parametrize("raw, words", [('{"reason": "a\\ud800b"}', "UTF-8"), ('{"reason": "a\\u0000b"}', "NUL")],
                         ids=["lone surrogate", "NUL"])
def test_a_pause_reason_the_database_cannot_store_is_refused_by_the_api(api, engine, raw, words):
    response = api.post("/api/accounts/desk/pause", content=raw, headers={"content-type": "application/json"})
    assert_refused(response, "/api/accounts/desk/pause", words=words)
    assert paused_reason(engine) is None  # the account was not paused


@pytest.mark.parametrize("value, words", [("a\x00b", "NUL"), ("r" * 501, "characters long")], ids=["NUL", "long"])
def test_a_pause_reason_the_database_cannot_store_is_refused_by_the_page(pages, engine, value, words):
    response = pages.post("/accounts/desk/pause", data={"csrf_token": pages.csrf, "reason": value})
    assert_refused(response, "/accounts/desk/pause", words=words)
    assert paused_reason(engine) is None
