"""The validators: one pure function per material, and the registry that runs them all.

Each validator is ``(form, documents, today) -> MaterialOutcome``; ``today`` is
the local date of ``submitted_at`` (the date every rule is judged on). A new
rule is one function here; a new material is one module and one registry line.

Files of type ``unknown`` offer nothing for any material (as the ground-truth
rules in ``sample_docs/rules.py`` read the contract): a material with no
document of its types stays ``missing``. :func:`_mention_unattributed` then
helps the applicant and the clerk: when a file could not be opened at all (it
has an ``error``), or opened but was not recognised and shows capture defects
(blurred, cut off, too dark, glare, low resolution), each ``missing`` item's
detail names it and the defects, so that the applicant can send a better scan
of it; and the clerk is asked to look at
unreadable or unrecognised files whenever a material is missing, in case one
of them was meant for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from pipeline.models import ApplicationForm, DocumentResult, DocumentType, Material, Reason
from validators.agent import validate_agent
from validators.base import (
    DEFECT_WORDS,
    Finding,
    MaterialOutcome,
    capture_defects,
    doc_label,
)
from validators.employment import validate_employment
from validators.identity import validate_identity
from validators.photo import validate_photo
from validators.residence import validate_residence
from validators.schooling import validate_schooling

Validator = Callable[[ApplicationForm, list[DocumentResult], date], MaterialOutcome]

#: Contract order (CONTRACT.md section 4): the notice lists items in this order.
VALIDATORS: dict[Material, Validator] = {
    Material.IDENTITY_CARD: validate_identity,
    Material.PHOTO: validate_photo,
    Material.PROOF_OF_RESIDENCE: validate_residence,
    Material.PROOF_OF_EMPLOYMENT: validate_employment,
    Material.PROOF_OF_SCHOOLING: validate_schooling,
    Material.AGENT_IDENTITY: validate_agent,
}

_WHAT = {
    Material.IDENTITY_CARD: "the identity card",
    Material.PHOTO: "the photo",
    Material.PROOF_OF_RESIDENCE: "the proof of residence",
    Material.PROOF_OF_EMPLOYMENT: "the proof of employment",
    Material.PROOF_OF_SCHOOLING: "the proof of schooling",
    Material.AGENT_IDENTITY: "the agent's identity card",
}


def submission_date(form: ApplicationForm) -> date:
    """The local date of submission (the form's own UTC offset), on which rules are judged."""
    return form.submitted_at.date()


def evaluate(
    form: ApplicationForm, documents: list[DocumentResult], today: date | None = None
) -> list[MaterialOutcome]:
    """Every material's outcome, in contract order."""
    day = today or submission_date(form)
    outcomes = [validator(form, documents, day) for validator in VALIDATORS.values()]
    _mention_unattributed(form, outcomes, documents)
    return outcomes


def validate(
    form: ApplicationForm, documents: list[DocumentResult], today: date | None = None
) -> list[Finding]:
    """All findings at one time: every unsatisfied material with each of its reasons."""
    return [finding for outcome in evaluate(form, documents, today) for finding in outcome.findings]


def is_unreadable_file(doc: DocumentResult) -> bool:
    return doc.type is DocumentType.UNKNOWN and (
        doc.error is not None or bool(capture_defects(doc))
    )


def _names(docs: list[DocumentResult]) -> str:
    return ", ".join(f"'{doc.file}'" for doc in docs)


def _only_missing(outcome: MaterialOutcome) -> bool:
    return (
        outcome.required
        and not outcome.satisfied
        and len(outcome.findings) == 1
        and outcome.findings[0].reason is Reason.MISSING
        and outcome.findings[0].file is None
    )


def _mention_unattributed(
    form: ApplicationForm, outcomes: list[MaterialOutcome], documents: list[DocumentResult]
) -> None:
    unknown = [doc for doc in documents if doc.type is DocumentType.UNKNOWN]
    # a missing agent card for a minor with no agent on the form is not an upload problem
    missing = [
        o
        for o in outcomes
        if _only_missing(o) and not (o.material is Material.AGENT_IDENTITY and form.agent is None)
    ]
    if not missing or not unknown:
        return
    broken = [doc for doc in unknown if doc.error is not None]
    # a file that opened but was not recognised because of how it was captured (blurred,
    # cut off, too dark...) may well be the missing paper: ask for a better scan of it
    spoilt = [doc for doc in unknown if doc.error is None and capture_defects(doc)]
    parts = []
    if broken:
        parts.append(f"the file(s) {_names(broken)} could not be read")
    if spoilt:
        defects = sorted({d for doc in spoilt for d in capture_defects(doc)})
        words = ", ".join(DEFECT_WORDS.get(d, d.replace("_", " ")) for d in defects)
        parts.append(f"the file(s) {_names(spoilt)} could not be recognised (the copy is {words})")
    if parts:
        for outcome in missing:
            finding = outcome.findings[0]
            detail = (
                f"{finding.detail}; {' and '.join(parts)}: if one of them was meant as "
                f"{_WHAT[outcome.material]}, please provide a clear, readable copy"
            )
            outcome.findings[0] = replace(finding, detail=detail)
    names = ", ".join(m.material.value for m in missing)
    for doc in unknown:
        why = (
            f"could not be read ({doc.error_code or 'capture defects'})"
            if is_unreadable_file(doc)
            else "not recognised as any listed document"
        )
        missing[0].review.append(
            f"{doc_label(doc)}: {why}; check whether it is one of the missing materials ({names})"
        )


__all__ = [
    "VALIDATORS",
    "Finding",
    "MaterialOutcome",
    "evaluate",
    "submission_date",
    "validate",
]
