"""Bad input on the command line: one line on stderr, exit 1, no traceback, nothing stored.

Most cases run ``distributor.cli.main`` in this process (argv as Python hands
it over: undecodable bytes as surrogates), which is fast; a few run the real
command in a separate process, bytes and all, to show nothing differs there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

BIG = str(2**63)
OVERFLOW = "9999-12-31T23:59:59-12:00"


def process(*args, env=None, timeout=60) -> subprocess.CompletedProcess:
    """The real command, in its own process."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("DISTRIBUTOR_")}
    command = [os.fsencode(sys.executable), b"-m", b"distributor"] + [a if isinstance(a, bytes) else os.fsencode(a) for a in args]
    return subprocess.run(command, capture_output=True, timeout=timeout, env=base | (env or {}))


@pytest.fixture
def run(monkeypatch, capfd, tmp_path):
    """``main()`` as the console script calls it, with a fresh CLI state per call."""
    from distributor import cli

    for name in [n for n in os.environ if n.startswith("DISTRIBUTOR_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)

    def invoke(*args, env=None, timeout=None) -> subprocess.CompletedProcess:
        monkeypatch.setattr(cli, "state", cli.State())
        with monkeypatch.context() as patch:
            for name, value in (env or {}).items():
                patch.setenv(name, value)
            patch.setattr(sys, "argv", ["distributor"] + [os.fsdecode(a) if isinstance(a, bytes) else a for a in args])
            capfd.readouterr()
            try:
                cli.main()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            captured = capfd.readouterr()
        return subprocess.CompletedProcess(args, code, captured.out.encode("utf-8", "surrogateescape"),
                                           captured.err.encode("utf-8", "surrogateescape"))

    return invoke


def assert_one_line(result: subprocess.CompletedProcess, words: str) -> None:
    stderr = result.stderr.decode("utf-8", "backslashreplace")
    shown = f"exit {result.returncode}, stderr: {stderr[:600]}"
    assert result.returncode == 1, shown
    assert "Traceback" not in stderr, shown
    assert stderr.startswith("error: ") and stderr.endswith("\n") and stderr.count("\n") == 1, shown
    assert words.lower() in stderr.lower(), shown


@pytest.fixture
def config(tmp_path):
    """SQLite: these inputs are refused before any query (the database-bound ones are in the process test)."""
    file = tmp_path / "distributor.toml"
    file.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "cli.db"}"\n[web]\ntimezone = "Europe/Paris"\n'
                    '[[accounts]]\nname = "rehearsal"\nplatform = "dryrun"\n')
    return file


def queued(run, config) -> list:
    result = run("--config", str(config), "queue", "list", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


ID_CASES = [
    (("queue", "show", BIG), "out of range"),
    (("queue", "show", "99999999999999999999999"), "out of range"),
    (("queue", "show", "²"), "not a number"),
    (("queue", "approve", "٣"), "not a number"),
    (("queue", "cancel", "abc"), "not a number"),
    (("queue", "retry", "1.5"), "not a number"),
    (("queue", "show", "-1"), "-1"),
    (("queue", "show", "424242"), "no post with id 424242"),
]

ADD = ("queue", "add", "--account", "rehearsal")
QUEUE_CASES = [
    ((*ADD, "--text", "x", "--at", OVERFLOW), "out of range"),
    ((*ADD, "--text", "x", "--at", "2000-01-01T09:00"), "has passed"),
    ((*ADD, "--text", "x", "--at", "yesterday"), "ISO 8601"),
    ((*ADD, "--text", b"caf\xe9 au lait"), "not valid UTF-8"),
    ((*ADD, "--text", "x", "--link", b"https://a.example/\xff"), "not valid UTF-8"),
    ((*ADD, "--text", "x" * 100_001), "characters long"),
    ((*ADD, "--text", "x", "--link", "javascript:alert(1)"), "http(s)"),
    (("queue", "add", "--account", "nobody", "--text", "x"), "no account named 'nobody'"),
    (("queue", "list", "--state", "bogus"), "unknown state"),
    (("queue", "list", "--state", b"\xff"), "unknown state"),
]


@pytest.mark.parametrize("args, words", ID_CASES + QUEUE_CASES,
                         ids=lambda v: v.decode("latin-1")[:40] if isinstance(v, bytes) else str(v)[:40])
def test_queue_inputs(run, config, args, words):
    assert_one_line(run("--config", str(config), *args), words)


def test_nothing_was_queued_by_the_refused_inputs(run, config):
    for args, _words in QUEUE_CASES[:6]:
        assert run("--config", str(config), *args).returncode == 1
    assert queued(run, config) == []


def test_the_real_command_in_its_own_process(tmp_path, database_url):
    """Undecodable bytes in argv, an id past 2^63, a broken database URL: the same one line from the real process."""
    file = tmp_path / "c.toml"
    file.write_text(f'[database]\nurl = "{database_url}"\n[[accounts]]\nname = "rehearsal"\nplatform = "dryrun"\n')
    assert_one_line(process("--config", str(file), *ADD, "--text", b"caf\xe9 au lait"), "not valid UTF-8")
    assert_one_line(process("--config", str(file), "queue", "show", BIG), "out of range")
    assert_one_line(process("--config", str(file), "queue", "show", "424242"), "no post with id 424242")
    assert_one_line(process("queue", "list", env={"DISTRIBUTOR_DATABASE_URL": "bogus://x"}), "DISTRIBUTOR_DATABASE_URL")
    listed = process("--config", str(file), "queue", "list", "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout) == []


REPORT_CASES = [
    (("--since", "99999999999d"), "too long"),
    (("--since", "2026-13-01"), "expected a duration"),
    (("--since", OVERFLOW), "out of range"),
    (("--since", "-3d"), "expected a duration"),
    (("--by", "bogus"), "--by"),
    (("--output", "report.txt"), "--output needs --format"),
    (("--format", "csv", "--output", "/proc/version"), "cannot write"),
]


@pytest.mark.parametrize("args, words", REPORT_CASES, ids=lambda v: str(v)[:40])
def test_report_inputs(run, tmp_path, args, words):
    file = tmp_path / "c.toml"
    file.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "r.db"}"\n')
    assert_one_line(run("--config", str(file), "report", *args), words)


def test_report_into_a_missing_folder(run, tmp_path):
    file = tmp_path / "c.toml"
    file.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "r.db"}"\n')
    target = tmp_path / "no" / "such" / "folder" / "r.html"
    assert_one_line(run("--config", str(file), "report", "--format", "html", "--output", str(target)), "no such file")
    assert not target.parent.exists()


@pytest.mark.parametrize("args, words", [
    (("sandbox", "--fail-rate", "2"), "--fail-rate"),
    (("sandbox", "--fail-rate", "-0.5"), "--fail-rate"),
    (("sandbox", "--port", "99999"), "--port"),
    (("sandbox", "--port", "-1"), "--port"),
    (("sandbox", "--delay-ms", "-5"), "--delay-ms"),
    (("sandbox", "--fail-rate", "lots"), "--fail-rate"),
    (("demo", "--web-port", "99999"), "--web-port"),
    (("demo", "--duration", "-1"), "--duration"),
    (("nonsense",), "no such command"),
], ids=lambda v: str(v)[:40])
def test_command_options_out_of_range(args, words):
    # its own process: were the value accepted, a server would start and the timeout end it
    assert_one_line(process(*args, timeout=30), words)


def test_a_database_url_that_cannot_work(run):
    assert_one_line(run("queue", "list", env={"DISTRIBUTOR_DATABASE_URL": "bogus://x"}), "DISTRIBUTOR_DATABASE_URL")
    assert_one_line(run("queue", "list", env={"DISTRIBUTOR_DATABASE_URL": "not a url"}), "not a database URL")
    # a PostgreSQL nobody listens for (loopback, a closed port): refused in one line, password not shown
    closed = "postgresql://someone:hunter2@127.0.0.1:9/nothing?connect_timeout=3"
    result = run("queue", "list", env={"DISTRIBUTOR_DATABASE_URL": closed})
    assert_one_line(result, "cannot open the database")
    assert b"hunter2" not in result.stderr


def test_configuration_files_that_cannot_be_read(run, tmp_path):
    assert_one_line(run("--config", str(tmp_path / "missing.toml"), "queue", "list"), "does not exist")
    garbled = tmp_path / "garbled.toml"
    garbled.write_bytes(b"\x00\xff\xfe[[accounts\n\x80")
    assert_one_line(run("--config", str(garbled), "queue", "list"), "not valid TOML")
    broken = tmp_path / "broken.toml"
    broken.write_text('[[accounts]]\nname = "x"\nplatform = \n')
    assert_one_line(run("--config", str(broken), "queue", "list"), "not valid TOML")
    assert_one_line(run("--config", str(tmp_path), "queue", "list"), "cannot read")
    mars = tmp_path / "mars.toml"
    mars.write_text('[web]\ntimezone = "Mars/Olympus"\n')
    assert_one_line(run("--config", str(mars), "queue", "list"), "unknown time zone 'Mars/Olympus'")
    env_file = {"DISTRIBUTOR_CONFIG": str(mars)}
    assert_one_line(run("report", env=env_file), "Mars/Olympus")


@pytest.mark.parametrize("args", [("users", "remove", b"a\xff@x.example"), ("tokens", "list", b"a\xff@x.example"),
                                  ("tokens", "create", b"a\xff@x.example"), ("users", "passwd", b"a\xff@x.example")],
                         ids=lambda v: " ".join(a if isinstance(a, str) else "BYTES" for a in v))
def test_an_email_that_is_not_text_is_refused_in_words(run, config, args):
    """Invalid UTF-8 in an email on the command line: what is wrong, not 'unexpected UnicodeEncodeError'."""
    assert_one_line(run("--config", str(config), *args), "the email is not valid UTF-8")
