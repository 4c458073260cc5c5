"""Certificate of enrolment issued by a school: student, school, date of issue."""

from __future__ import annotations

from typing import Any

from extractors.base import (
    DocText,
    FieldReader,
    FieldSpec,
    Layout,
    find_prose,
    finish,
    last_date,
    org_row_near,
    read_fields,
    surer_reading,
)
from pipeline.models import DOCUMENT_FIELDS, DocumentType, FieldEvidence
from pipeline.text import PageText

FIELDS = DOCUMENT_FIELDS[DocumentType.ENROLLMENT_CERTIFICATE]
SPECS = [
    FieldSpec("student_name", "person"),
    FieldSpec("school_name", "org"),
    FieldSpec("issue_date", "date"),
]


def extract(
    pages: list[PageText], language: str
) -> tuple[dict[str, Any], dict[str, FieldEvidence]]:
    layout = Layout(pages)
    result = read_fields(layout, language, "enrollment_certificate", SPECS)
    top, bottom = org_row_near(layout, "top"), org_row_near(layout, "bottom")
    if result.fields.get("school_name") is None:
        result.put("school_name", top or bottom)
    # the school names itself in its letterhead, in the letter and beside its seal: a
    # reading OCR spoiled or cut short gives way to a surer one of the same name
    prose = FieldReader(layout, language, "enrollment_certificate").vocab.get("prose") or {}
    in_prose = find_prose(DocText(layout), prose.get("school_name") or [], "org")
    better = surer_reading(result.values.get("school_name"), [top, in_prose, bottom])
    if better is not None:
        result.put("school_name", better, overwrite=True)
    if result.fields.get("issue_date") is None:
        result.put("issue_date", last_date(layout))
    return finish(result, FIELDS)
