"""DNS rebinding: the desk answers only to its own names (web/hosts.py). A page on evil.example whose
name now resolves to 127.0.0.1 reaches the desk with ``Host: evil.example``: refused before anything."""

from __future__ import annotations

import pytest
import requests
from fastapi.testclient import TestClient

from distributor.config import Settings
from distributor.pipeline import Runtime
from distributor.web import create_app
from tests.helpers.desk import EDITOR, log_in, seed_people
from tests.helpers.service import free_port, serving_web


def desk(engine, **web) -> TestClient:
    settings = Settings(accounts=[{"name": "x-main", "platform": "dryrun"}], web=web)
    return TestClient(create_app(settings, engine))


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", "localhost.evil.example",
                                  "social.newsroom.example.evil.example", "", "[::1"])
def test_a_request_for_another_host_is_refused_with_the_setting_named(engine, host):
    seed_people(engine)
    client = desk(engine, public_url="https://social.newsroom.example")
    csrf = log_in(client, EDITOR)
    refused = client.get("/queue", headers={"Host": host})
    assert refused.status_code == 400 and "[web] allowed_hosts" in refused.text
    assert refused.headers["X-Frame-Options"] == "SAMEORIGIN"  # the security headers still wrap it
    assert "set-cookie" not in refused.headers
    posted = client.post("/logout", data={"csrf_token": csrf}, headers={"Host": host}, follow_redirects=False)
    assert posted.status_code == 400
    assert client.get("/queue", follow_redirects=False).status_code == 200  # still logged in: nothing reached


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1", "127.0.0.1:8000", "[::1]:8000", "LOCALHOST",
                                  "social.newsroom.example", "social.newsroom.example:443", "desk.newsroom.example",
                                  "newsroom.example", "10.0.0.7:8000"])
def test_the_desks_own_names_are_answered(engine, host):
    client = desk(engine, public_url="https://social.newsroom.example", allowed_hosts=["*.newsroom.example"],
                  host="10.0.0.7")
    assert client.get("/login", headers={"Host": host}).status_code == 200


def test_health_checks_answer_to_any_host_and_star_allows_every_name(engine):
    client = desk(engine)
    assert client.get("/healthz", headers={"Host": "10.1.2.3:8000"}).status_code == 200
    assert client.get("/login", headers={"Host": "10.1.2.3:8000"}).status_code == 400
    assert desk(engine, allowed_hosts=["*"]).get("/login", headers={"Host": "anything.example"}).status_code == 200


def test_a_real_desk_on_127_0_0_1_refuses_a_rebound_name(engine):
    """Through a real socket on 127.0.0.1 (as the browser of a rebinding page would come)."""
    settings = Settings(accounts=[{"name": "x-main", "platform": "dryrun"}])
    port = free_port()
    with serving_web(Runtime(settings, engine), port):
        base = f"http://127.0.0.1:{port}"
        assert requests.get(base + "/login", timeout=5).status_code == 200
        refused = requests.get(base + "/login", headers={"Host": f"evil.example:{port}"}, timeout=5)
        assert refused.status_code == 400 and "evil.example" in refused.text


def test_a_cms_webhook_and_a_websub_callback_are_answered_under_any_host(engine):
    """A CMS in the same Docker network calls http://distributor:8000/hooks/cms: no setting lists that
    name, and the hook's own signature guards it. It reaches the hook (404: no such hook), not the 400."""
    client = desk(engine, public_url="https://social.newsroom.example")
    hooked = client.post("/hooks/cms", content=b"{}", headers={"Host": "distributor:8000"})
    assert hooked.status_code == 404 and "allowed_hosts" not in hooked.text
    called = client.get("/websub/nope", headers={"Host": "distributor:8000"})
    assert called.status_code == 404 and "allowed_hosts" not in called.text
    assert client.get("/hooksx", headers={"Host": "distributor:8000"}).status_code == 400


def test_an_allowed_host_written_with_its_port_or_as_a_url_is_read_or_refused_in_one_line(engine, tmp_path):
    """`allowed_hosts = ["desk.lan:8000"]` (as the address bar shows it) admits desk.lan, whatever the port;
    a URL there would never match any Host, so it is refused when the settings are read, naming the value."""
    import subprocess
    import sys

    client = desk(engine, allowed_hosts=["Desk.LAN:8000", "[fd00::7]:8000"])
    assert client.get("/login", headers={"Host": "desk.lan:8000"}).status_code == 200
    assert client.get("/login", headers={"Host": "[fd00::7]:8000"}).status_code == 200
    config = tmp_path / "distributor.toml"
    config.write_text('[web]\nallowed_hosts = ["https://desk.newsroom.example"]\n'
                      '[[accounts]]\nname = "desk"\nplatform = "dryrun"\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "distributor", "--config", str(config), "sources"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "'https://desk.newsroom.example' is not a host name" in result.stderr
