"""A fake X + Facebook Graph API server for tests, demos and trying the bot.

It sits beside the domain: it imports nothing of ours but the stdlib and
third-party code, and the domain never imports it.
"""

from distributor.sandbox.app import create_app
from distributor.sandbox.server import running_sandbox, serve

__all__ = ["create_app", "running_sandbox", "serve"]
