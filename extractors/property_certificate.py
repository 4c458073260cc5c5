"""House property ownership certificate: owner, location of the property, certificate number."""

from __future__ import annotations

from typing import Any

from extractors.base import FieldSpec, Layout, finish, read_fields
from pipeline.models import DOCUMENT_FIELDS, DocumentType, FieldEvidence
from pipeline.text import PageText

FIELDS = DOCUMENT_FIELDS[DocumentType.PROPERTY_CERTIFICATE]
SPECS = [
    FieldSpec("owner_name", "party"),
    FieldSpec("property_address", "address", multiline=True),
    FieldSpec("certificate_number", "ref"),
]


def extract(
    pages: list[PageText], language: str
) -> tuple[dict[str, Any], dict[str, FieldEvidence]]:
    layout = Layout(pages)
    return finish(read_fields(layout, language, "property_certificate", SPECS), FIELDS)
