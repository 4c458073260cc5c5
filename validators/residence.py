"""proof_of_residence: a lease, title deed, purchase contract or accommodation certificate
that names the applicant at the form's address; a lease must still run on the
submission date. A tenant ID number on a lease, when printed, must be valid and
the applicant's.
"""

from __future__ import annotations

from datetime import date

from pipeline.models import ApplicationForm, DocumentResult, DocumentType, Material, Reason
from validators.base import (
    DocumentCheck,
    MaterialOutcome,
    check_not_expired,
    check_person_id_number,
    compare_field,
    documents_of,
    judge_material,
    readable,
)
from validators.matching import address_match, person_name_match

#: Per accepted type: (field naming the resident, field giving the address, words for it).
RESIDENCE_FIELDS: dict[DocumentType, tuple[str, str, str]] = {
    DocumentType.RENTAL_CONTRACT: ("tenant_name", "property_address", "the rental contract"),
    DocumentType.PROPERTY_CERTIFICATE: ("owner_name", "property_address",
                                        "the property certificate"),
    DocumentType.PURCHASE_CONTRACT: ("buyer_name", "property_address", "the purchase contract"),
    DocumentType.ACCOMMODATION_CERTIFICATE: ("resident_name", "address",
                                             "the accommodation certificate"),
}  # fmt: skip

RULE = "proof_of_residence:"


def validate_residence(
    form: ApplicationForm, documents: list[DocumentResult], today: date
) -> MaterialOutcome:
    """Names the applicant at the form's address; a lease current on the submission date."""

    def check(doc: DocumentResult) -> DocumentCheck:
        result = DocumentCheck(doc)
        name_field, address_field, what = RESIDENCE_FIELDS[doc.type]
        deciding = [name_field, address_field]
        if doc.type is DocumentType.RENTAL_CONTRACT:
            deciding += ["tenant_id_number", "end_date"]
        if not readable(result, deciding, [], what):
            return result
        compare_field(
            result,
            name_field,
            form.applicant.name,
            person_name_match,
            reason=Reason.NAME_MISMATCH,
            detail=f"{what} does not name the applicant",
            rule=f"{RULE} names the applicant",
        )
        compare_field(
            result,
            address_field,
            form.residence.address,
            address_match,
            reason=Reason.ADDRESS_MISMATCH,
            detail=f"the address on {what} is not the address given in the application",
            rule=f"{RULE} address equals the form's",
        )
        if doc.type is DocumentType.RENTAL_CONTRACT:
            check_person_id_number(
                result, "tenant_id_number", form.applicant.id_number, what=what, rule=RULE
            )
            check_not_expired(
                result,
                "end_date",
                today,
                detail="the rental contract had ended before the date of application",
                rule=f"{RULE} lease runs on the submission date",
                unreadable_as=what,
            )
        return result

    offered = documents_of(documents, RESIDENCE_FIELDS)
    return judge_material(
        Material.PROOF_OF_RESIDENCE,
        offered,
        check,
        missing_detail="no proof of residence was provided",
    )
