"""The platform registry: one spec per platform, each declared in its own module here.

Adding a platform: its spec module here (listed below), its adapter in
``distributor/platforms/``, its template in ``templates/``, its sandbox module
in ``distributor/sandbox/`` and its golden files (tests/test_platform_registry.py
fails when one is missing). Importing this package loads no platform library.
"""

from __future__ import annotations

from distributor.errors import ConfigError
from distributor.platforms.specs import bluesky, dryrun, facebook, mastodon, threads, twitter
from distributor.platforms.specs.base import AccountField, Capabilities, PlatformSpec, Secret, TextRule

SPECS: dict[str, PlatformSpec] = {module.SPEC.name: module.SPEC
                                  for module in (twitter, facebook, bluesky, mastodon, threads, dryrun)}
PLATFORM_NAMES: tuple[str, ...] = tuple(SPECS)
# [engagement] keys naming a platform's metrics (Meta renames them): platform -> key
METRICS_SETTINGS = {"facebook": facebook.METRICS_SETTING}


def spec_for(platform: str) -> PlatformSpec:
    try:
        return SPECS[platform]
    except KeyError:
        raise ConfigError(f"unknown platform {platform!r}: one of {', '.join(PLATFORM_NAMES)}") from None


__all__ = ["AccountField", "Capabilities", "METRICS_SETTINGS", "PLATFORM_NAMES", "PlatformSpec", "SPECS", "Secret",
           "TextRule", "spec_for"]
