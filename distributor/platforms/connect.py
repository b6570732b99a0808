"""Getting an account's credentials: each platform's authorisation flow, from a terminal.

X: OAuth 1.0a with a PIN ("out of band"), through tweepy: the app's consumer
key and secret in, the user opens a URL, types the PIN, and gets the account's
access token and secret. Facebook: a short-lived user token (from the Graph API
Explorer or Facebook Login) is exchanged for a long-lived one with the app's id
and secret, then the Page's own token is read from ``/me/accounts`` (a Page
token obtained from a long-lived user token does not expire).

The functions take an ``ask`` callback for what the person must type, and
return the environment lines to set; the CLI prints them. Nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import facebook
import requests
import tweepy

from distributor.config import AccountSettings, secret_from_env
from distributor.errors import AuthExpired, ConfigError, InvalidInput, Rejected
from distributor.platforms._http import DEFAULT_TIMEOUT_SECONDS, route_session
from distributor.platforms.facebook import GRAPH_HOSTS, GRAPH_VERSION
from distributor.platforms.specs import SPECS

Ask = Callable[[str], str]  # shows a prompt, returns what the person typed
Say = Callable[[str], None]


@dataclass
class Connected:
    who: str
    environment: dict[str, str]  # variable -> value, to put in the environment or a secrets file

    def lines(self) -> list[str]:
        return [f"{name}={value}" for name, value in self.environment.items()]


def _needs(account: AccountSettings, *keys: str, environ=None) -> dict[str, str]:
    values, missing = {}, []
    for key in keys:
        variable = account.env_prefix + key
        value = secret_from_env(variable, environ).strip()
        if not value:
            missing.append(variable)
        values[key] = value
    if missing:
        raise ConfigError(f"`accounts connect {account.name}` needs {', '.join(missing)} in the environment")
    return values


def _typed(ask: Ask, prompt: str) -> str:
    """What the person typed, refused unless it is printable ASCII as PINs and tokens are.

    A stray byte (a paste from a rich-text page, a file that is not text) would
    otherwise reach the platform as a NUL or an unencodable surrogate, and come
    back as an encoding error instead of "that is not a token".
    """
    answer = ask(prompt).strip()
    if not answer or not all(" " < ch < "\x7f" for ch in answer):
        raise InvalidInput(f"that {prompt} is not one: it should be letters, digits and punctuation only")
    return answer


class _PinHandler(tweepy.OAuth1UserHandler):
    """tweepy's OAuth 1.0a handler, aimed at the sandbox when the account is."""

    def __init__(self, *args, api_base_url: str | None = None, **kwargs):
        self.api_base_url = api_base_url.rstrip("/") if api_base_url else None
        super().__init__(*args, **kwargs)

    def _get_oauth_url(self, endpoint):
        if self.api_base_url:
            return f"{self.api_base_url}/oauth/{endpoint}"
        return super()._get_oauth_url(endpoint)


def connect_x(account: AccountSettings, ask: Ask, say: Say, environ=None) -> Connected:
    keys = _needs(account, "CONSUMER_KEY", "CONSUMER_SECRET", environ=environ)
    handler = _PinHandler(keys["CONSUMER_KEY"], keys["CONSUMER_SECRET"], callback="oob",
                          api_base_url=account.api_base_url)
    try:
        url = handler.get_authorization_url()
    except tweepy.TweepyException as exc:
        raise AuthExpired(f"X refused the app's consumer key and secret: {exc}") from None
    say(f"Open this address signed in as the X account {account.name} should post as, and authorise the app:\n{url}")
    pin = _typed(ask, "PIN shown by X")
    try:
        token, secret = handler.get_access_token(pin)
    except tweepy.TweepyException:
        raise Rejected("X did not accept that PIN (it is valid for a few minutes, for one try)") from None
    prefix = account.env_prefix
    return Connected(f"@{handler.username}" if getattr(handler, "username", None) else "the X account", {
        prefix + "ACCESS_TOKEN": token, prefix + "ACCESS_TOKEN_SECRET": secret})


def connect_facebook(account: AccountSettings, ask: Ask, say: Say, environ=None,
                     session: requests.Session | None = None) -> Connected:
    keys = _needs(account, "APP_ID", "APP_SECRET", environ=environ)
    say("Get a user access token for the app with the pages_show_list, pages_read_engagement, "
        "pages_manage_posts and read_insights permissions (Graph API Explorer, or your Facebook Login), "
        f"as a person who manages the Page {account.page_id}.")
    short = _typed(ask, "User access token")
    session = route_session(session or requests.Session(), account.api_base_url, GRAPH_HOSTS,
                            DEFAULT_TIMEOUT_SECONDS)
    try:
        graph = facebook.GraphAPI(access_token=short, timeout=DEFAULT_TIMEOUT_SECONDS, session=session)
        graph.version = GRAPH_VERSION
        long_lived = graph.extend_access_token(keys["APP_ID"], keys["APP_SECRET"])["access_token"]
        graph = facebook.GraphAPI(access_token=long_lived, timeout=DEFAULT_TIMEOUT_SECONDS, session=session)
        graph.version = GRAPH_VERSION
        pages = graph.get_connections("me", "accounts").get("data", [])
    except facebook.GraphAPIError as exc:
        raise AuthExpired(f"Facebook refused the exchange: {exc.message}") from None
    except requests.RequestException as exc:
        raise AuthExpired(f"could not reach Facebook ({exc.__class__.__name__})") from None
    page = next((p for p in pages if str(p.get("id")) == str(account.page_id)), None)
    if page is None or not page.get("access_token"):
        names = ", ".join(f"{p.get('name')} ({p.get('id')})" for p in pages) or "none"
        raise Rejected(f"that person does not manage Page {account.page_id}; their Pages: {names}")
    return Connected(f"Page {page.get('name')} ({page['id']})",
                     {account.env_prefix + "PAGE_ACCESS_TOKEN": page["access_token"]})


FLOWS = {"twitter": connect_x, "facebook": connect_facebook}


def connect(account: AccountSettings, ask: Ask, say: Say, environ=None) -> Connected:
    flow = FLOWS.get(account.platform)
    if flow is None:
        spec = SPECS[account.platform]
        if not spec.secrets:
            raise ConfigError(f"{account.platform} accounts need no connecting")
        variables = ", ".join(spec.secret_variables(account.env_prefix))
        raise ConfigError(f"{spec.label} has no authorisation flow to run here: {spec.setup} "
                          f"Then set {variables} in the environment.")
    return flow(account, ask, say, environ=environ)
