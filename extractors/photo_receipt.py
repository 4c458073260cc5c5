"""Digital photo receipt from a photo studio: the receipt number and the person photographed."""

from __future__ import annotations

from typing import Any

from extractors.base import FieldSpec, Layout, finish, read_fields
from pipeline.models import DOCUMENT_FIELDS, DocumentType, FieldEvidence
from pipeline.text import PageText

FIELDS = DOCUMENT_FIELDS[DocumentType.PHOTO_RECEIPT]
SPECS = [FieldSpec("receipt_number", "ref"), FieldSpec("name", "person")]


def extract(
    pages: list[PageText], language: str
) -> tuple[dict[str, Any], dict[str, FieldEvidence]]:
    layout = Layout(pages)
    return finish(read_fields(layout, language, "photo_receipt", SPECS), FIELDS)
