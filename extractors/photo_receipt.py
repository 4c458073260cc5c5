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
    code = result.fields.get("receipt_number")
    if code:
        result.fields["receipt_number"] = repair_receipt_code(code)
    return finish(result, FIELDS)


#: OCR's look-alikes of digits inside a code's run of digits.
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "Q": "0", "D": "0", "I": "1", "l": "1"})
_CODE_SHAPE = re.compile(r"^([$A-Z]{1,4})([0-9OoQDIl]{6,14})$")


def repair_receipt_code(code: str) -> str:
    """A studio code as printed: a letter prefix and a run of digits, where OCR reads a 0 as
    O ("BJO730085622"), a 1 as I or l, and an S as $ ("$Z8530775264") or as both
    ("S$Z4294338316": one glyph emitted twice, seen on two receipts of seed 7800; no code
    holds a $). A code of any other shape is left as read. A prefix keeps at least two
    letters: "PO1234567" stays."""
    match = _CODE_SHAPE.match(code)
    if match is None:
        return code
    prefix, digits = match.groups()
    prefix = prefix.replace("S$", "S").replace("$S", "S").replace("$", "S")
    while len(prefix) > 2 and prefix[-1] == "O":
        prefix, digits = prefix[:-1], prefix[-1] + digits
    if not any(ch.isdigit() for ch in digits):
        return code
    return prefix + digits.translate(_DIGIT_LOOKALIKES)


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
