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


def timed(page: bytes, compose) -> tuple[float, str]:
    start = time.perf_counter()
    try:
        result = within_deadline(extract_page, page, url="https://ledger.example/story")
        compose(result)
        outcome = f"title={result.title!r:.40} image={'yes' if result.image else 'no'} quote={'yes' if result.pull_quote else 'no'}"
    except DistributorError as exc:
        outcome = f"refused: {exc}"
    return time.perf_counter() - start, outcome


def local_file_time() -> tuple[float, str]:
    from distributor.cli import _read_source

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "huge.html"
        path.write_bytes(fifty_megabytes())
        start = time.perf_counter()
        try:
            content, _, _ = _read_source(str(path))
            outcome = f"read {len(content):,} bytes"
        except DistributorError as exc:
            outcome = f"refused: {exc}"
        return time.perf_counter() - start, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="run the shapes whose name contains this")
    args = parser.parse_args()
    compose = composer()
    normal = normal_page()
    timed(normal, compose)  # warm up: imports, compiled patterns
    normal_times = [timed(normal, compose)[0] for _ in range(20)]
    normal_time = min(normal_times)
    rows = []
    for name, build in SHAPES.items():
        if args.only and args.only not in name:
            continue
        page = build()
        seconds, outcome = timed(page, compose)
        rows.append((name, len(page), seconds, outcome))
        print(f"{name:36} {len(page) / 1e6:6.1f} MB {seconds:7.3f} s  {outcome}", flush=True)
    if not args.only:
        seconds, outcome = local_file_time()
        rows.append(("50 MB local file (CLI reader)", 50_000_000, seconds, outcome))
        print(f"{'50 MB local file (CLI reader)':36} {50.0:6.1f} MB {seconds:7.3f} s  {outcome}")
    slowest = max(rows, key=lambda row: row[2])
    print()
    print(f"normal page ({len(normal) / 1000:.1f} kB):            {normal_time * 1000:7.2f} ms (best of 20)")
    print(f"slowest hostile page: {slowest[0]}: {slowest[2]:.3f} s "
          f"({slowest[2] / normal_time:,.0f}x the normal page; target < 2 s)")


if __name__ == "__main__":
    main()
