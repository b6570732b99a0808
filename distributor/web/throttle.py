"""Login throttling, kept in the database so every web process (and every restart) shares it.

Three sliding windows over the failed logins of the last ``window`` (15
minutes), each against a different attack, so that neither rotating addresses
nor sharing one gets around them or locks other people out:

- per (email, address), ``per_pair`` (5): one client guessing one account's
  password, or a user mistyping. That user's own correct login from that
  address clears this counter, and only this one.
- per address, ``per_address`` (20): one client trying many accounts (an IPv6
  client is its /64 network: it has 2^64 addresses to rotate). A correct
  login does not clear it, so an attacker cannot reset it by logging in to an
  account of its own between guesses.
- per email, ``per_email`` (50) in the window and ``per_email_day`` (200) in
  a day: many addresses (a botnet, or forged X-Forwarded-For values had a proxy
  been trusted wrongly) guessing one account, whatever the addresses. The daily
  cap is the backoff: a patient botnet gets 200 guesses a day, not 4,800. So
  that these counters cannot be used to lock the real user out, an address that
  logged in as that email before (the audit log says so, last ``known_days``) is
  held only by the two counters above.

A refused (throttled) try is not counted, so a locked client cannot extend its
own lock or grow the table. The address is the one the app sees: behind a proxy
listed in ``[web] trusted_proxies`` it is the rightmost X-Forwarded-For address
that is not a trusted proxy; otherwise it is the peer of the connection.
Two concurrent tries can both pass a counter at its last free place: at most
one extra guess per concurrent request, which we accept rather than lock rows.
Written by hand because the libraries (slowapi, limits) count one key per rule
and cannot express "a known address is exempt from the per-email limit".
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Callable

from sqlmodel import Session, col, delete, select

from distributor import audit
from distributor.models import LoginFailure, utcnow

MAX_KEY_CHARS = audit.MAX_FIELD_CHARS


class LoginThrottle:
    """Decides whether a login may be tried now, and records how it went."""

    def __init__(self, *, per_pair: int = 5, per_address: int = 20, per_email: int = 50, per_email_day: int = 200,
                 window_seconds: float = 15 * 60, known_days: float = 30, clock: Callable[[], datetime] = utcnow):
        self.per_pair = per_pair
        self.per_address = per_address
        self.per_email = per_email
        self.per_email_day = per_email_day
        self.window = timedelta(seconds=window_seconds)
        self.day = max(timedelta(days=1), self.window)
        self.known = timedelta(days=known_days)
        self.clock = clock

    def retry_after(self, session: Session, email: str, address: str) -> int:
        """Seconds until this email may be tried from this address; 0 when it may now."""
        known_from, email, address = address, _key(email), client_key(address)
        now = self.clock()
        waits = [
            self._wait(session, now, self.window, self.per_pair, LoginFailure.email == email,
                       LoginFailure.address == address),
            self._wait(session, now, self.window, self.per_address, LoginFailure.address == address),
        ]
        email_wait = max(self._wait(session, now, self.window, self.per_email, LoginFailure.email == email),
                         self._wait(session, now, self.day, self.per_email_day, LoginFailure.email == email))
        if email_wait and not audit.logged_in_from(session, email, _key(known_from), since=now - self.known):
            waits.append(email_wait)
        return max(waits)

    def failed(self, session: Session, email: str, address: str) -> None:
        now = self.clock()
        session.exec(delete(LoginFailure).where(col(LoginFailure.at) <= now - self.day))  # forget old ones
        session.add(LoginFailure(email=_key(email), address=client_key(address), at=now))
        session.flush()

    def succeeded(self, session: Session, email: str, address: str) -> None:
        """Clear the (email, address) counter only: see the module docstring for why."""
        session.exec(delete(LoginFailure).where(LoginFailure.email == _key(email),
                                                LoginFailure.address == client_key(address)))

    @staticmethod
    def _wait(session: Session, now: datetime, window: timedelta, limit: int, *where) -> int:
        # The limit-th newest failure in the window: once it leaves the window, a place is free.
        query = (select(LoginFailure.at).where(col(LoginFailure.at) > now - window, *where)
                 .order_by(col(LoginFailure.at).desc()).offset(limit - 1).limit(1))
        oldest_needed = session.exec(query).first()
        if oldest_needed is None:
            return 0
        return max(1, math.ceil((oldest_needed + window - now).total_seconds()))


def _key(value: str) -> str:
    return value.strip().lower()[:MAX_KEY_CHARS]


IPV6_CLIENT_PREFIX = 64  # what one IPv6 client is handed (RFC 6177): its addresses are one client


def client_key(address: str) -> str:
    """The client an address counts as: an IPv6 address's /64 network, any other address itself.

    Counted one by one, the 2^64 addresses of an IPv6 client's own network would each get the
    per-address allowance. An IPv4 address written as IPv6 (::ffff:a.b.c.d) is that IPv4 address.
    """
    import ipaddress

    try:
        ip = ipaddress.ip_address(address.strip().split("%", 1)[0])
    except ValueError:
        return _key(address)  # "unknown", a test client's name
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((ip, IPV6_CLIENT_PREFIX), strict=False))
    return str(ip)
