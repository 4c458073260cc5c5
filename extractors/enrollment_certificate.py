"""Certificate of enrolment issued by a school: student, school, date of issue."""

from __future__ import annotations

from typing import Any

from extractors.base import (
    FieldSpec,
    Layout,
    Value,
    finish,
    last_date,
    org_row_near,
    read_fields,
    text_key,
)
from pipeline.models import DOCUMENT_FIELDS, DocumentType, FieldEvidence
from pipeline.text import PageText

FIELDS = DOCUMENT_FIELDS[DocumentType.ENROLLMENT_CERTIFICATE]
SPECS = [
    FieldSpec("student_name", "person"),
    FieldSpec("school_name", "org"),
    FieldSpec("issue_date", "date"),
]
#: A word read below this confidence is OCR's guess at a glyph run it could not read.
UNREAD_WORD_CONFIDENCE = 0.3


def extract(
    pages: list[PageText], language: str
) -> tuple[dict[str, Any], dict[str, FieldEvidence]]:
    layout = Layout(pages)
    result = read_fields(layout, language, "enrollment_certificate", SPECS)
    heading = org_row_near(layout, "top") or org_row_near(layout, "bottom")
    if result.fields.get("school_name") is None:
        result.put("school_name", heading)
    elif heading is not None and _same_name_read_better(result.values["school_name"], heading):
        result.put("school_name", heading, overwrite=True)
    if result.fields.get("issue_date") is None:
        result.put("issue_date", last_date(layout))
    return finish(result, FIELDS)


def _same_name_read_better(read: Value, other: Value) -> bool:
    """Whether ``other`` is the same name as ``read`` where OCR could not read one of its
    words ("... student of Soares(0.00) Normal University" under the letterhead "Changsha
    Normal University"): as many words, the surely read ones equal, the others read surely."""
    words = [t for t in read.toks if text_key(t.text)]
    others = [t for t in other.toks if text_key(t.text)]
    unsure = [i for i, t in enumerate(words) if t.conf < UNREAD_WORD_CONFIDENCE]
    if not unsure or len(words) != len(others):
        return False
    return all(
        text_key(a.text) == text_key(b.text)
        if i not in unsure
        else b.conf >= UNREAD_WORD_CONFIDENCE
        for i, (a, b) in enumerate(zip(words, others, strict=True))
    )
