"""Which pages of one upload belong together: splitting a bundled file into documents.

Back offices scan whole paper submissions into one PDF or TIFF (ID card, a three-page
lease, the licence...). Each page is classified on its own, then pages are grouped in
order. The rule is conservative, because a wrong split turns one good document into two
half-documents (each failing its checks), while a missed split only hides a document:

* a page *continues* the current document unless it clearly *starts* another one;
* a page starts a document when it is a photo (or follows one), when it is of another type
  and looks like a first page (a full title of that type at the top; or a sure verdict with
  some title; or a card, whose sides often carry no title, also a short page that looks
  most like a card), when it is a look-alike (a bill, a statement) after a real document,
  or when it is another person's ID card (a different ID number); after a card, a page that
  looks most like a paper, however weakly; after a bill, any page of a real type;
* a page saying "page 2 of 3" never starts a document; weak pages (clauses, signatures,
  blank backs) whose best guess is ``unknown`` or another type without a title continue.

Pure functions over :class:`PageText`; :func:`group_verdicts` works on the per-page
verdicts alone, so the rule is testable without any text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractors.base import Layout
from pipeline import codes
from pipeline.classify import CARD_TYPES, classify, score_classes
from pipeline.models import DocumentType
from pipeline.text import PageText

#: A page of another type starts a document only when its own verdict is at least this sure.
START_CONFIDENCE = 0.6
#: ...or, without a title, at least this sure (continuation pages score far lower).
START_CONFIDENT = 0.65
#: Title evidence (classify's scale: 3.0 is a full title at the top) that marks a first page.
START_TITLE = 0.9
#: A title this strong (a full one at the top) starts a document even with a narrow lead.
STRONG_TITLE = 2.5
#: A short page whose best guess is a card, at least this sure, starts a card after a paper.
WEAK_CARD_CONFIDENCE = 0.4
CARD_PAGE_WORDS = 80
#: A title this strong at the top restarts even a document of the same type.
RESTART_TITLE = 2.9
#: A look-alike (bill, statement, receipt) must win by this much to start its own entry.
NEGATIVE_START_SCORE = 2.5
#: The best-scoring type of an undecided page counts (after a card) from this score.
BEST_MIN_SCORE = 1.0
#: A photo verdict this sure is a portrait (below: a text-less picture, only alone).
PHOTO_START_CONFIDENCE = 0.6

_PAGE_OF = (
    re.compile(r"\bpage\s*(\d{1,2})\s*(?:of|/)\s*(\d{1,2})\b", re.IGNORECASE),
    re.compile(r"第\s*(\d{1,2})\s*页\s*[,，/]?\s*共\s*(\d{1,2})\s*页"),
)

#: What OCR reads instead of digits in a number ("L20103..." for "120103...").
_DIGIT_LOOKALIKES = str.maketrans("OoQDIl|LZSBx", "00001111258X")
_ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")


@dataclass(frozen=True)
class PageVerdict:
    """What one page looks like on its own: enough to decide where documents begin."""

    number: int
    type: DocumentType
    confidence: float = 0.0
    #: title evidence of the page's own type (0: no title of that type on the page)
    title: float = 0.0
    #: the page is a look-alike (bill, statement...) that beat every real type
    negative: bool = False
    #: resident ID numbers printed on the page (another person's card starts anew)
    id_numbers: frozenset[str] = field(default_factory=frozenset)
    #: "page n of N" as printed, when it is
    page_of: tuple[int, int] | None = None
    words: int = 0
    #: the best-scoring real type even when too weak to decide (a licence whose title was
    #: not read), "" when nothing scored
    best: str = ""


def page_verdict(page: PageText, language: str) -> PageVerdict:
    """Classify one page alone and note the cues of a first page."""
    doc_type, confidence = classify([page], language)
    layout = Layout([page])
    title = 0.0
    negative = False
    best = ""
    if doc_type is not DocumentType.PHOTO and layout.word_count:
        scores = score_classes(layout, language)
        title = scores.titles.get(doc_type.value, 0.0)
        ranked = scores.ranked()
        if ranked and ranked[0][0] in scores.negatives:
            negative = ranked[0][1] >= NEGATIVE_START_SCORE
        elif ranked and ranked[0][1] >= BEST_MIN_SCORE:
            best = ranked[0][0]
    text = page.text
    return PageVerdict(
        number=page.number,
        type=doc_type,
        confidence=confidence,
        title=title,
        negative=negative,
        id_numbers=frozenset(_id_numbers(page)),
        page_of=_page_of(text),
        words=len(page.words),
        best=best,
    )


def group_pages(pages: list[PageText], language: str) -> list[list[PageText]]:
    """The pages of one upload grouped into documents, in file order; never empty groups."""
    if len(pages) <= 1:
        return [list(pages)] if pages else []
    verdicts = [page_verdict(page, language) for page in pages]
    return [[pages[i] for i in group] for group in group_verdicts(verdicts)]


def group_verdicts(verdicts: list[PageVerdict]) -> list[list[int]]:
    """Indexes of ``verdicts`` grouped into documents (see the module rules)."""
    groups: list[list[int]] = []
    current_type = DocumentType.UNKNOWN
    current_ids: set[str] = set()
    for index, verdict in enumerate(verdicts):
        if not groups or _starts_document(
            verdict,
            verdicts[groups[-1][0]],
            verdicts[groups[-1][-1]],
            current_type,
            current_ids,
            len(groups[-1]),
        ):
            groups.append([index])
            current_type = verdict.type  # started on a title or a card: its type, even if weak
            current_ids = set(verdict.id_numbers)
            continue
        groups[-1].append(index)
        if current_type is DocumentType.UNKNOWN and _decided(verdict):
            current_type = verdict.type  # a weak first page, then a clear one: that type
        current_ids |= verdict.id_numbers
    return groups


def _starts_document(
    page: PageVerdict,
    first: PageVerdict,
    previous: PageVerdict,
    current_type: DocumentType,
    current_ids: set[str],
    size: int,
) -> bool:
    """Whether ``page`` begins a new document after a document of ``size`` pages that began
    with ``first``, ended (so far) with ``previous``, is of ``current_type`` and holds
    ``current_ids``."""
    if _is_portrait(page):
        return True
    if current_type is DocumentType.PHOTO or _is_portrait(previous):
        # a card's back after its front (whose portrait outweighed its badly read text):
        # one card, not a photo and a card (the file is then judged as a whole, as before)
        return not (first == previous and page.type.value in CARD_TYPES and not page.id_numbers)
    if page.page_of is not None and page.page_of[0] > 1:
        return False  # "page 2 of 3": a continuation, whatever it looks like alone
    if page.negative:
        return current_type is not DocumentType.UNKNOWN
    if first.negative and page.type is not DocumentType.UNKNOWN:
        return True  # a bill's later pages do not look like a real document
    if _leaves_card(page, current_type):
        return True
    if page.type is DocumentType.UNKNOWN:
        return False
    if page.type is not current_type:
        if page.title >= STRONG_TITLE or _weak_card(page, current_type, current_ids):
            return True  # a full title at the top, or a short card side after a paper
        if not _decided(page):
            return False
        if first.negative:
            return True  # a bill or statement, then a real document
        if current_type is DocumentType.UNKNOWN:
            return page.title >= START_TITLE  # else: a weak first page, then what it is
        return (
            page.title >= START_TITLE
            or page.confidence >= START_CONFIDENT
            or page.type.value in CARD_TYPES
        )
    if not _decided(page):
        return False
    # the same type: another person's card, or a fresh first page of another document
    if page.type.value in CARD_TYPES and size >= 2:
        return True  # a card has two sides: a third card page is another card
    if page.type is DocumentType.ID_CARD:
        return bool(page.id_numbers) and bool(current_ids) and not (page.id_numbers & current_ids)
    if page.page_of is not None and page.page_of[0] == 1:
        return True
    return page.title >= RESTART_TITLE and page.type.value not in CARD_TYPES


def _weak_card(page: PageVerdict, current_type: DocumentType, current_ids: set[str]) -> bool:
    """A short page that looks most like a card, after a paper that is not one: its title or
    labels were read badly, but a contract's continuation page is rarely that short, and one
    quoting the contract's ID numbers (a signature page) does not count."""
    return (
        page.type.value in CARD_TYPES
        and current_type.value not in CARD_TYPES
        and page.confidence >= WEAK_CARD_CONFIDENCE
        and page.words <= CARD_PAGE_WORDS
        and page.page_of is None
        and not page.id_numbers & current_ids
    )


def _leaves_card(page: PageVerdict, current_type: DocumentType) -> bool:
    """After a card, a page that looks most like some paper (even weakly) is not its other
    side: a card's back scores as a card, or as nothing."""
    if current_type.value not in CARD_TYPES or not page.best:
        return False
    return page.best not in CARD_TYPES and page.best != DocumentType.PHOTO.value


def _decided(page: PageVerdict) -> bool:
    return page.type is not DocumentType.UNKNOWN and page.confidence >= START_CONFIDENCE


def _is_portrait(page: PageVerdict) -> bool:
    if page.type is not DocumentType.PHOTO:
        return False
    return page.confidence >= PHOTO_START_CONFIDENCE or page.words == 0


def _page_of(text: str) -> tuple[int, int] | None:
    for pattern in _PAGE_OF:
        for match in pattern.finditer(text):
            number, total = int(match.group(1)), int(match.group(2))
            if 1 <= number <= total:
                return number, total
    return None


def _id_numbers(page: PageText) -> set[str]:
    """ID numbers on the page, also glued to their label or split in groups. The check
    character is not required: a card with a broken one is still another person's card."""
    found: set[str] = set()
    for line in page.lines:
        squashed = re.sub(r"\s+", "", line.text).translate(_DIGIT_LOOKALIKES)
        for match in _ID_NUMBER.finditer(squashed):
            if codes.birth_date_of(match.group(0)) is not None:
                found.add(match.group(0))
    return found
