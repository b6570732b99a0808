"""`distributor accounts connect`: X's PIN flow and Facebook's token exchange, against the
sandbox, print environment lines that then pass `accounts check`."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import requests

from tests.test_cli import cli


def _env(extra: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("DISTRIBUTOR_")} | extra


@pytest.fixture
def config(tmp_path, sandbox):
    file = tmp_path / "distributor.toml"
    file.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/db.sqlite"\n'
                    f'[[accounts]]\nname = "x-main"\nplatform = "twitter"\napi_base_url = "{sandbox}"\n'
                    f'[[accounts]]\nname = "fb-main"\nplatform = "facebook"\npage_id = "1234567890"\n'
                    f'api_base_url = "{sandbox}"\n')
    return file


def test_x_pin_flow_prints_tokens_that_pass_the_check(config, sandbox):
    keys = {"DISTRIBUTOR_X_MAIN_CONSUMER_KEY": "app-key", "DISTRIBUTOR_X_MAIN_CONSUMER_SECRET": "app-secret"}
    process = subprocess.Popen([sys.executable, "-m", "distributor", "--config", str(config), "accounts", "connect",
                                "x-main"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=_env(keys))
    try:
        url = None
        while url is None:
            line = process.stderr.readline()
            assert line, "the flow ended before showing the address"
            if line.startswith("http"):
                url = line.strip()
        assert url.startswith(f"{sandbox}/oauth/authorize?oauth_token=")
        pin = re.search(r"<code id=pin>(\d+)</code>", requests.get(url, timeout=5).text).group(1)
        out, err = process.communicate(pin + "\n", timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    lines = dict(line.split("=", 1) for line in out.splitlines())
    assert set(lines) == {"DISTRIBUTOR_X_MAIN_ACCESS_TOKEN", "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN_SECRET"}
    checked = cli("accounts", "check", "x-main", config=config, env=keys | lines)
    assert checked.returncode == 0 and "x-main: ok" in checked.stdout


def test_a_wrong_pin_is_one_line_and_prints_no_token(config):
    keys = {"DISTRIBUTOR_X_MAIN_CONSUMER_KEY": "app-key", "DISTRIBUTOR_X_MAIN_CONSUMER_SECRET": "app-secret"}
    result = cli("accounts", "connect", "x-main", config=config, env=keys, stdin="0000000\n")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip().splitlines()[-1].startswith("error: X did not accept that PIN")


def test_facebook_exchange_finds_the_page_token(config):
    app = {"DISTRIBUTOR_FB_MAIN_APP_ID": "123", "DISTRIBUTOR_FB_MAIN_APP_SECRET": "app-secret"}
    result = cli("accounts", "connect", "fb-main", config=config, env=app, stdin="short-lived-user-token\n")
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    name, token = line.split("=", 1)
    assert name == "DISTRIBUTOR_FB_MAIN_PAGE_ACCESS_TOKEN" and token
    assert "Page Example Page (1234567890)" in result.stderr
    checked = cli("accounts", "check", "fb-main", config=config, env={name: token})
    assert checked.returncode == 0, checked.stdout


def test_connect_names_the_missing_app_credentials(config):
    result = cli("accounts", "connect", "fb-main", config=config, env={}, stdin="")
    assert result.returncode == 1
    assert "DISTRIBUTOR_FB_MAIN_APP_ID, DISTRIBUTOR_FB_MAIN_APP_SECRET" in result.stderr


@pytest.mark.parametrize("typed", ["\udcff\udcfe\n", "short\x00lived\n", "two words\n"])
def test_a_token_that_is_not_text_is_one_clear_line_and_prints_nothing(config, typed):
    """A stray byte used to reach Facebook as a NUL, or fail as 'unexpected UnicodeEncodeError'."""
    app = {"DISTRIBUTOR_FB_MAIN_APP_ID": "123", "DISTRIBUTOR_FB_MAIN_APP_SECRET": "app-secret"}
    command = [sys.executable, "-m", "distributor", "--config", str(config), "accounts", "connect", "fb-main"]
    result = subprocess.run(command, input=typed.encode("utf-8", "surrogateescape"), capture_output=True,
                            timeout=60, env=_env(app))
    assert result.returncode == 1 and result.stdout == b""
    last = result.stderr.decode().strip().splitlines()[-1]
    assert last == "error: that User access token is not one: it should be letters, digits and punctuation only"
