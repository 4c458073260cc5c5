"""House purchase contract: buyer, seller (a person or a developer), address, signing date."""

from __future__ import annotations

from typing import Any

from extractors.base import FieldSpec, Layout, finish, last_date, read_fields
from pipeline.models import DOCUMENT_FIELDS, DocumentType, FieldEvidence
from pipeline.text import PageText

FIELDS = DOCUMENT_FIELDS[DocumentType.PURCHASE_CONTRACT]
SPECS = [
    FieldSpec("buyer_name", "party"),
    FieldSpec("seller_name", "party"),
    FieldSpec("property_address", "address", multiline=True),
    FieldSpec("contract_date", "date"),
]


def extract(
    pages: list[PageText], language: str
) -> tuple[dict[str, Any], dict[str, FieldEvidence]]:
    layout = Layout(pages)
    result = read_fields(layout, language, "purchase_contract", SPECS)
    if result.fields.get("contract_date") is None:
        result.put("contract_date", last_date(layout))
    return finish(result, FIELDS)
