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
    spec = FieldSpec("tenant_id_number", "id_number")
    if result.fields.get("tenant_id_number") is None:
        result.put("tenant_id_number", reader.read(spec))
    if result.fields.get("tenant_id_number") is None:
        # "ID Card No. of Lessee   4201...": a label in words never listed, not the landlord's
        result.put("tenant_id_number", reader.read_by_cue(spec, avoid="landlord_name"))
    if result.fields.get("monthly_rent") is None:
        cues = (reader.vocab.get("prose") or {}).get("monthly_cue") or ["per month"]
        result.put("monthly_rent", money_in_prose(layout, "|".join(cues)))
    return finish(result, FIELDS)


def _join_wrapped(first: str, second: str) -> str:
    """A line wrapped inside a cell: no space where a number was broken ("2027-1" + "1-08")."""
    if re.search(r"[\d\-/.]$", first) and re.match(r"[\d\-/.]", second):
        return first + second
    return f"{first} {second}"


def _row_under(layout: Layout, row_index: int) -> list:
    """The row right under a term label when it holds dates: "from 20-Jul-2025 to ..." opens
    with a word that is also a label ("from"), which ``below`` refuses as a value."""
    if row_index + 1 >= len(layout.rows):
        return []
    row, nxt = layout.rows[row_index], layout.rows[row_index + 1]
    if nxt.page != row.page or nxt.y0 - row.y1 > 3.0 * row.height:
        return []
    return list(nxt.toks) if norm.find_dates(join_toks(nxt.toks)) else []


def fill_term(layout: Layout, reader: FieldReader, result: Any, end_kind: str = "date") -> None:
    """Start and end from a labelled term ("Term: ... to ...", "Term Until ...") or any range."""
    if result.fields.get("start_date") and result.fields.get("end_date"):
        return
    term_matches = reader.label_matches("term")
    # a start label may head a whole range ("租期自2024-11-09起至2026-11-08止"), also when set
    # too close to the cell before it to look like a label
    start_matches = reader.label_matches("start_date")
    for match in [*term_matches, *start_matches]:
        is_term = match in term_matches
        toks = layout.right_of(match, reader.stop_keys)
        text = join_toks(toks)
        if toks and len(norm.find_dates(text)) < 2 and not norm.is_indefinite(text):
            # a term wrapped in its cell: "自2024-11-09起至2027-1" / "1-08止"
            wrapped = layout.continuation(
                match.row, toks, reader.stop_keys, margin_ok=False, max_rows=1
            )
            joined = _join_wrapped(text, join_toks(wrapped)) if wrapped else text
            if len(norm.find_dates(joined)) >= 2:
                toks, text = toks + wrapped, joined
        if toks:
            beyond = layout.after_gap(match.row, toks[-1], reader.stop_keys)
            if beyond:
                toks = toks + beyond
                text = f"{text} {join_toks(beyond)}"
        else:
            toks = layout.below(match, reader.stop_keys) or _row_under(layout, match.row)
            text = join_toks(toks)
        if not toks:
            continue
        quality = 0.85 * sum(t.conf for t in toks) / len(toks)
        dates = norm.find_dates(text)
        if not is_term and len(dates) < 2:
            continue
        if len(dates) >= 2:
            result.put("start_date", Value(dates[0][2], toks, quality))
            result.put("end_date", Value(norm.parse_validity_end(text), toks, quality))
        elif len(dates) == 1:
            before = text[: dates[0][0]].lower()
            after = text[dates[0][1] :]
            if re.search(r"\b(until|till|to|expir\w*|end\w*)\b|至|到|止", before):
                result.put("end_date", Value(dates[0][2], toks, quality))
            elif re.search(r"\b(from|since|commenc\w*|start\w*|begin\w*)\b|自|起", before):
                result.put("start_date", Value(dates[0][2], toks, quality))
            elif re.match(r"\s*(?:起|至|到)", after):
                # "合同期限为2024-03-30至无固定期限": a Chinese term opens with its start
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
