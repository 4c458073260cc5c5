"""agent_identity: the identity card of the person applying on the applicant's behalf.

Required when the form names an agent, or when the applicant is under 16 on
the submission date (a minor's guardian applies). Age comes from the birth
date inside the applicant's ID number (the form's date of birth only when the
number carries no valid date). On the 16th birthday the applicant is 16, not
under 16; someone born on 29 February turns 16 on 1 March in a common year.
"""

from __future__ import annotations

from datetime import date

from pipeline.models import ApplicationForm, DocumentResult, Material, Reason
from validators.base import Finding, MaterialOutcome, not_required
from validators.identity import judge_person_cards, split_id_cards

#: Under this age on the submission date an agent (guardian) must apply.
AGENT_REQUIRED_UNDER_AGE = 16


def birth_date_from_id_number(id_number: str) -> date | None:
    """The birth date encoded in digits 7-14 of an 18-character resident ID number."""
    digits = id_number[6:14]
    if len(digits) != 8 or not digits.isdigit():
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def birthday(born: date, years: int) -> date:
    """The date someone born on ``born`` turns ``years`` (29 Feb -> 1 Mar in common years)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return date(born.year + years, 3, 1)


def is_under(form: ApplicationForm, today: date, years: int = AGENT_REQUIRED_UNDER_AGE) -> bool:
    born = birth_date_from_id_number(form.applicant.id_number) or form.applicant.date_of_birth
    return today < birthday(born, years)


def agent_required(form: ApplicationForm, today: date) -> bool:
    return form.agent is not None or is_under(form, today)


def validate_agent(
    form: ApplicationForm, documents: list[DocumentResult], today: date
) -> MaterialOutcome:
    """The agent's card names the agent on the form, with a valid, current ID number."""
    material = Material.AGENT_IDENTITY
    if not agent_required(form, today):
        return not_required(material)
    if form.agent is None:
        outcome = MaterialOutcome(material=material)
        outcome.findings.append(
            Finding(
                material,
                Reason.MISSING,
                None,
                "the applicant is under 16, so a guardian must apply on their behalf and "
                "provide their identity card",
            )
        )
        return outcome
    cards = split_id_cards(form, documents).agent
    return judge_person_cards(
        material,
        cards,
        form.agent.name,
        form.agent.id_number,
        today,
        whose="the agent's",
        missing_detail="no identity card of the agent named on the application was provided",
    )
