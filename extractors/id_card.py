"""Resident identity card, front (name, sex, birth, address, number) and/or back (validity).

Each file gets what it shows: a back alone has only ``valid_until``. The date of
birth and gender are cross-checked with the ID number, whose check digit makes
it the most reliable line on the card.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from statistics import median_high
from typing import Any

from rapidfuzz.distance import Levenshtein

from extractors import normalize as norm
from extractors.base import (
    ADDRESS_MARKERS,
    ORG_MARKERS,
    DocText,
    Extraction,
    FieldSpec,
    Layout,
    Row,
    Tok,
    Value,
    _toks_for_span,
    all_label_keys,
    find_code_anywhere,
    finish,
    parse_address,
    parse_person,
    read_fields,
    starts_with_any_label,
    text_key,
)
from pipeline import codes
from pipeline.models import DOCUMENT_FIELDS, DocumentType, FieldEvidence
from pipeline.text import Line, PageText, Word

FIELDS = DOCUMENT_FIELDS[DocumentType.ID_CARD]
SPECS = [
    FieldSpec("id_number", "id_number"),
    FieldSpec("name", "person"),
    FieldSpec("gender", "gender"),
    FieldSpec("date_of_birth", "date"),
    FieldSpec("address", "address", multiline=True),
    FieldSpec("valid_until", "validity"),
]


#: A validity's end: a dotted or slashed date, or long-term in words (OCR-tolerant).
_END_DATE = r"(?:19|20)\d{2}[.\-/]\d{1,2}[.\-/]\d{1,2}"
_END_WORDS = r"(?i:" + norm.LONG_TERM + r"|indefinite|permanent)"

_VALIDITY_RANGE = re.compile(
    r"\d{1,4}[.\-/]\d{1,2}[.\-/]\d{1,2}\s*[-–—~至]\s*"
    # "长期" also when OCR misread its second character: no date starts with 长
    r"(" + _END_DATE + "|" + _END_WORDS + r"|长\w?)"
)


#: The end of a range whose start OCR garbled ("cso 1-2029.01.01" under a watermark): a
#: dash right after a digit or a short fragment, then a dotted or slashed date or "long-term".
_VALIDITY_END = re.compile(
    r"(?:\d|\b\w{1,4})\s*[-–—~至]\s*"
    r"(" + _END_DATE + "|" + _END_WORDS + r"|长期)"
    r"(?![\d.])"
)


#: A range whose dash was dropped (a word of its own) and whose start lost its century or
#: more ("25.10.13 2035.10.13"): the end is the full date on the start's month and day.
_SAME_DAY_END = re.compile(
    r"(?<![\d.])(?:\d{1,4}[.\-/])?(\d{1,2})[.\-/](\d{1,2})\s+"
    r"((?:19|20)\d{2}[.\-/](\d{1,2})[.\-/](\d{1,2}))(?![\d])"
)


#: A range's end right after the validity's label and a dash, its start lost.
_LABELLED_END = re.compile(
    r"(?i:\bvalid(?:ity)?(?:\s+period)?|\bperiod\s+of\s+validity|有效期限?)\s*[:：]?\s*[-–—~至]\s*"
    r"(" + _END_DATE + "|" + _END_WORDS + r"|长期)"
    r"(?![\d.])"
)


def validity_range(layout: Layout) -> Value | None:
    """The end of the card's validity range, read on the back."""
    doc = DocText(layout)
    match = _VALIDITY_RANGE.search(doc.text)
    if match is not None:
        end = norm.parse_validity_end(match.group(0))
        if match.group(1).startswith("长"):
            end = norm.INDEFINITE
        if end:
            return doc.value(*match.span(1), end, 0.8)
    # the start is lost: the last range end on the card, read less surely
    ends = list(_VALIDITY_END.finditer(doc.text))
    if ends:
        last = ends[-1]
        end = norm.parse_validity_end(last.group(1))
        if end:
            return doc.value(*last.span(1), end, 0.6)
    # "Valid Period -2043/09/04": nothing of the start left but its dash, after the label
    labelled = _LABELLED_END.search(doc.text)
    if labelled is not None:
        end = norm.parse_validity_end(labelled.group(1))
        if end:
            return doc.value(*labelled.span(1), end, 0.6)
    for same in _SAME_DAY_END.finditer(doc.text):
        if (int(same.group(1)), int(same.group(2))) == (int(same.group(4)), int(same.group(5))):
            end = norm.parse_date(same.group(3))
            if end:
                return doc.value(*same.span(3), end, 0.6)
    return None


def extract(
    pages: list[PageText], language: str
) -> tuple[dict[str, Any], dict[str, FieldEvidence]]:
    layout = Layout(pages)
    result = read_fields(layout, language, "id_card", SPECS)
    if result.fields.get("valid_until") is None:
        # the back's "2016.05.01-2036.05.01" is unmistakable even when its label is not read
        result.put("valid_until", validity_range(layout))
    if result.fields.get("id_number") is None:
        result.put("id_number", find_code_anywhere(layout, "id_number"))
    if result.fields.get("name") is None:
        result.put("name", name_by_place(layout, language))
    if result.fields.get("address") is None:
        result.put("address", address_by_place(layout, result, language))
    number = result.fields.get("id_number")
    if number and codes.is_valid_id_number(number):
        evidence = result.evidence["id_number"]
        born = codes.birth_date_of(number)
        if born and result.fields.get("date_of_birth") != born:
            # the number passed its checksum: its date is the better reading of the card
            result.put("date_of_birth", Value(born, [], 0.8 * evidence.confidence), overwrite=True)
            result.evidence["date_of_birth"].box = evidence.box
        gender = codes.gender_of(number)
        if gender and result.fields.get("gender") is None:
            result.put("gender", Value(gender, [], 0.8 * evidence.confidence))
            result.evidence["gender"].box = evidence.box
    checked = checked_validity(layout, result)
    if checked is not None:
        result.put("valid_until", checked, overwrite=True)
    current = result.fields.get("valid_until")
    if current is None or current in row_starts_before_words(layout):
        # not read, or the start of "2023.10.02 - Long" (its "term" cut off) taken for the end
        result.put("valid_until", caption_row_end(layout), overwrite=True)
    return finish(result, FIELDS)


# --- the validity's two ends agree ----------------------------------------------------
#
# A resident identity card is valid for 5, 10 or 20 years or long-term (Resident Identity
# Card Law, art. 5): its back reads "START-END" with END on START's month and day, so each
# end checks the other. One digit misread ("2016.05.01-2016.05.01" for "...-2036.05.01")
# breaks that agreement, and the one term that restores it by changing one digit gives the
# printed date back; a cut-off end ("2026.01.09-2031.0") is completed the same way. The
# holder's age on the start day names the term too (under 16: 5 years, 16-25: 10, 26-45: 20,
# 46 and over: long-term), which settles a repair that two terms would allow. A repaired or
# unconfirmed end is given a low confidence, so that a clerk is asked to look at it.

#: The numbered terms of a resident identity card, in years.
CARD_TERMS = (5, 10, 20)
#: Confidence of an end that agrees with its start at least: a misread that keeps the two
#: ends a term apart on one month and day is rare, whatever OCR said of the words.
AGREEING_CONFIDENCE = 0.9
#: Confidence of an end changed to agree with the start, of an end that two readings allow
#: and of an end that agrees with no start reading: a clerk checks them (below 0.6).
REPAIRED_CONFIDENCE = 0.5
AMBIGUOUS_CONFIDENCE = 0.35
DISAGREEING_CONFIDENCE = 0.45

#: What joins a range's start to its end: a dash (or 至, "to"), or, when OCR read the dash as
#: a word of its own and it was dropped with the punctuation, a space before a year or
#: long-term wording. Within one row.
_RANGE_JOIN = re.compile(
    r"[ \t]*(?:[-–—~至到]+|\bto\b|\buntil\b)[ \t]*|[ \t]+(?=(?:19|20)\d\d|长|long|indefinite)",
    re.IGNORECASE,
)
#: The end as read: the rest of the row, at most this many characters.
_END_CHARS = 16
#: Letters OCR gives for digits inside a number ("2O36", "2036.05.0l").
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "l": "1", "I": "1",
                                   "i": "1", "|": "1", "!": "1", "S": "5", "s": "5", "B": "8",
                                   "Z": "2", "z": "2"})  # fmt: skip


def add_years(day: date, years: int) -> date:
    """The same month and day ``years`` later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def term_by_age(born: date, start: date) -> int | None:
    """The term the law gives a card issued on ``start`` to someone born on ``born`` (None:
    long-term, 46 and over)."""
    age = start.year - born.year - ((start.month, start.day) < (born.month, born.day))
    if age < 16:
        return 5
    if age <= 25:
        return 10
    if age <= 45:
        return 20
    return None


def _digits(day: date) -> str:
    return day.strftime("%Y%m%d")


def _differ_by_one(first: str, second: str) -> bool:
    if len(first) != len(second):
        return False
    return sum(a != b for a, b in zip(first, second, strict=True)) == 1


@dataclass(frozen=True)
class ValidityReading:
    """A validity range as read: its start, and its end as a date, as its digits (cut off
    or not a date) or long-term; with the OCR confidence of each end's words."""

    start: date
    end: date | None
    end_digits: str
    indefinite: bool = False
    start_conf: float = 1.0
    end_conf: float = 1.0
    same_word: bool = True


@dataclass(frozen=True)
class CheckedEnd:
    """The end a reading gives once its two ends are made to agree, and how surely: with
    ``agrees`` at least ``confidence``, else at most it."""

    end: date | str | None
    confidence: float
    why: str
    agrees: bool = False


def check_validity(reading: ValidityReading, born: date | None = None) -> CheckedEnd:
    """The card's end date given its start: confirmed, repaired by one digit, completed when
    cut off, or (no single repair) kept or left unread with a low confidence.

    ``born``, when known, prefers the readings whose term the law gives the holder's age on
    their start day."""
    start, end = reading.start, reading.end
    if reading.indefinite:
        return CheckedEnd(norm.INDEFINITE, AGREEING_CONFIDENCE, "long-term", agrees=True)
    if end is not None and any(add_years(start, n) == end for n in CARD_TERMS):
        return CheckedEnd(end, AGREEING_CONFIDENCE, "agrees with its start", agrees=True)
    # readings (start, term, end, which end was misread) one digit away from the printed one
    candidates: list[tuple[date, int, date, str]] = []
    for term in CARD_TERMS:
        fixed_end = add_years(start, term)
        if len(reading.end_digits) == 8:
            if _differ_by_one(_digits(fixed_end), reading.end_digits):
                candidates.append((start, term, fixed_end, "end"))
        elif len(reading.end_digits) >= 4 and _digits(fixed_end).startswith(reading.end_digits):
            candidates.append((start, term, fixed_end, "end"))
        if end is not None:
            fixed_start = add_years(end, -term)
            if _differ_by_one(_digits(fixed_start), _digits(start)):
                candidates.append((fixed_start, term, end, "start"))
    # a start repaired into the future is no reading of a card offered now
    candidates = [c for c in candidates if c[0] <= date.today()]
    if born is not None:
        lawful = [c for c in candidates if term_by_age(born, c[0]) == c[1]]
        # the law's term picks among readings, but never an earlier end than another reading
        # gives: a card wrongly found expired costs the applicant a new card, one wrongly
        # found valid a clerk's look (the repair's confidence is low either way)
        if lawful and max(c[2] for c in lawful) >= max(c[2] for c in candidates):
            candidates = lawful
    if not candidates:
        if end is None:
            return CheckedEnd(None, 0.0, "end not read")
        return CheckedEnd(end, DISAGREEING_CONFIDENCE, "its start and end do not agree")
    ends = {c[2] for c in candidates}
    if len(ends) > 1 and not reading.same_word and reading.start_conf != reading.end_conf:
        # either year may be the misread one: the word OCR was less sure of is
        misread = "start" if reading.start_conf < reading.end_conf else "end"
        ends = {c[2] for c in candidates if c[3] == misread} or ends
    if len(ends) == 1:
        (only,) = ends
        if only == end:
            # the end as read, a term after a start one digit from the start as read
            return CheckedEnd(only, AGREEING_CONFIDENCE, "its start misread by one digit")
        return CheckedEnd(only, REPAIRED_CONFIDENCE, "repaired to agree with its start")
    # two readings remain: the later end (a card offered is far more often valid than not)
    return CheckedEnd(max(ends), AMBIGUOUS_CONFIDENCE, "two repairs possible")


def _range_starts(text: str) -> list[tuple[int, int, date]]:
    """Dates in ``text`` (any format: "2016.05.01", "14-Jan-2026", 2016年5月1日) that a range's
    join follows, as (start, end, date); positions are ``text``'s own."""
    if len(unicodedata.normalize("NFKC", text)) != len(text):
        return []  # widened characters would shift the positions find_dates gives
    found = []
    for start, end, iso in norm.find_dates(text):
        if _RANGE_JOIN.match(text, end):
            found.append((start, end, date.fromisoformat(iso)))
    return found


def read_validity(doc: DocText) -> tuple[ValidityReading, int, int] | None:
    """The first validity range on the card with the span of its end in ``doc.text``."""
    text = doc.text
    for start_at, start_end, start in _range_starts(text):
        join = _RANGE_JOIN.match(text, start_end)
        tail_start = join.end() if join else start_end
        tail = text[tail_start : tail_start + _END_CHARS].split("\n")[0]
        start_toks = doc.toks(start_at, start_end)
        if norm.is_indefinite(tail) or tail.startswith("长"):
            reading = ValidityReading(start, None, "", indefinite=True)
            return reading, tail_start, tail_start + len(tail.split()[0] if tail.split() else "")
        # the end: up to the first space after its digits began ("2036.05.01 Issuing ...")
        end_text = re.match(r"[\w.\-/年月日|!]*(?:\s+\d[\d.\-/]*)?", tail)
        raw = end_text.group(0) if end_text else ""
        end_iso = norm.parse_date(raw)
        end_date = date.fromisoformat(end_iso) if end_iso else None
        digits = (
            _digits(end_date)
            if end_date
            else re.sub(r"\D", "", raw.translate(_DIGIT_LOOKALIKES))[:8]
        )
        if not digits:
            continue
        end_toks = doc.toks(tail_start, tail_start + len(raw))
        same = bool(set(map(id, start_toks)) & set(map(id, end_toks)))
        reading = ValidityReading(
            start,
            end_date,
            digits,
            start_conf=min((t.conf for t in start_toks), default=0.0),
            end_conf=min((t.conf for t in end_toks), default=0.0),
            same_word=same,
        )
        return reading, tail_start, tail_start + len(raw)
    return None


def checked_validity(layout: Layout, found: Extraction) -> Value | None:
    """``valid_until`` made to agree with the card's validity start, or None to keep what
    was read (no start read, nothing to repair)."""
    doc = DocText(layout)
    located = read_validity(doc)
    if located is None:
        return None
    reading, start, end = located
    current = found.fields.get("valid_until")
    read_as = norm.INDEFINITE if reading.indefinite else reading.end and reading.end.isoformat()
    if current is not None and current != read_as:
        if current != reading.start.isoformat():
            return None  # the end was read elsewhere: another range than this one
        # the label's value stopped at the gap of a dropped dash: its start taken for its end
        current = None
    born_text = found.fields.get("date_of_birth")
    born = date.fromisoformat(born_text) if born_text else None
    checked = check_validity(reading, born)
    if checked.end is None:
        return None
    value = checked.end if isinstance(checked.end, str) else checked.end.isoformat()
    previous = found.values.get("valid_until")
    toks = doc.toks(start, end) or (previous.toks if previous is not None else [])
    read_surely = (
        previous.confidence
        if previous is not None and value == current
        else 0.8 * sum(t.conf for t in toks) / max(len(toks), 1)
    )
    if checked.agrees:
        confidence = max(read_surely, checked.confidence)
    else:
        confidence = min(read_surely, checked.confidence)
    if value == current and previous is not None and confidence == previous.confidence:
        return None
    return Value(value, toks, confidence)


# --- fields whose label OCR lost -------------------------------------------------------
#
# A card photographed small prints its labels in a thin, light type next to bold values,
# and OCR drops the labels first ("Han Jun" alone where "Name  Han Jun" is printed). The
# card's order is fixed by law on every layout, though: the name heads the front, right
# above the sex/ethnicity row; the address follows the birth date and ends above the number.

#: Words on the row under the name: the sex and ethnicity labels and the sex itself.
_SEX_ROW_KEYS = frozenset(
    {"sex", "gender", "ethnicity", "nationality", "nation", "male", "female", "性别", "民族"}
)
_SEX_VALUES = frozenset({"m", "f", "男", "女"})
#: The card's own title words: never a holder's name.
_TITLE_KEYS = frozenset(
    {"people", "peoples", "republic", "china", "resident", "identity", "card", "citizen"}
)
#: Segments of a row further apart than this many row heights are separate cells.
_CELL_GAP = 1.5


def _segments(row: Row) -> list[list[Tok]]:
    """The row cut where its words stand far apart (label and value cells, two card sides
    photographed side by side), left to right."""
    toks = sorted(row.toks, key=lambda t: t.x0)
    # a speck read on another OCR line inside a word's box ("Yin" over "i") is no word
    toks = [
        t
        for t in toks
        if not any(
            len(t.key) <= 1 and o is not t and o.x0 <= t.x0 and t.x1 <= o.x1 and len(o.key) > 1
            for o in toks
        )
    ]
    cells: list[list[Tok]] = []
    for tok in toks:
        if cells and tok.x0 - cells[-1][-1].x1 <= _CELL_GAP * row.height:
            cells[-1].append(tok)
        else:
            cells.append([tok])
    return cells


def _is_sex_row(row: Row) -> bool:
    keys = [t.key for t in row.toks]
    return any(k in _SEX_ROW_KEYS for k in keys) or any(
        cell[0].key in _SEX_VALUES for cell in _segments(row)
    )


def _rows_above(layout: Layout, index: int, count: int) -> list[Row]:
    """Up to ``count`` rows just above row ``index`` on its page, nearest first, each
    within a few row heights of the one below it."""
    found: list[Row] = []
    below = layout.rows[index]
    for row in reversed(layout.rows[:index]):
        if row.page != below.page or below.y0 - row.y1 > 4 * below.height:
            break
        found.append(row)
        below = row
        if len(found) == count:
            break
    return found


def _near_label(key: str, label_keys: frozenset[str], letters: int) -> bool:
    """A label, or a name label OCR misread by up to ``letters`` letters ("Neme", and
    "Nene" before two more words, for "Name")."""
    if key in label_keys:
        return True
    return len(key) >= 4 and any(
        Levenshtein.distance(key, label) <= letters for label in _NAME_LABEL_KEYS
    )


def _smaller_than_the_rest(cell: list[Tok]) -> bool:
    """A first word in clearly smaller type than two or more after it: the label's remnant
    ("Ney Kim Garcia"), a name being set in one type."""
    if len(cell) < 3:
        return False
    rest = sorted(t.height for t in cell[1:])
    return cell[0].height < 0.75 * rest[len(rest) // 2]


#: The name labels a garbled word is compared with.
_NAME_LABEL_KEYS = ("name", "surname", "fullname")


def name_by_place(layout: Layout, language: str) -> Value | None:
    """The holder's name when its label was not read: a name standing alone at the start
    of a row just above the sex/ethnicity row."""
    label_keys = all_label_keys(language)
    for index, row in enumerate(layout.rows):
        if not _is_sex_row(row):
            continue
        for above in _rows_above(layout, index, 2):
            for cell in _segments(above):
                # a fragment of the lost label ("f Yin Chao", "NAME") is not the name
                while cell and (
                    _near_label(cell[0].key, label_keys, 2 if len(cell) >= 3 else 1)
                    or len(cell[0].key) < 2
                    or not cell[0].text[0].isupper()
                    or _smaller_than_the_rest(cell)
                ):
                    cell = cell[1:]
                if not cell or any(t.key in _TITLE_KEYS for t in cell):
                    continue
                if starts_with_any_label(cell) or any(t.key in _SEX_ROW_KEYS for t in cell):
                    continue
                parsed = parse_person(cell)
                if parsed is None or ORG_MARKERS.search(parsed[0]):
                    continue
                value, toks = parsed
                if len(value.split()) > 4 or len(toks) < len(cell):
                    continue  # words left over: a caption or prose, not a name on its own
                return Value(value, toks, 0.5 * sum(t.conf for t in toks) / len(toks))
        return None  # only the first sex row: the front's
    return None


def _birth_tok(layout: Layout, found: Extraction) -> Tok | None:
    """The first word of the birth date's value: as read by its label, else the row's date
    that the ID number's birth date confirms."""
    born = found.values.get("date_of_birth")
    if born is not None and born.toks:
        return born.toks[0]
    number = found.fields.get("id_number")
    expected = codes.birth_date_of(number) if number else None
    if not expected:
        return None
    for row in layout.rows:
        for start, end, iso in norm.find_dates(row.text):
            if iso == expected:
                toks = _toks_for_span(row.toks, start, end)
                if toks:
                    return toks[0]
    return None


def _whole_lines(layout: Layout, taken: list[Tok]) -> list[Tok]:
    """``taken`` with the rest of each OCR line it came from, in reading order: a line of a
    slightly tilted photo falls into two rows ("District, Tianjin" / "Heping"). Only the run
    of the line that holds taken words: a line OCR ran across two cards is cut at the gap."""
    lines = {tok.line for tok in taken}
    page = taken[0].page
    result: list[Tok] = []
    for line in sorted(lines):
        words = sorted(
            (t for row in layout.rows if row.page == page for t in row.toks if t.line == line),
            key=lambda t: t.seq,
        )
        height = max(sorted(t.height for t in words)[len(words) // 2], 1.0)
        run: list[Tok] = []
        for tok in words:
            if run and tok.x0 - run[-1].x1 > _CELL_GAP * height:
                if any(t in taken for t in run):
                    break
                run = []
            run.append(tok)
        result.extend(run if any(t in taken for t in run) else [])
    return result


def address_by_place(layout: Layout, found: Extraction, language: str) -> Value | None:
    """The address when its label was not read: rows in the value column under the date of
    birth that read as an address, up to the number's row or the next label."""
    first = _birth_tok(layout, found)
    if first is None:
        return None
    start = layout.row_of(first)
    column = first.x0
    taken: list[Tok] = []
    last = layout.rows[start]
    for row in layout.rows[start + 1 : start + 6]:
        if row.page != first.page or row.y0 - last.y1 > 4 * last.height:
            break
        cell = next((c for c in _segments(row) if abs(c[0].x0 - column) <= 2 * row.height), None)
        if cell is None:
            continue  # a row of the other side, photographed beside this one
        last = row
        if starts_with_any_label(cell) or any(t.key in _TITLE_KEYS for t in cell):
            break
        if any(sum(ch.isdigit() for ch in t.text) >= 15 for t in cell):
            break  # the ID number's row
        if not taken and not ADDRESS_MARKERS.search(" ".join(t.text for t in cell)):
            break
        taken.extend(cell)
    if not taken:
        return None
    parsed = parse_address(_whole_lines(layout, taken))
    if parsed is None:
        return None
    value, toks = parsed
    return Value(value, toks, 0.5 * sum(t.conf for t in toks) / len(toks))


# --- the validity row read on its own ------------------------------------------------
#
# On a card copy photographed at 150 DPI, or under a grey overprint, the page's reading can
# lose the validity row entirely ("Valid Period a 4 eres.") although the row is legible:
# Tesseract's page segmentation takes the overprint's strokes for part of the line. Read
# alone (a crop of the row, ``--psm 7``: one line) the same row gives its end date back.
# The reader (``pipeline.reading``) holds the image: it asks ``reread_validity`` which
# rows to read again, and this module decides where they are and whether their reading
# is kept, so extraction stays a function of words.

#: A validity read less surely than this (or not read) is read again from its row.
REREAD_BELOW = 0.6
#: The crop of a caption's row: from just left of the caption to this many row heights
#: right of it (the whole row on a card, not much of a card photographed beside it) and
#: this many row heights above and below the row's centre.
ROW_REACH = 34.0
ROW_HALF_HEIGHT = 1.0
#: Without a caption: the region under the issuing authority's row (or the card's title),
#: this many row heights deep (an issuer wrapped onto a second row, then the validity row)
#: and reaching this many row heights beyond the row's ends, read as sparse text.
REGION_DEPTH = 7.0
REGION_SIDE = 6.0
ROW_PSM = 7
SPARSE_PSM = 11
#: Confidence of an end read on the validity row whose year is a card term after the
#: start's year, with the start's month and day when they were read; of one that is not.
ROW_END_AGREEING = 0.7
ROW_END_UNCONFIRMED = 0.45

#: Caption words of the validity row, as OCR reads them ("Vaidity", "Vatidity", "Penod").
_CAPTION_WORDS = {"validity": 2, "valid": 1, "period": 1, "expiry": 1, "expires": 1}
_CAPTION_CJK = re.compile(r"有效期")
#: Words of the issuing authority's row, the row above the validity's.
_ISSUER_WORDS = frozenset({"issued", "issuing", "authority", "bureau", "security"})
_ISSUER_CJK = re.compile(r"签发|公安")
#: A full date inside any word ("322026.05.13": the year follows garbage of the start),
#: its separators as OCR gives them.
_ROW_DATE = re.compile(r"((?:19|20)\d\d)\s?[.,:\-/]\s?(\d\d)\s?[.,:\-/]\s?(\d\d)(?!\d)")
_ROW_YEAR = re.compile(r"(?:19|20)\d\d")


@dataclass(frozen=True)
class RowCrop:
    """A part of the upright page to read again: its box in page pixels, the Tesseract page
    segmentation mode to read it with, and why it was chosen."""

    box: tuple[float, float, float, float]
    psm: int
    why: str
    #: read the crop's dark ink only (text), not lighter grey (an overprint across it)
    dark_only: bool = False


#: Reads a crop of the page and gives its lines back in page coordinates.
ReadCrop = Callable[[RowCrop], list[Line]]


def _is_caption_key(key: str) -> bool:
    if key.startswith("valid") or _CAPTION_CJK.search(key):
        return True
    return len(key) >= 5 and any(
        Levenshtein.distance(key, word) <= letters for word, letters in _CAPTION_WORDS.items()
    )


def _caption_rows(layout: Layout) -> list[Row]:
    return [row for row in layout.rows if any(_is_caption_key(t.key) for t in row.toks)]


#: Long-term wordings of a card's end, compared with words OCR misread ("Pefmanent").
_LONG_TERM_WORDS = ("permanent", "longterm", "indefinite")


def _reads_long_term(text: str) -> bool:
    """Long-term wording, also as OCR misreads it ("Pefmanent", "28-Lotig-term")."""
    if norm.is_indefinite(text) or "长期" in text:
        return True
    letters = re.sub(r"[^a-z]", "", text_key(text))
    return len(letters) >= 6 and any(
        Levenshtein.distance(letters, word) <= 2 for word in _LONG_TERM_WORDS
    )


def row_starts_before_words(layout: Layout) -> set[str]:
    """Dates that a validity row gives as its only date, followed by long-term in words: the
    range's start, whatever OCR made of the words ("Long" with "term" cut off)."""
    starts = set()
    for row in _caption_rows(layout):
        dates = list(_ROW_DATE.finditer(row.text))
        if len(dates) != 1:
            continue
        words = row.text[dates[0].end() :].split()
        first = re.sub(r"[^a-z]", "", text_key(words[0])) if words else ""
        # "Long" (its "term" cut off), "Permanent", "Pefmanent": long-term in words
        if len(first) >= 3 and (
            any(word.startswith(first) for word in _LONG_TERM_WORDS) or _reads_long_term(first)
        ):
            found = dates[0]
            iso = norm.parse_date(f"{found.group(1)}-{found.group(2)}-{found.group(3)}")
            if iso:
                starts.add(iso)
    return starts


def caption_row_end(layout: Layout) -> Value | None:
    """The end of the validity read on its captioned row when no range pattern found it:
    the row's last full date, wherever OCR glued it ("2006.05 322026.05.13"), or long-term
    wording; sure when its year is a card term after the start's (and month and day agree)."""
    for row in _caption_rows(layout):
        text = row.text
        dates = list(_ROW_DATE.finditer(text))
        toks = row.toks
        if not dates:
            if norm.is_indefinite(text) and _ROW_YEAR.search(text):
                sure = [t for t in toks if norm.is_indefinite(t.text)] or toks
                return Value(norm.INDEFINITE, sure, ROW_END_UNCONFIRMED)
            continue
        last = dates[-1]
        tail = text[last.end() :]
        if len(dates) == 1 and re.search(r"[^\W_]|[-–—~至]", tail):
            # a dash or more after the row's only date: it is the start. An end in letters
            # alone (four or more) is long-term; an end date does not read as letters alone.
            if re.search(r"\d", tail) or len(re.sub(r"[^a-z]", "", text_key(tail))) < 4:
                continue
            sure = [t for t in toks if _reads_long_term(t.text)]
            confidence = ROW_END_AGREEING if sure else ROW_END_UNCONFIRMED
            return Value(norm.INDEFINITE, (sure or toks)[-1:], confidence)
        end_iso = norm.parse_date(f"{last.group(1)}-{last.group(2)}-{last.group(3)}")
        if end_iso is None:
            continue
        end = date.fromisoformat(end_iso)
        before = text[: last.start()]
        start_year = next(iter(_ROW_YEAR.finditer(before)), None)
        confidence = ROW_END_UNCONFIRMED
        if start_year is not None and end.year - int(start_year.group(0)) in CARD_TERMS:
            # the start's month, where read, is the end's ("2006,05(21,-", "2006.05 3=")
            month = re.sub(r"\D", "", before[start_year.end() : start_year.end() + 4])[:2]
            if month == f"{end.month:02d}"[: len(month)]:
                confidence = ROW_END_AGREEING
        end_toks = [t for t in toks if last.group(1) in t.text]
        return Value(end_iso, end_toks[-1:] or toks, confidence)
    return None


def _row_crop(page: PageText, x0: float, x1: float, centre: float, height: float, why: str):
    return RowCrop(
        (
            max(0.0, x0),
            max(0.0, centre - ROW_HALF_HEIGHT * height),
            min(float(page.width), x1),
            min(float(page.height), centre + ROW_HALF_HEIGHT * height),
        ),
        ROW_PSM,
        why,
    )


def caption_crops(page: PageText) -> list[RowCrop]:
    """The rows of the page's validity captions, from just left of the caption on."""
    crops: list[RowCrop] = []
    for row in _caption_rows(Layout([page]))[:2]:
        # the caption's own words place the row: OCR may have joined other words to it
        words = [t for t in row.toks if _is_caption_key(t.key)]
        height = median_high([t.height for t in words])
        centre = median_high([(t.y0 + t.y1) / 2 for t in words])
        x0 = words[0].x0
        crops.append(
            _row_crop(page, x0 - height, x0 + ROW_REACH * height, centre, height, "caption")
        )
    return crops


#: Words of the back's title ("Resident Identity Card of the People's Republic of China").
_TITLE_ANCHORS = frozenset({"identity", "republic", "resident", "居民身份证"})
_ID_NUMBER_LIKE = re.compile(r"\d{15}")


def region_below_anchor(page: PageText) -> RowCrop | None:
    """Without a caption: the part of the back under the issuing authority's row, else under
    the card's title, where the validity row lies, to be read as sparse text (``--psm 11``)
    to find its rows."""
    layout = Layout([page])
    # a front's number row closes the front: a title above it is the front's own
    numbers = [r.y1 for r in layout.rows if any(_ID_NUMBER_LIKE.search(t.key) for t in r.toks)]
    anchors = [
        row
        for row in layout.rows
        if any(t.key in _ISSUER_WORDS or _ISSUER_CJK.search(t.key) for t in row.toks)
    ] or [
        row
        for row in layout.rows
        if any(t.key in _TITLE_ANCHORS for t in row.toks) and row.y0 > max(numbers, default=0)
    ]
    if not anchors:
        return None
    row = anchors[-1]
    sure = [t for t in row.toks if t.conf >= 0.5] or row.toks
    height = median_high([t.height for t in sure])
    bottom = median_high([t.y1 for t in sure])
    box = (
        max(0.0, min(t.x0 for t in sure) - REGION_SIDE * height),
        max(0.0, bottom),
        min(float(page.width), max(t.x1 for t in sure) + REGION_SIDE * height),
        min(float(page.height), bottom + REGION_DEPTH * height),
    )
    return RowCrop(box, SPARSE_PSM, "below issuer or title")


def _rows_in_region(page: PageText, region: RowCrop, lines: list[Line]) -> list[RowCrop]:
    """Full-width row crops of the region at each line of its sparse reading that may be
    the validity's (a caption-like word or a number)."""
    crops: list[RowCrop] = []
    for line in lines:
        # its numbers and caption place the row (an overprint's letters on it are larger)
        words = [
            w for w in line.words if re.search(r"\d\d", w.text) or _is_caption_key(text_key(w.text))
        ]
        if not words:
            continue
        height = median_high([w.height for w in words])
        centre = median_high([(w.y0 + w.y1) / 2 for w in words])
        if any(abs(c.box[1] + ROW_HALF_HEIGHT * height - centre) < height for c in crops):
            continue
        crops.append(_row_crop(page, region.box[0], region.box[2], centre, height, region.why))
    return crops[:3]


def _read_card(page: PageText, language: str) -> tuple[dict[str, Any], FieldEvidence | None]:
    """The card's fields other than its validity, and the validity's evidence (None: not
    read)."""
    fields, evidence = extract([page], language)
    others = {name: value for name, value in fields.items() if name != "valid_until"}
    if fields.get("valid_until") is None:
        return others, None
    return others, evidence.get("valid_until") or FieldEvidence(confidence=0.0)


def _dated_line(lines: list[Line]) -> Line | None:
    """The line read again that holds the validity, cut after its end (the last word with a
    digit or of long-term wording): what follows on the crop may be another card's."""
    for line in lines:
        text = line.text
        long_term = any(_reads_long_term(w.text) for w in line.words)
        if not (_ROW_DATE.search(text) or (_ROW_YEAR.search(text) and long_term)):
            continue
        words = line.words
        last = max(
            i for i, w in enumerate(words) if re.search(r"\d", w.text) or _reads_long_term(w.text)
        )
        return Line(words=words[: last + 1])
    return None


def _with_row(page: PageText, line: Line) -> PageText:
    """``page`` with the words it read where ``line`` lies replaced by ``line``'s; a caption
    read before is kept in place of the one read again ("Vaidity" read as "vat")."""
    x0, y0, x1, y1 = line.box
    height = median_high([w.height for w in line.words])
    top, bottom = (y0 + y1) / 2 - 0.6 * height, (y0 + y1) / 2 + 0.6 * height
    left, right = x0 - height, x1 + height

    def in_row(word: Word) -> bool:
        centre_x, centre_y = (word.x0 + word.x1) / 2, (word.y0 + word.y1) / 2
        return top <= centre_y <= bottom and left <= centre_x <= right

    captions = [w for w in page.words if in_row(w) and _is_caption_key(text_key(w.text))]
    if captions and not any(_is_caption_key(text_key(w.text)) for w in line.words):
        after = max(w.x1 for w in captions)
        line = Line(words=[*captions, *(w for w in line.words if (w.x0 + w.x1) / 2 > after)])
    lines: list[Line] = []
    inserted = False
    for old in page.lines:
        kept = [w for w in old.words if not in_row(w)]
        if len(kept) < len(old.words) and not inserted:
            lines.append(line)
            inserted = True
        if kept:
            lines.append(Line(words=kept))
    if not inserted:
        lines.append(line)
    return page.model_copy(update={"lines": lines, "checks": dict(page.checks)})


def may_show_validity(page: PageText) -> bool:
    """Whether an OCR'd page shows a validity caption, an issuing authority's words or a
    card's title: a card's back, whose validity row may be read again (a cheap look before
    classifying)."""
    if page.source != "ocr":
        return False
    keys = (text_key(w.text) for w in page.words)
    return any(
        _is_caption_key(k) or k in _ISSUER_WORDS or k in _TITLE_ANCHORS or _ISSUER_CJK.search(k)
        for k in keys
    )


def reread_validity(page: PageText, language: str, read_crop: ReadCrop) -> PageText:
    """``page`` (an ID card's) with its validity row as read on its own by ``read_crop``,
    when the page's reading gave no validity or an unsure one and the row's reading gives
    a surer one; else ``page`` unchanged."""
    others, before = _read_card(page, language)
    if before is not None and before.confidence >= REREAD_BELOW:
        return page
    crops = caption_crops(page)
    if not crops and before is None:
        region = region_below_anchor(page)
        if region is not None:
            crops = _rows_in_region(page, region, read_crop(region))
    for crop in crops:
        # as it is, then its dark ink alone: a grey overprint across the row goes
        for attempt in (crop, replace(crop, dark_only=True)):
            line = _dated_line(read_crop(attempt))
            if line is None:
                continue
            candidate = _with_row(page, line)
            # the row read again changes the validity only ("2006.05.21-2026.05.21" read
            # as one word is no ID number)
            others_after, after = _read_card(candidate, language)
            if after is None or others_after != others:
                continue
            if before is None or after.confidence > before.confidence:
                candidate.checks["validity_reread"] = crop.why + (
                    ", dark ink" if attempt.dark_only else ""
                )
                return candidate
    return page
