"""The newsroom's seed feed posted to the sandbox: the config aimed at both, and the real CLI run on it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# X and Facebook credentials the sandbox accepts (secrets come from the environment only).
SECRETS = {
    "DISTRIBUTOR_X_MAIN_CONSUMER_KEY": "ck", "DISTRIBUTOR_X_MAIN_CONSUMER_SECRET": "cs",
    "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN": "at", "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN_SECRET": "ats",
    "DISTRIBUTOR_FB_MAIN_PAGE_ACCESS_TOKEN": "page-token",
}


def write_seed_config(path: Path, database_url: str, feed_url: str, tables: str) -> Path:
    """Writes ``path``: the database, the seed feed, then ``tables`` (the test's own accounts and
    settings, TOML)."""
    path.write_text(f"""
[database]
url = "{database_url}"
[fetch]
allow_private_networks = true
[[feeds]]
url = "{feed_url}"
canonical_sites = ["hypeline.example"]  # the seed page's canonical names the newsroom's own site
""" + tables)
    return path


def run_cli(config: Path, *args: str, secrets: dict[str, str] = SECRETS,
            timeout: float = 120) -> subprocess.CompletedProcess:
    """`distributor --config CONFIG ARGS` in its own process, with no DISTRIBUTOR_ variable of this
    one but ``secrets``; it must succeed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISTRIBUTOR_")} | secrets
    result = subprocess.run([sys.executable, "-m", "distributor", "--config", str(config), *args],
                            env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr
    return result
