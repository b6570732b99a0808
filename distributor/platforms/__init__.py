"""Platform adapters, found through the platform registry (``platforms/specs/``).

``base.py`` is the contract; each platform is one adapter module named by its
spec (``PlatformSpec.adapter``) and imported only when an account on it is
built, so reading the registry (configuration, CLI, desk) loads no SDK.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

from distributor.errors import ConfigError
from distributor.platforms.specs import METRICS_SETTINGS, SPECS, spec_for

if TYPE_CHECKING:
    import requests

    from distributor.config import AccountSettings, EngagementSettings
    from distributor.fetch import Fetcher
    from distributor.platforms.base import PlatformAdapter

# The contract's names (base.py), loaded when first asked for: the registry (``platforms.specs``, which
# the configuration and every command read) lives in this package, and needs none of them.
_CONTRACT = frozenset({"DEFAULT_TIMEOUT_SECONDS", "Limits", "Metrics", "OutgoingPost", "PlatformAdapter", "Published"})


def __getattr__(name: str):
    if name in _CONTRACT:
        from distributor.platforms import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def adapter_class(platform: str) -> type:
    """The adapter class the platform's spec names (imports its SDK)."""
    module_name, _, class_name = spec_for(platform).adapter.partition(":")
    return getattr(importlib.import_module(module_name), class_name)


class _Factories(Mapping):
    """name -> factory(account, secrets, fetcher, *, session, timeout, ...), resolved on first use."""

    def __getitem__(self, platform: str) -> Callable[..., PlatformAdapter]:
        if platform not in SPECS:
            raise KeyError(platform)
        return adapter_class(platform).from_account

    def __iter__(self) -> Iterator[str]:
        return iter(SPECS)

    def __len__(self) -> int:
        return len(SPECS)


ADAPTERS: Mapping[str, Callable[..., PlatformAdapter]] = _Factories()


def build_adapter(account: "AccountSettings", fetcher: "Fetcher", *, session: "requests.Session | None" = None,
                  environ: Mapping[str, str] | None = None, timeout: float | None = None,
                  insights_metrics: Sequence[str] | None = None,
                  engagement: "EngagementSettings | None" = None,
                  prices: Mapping[str, float] | None = None) -> PlatformAdapter:
    """The adapter for one configured account, its secrets read from the environment.

    ``session`` is handed to the SDK (one per adapter: the adapter mounts its
    transport and hooks on it). A platform whose metric names live in
    ``[engagement]`` (the spec registry's ``METRICS_SETTINGS``) gets them from
    ``engagement``; ``insights_metrics`` overrides them, for that platform only.
    """
    from distributor.config import account_secrets
    from distributor.platforms.base import DEFAULT_TIMEOUT_SECONDS

    timeout = DEFAULT_TIMEOUT_SECONDS if timeout is None else timeout
    if account.platform not in SPECS:
        raise ConfigError(f"account {account.name!r}: no adapter for platform {account.platform!r}")
    factory = ADAPTERS[account.platform]
    secrets = account_secrets(account, dict(environ) if environ is not None else None)
    extra: dict[str, Any] = {}
    setting = METRICS_SETTINGS.get(account.platform)
    if setting is not None:
        if insights_metrics is None and engagement is not None:
            insights_metrics = getattr(engagement, setting)
        extra["insights_metrics"] = insights_metrics
    if prices:  # [costs.<platform>] over the spec's price list (delivery/costs.py)
        extra["prices"] = dict(prices)
    return factory(account, secrets, fetcher, session=session, timeout=timeout, **extra)


__all__ = ["ADAPTERS", "adapter_class", "build_adapter", "Limits", "Metrics", "OutgoingPost", "PlatformAdapter",
           "Published"]
