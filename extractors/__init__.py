"""Extractors: one module per document type, words in, contract fields out.

``extract(doc_type, pages, language)`` returns exactly the contract's field
names for the type (``pipeline.models.DOCUMENT_FIELDS``), null for fields not
read, and a ``FieldEvidence`` (confidence, box on its page) for each field read.
A new type is one module with an ``extract(pages, language)`` function, its
labels in ``labels/<language>.yaml`` and one line in ``EXTRACTORS``.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any

from pipeline.models import DOCUMENT_FIELDS, DocumentType, FieldEvidence, FieldValue
from pipeline.text import PageText

log = logging.getLogger(__name__)

Extractor = Callable[[list[PageText], str], tuple[dict[str, Any], dict[str, FieldEvidence]]]

#: document type -> module holding its ``extract(pages, language)``.
EXTRACTORS: dict[DocumentType, str] = {
    DocumentType.ID_CARD: "extractors.id_card",
    DocumentType.PHOTO_RECEIPT: "extractors.photo_receipt",
    DocumentType.RENTAL_CONTRACT: "extractors.rental_contract",
    DocumentType.PROPERTY_CERTIFICATE: "extractors.property_certificate",
    DocumentType.PURCHASE_CONTRACT: "extractors.purchase_contract",
    DocumentType.ACCOMMODATION_CERTIFICATE: "extractors.accommodation_certificate",
    DocumentType.LABOUR_CONTRACT: "extractors.labour_contract",
    DocumentType.EMPLOYMENT_CERTIFICATE: "extractors.employment_certificate",
    DocumentType.BUSINESS_LICENCE: "extractors.business_licence",
    DocumentType.STUDENT_ID: "extractors.student_id",
    DocumentType.ENROLLMENT_CERTIFICATE: "extractors.enrollment_certificate",
}


def extract(
    doc_type: DocumentType | str, pages: list[PageText], language: str
) -> tuple[dict[str, FieldValue], dict[str, FieldEvidence]]:
    """The contract's fields of a document of ``doc_type`` read from its pages.

    Photos and unknown documents have no fields. An extractor that fails is
    logged (type only, never content) and yields all-null fields, so one odd
    page never stops a batch.
    """
    doc_type = DocumentType(doc_type)
    names = DOCUMENT_FIELDS[doc_type]
    module_name = EXTRACTORS.get(doc_type)
    if module_name is None or not pages:
        return {name: None for name in names}, {}
    module = importlib.import_module(module_name)
    try:
        fields, evidence = module.extract(pages, language)
    except Exception:
        log.exception("extractor for %s failed", doc_type.value)
        return {name: None for name in names}, {}
    return {name: fields.get(name) for name in names}, {
        name: ev for name, ev in evidence.items() if name in names and fields.get(name) is not None
    }
