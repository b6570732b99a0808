"""Settings: the TOML file, overridden by documented environment variables.

Built once in the entry point (``load_settings``), validated there, never at
import time. Secrets (platform tokens) are never read from the file: they come
from the environment, looked up by ``account_secrets`` when an adapter is built.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, Optional

from pydantic import (BaseModel, ConfigDict, Field, SecretStr, ValidationError, create_model, field_validator,
                      model_validator)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from distributor.errors import ConfigError

DEFAULT_CONFIG_PATH = "distributor.toml"
CONFIG_ENV = "DISTRIBUTOR_CONFIG"

PLATFORMS = ("twitter", "facebook", "dryrun")

# Secrets each platform needs, as suffixes of DISTRIBUTOR_<ACCOUNT>_...
SECRET_KEYS: dict[str, tuple[str, ...]] = {
    "twitter": ("CONSUMER_KEY", "CONSUMER_SECRET", "ACCESS_TOKEN", "ACCESS_TOKEN_SECRET"),
    "facebook": ("PAGE_ACCESS_TOKEN",),
    "dryrun": (),
}

# Documented environment variables that override a key of the file.
ENV_OVERRIDES: dict[str, tuple[str, ...]] = {
    "DISTRIBUTOR_DATABASE_URL": ("database", "url"),
    "DISTRIBUTOR_ALLOW_PRIVATE_NETWORKS": ("fetch", "allow_private_networks"),
    "DISTRIBUTOR_WEB_HOST": ("web", "host"),
    "DISTRIBUTOR_WEB_PORT": ("web", "port"),
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatabaseSettings(_Section):
    url: str = "sqlite:///distributor.db"


class FetchSettings(_Section):
    allow_private_networks: bool = False
    timeout_seconds: float = Field(10.0, gt=0)  # to connect, and between two reads
    total_seconds: float = Field(30.0, gt=0)  # the whole fetch, redirects included
    max_page_bytes: int = Field(5_000_000, gt=0)
    max_redirects: int = Field(5, ge=0)
    user_agent: str = "distributor/0.1 (newsroom social distribution bot)"


class FeedSettings(_Section):
    url: str
    poll_seconds: int = Field(60, ge=1)
    accounts: list[str] | None = None  # None: every account
    backfill: int = Field(0, ge=0)  # on first sight, post the newest N items
    max_age_hours: float = Field(48.0, gt=0)  # older items are recorded, not posted


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


class AccountSettings(_Section):
    name: str
    platform: Literal["twitter", "facebook", "dryrun"]
    template: str | None = None  # default: "<platform>.j2"
    api_base_url: str | None = None  # only for the sandbox
    page_id: str | None = None  # Facebook Page id
    post_type: Literal["link", "photo"] = "link"  # Facebook: link post or photo post
    require_approval: bool = False
    min_gap_minutes: float = Field(0.0, ge=0)
    quiet_hours: tuple[int, int] | None = None  # [start_hour, end_hour) local time, no posting
    timezone: str | None = None  # default: [web].timezone
    image: Literal["lead", "quote_card", "auto"] = "lead"  # the picture: lead photo, quote card, or card when no photo
    cards: CardOverrides = CardOverrides()  # this account's changes to [cards] (colours, logo, ...)

    @field_validator("name")
    @classmethod
    def _name_is_env_safe(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", value):
            raise ValueError("account names use letters, digits, '-' and '_' only")
        return value

    @model_validator(mode="after")
    def _platform_needs(self) -> "AccountSettings":
        if self.platform == "facebook" and not self.page_id:
            raise ValueError(f"facebook account {self.name!r} needs page_id")
        if self.template is None:
            self.template = f"{self.platform}.j2"
        return self

    @property
    def env_prefix(self) -> str:
        return "DISTRIBUTOR_" + self.name.upper().replace("-", "_") + "_"


class WebSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    timezone: str = "UTC"  # editors' default time zone for scheduling


class EngagementSettings(_Section):
    # minutes after publishing at which a snapshot is taken
    schedule_minutes: list[int] = [10, 60, 360, 1440, 4320, 10080]
    # Graph insights metric names (Meta renames them; keep them here, not in code)
    facebook_insights_metrics: list[str] = ["post_media_view", "post_clicks"]


class SchedulerSettings(_Section):
    dispatch_seconds: float = Field(5.0, gt=0)
    collect_seconds: float = Field(60.0, gt=0)
    lease_seconds: float = Field(120.0, gt=0)  # renewed while a worker publishes; expires when it dies
    max_attempts: int = Field(8, ge=1)  # transient failures before a post is failed
    backoff_base_seconds: float = Field(30.0, gt=0)  # doubled per attempt, with jitter
    backoff_max_seconds: float = Field(3600.0, gt=0)


class _DocumentedEnvSource(PydanticBaseSettingsSource):
    """Reads the environment variables INTERFACE.md documents, nothing else."""

    def get_field_value(self, field, field_name):  # pragma: no cover - unused API
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name, path in ENV_OVERRIDES.items():
            if name in os.environ:
                section = data.setdefault(path[0], {})
                section[path[1]] = os.environ[name]
        return data


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="forbid")

    database: DatabaseSettings = DatabaseSettings()
    fetch: FetchSettings = FetchSettings()
    feeds: list[FeedSettings] = []
    accounts: list[AccountSettings] = []
    web: WebSettings = WebSettings()
    engagement: EngagementSettings = EngagementSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    cards: CardSettings = CardSettings()
    templates_dir: str | None = None  # user templates; built-ins are the fallback
    config_dir: str = "."  # set by load_settings: relative paths resolve from here

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings):
        # environment first (it wins), then what the file said
        return (_DocumentedEnvSource(settings_cls), init_settings)

    @model_validator(mode="after")
    def _references_resolve(self) -> "Settings":
        for account in self.accounts:
            if account.timezone is None:
                account.timezone = self.web.timezone  # one zone for pacing, quiet hours and the desk
        names = [a.name for a in self.accounts]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise ValueError(f"account names must be unique: {sorted(duplicates)}")
        for feed in self.feeds:
            for name in feed.accounts or []:
                if name not in names:
                    raise ValueError(f"feed {feed.url} names unknown account {name!r}")
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

    def feed_accounts(self, feed: FeedSettings) -> list[AccountSettings]:
        if feed.accounts is None:
            return list(self.accounts)
        return [self.account(name) for name in feed.accounts]


def account_secrets(account: AccountSettings, environ: dict[str, str] | None = None) -> dict[str, SecretStr]:
    """The account's secrets from the environment; a missing one names its variable."""
    environ = os.environ if environ is None else environ
    secrets: dict[str, SecretStr] = {}
    for key in SECRET_KEYS[account.platform]:
        variable = account.env_prefix + key
        value = environ.get(variable, "")
        if not value.strip():
            raise ConfigError(f"account {account.name!r} needs the environment variable {variable}")
        secrets[key.lower()] = SecretStr(value)
    return secrets


def check_secrets(settings: Settings, environ: dict[str, str] | None = None) -> None:
    """Start-up check: every configured account has its secrets."""
    for account in settings.accounts:
        account_secrets(account, environ)


def config_path(explicit: str | os.PathLike | None = None) -> Path:
    return Path(explicit or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG_PATH)


def load_settings(path: str | os.PathLike | None = None, *, required: bool = False) -> Settings:
    """Read and validate the configuration; a missing default file means defaults."""
    file = config_path(path)
    data: dict[str, Any] = {}
    if file.exists():
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{file}: not valid TOML: {exc}") from exc
    elif required or path is not None:
        raise ConfigError(f"configuration file {file} does not exist")
    data.setdefault("config_dir", str(file.resolve().parent))
    try:
        return Settings(**data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{file}: {where}: {first['msg']}") from exc
