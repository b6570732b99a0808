"""Logging set-up, with secrets redacted from every record.

facebook-sdk sends the Page token in query strings and urllib3 logs request
lines at DEBUG, so `-v` could otherwise print a token. The filter removes
``access_token=...`` and the value of every DISTRIBUTOR_* secret variable, from
the message, its arguments and any traceback.
"""

from __future__ import annotations

import logging
import os
import re

_TOKEN_IN_URL = re.compile(r"(access_token=)[^&\s'\"]+", re.IGNORECASE)
_SECRET_VARIABLE = re.compile(r"^DISTRIBUTOR_.+_(CONSUMER_KEY|CONSUMER_SECRET|ACCESS_TOKEN|ACCESS_TOKEN_SECRET|PAGE_ACCESS_TOKEN)$|^DISTRIBUTOR_SECRET_KEY$")


def redact(text: str, secrets: list[str]) -> str:
    text = _TOKEN_IN_URL.sub(r"\1[redacted]", text)
    for secret in secrets:
        text = text.replace(secret, "[redacted]")
    return text


def _secret_values() -> list[str]:
    return sorted(
        (value for name, value in os.environ.items() if _SECRET_VARIABLE.match(name) and len(value) >= 4),
        key=len,
        reverse=True,
    )


class RedactingFormatter(logging.Formatter):
    """Formats a record, its arguments and its traceback, then removes secrets from the whole text."""

    def __init__(self, fmt: str | None = None):
        super().__init__(fmt)
        self.secrets = _secret_values()

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)


def setup_logging(verbose: int = 0) -> None:
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose == 1 else logging.WARNING
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("distributor").setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)
