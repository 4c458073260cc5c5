"""The contract's section 4 applied to ground truth: the expected notice items.

:func:`expected_items` is the ONE place that turns a form and the true documents of an
application into ``(material, reason)`` pairs; ``truth.json`` is written from it and the
tests check the generator's defects against it. The reading of the contract it encodes:

* A material is satisfied when at least one document offered for it passes all its checks.
  Otherwise it is named once per distinct reason found on the documents offered for it, in
  order of first appearance, or once with ``missing`` when no document was offered.
* Documents whose truth type is ``unknown`` (other papers, unreadable files) offer nothing.
* A document of a material's type on which a field that its checks need is null (the page
  was cut or smudged) gives ``unreadable`` and no other reason.
* A checksum that fails (ID number, credit code) gives ``invalid_code`` and that number is
  not compared with the form (it would differ only by its check character).
* Names compare case- and whitespace-insensitively; addresses also ignore punctuation.
* ``id_card``: an ID card is the agent's when the form names an agent and the card carries
  the agent's name or ID number; every other ID card is offered as the applicant's. Checks:
  name, ID number, ``valid_until`` (expired when before the submission date). The card's
  address is the household registration, not the residence: not compared.
* ``photo``: photos are usable or not (``photo_unusable``). When the form gives a
  ``photo_receipt_number``, receipts are offered too and one must carry that number
  (``receipt_mismatch``) and the applicant's name (``name_mismatch``); the material needs a
  usable photo AND (when asked) a matching receipt.
* ``proof_of_residence``: the person (tenant, owner, buyer, resident) must be the applicant
  and the address the form's; a rental contract's tenant ID number, when printed, must be the
  applicant's, and it is ``expired`` when its ``end_date`` is before submission.
* ``proof_of_employment``: the employer must be the form's employer (by name; a licence also
  by credit code) and the employee the applicant; a business licence proves
  self-employment, so its legal representative must be the applicant.
  Labour contracts and licences expire.
* ``proof_of_schooling``: the student must be the applicant and the school the form's
  school; student IDs expire.
* A bundled file (several documents scanned into one upload) counts as that many separate
  uploads (:func:`truth_documents`).
* ``agent_identity`` is required when the form names an agent or the applicant is under 16
  on the submission date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from stdnum.cn import uscc

from sample_docs.content import valid_ric

MATERIAL_TYPES: dict[str, tuple[str, ...]] = {
    "identity_card": ("id_card",),
    "photo": ("photo", "photo_receipt"),
    "proof_of_residence": (
        "rental_contract",
        "property_certificate",
        "purchase_contract",
        "accommodation_certificate",
    ),
    "proof_of_employment": ("labour_contract", "employment_certificate", "business_licence"),
    "proof_of_schooling": ("student_id", "enrollment_certificate"),
    "agent_identity": ("id_card",),
}

#: Fields a check needs, per type: null means the document could not be read.
NEEDED: dict[str, tuple[str, ...]] = {
    "id_card": ("name", "id_number", "valid_until"),
    "photo_receipt": ("receipt_number", "name"),
    "rental_contract": ("tenant_name", "property_address", "end_date"),
    "property_certificate": ("owner_name", "property_address"),
    "purchase_contract": ("buyer_name", "property_address"),
    "accommodation_certificate": ("resident_name", "address"),
    "labour_contract": ("employer_name", "employee_name", "end_date"),
    "employment_certificate": ("employer_name", "employee_name"),
    "business_licence": ("company_name", "credit_code", "legal_representative", "valid_until"),
    "student_id": ("student_name", "school_name", "valid_until"),
    "enrollment_certificate": ("student_name", "school_name"),
}

PERSON_FIELD = {
    "rental_contract": "tenant_name",
    "property_certificate": "owner_name",
    "purchase_contract": "buyer_name",
    "accommodation_certificate": "resident_name",
    "labour_contract": "employee_name",
    "employment_certificate": "employee_name",
    "business_licence": "legal_representative",
    "student_id": "student_name",
    "enrollment_certificate": "student_name",
}
ADDRESS_FIELD = {
    "rental_contract": "property_address",
    "property_certificate": "property_address",
    "purchase_contract": "property_address",
    "accommodation_certificate": "address",
}
EMPLOYER_FIELD = {
    "labour_contract": "employer_name",
    "employment_certificate": "employer_name",
    "business_licence": "company_name",
}
EXPIRY_FIELD = {
    "id_card": "valid_until",
    "rental_contract": "end_date",
    "labour_contract": "end_date",
    "business_licence": "valid_until",
    "student_id": "valid_until",
}


def same_name(left: str | None, right: str | None) -> bool:
    return _squash(left) == _squash(right)


def same_address(left: str | None, right: str | None) -> bool:
    return re.sub(r"[\W_]+", "", _squash(left)) == re.sub(r"[\W_]+", "", _squash(right))


def _squash(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value or "")).strip().casefold()


def submission_date(form: dict[str, Any]) -> date:
    """The local calendar day of ``submitted_at`` (its own UTC offset)."""
    return datetime.fromisoformat(form["submitted_at"]).date()


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def needs_agent(form: dict[str, Any]) -> bool:
    birth = date.fromisoformat(form["applicant"]["date_of_birth"])
    return form.get("agent") is not None or age_on(birth, submission_date(form)) < 16


def is_agent_card(form: dict[str, Any], fields: dict[str, Any]) -> bool:
    agent = form.get("agent")
    if not agent:
        return False
    return (
        same_name(fields.get("name"), agent["name"])
        or (fields.get("id_number") or "").upper() == agent["id_number"].upper()
    )


def _expired(value: Any, day: date) -> bool:
    if value in (None, "indefinite"):
        return False
    return date.fromisoformat(str(value)) < day


def _id_reasons(number: Any, expected: str) -> list[str]:
    if number is None:
        return []
    if not valid_ric(str(number)):
        return ["invalid_code"]
    return [] if str(number).upper() == expected.upper() else ["id_number_mismatch"]


def document_reasons(form: dict[str, Any], doc: dict[str, Any], material: str) -> list[str]:
    """Why one document does not satisfy ``material`` (empty: it does)."""
    doc_type = doc["type"]
    fields = doc.get("fields") or {}
    day = submission_date(form)
    applicant = form["applicant"]
    if doc_type == "photo":
        return [] if (doc.get("checks") or {}).get("usable", True) else ["photo_unusable"]
    if any(fields.get(key) is None for key in NEEDED.get(doc_type, ())):
        return ["unreadable"]
    reasons: list[str] = []
    if doc_type == "id_card":
        person = form["agent"] if material == "agent_identity" else applicant
        if not same_name(fields["name"], person["name"]):
            reasons.append("name_mismatch")
        reasons += _id_reasons(fields["id_number"], person["id_number"])
    elif doc_type == "photo_receipt":
        if str(fields["receipt_number"]) != str(form.get("photo_receipt_number")):
            reasons.append("receipt_mismatch")
        if not same_name(fields["name"], applicant["name"]):
            reasons.append("name_mismatch")
    else:
        if not same_name(fields[PERSON_FIELD[doc_type]], applicant["name"]):
            reasons.append("name_mismatch")
        if doc_type in ADDRESS_FIELD and not same_address(
            fields[ADDRESS_FIELD[doc_type]], form["residence"]["address"]
        ):
            reasons.append("address_mismatch")
        if doc_type == "rental_contract":
            reasons += _id_reasons(fields.get("tenant_id_number"), applicant["id_number"])
        if doc_type == "labour_contract":
            reasons += _id_reasons(fields.get("employee_id_number"), applicant["id_number"])
        if doc_type in EMPLOYER_FIELD:
            employer = form.get("employer") or {}
            if not same_name(fields[EMPLOYER_FIELD[doc_type]], employer.get("name")):
                reasons.append("employer_mismatch")
            if doc_type == "business_licence":
                code = str(fields["credit_code"]).upper()
                if not uscc.is_valid(code):
                    reasons.append("invalid_code")
                elif code != str(employer.get("credit_code", "")).upper() and (
                    "employer_mismatch" not in reasons
                ):
                    reasons.append("employer_mismatch")
        if doc_type in ("student_id", "enrollment_certificate"):
            school = form.get("school") or {}
            if not same_name(fields["school_name"], school.get("name")):
                reasons.append("school_mismatch")
    if doc_type in EXPIRY_FIELD and _expired(fields.get(EXPIRY_FIELD[doc_type]), day):
        reasons.append("expired")
    return reasons


def required_materials(form: dict[str, Any]) -> list[str]:
    materials = ["identity_card", "photo", "proof_of_residence"]
    if form["condition"] == "employment":
        materials.append("proof_of_employment")
    if form["condition"] == "schooling":
        materials.append("proof_of_schooling")
    if needs_agent(form):
        materials.append("agent_identity")
    return materials


def offered_for(
    form: dict[str, Any],
    docs: Iterable[dict[str, Any]],
    material: str,
) -> list[dict[str, Any]]:
    """The documents an applicant offered for ``material`` (see the module rules)."""
    offered = []
    for doc in docs:
        if doc["type"] not in MATERIAL_TYPES[material]:
            continue
        if doc["type"] == "id_card":
            agent_card = is_agent_card(form, doc.get("fields") or {})
            if agent_card != (material == "agent_identity"):
                continue
        if doc["type"] == "photo_receipt" and not form.get("photo_receipt_number"):
            continue
        offered.append(doc)
    return offered


def expected_items(form: dict[str, Any], docs: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The notice items ``(material, reason)`` that the contract requires for this truth.

    ``form`` is a valid application form (as JSON data); ``docs`` are the true documents,
    each ``{"type", "fields", "checks"}`` with ``checks.usable`` for photos.
    """
    items: list[tuple[str, str]] = []
    for material in required_materials(form):
        offered = offered_for(form, docs, material)
        by_doc = [(doc, document_reasons(form, doc, material)) for doc in offered]
        if material == "photo":
            photo_ok = any(d["type"] == "photo" and not r for d, r in by_doc)
            receipt_ok = not form.get("photo_receipt_number") or any(
                d["type"] == "photo_receipt" and not r for d, r in by_doc
            )
            satisfied = photo_ok and receipt_ok
        else:
            satisfied = any(not reasons for _, reasons in by_doc)
        if satisfied:
            continue
        reasons: list[str] = []
        for _, found in by_doc:
            reasons += [reason for reason in found if reason not in reasons]
        items += [(material, reason) for reason in (reasons or ["missing"])]
    return items


def truth_documents(files: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The documents of an application's file truths: a bundled file (one scan holding
    several documents, listed under ``documents``) counts as that many separate uploads."""
    documents: list[dict[str, Any]] = []
    for file in files:
        documents += file.get("documents") or [file]
    return documents


def expected_status(form_valid: bool, items: list[tuple[str, str]]) -> str:
    if not form_valid:
        return "rejected"
    return "supplement_required" if items else "accepted"
