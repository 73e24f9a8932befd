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
from collections.abc import Callable, Iterator, Mapping, MutableMapping
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

# The secret formats teams leak into logs, masked in every field before anything is written. A
# list of patterns rather than a scanner library (detect-secrets and the like scan files, once, and
# are far too slow to run on every log line); add the formats your platform uses.
_KEY_NAME = (
    r"[\w.-]*?(?:api[_-]?key|access[_-]?key|secret[_-]?key|private[_-]?key|client[_-]?secret"
    r"|token|secret|password|passwd|pwd|credentials?)"
)
_PATTERNS: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    # private-key blocks (PEM), also when cut off before their END line
    (
        re.compile(
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----(?:.*?-----END [A-Z ]*PRIVATE KEY-----|.*)",
            re.S,
        ),
        MASK,
    ),
    (re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]*"), MASK),  # JWTs (header.payload.signature)
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), MASK),  # emails
    (re.compile(r"(?i)\b(bearer|basic)\s+[\w.~+/=-]+"), r"\1 " + MASK),  # auth headers
    (  # key=value, key: value, key : "quoted value", "key": "value" and key='value' pairs
        re.compile(
            rf"(?i)(?<![\w-])({_KEY_NAME}[\"']?\s*[=:]\s*)(?:([\"'])(?:(?!\2).)*\2?|[^\s\"',;&]+)"
        ),
        lambda found: f"{found[1]}{found[2] or ''}{MASK}{found[2] or ''}",
    ),
    (re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}\b"), MASK),  # AWS access key ids
    (re.compile(r"\bgithub_pat_\w{20,}"), MASK),  # GitHub fine-grained tokens
    # vendor-style keys: GitHub, GitLab, Stripe-like, Slack
    (re.compile(r"\b(?:gh[pousr]|glpat|sk|pk|xox[bapr])[-_][A-Za-z0-9_-]{8,}"), MASK),
    (re.compile(r"\b(?:\d[ -]?){12,18}\d\b"), MASK),  # card-like numbers (13-19 digits)
]
_SECRET_FIELD = re.compile(
    r"(?i)(token|secret|password|passwd|api_?key|access_?key|private_?key|credential"
    r"|authorization|cookie)"
)

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


class _Shown:
    """A value already escaped for the console: the renderer prints it as it is."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    __str__ = __repr__


_NEEDS_QUOTES = re.compile(r"[\s=\"']")
_MULTI_LINE = ("exception", "stack")  # tracebacks: printed below the event line on purpose


def _printable(text: str) -> str:
    """`text` with each non-printable character (newline, ESC, ...) written as its escape."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def escape_for_console(_: Any, __: str, event: EventDict) -> EventDict:
    """structlog processor for the dev console: one event stays one line, and a value cannot pose
    as another field. Values holding a space, `=`, a quote or a control character are quoted and
    escaped (`request_id='a model_version=9'`), the event name is escaped, not quoted. structlog's
    own console renderer leaves control characters and the event name as they are."""
    shown: EventDict = {}
    for key, value in event.items():
        name = _printable(str(key))
        if key in _MULTI_LINE or not isinstance(value, str):
            shown[name] = value
        elif key == "event":
            shown[name] = _Shown(_printable(value))
        elif not value.isprintable() or _NEEDS_QUOTES.search(value):
            shown[name] = _Shown(repr(value))
        else:
            shown[name] = value
    return shown


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
    rendering: list[structlog.types.Processor] = (
        [structlog.processors.JSONRenderer()]  # JSON escapes every value by itself
        if json
        else [
            escape_for_console,
            structlog.dev.ConsoleRenderer(colors=False, timestamp_key="ts", pad_event_to=0),
        ]
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_PRE_CHAIN, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts"),
            _fields(settings.service, settings.env),
            redact_event,
            *rendering,
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
