"""Logging at the edges: one log record is always one line, whatever a file name or a question holds.

`QUOTEBOT_LOG_FORMAT=json` makes each line one JSON object (time, level, logger, message, and the record's
fields) for log collectors; `log_answer` writes the one line each Discord answer gets.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from ...index.text import printable

__all__ = [
    "FIELDS",
    "JsonFormatter",
    "OneLineFilter",
    "answer_fields",
    "log_answer",
    "one_line_logs",
    "say_model_steps",
]

FIELDS = "fields"  # the LogRecord attribute (set through `extra`) holding a record's structured fields


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


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object on one line: time (UTC, ISO 8601), level, logger, message, fields.

    A traceback goes in "exc" as one string; non-ASCII is escaped, so the line is plain ASCII.
    """

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as one line of JSON."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, FIELDS, None)
        if isinstance(fields, dict):
            entry.update({k: v for k, v in fields.items() if k not in entry})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, default=str)


def answer_fields(
    *,
    server: int | None,
    via: str,
    outcome: str,
    confidence: float | None = None,
    latency_ms: float,
    passages: int = 0,
    question: str | None = None,
) -> dict[str, Any]:
    """Return the fields of one answer's log line: never a user id; the question only when given."""
    fields: dict[str, Any] = {
        "event": "answer",
        "server": server,
        "via": via,
        "outcome": outcome,
        "confidence": None if confidence is None else round(confidence, 3),
        "latency_ms": round(latency_ms, 1),
        "passages": passages,
    }
    if question is not None:
        fields["question"] = question
    return fields


def log_answer(logger: logging.Logger, **kwargs: Any) -> None:
    """Log one line at INFO for one answer (see `answer_fields`), its fields also attached for the JSON format.

    server: the server id, 0 for a DM, None without a place; outcome: answered, declined, busy or rate-limited.
    """
    fields = answer_fields(**kwargs)
    server = fields["server"]
    where = "-" if server is None else "dm" if server == 0 else str(server)
    confidence = "-" if fields["confidence"] is None else f"{fields['confidence']:.2f}"
    line = (
        f"answer server={where} via={fields['via']} {fields['outcome']} confidence={confidence} "
        f"latency_ms={fields['latency_ms']:.0f} passages={fields['passages']}"
    )
    if "question" in fields:
        line += f" question={json.dumps(fields['question'], ensure_ascii=False)}"
    logger.info("%s", line, extra={FIELDS: fields})


def say_model_steps() -> None:
    """Print the one-time model steps (converting e5's weights, the ONNX export): 30 s of silence looks hung."""
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.WARNING)  # the info lines below are printed once, without "warning:"
    steps = logging.getLogger("quotebot.index.embed")
    steps.setLevel(logging.INFO)
    if not any(getattr(h, "model_steps", False) for h in steps.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("quotebot: %(message)s"))
        handler.addFilter(lambda record: record.levelno < logging.WARNING)
        handler.model_steps = True  # type: ignore[attr-defined]
        steps.addHandler(handler)
