"""Student ID card: student, school (often only the card's heading), number, validity."""

from __future__ import annotations

from typing import Any

from extractors.base import FieldSpec, Layout, finish, org_row_near, read_fields
from pipeline.models import DOCUMENT_FIELDS, DocumentType, FieldEvidence
from pipeline.text import PageText

FIELDS = DOCUMENT_FIELDS[DocumentType.STUDENT_ID]
SPECS = [
    FieldSpec("student_name", "person"),
    FieldSpec("school_name", "org"),
    FieldSpec("student_number", "ref"),
    FieldSpec("valid_until", "validity"),
]


def extract(
    pages: list[PageText], language: str
) -> tuple[dict[str, Any], dict[str, FieldEvidence]]:
    layout = Layout(pages)
    result = read_fields(layout, language, "student_id", SPECS)
    if result.fields.get("school_name") is None:
        result.put("school_name", org_row_near(layout, "top") or org_row_near(layout, "bottom"))
    return finish(result, FIELDS)
