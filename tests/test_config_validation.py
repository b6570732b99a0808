"""The whole configuration is checked at start-up: every problem in one message.

`timezone = "Mars/Olympus"` and `quiet_hours = [25, -1]` used to be accepted,
and then every dispatch round failed with a traceback; a missing secret was
reported one at a time, one start after another.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from distributor.config import load_settings
from distributor.errors import ConfigError

BROKEN = """
[web]
timezone = "Mars/Olympus"

[[feeds]]
url = "ftp://feeds.example/rss"
accounts = ["x-main", "nobody", "fb-gone"]

[[accounts]]
name = "x-main"
platform = "twitter"
quiet_hours = [25, -1]
timezone = "Europe/Atlantis"
api_base_url = "127.0.0.1:8765"

[[accounts]]
name = "fb-main"
platform = "facebook"
page_id = "1"
"""


def problems_of(message: str) -> list[str]:
    return re.findall(r"\(\d+\) ([^;]+)", message)


def test_every_problem_is_listed_in_one_message(tmp_path):
    file = tmp_path / "c.toml"
    file.write_text(BROKEN)
    with pytest.raises(ConfigError) as caught:
        load_settings(file)
    message = str(caught.value)
    assert "\n" not in message
    for expected in [
        "web.timezone: unknown time zone 'Mars/Olympus'",
        "accounts.0.timezone (x-main): unknown time zone 'Europe/Atlantis'",
        "accounts.0.quiet_hours.0 (x-main): Input should be less than or equal to 23",
        "accounts.0.quiet_hours.1 (x-main): Input should be greater than or equal to 0",
        "accounts.0.api_base_url (x-main): '127.0.0.1:8765' is not an http(s) URL",
        "feeds.0.url (ftp://feeds.example/rss): 'ftp://feeds.example/rss' is not an http(s) URL",
        "names unknown account 'nobody'",
        "names unknown account 'fb-gone'",
    ]:
        assert expected in message, message
    assert len(problems_of(message)) == 8


def test_with_secrets_the_missing_ones_join_the_list(tmp_path):
    file = tmp_path / "c.toml"
    file.write_text(BROKEN)
    with pytest.raises(ConfigError) as caught:
        load_settings(file, secrets=True, environ={"DISTRIBUTOR_X_MAIN_CONSUMER_KEY": "set"})
    message = str(caught.value)
    assert ("account 'x-main' needs the environment variables DISTRIBUTOR_X_MAIN_CONSUMER_SECRET, "
            "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN, DISTRIBUTOR_X_MAIN_ACCESS_TOKEN_SECRET") in message
    assert "account 'fb-main' needs the environment variable DISTRIBUTOR_FB_MAIN_PAGE_ACCESS_TOKEN" in message
    assert "Mars/Olympus" in message and len(problems_of(message)) == 10


@pytest.mark.parametrize("body, expected", [
    ('[web]\ntimezone = "Mars/Olympus"\n', "unknown time zone 'Mars/Olympus'"),
    ('[[accounts]]\nname = "a"\nplatform = "dryrun"\nquiet_hours = [22, 24]\n', "quiet_hours.1"),
    ('[[accounts]]\nname = "a"\nplatform = "dryrun"\ntimezone = "../../etc/passwd"\n', "unknown time zone"),
    ('[database]\nurl = "mysql://db/x"\n', "database 'mysql' is not supported"),
    ('[database]\nurl = "nonsense"\n', "not a database URL"),
    ('[[feeds]]\nurl = "https://a.example/feed"\n[[feeds]]\nurl = "https://a.example/feed"\n', "listed twice"),
    ('[engagement]\nschedule_minutes = [10, 0]\n', "schedule_minutes.1"),
    ('[[accounts]]\nname = "a"\nplatform = "dryrun"\n[[accounts]]\nname = "a"\nplatform = "dryrun"\n', "unique"),
])
def test_each_kind_of_problem_is_refused(tmp_path, body, expected):
    file = tmp_path / "c.toml"
    file.write_text(body)
    with pytest.raises(ConfigError, match=re.escape(expected)):
        load_settings(file)


def test_a_good_configuration_still_loads(tmp_path):
    file = tmp_path / "c.toml"
    file.write_text('[web]\ntimezone = "America/New_York"\n[[feeds]]\nurl = "https://a.example/feed"\n'
                    'accounts = ["a"]\n[[accounts]]\nname = "a"\nplatform = "dryrun"\nquiet_hours = [23, 6]\n'
                    'api_base_url = "http://127.0.0.1:8765"\n')
    settings = load_settings(file)
    assert settings.accounts[0].quiet_hours == (23, 6) and settings.accounts[0].timezone == "America/New_York"


def test_run_refuses_to_start_with_one_message_listing_every_problem(tmp_path):
    file = tmp_path / "c.toml"
    file.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "d.db"}"\n' + BROKEN)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISTRIBUTOR_")}
    result = subprocess.run([sys.executable, "-m", "distributor", "--config", str(file), "run", "--once"],
                            capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert len(problems_of(result.stderr)) == 10
    assert "Mars/Olympus" in result.stderr and "DISTRIBUTOR_FB_MAIN_PAGE_ACCESS_TOKEN" in result.stderr
    assert not (tmp_path / "d.db").exists()  # nothing was started


def test_several_cross_reference_problems_are_counted_one_by_one(tmp_path):
    file = tmp_path / "c.toml"
    file.write_text('[[feeds]]\nurl = "https://a.example/feed"\naccounts = ["ghost", "phantom"]\n'
                    '[[feeds]]\nurl = "https://a.example/feed"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(file)
    assert problems_of(str(caught.value)) == [
        "feed https://a.example/feed names unknown account 'ghost'",
        "feed https://a.example/feed names unknown account 'phantom'",
        "feed https://a.example/feed is listed twice",
    ]
