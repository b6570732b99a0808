"""The cyclic garbage collector is paused while a command starts, and back on for its work.

Start-up is imports, settings and the schema check: it makes ~half a million
long-lived objects (modules, classes, SQLAlchemy's and pydantic's tables) and
no garbage cycles, yet the collector walks them again and again as they pile
up, ~5% of every start. ``resume`` turns it back on and moves what start-up
made out of its sight (``gc.freeze``), so the service's later collections do
not walk them either. Only the process entry point pauses it: code that calls
``cli.main()`` in a running program (tests) keeps its collector as it was.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Start-up is over (the database is open, or the command needs none): collect as usual from here."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
