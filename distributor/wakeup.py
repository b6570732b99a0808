"""Wake-ups for new work, so a pushed article does not wait for the next tick.

    wakeups.notify("articles")   after a commit that made new work
    wakeups.wait("articles", 5)  in a worker loop: True when woken, False at the timeout

Within one process a ``threading.Event`` per channel carries the news. On
PostgreSQL ``notify`` also sends ``NOTIFY distributor_<channel>`` and every
process that called ``listen`` sets its own event when it hears it, so a
webhook received by the web process wakes the extraction in any worker. A
lost notification (a listener reconnecting) costs at most one polling
interval: every loop still runs at its interval when nobody wakes it.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time

from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

CHANNELS = ("articles", "posts", "corrections", "subscriptions")
RECONNECT_SECONDS = 2.0


def _pg_channel(channel: str, schema: str | None) -> str:
    """The NOTIFY channel: notifications are database-wide, so a deployment in its own
    schema (or a test's) gets its own names and is not woken by its neighbours."""
    if not schema or schema == "public":
        return f"distributor_{channel}"
    return f"distributor_{hashlib.sha256(schema.encode()).hexdigest()[:12]}_{channel}"


class Wakeups:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._events = {channel: threading.Event() for channel in CHANNELS}
        self._listener: threading.Thread | None = None
        self._stop = threading.Event()
        self.listening = threading.Event()  # set once LISTEN is in place (tests wait for it)
        self._schema: str | None = None  # read once from the database

    @property
    def _postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def notify(self, channel: str) -> None:
        """Say there is new work on ``channel`` (call it after the commit that made it)."""
        self._events[channel].set()
        if not self._postgres:
            return
        try:
            with self.engine.connect() as connection:
                if self._schema is None:
                    self._schema = connection.exec_driver_sql("SELECT current_schema()").scalar() or ""
                connection.exec_driver_sql(f"NOTIFY {_pg_channel(channel, self._schema)}")
                connection.commit()
        except Exception as exc:  # noqa: BLE001 - the other processes will poll instead
            log.warning("could not send the %s wake-up to other processes: %s", channel, exc.__class__.__name__)

    def wait(self, channel: str, timeout: float) -> bool:
        """Block until woken or ``timeout`` seconds pass; the wake-up is consumed."""
        event = self._events[channel]
        woken = event.wait(timeout)
        event.clear()
        return woken

    def wake_all(self) -> None:
        """Wake every loop of this process (to stop, or after a gap in listening)."""
        for event in self._events.values():
            event.set()

    def listen(self) -> None:
        """On PostgreSQL, hear other processes' wake-ups (a daemon thread; ``close`` ends it)."""
        if not self._postgres or self._listener is not None:
            return
        self._listener = threading.Thread(target=self._listen_forever, name="wakeup-listener", daemon=True)
        self._listener.start()

    def close(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.join(timeout=5)

    def _conninfo(self) -> str:
        return self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

    def _listen_forever(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo(), autocommit=True, connect_timeout=10) as connection:
                    row = connection.execute("SELECT current_schema()").fetchone()
                    schema = (row[0] if row else None) or ""
                    names = {_pg_channel(channel, schema): channel for channel in CHANNELS}
                    for name in names:
                        connection.execute(f"LISTEN {name}")
                    self.listening.set()
                    while not self._stop.is_set():
                        for note in connection.notifies(timeout=1.0):
                            if note.channel in names:
                                self._events[names[note.channel]].set()
            except Exception as exc:  # noqa: BLE001 - reconnect; polling covers the gap
                self.listening.clear()
                log.warning("wake-up listener lost its connection (%s); reconnecting", exc.__class__.__name__)
                for event in self._events.values():
                    event.set()  # something may have happened meanwhile: look once
                time.sleep(RECONNECT_SECONDS)
