"""`python -m distributor` and the `distributor` script.

The import of the CLI is inside the guard: it takes about half a second, and a
Ctrl-C in that moment (the demo's first instant) must stop quietly, not print
a traceback from the middle of some library's import.
"""

import sys


def run() -> None:
    from distributor import startup_gc

    startup_gc.pause()  # until the command's work begins (startup_gc.py)
    try:
        from distributor.cli import main
    except KeyboardInterrupt:
        sys.exit(130)
    main()


if __name__ == "__main__":
    run()
