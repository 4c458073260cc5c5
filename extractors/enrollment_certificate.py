"""Certificate of enrolment issued by a school: student, school, date of issue."""

from __future__ import annotations

from typing import Any

from extractors.base import FieldSpec, Layout, finish, last_date, org_row_near, read_fields
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
    if result.fields.get("school_name") is None:
        result.put("school_name", org_row_near(layout, "top") or org_row_near(layout, "bottom"))
    if result.fields.get("issue_date") is None:
        result.put("issue_date", last_date(layout))
    return finish(result, FIELDS)
