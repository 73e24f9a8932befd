"""Logging conventions: one event per line, the same fields everywhere, nothing we may not keep.

Built on structlog, rendered through the standard library's logging so library logs (uvicorn,
mlflow, ...) come out in the same format. Call `configure_logging(settings)` once at start-up;
modules then log an event name with fields:
`logger = get_logger(__name__)`, `logger.info("train.completed", model_version="3")`.

- dev: readable console lines; staging/prod: JSON lines a log platform can index.
- Every event has `ts` (UTC), `level`, `service`, `env`, `app_version`, `event`; ML events add
  `model_name`, `model_version`, `data_version`, `run_id`; requests add `request_id`, `latency_ms`.
- `redact` masks emails, tokens/keys and card-like numbers in every field before writing.
- `file_sink` gives the separate JSON-lines logs: the audit log of decisions and the sampled
  prediction log that monitoring reads (docs/monitoring.md).

Never log raw request bodies, feature values or whole data frames: counts, ids and hashes instead.
(Not named logging.py: that would shadow the standard library's module.)
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import structlog

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
MASK = "***"
HANDLER = "product"
"""The name of every handler this module installs, so reconfiguring replaces only ours."""

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

EventDict = MutableMapping[str, Any]


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


def redact_event(_: Any, __: str, event: EventDict) -> EventDict:
    """structlog processor: masks secrets and personal data in every field of the event."""
    return {key: _redact_value(key, value) for key, value in event.items()}


def _fields(service: str, env: str) -> structlog.types.Processor:
    """structlog processor adding the fields every event carries."""

    def add(_: Any, __: str, event: EventDict) -> EventDict:
        event.setdefault("service", service)
        event.setdefault("env", env)
        event.setdefault("app_version", __version__)
        event["level"] = str(event.get("level", "info")).upper()
        return event

    return add


# Before rendering, common to our events and to foreign (standard-library) records.
_PRE_CHAIN: list[structlog.types.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
]


def _structlog_configured() -> None:
    """Route structlog events through the standard library (once; handlers decide the output)."""
    if structlog.is_configured():
        return
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_PRE_CHAIN,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.format_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """The logger of a module: `get_logger(__name__)`."""
    _structlog_configured()
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger


def formatter(settings: Settings, json: bool) -> logging.Formatter:
    """Renders any record, ours or a library's, as one JSON line or one readable line."""
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(colors=False, timestamp_key="ts", pad_event_to=0)
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_PRE_CHAIN, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts"),
            _fields(settings.service, settings.env),
            redact_event,
            renderer,
        ],
    )


def _install(logger: logging.Logger, handler: logging.Handler) -> None:
    for old in [h for h in logger.handlers if h.get_name() == HANDLER]:
        logger.removeHandler(old)
        old.close()
    handler.set_name(HANDLER)
    logger.addHandler(handler)


def configure_logging(settings: Settings, stream: IO[str] | None = None) -> None:
    """Set up the root logger for this environment; safe to call again (replaces our handlers)."""
    _structlog_configured()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(settings, json=settings.logging.format == "json"))
    root = logging.getLogger()
    _install(root, handler)
    root.setLevel(settings.logging.level)
    for name in NOISY_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)


def file_sink(settings: Settings, name: str, path: Path) -> structlog.stdlib.BoundLogger:
    """A separate JSON-lines log in `path` (the audit log, the prediction log), never sampled
    by level and never mixed into the application log."""
    _structlog_configured()
    target = logging.getLogger(name)
    current = [h for h in target.handlers if h.get_name() == HANDLER]
    if not current or Path(getattr(current[0], "baseFilename", "")) != path.resolve():
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(formatter(settings, json=True))
        _install(target, handler)
    target.setLevel(logging.INFO)
    target.propagate = False
    return get_logger(name)


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Fields added to every event inside the block (e.g. `run_id`, `request_id`)."""
    with structlog.contextvars.bound_contextvars(**fields):
        yield
