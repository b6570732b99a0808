"""Helpers for tests that run the bot against the sandbox in other processes."""
