"""What every step needs (settings, database, fetcher, composer, adapters), built once by the entry point.

Its heavy parts (the HTTP fetcher, the template composer, the platform SDKs)
are built on first use and imported only then, so a quick command such as
`queue add --text` or `queue list` does not pay for them at start.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from distributor.config import Settings
from distributor.wakeup import Wakeups

if TYPE_CHECKING:
    from distributor.compose import Composer
    from distributor.fetch import Fetcher


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Runtime:
    def __init__(self, settings: Settings, engine: Engine, worker_id: str | None = None,
                 fetcher: "Fetcher | None" = None):
        self.settings = settings
        self.engine = engine
        self.worker_id = worker_id or new_worker_id()
        self._fetcher = fetcher
        # new-work signals shared by the web process and the workers (built here: threads share it)
        self.wakeups = Wakeups(engine)
        # set while this process can answer WebSub verifications (or another process does):
        # `run` clears it until its web server listens, so a hub's challenge never meets a closed port
        self.callbacks_ready = threading.Event()
        self.callbacks_ready.set()

    @cached_property
    def fetcher(self) -> "Fetcher":
        if self._fetcher is not None:
            return self._fetcher
        from distributor.fetch import Fetcher

        return Fetcher(self.settings.fetch)

    @cached_property
    def composer(self) -> "Composer":
        from distributor.compose import Composer

        return Composer.from_settings(self.settings)

    @cached_property
    def cards(self):
        """Quote cards, rendered once per article and account style (``[cards]``)."""
        from distributor.cards import CardMaker

        return CardMaker(self.settings, self.fetcher)

    @cached_property
    def adapters(self):
        """One adapter per configured account, built on first use (secrets checked then)."""
        from distributor.delivery.costs import price_table
        from distributor.platforms import build_adapter

        return {  # each platform takes its own metric names from [engagement] (the registry says which)
            account.name: build_adapter(account, self.fetcher, engagement=self.settings.engagement,
                                        prices=price_table(self.settings, account.platform))
            for account in self.settings.accounts
        }
