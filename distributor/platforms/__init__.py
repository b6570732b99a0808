"""Platform adapters and their explicit registry.

``base.py`` is the contract; each platform is one module; ``ADAPTERS`` lists
them by the ``platform`` name used in the configuration (no discovery magic).
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import requests

from distributor.config import AccountSettings, account_secrets
from distributor.errors import ConfigError
from distributor.fetch import Fetcher
from distributor.platforms._http import DEFAULT_TIMEOUT_SECONDS
from distributor.platforms.base import Limits, Metrics, OutgoingPost, PlatformAdapter, Published
from distributor.platforms.dryrun import DryRunAdapter
from distributor.platforms.facebook import FacebookAdapter
from distributor.platforms.twitter import TwitterAdapter

# name -> factory(account, secrets, fetcher, *, session, timeout, insights_metrics)
ADAPTERS: dict[str, Callable[..., PlatformAdapter]] = {
    "twitter": TwitterAdapter.from_account,
    "facebook": FacebookAdapter.from_account,
    "dryrun": DryRunAdapter.from_account,
}


def build_adapter(account: AccountSettings, fetcher: Fetcher, *, session: requests.Session | None = None,
                  environ: Mapping[str, str] | None = None, timeout: float = DEFAULT_TIMEOUT_SECONDS,
                  insights_metrics: Sequence[str] | None = None,
                  prices: Mapping[str, float] | None = None) -> PlatformAdapter:
    """The adapter for one configured account, its secrets read from the environment.

    ``session`` is handed to the SDK (one per adapter: the adapter mounts its
    transport and hooks on it); ``insights_metrics`` are the Graph insights
    names from ``[engagement]`` (Meta renames them).
    """
    try:
        factory = ADAPTERS[account.platform]
    except KeyError:
        raise ConfigError(f"account {account.name!r}: no adapter for platform {account.platform!r}") from None
    secrets = account_secrets(account, dict(environ) if environ is not None else None)
    extra = {"prices": dict(prices)} if prices is not None else {}  # [costs.<platform>] (delivery/costs.py)
    return factory(account, secrets, fetcher, session=session, timeout=timeout, insights_metrics=insights_metrics,
                   **extra)


__all__ = ["ADAPTERS", "build_adapter", "Limits", "Metrics", "OutgoingPost", "PlatformAdapter", "Published"]
