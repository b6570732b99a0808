"""Logging set-up, with secrets redacted from every record.

facebook-sdk sends the Page token in query strings and urllib3 logs request
lines at DEBUG, so `-v` could otherwise print a token. The filter removes
``access_token=...`` and the value of every DISTRIBUTOR_* secret variable.
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


class RedactSecrets(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.secrets = sorted(
            (value for name, value in os.environ.items() if _SECRET_VARIABLE.match(name) and len(value) >= 4),
            key=len,
            reverse=True,
        )

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def setup_logging(verbose: int = 0) -> None:
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose == 1 else logging.WARNING
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("distributor").setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)
