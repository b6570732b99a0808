"""A dispatch worker process for tests: build the adapters, run ``work_loop``.

    python tests/helpers/worker.py SPEC.json WORKER_ID

SPEC.json: {"database_url": ..., "settings": {Settings fields}, "policy":
{RetryPolicy fields}, "poll_interval": seconds}. Secrets come from the
environment, as in production. SIGTERM stops it after the post in flight;
SIGKILL is what the fault-injection test uses to simulate a crash.
`distributor run --no-web` runs the same ``dispatch_due`` (``work_loop`` calls it in a
loop; the service calls it from an APScheduler interval job).
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading

from distributor.config import Settings
from distributor.db import make_engine
from distributor.dispatch import RetryPolicy, work_loop
from distributor.fetch import Fetcher
from distributor.platforms import build_adapter


def main(spec_path: str, worker_id: str) -> int:
    logging.basicConfig(level=logging.WARNING, format=f"%(asctime)s {worker_id} %(levelname)s %(name)s: %(message)s")
    with open(spec_path, encoding="utf-8") as handle:
        spec = json.load(handle)
    settings = Settings(**spec["settings"])
    engine = make_engine(spec["database_url"])
    fetcher = Fetcher(settings.fetch)
    adapters = {account.name: build_adapter(account, fetcher) for account in settings.accounts}
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)
    total = work_loop(engine, settings, adapters, worker_id, stop, spec.get("poll_interval", 0.1),
                      policy=RetryPolicy(**spec.get("policy", {})))
    print(json.dumps({"worker": worker_id, "sent": total.sent, "retried": total.retried, "failed": total.failed,
                      "reconciled": total.reconciled, "db_seconds": total.db_seconds,
                      "publish_seconds": total.publish_seconds}), flush=True)
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
