"""What the rest of distributor knows about a platform, declared as data.

A ``PlatformSpec`` is plain values only (no SDK, no config import), so the
configuration, the composer, the desk, the CLI and the sandbox can all read
it without loading any platform library. Each platform declares one in its
own module beside this one; ``specs/__init__.py`` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Literal, Mapping

# How a platform counts a post's text:
#   x_weighted  X's weighted rules (twitter-text: URLs 23, CJK and emoji 2)
#   graphemes   user-perceived characters (Bluesky)
#   characters  Unicode code points; URLs count ``url_length`` when that is set (Mastodon)
#   emoji_bytes code points, but an emoji counts as its UTF-8 bytes (Threads: "Emojis are counted as the
#               number of UTF-8 bytes", Threads API, Posts, Limitations)
Counting = Literal["x_weighted", "graphemes", "characters", "emoji_bytes"]


@dataclass(frozen=True)
class TextRule:
    counting: Counting
    max_length: int
    url_length: int | None = None  # a URL's fixed weight, or None when URLs count as written
    max_bytes: int | None = None  # a limit on the UTF-8 size as well (Bluesky: 3,000)
    hint: str = ""  # shown next to the desk's counter


@dataclass(frozen=True)
class Secret:
    key: str  # suffix of DISTRIBUTOR_<ACCOUNT>_
    where: str  # where a user gets it (README, `accounts connect`)


@dataclass(frozen=True)
class AccountField:
    """An account setting this platform reads (beside the common ones)."""

    name: str
    required: bool = False
    help: str = ""


@dataclass(frozen=True)
class Capabilities:
    link_card: bool = False  # the platform shows a card for the link (built by it or by us)
    link_in_text: bool = True  # the link is part of the text (else a separate field)
    images: int = 0  # how many images one post may carry
    alt_text: bool = False
    edit: bool = False
    delete: bool = False
    threads: bool = False  # replies / threads
    idempotency: bool = False  # a retried create can never post twice
    image_in_card: bool = False  # with a link, the image is the card's thumbnail (which has no alt text)
    first_comment: bool = False  # a comment we post under the post once it is out (Facebook)
    max_thread_posts: int = 1  # a manual post may be a thread of this many posts, each a reply to the one before


@dataclass(frozen=True)
class PlatformSpec:
    name: str  # the `platform` value in the configuration
    label: str  # what people read ("X", "Bluesky")
    text: TextRule
    secrets: tuple[Secret, ...]
    adapter: str  # "module:Class" with a ``from_account`` factory, imported only when used
    sandbox: str | None  # the sandbox module speaking this platform (None: never talks HTTP)
    template: str  # default template file in templates/
    capabilities: Capabilities = Capabilities()
    account_fields: tuple[AccountField, ...] = ()
    max_image_bytes: int = 5 * 1024 * 1024
    metrics_batch_size: int = 1  # ids per metrics call
    # our metric name -> the platform's name for it
    metrics: Mapping[str, str] = field(default_factory=dict)
    # purpose -> USD per call (empty: the defaults live with the cost ledger, or the calls are free)
    prices: Mapping[str, float] = field(default_factory=dict)
    # cross-field account checks: (account values) -> problems; field presence is checked from account_fields
    validate: Callable[[Mapping[str, object]], list[str]] | None = None
    setup: str = ""  # one paragraph for the README and `accounts connect`: credentials and permissions

    @property
    def max_images(self) -> int:
        """How many images one manual post may carry here (the first one and the extras)."""
        return self.capabilities.images

    def secret_variables(self, env_prefix: str) -> list[str]:
        return [env_prefix + secret.key for secret in self.secrets]

    def account_problems(self, values: Mapping[str, object]) -> list[str]:
        """What this platform needs of an account that ``values`` (its settings) lacks."""
        problems = [f"{self.name} account {values.get('name')!r} needs {f.name}"
                    for f in self.account_fields if f.required and not values.get(f.name)]
        if self.validate is not None:
            problems += self.validate(values)
        return problems
