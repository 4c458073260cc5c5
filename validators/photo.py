"""photo: a usable portrait and, when the form gives a receipt number, the studio's receipt.

When the form gives ``photo_receipt_number`` but no receipt was uploaded (and
the photos are fine), the item is ``missing``, with a detail saying that it is
the receipt that is missing, as the ground-truth rules read the contract. A
receipt uploaded when the form gives no number is ignored.
"""

from __future__ import annotations

from datetime import date

from pipeline.models import ApplicationForm, DocumentResult, DocumentType, Material, Reason
from validators.base import (
    DocumentCheck,
    Finding,
    MaterialOutcome,
    compare_field,
    doc_label,
    readable,
)
from validators.matching import person_name_match, printed_code_match

#: Photo problems the extractor reports, in words for the applicant.
PROBLEM_WORDS: dict[str, str] = {
    "no_face": "no face can be seen",
    "several_faces": "more than one face can be seen",
    "too_dark": "it is too dark",
    "blurred": "it is blurred",
    "too_small": "it is too small",
}


def photo_problems(doc: DocumentResult) -> list[str]:
    """The extractor's list of problems (``checks['problems']``, or ``reasons``)."""
    checks = doc.checks
    listed = checks.get("problems", checks.get("reasons", checks.get("problem"))) or []
    return [str(p) for p in listed] if isinstance(listed, list | tuple) else [str(listed)]


def _usable(doc: DocumentResult) -> bool:
    usable = doc.checks.get("usable")
    if usable is None:
        return not photo_problems(doc) and int(doc.checks.get("face_count") or 0) == 1
    return bool(usable)


def _check_photo(doc: DocumentResult) -> DocumentCheck:
    result = DocumentCheck(doc)
    if not _usable(doc):
        problems = [PROBLEM_WORDS.get(p, p.replace("_", " ")) for p in photo_problems(doc)]
        why = f" ({'; '.join(problems)})" if problems else ""
        result.fail(
            Reason.PHOTO_UNUSABLE,
            f"the photo cannot be used{why}; please provide a recent frontal portrait",
            f"{doc_label(doc)}: photo checks failed "
            f"({', '.join(photo_problems(doc)) or 'not usable'}); rule: usable photo",
        )
    return result


def _check_receipt(form: ApplicationForm, doc: DocumentResult) -> DocumentCheck:
    result = DocumentCheck(doc)
    if not readable(result, ["receipt_number", "name"], [], "the photo receipt"):
        return result
    compare_field(
        result,
        "receipt_number",
        form.photo_receipt_number or "",
        printed_code_match,
        reason=Reason.RECEIPT_MISMATCH,
        detail="the number on the photo receipt does not match the number given in the application",
        rule="photo: receipt number equals the form's",
    )
    compare_field(
        result,
        "name",
        form.applicant.name,
        person_name_match,
        reason=Reason.NAME_MISMATCH,
        detail="the name on the photo receipt does not match the application",
        rule="photo: receipt names the applicant",
    )
    return result


def validate_photo(
    form: ApplicationForm, documents: list[DocumentResult], today: date
) -> MaterialOutcome:
    """A usable photo AND, when the form gives a receipt number, a matching receipt.

    Photos and receipts are offered together; when the material is not
    satisfied, every reason found on them is named once, in document order, or
    ``missing`` when none was found (no photo, or no receipt for the number).
    """
    material = Material.PHOTO
    wants_receipt = bool(form.photo_receipt_number)
    offered = [
        doc
        for doc in documents
        if doc.type is DocumentType.PHOTO
        or (doc.type is DocumentType.PHOTO_RECEIPT and wants_receipt)
    ]
    checks = [
        _check_photo(doc) if doc.type is DocumentType.PHOTO else _check_receipt(form, doc)
        for doc in offered
    ]
    good_photos = [c for c in checks if c.passes and c.document.type is DocumentType.PHOTO]
    good_receipts = [
        c for c in checks if c.passes and c.document.type is DocumentType.PHOTO_RECEIPT
    ]
    outcome = MaterialOutcome(material=material)
    if good_photos and (good_receipts or not wants_receipt):
        outcome.satisfied = True
        outcome.satisfied_by = good_photos[0].document.file
        for chosen in (good_photos[0], *good_receipts[:1]):
            outcome.review.extend(n for n in chosen.review if n not in outcome.review)
        return outcome
    seen: set[Reason] = set()
    for result in checks:
        for problem in result.problems:
            outcome.review.extend(n for n in problem.review if n not in outcome.review)
            if problem.reason not in seen:
                seen.add(problem.reason)
                outcome.findings.append(
                    Finding(
                        material,
                        problem.reason,
                        result.document.file,
                        problem.detail,
                        problem.review,
                    )
                )
    if not outcome.findings:
        detail = (
            "the digital photo receipt whose number is given in the application was not provided"
            if good_photos
            else "no photo of the applicant was provided"
        )
        outcome.findings.append(Finding(material, Reason.MISSING, None, detail))
    return outcome
