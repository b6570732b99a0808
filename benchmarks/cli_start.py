"""How long a `distributor` command takes to start, against importing SQLAlchemy alone.

Every command a script runs pays Python's start-up, our imports and the
schema check; `python -c "import sqlalchemy"` is the floor any database command
pays. Prints the median wall time of each over interleaved rounds and the
ratio to that floor (target: within 2.5x).

Every command runs once untimed first, with bytecode cached in a temporary
folder (``PYTHONPYCACHEPREFIX``) even where ``PYTHONDONTWRITEBYTECODE`` is set:
an installed copy has its ``.pyc`` files (pip compiles them), and SQLAlchemy's
are there already, so without this an editable checkout would be timed
compiling our own sources at every start while the floor is not.

    .venv/bin/python benchmarks/cli_start.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DISTRIBUTOR = [sys.executable, "-m", "distributor"]


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   input=b"", timeout=120)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "distributor.toml"
        config.write_text(f'[database]\nurl = "sqlite:///{folder}/bench.db"\n'
                          '[[accounts]]\nname = "rehearsal"\nplatform = "dryrun"\n')
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("DISTRIBUTOR_") and k != "PYTHONDONTWRITEBYTECODE"}
        env["DISTRIBUTOR_CONFIG"] = str(config)
        env["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "pycache")
        subprocess.run(DISTRIBUTOR + ["db", "upgrade"], env=env, check=True, capture_output=True)
        commands = {
            "import sqlalchemy (floor)": [sys.executable, "-c", "import sqlalchemy"],
            "distributor --help": DISTRIBUTOR + ["--help"],
            "distributor queue list": DISTRIBUTOR + ["queue", "list"],
            "distributor queue add": DISTRIBUTOR + ["queue", "add", "--account", "rehearsal", "--text", "hello"],
        }
        for command in commands.values():  # untimed: writes the bytecode cache
            timed(command, env)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):  # interleaved, so a busy moment hurts every command alike
            for name, command in commands.items():
                times[name].append(timed(command, env))
    floor = statistics.median(times["import sqlalchemy (floor)"])
    print(f"median of {args.rounds} interleaved rounds")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"  {name:<28} {median * 1000:7.0f} ms   x{median / floor:4.2f} of the floor")


if __name__ == "__main__":
    main()
