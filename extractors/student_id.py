"""Student ID card: student, school (often only the card's heading), number, validity."""

from __future__ import annotations

from typing import Any

from extractors.base import (
    FieldSpec,
    Layout,
    Value,
    clean_org,
    finish,
    join_toks,
    org_row_near,
    read_fields,
)
from pipeline.models import DOCUMENT_FIELDS, DocumentType, FieldEvidence
from pipeline.text import PageText

FIELDS = DOCUMENT_FIELDS[DocumentType.STUDENT_ID]
SPECS = [
    FieldSpec("student_name", "person"),
    FieldSpec("school_name", "org"),
    FieldSpec("student_number", "ref"),
    FieldSpec("valid_until", "validity"),
]


def extract(
    pages: list[PageText], language: str
) -> tuple[dict[str, Any], dict[str, FieldEvidence]]:
    layout = Layout(pages)
    result = read_fields(layout, language, "student_id", SPECS)
    if result.fields.get("school_name") is None:
        result.put("school_name", org_row_near(layout, "top") or org_row_near(layout, "bottom"))
    school = result.values.get("school_name")
    if school is not None:
        result.put("school_name", wrapped_on(layout, school), overwrite=True)
    return finish(result, FIELDS)


#: Words a name wrapped onto the next row starts with ("Shanghai Institute of Finance /
#: and Economics").
_CONTINUATIONS = frozenset({"and", "of", "for", "&"})


def wrapped_on(layout: Layout, value: Value) -> Value | None:
    """``value`` with the rest of a heading wrapped onto the next row, when that row opens
    with a connective in the same type size; None when there is nothing to add."""
    if not value.toks:
        return None
    last = value.toks[-1]
    index = layout.row_of(last)
    if index + 1 >= len(layout.rows):
        return None
    row, following = layout.rows[index], layout.rows[index + 1]
    if (
        following.page != row.page
        or following.toks[0].text not in _CONTINUATIONS
        or len(following.toks) > 4
        or following.y0 - row.y1 > 1.6 * row.height
        or abs(following.height - row.height) > 0.2 * row.height
        or any(t.colon for t in following.toks)
        or last is not row.toks[-1]
    ):
        return None
    toks = [*value.toks, *following.toks]
    text = clean_org(f"{value.value} {join_toks(following.toks)}")
    return Value(text, toks, value.confidence) if text else None
