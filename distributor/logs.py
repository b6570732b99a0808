"""Logging set-up, with secrets redacted from every record.

facebook-sdk sends the Page token in query strings and urllib3 logs request
lines at DEBUG, so `-v` could otherwise print a token. The filter removes
``access_token=...`` and the value of every DISTRIBUTOR_* secret variable, from
the message, its arguments and any traceback.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_TOKEN_IN_URL = re.compile(r"(access_token=)[^&\s'\"]+", re.IGNORECASE)
_SECRET_VARIABLE = re.compile(
    r"^DISTRIBUTOR_.+_(CONSUMER_KEY|CONSUMER_SECRET|ACCESS_TOKEN|ACCESS_TOKEN_SECRET|PAGE_ACCESS_TOKEN|APP_PASSWORD"
    r"|SECRET)$|^DISTRIBUTOR_SECRET_KEY$|^DISTRIBUTOR_NOTIFY_WEBHOOK_URL$|^DISTRIBUTOR_SMTP_PASSWORD$")


def redact(text: str, secrets: list[str]) -> str:
    text = _TOKEN_IN_URL.sub(r"\1[redacted]", text)
    for secret in secrets:
        text = text.replace(secret, "[redacted]")
    return text


def _secret_values() -> list[str]:
    values = [value for name, value in os.environ.items() if _SECRET_VARIABLE.match(name)]
    for name, path in os.environ.items():  # Docker-style secrets: VARIABLE_FILE names a file holding it
        if name.endswith("_FILE") and _SECRET_VARIABLE.match(name.removesuffix("_FILE")):
            try:
                values.append(open(path, encoding="utf-8").read().strip())
            except (OSError, UnicodeDecodeError):
                pass
    return sorted((v for v in {form for value in values for form in secret_forms(value)} if len(v) >= 4),
                  key=len, reverse=True)


def secret_forms(value: str) -> list[str]:
    """What to take out of a text for the secret ``value``: itself, and a secret URL's path and query."""
    path = _url_path(value)
    return [value, path] if path else [value]


def _url_path(value: str) -> str | None:
    """The path and query of a secret URL (a Slack webhook's secret is its path), when long enough to be one.

    Libraries print a URL's host and path apart (urllib3's '"POST /services/... HTTP/1.1"', requests'
    "Max retries exceeded with url: /services/..."), so the whole URL alone is not found in their lines.
    """
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    rest = value.strip().split(parts.netloc, 1)[1].split("#", 1)[0]
    return rest if len(rest) >= 8 else None


# Every character str.splitlines() breaks a line at, and every control character a terminal obeys (ESC
# starts a command: clear the screen, retitle the window, write the clipboard; C1's CSI does too): written
# as an escape inside a record's arguments. A tab stays a tab.
_TERMINAL_CONTROLS = "".join(map(chr, [*range(0x09), *range(0x0b, 0x20), 0x7f, *range(0x80, 0xa0)]))
_LINE_BREAKS = str.maketrans({c: repr(c)[1:-1] for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029" + _TERMINAL_CONTROLS})
_CONTROLS_ONLY = str.maketrans({c: repr(c)[1:-1] for c in _TERMINAL_CONTROLS})


def printable(text: str) -> str:
    """``text`` with the control characters a terminal would obey written as escapes (\\x1b, \\r); line
    feeds and tabs kept. For what the CLI prints from outside: a page's headline, a feed's error, a post."""
    return text.translate(_CONTROLS_ONLY)


def _escaped(value):
    if isinstance(value, str):
        return value.translate(_LINE_BREAKS)
    if isinstance(value, BaseException):
        return str(value).translate(_LINE_BREAKS)
    return value


def one_line_arguments(record: logging.LogRecord) -> logging.LogRecord:
    """The record with line breaks in its arguments escaped (a copy; the original is left to other handlers).

    Arguments carry text from outside (a webhook's name from the URL, a hub's
    reason, a page's error): a line break in one would start what a reader of
    the log, or a log collector, takes for a line of ours ("... WARNING
    distributor.audit: ..."). The message and the traceback are ours, left as they are.
    """
    if not record.args:
        return record
    copy = logging.makeLogRecord(record.__dict__)
    if isinstance(record.args, dict):
        copy.args = {key: _escaped(value) for key, value in record.args.items()}
    else:
        copy.args = tuple(_escaped(value) for value in record.args)
    return copy


class RedactingFormatter(logging.Formatter):
    """Formats a record, its arguments and its traceback, then removes secrets from the whole text."""

    def __init__(self, fmt: str | None = None):
        super().__init__(fmt)
        self.secrets = _secret_values()

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(one_line_arguments(record)), self.secrets)


class RedactingJsonFormatter(RedactingFormatter):
    """One JSON object per line for log collectors: time, level, logger, message (and the traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": redact(one_line_arguments(record).getMessage(), self.secrets),
        }
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info), self.secrets)
        return json.dumps(entry, ensure_ascii=False)

    converter = time.gmtime


def use_format(kind: str) -> None:
    """Switch the handlers setup_logging installed to ``text`` or ``json`` lines."""
    formatter = RedactingJsonFormatter() if kind == "json" else RedactingFormatter(TEXT_FORMAT)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)


def setup_logging(verbose: int = 0) -> None:
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose == 1 else logging.WARNING
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("distributor").setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)
