"""identity_card: the applicant's resident identity card.

ID cards are shared between two materials: the applicant's and, when there is
one, the agent's. :func:`split_id_cards` decides once whose card each is: a
card that carries the agent's name or ID number (and not the applicant's ID
number) is the agent's, never an applicant ``name_mismatch``; every other card
is offered as the applicant's (as the ground truth rules in
``sample_docs/rules.py`` read the contract).

A card needs its name, ID number and validity read; when one of them is not,
the card is ``unreadable`` and nothing else is said about it.

ID cards may come as a front (name, number, address) and a back (validity) in
separate documents. A back side carries no name, so it belongs to the person
whose front is in the same file, or else to the applicant; a front without a
validity date takes it from that person's back sides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pipeline.models import ApplicationForm, DocumentResult, DocumentType, Material, Reason
from validators.base import (
    INDEFINITE,
    DocumentCheck,
    MaterialOutcome,
    check_not_expired,
    check_person_id_number,
    compare_field,
    doc_label,
    judge_material,
    low_confidence_note,
    parse_date,
    readable,
    text_field,
)
from validators.matching import code_match, person_name_match

WHAT = "the identity card"
#: A validity read less surely than this is checked by a clerk even when the card passes:
#: the ID-card extractor gives 0.5 to an end it repaired to agree with the card's start (a
#: misread year) and less to one it could not confirm; a usual reading is surer.
UNSURE_VALIDITY = 0.51


@dataclass
class CardOwners:
    """Whose each ID card document is."""

    applicant: list[DocumentResult] = field(default_factory=list)
    agent: list[DocumentResult] = field(default_factory=list)


def _is_front(doc: DocumentResult) -> bool:
    return text_field(doc, "name") is not None or text_field(doc, "id_number") is not None


#: What only the front of a resident ID card shows; the back shows the validity.
_FRONT_FIELDS = ("name", "id_number", "date_of_birth", "gender", "address")


def _is_back(doc: DocumentResult) -> bool:
    """A back side: a validity date and nothing of the front (not a front read badly)."""
    return text_field(doc, "valid_until") is not None and all(
        text_field(doc, name) is None for name in _FRONT_FIELDS
    )


def _is_agents(doc: DocumentResult, form: ApplicationForm) -> bool:
    """The agent's card: the agent's ID number, or the agent's name without the applicant's
    ID number."""
    agent = form.agent
    if agent is None:
        return False
    number, name = text_field(doc, "id_number"), text_field(doc, "name")
    if number is not None and code_match(number, agent.id_number).equal:
        return True
    if name is None or not person_name_match(name, agent.name).equal:
        return False
    return number is None or not code_match(number, form.applicant.id_number).equal


def split_id_cards(form: ApplicationForm, documents: list[DocumentResult]) -> CardOwners:
    """Attribute every id_card document to the applicant or the agent."""
    cards = [doc for doc in documents if doc.type is DocumentType.ID_CARD]
    owners = CardOwners()
    for doc in cards:
        if _is_front(doc) and _is_agents(doc, form):
            owners.agent.append(doc)
    agent_files = {doc.file for doc in owners.agent}
    for doc in cards:
        if doc in owners.agent:
            continue
        # a back side in the same file as the agent's front (and no other front) is the agent's
        lone_back = _is_back(doc) and doc.file in agent_files
        if lone_back and not any(
            d.file == doc.file and _is_front(d) and d not in owners.agent for d in cards
        ):
            owners.agent.append(doc)
        else:
            owners.applicant.append(doc)
    return owners


def _best_back_validity(backs: list[DocumentResult]) -> tuple[DocumentResult, date | str] | None:
    dated = [(doc, parse_date(doc.fields.get("valid_until"))) for doc in backs]
    dated = [(doc, value) for doc, value in dated if value is not None]
    if not dated:
        return None
    for doc, value in dated:
        if value == INDEFINITE:
            return doc, value
    return max(dated, key=lambda pair: pair[1])  # type: ignore[return-value,arg-type]


def judge_person_cards(
    material: Material,
    cards: list[DocumentResult],
    person_name: str,
    person_id_number: str,
    today: date,
    *,
    whose: str,
    missing_detail: str,
) -> MaterialOutcome:
    """One person's ID card material: fronts checked, validity borrowed from backs."""
    fronts = [doc for doc in cards if not _is_back(doc)]
    backs = [doc for doc in cards if _is_back(doc)]
    rule_prefix = f"{material.value}:"

    def check_front(doc: DocumentResult) -> DocumentCheck:
        result = DocumentCheck(doc)
        deciding = [] if backs else ["valid_until"]  # else the back side gives it
        if not readable(result, ["name", "id_number"], deciding, WHAT):
            return result
        compare_field(
            result,
            "name",
            person_name,
            person_name_match,
            reason=Reason.NAME_MISMATCH,
            detail=f"the name on {whose} identity card does not match the application",
            rule=f"{rule_prefix} name equals the form's",
        )
        check_person_id_number(
            result, "id_number", person_id_number, what=f"{whose} identity card", rule=rule_prefix
        )
        expiry_detail = f"{whose} identity card had expired on the date of application"
        if doc.fields.get("valid_until") is not None or not backs:
            rule = f"{rule_prefix} card valid on the submission date"
            check_not_expired(
                result,
                "valid_until",
                today,
                detail=expiry_detail,
                rule=rule,
                unreadable_as=None if backs else WHAT,
            )
            unsure = low_confidence_note(doc, "valid_until", rule, UNSURE_VALIDITY)
            if result.passes and unsure:
                # a validity the extractor repaired (a year made to agree with the start) or
                # could not confirm: the card passes, and a clerk checks the date first
                result.note(unsure)
        else:
            best = _best_back_validity(backs)
            if best is not None and best[1] != INDEFINITE and best[1] < today:  # type: ignore[operator]
                result.fail(Reason.EXPIRED, expiry_detail)
        return result

    def check_back_only(doc: DocumentResult) -> DocumentCheck:
        result = DocumentCheck(doc)
        check_not_expired(
            result,
            "valid_until",
            today,
            detail=f"{whose} identity card had expired on the date of application",
            rule=f"{rule_prefix} card valid on the submission date",
        )
        if result.passes:
            result.fail(
                Reason.MISSING,
                f"only the back of {whose} identity card was provided; the front side is needed",
                f"{doc_label(doc)}: back side only (no name or number); rule: front side needed",
            )
        return result

    if fronts:
        return judge_material(material, fronts, check_front, missing_detail=missing_detail)
    return judge_material(material, backs, check_back_only, missing_detail=missing_detail)


def validate_identity(
    form: ApplicationForm, documents: list[DocumentResult], today: date
) -> MaterialOutcome:
    """The applicant's card: name and ID number as on the form, valid number, not expired."""
    cards = split_id_cards(form, documents).applicant
    return judge_person_cards(
        Material.IDENTITY_CARD,
        cards,
        form.applicant.name,
        form.applicant.id_number,
        today,
        whose="the applicant's",
        missing_detail="no identity card of the applicant was provided",
    )
