"""Resident identity card, front (name, sex, birth, address, number) and/or back (validity).

Each file gets what it shows: a back alone has only ``valid_until``. The date of
birth and gender are cross-checked with the ID number, whose check digit makes
it the most reliable line on the card.
"""

from __future__ import annotations

import re
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
)
from pipeline import codes
from pipeline.models import DOCUMENT_FIELDS, DocumentType, FieldEvidence
from pipeline.text import PageText

FIELDS = DOCUMENT_FIELDS[DocumentType.ID_CARD]
SPECS = [
    FieldSpec("id_number", "id_number"),
    FieldSpec("name", "person"),
    FieldSpec("gender", "gender"),
    FieldSpec("date_of_birth", "date"),
    FieldSpec("address", "address", multiline=True),
    FieldSpec("valid_until", "validity"),
]


_VALIDITY_RANGE = re.compile(
    r"\d{1,4}[.\-/]\d{1,2}[.\-/]\d{1,2}\s*[-–—~至]\s*"
    # "长期" also when OCR misread its second character: no date starts with 长
    r"((?:19|20)\d{2}[.\-/]\d{1,2}[.\-/]\d{1,2}|(?i:long[- ]?term|indefinite|permanent)|长\w?)"
)


#: The end of a range whose start OCR garbled ("cso 1-2029.01.01" under a watermark): a
#: dash right after a digit or a short fragment, then a dotted or slashed date or "long-term".
_VALIDITY_END = re.compile(
    r"(?:\d|\b\w{1,4})\s*[-–—~至]\s*"
    r"((?:19|20)\d{2}[.\-/]\d{1,2}[.\-/]\d{1,2}|(?i:long[- ]?term|indefinite|permanent)|长期)"
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
    if not ends:
        return None
    last = ends[-1]
    end = norm.parse_validity_end(last.group(1))
    return doc.value(*last.span(1), end, 0.6) if end else None


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
    return finish(result, FIELDS)


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
