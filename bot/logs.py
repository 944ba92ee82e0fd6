"""Logging at the edges: one log record is always one line, whatever a file name or a question holds."""

from __future__ import annotations

import logging

from ..index.text import printable

__all__ = ["OneLineFilter", "one_line_logs"]


class OneLineFilter(logging.Filter):
    """Escape unprintable characters of a record's message, so a name with a newline can't forge a second line."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the message by its escaped form (tracebacks, formatted apart, keep their lines)."""
        message = record.getMessage()
        escaped = printable(message)
        if escaped != message:
            record.msg, record.args = escaped, None
        return True


def one_line_logs(*handlers: logging.Handler) -> None:
    """Put a OneLineFilter on each handler (once)."""
    for handler in handlers:
        if not any(isinstance(f, OneLineFilter) for f in handler.filters):
            handler.addFilter(OneLineFilter())
