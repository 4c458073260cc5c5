"""Labour contract: employer, employee, the employee's ID number, term (end may be open-ended)."""

from __future__ import annotations

from typing import Any

from extractors.base import FieldReader, FieldSpec, Layout, code_after, finish, read_fields
from extractors.rental_contract import fill_term
from pipeline.models import DOCUMENT_FIELDS, DocumentType, FieldEvidence
from pipeline.text import PageText

FIELDS = DOCUMENT_FIELDS[DocumentType.LABOUR_CONTRACT]
SPECS = [
    FieldSpec("employer_name", "org"),
    FieldSpec("employee_name", "person"),
    FieldSpec("start_date", "date"),
    FieldSpec("end_date", "validity"),
]


def extract(
    pages: list[PageText], language: str
) -> tuple[dict[str, Any], dict[str, FieldEvidence]]:
    layout = Layout(pages)
    result = read_fields(layout, language, "labour_contract", SPECS)
    reader = FieldReader(layout, language, "labour_contract")
    fill_term(layout, reader, result, end_kind="validity")
    employee = result.values.get("employee_name")
    if employee is not None:
        result.put("employee_id_number", code_after(layout, employee, "id_number"))
    spec = FieldSpec("employee_id_number", "id_number")
    if result.fields.get("employee_id_number") is None:
        result.put("employee_id_number", reader.read(spec))
    if result.fields.get("employee_id_number") is None:
        # a label in words never listed ("Worker's Identity Card No."), not the employer's
        result.put("employee_id_number", reader.read_by_cue(spec, avoid="employer_name"))
    return finish(result, FIELDS)
