"""From the form and the read documents to the decision and the notice's content.

Art. 9: the office names all supplementary materials at one time, and issues
the permit within 15 days of acceptance (a setting allows up to 30 for remote
areas). The machine always proposes its items; ``needs_review`` only says that
a clerk should look before the notice goes out, and ``review_reasons`` says
where (file, field, rule) without personal data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from pipeline.models import (
    ApplicationForm,
    DocumentResult,
    Notice,
    NoticeItem,
    Status,
)
from pipeline.settings import Settings, get_settings
from validators import MaterialOutcome, evaluate, submission_date


@dataclass
class Decision:
    """What the validators concluded for one application."""

    application_id: str
    status: Status
    notice: Notice
    needs_review: bool = False
    review_reasons: list[str] = field(default_factory=list)
    outcomes: list[MaterialOutcome] = field(default_factory=list)


def decide(
    form: ApplicationForm, documents: list[DocumentResult], settings: Settings | None = None
) -> Decision:
    """Accepted when no item remains (with the issue-by date), else supplement_required."""
    settings = settings or get_settings()
    outcomes = evaluate(form, documents)
    items = [
        NoticeItem(material=f.material, reason=f.reason, file=f.file, detail=f.detail)
        for outcome in outcomes
        for f in outcome.findings
    ]
    reasons: list[str] = []
    for outcome in outcomes:
        reasons.extend(note for note in outcome.review if note not in reasons)
    if items:
        notice = Notice(items=items)
        status = Status.SUPPLEMENT_REQUIRED
    else:
        issue_by = submission_date(form) + timedelta(days=settings.issue_days)
        notice = Notice(items=[], issue_by=issue_by)
        status = Status.ACCEPTED
    return Decision(
        application_id=form.application_id,
        status=status,
        notice=notice,
        needs_review=bool(reasons),
        review_reasons=reasons,
        outcomes=outcomes,
    )


def rejected_decision(application_id: str, errors: list[str]) -> Decision:
    """A form that is missing, not JSON, or fails the schema: the notice says what was wrong."""
    form_errors = list(errors) or ["the application form could not be read"]
    return Decision(
        application_id=application_id,
        status=Status.REJECTED,
        notice=Notice(items=[], form_errors=form_errors),
    )
