"""Settings: the TOML file, overridden by documented environment variables.

Built once in the entry point (``load_settings``), validated there, never at
import time: every problem of the file (unknown time zones, impossible hours,
URLs that are not http(s), feeds naming accounts that do not exist, and with
``secrets=True`` every missing secret) is listed in one ConfigError, so a
broken configuration is fixed in one go instead of one error per start.
Secrets (platform tokens) are never read from the file: they come
from the environment, looked up by ``account_secrets`` when an adapter is built.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, Optional
from urllib.parse import urlsplit

from pydantic import (BaseModel, ConfigDict, Field, SecretStr, ValidationError, create_model, field_validator,
                      model_validator)

from distributor.errors import ConfigError, InvalidInput
from distributor.inputs import zone_named
from distributor.platforms.specs import PLATFORM_NAMES, SPECS

DEFAULT_CONFIG_PATH = "distributor.toml"
CONFIG_ENV = "DISTRIBUTOR_CONFIG"

# The platforms and their secrets come from the platform registry (distributor/platforms/specs/).
PLATFORMS = PLATFORM_NAMES
# Graph API versions before this one have expired (v20: 2026-09-24) or expire within weeks (v21: 2027-01-21)
MIN_GRAPH_MAJOR = 22
MAX_ENGAGEMENT_MINUTES = 30 * 24 * 60  # X gives non-public metrics for 30 days: never collect later
# A price or budget in USD: finite and at most a million (the ledger counts micro-USD in 64 bits)
Usd = Annotated[float, Field(ge=0, le=1_000_000, allow_inf_nan=False)]

# Secrets each platform needs, as suffixes of DISTRIBUTOR_<ACCOUNT>_...
SECRET_KEYS: dict[str, tuple[str, ...]] = {name: tuple(s.key for s in spec.secrets) for name, spec in SPECS.items()}

# Documented environment variables that override a key of the file.
ENV_OVERRIDES: dict[str, tuple[str, ...]] = {
    "DISTRIBUTOR_DATABASE_URL": ("database", "url"),
    "DISTRIBUTOR_ALLOW_PRIVATE_NETWORKS": ("fetch", "allow_private_networks"),
    "DISTRIBUTOR_WEB_HOST": ("web", "host"),
    "DISTRIBUTOR_WEB_PORT": ("web", "port"),
    "DISTRIBUTOR_LOG_FORMAT": ("logging", "format"),
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _zone(value: str | None) -> str | None:
    """A time zone the scheduler can use; "Mars/Olympus" would fail every dispatch round later."""
    if value is not None:
        try:
            zone_named(value)
        except InvalidInput as exc:
            raise ValueError(str(exc)) from None
    return value


def _http_url(value: str | None) -> str | None:
    if value is None:
        return value
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value[:80]!r} is not an http(s) URL with a host")
    return value


Hour = Annotated[int, Field(ge=0, le=23)]

UTM_FIELDS = ("platform", "account", "section")  # what a [[accounts]] utm template may name


def _utm_template(value: str | None) -> str | None:
    """A query string whose values may name {platform}, {account}, {section}; refused here, not at the first post."""
    import string
    from urllib.parse import parse_qsl

    if value is None or not value.strip():
        return None
    value = value.strip().lstrip("?")
    try:
        pairs = parse_qsl(value, keep_blank_values=True, strict_parsing=True)
        for key, text in pairs:
            for _literal, field, spec, conversion in string.Formatter().parse(text):
                if field is not None and (field not in UTM_FIELDS or spec or conversion):
                    raise ValueError(f"{{{field}}} is not one of " + ", ".join(f"{{{f}}}" for f in UTM_FIELDS))
            if not key:
                raise ValueError("a parameter has no name")
    except ValueError as exc:
        raise ValueError(f"utm {value[:80]!r}: {exc}") from None
    return value


class DatabaseSettings(_Section):
    url: str = "sqlite:///distributor.db"

    @field_validator("url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            backend = make_url(value).get_backend_name()
        except ArgumentError:
            raise ValueError(f"{value[:80]!r} is not a database URL (sqlite:///file.db or postgresql://...)") from None
        if backend not in ("sqlite", "postgresql"):
            raise ValueError(f"database {backend!r} is not supported: use sqlite:///file.db or postgresql://...")
        return value


class FetchSettings(_Section):
    allow_private_networks: bool = False
    timeout_seconds: float = Field(10.0, gt=0)  # to connect, and between two reads
    total_seconds: float = Field(30.0, gt=0)  # the whole fetch, redirects included
    max_page_bytes: int = Field(5_000_000, gt=0)
    max_redirects: int = Field(5, ge=0)
    user_agent: str = "distributor/0.1 (newsroom social distribution bot)"


class BreakingRule(_Section):
    """What marks an article as breaking news: any one of these that matches."""

    sections: list[str] = []  # the page's section (case-insensitive)
    tags: list[str] = []  # one of the article's tags or categories
    field: str | None = None  # webhooks: a top-level JSON field of the payload that is true
    template: str | None = None  # the template breaking posts use instead of the account's


class FeedSettings(_Section):
    url: str
    poll_seconds: int = Field(60, ge=1)
    accounts: list[str] | None = None  # None: every account
    backfill: int = Field(0, ge=0)  # on first sight, post the newest N items
    max_age_hours: float = Field(48.0, gt=0)  # older items are recorded, not posted
    # other sites (domains) whose canonical URLs this feed's pages may name; by default
    # a canonical URL counts only on the item link's own site
    canonical_sites: list[str] = []
    # WebSub: subscribe to the hub the feed announces (needs [web] public_url); polled every
    # websub_poll_seconds meanwhile as a safety net, every poll_seconds again when the hub fails
    websub: bool = True
    websub_poll_seconds: int = Field(900, ge=1)
    breaking: BreakingRule | None = None  # what marks this feed's articles as breaking news
    kind: Literal["feed", "wordpress"] = "feed"  # wordpress: url is the site; its REST API is polled

    _url_is_http = field_validator("url")(_http_url)


class WebhookSettings(_Section):
    """A CMS that tells us it published: ``POST /hooks/<name>``, secret DISTRIBUTOR_WEBHOOK_<NAME>_SECRET."""

    name: str
    kind: Literal["generic", "ghost", "wordpress"] = "generic"
    accounts: list[str] | None = None  # None: every account
    breaking: BreakingRule | None = None
    max_body_bytes: int = Field(1_000_000, ge=1024, le=20_000_000)  # larger requests are refused unread
    max_age_seconds: int = Field(300, ge=1)  # a signed time (Ghost's t=, X-Distributor-Timestamp) further away is a replay
    require_timestamp: bool = False  # generic, wordpress: refuse requests without a signed X-Distributor-Timestamp

    @field_validator("name")
    @classmethod
    def _name_is_env_safe(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", value):
            raise ValueError("webhook names use letters, digits, '-' and '_' only")
        return value

    @property
    def secret_variable(self) -> str:
        return "DISTRIBUTOR_WEBHOOK_" + self.name.upper().replace("-", "_") + "_SECRET"


def _colour(value: str) -> str:
    """A CSS-style colour ('#13233a', 'white'), checked the way the card renderer reads it."""
    from PIL import ImageColor

    try:
        ImageColor.getrgb(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a colour (use '#rrggbb' or a CSS colour name)") from None
    return value


class CardSettings(_Section):
    """Quote cards: the brand (colours, fonts, logo) and where rendered cards are kept."""

    background: str = "#13233a"  # plain background, when there is no photo behind the quote
    text: str = "#ffffff"
    accent: str = "#f2b134"  # quote mark, speaker, the bar on the edge
    font: str | None = None  # a font file for the quote (default: Noto Serif, per script)
    label_font: str | None = None  # a font file for speaker, headline and site name (default: Noto Sans)
    logo: str | None = None  # an image file (PNG with transparency is best)
    logo_position: Literal["bottom-right", "bottom-left", "top-right", "top-left"] = "bottom-right"
    site_name: str | None = None  # default: the article's site name
    show_headline: bool = True
    use_photo: bool = True  # the lead photo behind the quote when the article has a usable one
    darken: float = Field(0.55, ge=0, le=1)  # how much a photo behind the quote is darkened
    format: Literal["auto", "jpeg", "png"] = "auto"  # auto: PNG on a plain background, JPEG over a photo
    cache_dir: str = "cards"  # rendered cards, relative to the configuration file

    @field_validator("background", "text", "accent")
    @classmethod
    def _is_colour(cls, value: str) -> str:
        return _colour(value)


def _card_overrides_model() -> type[BaseModel]:
    """``[cards]`` with every key optional: what an account may change (checked like [cards] itself)."""
    fields = {name: (Optional[Annotated[field.annotation, *field.metadata]] if field.metadata
                     else Optional[field.annotation], None)
              for name, field in CardSettings.model_fields.items()}
    colours = field_validator("background", "text", "accent")(lambda cls, v: v if v is None else _colour(v))
    return create_model("CardOverrides", __base__=_Section, __validators__={"_is_colour": colours}, **fields)


CardOverrides = _card_overrides_model()


class EvergreenSettings(_Section):
    """Re-share an article's post after ``after_days`` when it did well, with the article's runner-up quote."""

    after_days: float = Field(7.0, gt=0)
    min_engagement: int = Field(50, ge=0)  # likes + shares + comments of the post's latest snapshot
    max_age_days: float = Field(30.0, gt=0)  # posts older than this are not re-shared


class AccountSettings(_Section):
    name: str
    platform: Literal[PLATFORM_NAMES]  # type: ignore[valid-type]  # the registry's names
    template: str | None = None  # default: "<platform>.j2"
    api_base_url: str | None = None  # only for the sandbox
    page_id: str | None = None  # Facebook Page id
    handle: str | None = None  # Bluesky handle (newsroom.bsky.social)
    user_id: str | None = None  # Threads user id
    max_characters: int | None = Field(None, gt=0)  # Mastodon: the instance's limit when it is not 500
    post_type: Literal["link", "photo"] = "link"  # Facebook: link post or photo post
    require_approval: bool = False
    min_gap_minutes: float = Field(0.0, ge=0)
    quiet_hours: tuple[Hour, Hour] | None = None  # [start_hour, end_hour) local time, no posting
    timezone: str | None = None  # default: [web].timezone
    max_delay_hours: float | None = Field(None, ge=0)  # default: [scheduler].max_delay_hours

    # Pull quotes in automatic posts: "auto" trusts the extractor, "review_if_unsure"
    # holds (or drops, see unsure_quote) a quote below the confidence threshold,
    # "never" composes without quotes.
    quote_policy: Literal["auto", "review_if_unsure", "never"] = "review_if_unsure"
    unsure_quote: Literal["hold", "drop_quote"] = "hold"

    image: Literal["lead", "quote_card", "auto"] = "lead"  # the picture: lead photo, quote card, or card when no photo
    cards: CardOverrides = CardOverrides()  # this account's changes to [cards] (colours, logo, ...)
    on_change: Literal["alert", "edit"] = "alert"  # a posted story's headline or quote changed
    on_unpublish: Literal["alert", "delete"] = "alert"  # a posted story is gone (404/410, unpublished)

    # Costs (X bills every call): a post that would pass a budget is held until the
    # budget allows it or an editor sends it anyway; engagement reads may spend at
    # most read_budget_share of each budget and are the first to stop.
    budget_usd_per_day: Usd | None = None
    budget_usd_per_month: Usd | None = None
    read_budget_share: float = Field(0.2, ge=0, le=1)
    link_policy: Literal["in_post", "none"] = "in_post"  # none: the link stays out of the text (cards only)
    x_media_api: Literal["v2", "v1.1"] = "v2"  # X media upload: v2 (default) or the old v1.1 path
    graph_version: str = "v25.0"  # Facebook Graph API version, checked at start-up

    # query parameters added to the link of every post (links.py), e.g.
    # "utm_source={platform}&utm_medium=social&utm_campaign={section}"; never to the canonical URL
    utm: str | None = None
    evergreen: EvergreenSettings | None = None  # re-share posts that did well (evergreen.py)

    _zone_is_known = field_validator("timezone")(_zone)
    _utm_is_a_template = field_validator("utm")(_utm_template)
    _api_url_is_http = field_validator("api_base_url")(_http_url)

    @field_validator("name")
    @classmethod
    def _name_is_env_safe(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", value):
            raise ValueError("account names use letters, digits, '-' and '_' only")
        return value

    @field_validator("graph_version")
    @classmethod
    def _graph_version_is_current(cls, value: str) -> str:
        match = re.fullmatch(r"v(\d+)\.0", value.strip())
        if not match:
            raise ValueError(f"graph_version {value!r} is not a Graph API version such as 'v25.0'")
        if int(match.group(1)) < MIN_GRAPH_MAJOR:
            raise ValueError(f"graph_version {value!r} has expired or expires soon; use v{MIN_GRAPH_MAJOR}.0 or later")
        return value.strip()

    @model_validator(mode="after")
    def _platform_needs(self) -> "AccountSettings":
        problems = SPECS[self.platform].account_problems(self.model_dump())
        if problems:
            raise ValueError("; ".join(problems))
        if self.template is None:
            self.template = SPECS[self.platform].template
        return self

    @classmethod
    def for_platform(cls, platform: str) -> "AccountSettings":
        """A stand-in account named after ``platform`` (`compose --platform` without --account): its
        platform's own settings (page id, handle) are not needed to compose."""
        return cls.model_construct(name=platform, platform=platform, template=SPECS[platform].template)

    @property
    def env_prefix(self) -> str:
        return "DISTRIBUTOR_" + self.name.upper().replace("-", "_") + "_"


class WebSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    timezone: str = "UTC"  # editors' default time zone for scheduling
    trusted_proxies: list[str] = []  # addresses / networks whose X-Forwarded-For and -Proto are believed
    public_url: str | None = None  # how the internet reaches this web process (WebSub callbacks)
    # Host names the desk answers to besides loopback, public_url's and [links] redirect_base's host and
    # `host` itself (web/hosts.py: DNS rebinding); "*.example.com" a domain, "*" any
    allowed_hosts: list[Annotated[str, Field(min_length=1, max_length=253)]] = []

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, values: list[str]) -> list[str]:
        import ipaddress

        normalised = []
        for value in values:  # written as uvicorn's ProxyHeadersMiddleware reads them, or refused
            try:
                parsed = ipaddress.ip_network(value.strip(), strict=False) if "/" in value else ipaddress.ip_address(value.strip())
            except ValueError:
                raise ValueError(f"{value!r} is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/8)") from None
            normalised.append(str(parsed))
        return normalised

    @field_validator("allowed_hosts")
    @classmethod
    def _allowed_hosts_are_names(cls, values: list[str]) -> list[str]:
        """Host names as the Host check compares them (lower case, no port, brackets or trailing dot),
        or refused: "desk.example:8000" written with its port, or a URL, would never match."""
        names = []
        for value in values:
            name = value.strip().lower()
            if "/" in name or any(c.isspace() for c in name) or "@" in name:
                raise ValueError(f"{value!r} is not a host name: write it as a browser's address bar shows the "
                                 "host, without scheme or path (e.g. desk.newsroom.example)")
            if name.startswith("[") and "]" in name:
                name = name[1:name.index("]")]
            elif name.count(":") == 1:
                name = name.split(":", 1)[0]  # the port: the check ignores ports
            if not name.rstrip("."):
                raise ValueError(f"{value!r} is not a host name")
            names.append(name.rstrip("."))
        return names

    _zone_is_known = field_validator("timezone")(_zone)
    _public_url_is_http = field_validator("public_url")(_http_url)


class DeskSettings(_Section):
    """How the editors' desk works with people (not with platforms)."""

    # "anyone": any logged-in editor may approve a post; "other_editor": never its own author
    approval: Literal["anyone", "other_editor"] = "anyone"


class EngagementSettings(_Section):
    # minutes after publishing at which a snapshot is taken
    schedule_minutes: list[Annotated[int, Field(gt=0)]] = [10, 60, 360, 1440, 4320, 10080]
    # Graph insights metric names (Meta renames them; keep them here, not in code)
    facebook_insights_metrics: list[str] = ["post_media_view", "post_clicks"]
    # per platform, replacing schedule_minutes for it; without either, X uses 1 h, 24 h, 7 d (it bills every read)
    schedule_by_platform: dict[str, list[Annotated[int, Field(gt=0, le=MAX_ENGAGEMENT_MINUTES)]]] = {}


class CostSettings(_Section):
    """[costs.<platform>]: price list lines in USD over the documented defaults (delivery/costs.py)."""

    twitter: dict[str, Usd] = {}
    facebook: dict[str, Usd] = {}


class SchedulerSettings(_Section):
    dispatch_seconds: float = Field(5.0, gt=0)
    collect_seconds: float = Field(60.0, gt=0)
    lease_seconds: float = Field(120.0, gt=0)  # renewed while a worker publishes; expires when it dies
    max_attempts: int = Field(8, ge=1)  # transient failures before a post is failed
    backoff_base_seconds: float = Field(30.0, gt=0)  # doubled per attempt, with jitter
    backoff_max_seconds: float = Field(3600.0, gt=0)
    # an automatic post this many hours past its time is cancelled, not sent (0: no limit)
    max_delay_hours: float = Field(24.0, ge=0)


NOTIFY_EVENTS = ("account_paused", "post_failed", "approval_waiting", "feed_failing", "budget", "article_changed", "approval_requested", "sent_back")


class NotifySettings(_Section):
    """Where and when people are told (secrets: DISTRIBUTOR_NOTIFY_WEBHOOK_URL, DISTRIBUTOR_SMTP_USERNAME/_PASSWORD)."""

    events: list[Literal["account_paused", "post_failed", "approval_waiting", "feed_failing", "budget",
                         "article_changed", "approval_requested", "sent_back"]] = list(NOTIFY_EVENTS)
    approval_wait_minutes: float = Field(60.0, gt=0)
    feed_failures: int = Field(3, ge=1)  # polls failed in a row before a feed is reported
    check_seconds: float = Field(60.0, gt=0)
    email_to: list[str] = []
    email_from: str = "distributor@localhost"
    smtp_host: str | None = None
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_starttls: bool = True


class CorrectionSettings(_Section):
    """Posted stories are read again this many minutes after posting, to catch corrections."""

    recheck_minutes: list[Annotated[int, Field(gt=0)]] = [10, 60, 360]
    check_seconds: float = Field(60.0, gt=0)  # how often due re-reads are looked for


class LinksSettings(_Section):
    """Click tracking (links.py): each post's link goes through ``redirect_base``/<code> on the web process."""

    redirect_base: str | None = None  # e.g. "https://social.newsroom.example/l"; unset: links go out untracked

    @field_validator("redirect_base")
    @classmethod
    def _a_base_with_a_path(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = _http_url(value.strip()).rstrip("/")
        parts = urlsplit(value)
        if parts.query or parts.fragment or not parts.path.strip("/"):
            raise ValueError(f"redirect_base {value[:80]!r}: give a path, like https://host/l (no query)")
        return value


class LoggingSettings(_Section):
    format: Literal["text", "json"] = "text"  # json: one object per line for log collectors


def _documented_environment() -> dict[str, Any]:
    """The environment variables INTERFACE.md documents, nothing else, as sections of the file."""
    data: dict[str, Any] = {}
    for name, path in ENV_OVERRIDES.items():
        if name in os.environ:
            section = data.setdefault(path[0], {})
            section[path[1]] = os.environ[name]
    return data


def _deep_merge(base: dict[str, Any], winner: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``winner``'s keys over it, tables merged key by key (pydantic's own is private)."""
    merged = dict(base)
    for key, value in winner.items():
        if isinstance(merged.get(key), dict) and isinstance(value, dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class Settings(BaseModel):
    # A plain model, not pydantic-settings' BaseSettings (~75 ms a start): the only other
    # source is the documented environment, merged over the file's values below.
    model_config = ConfigDict(extra="forbid", validate_default=True)

    database: DatabaseSettings = DatabaseSettings()
    fetch: FetchSettings = FetchSettings()
    feeds: list[FeedSettings] = []
    webhooks: list[WebhookSettings] = []
    corrections: CorrectionSettings = CorrectionSettings()
    accounts: list[AccountSettings] = []
    web: WebSettings = WebSettings()
    desk: DeskSettings = DeskSettings()
    engagement: EngagementSettings = EngagementSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    notify: NotifySettings = NotifySettings()
    logging: LoggingSettings = LoggingSettings()
    cards: CardSettings = CardSettings()
    costs: CostSettings = CostSettings()
    links: LinksSettings = LinksSettings()
    templates_dir: str | None = None  # user templates; built-ins are the fallback
    config_dir: str = "."  # set by load_settings: relative paths resolve from here

    @model_validator(mode="before")
    @classmethod
    def _environment_wins(cls, data: Any) -> Any:
        """The documented environment variables override what the file (or the caller) said."""
        environment = _documented_environment()
        if not environment or not isinstance(data, dict):
            return data
        return _deep_merge(data, environment)

    @model_validator(mode="after")
    def _references_resolve(self) -> "Settings":
        for account in self.accounts:
            if account.timezone is None:
                account.timezone = self.web.timezone  # one zone for pacing, quiet hours and the desk
        problems = reference_problems([a.name for a in self.accounts], [(f.url, f.accounts) for f in self.feeds]
                                      + [(f"webhook {h.name}", h.accounts) for h in self.webhooks])
        names = [h.name.lower() for h in self.webhooks]
        if len(set(names)) != len(names):
            problems.append("webhook names must be unique")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def account(self, name: str) -> AccountSettings:
        for account in self.accounts:
            if account.name == name:
                return account
        raise ConfigError(f"no account named {name!r} in the configuration")

    def card_settings(self, account: AccountSettings | None = None) -> CardSettings:
        """[cards] with the account's own changes applied."""
        changes = account.cards.model_dump(exclude_unset=True) if account is not None else {}
        if not changes:
            return self.cards
        return CardSettings(**{**self.cards.model_dump(exclude_unset=True), **changes})

    def webhook(self, name: str) -> "WebhookSettings | None":
        return next((h for h in self.webhooks if h.name == name), None)

    def feed_accounts(self, feed: "FeedSettings | WebhookSettings") -> list[AccountSettings]:
        if feed.accounts is None:
            return list(self.accounts)
        return [self.account(name) for name in feed.accounts]


def secret_from_env(variable: str, environ=None) -> str:
    """``$VARIABLE``, else the contents of the file named by ``$VARIABLE_FILE`` (Docker secrets); "" if neither."""
    environ = os.environ if environ is None else environ
    value = environ.get(variable, "")
    if value.strip() or not environ.get(variable + "_FILE"):
        return value
    path = Path(environ[variable + "_FILE"])
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{variable}_FILE names {path}, which cannot be read ({exc.__class__.__name__})") from None
def reference_problems(account_names: list[str], feeds: list[tuple[str, list[str] | None]]) -> list[str]:
    """What does not fit together: duplicate names and feeds, feeds naming accounts that do not exist."""
    problems = []
    seen: set[str] = set()
    duplicates = sorted({n for n in account_names if n in seen or seen.add(n)})
    if duplicates:
        problems.append(f"account names must be unique: {duplicates}")
    urls: set[str] = set()
    for url, names in feeds:
        if url in urls:
            problems.append(f"feed {url} is listed twice")
        urls.add(url)
        for name in names or []:
            if name not in seen:
                problems.append(f"feed {url} names unknown account {name!r}")
    return problems


def account_secrets(account: AccountSettings, environ: dict[str, str] | None = None) -> dict[str, SecretStr]:
    """The account's secrets from the environment; a missing one names its variable."""
    environ = os.environ if environ is None else environ
    secrets: dict[str, SecretStr] = {}
    for key in SECRET_KEYS[account.platform]:
        variable = account.env_prefix + key
        value = secret_from_env(variable, environ)
        if not value.strip():
            raise ConfigError(f"account {account.name!r} needs the environment variable {variable}")
        secrets[key.lower()] = SecretStr(value)
    return secrets


def missing_secrets(accounts: list[AccountSettings], environ: dict[str, str] | None = None) -> list[str]:
    """One line per account that lacks secrets, naming every missing variable."""
    environ = os.environ if environ is None else environ
    problems = []
    for account in accounts:
        missing = []
        for key in SECRET_KEYS[account.platform]:
            try:
                found = secret_from_env(account.env_prefix + key, environ).strip()
            except ConfigError as exc:  # a *_FILE that cannot be read: say so among the other problems
                problems.append(str(exc))
                found = "unreadable"
            if not found:
                missing.append(account.env_prefix + key)
        if missing:
            problems.append(f"account {account.name!r} needs the environment variable{'s' if len(missing) > 1 else ''} "
                            + ", ".join(missing))
    return problems


def webhook_secret(hook: WebhookSettings, environ: dict[str, str] | None = None) -> str:
    """The hook's signing secret from the environment ("" when unset: every request is then refused)."""
    return secret_from_env(hook.secret_variable, environ).strip()


def missing_webhook_secrets(settings: Settings, environ: dict[str, str] | None = None) -> list[str]:
    return [f"webhook {h.name!r} needs the environment variable {h.secret_variable}"
            for h in settings.webhooks if not webhook_secret(h, environ)]


def check_secrets(settings: Settings, environ: dict[str, str] | None = None) -> None:
    """Start-up check: every configured account has its secrets; all missing ones are named at once."""
    problems = missing_secrets(settings.accounts, environ) + missing_webhook_secrets(settings, environ)
    if problems:
        raise ConfigError(_one_message(problems))


def config_path(explicit: str | os.PathLike | None = None) -> Path:
    return Path(explicit or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG_PATH)


def _one_message(problems: list[str]) -> str:
    if len(problems) == 1:
        return problems[0]
    return f"{len(problems)} problems: " + "; ".join(f"({n}) {p}" for n, p in enumerate(problems, 1))


def _where(loc: tuple, data: dict[str, Any]) -> str:
    """'accounts.0.timezone (x-main)': the account's name or the feed's URL is what the user looks for."""
    where = ".".join(str(p) for p in loc)
    if len(loc) >= 2 and loc[0] in ("accounts", "feeds") and isinstance(loc[1], int):
        try:
            item = data[loc[0]][loc[1]]
            label = item.get("name") or item.get("url")
        except (KeyError, IndexError, TypeError, AttributeError):
            label = None
        if isinstance(label, str):
            where += f" ({label[:80]})"
    return where


def _problems(exc: ValidationError, data: dict[str, Any]) -> list[str]:
    """One line per field problem, then the cross-references (read from the raw data, each on its own line:
    the model's own check joins them into one error, and runs only once every field is valid)."""
    problems = []
    for error in exc.errors():
        if not error["loc"]:
            continue  # Settings._references_resolve: listed one by one below
        message = error["msg"].removeprefix("Value error, ")
        where = _where(error["loc"], data)
        variable = next((name for name, path in ENV_OVERRIDES.items() if path == tuple(error["loc"])), None)
        if variable and variable in os.environ:
            where += f" (from ${variable})"
        problems.append(f"{where}: {message}")
    return problems + _raw_references(data)


def _raw_accounts(data: dict[str, Any]) -> list[AccountSettings]:
    """The accounts of a file that failed validation, as far as their secrets go (name and platform)."""
    found = []
    for item in data.get("accounts") or []:
        try:
            name, platform = item["name"], item["platform"]
        except (TypeError, KeyError):
            continue  # no usable name or platform: its own problem is already listed
        if isinstance(name, str) and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name) and platform in SPECS:
            found.append(AccountSettings.model_construct(name=name, platform=platform))
    return found


def _raw_references(data: dict[str, Any]) -> list[str]:
    try:
        names = [a["name"] for a in data.get("accounts") or [] if isinstance(a.get("name"), str)]
        feeds = [(f.get("url"), f.get("accounts") if isinstance(f.get("accounts"), list) else None)
                 for f in data.get("feeds") or []]
    except (AttributeError, TypeError):
        return []
    return reference_problems(names, feeds)


def load_settings(path: str | os.PathLike | None = None, *, required: bool = False, secrets: bool = False,
                  environ: dict[str, str] | None = None) -> Settings:
    """Read and validate the configuration; a missing default file means defaults.

    Every problem is reported in one ConfigError; ``secrets=True`` (what `run`
    asks) adds every missing secret to the list.
    """
    file = config_path(path)
    data: dict[str, Any] = {}
    if file.exists():
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{file}: not valid TOML: {exc}") from exc
        except OSError as exc:
            raise ConfigError(f"{file}: cannot read the configuration: {exc.strerror or exc}") from exc
    elif required or path is not None:
        raise ConfigError(f"configuration file {file} does not exist")
    data.setdefault("config_dir", str(file.resolve().parent))
    settings, problems = None, []
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        problems = _problems(exc, data)
    if secrets:
        problems += missing_secrets(settings.accounts if settings else _raw_accounts(data), environ)
        problems += missing_webhook_secrets(settings, environ) if settings else []
    if problems:
        raise ConfigError(f"{file}: {_one_message(problems)}")
    return settings
