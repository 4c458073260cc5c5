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
    """Values seen in this process that must never be shown; thread-safe.

    Values are found through their first two characters, not through one regex of
    every value: that regex was compiled again whenever an application added its
    values (about 1 s of CPU for 3,000 values), Python's ``re`` cache kept up to 512
    of the old patterns alive (so the batch process grew with the batch), and
    matching it cost milliseconds per log record. Every occurrence of every value is
    masked, overlapping ones included."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        #: first two characters (case-folded) -> lengths of the values starting so, longest first
        self._lengths: dict[str, tuple[int, ...]] = {}

    def add(self, values: Iterable[str | None]) -> None:
        fresh = {_fold(v.strip()) for v in values if v and len(v.strip()) >= _MIN_SECRET_LENGTH}
        with self._lock:
            for value in fresh - self._values:
                self._values.add(value)  # before its length: a reader sees both or neither
                start = value[:_MIN_SECRET_LENGTH]
                lengths = self._lengths.get(start, ())
                if len(value) not in lengths:
                    self._lengths[start] = tuple(sorted((*lengths, len(value)), reverse=True))

    def __len__(self) -> int:
        return len(self._values)

    def mask(self, text: str) -> str:
        text = _ID_LIKE.sub(MASK, text)
        text = _CODE_LIKE.sub(MASK, text)
        return self._mask_values(text) if self._values else text

    def _mask_values(self, text: str) -> str:
        folded = _fold(text)
        values, lengths_of = self._values, self._lengths
        spans: list[list[int]] = []  # [start, end) of masked runs, overlapping ones merged
        for start in range(len(folded) - _MIN_SECRET_LENGTH + 1):
            for length in lengths_of.get(folded[start : start + _MIN_SECRET_LENGTH], ()):
                end = start + length
                if end <= len(folded) and folded[start:end] in values:
                    if spans and start <= spans[-1][1]:
                        spans[-1][1] = max(spans[-1][1], end)
                    else:
                        spans.append([start, end])
                    break  # the longest value starting here
        pieces: list[str] = []
        kept = 0
        for start, end in spans:
            pieces += [text[kept:start], MASK]
            kept = end
        pieces.append(text[kept:])
        return "".join(pieces)


def _fold(text: str) -> str:
    """Case-folded with every character kept in its place (``str.lower`` of a few
    characters, e.g. U+0130, is two characters long: those stay as they are)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(low if len(low := char.lower()) == 1 else char for char in text)


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
