"""Secrets never reach the log, whatever a library prints at DEBUG."""

import logging

from distributor.logs import setup_logging


import pytest


@pytest.fixture(autouse=True)
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_tokens_in_urls_and_secret_values_are_redacted(monkeypatch, capsys):
    monkeypatch.setenv("DISTRIBUTOR_FB_MAIN_PAGE_ACCESS_TOKEN", "EAAB-page-token-123")
    monkeypatch.setenv("DISTRIBUTOR_X_MAIN_CONSUMER_SECRET", "consumer-secret-456")
    setup_logging(verbose=2)
    log = logging.getLogger("urllib3.connectionpool")
    log.debug("GET /v23.0/42/feed?fields=message&access_token=EAAB-page-token-123 HTTP/1.1 200")
    log.debug("signing with %s", "consumer-secret-456")
    try:
        raise ConnectionError("GET https://graph.example/v23.0/me?access_token=EAAB-page-token-123 failed")
    except ConnectionError:
        logging.getLogger("distributor.dispatch").exception("publish failed")
    err = capsys.readouterr().err
    assert "EAAB-page-token-123" not in err and "consumer-secret-456" not in err
    assert err.count("[redacted]") >= 3 and "Traceback" in err  # message, argument, exception (and its source line)


def test_json_lines_for_log_collectors_are_redacted_too(monkeypatch, capsys, tmp_path):
    import json

    from distributor.logs import use_format

    secret_file = tmp_path / "webhook"
    secret_file.write_text("https://hooks.example/T0/B0/secret-in-a-file\n")
    monkeypatch.setenv("DISTRIBUTOR_NOTIFY_WEBHOOK_URL_FILE", str(secret_file))
    monkeypatch.setenv("DISTRIBUTOR_SMTP_PASSWORD", "smtp-password-789")
    setup_logging(verbose=0)
    use_format("json")
    log = logging.getLogger("distributor.notify")
    log.warning("posting to %s with %s", "https://hooks.example/T0/B0/secret-in-a-file", "smtp-password-789")
    try:
        raise OSError("smtp-password-789 refused")
    except OSError:
        log.exception("delivery failed")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(entry["level"], entry["logger"]) for entry in lines] == [("WARNING", "distributor.notify"),
                                                                      ("ERROR", "distributor.notify")]
    assert lines[0]["message"] == "posting to [redacted] with [redacted]"
    assert "[redacted] refused" in lines[1]["exception"] and "smtp-password-789" not in json.dumps(lines)
    assert lines[0]["time"].endswith("Z")


FORGED = "cms\n2026-12-01 10:00:00,000 WARNING distributor.audit: admin@newsroom.example created a token"


def test_text_from_outside_cannot_start_a_log_line_of_its_own(capsys):
    setup_logging(verbose=0)
    log = logging.getLogger("distributor.web.hooks")
    log.warning("webhook %s refused a request from %s: %d %s", FORGED, "203.0.113.9", 404, OSError("a\r\nb"))
    log.warning("hub said %(reason)s", {"reason": "no\u2028thanks"})
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2, lines
    assert lines[0].endswith("WARNING distributor.web.hooks: webhook cms\\n2026-12-01 10:00:00,000 WARNING "
                             "distributor.audit: admin@newsroom.example created a token refused a request from "
                             "203.0.113.9: 404 a\\r\\nb")
    assert lines[1].endswith("hub said no\\u2028thanks")


def test_a_webhook_name_with_a_line_break_is_one_log_line(engine, capsys):
    """Anyone can send POST /hooks/<anything>: the refusal's log line names what they sent, on one line."""
    from fastapi.testclient import TestClient

    from distributor.config import Settings
    from distributor.web import create_app

    settings = Settings(accounts=[{"name": "d", "platform": "dryrun"}], webhooks=[{"name": "cms"}])
    client = TestClient(create_app(settings, engine))
    setup_logging(verbose=0)
    answer = client.post("/hooks/" + FORGED.replace("\n", "%0A").replace(" ", "%20"), content=b"{}")
    assert answer.status_code == 404
    lines = [line for line in capsys.readouterr().err.splitlines() if "distributor.audit" in line]
    assert len(lines) == 1 and "WARNING distributor.web.hooks: webhook cms\\n2026-12-01" in lines[0], lines


TOKEN = "websub-callback-token-SECRET-1"
HASH = "$argon2id$v=19$m=65536,t=3,p=4$SECRET-password-hash"


def test_secrets_in_the_database_never_reach_the_log_even_with_sqlalchemy_at_debug(engine, capsys):
    """-vv, and even a logging set-up that turns SQLAlchemy's own logger to DEBUG (echo), never
    prints the values a query sends or reads (a WebSub token, a password hash), nor the
    parameters a database error carries into a traceback."""
    from sqlmodel import Session, select

    from distributor.models import Feed, User, WebSubSubscription

    setup_logging(verbose=2)
    sqlalchemy_log = logging.getLogger("sqlalchemy")
    saved = sqlalchemy_log.level
    sqlalchemy_log.setLevel(logging.DEBUG)
    try:
        with Session(engine) as session:
            feed = Feed(url="https://news.example/feed")
            session.add(feed)
            session.flush()
            session.add(WebSubSubscription(feed_id=feed.id, hub="https://hub.example/", topic=feed.url, token=TOKEN))
            session.add(User(email="ed@news.example", password_hash=HASH, role="admin"))
            session.commit()
        with Session(engine) as session:
            found = session.exec(select(WebSubSubscription).where(WebSubSubscription.token == TOKEN)).one()
            people = session.exec(select(User)).all()
        assert found.token == TOKEN and people[0].password_hash == HASH  # the values were really read
        try:
            with Session(engine) as session:
                session.add(WebSubSubscription(feed_id=feed.id, hub="https://hub.example/", topic="t", token=TOKEN))
                session.commit()
        except Exception:  # noqa: BLE001 - the unique token: a database error carrying the parameters
            logging.getLogger("distributor.web.websub").exception("could not record a push")
    finally:
        sqlalchemy_log.setLevel(saved)
    err = capsys.readouterr().err
    assert "SELECT" in err and "Traceback" in err  # SQL and the error were logged ...
    assert TOKEN not in err and "SECRET-password-hash" not in err  # ... without the values


def test_the_secret_part_of_a_webhook_url_is_redacted_when_a_library_prints_only_its_path(monkeypatch, capsys):
    """A Slack webhook URL's secret is its path; requests and urllib3 print the host and the path apart
    ("Max retries exceeded with url: /services/...", '"POST /services/... HTTP/1.1" 200')."""
    monkeypatch.setenv("DISTRIBUTOR_NOTIFY_WEBHOOK_URL", "https://hooks.example/services/T0/B0/path-secret-321")
    setup_logging(verbose=2)
    logging.getLogger("urllib3.connectionpool").debug('https://hooks.example:443 "POST /services/T0/B0/path-secret-321 '
                                                      'HTTP/1.1" 200 2')
    logging.getLogger("distributor.notify").warning("notifying failed (%s)", "ConnectionError: HTTPSConnectionPool("
                                                    "host='hooks.example', port=443): Max retries exceeded with url: "
                                                    "/services/T0/B0/path-secret-321 (Caused by ...)")
    err = capsys.readouterr().err
    assert "path-secret-321" not in err and err.count("[redacted]") == 2
    assert "hooks.example" in err  # where it went is still said


def test_text_from_outside_cannot_send_the_terminal_commands_through_the_log(capsys):
    """ESC in a feed's error or a page's title, printed raw, lets whoever wrote it clear the operator's
    screen, retitle the window, fake a link or write the clipboard (OSC 52) of the terminal reading the log."""
    setup_logging(verbose=0)
    logging.getLogger("distributor.pipeline").warning("feed %s failed: %s", "https://example.com/feed",
                                                      "\x1b]52;c;ZWNobyBwd25lZA==\x07 \x1b[2J\x9b31m gone")
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and "\x9b" not in err
    assert "\\x1b]52;c;ZWNobyBwd25lZA==\\x07 \\x1b[2J\\x9b31m gone" in err
