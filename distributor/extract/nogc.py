"""Extraction without the cyclic garbage collector running in the middle of it.

One page's extraction allocates tens of thousands of short-lived tuples, lists and
match objects; each 700 of them start a collection that walks every young object,
and every few collections walk older generations (the whole heap of a process that
has loaded the web app or trafilatura), though extraction makes no reference cycles
to collect: the one it used to make (the tree and the element lists it keeps, see
`document.tree_changed`) is broken when a page is done, so everything a page leaves
is freed by reference counting as it goes. tests/test_extract_nogc.py checks that a
page leaves no cyclic garbage.

Hand-written (as Mercurial's `util.nogc`): the standard library has no such context
manager. Threads: the collector is process-wide, so it is switched back on only by
the caller that found it on, and never left off by extraction: a thread entering
while another has it off leaves it as it found it. A page cut short by its deadline
(deadline.within_deadline, whose timeout may land before the `finally` here has run)
gets the collector switched back on there.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Run the block with the cyclic collector off, restoring it after if it was on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
