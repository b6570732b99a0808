"""A command run in a folder without its configuration says so, and creates nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SEED = Path(__file__).parent / "fixtures" / "seed" / "article.html"


def run_in(folder: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DISTRIBUTOR_")}
    return subprocess.run([sys.executable, "-m", "distributor", *args], cwd=folder, capture_output=True, text=True,
                          timeout=60, env=clean | (env or {}))


def test_queue_list_without_a_configuration_names_the_paths_tried_and_makes_no_database(tmp_path):
    for args in (["queue", "list"], ["run", "--once"], ["accounts", "list"]):
        result = run_in(tmp_path, *args)
        assert result.returncode == 1, args
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert "no configuration file" in result.stderr and str(tmp_path / "distributor.toml") in result.stderr
    named = run_in(tmp_path, "queue", "list", env={"DISTRIBUTOR_CONFIG": str(tmp_path / "elsewhere.toml")})
    assert named.returncode == 1 and "elsewhere.toml" in named.stderr
    assert list(tmp_path.iterdir()) == []  # no distributor.db appeared


def test_extract_needs_no_configuration(tmp_path):
    result = run_in(tmp_path, "extract", "--json", str(SEED))
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []
