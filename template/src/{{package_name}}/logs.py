"""Logging conventions: one event per line, the same fields everywhere, nothing we may not keep.

Call `configure_logging(settings)` once at start-up; modules then use `logging.getLogger(__name__)`
and log an event name with fields: `logger.info("train.completed", extra={"model_version": "3"})`.

- dev: readable console lines; staging/prod: JSON lines a log platform can index.
- Every event has `ts` (UTC), `level`, `service`, `env`, `app_version`, `event`; ML events add
  `model_name`, `model_version`, `data_version`, `run_id`; requests add `request_id`, `latency_ms`.
- `RedactionFilter` masks emails, tokens/keys and card-like numbers before anything is written.
- The audit log (`audit_logger`) is a separate sink: a JSON-lines file of decisions, never sampled.

Never log raw request bodies or whole data frames: log counts, ids and hashes instead.
(Not named logging.py: that would shadow the standard library's module.)
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any

from . import __version__
from .settings import Settings

NOISY_LIBRARIES = (
    "asyncio",
    "matplotlib",
    "PIL",
    "urllib3",
    "httpx",
    "httpcore",
    "uvicorn.access",
    "mlflow",
)
AUDIT_LOGGER = "audit"
MASK = "***"

# Fields of every LogRecord that are not event fields.
_RECORD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",  # uvicorn's ANSI-coloured copy of the message
}
UTC = timezone(timedelta(0))
_context: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar("log_context")

_PATTERNS = [
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), MASK),  # emails
    (re.compile(r"(?i)\b(bearer|basic)\s+[\w.~+/=-]+"), r"\1 " + MASK),  # auth headers
    (  # key=value, key: value and "key": "value" pairs
        re.compile(
            r"(?i)\b(api[_-]?key|token|secret|password|passwd|pwd)"
            r"(\s*[=:]\s*|\"\s*:\s*\")[^\s\",;&]+"
        ),
        r"\1\2" + MASK,
    ),
    (re.compile(r"\b(sk|pk|ghp|gho|xox[bap])[-_][A-Za-z0-9_-]{8,}"), MASK),  # vendor-style keys
    (re.compile(r"\b(?:\d[ -]?){12,18}\d\b"), MASK),  # card-like numbers (13-19 digits)
]
_SECRET_FIELD = re.compile(r"(?i)(token|secret|password|passwd|api_?key|authorization|cookie)")


def redact(text: str) -> str:
    """`text` with emails, tokens/keys and card-like numbers masked."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact_value(key: str, value: Any) -> Any:
    if _SECRET_FIELD.search(key):
        return MASK
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {k: _redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(key, v) for v in value]
    return value


class RedactionFilter(logging.Filter):
    """Masks secrets and personal data in the message, its arguments and every event field."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        for key in list(vars(record)):
            if key not in _RECORD_ATTRIBUTES:
                setattr(record, key, _redact_value(key, getattr(record, key)))
        return True


class ContextFilter(logging.Filter):
    """Adds the fields every event carries: service, env, app_version, plus the bound context."""

    def __init__(self, service: str, env: str) -> None:
        super().__init__()
        self.service = service
        self.env = env

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.env = self.env
        record.app_version = __version__
        for key, value in _context.get({}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def event_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The record as an event: the required fields first, then its own fields."""
    fields: dict[str, Any] = {
        "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname,
        "service": getattr(record, "service", None),
        "env": getattr(record, "env", None),
        "app_version": getattr(record, "app_version", None),
        "event": record.getMessage(),
        "logger": record.name,
    }
    for key, value in vars(record).items():
        if key not in _RECORD_ATTRIBUTES and key not in fields:
            fields[key] = value
    if record.exc_info and record.exc_info[0] is not None:
        fields["error"] = redact(f"{record.exc_info[0].__name__}: {record.exc_info[1]}")
    return fields


class JsonFormatter(logging.Formatter):
    """One JSON object per line (staging/prod)."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(event_fields(record), default=str, sort_keys=False)


class ConsoleFormatter(logging.Formatter):
    """`12:00:01 INFO  train.completed model_version=3 ...` (dev)."""

    _SKIP = frozenset({"ts", "level", "event", "service", "env", "app_version", "logger"})

    def format(self, record: logging.LogRecord) -> str:
        fields = event_fields(record)
        time = fields["ts"][11:19]
        extras = " ".join(f"{k}={v}" for k, v in fields.items() if k not in self._SKIP)
        return f"{time} {record.levelname:<7} {fields['event']} {extras}".rstrip()


def _handler(stream_or_path: IO[str] | Path, formatter: logging.Formatter) -> logging.Handler:
    if isinstance(stream_or_path, Path):
        stream_or_path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(stream_or_path, encoding="utf-8")
    else:
        handler = logging.StreamHandler(stream_or_path)
    handler.setFormatter(formatter)
    handler.set_name("product")
    return handler


def configure_logging(settings: Settings, stream: IO[str] | None = None) -> None:
    """Set up the root logger for this environment; safe to call again (replaces our handlers)."""
    formatter = JsonFormatter() if settings.logging.format == "json" else ConsoleFormatter()
    handler = _handler(stream or sys.stderr, formatter)
    handler.addFilter(ContextFilter(settings.service, settings.env))
    handler.addFilter(RedactionFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "product"]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(settings.logging.level)
    for name in NOISY_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)


def audit_logger(settings: Settings) -> logging.Logger:
    """The decision log: JSON lines in `logging.audit_file`, separate from the application log."""
    logger = logging.getLogger(AUDIT_LOGGER)
    path = settings.path(settings.logging.audit_file)
    current = [h for h in logger.handlers if h.get_name() == "product"]
    if not current or Path(getattr(current[0], "baseFilename", "")) != path.resolve():
        for old in current:
            logger.removeHandler(old)
            old.close()
        handler = _handler(path, JsonFormatter())
        handler.addFilter(ContextFilter(settings.service, settings.env))
        handler.addFilter(RedactionFilter())
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Fields added to every event inside the block (e.g. `run_id`, `request_id`)."""
    token = _context.set({**_context.get({}), **fields})
    try:
        yield
    finally:
        _context.reset(token)
