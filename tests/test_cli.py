"""The `distributor` command as a user runs it: a separate process, its output and exit code."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from twitter_text import parse_tweet

SEED = Path(__file__).parent / "fixtures" / "seed" / "article.html"


def cli(*args, config=None, stdin=None, env=None, timeout=60) -> subprocess.CompletedProcess:
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("DISTRIBUTOR_")}
    command = [sys.executable, "-m", "distributor"] + (["--config", str(config)] if config else []) + list(args)
    return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=timeout, env=base_env | (env or {}))


@pytest.fixture
def config(tmp_path, database_url):
    file = tmp_path / "distributor.toml"
    file.write_text(f'[database]\nurl = "{database_url}"\n[[accounts]]\nname = "rehearsal"\nplatform = "dryrun"\n')
    return file


def test_extract_shows_a_headline_with_rich_markup_as_written(tmp_path):
    """A page's headline is data: "[/b]" must neither be styled nor crash the command."""
    page = tmp_path / "page.html"
    page.write_text('<html><head><title>Court [/b] rules [red]now[/red]</title></head><body><article>'
                    '<h1>Court [/b] rules [red]now[/red]</h1><p>' + "The court ruled on Monday. " * 20 + '</p>'
                    '</article></body></html>', encoding="utf-8")
    result = cli("extract", str(page))
    assert result.returncode == 0, result.stderr
    assert "Court [/b] rules [red]now[/red]" in result.stdout


def test_extract_json_on_the_seed_article():
    result = cli("extract", "--json", str(SEED))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["source"] == str(SEED)
    assert data["title"] == "U.S. Breaks Off Syria Ceasefire Talks With Russia"
    assert data["canonical_url"] == "https://hypeline.example/2016/10/04/us-breaks-off-syria-ceasefire-talks-with-russia/"
    assert data["image"]["url"] == "https://hypeline.example/wp-content/uploads/2016/10/aleppo-children.jpg"
    assert "four-year-old Esraa and her brother Waleed" in data["image"]["alt"]
    assert data["section"] == "World" and "World" in data["tags"]
    assert data["published_at"].startswith("2016-10-04T09:12")
    assert data["pull_quote"]["speaker"] in ("John Kirby", "Josh Earnest")
    assert data["pull_quote"]["text"] in SEED.read_text().split('<div class="comments">')[0]
    assert {q["speaker"] for q in data["quotes"]} == {"John Kirby", "Josh Earnest"}
    assert all("both sides" not in q["text"] for q in data["quotes"])


def test_extract_keeps_input_order_one_line_each():
    result = cli("extract", "--json", str(SEED), str(SEED))
    assert [json.loads(line)["source"] for line in result.stdout.splitlines()] == [str(SEED)] * 2


@pytest.mark.parametrize("platform", ["twitter", "facebook"])
def test_compose_json_on_the_seed_article(platform):
    result = cli("compose", "--json", "--platform", platform, str(SEED))
    assert result.returncode == 0, result.stderr
    post = json.loads(result.stdout)
    assert post["platform"] == platform
    assert post["link"] == "https://hypeline.example/2016/10/04/us-breaks-off-syria-ceasefire-talks-with-russia/"
    assert post["image_url"].endswith("aleppo-children.jpg")
    if platform == "twitter":
        assert post["length"] == parse_tweet(post["text"]).weightedLength <= 280
        assert post["link"] in post["text"]
    else:
        assert post["length"] == len(post["text"])


def test_errors_are_one_line_on_stderr_and_exit_non_zero(tmp_path):
    missing = cli("--config", str(tmp_path / "nope.toml"), "extract", str(SEED))
    assert missing.returncode != 0 and missing.stderr.count("\n") == 1 and "nope.toml" in missing.stderr
    no_file = cli("extract", str(tmp_path / "gone.html"))
    assert no_file.returncode == 1 and "no such file" in no_file.stderr and "Traceback" not in no_file.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('[[accounts]]\nname = "fb"\nplatform = "facebook"\n')
    invalid = cli("--config", str(bad), "queue", "list")
    assert invalid.returncode == 1 and "page_id" in invalid.stderr and invalid.stderr.count("\n") == 1


def test_a_missing_secret_is_a_start_up_error_naming_the_variable(tmp_path):
    file = tmp_path / "x.toml"
    file.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/x.db"\n[[accounts]]\nname = "x-main"\nplatform = "twitter"\n')
    result = cli("run", "--once", config=file)
    assert result.returncode == 1 and "DISTRIBUTOR_X_MAIN_CONSUMER_KEY" in result.stderr


def test_queue_a_manual_post_and_follow_it_to_sent(config):
    added = cli("queue", "add", "--account", "rehearsal", "--text", "Polls close at 10pm & results follow", config=config)
    assert added.returncode == 0, added.stderr
    post_id = added.stdout.strip()
    listed = json.loads(cli("queue", "list", "--json", config=config).stdout)
    assert [(str(p["id"]), p["state"], p["text"]) for p in listed] == [(post_id, "queued", "Polls close at 10pm & results follow")]

    assert cli("run", "--once", config=config).returncode == 0
    shown = json.loads(cli("queue", "show", post_id, "--json", config=config).stdout)
    assert shown["state"] == "sent" and shown["external_id"]
    assert [e["to"] for e in shown["history"]][-2:] == ["sending", "sent"]


def test_cancel_and_what_cannot_be_done(config):
    post_id = cli("queue", "add", "--account", "rehearsal", "--text", "Later", "--at", "2099-01-01T09:00", config=config).stdout.strip()
    assert cli("queue", "cancel", post_id, config=config).returncode == 0
    again = cli("queue", "approve", post_id, config=config)
    assert again.returncode == 1 and again.stderr.startswith("error:")
    unknown = cli("queue", "show", "99999", config=config)
    assert unknown.returncode == 1 and "99999" in unknown.stderr
    both = cli("queue", "add", "--account", "rehearsal", "--text", "x", "--article", "https://a.example/", config=config)
    assert both.returncode == 1 and "exactly one" in both.stderr


def test_users_and_tokens(config):
    assert cli("users", "add", "ed@news.example", "--role", "editor", stdin="a long password\n", config=config).returncode == 0
    token = cli("tokens", "create", "ed@news.example", config=config)
    assert token.returncode == 0 and len(token.stdout.strip()) >= 20
    nobody = cli("tokens", "create", "nobody@news.example", config=config)
    assert nobody.returncode == 1


def test_db_upgrade_reports_the_revision(config):
    result = cli("db", "upgrade", config=config)
    assert result.returncode == 0 and "revision" in result.stdout


def test_run_stops_cleanly_on_sigterm(config):
    process = subprocess.Popen(
        [sys.executable, "-m", "distributor", "--config", str(config), "run", "--no-web"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("DISTRIBUTOR_")},
    )
    try:
        deadline = time.monotonic() + 20
        line = ""
        while "running" not in line and time.monotonic() < deadline:
            line = process.stdout.readline()
        assert "running" in line
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_config_and_verbosity_may_follow_the_command(config):
    added = cli("queue", "add", "--account", "rehearsal", "--text", "Late edition", "--config", str(config), "-v")
    assert added.returncode == 0, added.stderr
    listed = cli("queue", "list", "--json", f"--config={config}")
    assert [p["text"] for p in json.loads(listed.stdout)] == ["Late edition"]


def test_an_x_post_over_280_is_refused_from_the_cli_too(tmp_path, database_url):
    file = tmp_path / "x.toml"
    file.write_text(f'[database]\nurl = "{database_url}"\n[[accounts]]\nname = "x-main"\nplatform = "twitter"\n')
    result = cli("queue", "add", "--account", "x-main", "--text", "word " * 70, config=file)
    assert result.returncode == 1 and "limit is 280" in result.stderr
    assert json.loads(cli("queue", "list", "--json", config=file).stdout) == []


def test_ctrl_c_while_the_command_is_still_loading_stops_without_a_traceback():
    """The first half second of `distributor demo` is importing the CLI; a Ctrl-C then is exit 130, quietly."""
    import subprocess
    import sys

    interrupt_while_importing = (
        "import sys\n"
        "class Interrupt:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'rich.console':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupt())\n"
        "sys.argv = ['distributor', 'demo']\n"
        "from distributor.__main__ import run\n"
        "run()\n"
    )
    answer = subprocess.run([sys.executable, "-c", interrupt_while_importing], capture_output=True, text=True,
                            timeout=60)
    assert answer.returncode == 130 and "Traceback" not in answer.stderr, answer.stderr


def test_queue_list_shows_a_text_with_brackets_verbatim(config):
    text = "[b]bold[/b] [link=https://x.org]a link[/link] [red]x[/] a[i]"  # the 60 characters shown
    added = cli("queue", "add", "--account", "rehearsal", "--text", text, config=config)
    assert added.returncode == 0, added.stderr
    listed = cli("queue", "list", config=config)
    assert listed.returncode == 0, listed.stderr
    assert text in listed.stdout
    assert all(header in listed.stdout for header in ("id", "account", "state", "when (UTC)", "text", "error / held because"))


def test_a_pages_terminal_escapes_are_shown_not_obeyed(tmp_path):
    """A hostile page's headline with ESC sequences must not clear the screen or write the clipboard of
    whoever runs `distributor extract` on it: control characters are shown as \\x1b, not sent."""
    page = tmp_path / "page.html"
    page.write_text("<html><head><title>Storm \x1b]52;c;ZWNobw==\x07 \x1b[2J warning</title></head><body><article>"
                    "<h1>Storm \x1b]52;c;ZWNobw==\x07 \x1b[2J warning</h1><p>The storm reached the coast at dawn, "
                    "and the harbour closed until the evening tide came in again.</p></article></body></html>",
                    encoding="utf-8")
    result = cli("extract", str(page))
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "Storm \\x1b]52;c;ZWNobw==\\x07 \\x1b[2J warning" in result.stdout


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_sandbox_refuses_to_listen_beyond_loopback_without_allow_network(host):
    """The sandbox has no login (its posts can be read and wiped by anyone who reaches it): a host other
    machines reach is refused in one line, before anything listens."""
    result = cli("sandbox", "--host", host, "--port", "0", timeout=30)
    assert result.returncode == 1
    assert "--allow-network" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
