"""House purchase contract: buyer, seller (a person or a developer), address, signing date."""

from __future__ import annotations

import re
from typing import Any

from extractors.base import (
    ADDRESS_MARKERS,
    ORG_MARKERS,
    VALUE_GAP_FACTOR,
    DocText,
    FieldSpec,
    Layout,
    Row,
    Tok,
    Value,
    find_prose,
    finish,
    last_date,
    parse_kind,
    read_fields,
    role_names,
    starts_with_any_label,
    type_labels,
)
from pipeline.models import DOCUMENT_FIELDS, DocumentType, FieldEvidence
from pipeline.text import PageText

FIELDS = DOCUMENT_FIELDS[DocumentType.PURCHASE_CONTRACT]
SPECS = [
    FieldSpec("buyer_name", "party"),
    FieldSpec("seller_name", "party"),
    FieldSpec("property_address", "address", multiline=True),
    FieldSpec("contract_date", "date"),
]
PARTIES = ("buyer_name", "seller_name")


def extract(
    pages: list[PageText], language: str
) -> tuple[dict[str, Any], dict[str, FieldEvidence]]:
    layout = Layout(pages)
    result = read_fields(layout, language, "purchase_contract", SPECS)
    for name in PARTIES:
        read = result.values.get(name)
        better = party_in_caption_grid(layout, read)
        if better is not None and better.value != read.value:  # type: ignore[union-attr]
            result.put(name, better, overwrite=True)
        read = result.values.get(name)
        if read is not None and carries_address(str(read.value)):
            for field in (result.fields, result.evidence, result.values):
                field.pop(name, None)
            result.put(name, name_before_address(read) or other_reading(layout, language, name))
    if result.fields.get("contract_date") is None:
        result.put("contract_date", last_date(layout))
    return finish(result, FIELDS)


# --- parties in a grid of captions over values ------------------------------------------
#
# Some contracts set their particulars as a grid: a row of small captions ("Buying Party",
# "Agreed Price"), the values under them, the next row of captions, and so on. A caption
# then has another caption beside it, not its value ("Buying Party  Agreed Price" over
# "Liang Xia  RMB 2,800,000"), and a value under a caption may begin with the end of the
# cell to its left when OCR ran the two into one line ("... Road East, Tianhe" + "Chengdu
# Huaxin Logistics Co., Ltd." under "Address of Property Sold" and "Name of Seller").

#: Rows this many row heights apart or closer are one caption row and its value row.
_CAPTION_ROW_GAP = 1.5
#: A cell starts "under" another when their left edges are this many row heights apart.
_ALIGNED = 1.5


def _cells(row: Row) -> list[list[Tok]]:
    """The row cut into cells where its words stand a value gap apart, left to right."""
    cells: list[list[Tok]] = []
    for tok in sorted(row.toks, key=lambda t: t.x0):
        if cells and tok.x0 - cells[-1][-1].x1 <= VALUE_GAP_FACTOR * row.height:
            cells[-1].append(tok)
        else:
            cells.append([tok])
    return cells


def _next_row(layout: Layout, index: int, step: int) -> Row | None:
    """The row just below (``step`` 1) or above (-1) row ``index``, when close to it."""
    other = index + step
    if not 0 <= other < len(layout.rows):
        return None
    row, near = layout.rows[index], layout.rows[other]
    upper, lower = (row, near) if step > 0 else (near, row)
    if near.page != row.page or lower.y0 - upper.y1 > _CAPTION_ROW_GAP * row.height:
        return None
    return near


def _cell_at(cells: list[list[Tok]], x: float, height: float) -> list[Tok] | None:
    return next((c for c in cells if abs(c[0].x0 - x) <= _ALIGNED * height), None)


#: Rows above and below a caption row searched for other captions in its columns.
_GRID_ROWS = 3


def _labels_in_column(layout: Layout, index: int, x: float) -> bool:
    """Whether a known label starts a cell at ``x`` on a nearby row: the column of captions
    of a grid, not a column of values beside labels."""
    page = layout.rows[index].page
    for other in range(max(0, index - _GRID_ROWS), min(len(layout.rows), index + _GRID_ROWS + 1)):
        row = layout.rows[other]
        if other == index or row.page != page:
            continue
        cell = _cell_at(_cells(row), x, row.height)
        if cell is not None and starts_with_any_label(cell):
            return True
    return False


def _as_party(toks: list[Tok]) -> Value | None:
    parsed = parse_kind("party", toks)
    if parsed is None:
        return None
    value, used, quality = parsed
    return Value(value, used, 0.8 * quality * sum(t.conf for t in used) / len(used), below=True)


def party_in_caption_grid(layout: Layout, read: Value | None) -> Value | None:
    """The party's name when the one read is a caption's neighbour or carries the end of the
    cell to its left; None when the reading stands."""
    if read is None or not read.toks:
        return None
    first = read.toks[0]
    index = layout.row_of(first)
    row = layout.rows[index]
    if not read.below:
        # beside a caption: the caption and the "value" both have a cell right under them,
        # and the one under the caption is no label (as the next row of a form's labels is)
        cells = _cells(row)
        at = next((i for i, c in enumerate(cells) if first in c), 0)
        under = _next_row(layout, index, 1)
        if at == 0 or under is None:
            return None
        caption = cells[at - 1]
        under_cells = _cells(under)
        value_cell = _cell_at(under_cells, caption[0].x0, under.height)
        if value_cell is None or _cell_at(under_cells, first.x0, under.height) is None:
            return None
        if starts_with_any_label(value_cell) or not _labels_in_column(layout, index, first.x0):
            return None
        return _as_party(value_cell)
    # under a caption: words left of the caption's start belong to the cell beside it, under
    # the caption to its left (a row of two captions or more, not a title over a value)
    above = _next_row(layout, index, -1)
    if above is None:
        return None
    captions = _cells(above)
    at = next((i for i, c in enumerate(captions) if first.x1 < c[0].x0 < read.toks[-1].x1), None)
    if at is None or at == 0 or captions[at - 1][0].x0 > first.x0:
        return None
    caption = captions[at]
    if not starts_with_any_label(caption):
        return None
    kept = [t for t in read.toks if t.x1 > caption[0].x0]
    if not kept or len(kept) == len(read.toks):
        return None
    return _as_party(kept)


# --- a party read as an address -----------------------------------------------------------
#
# A party's cell may go on with the party's address ("Sun Li, Room 1203, Tower B, Huamao
# Centre, ..."), and a party whose name OCR lost leaves its label over the next line, often an
# address. An address that names a "Centre" or an "Office" block then passes for a company.
# A party is never an address: a name before the address is kept, else the party is read
# again from the contract's prose, else left unread (an unread buyer is a clerk's question; a
# wrong one is a false name mismatch).

#: The legal end of a company's name: what a developer's name ends with, an address never.
_LEGAL_END = re.compile(
    r"(?:\b(?:co|ltd|limited|inc|corp|corporation|company|llc|group|partnership)\.?|公司|集团)"
    r"\W*$",
    re.IGNORECASE,
)


def carries_address(text: str) -> bool:
    """Whether a party's name as read holds an address: a number and two words of an
    address (room, road, district, 路, 号...), and no company's legal end."""
    if not re.search(r"\d", text) or _LEGAL_END.search(text):
        return False
    return len(ADDRESS_MARKERS.findall(text)) >= 2


def name_before_address(read: Value) -> Value | None:
    """ "Sun Li, Room 1203, ..." -> "Sun Li": the words before the first comma, when they are
    a name and no address."""
    head: list[Tok] = []
    for tok in read.toks:
        head.append(tok)
        if tok.text.endswith((",", "，")):
            break
    else:
        return None
    text = " ".join(t.text for t in head)
    if re.search(r"\d", text) or ADDRESS_MARKERS.search(text):
        return None  # "Room 1203,": the address from its first word
    parsed = parse_kind("party", head)
    if parsed is None or len(parsed[1]) < len(head):
        return None
    value, used, quality = parsed
    return Value(value, used, min(read.confidence, quality * 0.9), read.below)


def other_reading(layout: Layout, language: str, name: str) -> Value | None:
    """The party from the contract's prose (its role words, its templates), when that is no
    address either."""
    vocab = type_labels(language, "purchase_contract")
    doc = DocText(layout)
    roles = (vocab.get("roles") or {}).get(name) or []
    candidates: list[Value | None] = []
    if roles:
        as_org = role_names(doc, roles, "org")
        if as_org is not None and ORG_MARKERS.search(str(as_org.value)):
            candidates.append(as_org)  # as read_fields takes a party: a company when evident
        candidates.append(role_names(doc, roles, "person"))
    templates = (vocab.get("prose") or {}).get(name) or []
    if templates:
        candidates.append(find_prose(doc, templates, "party"))
    for found in candidates:
        if found is not None and found.value and not carries_address(str(found.value)):
            return found
    return None
