"""Resident identity card, front (name, sex, birth, address, number) and/or back (validity).

Each file gets what it shows: a back alone has only ``valid_until``. The date of
birth and gender are cross-checked with the ID number, whose check digit makes
it the most reliable line on the card.
"""

from __future__ import annotations

import re
from typing import Any

from extractors import normalize as norm
from extractors.base import (
    DocText,
    FieldSpec,
    Layout,
    Value,
    find_code_anywhere,
    finish,
    read_fields,
)
from pipeline import codes
from pipeline.models import DOCUMENT_FIELDS, DocumentType, FieldEvidence
from pipeline.text import PageText

FIELDS = DOCUMENT_FIELDS[DocumentType.ID_CARD]
SPECS = [
    FieldSpec("id_number", "id_number"),
    FieldSpec("name", "person"),
    FieldSpec("gender", "gender"),
    FieldSpec("date_of_birth", "date"),
    FieldSpec("address", "address", multiline=True),
    FieldSpec("valid_until", "validity"),
]


_VALIDITY_RANGE = re.compile(
    r"\d{1,4}[.\-/]\d{1,2}[.\-/]\d{1,2}\s*[-–—~至]\s*"
    # "长期" also when OCR misread its second character: no date starts with 长
    r"((?:19|20)\d{2}[.\-/]\d{1,2}[.\-/]\d{1,2}|(?i:long[- ]?term|indefinite|permanent)|长\w?)"
)


#: The end of a range whose start OCR garbled ("cso 1-2029.01.01" under a watermark): a
#: dash right after a digit or a short fragment, then a dotted or slashed date or "long-term".
_VALIDITY_END = re.compile(
    r"(?:\d|\b\w{1,4})\s*[-–—~至]\s*"
    r"((?:19|20)\d{2}[.\-/]\d{1,2}[.\-/]\d{1,2}|(?i:long[- ]?term|indefinite|permanent)|长期)"
    r"(?![\d.])"
)


def validity_range(layout: Layout) -> Value | None:
    """The end of the card's validity range, read on the back."""
    doc = DocText(layout)
    match = _VALIDITY_RANGE.search(doc.text)
    if match is not None:
        end = norm.parse_validity_end(match.group(0))
        if match.group(1).startswith("长"):
            end = norm.INDEFINITE
        if end:
            return doc.value(*match.span(1), end, 0.8)
    # the start is lost: the last range end on the card, read less surely
    ends = list(_VALIDITY_END.finditer(doc.text))
    if not ends:
        return None
    last = ends[-1]
    end = norm.parse_validity_end(last.group(1))
    return doc.value(*last.span(1), end, 0.6) if end else None


def extract(
    pages: list[PageText], language: str
) -> tuple[dict[str, Any], dict[str, FieldEvidence]]:
    layout = Layout(pages)
    result = read_fields(layout, language, "id_card", SPECS)
    if result.fields.get("valid_until") is None:
        # the back's "2016.05.01-2036.05.01" is unmistakable even when its label is not read
        result.put("valid_until", validity_range(layout))
    if result.fields.get("id_number") is None:
        result.put("id_number", find_code_anywhere(layout, "id_number"))
    number = result.fields.get("id_number")
    if number and codes.is_valid_id_number(number):
        evidence = result.evidence["id_number"]
        born = codes.birth_date_of(number)
        if born and result.fields.get("date_of_birth") != born:
            # the number passed its checksum: its date is the better reading of the card
            result.put("date_of_birth", Value(born, [], 0.8 * evidence.confidence), overwrite=True)
            result.evidence["date_of_birth"].box = evidence.box
        gender = codes.gender_of(number)
        if gender and result.fields.get("gender") is None:
            result.put("gender", Value(gender, [], 0.8 * evidence.confidence))
            result.evidence["gender"].box = evidence.box
    return finish(result, FIELDS)
