"""An adapter that publishes nothing: for demos, rehearsals and pipeline tests.

It remembers what it "published" (per adapter instance) so reconciliation and
metrics behave like a real platform that nobody reacts to.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading

from pydantic import SecretStr

from distributor.config import AccountSettings
from distributor.fetch import Fetcher
from distributor.platforms.specs import SPECS
from distributor.platforms.base import Limits, Metrics, OutgoingPost, Published
from distributor.platforms.matching import Candidate, best_match

_numbers = itertools.count(1)


class DryRunAdapter:
    platform = "dryrun"
    limits = Limits.from_spec(SPECS["dryrun"])

    def __init__(self, name: str = "dryrun"):
        self.name = name
        self.published: dict[str, OutgoingPost] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_account(cls, account: AccountSettings, secrets: dict[str, SecretStr], fetcher: Fetcher,
                     **_ignored) -> "DryRunAdapter":
        return cls(account.name)

    def publish(self, post: OutgoingPost) -> Published:
        external_id = f"dryrun-{self.name}-{next(_numbers)}"
        with self._lock:
            self.published[external_id] = post
        return Published(external_id, None, "dry run: nothing was published")

    def find_existing(self, post: OutgoingPost) -> Published | None:
        with self._lock:
            candidates = [Candidate(i, p.text, (p.link,) if p.link else ()) for i, p in self.published.items()]
        found = best_match(post, post.text, candidates[::-1])
        return None if found is None else Published(found.external_id, None, "dry run")

    def verify(self) -> str:
        return f"{self.name} (dry run)"

    def edit(self, external_id: str, text: str) -> None:
        with self._lock:
            if external_id in self.published:
                self.published[external_id] = dataclasses.replace(self.published[external_id], text=text)

    def delete(self, external_id: str) -> None:
        with self._lock:
            self.published.pop(external_id, None)

    def fetch_metrics(self, external_ids: list[str]) -> dict[str, Metrics]:
        return {i: Metrics(impressions=0, clicks=0, raw={"dryrun": True}) for i in external_ids}
