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
