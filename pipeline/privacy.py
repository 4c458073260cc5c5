"""Keep personal data out of what operators see: logs, Prefect, error messages.

Two layers. First, code never puts values in messages (they name fields and
files, not what is in them). Second, a logging filter masks anything that
still looks personal: resident ID numbers and credit codes by pattern, and
every name and address the run has seen (registered as the forms are read,
like CI systems mask registered secrets).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

MASK = "***"
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])[0-9]{6}(?:19|20)[0-9]{9}[0-9Xx](?![0-9A-Za-z])")
_CODE_LIKE = re.compile(
    r"(?<![0-9A-Z])[0-9A-HJ-NP-RT-UW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RT-UW-Y]{10}(?![0-9A-Z])"
)
_MIN_SECRET_LENGTH = 2


class SecretRegistry:
    """Values seen in this process that must never be shown; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add(self, values: Iterable[str | None]) -> None:
        fresh = {v.strip() for v in values if v and len(v.strip()) >= _MIN_SECRET_LENGTH}
        with self._lock:
            if fresh - self._values:
                self._values |= fresh
                ordered = sorted(self._values, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(v) for v in ordered), re.IGNORECASE)

    def mask(self, text: str) -> str:
        text = _ID_LIKE.sub(MASK, text)
        text = _CODE_LIKE.sub(MASK, text)
        pattern = self._pattern
        return pattern.sub(MASK, text) if pattern is not None else text


SECRETS = SecretRegistry()


def mask(text: str) -> str:
    """``text`` with ID numbers, credit codes and every registered value masked."""
    return SECRETS.mask(text)


def mask_id_number(value: str | None) -> str:
    """Show an ID number as a clerk may see it in a list: first 3 and last 2 characters."""
    if not value:
        return ""
    return value[:3] + "*" * max(len(value) - 5, 0) + value[-2:]


class RedactionFilter(logging.Filter):
    """Rewrites every record's message through ``mask`` before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not break logging
            message = str(record.msg)
        masked = mask(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


_INSTALLED: set[str] = set()

PROTECTED_LOGGERS = ("prefect", "prefect.flow_runs", "prefect.task_runs", "pipeline", "flows")


def install_redaction(logger_names: Iterable[str] = PROTECTED_LOGGERS) -> None:
    """Attach the filter to the loggers and to their handlers (records propagate unfiltered)."""
    redaction = RedactionFilter()
    for name in logger_names:
        logger = logging.getLogger(name)
        if name not in _INSTALLED:
            logger.addFilter(redaction)
            _INSTALLED.add(name)
        for handler in logger.handlers:
            if not any(isinstance(f, RedactionFilter) for f in handler.filters):
                handler.addFilter(redaction)
