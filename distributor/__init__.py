"""distributor: a social distribution bot for newsrooms."""

__version__ = "0.1.0"
