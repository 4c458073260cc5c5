"""Business licence: company, unified social credit code, legal representative, address, term."""

from __future__ import annotations

from typing import Any

from extractors.base import (
    FieldSpec,
    Layout,
    find_code_anywhere,
    finish,
    org_row_near,
    read_fields,
)
from pipeline.models import DOCUMENT_FIELDS, DocumentType, FieldEvidence
from pipeline.text import PageText

FIELDS = DOCUMENT_FIELDS[DocumentType.BUSINESS_LICENCE]
SPECS = [
    FieldSpec("credit_code", "credit_code"),
    FieldSpec("company_name", "org"),
    FieldSpec("legal_representative", "person"),
    FieldSpec("address", "address", multiline=True),
    FieldSpec("valid_until", "validity"),
]


def extract(
    pages: list[PageText], language: str
) -> tuple[dict[str, Any], dict[str, FieldEvidence]]:
    layout = Layout(pages)
    result = read_fields(layout, language, "business_licence", SPECS)
    if result.fields.get("credit_code") is None:
        result.put("credit_code", find_code_anywhere(layout, "credit_code"))
    if result.fields.get("company_name") is None:
        # its label lost (OCR, a seal over it): the company's name stands on a row of its own
        # near the top, under the title; the issuing authority signs at the bottom
        result.put("company_name", org_row_near(layout, "top"))
    return finish(result, FIELDS)
