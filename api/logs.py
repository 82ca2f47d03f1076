"""Structured logs: one JSON object per line, each carrying the request id."""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

_STANDARD_ATTRS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


#: longest text of one log field; longer is cut (a request must not flood the log)
MAX_FIELD_CHARS = 2000
#: longest traceback kept in one log line
MAX_EXCEPTION_CHARS = 16000


def _bounded(value: object, limit: int = MAX_FIELD_CHARS) -> object:
    """Strings cut to ``limit`` characters, other values as they are."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]}... ({len(value)} characters)"
    return value


def printable(text: str) -> str:
    """``text`` that any UTF-8 stream can write: lone surrogates become ``\\udXXX``
    escapes instead of making the handler fail (and print a traceback of its own)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


class JsonFormatter(logging.Formatter):
    """Format a record as JSON with its ``extra`` fields and the current request id;
    every field bounded in length, every line encodable as UTF-8."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": _bounded(record.getMessage()),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and key != "color_message" and not key.startswith("_"):
                entry[key] = _bounded(value)
        if record.exc_info:
            trace = self.formatException(record.exc_info)
            entry["exception"] = _bounded(trace, MAX_EXCEPTION_CHARS)
        return printable(json.dumps(entry, default=str, ensure_ascii=False))


class TextFormatter(logging.Formatter):
    """The plain-text line (``CUSTOMS_LOG_JSON=false``), bounded and encodable like the
    JSON one."""

    def format(self, record: logging.LogRecord) -> str:
        limit = 2 * MAX_FIELD_CHARS + (MAX_EXCEPTION_CHARS if record.exc_info else 0)
        return printable(str(_bounded(super().format(record), limit)))


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        return True


def configure_logging(level: str = "INFO", *, json_lines: bool = True) -> None:
    """Route the root logger (and uvicorn's) to stderr in the chosen format."""
    handler = logging.StreamHandler()
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.addFilter(_RequestIdFilter())
        handler.setFormatter(
            TextFormatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
