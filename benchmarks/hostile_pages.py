"""Time to extract pages built to be slow (deep, wide, huge), against a normal page.

    python benchmarks/hostile_pages.py [--only NAME]

Builds every shape of tests/helpers/hostile_pages.py, extracts each once with
`extract_page` under the pipeline's hard deadline (and composes an X post from it) in this process, and prints each
time, the slowest, and the normal page's time in the same run. A 50 MB local file is
read through the CLI's reader, which must refuse it at [fetch] max_page_bytes.
Target: the slowest hostile page under 2 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from distributor.errors import DistributorError  # noqa: E402
from distributor.extract import extract_page  # noqa: E402
from distributor.extract.deadline import within_deadline  # noqa: E402
from tests.helpers.hostile_pages import SHAPES, fifty_megabytes, normal_page  # noqa: E402


def composer():
    from distributor.compose import Composer
    from distributor.config import AccountSettings

    account = AccountSettings(name="bench", platform="twitter")
    engine = Composer()
    return lambda article: engine.compose(article, account)


def timed(page: bytes, compose) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of this process, outcome): on a shared machine the wall
    time includes waiting for the CPU, the CPU time is what the page itself cost."""
    start, start_cpu = time.perf_counter(), time.process_time()
    try:
        result = within_deadline(extract_page, page, url="https://ledger.example/story")
        compose(result)
        outcome = f"title={result.title!r:.40} image={'yes' if result.image else 'no'} quote={'yes' if result.pull_quote else 'no'}"
    except DistributorError as exc:
        outcome = f"refused: {exc}"
    return time.perf_counter() - start, time.process_time() - start_cpu, outcome


def local_file_time() -> tuple[float, float, str]:
    from distributor.cli import _read_source, state

    state.needs_config = False  # as `distributor extract FILE` runs: on the defaults, without a distributor.toml
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "huge.html"
        path.write_bytes(fifty_megabytes())
        start, start_cpu = time.perf_counter(), time.process_time()
        try:
            content, _, _ = _read_source(str(path))
            outcome = f"read {len(content):,} bytes"
        except DistributorError as exc:
            outcome = f"refused: {exc}"
        return time.perf_counter() - start, time.process_time() - start_cpu, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="run the shapes whose name contains this")
    args = parser.parse_args()
    compose = composer()
    normal = normal_page()
    timed(normal, compose)  # warm up: imports, compiled patterns
    normal_runs = [timed(normal, compose) for _ in range(20)]
    normal_wall = min(run[0] for run in normal_runs)
    normal_cpu = min(run[1] for run in normal_runs) or 1e-6
    rows = []
    print(f"{'shape':36} {'size':>9} {'wall':>9} {'cpu':>9}")
    for name, build in SHAPES.items():
        if args.only and args.only not in name:
            continue
        page = build()
        wall, cpu, outcome = timed(page, compose)
        rows.append((name, wall, cpu))
        print(f"{name:36} {len(page) / 1e6:6.1f} MB {wall:7.3f} s {cpu:7.3f} s  {outcome}", flush=True)
    if not args.only:
        wall, cpu, outcome = local_file_time()
        rows.append(("50 MB local file (CLI reader)", wall, cpu))
        print(f"{'50 MB local file (CLI reader)':36} {50.0:6.1f} MB {wall:7.3f} s {cpu:7.3f} s  {outcome}")
    print()
    print(f"normal page ({len(normal) / 1000:.1f} kB): {normal_wall * 1000:.2f} ms wall, {normal_cpu * 1000:.2f} ms CPU (best of 20)")
    for label, index, base in (("wall", 1, normal_wall), ("CPU", 2, normal_cpu)):
        slowest = max(rows, key=lambda row: row[index])
        print(f"slowest hostile page ({label}): {slowest[0]}: {slowest[index]:.3f} s "
              f"({slowest[index] / base:,.0f}x the normal page; target < 2 s)")


if __name__ == "__main__":
    main()
