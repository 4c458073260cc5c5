"""A clerk's corrections, applied to a result and decided again.

Plain functions: the web app calls them, the tests call them directly. A
correction never touches the pipeline's readings; it changes the one
``DocumentResult`` the clerk saw, re-runs the pure decision on the form and
the documents, and rewrites ``result.json`` and the notice the same way the
batch writes them. A value a clerk typed or confirmed counts as read with full
confidence, so it no longer asks for review.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.cache import CACHE_DIR_NAME, ReadingCache, write_atomic
from pipeline.decision import decide
from pipeline.models import (
    DOCUMENT_FIELDS,
    ApplicationForm,
    ApplicationResult,
    DocumentResult,
    DocumentType,
    FieldEvidence,
    FieldValue,
)
from pipeline.notice import write_notice
from pipeline.reading import FileReading, cache_key
from pipeline.settings import Settings

RESULT_NAME = "result.json"
#: Fields that hold numbers in result.json (CONTRACT.md section 3).
NUMERIC_FIELDS = frozenset({"monthly_rent"})
#: Fields compared as codes: upper case, no spaces (CONTRACT.md section 3).
CODE_FIELDS = frozenset(
    {"id_number", "tenant_id_number", "employee_id_number", "credit_code", "receipt_number"}
)


@dataclass(frozen=True)
class Change:
    """One audited change: where, before, after."""

    field: str
    before: Any
    after: Any


def field_names(doc: DocumentResult) -> list[str]:
    """The contract's fields of the document's type, then any other field it carries."""
    names = list(DOCUMENT_FIELDS.get(doc.type, ()))
    names.extend(name for name in doc.fields if name not in names)
    return names


def parse_value(name: str, text: str | None) -> FieldValue:
    """What a clerk typed, as the contract stores it (empty means not on the document)."""
    if text is None:
        return None
    value = re.sub(r"\s+", " ", text).strip()
    if not value:
        return None
    if name in CODE_FIELDS:
        return value.replace(" ", "").upper()
    if name in NUMERIC_FIELDS:
        try:
            return float(value.replace(",", ""))
        except ValueError as error:
            raise ValueError(f"field '{name}' needs a number") from error
    return value


def correct_document(
    doc: DocumentResult,
    *,
    new_type: str | None = None,
    values: dict[str, str | None] | None = None,
    photo_usable: bool | None = None,
) -> tuple[DocumentResult, list[Change]]:
    """The document with the clerk's changes, and the list of what changed.

    A new type keeps the fields both types share and adds the new type's fields
    empty, so the clerk can fill them in; ``values`` maps field names to what
    the clerk typed (fields not named are left alone); ``photo_usable`` overrides
    the photo checks' verdict.
    """
    changed = doc.model_copy(deep=True)
    changes: list[Change] = []
    if new_type and new_type != doc.type.value:
        target = DocumentType(new_type)
        changes.append(Change("type", doc.type.value, target.value))
        changed.type = target
        changed.confidence = 1.0
        wanted = DOCUMENT_FIELDS.get(target, ())
        changed.fields = {name: doc.fields.get(name) for name in wanted}
        changed.field_evidence = {
            name: evidence for name, evidence in doc.field_evidence.items() if name in wanted
        }
    allowed = set(field_names(changed))
    for name, text in (values or {}).items():
        if name not in allowed:
            continue
        after = parse_value(name, text)
        before = changed.fields.get(name)
        if _same(before, after):
            continue
        changes.append(Change(f"fields.{name}", before, after))
        changed.fields[name] = after
        evidence = changed.field_evidence.get(name)
        changed.field_evidence[name] = FieldEvidence(
            confidence=1.0, box=evidence.box if evidence else None
        )
    if photo_usable is not None and changed.type is DocumentType.PHOTO:
        before = changed.checks.get("usable")
        if before is None or bool(before) != photo_usable:
            changes.append(Change("checks.usable", before, photo_usable))
            changed.checks = {**changed.checks, "usable": photo_usable}
    return changed, changes


def _same(before: FieldValue, after: FieldValue) -> bool:
    if isinstance(before, int | float) and isinstance(after, int | float):
        return float(before) == float(after)
    return before == after


def redecide(
    result: ApplicationResult,
    form: ApplicationForm,
    documents: list[DocumentResult],
    settings: Settings,
) -> ApplicationResult:
    """The pure decision again, on the corrected documents."""
    decision = decide(form, documents, settings)
    return result.model_copy(
        update={
            "status": decision.status,
            "needs_review": decision.needs_review,
            "review_reasons": decision.review_reasons,
            "documents": documents,
            "notice": decision.notice,
        }
    )


def write_outputs(result: ApplicationResult, form: ApplicationForm, out_dir: Path) -> None:
    """Notice first, result.json last, each atomically (as the batch writes them)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    write_notice(result, form, out_dir)
    payload = json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2)
    write_atomic(out_dir / RESULT_NAME, payload.encode("utf-8"))


def cached_reading(outbox: Path, doc: DocumentResult, language: str) -> FileReading | None:
    """The batch's cached reading of the document's file (``OUTBOX/.cache``), if still there.

    Keyed as the batch keys it (content hash, form language, OCR version); the other
    language is tried too, as the duplicate check does. None when it is gone (or the
    OCR version changed since): the file can then only be corrected, not regrouped.
    """
    cache = ReadingCache(outbox / CACHE_DIR_NAME)
    for candidate in dict.fromkeys([language, "en", "zh"]):
        reading = cache.get(cache_key(doc.sha256, candidate))
        if reading is not None and reading.sha256 == doc.sha256:
            return reading
    return None
