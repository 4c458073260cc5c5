"""proof_of_employment (when the condition is employment): a labour contract, a
certificate of employment, or the employer's business licence.

- labour contract: names the applicant as employee and the form's employer; not
  ended before the submission date ("indefinite" never ends); an employee ID
  number, when printed, valid and the applicant's.
- employment certificate: names the applicant and the form's employer.
- business licence: proves self-employment, so its legal representative must be
  the applicant; the form's company; its credit code valid (check character)
  and equal to the form's; not expired.
"""

from __future__ import annotations

from datetime import date

from stdnum.cn import uscc

from pipeline.models import (
    ApplicationForm,
    Condition,
    DocumentResult,
    DocumentType,
    Material,
    Reason,
)
from validators.base import (
    LOW_FIELD_CONFIDENCE,
    DocumentCheck,
    MaterialOutcome,
    check_not_expired,
    check_person_id_number,
    compare_field,
    doc_label,
    documents_of,
    field_confidence,
    judge_material,
    low_confidence_note,
    not_required,
    readable,
    text_field,
)
from validators.matching import code_match, normalize_code, organisation_match, person_name_match

EMPLOYMENT_TYPES = (
    DocumentType.LABOUR_CONTRACT,
    DocumentType.EMPLOYMENT_CERTIFICATE,
    DocumentType.BUSINESS_LICENCE,
)
RULE = "proof_of_employment:"
#: The fields each document's checks use; when none of them is read, it is unreadable.
DECIDING: dict[DocumentType, tuple[str, ...]] = {
    DocumentType.LABOUR_CONTRACT: (
        "employee_name",
        "employee_id_number",
        "employer_name",
        "end_date",
    ),
    DocumentType.EMPLOYMENT_CERTIFICATE: ("employee_name", "employer_name"),
    DocumentType.BUSINESS_LICENCE: (
        "company_name",
        "credit_code",
        "legal_representative",
        "valid_until",
    ),
}
_WHAT = {
    DocumentType.LABOUR_CONTRACT: "the labour contract",
    DocumentType.EMPLOYMENT_CERTIFICATE: "the certificate of employment",
    DocumentType.BUSINESS_LICENCE: "the business licence",
}


def _misread_code(code: str, expected: str) -> bool:
    """A code one glyph from a valid expected code, with the same check character."""
    return (
        uscc.is_valid(expected)
        and len(code) == len(expected)
        and code[-1] == expected[-1]
        and sum(a != b for a, b in zip(code, expected, strict=True)) == 1
    )


def validate_employment(
    form: ApplicationForm, documents: list[DocumentResult], today: date
) -> MaterialOutcome:
    material = Material.PROOF_OF_EMPLOYMENT
    if form.condition is not Condition.EMPLOYMENT or form.employer is None:
        return not_required(material)
    employer = form.employer

    def check_employee_document(result: DocumentCheck, what: str) -> None:
        compare_field(
            result,
            "employee_name",
            form.applicant.name,
            person_name_match,
            reason=Reason.NAME_MISMATCH,
            detail=f"{what} does not name the applicant as the employee",
            rule=f"{RULE} employee is the applicant",
        )
        if result.document.type is DocumentType.LABOUR_CONTRACT:
            check_person_id_number(
                result, "employee_id_number", form.applicant.id_number, what=what, rule=RULE
            )
        compare_field(
            result,
            "employer_name",
            employer.name,
            organisation_match,
            reason=Reason.EMPLOYER_MISMATCH,
            detail=f"the employer on {what} is not the employer given in the application",
            rule=f"{RULE} employer equals the form's",
        )

    def check_licence(result: DocumentCheck, what: str) -> None:
        doc = result.document
        compare_field(
            result,
            "legal_representative",
            form.applicant.name,
            person_name_match,
            reason=Reason.NAME_MISMATCH,
            detail=f"{what} does not name the applicant as its legal representative",
            rule=f"{RULE} a licence proves self-employment: legal representative is the applicant",
        )
        compare_field(
            result,
            "company_name",
            employer.name,
            organisation_match,
            reason=Reason.EMPLOYER_MISMATCH,
            detail=f"{what} is not that of the employer given in the application",
            rule=f"{RULE} licensed company is the form's employer",
        )
        code = text_field(doc, "credit_code")
        if code is not None:
            rule = f"{RULE} credit code check character"
            confidence = field_confidence(doc, "credit_code")
            valid = uscc.is_valid(normalize_code(code))
            unsure = confidence is not None and confidence < LOW_FIELD_CONFIDENCE
            if (
                not valid
                and unsure
                and _misread_code(normalize_code(code), normalize_code(employer.credit_code))
            ):
                # read unsurely, the form's check character, one other glyph off: OCR misread
                # the form's code (a wrong check character, the defect, is never excused)
                result.note(
                    f"{doc_label(doc)}, field 'credit_code': fails its check character, read "
                    f"with low confidence ({confidence:.2f}) and one character from the form's "
                    f"code with the same check character, so taken as a misread of it; "
                    f"rule: {rule}"
                )
            elif not valid and unsure and not result.passes:
                # refused already (another company's licence, another person's): a code read
                # unsurely that fails its check proves nothing more about the document
                result.note(
                    f"{doc_label(doc)}, field 'credit_code': fails its check character, read "
                    f"with low confidence ({confidence:.2f}); not reported, the document is "
                    f"refused for another reason; rule: {rule}"
                )
            elif not valid:
                low = low_confidence_note(doc, "credit_code", rule)
                result.fail(
                    Reason.INVALID_CODE,
                    f"the unified social credit code on {what} is not a valid code",
                    *([low] if low else []),
                )
            else:
                compare_field(
                    result,
                    "credit_code",
                    employer.credit_code,
                    code_match,
                    reason=Reason.EMPLOYER_MISMATCH,
                    detail=f"the credit code on {what} is not the one given in the application",
                    rule=f"{RULE} credit code equals the form's",
                )
        check_not_expired(
            result,
            "valid_until",
            today,
            detail=f"{what} had expired before the date of application",
            rule=f"{RULE} licence valid on the submission date",
            unreadable_as=what,
        )

    def check(doc: DocumentResult) -> DocumentCheck:
        result = DocumentCheck(doc)
        what = _WHAT[doc.type]
        if not readable(result, DECIDING[doc.type], [], what):
            return result
        if doc.type is DocumentType.BUSINESS_LICENCE:
            check_licence(result, what)
            return result
        check_employee_document(result, what)
        if doc.type is DocumentType.LABOUR_CONTRACT:
            check_not_expired(
                result,
                "end_date",
                today,
                detail=f"{what} had ended before the date of application",
                rule=f"{RULE} contract runs on the submission date",
                unreadable_as=what,
            )
        return result

    return judge_material(
        material,
        documents_of(documents, EMPLOYMENT_TYPES),
        check,
        missing_detail="no proof of employment was provided",
    )
