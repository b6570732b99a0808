"""The lowest versions pyproject.toml lets pip install are past the holes that hit what we do with them.

pip keeps an installed version that satisfies the floor (a system Jinja2, a
Docker image's urllib3), so a floor below a fix installs the hole. Each entry
names what of ours the hole reaches.
"""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

PYPROJECT = Path(__file__).parent.parent / "pyproject.toml"

FIXED = {
    # the sandbox that runs editors' post templates: escapes through str.format (CVE-2024-56326, 3.1.5)
    # and the |attr filter (CVE-2025-27516, 3.1.6)
    "jinja2": "3.1.6",
    # the fetcher streams untrusted bodies with read1: decompression bombs in the streaming API
    # (CVE-2025-66471, CVE-2025-66418: 2.6.0; redirects CVE-2026-21441: 2.6.3; brotli and drain CVE-2026-44432: 2.7.0)
    "urllib3": "2.7.0",
    # every desk form, the public login included: quadratic query-string parsing (GHSA-5rvq-cxj2-64vf, 0.0.30),
    # a negative Content-Length buffering the whole body (GHSA-v9pg-7xvm-68hf, 0.0.31)
    "python-multipart": "0.0.31",
    # uvicorn serves the desk with h11: request smuggling behind a proxy (CVE-2025-43859, 0.16.0)
    "h11": "0.16.0",
}


def _floors() -> dict[str, Version]:
    dependencies = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    floors = {}
    for line in dependencies:
        requirement = Requirement(line)
        lows = [Version(s.version) for s in requirement.specifier if s.operator in (">=", "==", "~=")]
        if lows:
            floors[requirement.name.lower()] = max(lows)
    return floors


@pytest.mark.parametrize("name", sorted(FIXED))
def test_the_lowest_version_pyproject_allows_has_the_fix(name):
    floor = _floors().get(name)
    assert floor is not None and floor >= Version(FIXED[name]), f"{name}: pyproject.toml allows {floor}"
    assert Version(version(name)) >= Version(FIXED[name])  # and this environment has it
