"""Digital photo receipt from a photo studio: the receipt number and the person photographed."""

from __future__ import annotations

import re
from typing import Any

from extractors.base import FieldSpec, Layout, Value, finish, read_fields
from pipeline.models import DOCUMENT_FIELDS, DocumentType, FieldEvidence
from pipeline.text import PageText

FIELDS = DOCUMENT_FIELDS[DocumentType.PHOTO_RECEIPT]
SPECS = [FieldSpec("receipt_number", "ref"), FieldSpec("name", "person")]


def extract(
    pages: list[PageText], language: str
) -> tuple[dict[str, Any], dict[str, FieldEvidence]]:
    layout = Layout(pages)
    result = read_fields(layout, language, "photo_receipt", SPECS)
    if result.fields.get("receipt_number") is None:
        result.put("receipt_number", lone_receipt_code(layout))
    return finish(result, FIELDS)


#: A studio's receipt code: a letter or two of prefix and a long run of digits.
_RECEIPT_CODE = re.compile(r"^[A-Z]{1,3}\d{6,14}$")


def lone_receipt_code(layout: Layout) -> Value | None:
    """The receipt code when its label was not read (an unfamiliar label, a label lost
    to OCR): the one prefixed code on the receipt. Two candidates: no guess."""
    found = [
        tok
        for row in layout.rows
        for tok in row.toks
        if _RECEIPT_CODE.match(tok.text.strip(" :;,."))
    ]
    if len({tok.text.strip(" :;,.") for tok in found}) != 1:
        return None
    tok = found[0]
    return Value(tok.text.strip(" :;,."), [tok], 0.5 * tok.conf)
