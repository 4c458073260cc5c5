"""House rental (lease) contract: parties, the tenant's ID number, address, term and rent.

Parties come from labels ("Landlord:", "Party B (Lessee):") or from prose
("between John Smith (the Landlord) and ..."). The tenant's ID number is the
one written after the tenant's name, not the first one on the page (which is
usually the landlord's). The term may be two labelled dates or one range.
"""

from __future__ import annotations

import re
from typing import Any

from extractors import normalize as norm
from extractors.base import (
    FieldReader,
    FieldSpec,
    Layout,
    Value,
    code_after,
    date_ranges,
    finish,
    join_toks,
    money_in_prose,
    read_fields,
)
from pipeline.models import DOCUMENT_FIELDS, DocumentType, FieldEvidence
from pipeline.text import PageText

FIELDS = DOCUMENT_FIELDS[DocumentType.RENTAL_CONTRACT]
SPECS = [
    FieldSpec("landlord_name", "party"),
    FieldSpec("tenant_name", "party"),
    FieldSpec("property_address", "address", multiline=True),
    FieldSpec("start_date", "date"),
    FieldSpec("end_date", "date"),
    FieldSpec("monthly_rent", "money"),
]


def extract(
    pages: list[PageText], language: str
) -> tuple[dict[str, Any], dict[str, FieldEvidence]]:
    layout = Layout(pages)
    result = read_fields(layout, language, "rental_contract", SPECS)
    reader = FieldReader(layout, language, "rental_contract")
    fill_term(layout, reader, result)
    tenant = result.values.get("tenant_name")
    if tenant is not None:
        result.put("tenant_id_number", code_after(layout, tenant, "id_number"))
    if result.fields.get("tenant_id_number") is None:
        result.put("tenant_id_number", reader.read(FieldSpec("tenant_id_number", "id_number")))
    if result.fields.get("monthly_rent") is None:
        cues = (reader.vocab.get("prose") or {}).get("monthly_cue") or ["per month"]
        result.put("monthly_rent", money_in_prose(layout, "|".join(cues)))
    return finish(result, FIELDS)


def fill_term(layout: Layout, reader: FieldReader, result: Any, end_kind: str = "date") -> None:
    """Start and end from a labelled term ("Term: ... to ...", "Term Until ...") or any range."""
    if result.fields.get("start_date") and result.fields.get("end_date"):
        return
    for match in reader.label_matches("term"):
        toks = layout.right_of(match, reader.stop_keys)
        if toks:
            toks = toks + layout.after_gap(match.row, toks[-1], reader.stop_keys)
        else:
            toks = layout.below(match, reader.stop_keys)
        if not toks:
            continue
        text = join_toks(toks)
        quality = 0.85 * sum(t.conf for t in toks) / len(toks)
        dates = norm.find_dates(text)
        if len(dates) >= 2:
            result.put("start_date", Value(dates[0][2], toks, quality))
            result.put("end_date", Value(norm.parse_validity_end(text), toks, quality))
        elif len(dates) == 1:
            before = text[: dates[0][0]].lower()
            if re.search(r"\b(until|till|to|expir\w*|end\w*)\b|至|到|止", before):
                result.put("end_date", Value(dates[0][2], toks, quality))
            elif re.search(r"\b(from|since|commenc\w*|start\w*|begin\w*)\b|自|起", before):
                result.put("start_date", Value(dates[0][2], toks, quality))
        if end_kind == "validity" and norm.is_indefinite(text):
            result.put("end_date", Value(norm.INDEFINITE, toks, quality))
    if result.fields.get("start_date") and result.fields.get("end_date"):
        return
    ranges = date_ranges(layout)
    if ranges:
        start, end = ranges[0]
        result.put("start_date", start)
        if end_kind == "date" and end.value == "indefinite":
            return
        result.put("end_date", end)
