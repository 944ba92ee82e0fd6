"""The `quotebot` command line, and `quotebot serve`, which runs the Discord bot."""

from .program import main

__all__ = ["main"]
