"""Which of the contract's document types a file is, from its words (and its face, if any).

Evidence, each matched fuzzily so that it survives OCR noise and new layouts
(vocabulary per language in ``extractors/labels/<language>.yaml``):

* **titles** of each type ("Residential Tenancy Agreement"): the strongest cue,
  weighted by position (top of the first page), by type size (bigger than the
  body) and by standing on a short row of its own (not a mention in prose);
* **keywords** typical of each type's body ("security deposit", "probation period"),
  each distinct one adding a little, capped;
* **field labels** of the type followed by a colon or starting a row;
* **patterns**: an ID number (ID card), a credit code (business licence), and
  text density (cards are short);
* **a face** from the page checks: a large face with (almost) no text is a photo.

Look-alikes are scored as *negative classes* (utility bills, bank statements,
shop receipts, other letters): when one of them wins, or when no type scores
``MIN_SCORE`` or beats the runner-up by ``MIN_MARGIN``, the answer is
``unknown``, never the nearest type.

Confidence (0..1) is margin-based: ``(1 - exp(-best / SCORE_SCALE)) *
(1 - exp(-margin / MARGIN_SCALE))``, so it is high only when the winner has both
strong evidence and a clear lead over the runner-up. For ``unknown`` it says how
sure we are that the file is none of the types.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from statistics import median

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from extractors.base import Layout, Match, load_labels, text_key
from extractors.photo import PHOTO_FACE_RATIO, PHOTO_MAX_TEXT_BLOBS
from pipeline import codes
from pipeline.models import DocumentType
from pipeline.text import PageText

TITLE_WEIGHT = 3.0
KEYWORD_WEIGHT = 0.5
KEYWORD_CAP = 3.0
LABEL_WEIGHT = 0.4
LABEL_CAP = 2.0
MIN_SCORE = 1.5
MIN_MARGIN = 0.6
SCORE_SCALE = 2.0
MARGIN_SCALE = 1.0
#: A page with fewer meaningful words than this and a big face is a photo.
PHOTO_MAX_WORDS = 12
#: Words read less surely than this are what OCR makes of a picture's shading.
PHOTO_WORD_CONFIDENCE = 0.6
#: A text-less image brighter and flatter than this is a blank sheet, not a picture.
BLANK_MIN_BRIGHTNESS = 0.85
BLANK_MAX_SPREAD = 0.05
CARD_TYPES = {"id_card", "student_id"}
CARD_MAX_WORDS = 220
_MEANINGFUL = re.compile(r"[A-Za-z0-9\u3400-\u9fff]{3,}|[\u3400-\u9fff]{2,}")


@dataclass
class Scores:
    """Evidence per class (document types and negative classes), for the benchmark and tests."""

    by_class: dict[str, float] = field(default_factory=dict)
    negatives: set[str] = field(default_factory=set)
    detail: dict[str, list[str]] = field(default_factory=dict)
    #: the best title evidence per class (splitting bundled files reads it per page)
    titles: dict[str, float] = field(default_factory=dict)

    def ranked(self) -> list[tuple[str, float]]:
        return sorted(self.by_class.items(), key=lambda kv: kv[1], reverse=True)


def classify(pages: list[PageText], language: str) -> tuple[DocumentType, float]:
    """The document type of ``pages`` (one file or one part of it) and a confidence 0..1."""
    photo = _photo_verdict(pages)
    if photo is not None:
        return DocumentType.PHOTO, photo
    layout = Layout(pages)
    if layout.word_count == 0:
        return DocumentType.UNKNOWN, 0.95
    scores = score_classes(layout, language)
    return decide(scores)


def decide(scores: Scores) -> tuple[DocumentType, float]:
    ranked = scores.ranked()
    if not ranked:
        return DocumentType.UNKNOWN, 0.9
    best_class, best = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    best_positive = max(
        (v for k, v in scores.by_class.items() if k not in scores.negatives), default=0.0
    )
    if best_class in scores.negatives:
        lead = best - best_positive
        return DocumentType.UNKNOWN, round(min(0.97, 0.5 + 0.5 * (1 - math.exp(-lead))), 3)
    if best < MIN_SCORE:
        return DocumentType.UNKNOWN, round(min(0.95, 0.5 + 0.5 * (MIN_SCORE - best) / MIN_SCORE), 3)
    margin = best - runner_up
    if margin < MIN_MARGIN:
        return DocumentType.UNKNOWN, 0.4
    confidence = (1 - math.exp(-best / SCORE_SCALE)) * (1 - math.exp(-margin / MARGIN_SCALE))
    return DocumentType(best_class), round(min(0.99, confidence), 3)


def score_classes(layout: Layout, language: str) -> Scores:
    """Title, keyword, label and pattern evidence for every type and negative class."""
    vocab = load_labels(language)
    classes: dict[str, dict] = dict(vocab["types"])
    scores = Scores()
    for name, entry in (vocab.get("negatives") or {}).items():
        classes[f"not:{name}"] = entry
        scores.negatives.add(f"not:{name}")

    first_page = layout.rows[0].page if layout.rows else 1
    heights = [t.height for r in layout.rows for t in r.toks if not t.cjk] or [
        t.height for r in layout.rows for t in r.toks
    ]
    body_height = median(heights) if heights else 1.0

    # titles of all classes compete for the same words: the longest good match wins
    title_owner: dict[str, str] = {}
    for name, entry in classes.items():
        for title in entry.get("titles") or []:
            title_owner.setdefault(text_key(title), name)
    title_matches = layout.find([t for e in classes.values() for t in e.get("titles") or []])
    title_score: dict[str, float] = _wrapped_titles(layout, title_owner, first_page)
    # one title per row: "Photo Receipt for Certificate Use" is a receipt's title, not
    # also a "work certificate" read into "for Certificate" (a close fuzzy match)
    valued: list[tuple[str, float, Match]] = []
    for match in title_matches:
        owner = title_owner.get(text_key(match.phrase))
        if owner is not None:
            weight = _title_weight(match, first_page, body_height)
            valued.append((owner, TITLE_WEIGHT * weight * match.score / 100, match))
    best_in_row: dict[int, float] = {}
    for _, value, match in valued:
        best_in_row[match.row] = max(value, best_in_row.get(match.row, 0.0))
    for owner, value, match in valued:
        if value < best_in_row[match.row]:
            continue
        if value > title_score.get(owner, 0.0):
            title_score[owner] = value
            scores.detail.setdefault(owner, []).append(f"title:{match.phrase}:{value:.2f}")
    # a title never seen before still names its kind ("Letter of Enrolment", "Residence
    # Confirmation"): words that only one type's titles use, on a title-like row
    for owner, value in _title_words(layout, vocab, first_page, body_height).items():
        if value > title_score.get(owner, 0.0):
            title_score[owner] = value
            scores.detail.setdefault(owner, []).append(f"title-word:{value:.2f}")

    tokens = layout.word_count
    has_id = _has_code(layout, "id_number")
    has_credit = _has_code(layout, "credit_code")
    for name, entry in classes.items():
        total = title_score.get(name, 0.0)
        keywords = layout.find(entry.get("keywords") or [])
        distinct = {text_key(m.phrase): m.score for m in keywords}
        total += min(KEYWORD_CAP, KEYWORD_WEIGHT * sum(s / 100 for s in distinct.values()))
        # fields of this type whose label stands where labels stand (colon or row start)
        field_of = {
            text_key(label): name
            for name, labels in (entry.get("fields") or {}).items()
            for label in labels or []
            if len(text_key(label)) >= 4
        }
        labelled = {
            field_of[text_key(m.phrase)]
            for m in layout.find(list(field_of))
            if (m.colon or m.start == 0) and text_key(m.phrase) in field_of
        }
        total += min(LABEL_CAP, LABEL_WEIGHT * len(labelled))
        if name == "id_card" and has_id:
            # a number alone is weak (contracts and letters quote one); with card labels
            # (name, sex, birth...) on a short page it is a card
            if labelled - {"id_number"}:
                total += 0.8 + (0.7 if len(layout.rows) <= 14 else 0.0)
            else:
                total += 0.3
        elif name == "id_card" and _has_sex_and_ethnicity_row(layout):
            # no number read (a garbled copy), but the front's row "Sex F  Ethnicity Han",
            # which no other document of the contract sets on one row
            total += SEX_ETHNICITY_ROW_WEIGHT
        if name == "business_licence" and has_credit:
            total += 1.2
        if name in CARD_TYPES and tokens > CARD_MAX_WORDS:
            total -= 1.5
        scores.by_class[name] = round(total, 3)
    scores.titles = {name: round(value, 3) for name, value in title_score.items()}
    return scores


#: Title evidence from one distinctive word (a share of a whole title's TITLE_WEIGHT).
TITLE_WORD_SHARE = 0.5
#: Words of titles that tell no type from another.
_GENERIC_TITLE_WORDS = frozenset(
    [
        "of",
        "the",
        "a",
        "an",
        "for",
        "and",
        "certificate",
        "contract",
        "agreement",
        "card",
        "letter",
        "proof",
        "house",
        "housing",
        "people's",
        "peoples",
        "republic",
        "china",
        "chinese",
        "residential",
        "real",
        "estate",
        "property",
        "confirmation",
        "verification",
        "copy",
        "duplicate",
        "legal",
        "person",
        "status",
        "work",
        "home",
        "room",
        "digital",
        "service",
        "title",
        "national",
        "rights",
    ]
)


@lru_cache(maxsize=4)
def _distinct_title_words(language: str) -> dict[str, str]:
    """Title word -> the one document type whose titles use it ("enrolment", "lease")."""
    owners: dict[str, set[str]] = {}
    for name, entry in load_labels(language)["types"].items():
        for title in entry.get("titles") or []:
            for word in title.split():
                key = text_key(word)
                if len(key) >= 4 and key not in _GENERIC_TITLE_WORDS:
                    owners.setdefault(key, set()).add(name)
    return {word: next(iter(names)) for word, names in owners.items() if len(names) == 1}


def _title_words(
    layout: Layout, vocab: dict, first_page: int, body_height: float
) -> dict[str, float]:
    """Evidence from a distinctive title word on a short row at the top of the first page,
    set in bigger type than the body: a title in words not listed."""
    words = _distinct_title_words(str(vocab.get("language") or "en"))
    found: dict[str, float] = {}
    rows = [r for r in layout.rows if r.page == first_page][:6]
    for row in rows:
        latin = [t for t in row.toks if not t.cjk]
        if not latin or len(latin) > 7 or any(t.colon for t in latin):
            continue
        if row.y0 / max(row.page_height, 1.0) > 0.35 or row.height < 1.2 * body_height:
            continue
        owners = {words[t.key] for t in latin if t.key in words}
        if len(owners) == 1:
            owner = owners.pop()
            found[owner] = max(found.get(owner, 0.0), TITLE_WORD_SHARE * TITLE_WEIGHT)
    return found


def _wrapped_titles(layout: Layout, owners: dict[str, str], first_page: int) -> dict[str, float]:
    """Titles set on two short rows ("House Property Ownership / Certificate")."""
    found: dict[str, float] = {}
    rows = [r for r in layout.rows if r.page == first_page]
    for upper, lower in pairwise(rows):
        if len(upper.toks) > 6 or len(lower.toks) > 6 or upper.y0 / upper.page_height > 0.5:
            continue
        if lower.y0 - upper.y1 > 1.2 * max(upper.height, lower.height):
            continue
        key = text_key(upper.text + lower.text)
        best = process.extractOne(key, list(owners), scorer=fuzz.ratio, score_cutoff=88)
        if best is None:
            continue
        owner = owners[best[0]]
        value = TITLE_WEIGHT * best[1] / 100
        found[owner] = max(found.get(owner, 0.0), value)
    return found


def _title_weight(match: Match, first_page: int, body_height: float) -> float:
    first_row = next(i for i, row in enumerate(match.layout.rows) if row.page == first_page)
    if match.page != first_page:
        weight = 0.35
    elif match.rel_y < 0.3 or match.row == first_row:
        # nothing above it: the top of what was captured, even when the photo or scan
        # caught only a strip of the page and the title sits low in the frame
        weight = 1.0
    elif match.rel_y < 0.5:
        weight = 0.7
    else:
        weight = 0.4
    row_toks = match.layout.rows[match.row].toks
    keyed = sum(1 for t in row_toks if t.key) or 1
    span = sum(1 for t in match.toks if t.key) or 1
    # a Chinese title stands alone on its row: "居民身份证号码 ..." is a label holding a title
    coverage_needed = 0.8 if match.toks[-1].cjk else 0.5
    if span / keyed < coverage_needed and match.toks[-1].cjk:
        weight *= 0.3
    elif span / keyed < coverage_needed:
        # a title word inside a longer line ("Receipt of Digital Photo ..."), unless the
        # line opens with the whole phrase ("Photo Receipt for Certificate Use")
        weight *= 0.8 if match.start == 0 and span >= 2 else 0.3
    elif keyed > span + 4 and not match.toks[-1].cjk:
        weight *= 0.5  # a title mentioned inside a sentence
    if any(t.colon for t in row_toks):
        weight *= 0.3  # "Identity Card No.: ..." is a label, not a title
    following = row_toks[match.end] if match.end < len(row_toks) else None
    if following is not None and following.key in {"no", "number", "num", "nr"}:
        weight *= 0.3  # "Lessee's Identity Card No." names a number, not the document
    toks = match.toks
    if toks and sum(t.height for t in toks) / len(toks) >= 1.25 * body_height:
        weight *= 1.2  # set in a bigger type than the body
    elif toks and sum(t.height for t in toks) / len(toks) < 0.85 * body_height:
        weight *= 0.5  # set smaller than the body: a caption, not a title
    return weight


#: Evidence of an ID card's front from its sex-and-ethnicity row when no number was read.
SEX_ETHNICITY_ROW_WEIGHT = 0.6
_SEX_KEYS = frozenset({"sex", "gender", "male", "female", "性别"})
_ETHNICITY_KEYS = ("ethnicity", "nationality", "民族")


def _has_sex_and_ethnicity_row(layout: Layout) -> bool:
    """A row with a sex (label or value) and an ethnicity label, as on the front of a
    resident identity card ("Gender F Ethnicity Han"; labels misread by a letter or two)."""
    for row in layout.rows:
        keys = [t.key for t in row.toks]
        if len(keys) > 8:
            continue
        sex = any(k in _SEX_KEYS for k in keys)
        ethnicity = any(
            k == label or (len(k) >= 7 and Levenshtein.distance(k, label) <= 2)
            for k in keys
            for label in _ETHNICITY_KEYS
        )
        if sex and ethnicity:
            return True
    return False


def _has_code(layout: Layout, kind: str) -> bool:
    for row in layout.rows:
        text = " ".join(t.text for t in row.toks)
        for candidate in codes.find_codes(text, kind):  # type: ignore[arg-type]
            if kind == "credit_code" and codes.looks_like_id_number(candidate):
                continue
            return True
        # codes split in groups by OCR
        joined = "".join(codes.clean_code(t.text) for t in row.toks)
        for start in range(max(0, len(joined) - 17)):
            piece = joined[start : start + 18]
            if kind == "id_number" and codes.is_valid_id_number(piece):
                return True
            if kind == "credit_code" and codes.is_valid_credit_code(piece):
                return True
    return False


def _photo_verdict(pages: list[PageText]) -> float | None:
    """Photo confidence when a page is a portrait: a big face and (almost) no text."""
    for page in pages:
        checks = page.checks or {}
        # the reader stores photo measurements prefixed ("photo_face_count"); accept both
        faces = int(checks.get("face_count") or checks.get("photo_face_count") or 0)
        ratio = float(checks.get("face_ratio") or checks.get("photo_face_ratio") or 0.0)
        if faces < 1 or ratio < PHOTO_FACE_RATIO:
            continue
        # many text lines around the face (a card on a desk, a receipt slip): not a portrait,
        # even when OCR read little of it
        blobs = checks.get("photo_text_blobs", checks.get("text_blobs"))
        if blobs is not None and int(blobs) >= PHOTO_MAX_TEXT_BLOBS:
            continue
        meaningful = sum(
            1 for w in page.words if w.confidence >= 0.6 and _MEANINGFUL.search(w.text)
        )
        if meaningful <= PHOTO_MAX_WORDS:
            return round(min(0.99, 0.8 + 0.5 * ratio - 0.01 * meaningful), 3)
    return _faceless_picture(pages)


def _faceless_picture(pages: list[PageText]) -> float | None:
    """An image with no text that is not a blank sheet: a portrait whose face was not found
    (too small, blurred, dark) or no portrait at all. As a ``photo`` it fails the photo
    checks (``photo_unusable``), which is the notice the applicant needs."""
    if len(pages) != 1:
        return None
    page = pages[0]
    checks = page.checks or {}
    if "photo_face_count" not in checks and "face_count" not in checks:
        return None  # not measured: a PDF page or a text layer
    if checks.get("error") or any(
        w.confidence >= PHOTO_WORD_CONFIDENCE and _MEANINGFUL.search(w.text) for w in page.words
    ):
        return None  # a word read surely: a paper, not a picture ("hid" read at 0.47 in a
        # portrait's shadows is no word)
    blobs = checks.get("photo_text_blobs", checks.get("text_blobs"))
    if blobs is not None and int(blobs) >= PHOTO_MAX_TEXT_BLOBS:
        return None  # lines of text on it, though none read surely
    brightness = checks.get("photo_image_brightness", checks.get("image_brightness"))
    spread = checks.get("photo_background_std", checks.get("background_std"))
    if brightness is None or spread is None:
        return None
    if float(brightness) > BLANK_MIN_BRIGHTNESS and float(spread) < BLANK_MAX_SPREAD:
        return None  # a blank or near-blank sheet
    return 0.55
