"""The one exception tree of distributor.

    DistributorError                 anything we raise on purpose; the CLI prints it as one line
    ├── ConfigError                  bad or missing configuration / secret
    ├── FetchError                   a page or feed could not be fetched
    │   ├── FetchRefused             the address is private/loopback and not allowed
    │   └── PageTooLarge             the body passed fetch.max_page_bytes
    ├── FeedError                    the bytes are not a usable feed
    ├── ExtractError                 the bytes are not a usable article page
    ├── ComposeError                 a template is missing or fails to render
    ├── InvalidInput                 a value someone typed (CLI, API, form) that we refuse: id, time, text
    ├── NotFound                     a row the user named does not exist
    ├── InvalidTransition            a post cannot move from its state to the one asked
    └── PlatformError                a platform call failed; sorted by what the caller must do
        ├── RateLimited(retry_at)    wait until retry_at, then try again
        ├── AuthExpired              credentials are bad or expired: pause the account
        ├── Rejected(reason)         permanent (policy, invalid): fail the post
        │   └── DuplicateContent     the platform says it already has this text: maybe posted, reconcile
        └── Transient                5xx, timeouts, dropped connections: back off and retry

Third-party errors are translated at the boundary with ``raise ... from exc``.
"""

from __future__ import annotations

from datetime import datetime


class DistributorError(Exception):
    """Base of every error distributor raises on purpose."""


class ConfigError(DistributorError):
    pass


class FetchError(DistributorError):
    pass


class FetchRefused(FetchError):
    pass


class PageTooLarge(FetchError):
    pass


class FeedError(DistributorError):
    pass


class ExtractError(DistributorError):
    pass


class ComposeError(DistributorError):
    pass


class InvalidInput(DistributorError, ValueError):
    """A value typed by a person or a script that cannot be used; the message says why."""


class NotFound(DistributorError):
    pass


class InvalidTransition(DistributorError):
    pass


class PlatformError(DistributorError):
    """A platform call failed. Subclasses say what the dispatcher must do."""


class RateLimited(PlatformError):
    def __init__(self, message: str, retry_at: datetime, endpoint: str = ""):
        super().__init__(message)
        self.retry_at = retry_at
        self.endpoint = endpoint


class AuthExpired(PlatformError):
    pass


class Rejected(PlatformError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class DuplicateContent(Rejected):
    """The platform refuses the text as a duplicate: the post may already be out."""


class Transient(PlatformError):
    pass


class Unsupported(PlatformError):
    """The platform has no such action (X cannot edit a post): alert a person instead."""


class HttpStatusError(FetchError):
    """The server answered with an HTTP error; ``status`` says which (404/410: the page is gone)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status
