"""The entry point pauses the cyclic garbage collector while a command starts (startup_gc.py):
each long-running command must have it back on when its work begins, or a service that runs
for weeks never frees a reference cycle (its memory only grows)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Run the real entry point (distributor.__main__.run) with the command's long-running part replaced
# by a report of the collector's state at the moment that part would have begun.
PROBE = """
import gc, sys
import {module} as target

def probe(*args, **kwargs):
    print("gc enabled" if gc.isenabled() else "gc disabled", flush=True)

target.{function} = probe
sys.argv = ["distributor", *sys.argv[1:]]
from distributor.__main__ import run
run()
"""

LONG_RUNNING = {
    "run": ("distributor.service", "run_service", ["run", "--no-web"]),
    "demo": ("distributor.demo", "run_demo", ["demo"]),
    "sandbox": ("distributor.sandbox.server", "serve", ["sandbox", "--port", "0"]),
}


@pytest.mark.parametrize("command", sorted(LONG_RUNNING))
def test_a_long_running_command_has_the_garbage_collector_on_when_its_work_begins(command, tmp_path: Path):
    module, function, args = LONG_RUNNING[command]
    config = tmp_path / "distributor.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "d.db"}"\n'
                      '[[accounts]]\nname = "d"\nplatform = "dryrun"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISTRIBUTOR_")}
    result = subprocess.run([sys.executable, "-c", PROBE.format(module=module, function=function),
                             "--config", str(config), *args],
                            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "gc enabled"


def test_a_command_that_stops_in_its_start_up_leaves_the_collector_as_it_was_in_a_calling_program(tmp_path):
    """Code calling cli.main() inside a running program (tests, a notebook) keeps its collector on."""
    script = ("import gc, sys\nfrom distributor import cli\nsys.argv = ['distributor', 'queue', 'list']\n"
              "try:\n    cli.main()\nexcept SystemExit:\n    pass\nprint(gc.isenabled())\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISTRIBUTOR_")}
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert result.stdout.strip() == "True", result.stderr
