"""Certificate of labour relationship issued by an employer: who employs whom, issued when.

Mostly prose ("This is to certify that Li Wei has been employed by ..."), with
the employer in the letterhead or above the seal when the text does not name it.
"""

from __future__ import annotations

from typing import Any

from extractors.base import FieldSpec, Layout, finish, last_date, org_row_near, read_fields
from pipeline.models import DOCUMENT_FIELDS, DocumentType, FieldEvidence
from pipeline.text import PageText

FIELDS = DOCUMENT_FIELDS[DocumentType.EMPLOYMENT_CERTIFICATE]
SPECS = [
    FieldSpec("employer_name", "org"),
    FieldSpec("employee_name", "person"),
    FieldSpec("issue_date", "date"),
]


def extract(
    pages: list[PageText], language: str
) -> tuple[dict[str, Any], dict[str, FieldEvidence]]:
    layout = Layout(pages)
    result = read_fields(layout, language, "employment_certificate", SPECS)
    if result.fields.get("employer_name") is None:
        result.put("employer_name", org_row_near(layout, "top") or org_row_near(layout, "bottom"))
    if result.fields.get("issue_date") is None:
        result.put("issue_date", last_date(layout))
    return finish(result, FIELDS)
