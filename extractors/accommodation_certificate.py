"""Accommodation certificate from a lessor, employer or school: who lives where, who says so, when.

The issuer is often not labelled: it is the organisation at the foot of the
letter (beside the seal) or in its letterhead.
"""

from __future__ import annotations

import re
from typing import Any

from extractors import normalize as norm
from extractors.base import (
    ADDRESS_RE,
    DocText,
    FieldReader,
    FieldSpec,
    Layout,
    cut_sentence,
    find_prose,
    finish,
    last_date,
    opens_with_colon_label,
    org_row_near,
    read_fields,
    surer_reading,
)
from pipeline.models import DOCUMENT_FIELDS, DocumentType, FieldEvidence
from pipeline.text import PageText

FIELDS = DOCUMENT_FIELDS[DocumentType.ACCOMMODATION_CERTIFICATE]
SPECS = [
    FieldSpec("resident_name", "person"),
    FieldSpec("address", "address", multiline=True),
    FieldSpec("issuer", "org"),
    FieldSpec("issue_date", "date"),
]


def extract(
    pages: list[PageText], language: str
) -> tuple[dict[str, Any], dict[str, FieldEvidence]]:
    layout = Layout(pages)
    result = read_fields(layout, language, "accommodation_certificate", SPECS)
    reader = FieldReader(layout, language, "accommodation_certificate")
    if result.fields.get("address") is None:
        cues = (reader.vocab.get("prose") or {}).get("address_cue") or []
        result.put("address", address_after_cue(layout, cues))
    bottom, top = org_row_near(layout, "bottom"), org_row_near(layout, "top")
    if result.fields.get("issuer") is None:
        result.put("issuer", bottom or top)
    # the issuer's name under its seal reads spoiled ("Zhengzhou Xinyuat ompain Limited");
    # its letterhead or the letter's own words may hold a surer reading of it
    in_prose = find_prose(
        DocText(layout), (reader.vocab.get("prose") or {}).get("issuer") or [], "org"
    )
    better = surer_reading(result.values.get("issuer"), [top, in_prose, bottom])
    if better is not None:
        result.put("issuer", better, overwrite=True)
    if result.fields.get("issue_date") is None:
        result.put("issue_date", last_date(layout))
    return finish(result, FIELDS)


def address_after_cue(layout: Layout, cues: list[str]):
    """``... resides at Room 1203, Building 5, 88 Jianguo Road, Beijing since ...``"""
    doc = DocText(layout)
    for cue in cues:
        # Chinese runs on without a space after its cue ("居住于北京市…")
        gap = r"\s*" if re.search(r"[\u4e00-\u9fff]$", cue) else r"\s+"
        # ...and wraps between any two characters ("起居住\n于南京市…")
        cue_re = re.sub(
            r"(?<=[\u4e00-\u9fff])(?=[\u4e00-\u9fff])", r"\\s*", cue.replace(" ", r"\s+")
        )
        match = re.search(r"(?i:" + cue_re + r")" + gap + ADDRESS_RE, doc.text)
        if match:
            raw = _before_next_field(doc, match.start(1), cut_sentence(match.group(1)))
            value = norm.clean_address(raw)
            if value:
                start = match.start(1)
                return doc.value(start, start + len(raw), value, 0.75)
    return None


def _before_next_field(doc: DocText, start: int, raw: str) -> str:
    """The address up to the first line that opens another field: with a caption and a colon
    ("Provider: ..."), or a caption before the value column ("Since   17 NOV 2025"). A line
    break alone does not end a capitalised address run, and a known label word may be a
    word of the address ("Residence, Wuchang District")."""
    rows = doc.layout.rows
    previous_row = None
    for tok_start, _, tok in doc.spans:
        if tok_start < start or tok_start >= start + len(raw):
            continue
        row_index = doc.layout.row_of(tok)
        if previous_row is not None and row_index != previous_row:
            toks = rows[row_index].toks
            if tok is toks[0] and (
                opens_with_colon_label(toks) or doc.layout.label_then_column(row_index) is not None
            ):
                return raw[: tok_start - start].rstrip(" \n,;")
        previous_row = row_index
    return raw
