"""Password guessing is throttled per email, per address and per both; X-Forwarded-For is
believed only from [web] trusted_proxies, so neither forging nor sharing an address helps an
attacker or locks other people out. The counters live in the database."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import requests
from fastapi.testclient import TestClient

from distributor.config import load_settings
from distributor.errors import ConfigError
from distributor.web import create_app
from distributor.web.throttle import LoginThrottle
from tests.helpers.desk import (ADMIN, EDITOR, PASSWORD, audit_rows, make_settings, seed_people, served_desk,
                                 try_login)

PROXY = ("10.0.0.2", 41000)  # the reverse proxy's own address, as the app sees the connection


@pytest.fixture
def people(engine):
    seed_people(engine)


def forwarded(address: str) -> dict:
    return {"X-Forwarded-For": address}


def test_twelve_forged_forwarded_addresses_are_one_client_when_no_proxy_is_trusted(engine, people):
    client = TestClient(create_app(make_settings(), engine), client=PROXY)
    codes = [try_login(client, EDITOR, "wrong guess", forwarded(f"198.51.100.{i}")).status_code for i in range(12)]
    assert codes == [401] * 5 + [429] * 7
    assert try_login(client, EDITOR, PASSWORD, forwarded("198.51.100.99")).status_code == 429  # not even the right one
    assert {row.address for row in audit_rows(engine) if row.action == "login_failed"} == {"10.0.0.2"}


def test_behind_a_trusted_proxy_twelve_real_clients_are_twelve_clients(engine, people):
    client = TestClient(create_app(make_settings(trusted_proxies=["10.0.0.0/24"]), engine), client=PROXY)
    codes = [try_login(client, EDITOR, "wrong guess", forwarded(f"198.51.100.{i}")).status_code for i in range(12)]
    assert codes == [401] * 12  # one typo each: nobody is locked out by the others
    assert try_login(client, EDITOR, PASSWORD, forwarded("198.51.100.50")).status_code == 303
    failed = [row.address for row in audit_rows(engine) if row.action == "login_failed"]
    assert failed == [f"198.51.100.{i}" for i in range(12)]


def test_behind_a_trusted_proxy_a_forged_address_before_the_real_one_is_ignored(engine, people):
    client = TestClient(create_app(make_settings(trusted_proxies=["10.0.0.2"]), engine), client=PROXY)
    # the client sends its own X-Forwarded-For; the proxy appends the address it really saw
    codes = [try_login(client, EDITOR, "wrong guess", forwarded(f"198.51.100.{i}, 203.0.113.7")).status_code
             for i in range(12)]
    assert codes == [401] * 5 + [429] * 7
    assert {row.address for row in audit_rows(engine) if row.action == "login_failed"} == {"203.0.113.7"}


def test_one_clients_bad_tries_do_not_lock_out_another_clients_correct_login(engine, people):
    client = TestClient(create_app(make_settings(trusted_proxies=["10.0.0.2"]), engine), client=PROXY)
    attacker, editor = forwarded("203.0.113.66"), forwarded("192.0.2.10")
    codes = [try_login(client, EDITOR, "wrong guess", attacker).status_code for _ in range(12)]
    assert codes == [401] * 5 + [429] * 7
    assert try_login(client, EDITOR, PASSWORD, editor).status_code == 303
    assert try_login(client, EDITOR, PASSWORD, attacker).status_code == 429  # the attacker stays locked


def test_a_correct_login_clears_only_its_own_counter(engine, people):
    client = TestClient(create_app(make_settings(), engine), client=PROXY)
    for _ in range(4):
        assert try_login(client, EDITOR, "mistyped").status_code == 401
    assert try_login(client, EDITOR, PASSWORD).status_code == 303
    codes = [try_login(client, EDITOR, "mistyped again").status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]  # a fresh start for this user at this address


def test_one_address_trying_many_accounts_is_stopped(engine, people):
    app = create_app(make_settings(trusted_proxies=["10.0.0.2"]), engine, limiter=LoginThrottle(per_address=6))
    client = TestClient(app, client=PROXY)
    sprayer = forwarded("203.0.113.66")
    codes = [try_login(client, f"user{i}@example.com", "password1", sprayer).status_code for i in range(8)]
    assert codes == [401] * 6 + [429] * 2
    assert try_login(client, ADMIN, PASSWORD, sprayer).status_code == 429  # its own account cannot reset it
    assert try_login(client, ADMIN, PASSWORD, forwarded("192.0.2.10")).status_code == 303


def test_one_ipv6_client_rotating_addresses_within_its_network_is_one_address(engine, people):
    """An IPv6 client is handed a whole /64 (2^64 addresses): counted per address it was never stopped."""
    app = create_app(make_settings(trusted_proxies=["10.0.0.2"]), engine, limiter=LoginThrottle(per_address=6))
    client = TestClient(app, client=PROXY)
    codes = [try_login(client, f"user{i}@example.com", "password1", forwarded(f"2001:db8:7:8::{i + 1:x}")).status_code
             for i in range(8)]
    assert codes == [401] * 6 + [429] * 2
    assert try_login(client, "user9@example.com", "password1", forwarded("2001:DB8:7:8:ffff:1:2:3")).status_code == 429
    assert try_login(client, ADMIN, PASSWORD, forwarded("2001:db8:7:9::1")).status_code == 303  # the next /64 is not it
    failed = [row.address for row in audit_rows(engine) if row.action == "login_failed"]
    assert failed[:2] == ["2001:db8:7:8::1", "2001:db8:7:8::2"]  # the log keeps each address as it was


def test_many_addresses_guessing_one_account_are_stopped_but_not_its_owner(engine, people):
    app = create_app(make_settings(trusted_proxies=["10.0.0.2"]), engine, limiter=LoginThrottle(per_email=6))
    client = TestClient(app, client=PROXY)
    home = forwarded("192.0.2.10")
    assert try_login(client, EDITOR, PASSWORD, home).status_code == 303  # the editor logged in from home before
    codes = [try_login(TestClient(app, client=PROXY), EDITOR, "guess", forwarded(f"198.51.100.{i}")).status_code
             for i in range(8)]
    assert codes == [401] * 6 + [429] * 2  # a botnet gets a handful of guesses per window, not one per address
    assert try_login(TestClient(app, client=PROXY), EDITOR, PASSWORD, forwarded("198.51.100.200")).status_code == 429
    assert try_login(TestClient(app, client=PROXY), EDITOR, PASSWORD, home).status_code == 303
    assert try_login(TestClient(app, client=PROXY), ADMIN, PASSWORD, forwarded("198.51.100.1")).status_code == 303


def test_the_lock_is_in_the_database_shared_by_every_process_and_ends_after_the_window(engine, people):
    now = [datetime(2026, 11, 25, 9, 0, tzinfo=UTC)]
    first = TestClient(create_app(make_settings(), engine, limiter=LoginThrottle(clock=lambda: now[0])), client=PROXY)
    second = TestClient(create_app(make_settings(), engine, limiter=LoginThrottle(clock=lambda: now[0])), client=PROXY)
    for client in (first, second, first, second, first):
        assert try_login(client, EDITOR, "wrong guess").status_code == 401
    response = try_login(second, EDITOR, PASSWORD)
    assert response.status_code == 429 and 0 < int(response.headers["Retry-After"]) <= 15 * 60
    now[0] += timedelta(minutes=15, seconds=1)
    assert try_login(second, EDITOR, PASSWORD).status_code == 303


def test_the_secure_flag_follows_forwarded_proto_only_from_a_trusted_proxy(engine, people):
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.10"}
    trusted = TestClient(create_app(make_settings(trusted_proxies=["10.0.0.2"]), engine), client=PROXY)
    assert "Secure" in trusted.get("/login", headers=https).headers["set-cookie"]
    untrusted = TestClient(create_app(make_settings(), engine), client=PROXY)
    assert "Secure" not in untrusted.get("/login", headers=https).headers["set-cookie"]


@pytest.mark.parametrize("value", ['"proxy.example"', '"10.0.0.300"', '"10.0.0.0/33"'])
def test_a_trusted_proxy_that_is_not_an_address_is_refused_at_start(tmp_path, value):
    file = tmp_path / "distributor.toml"
    file.write_text(f"[web]\ntrusted_proxies = [{value}]\n")
    with pytest.raises(ConfigError, match="web.trusted_proxies.*not an IP address or network"):
        load_settings(file)


def test_uvicorn_as_the_service_runs_it_does_not_believe_forwarded_headers_from_loopback(engine, people):
    """The original hole: uvicorn by default believes X-Forwarded-For from 127.0.0.1."""
    with served_desk(engine) as port:
        base = f"http://127.0.0.1:{port}"
        codes = []
        for i in range(7):
            browser = requests.Session()
            token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get(f"{base}/login", timeout=10).text).group(1)
            codes.append(browser.post(f"{base}/login", data={"email": EDITOR, "password": "wrong", "csrf_token": token},
                                      headers=forwarded(f"198.51.100.{i}"), allow_redirects=False, timeout=10).status_code)
        assert codes == [401] * 5 + [429] * 2
        assert {row.address for row in audit_rows(engine) if row.action == "login_failed"} == {"127.0.0.1"}


def test_a_patient_botnet_meets_the_daily_cap(engine, people):
    now = [datetime(2026, 11, 25, 9, 0, tzinfo=UTC)]
    throttle = LoginThrottle(per_email=3, per_email_day=5, clock=lambda: now[0])
    app = create_app(make_settings(trusted_proxies=["10.0.0.2"]), engine, limiter=throttle)
    client = TestClient(app, client=PROXY)
    bots = iter(f"198.51.100.{i}" for i in range(100))
    assert [try_login(client, EDITOR, "guess", forwarded(next(bots))).status_code for _ in range(4)] == [401] * 3 + [429]
    now[0] += timedelta(minutes=16)
    assert [try_login(client, EDITOR, "guess", forwarded(next(bots))).status_code for _ in range(3)] == [401] * 2 + [429]
    now[0] += timedelta(minutes=16)
    response = try_login(client, EDITOR, "guess", forwarded(next(bots)))
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 15 * 60  # the day's guesses are spent
    now[0] += timedelta(days=1)
    assert try_login(client, EDITOR, PASSWORD, forwarded(next(bots))).status_code == 303
