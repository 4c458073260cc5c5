"""proof_of_schooling (when the condition is schooling): a student ID or a
certificate of enrolment naming the applicant and the form's school; a student
ID must be valid on the submission date. A student number that differs from the
form's is flagged for a clerk, not reported: the contract has no reason for it.
"""

from __future__ import annotations

from datetime import date

from pipeline.models import (
    ApplicationForm,
    Condition,
    DocumentResult,
    DocumentType,
    Material,
    Reason,
)
from validators.base import (
    DocumentCheck,
    MaterialOutcome,
    check_not_expired,
    compare_field,
    doc_label,
    documents_of,
    judge_material,
    not_required,
    readable,
    text_field,
)
from validators.matching import code_match, organisation_match, person_name_match

SCHOOLING_TYPES = (DocumentType.STUDENT_ID, DocumentType.ENROLLMENT_CERTIFICATE)
RULE = "proof_of_schooling:"
_WHAT = {
    DocumentType.STUDENT_ID: "the student ID",
    DocumentType.ENROLLMENT_CERTIFICATE: "the certificate of enrolment",
}


def validate_schooling(
    form: ApplicationForm, documents: list[DocumentResult], today: date
) -> MaterialOutcome:
    material = Material.PROOF_OF_SCHOOLING
    if form.condition is not Condition.SCHOOLING or form.school is None:
        return not_required(material)
    school = form.school

    def check(doc: DocumentResult) -> DocumentCheck:
        result = DocumentCheck(doc)
        what = _WHAT[doc.type]
        deciding = ["student_name", "school_name"]
        if doc.type is DocumentType.STUDENT_ID:
            deciding.append("valid_until")
        if not readable(result, deciding, [], what):
            return result
        compare_field(
            result,
            "student_name",
            form.applicant.name,
            person_name_match,
            reason=Reason.NAME_MISMATCH,
            detail=f"{what} does not name the applicant as the student",
            rule=f"{RULE} student is the applicant",
        )
        compare_field(
            result,
            "school_name",
            school.name,
            organisation_match,
            reason=Reason.SCHOOL_MISMATCH,
            detail=f"the school on {what} is not the school given in the application",
            rule=f"{RULE} school equals the form's",
        )
        if doc.type is DocumentType.STUDENT_ID:
            number = text_field(doc, "student_number")
            if number and school.student_number and not code_match(number, school.student_number):
                result.note(
                    f"{doc_label(doc)}, field 'student_number': differs from the form's; "
                    f"rule: student number (not a contract reason, for the clerk)"
                )
            check_not_expired(
                result,
                "valid_until",
                today,
                detail=f"{what} had expired before the date of application",
                rule=f"{RULE} student ID valid on the submission date",
                unreadable_as=what,
            )
        return result

    return judge_material(
        material,
        documents_of(documents, SCHOOLING_TYPES),
        check,
        missing_detail="no proof of schooling was provided",
    )
