"""The platform registry: every registered platform is complete, and every layer reads it.

Adding a platform is one spec, one adapter, one template, one sandbox module and
its golden files; this test fails when any of them is missing.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from distributor.compose import TEXT_LIMITS, Composer, builtin_templates_dir, text_length
from distributor.config import PLATFORMS, SECRET_KEYS, AccountSettings
from distributor.platforms import ADAPTERS, adapter_class
from distributor.platforms.base import PlatformAdapter
from distributor.errors import Unsupported
from distributor.platforms.specs import SPECS, spec_for
from distributor.web.drafting import PLATFORM_LABELS, length_error

GOLDEN = Path(__file__).parent / "fixtures" / "golden"
NAMES = sorted(SPECS)


@pytest.mark.parametrize("name", NAMES)
def test_a_registered_platform_has_its_adapter(name):
    cls = adapter_class(name)
    assert cls.platform == name
    for method in ("publish", "find_existing", "fetch_metrics", "verify", "edit", "delete", "from_account"):
        assert callable(getattr(cls, method, None)), f"{cls.__name__} lacks {method}"
    assert cls.limits.max_text_length == SPECS[name].text.max_length
    assert cls.limits.metrics_batch_size == SPECS[name].metrics_batch_size


@pytest.mark.parametrize("name", [n for n in NAMES if not SPECS[n].capabilities.edit])
def test_a_platform_that_cannot_edit_says_so_instead_of_failing(name):
    """Corrections with on_change = "edit" alert where the platform has no edit (errors.Unsupported)."""
    adapter = object.__new__(adapter_class(name))  # no session: edit must refuse before any call
    with pytest.raises(Unsupported):
        adapter.edit("1", "new text")


@pytest.mark.parametrize("name", NAMES)
def test_a_registered_platform_has_its_template(name):
    assert (builtin_templates_dir() / SPECS[name].template).is_file()
    assert AccountSettings.for_platform(name).template == SPECS[name].template


@pytest.mark.parametrize("name", [n for n in NAMES if SPECS[n].sandbox])
def test_a_registered_platform_has_its_sandbox_module_and_golden_files(name):
    module = importlib.import_module(SPECS[name].sandbox)
    assert module.__file__ and Path(module.__file__).parent.name == "sandbox"
    assert (GOLDEN / f"seed-article.{name}.txt").is_file(), f"no golden file for {name}"


def test_only_a_platform_that_never_talks_http_has_no_sandbox():
    assert [n for n in NAMES if not SPECS[n].sandbox] == ["dryrun"]


def test_every_layer_reads_the_same_registry():
    assert set(PLATFORMS) == set(SPECS) == set(ADAPTERS) == set(PLATFORM_LABELS) == set(TEXT_LIMITS)
    for name, spec in SPECS.items():
        assert SECRET_KEYS[name] == tuple(s.key for s in spec.secrets)
        assert TEXT_LIMITS[name] == spec.text.max_length
        assert PLATFORM_LABELS[name] == spec.label


def test_the_dry_run_limit_is_one_number_everywhere():
    """It was 10,000 in the composer and 100,000 in the adapter."""
    assert TEXT_LIMITS["dryrun"] == adapter_class("dryrun").limits.max_text_length
    text = "x" * (TEXT_LIMITS["dryrun"] + 1)
    assert length_error("dryrun", text) and length_error("dryrun", text[:-1]) is None


def test_a_bluesky_text_within_300_graphemes_but_over_3000_bytes_is_refused():
    heavy = ("a" + "\u0301" * 20) * 100  # 100 graphemes, 4,100 bytes
    assert length_error("bluesky", heavy) == "4,100 bytes in UTF-8; Bluesky allows 3,000"
    assert length_error("bluesky", heavy[:21 * 70]) is None  # 70 graphemes, 2,870 bytes


def test_unknown_platform_is_a_clear_config_error():
    from distributor.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown platform 'myspace'"):
        spec_for("myspace")


def test_an_account_missing_its_platform_setting_names_it():
    import pydantic

    with pytest.raises(pydantic.ValidationError, match="needs page_id"):
        AccountSettings(name="fb", platform="facebook")


def test_reading_the_registry_loads_no_platform_library():
    code = ("import sys, distributor.config, distributor.compose, distributor.platforms; "
            "print(sorted(m for m in ('tweepy', 'facebook', 'atproto', 'mastodon') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_text_length_follows_each_spec():
    assert text_length("twitter", "界" * 10) == 20  # weighted
    assert text_length("facebook", "界" * 10) == 10
    url = "https://news.example.com/" + "a" * 100
    assert text_length("twitter", url) == 23
    assert text_length("facebook", url) == len(url)
