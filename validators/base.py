"""What every validator shares: findings, the per-material rule, and reading fields.

The rule of CONTRACT.md section 4 lives here once: a material is satisfied when
at least one offered document of a listed type passes all its checks; when
none does, one finding per distinct reason found on the offered documents, or
``missing`` when none was offered.

Details and review notes never carry personal data: a detail goes into the
applicant's notice ("the name on this document does not match the
application"), a review note to a clerk (which file, which field, which rule),
neither echoes a name, number or address.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz.distance import Levenshtein
from stdnum.cn import ric

from pipeline.models import DocumentResult, DocumentType, FieldValue, Material, Reason
from validators.matching import Match, code_match, normalize_code

#: A deciding field read with confidence below this puts the application up for review.
LOW_FIELD_CONFIDENCE = 0.6
#: A deciding document classified with confidence below this puts it up for review.
LOW_TYPE_CONFIDENCE = 0.6

INDEFINITE = "indefinite"
#: An expiry or end date that a check needs but that was not read makes the document
#: ``unreadable`` only when a capture defect was measured on it (issue 4: that reason is
#: for a copy whose deciding fields the defect hid, and its notice asks for a better scan).
#: On a clean capture the miss is ours (OCR), so the document passes on its other fields
#: and a clerk is asked to check the date. True: every unread date is ``unreadable``
#: (measured on held-out batches: notice exact 0.05-0.10 lower, all from OCR misses).
UNREAD_EXPIRY_IS_UNREADABLE = False


@dataclass(frozen=True)
class Finding:
    """One notice item in the making: a material not satisfied, and why."""

    material: Material
    reason: Reason
    file: str | None = None
    detail: str = ""
    review: tuple[str, ...] = ()


@dataclass
class MaterialOutcome:
    """What one validator concluded about one material."""

    material: Material
    required: bool = True
    satisfied: bool = False
    satisfied_by: str | None = None
    findings: list[Finding] = field(default_factory=list)
    review: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    """One reason one document fails its material."""

    reason: Reason
    detail: str
    review: tuple[str, ...] = ()


@dataclass
class DocumentCheck:
    """A document's verdict for one material: its problems (none = it passes) and notes."""

    document: DocumentResult
    problems: list[Problem] = field(default_factory=list)
    review: list[str] = field(default_factory=list)

    @property
    def passes(self) -> bool:
        return not self.problems

    def fail(self, reason: Reason, detail: str, *review: str) -> None:
        self.problems.append(Problem(reason, detail, tuple(review)))

    def note(self, text: str) -> None:
        if text not in self.review:
            self.review.append(text)


Checker = Callable[[DocumentResult], DocumentCheck]


# ------------------------------------------------------------------ the rule


def judge_material(
    material: Material,
    offered: list[DocumentResult],
    check: Checker,
    *,
    missing_detail: str,
) -> MaterialOutcome:
    """Apply CONTRACT.md section 4 to the documents offered for one material."""
    outcome = MaterialOutcome(material=material)
    if not offered:
        outcome.findings.append(Finding(material, Reason.MISSING, None, missing_detail))
        return outcome
    checks = [check(doc) for doc in offered]
    passing = [c for c in checks if c.passes]
    if passing:
        # prefer a passing document nobody needs to look at
        best = min(passing, key=lambda c: len(c.review))
        outcome.satisfied = True
        outcome.satisfied_by = best.document.file
        outcome.review.extend(best.review)
        if best.document.confidence < LOW_TYPE_CONFIDENCE:
            outcome.review.append(
                f"{_doc_label(best.document)}: document type read with low confidence "
                f"({best.document.confidence:.2f}); rule: {material.value} is satisfied by it"
            )
        return outcome
    seen: set[Reason] = set()
    for result in checks:
        outcome.review.extend(note for note in result.review if note not in outcome.review)
        if result.document.confidence < LOW_TYPE_CONFIDENCE:
            outcome.review.append(
                f"{_doc_label(result.document)}: document type read with low confidence "
                f"({result.document.confidence:.2f}); rule: its findings for {material.value}"
            )
        for problem in result.problems:
            outcome.review.extend(n for n in problem.review if n not in outcome.review)
            if problem.reason in seen:
                continue
            seen.add(problem.reason)
            outcome.findings.append(
                Finding(
                    material, problem.reason, result.document.file, problem.detail, problem.review
                )
            )
    return outcome


def not_required(material: Material) -> MaterialOutcome:
    return MaterialOutcome(material=material, required=False, satisfied=True)


# ------------------------------------------------------------ reading fields


def _doc_label(doc: DocumentResult) -> str:
    pages = f", pages {','.join(map(str, doc.pages))}" if len(doc.pages) > 1 else ""
    return f"file '{doc.file}' ({doc.type.value}{pages})"


def doc_label(doc: DocumentResult) -> str:
    """How a clerk finds the document: file name, type, pages; no content."""
    return _doc_label(doc)


def text_field(doc: DocumentResult, name: str) -> str | None:
    value: FieldValue = doc.fields.get(name)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def field_confidence(doc: DocumentResult, name: str) -> float | None:
    evidence = doc.field_evidence.get(name)
    return evidence.confidence if evidence is not None else None


def low_confidence_note(
    doc: DocumentResult, name: str, rule: str, threshold: float = LOW_FIELD_CONFIDENCE
) -> str | None:
    """A review note when the field that decided ``rule`` was read unsurely."""
    confidence = field_confidence(doc, name)
    if confidence is None or confidence >= threshold:
        return None
    return (
        f"{_doc_label(doc)}, field '{name}': read with low confidence ({confidence:.2f}); "
        f"rule: {rule}"
    )


def marginal_note(doc: DocumentResult, name: str, rule: str, match: Match) -> str:
    verdict = "accepted as matching" if match.equal else "reported as not matching"
    return (
        f"{_doc_label(doc)}, field '{name}': marginal comparison with the form "
        f"(similarity {match.score:.0f}/100, {match.why or 'close'}), {verdict}; rule: {rule}"
    )


def compare_field(
    result: DocumentCheck,
    name: str,
    form_value: str,
    comparator: Callable[[str, str], Match],
    *,
    reason: Reason,
    detail: str,
    rule: str,
) -> bool | None:
    """Compare one field with the form; record the problem and review notes.

    Returns True/False for match/mismatch, None when the field is absent (the
    caller decides whether absence makes the document unreadable).
    """
    doc = result.document
    value = text_field(doc, name)
    if value is None:
        return None
    match = comparator(value, form_value)
    notes = []
    if match.marginal:
        notes.append(marginal_note(doc, name, rule, match))
    exact = match.equal and not match.marginal and match.score >= 100.0
    low = None if exact else low_confidence_note(doc, name, rule)
    if low:
        notes.append(low)
    if match.equal:
        for note in notes:
            result.note(note)
        return True
    result.fail(reason, detail, *notes)
    return False


#: An ID number that fails its check digit, read with low confidence, and this close to the
#: expected number (in characters other than the check character) is taken as a misread of it.
MISREAD_ID_MAX_EDITS = 2


def _misread_of(number: str, expected: str) -> bool:
    return (
        ric.is_valid(expected)
        and len(number) == len(expected)
        and number[-1] == expected[-1]
        and Levenshtein.distance(number, expected) <= MISREAD_ID_MAX_EDITS
    )


def _one_body_misread(number: str, expected: str) -> bool:
    """Same length, exactly one differing character among the first 17, and another check
    character (a valid number one glyph off can only differ in its check character too)."""
    if len(number) != len(expected) or number[-1] == expected[-1]:
        return False
    return sum(a != b for a, b in zip(number[:-1], expected[:-1], strict=True)) == 1


def check_person_id_number(
    result: DocumentCheck, field_name: str, expected: str, *, what: str, rule: str
) -> None:
    """An ID number printed on a document: valid check character and the person's own.

    A number that fails its check character is ``invalid_code``, unless it was
    read with low confidence, has the expected number's check character and
    differs from it in at most two other characters: that is OCR misreading the
    right number (a wrong check character, the invalid-code defect, is never
    excused). Then it counts as the expected number and a clerk is asked to look.
    A valid number read unsurely one body character from the expected number, with
    another check character, is that body with a wrong check character: ``invalid_code``,
    not another person's number (``id_number_mismatch``).
    """
    doc = result.document
    number = text_field(doc, field_name)
    if number is None:
        return
    number = normalize_code(number)
    if not ric.is_valid(number):
        confidence = field_confidence(doc, field_name)
        low = confidence is not None and confidence < LOW_FIELD_CONFIDENCE
        if low and _misread_of(number, normalize_code(expected)):
            result.note(
                f"{_doc_label(doc)}, field '{field_name}': fails its check character, read with "
                f"low confidence ({confidence:.2f}) and within {MISREAD_ID_MAX_EDITS} characters "
                f"of the expected number, so taken as a misread of it; rule: {rule} ID number"
            )
            return
        note = low_confidence_note(doc, field_name, f"{rule} ID number check character")
        result.fail(
            Reason.INVALID_CODE,
            f"the ID number on {what} is not a valid ID number",
            *([note] if note else []),
        )
        return
    expected_code = normalize_code(expected)
    confidence = field_confidence(doc, field_name)
    if (
        confidence is not None
        and confidence < LOW_FIELD_CONFIDENCE
        and _one_body_misread(number, expected_code)
    ):
        # one unsure glyph of the body away from the expected number, yet valid with another
        # check character: OCR misread a body glyph of the expected body printed with a wrong
        # check character (a real other number differs in its sequence digits as well)
        result.fail(
            Reason.INVALID_CODE,
            f"the ID number on {what} is not a valid ID number",
            f"{_doc_label(doc)}, field '{field_name}': read with low confidence "
            f"({confidence:.2f}), one character from the expected number apart from its check "
            f"character, which differs: taken as the expected number with a wrong check "
            f"character; rule: {rule} ID number check character",
        )
        return
    compare_field(
        result,
        field_name,
        expected,
        code_match,
        reason=Reason.ID_NUMBER_MISMATCH,
        detail=f"the ID number on {what} does not match the application",
        rule=f"{rule} ID number equals the expected one",
    )


# ------------------------------------------------------------------- dates


def parse_date(value: FieldValue) -> date | str | None:
    """ISO date, ``"indefinite"``, or None when absent or not a date."""
    if value is None:
        return None
    text = str(value).strip()
    if text.lower() == INDEFINITE:
        return INDEFINITE
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def check_not_expired(
    result: DocumentCheck,
    name: str,
    today: date,
    *,
    detail: str,
    rule: str,
    unreadable_as: str | None = None,
) -> None:
    """``expired`` when the date field is before the submission date; "indefinite" never is.

    With ``unreadable_as`` (the document in words) the date is needed: when a capture
    defect hid it the document is ``unreadable`` and nothing else, since whether it is
    still valid cannot be told; when the capture was clean, a clerk is asked to check."""
    doc = result.document
    raw = doc.fields.get(name)
    value = parse_date(raw)
    if value is None:
        hidden_by_capture = UNREAD_EXPIRY_IS_UNREADABLE or bool(capture_defects(doc))
        if unreadable_as is not None and hidden_by_capture:
            # unreadable and no other reason: what else was read is not conclusive
            if not any(p.reason is Reason.UNREADABLE for p in result.problems):
                result.problems.clear()
                fail_unreadable(result, [name], unreadable_as)
        elif raw is not None:
            result.note(f"{_doc_label(doc)}, field '{name}': not a date; {rule} was not checked")
        elif unreadable_as is not None:
            result.note(f"{_doc_label(doc)}, field '{name}': not read; {rule} was not checked")
        return
    if value == INDEFINITE or (isinstance(value, date) and value >= today):
        return
    low = low_confidence_note(doc, name, rule)
    result.fail(Reason.EXPIRED, detail, *([low] if low else []))


# ---------------------------------------------------------- capture quality

#: Boolean checks that are about the file, not defects of the capture.
_NOT_DEFECTS = frozenset({"usable", "encrypted_text_layer", "has_text_layer"})


#: Capture defects (``checks`` keys from pipeline.imaging) in words for the applicant.
DEFECT_WORDS: dict[str, str] = {
    "blurred": "blurred",
    "too_dark": "too dark",
    "glare": "spoilt by glare",
    "cut_off": "cut off at an edge",
    "low_resolution": "of too low a resolution",
}


def capture_defects(doc: DocumentResult) -> list[str]:
    """Names of the capture defects measured on a document (blurred, too_dark, glare...)."""
    defects = [
        key for key, value in doc.checks.items() if value is True and key not in _NOT_DEFECTS
    ]
    listed = doc.checks.get("capture_defects") or doc.checks.get("defects")
    if isinstance(listed, list | tuple):
        defects.extend(str(d) for d in listed if str(d) not in defects)
    return defects


def unreadable_detail(doc: DocumentResult, what: str) -> str:
    defects = capture_defects(doc)
    if doc.error:
        return f"the file could not be read; please upload a clear copy of {what}"
    if defects:
        named = ", ".join(DEFECT_WORDS.get(d, d.replace("_", " ")) for d in defects)
        return f"{what} could not be read (the copy is {named}); please upload a clearer copy"
    return f"{what} could not be read; please upload a clearer copy"


def fail_unreadable(result: DocumentCheck, missing_fields: Iterable[str], what: str) -> None:
    doc = result.document
    names = ", ".join(f"'{n}'" for n in missing_fields)
    defects = capture_defects(doc)
    why = f" (capture defects: {', '.join(defects)})" if defects else ""
    result.fail(
        Reason.UNREADABLE,
        unreadable_detail(doc, what),
        f"{_doc_label(doc)}: deciding field(s) {names} not read{why}; rule: readable document",
    )


def readable(
    result: DocumentCheck,
    identifying: Iterable[str],
    deciding: Iterable[str],
    what: str,
) -> bool:
    """Whether the document can be judged; records ``unreadable`` when it cannot.

    A document is ``unreadable`` when none of its ``identifying`` fields could
    be read (for most documents: none of its deciding fields; for an ID card:
    neither the name nor the number): nothing can be concluded from it, and the
    applicant is asked for a clearer copy. When only some deciding fields were
    not read, the checks that need them are skipped and a clerk is asked to
    look: one OCR miss must not make the office ask for a new document.
    """
    doc = result.document
    identifying, deciding = list(identifying), list(deciding)
    if all(text_field(doc, name) is None for name in identifying):
        absent = [n for n in (*identifying, *deciding) if text_field(doc, n) is None]
        fail_unreadable(result, absent, what)
        return False
    for name in (*identifying, *deciding):
        if text_field(doc, name) is None:
            result.note(
                f"{_doc_label(doc)}, field '{name}': not read, so the checks that need it were "
                f"skipped; rule: readable deciding fields"
            )
    return True


def documents_of(
    documents: list[DocumentResult], types: Iterable[DocumentType]
) -> list[DocumentResult]:
    wanted = set(types)
    return [doc for doc in documents if doc.type in wanted]
