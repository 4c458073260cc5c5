"""Shared toolkit for reading fields out of OCR words: layout, fuzzy labels, values, patterns.

Layout model: the words of all pages become *tokens* grouped into *rows* (words
whose vertical centres line up, even when Tesseract put them in different
blocks, as in table layouts). CJK runs are split into one token per character
and ``Label:Value`` tokens at the colon, so that labels can be matched the same
way in every language: fuzzily (rapidfuzz) against windows of consecutive
tokens with spaces removed, which survives split and merged words.

A field value is taken to the right of its label on the same row (up to a wide
gap or the next label followed by a colon), or failing that from the row
below, under the label's column. Values are then parsed by *kind* (person,
org, address, date, validity, id_number, credit_code, money, number, gender):
a candidate that does not parse as its kind is dropped, which is what makes
prose mentions of a label ("the Tenant shall pay...") harmless.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from extractors import normalize as norm
from pipeline import codes
from pipeline.models import Box, FieldEvidence
from pipeline.text import PageText

log = logging.getLogger(__name__)
LABELS_DIR = Path(__file__).resolve().parent / "labels"

#: A gap wider than this many row heights ends a value (word spaces are ~0.3).
VALUE_GAP_FACTOR = 2.2
#: Forms that right-align their labels set each value a little apart (1.2-2 row heights, more
#: than a word space, less than ``VALUE_GAP_FACTOR``) but all at one x: a token after a gap this
#: wide that starts where cells of at least ``COLUMN_MIN_ROWS`` rows of its page start opens a
#: value column.
COLUMN_GAP_FACTOR = 1.2
COLUMN_MIN_ROWS = 3
#: Another type's label ends a value only when at least this long (letters, as a key):
#: "transferee", "unified social credit code", not "name" or "to".
OTHER_LABEL_MIN_KEY = 8
#: Characters OCR reads a table's cell rule as: one standing alone ends a value.
CELL_RULES = frozenset({"|", "||", "¦", "‖", "│", "丨"})
#: How far below a label (in row heights) its value may sit.
BELOW_MAX_FACTOR = 3.0
#: Minimum fuzzy ratio for a label of 5+ characters; shorter labels must match exactly.
LABEL_MIN_RATIO = 88.0
LONG_LABEL_MIN_RATIO = 82.0

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_PUNCT_ONLY = re.compile(r"^[\W_]+$")
_KEY_DROP = re.compile(r"[\W_]+")


# ----------------------------------------------------------------------------- labels


@lru_cache(maxsize=8)
def load_labels(language: str) -> dict[str, Any]:
    """The vocabulary of one language (``labels/<language>.yaml``); English when missing."""
    path = LABELS_DIR / f"{language}.yaml"
    if not path.exists():
        path = LABELS_DIR / "en.yaml"
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    data.setdefault("types", {})
    data.setdefault("negatives", {})
    data.setdefault("stop_labels", [])
    return _only_strings(data, path.name)


def _only_strings(node: Any, where: str) -> Any:
    """Drop entries YAML did not read as text (a bare ``no`` is False), with a warning."""
    if isinstance(node, dict):
        return {key: _only_strings(value, f"{where}:{key}") for key, value in node.items()}
    if isinstance(node, list):
        kept = [item for item in node if isinstance(item, str)]
        if len(kept) != len(node):
            log.warning(
                "labels %s: %d entries are not text and were skipped", where, len(node) - len(kept)
            )
        return kept
    return node


def type_labels(language: str, doc_type: str) -> dict[str, Any]:
    return load_labels(language)["types"].get(doc_type, {}) or {}


# ----------------------------------------------------------------------------- layout


@dataclass
class Tok:
    text: str
    key: str  # lower case, punctuation dropped: what labels are matched against
    x0: float
    y0: float
    x1: float
    y1: float
    conf: float
    page: int
    colon: bool = False  # a colon follows (in the word or as the next word)
    cjk: bool = False
    line: int = 0  # which source line (OCR or text layer) it came from
    seq: int = 0  # its place in that source's reading order

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass
class Row:
    page: int
    toks: list[Tok]
    page_height: float
    page_width: float

    @property
    def y0(self) -> float:
        return min(t.y0 for t in self.toks)

    @property
    def y1(self) -> float:
        return max(t.y1 for t in self.toks)

    @property
    def height(self) -> float:
        heights = sorted(t.height for t in self.toks if not t.cjk) or sorted(
            t.height for t in self.toks
        )
        return max(heights[len(heights) // 2], 1.0)

    @property
    def text(self) -> str:
        return join_toks(self.toks)

    @property
    def value_gap(self) -> float:
        """The gap that ends a value on this row: ``VALUE_GAP_FACTOR`` row heights, unless
        every word of the row is set about as far apart (a justified line of prose, "Lessor:
        Kristin  Fernandez.  Lessee: Fan  Xia"), where no gap is a column's edge."""
        base = VALUE_GAP_FACTOR * self.height
        gaps = sorted(b.x0 - a.x1 for a, b in pairwise(self.toks) if b.page == a.page)
        if len(gaps) < EVEN_ROW_MIN_GAPS or gaps[0] <= 0:
            return base
        if gaps[-1] > EVEN_ROW_SPREAD * gaps[len(gaps) // 2]:
            return base  # some gaps much wider than the rest: columns
        return max(base, EVEN_ROW_SPREAD * gaps[-1])


#: A row of at least this many word gaps, none over ``EVEN_ROW_SPREAD`` times the median
#: gap, is set evenly (justified): its wide gaps are word spaces, not columns.
EVEN_ROW_MIN_GAPS = 4
EVEN_ROW_SPREAD = 1.5


_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_WIDTH[0x3000] = 0x20
# full-width brackets, commas and colons stay as printed ("瑞丰商贸（上海市）有限公司")
for _char in "（），：；":
    _FULL_WIDTH.pop(ord(_char), None)


def fold_alnum(text: str) -> str:
    """Full-width letters, digits and ASCII signs to ASCII; CJK punctuation kept as printed."""
    return text.translate(_FULL_WIDTH)


@lru_cache(maxsize=65536)
def text_key(text: str) -> str:
    """Matching key: NFKC, lower case, no spaces or punctuation. Cached: the same labels
    and words are keyed a million times over a batch (a quarter of extraction's time)."""
    return _KEY_DROP.sub("", unicodedata.normalize("NFKC", text).lower())


def join_toks(toks: Sequence[Tok]) -> str:
    """Tokens back to text: spaces between Latin words, none within Chinese text."""
    out = ""
    for index, tok in enumerate(toks):
        if index and needs_space(toks[index - 1], tok):
            out += " "
        out += tok.text
    return out


def needs_space(previous: Tok, tok: Tok) -> bool:
    """No space between CJK characters, nor between CJK and the digits set tight beside them
    ("建国路88号"); a space between Latin words."""
    if previous.cjk and tok.cjk:
        return False
    if previous.cjk or tok.cjk:
        return tok.x0 - previous.x1 > 0.5 * max(previous.height, tok.height, 1.0)
    return True


def _split_word(text: str) -> list[tuple[str, int, int]]:
    """Pieces of one OCR word (text, start, end): CJK chars alone, split after colons."""
    pieces: list[tuple[str, int, int]] = []
    start = 0
    index = 0
    while index < len(text):
        char = text[index]
        if _CJK.match(char) and char not in "：，。；（）":
            if index > start:
                pieces.append((text[start:index], start, index))
            pieces.append((char, index, index + 1))
            start = index + 1
        elif char in ":：" and index + 1 < len(text):
            pieces.append((text[start : index + 1], start, index + 1))
            start = index + 1
        elif char in "，。；（）":
            # Chinese punctuation after digits ("…2088043。双方") ends the number
            if index > start:
                pieces.append((text[start:index], start, index))
            pieces.append((char, index, index + 1))
            start = index + 1
        index += 1
    if start < len(text):
        pieces.append((text[start:], start, len(text)))
    out: list[tuple[str, int, int]] = []
    for piece in pieces:
        out.extend(_unglue(*piece))
    return [p for p in out if p[0].strip()]


_GLUE_POINT = re.compile(r"(?<=[a-z.])(?=[A-Z0-9])|(?<=[A-Z])(?=[0-9])")


def _unglue(text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """A label glued to its value by a text layer or OCR ("NameAmy", "No.1201", "Birth1975")
    is split where a known label ends and a capital or digit begins; "McGuire" is kept."""
    for point in _GLUE_POINT.finditer(text):
        head = text[: point.start()]
        if text_key(head) in _glue_labels() and len(text_key(head)) >= 2:
            cut = start + point.start()
            return [(head, start, cut), *_unglue(text[point.start() :], cut, end)]
    return [(text, start, end)]


@lru_cache(maxsize=1)
def _glue_labels() -> frozenset[str]:
    keys: set[str] = set()
    for path in LABELS_DIR.glob("*.yaml"):
        language = path.stem
        keys.update(all_label_keys(language))
        # single words of multi-word labels too ("Date of BirthApril": "birth")
        for label in _all_labels(language):
            keys.update(text_key(word) for word in label.split())
    keys.update({"by", "of", "no"})
    return frozenset(k for k in keys if k and not k.isdigit())


def _all_labels(language: str) -> list[str]:
    vocab = load_labels(language)
    labels = list(vocab.get("stop_labels") or [])
    for entry in vocab["types"].values():
        for values in (entry.get("fields") or {}).values():
            labels.extend(values or [])
    return labels


def build_rows(pages: Sequence[PageText]) -> list[Row]:
    """All tokens of all pages grouped into rows, in reading order."""
    rows: list[Row] = []
    for page in pages:
        toks: list[Tok] = []
        words = [(line_no, word) for line_no, line in enumerate(page.lines) for word in line.words]
        for line_no, word in words:
            text = fold_alnum(word.text).strip()
            if not text:
                continue
            pieces = _split_word(text)
            width = max(word.x1 - word.x0, 1.0)
            for piece, start, end in pieces:
                x0 = word.x0 + width * start / len(text)
                x1 = word.x0 + width * end / len(text)
                colon = piece.endswith((":", "："))
                cleaned = piece.rstrip(":：") if colon and len(piece) > 1 else piece
                if not _PUNCT_ONLY.match(cleaned):
                    # fill-in lines and stray quotes OCR glues to words: "_Mo", "‘Vocational"
                    cleaned = cleaned.strip("_|¦").lstrip("‘’`'\"“") or cleaned
                if _PUNCT_ONLY.match(cleaned):
                    if toks and cleaned in ":：" and toks[-1].page == page.number:
                        toks[-1].colon = True
                    if cleaned in ":：" or not cleaned.strip("|¦_—-=~.,;'\"`*·•"):
                        continue
                toks.append(
                    Tok(
                        text=cleaned,
                        key=text_key(cleaned),
                        x0=x0,
                        y0=word.y0,
                        x1=x1,
                        y1=word.y1,
                        conf=word.confidence,
                        page=page.number,
                        colon=colon,
                        cjk=bool(_CJK.match(cleaned)),
                        line=line_no,
                        seq=len(toks),
                    )
                )
        rows.extend(_group_rows(toks, page))
    return rows


def _group_rows(toks: list[Tok], page: PageText) -> list[Row]:
    groups: list[list[Tok]] = []
    centres: list[float] = []
    heights: list[float] = []
    for tok in sorted(toks, key=lambda t: ((t.y0 + t.y1) / 2, t.x0)):
        centre = (tok.y0 + tok.y1) / 2
        if groups and abs(centre - centres[-1]) <= 0.45 * max(heights[-1], tok.height):
            groups[-1].append(tok)
            count = len(groups[-1])
            centres[-1] = (centres[-1] * (count - 1) + centre) / count
            heights[-1] = max(heights[-1], tok.height)
        else:
            groups.append([tok])
            centres.append(centre)
            heights.append(tok.height)
    rows = []
    for group in groups:
        # source lines side by side, each kept in its own reading order: OCR boxes of CJK
        # characters overlap, and sorting them by x alone scrambles "光华路" into "光路华"
        line_start = {}
        for tok in group:
            line_start[tok.line] = min(line_start.get(tok.line, tok.x0), tok.x0)
        group.sort(key=lambda t: (line_start[t.line], t.line, t.seq))
        rows.append(Row(page.number, group, float(page.height), float(page.width)))
    return rows


# ----------------------------------------------------------------------------- matching


@dataclass
class Match:
    phrase: str
    score: float  # 0..100
    row: int
    start: int
    end: int  # exclusive token index
    layout: Layout

    @property
    def toks(self) -> list[Tok]:
        return self.layout.rows[self.row].toks[self.start : self.end]

    @property
    def page(self) -> int:
        return self.layout.rows[self.row].page

    @property
    def x0(self) -> float:
        return min(t.x0 for t in self.toks)

    @property
    def x1(self) -> float:
        return max(t.x1 for t in self.toks)

    @property
    def colon(self) -> bool:
        return self.toks[-1].colon

    @property
    def rel_y(self) -> float:
        row = self.layout.rows[self.row]
        return row.y0 / max(row.page_height, 1.0)

    @property
    def row_len(self) -> int:
        return len(self.layout.rows[self.row].toks)


@dataclass
class Window:
    row: int
    start: int
    end: int
    key: str


class Layout:
    """Rows of tokens of a document, with fuzzy phrase search over token windows."""

    MAX_WINDOW = 8  # Latin words per window
    MAX_CJK_WINDOW = 14  # CJK characters per window ("中华人民共和国居民身份证")

    def __init__(self, pages: Sequence[PageText]) -> None:
        self.pages = list(pages)
        self.rows = build_rows(pages)
        self.windows: list[Window] = []
        for row_index, row in enumerate(self.rows):
            toks = row.toks
            for start in range(len(toks)):
                key = ""
                width = self.MAX_CJK_WINDOW if toks[start].cjk else self.MAX_WINDOW
                for end in range(start + 1, min(len(toks), start + width) + 1):
                    key += toks[end - 1].key
                    if len(key) > 40:
                        break
                    if key:
                        self.windows.append(Window(row_index, start, end, key))
        self._keys = [w.key for w in self.windows]
        self._row_of = {id(t): i for i, r in enumerate(self.rows) for t in r.toks}
        self._cache: dict[tuple[str, ...], list[Match]] = {}
        # where cells start after a gap wider than a word space: (page, x0, row height, row)
        self._cell_starts: list[tuple[int, float, float, int]] = [
            (row.page, row.toks[i].x0, row.height, row_index)
            for row_index, row in enumerate(self.rows)
            for i in range(1, len(row.toks))
            if row.toks[i].x0 - row.toks[i - 1].x1 > COLUMN_GAP_FACTOR * row.height
        ]

    def label_then_column(self, row_index: int) -> int | None:
        """Where the value column starts on a row that opens with a short Latin label set
        before it ("Since    17 NOV 2025" in a form with right-aligned labels), else None."""
        toks = self.rows[row_index].toks
        for index in range(1, min(len(toks), 5)):
            if not all(
                _label_word(t) and not t.cjk and not any(ch.isdigit() for ch in t.text)
                for t in toks[:index]
            ):
                return None
            if self.opens_column(row_index, index):
                return index
        return None

    def opens_column(self, row_index: int, index: int) -> bool:
        """Whether ``rows[row_index].toks[index]`` starts a value column: set apart from the
        token before it by more than a word space, at the x where cells of other rows of the
        page start too ("Title Holder   Pan Na" over "Located at   Flat 2601, ...")."""
        row = self.rows[row_index]
        if index <= 0 or index >= len(row.toks):
            return False
        tok = row.toks[index]
        if tok.x0 - row.toks[index - 1].x1 <= COLUMN_GAP_FACTOR * row.height:
            return False
        aligned = {
            other
            for page, x0, height, other in self._cell_starts
            if page == row.page and other != row_index and abs(x0 - tok.x0) <= 0.5 * height
        }
        return len(aligned) + 1 >= COLUMN_MIN_ROWS

    def row_of(self, tok: Tok) -> int:
        return self._row_of[id(tok)]

    @property
    def word_count(self) -> int:
        return sum(len(r.toks) for r in self.rows)

    def text(self) -> str:
        return "\n".join(r.text for r in self.rows)

    def find(self, phrases: Iterable[str], min_ratio: float | None = None) -> list[Match]:
        """Best non-overlapping matches of any of ``phrases``, by score then length."""
        phrases = tuple(dict.fromkeys(p for p in phrases if text_key(p)))
        if not phrases or not self.windows:
            return []
        if phrases in self._cache and min_ratio is None:
            return self._cache[phrases]
        keys = [text_key(p) for p in phrases]
        scores = process.cdist(keys, self._keys, scorer=fuzz.ratio, score_cutoff=70, workers=1)
        found: list[Match] = []
        for p_index, key in enumerate(keys):
            threshold = min_ratio or _threshold(key)
            row_scores = scores[p_index]
            for w_index in (row_scores >= threshold).nonzero()[0]:
                window = self.windows[int(w_index)]
                # a short key must match whole tokens exactly (no "to" inside "toilet")
                if len(key) < 5 and window.key != key:
                    continue
                # nor may a long one match a window much shorter or longer than itself
                if abs(len(window.key) - len(key)) > max(2, 0.2 * len(key)):
                    continue
                end = window.end
                row_toks = self.rows[window.row].toks
                while end < len(row_toks) and not row_toks[end].key:
                    end += 1  # a closing bracket or colon token belongs to the label
                found.append(
                    Match(
                        phrases[p_index],
                        float(row_scores[w_index]),
                        window.row,
                        window.start,
                        end,
                        self,
                    )
                )
        # a longer phrase beats a shorter one it contains ("student id card" over "id card")
        found.sort(key=lambda m: (-(m.score + 1.5 * len(text_key(m.phrase))), m.row, m.start))
        kept: list[Match] = []
        taken: set[tuple[int, int]] = set()
        for match in found:
            cells = {(match.row, i) for i in range(match.start, match.end)}
            if cells & taken:
                continue
            taken |= cells
            kept.append(match)
        kept.sort(key=lambda m: (m.row, m.start))
        if min_ratio is None:
            self._cache[phrases] = kept
        return kept

    # ------------------------------------------------------------------- values

    def right_of(self, match: Match, stop_keys: set[str]) -> list[Tok]:
        """Tokens to the right of a label on its row, up to a wide gap or the next label."""
        row = self.rows[match.row]
        toks = row.toks
        limit_gap = row.value_gap
        out: list[Tok] = []
        index = match.end
        while index < len(toks):
            tok = toks[index]
            if out and tok.x0 - out[-1].x1 > limit_gap:
                break
            if tok.text.strip() in CELL_RULES:
                if out:
                    break  # a cell's rule: the next cell is another field's
                index += 1
                continue
            if out and self._next_cell_label(toks, index, stop_keys):
                break
            if (
                not out
                and tok.x0 - match.x1 > 0.6 * row.page_width
                and not (tok.cjk and match.toks[-1].cjk and _alone_on_row(toks, match, index))
            ):
                break  # (a receipt slip sets a Chinese label and its value at both ends)
            if self._label_starts(toks, index, stop_keys):
                break
            if out and tok.cjk and _cjk_label_starts(toks, index, stop_keys):
                if len(out) > 2 and out[-1].text in "与和及":
                    out.pop()  # "刘勇与买受人…": the conjunction before the next party's label
                break  # "姓名张三性别男": Chinese labels need no colon to end a value
            out.append(tok)
            index += 1
        return out

    def below(self, match: Match, stop_keys: set[str], rows: int = 1) -> list[Tok]:
        """The value under a label: the next row(s) below, starting within the label's column."""
        row = self.rows[match.row]
        height = row.height
        out: list[Tok] = []
        bottom = row.y1
        for index in range(match.row + 1, min(match.row + 6, len(self.rows))):
            candidate = self.rows[index]
            if candidate.page != row.page or candidate.y0 - bottom > BELOW_MAX_FACTOR * height:
                break
            toks = candidate.toks
            left = match.x0 - 2.5 * height
            right = max(match.x1, match.x0 + 0.2 * row.page_width)
            start = next(
                (i for i, t in enumerate(toks) if t.x1 > left and t.x0 < right),
                None,
            )
            if start is None:
                continue
            if self._label_starts(toks, start, stop_keys) or starts_with_any_label(toks[start:]):
                break  # the next label, not a value
            taken: list[Tok] = []
            for i in range(start, len(toks)):
                tok = toks[i]
                if taken and tok.x0 - taken[-1].x1 > VALUE_GAP_FACTOR * height:
                    break
                if tok.text.strip() in CELL_RULES:
                    if taken:
                        break
                    continue
                if taken and self._label_starts(toks, i, stop_keys):
                    break
                taken.append(tok)
            out.extend(taken)
            bottom = candidate.y1
            if len(out) and rows <= 1:
                break
            rows -= 1
        return out

    def continuation(
        self,
        row_index: int,
        value: list[Tok],
        stop_keys: set[str],
        margin_ok: bool = True,
        max_rows: int = 3,
    ) -> list[Tok]:
        """A wrapped value's next lines: close below, under the value or back at the margin,
        holding no label; at most three more rows."""
        if not value:
            return []
        out: list[Tok] = []
        row = self.rows[row_index]
        start_x = value[0].x0
        for next_index in range(row_index + 1, min(row_index + 1 + max_rows, len(self.rows))):
            nxt = self.rows[next_index]
            gap = nxt.y0 - row.y1
            if nxt.page != row.page or gap > 1.0 * row.height:
                break
            toks = nxt.toks
            # in a grid the value's column may be the row's second cell: skip the cell to its
            # left ("阳光花园9栋…    1-08止" under "长沙市…    自2024-11-09起至2027-1")
            column = next(
                (i for i, t in enumerate(toks) if t.x0 >= start_x - 1.5 * row.height), None
            )
            if (
                not margin_ok
                and column
                and not starts_with_any_label(toks[:column])
                and toks[column].x0 - toks[column - 1].x1 > VALUE_GAP_FACTOR * row.height
                and abs(toks[column].x0 - start_x) <= 1.5 * row.height
            ):
                toks = toks[column:]
            first = toks[0]
            under_value = abs(first.x0 - start_x) <= 1.5 * row.height
            last = (out or value)[-1]
            at_margin = (
                margin_ok
                and first.x0 < start_x
                and (last.text.endswith((",", "，", "-")) or gap < 0.8 * row.height)
            )
            if not (under_value or at_margin) or self._label_starts(toks, 0, stop_keys):
                break
            if starts_with_any_label(toks) or opens_with_colon_label(toks):
                break
            column_at = self.label_then_column(next_index)
            if (
                first.x0 < start_x
                and column_at is not None
                and abs(nxt.toks[column_at].x0 - start_x) <= 1.5 * row.height
            ):
                break  # "Use   Residential": a label of its own before the value column
            out.extend(_until_gap(toks, row.height))
            row = nxt
        return out

    def after_gap(self, row_index: int, last: Tok, stop_keys: set[str]) -> list[Tok]:
        """The next run of tokens after a wide gap following ``last`` on its row."""
        toks = self.rows[row_index].toks
        position = next((i for i, t in enumerate(toks) if t is last), None)
        if position is None or position + 1 >= len(toks):
            return []
        if self._label_starts(toks, position + 1, stop_keys):
            return []
        return _until_gap(toks[position + 1 :], self.rows[row_index].height)

    def _next_cell_label(self, toks: list[Tok], index: int, stop_keys: set[str]) -> bool:
        """A known label without a colon that opens a new cell: set apart by a gap wider than
        a word space, or after a cell rule, and not the end of the row (a grid's next pair)."""
        gap = toks[index].x0 - toks[index - 1].x1
        after_rule = toks[index - 1].text.strip() in CELL_RULES
        if not after_rule and gap <= 1.0 * max(toks[index].height, 1.0):
            return False
        key = ""
        for end in range(index, min(len(toks), index + 5)):
            key += toks[end].key
            if key in stop_keys and len(key) >= 4 and end + 1 < len(toks):
                return True
        return False

    def _label_starts(self, toks: list[Tok], index: int, stop_keys: set[str]) -> bool:
        """Does a label (followed by a colon) start at ``toks[index]``?"""
        key = ""
        for end in range(index, min(len(toks), index + 5)):
            key += toks[end].key
            if toks[end].colon and key in stop_keys:
                return True
            if toks[end].colon and key and _fuzzy_in(key, stop_keys):
                return True
        return False


def _alone_on_row(toks: list[Tok], match: Match, index: int) -> bool:
    """The label opens its row and everything after the gap is one run: its value."""
    if match.start != 0:
        return False
    rest = toks[index:]
    return all(b.x0 - a.x1 < VALUE_GAP_FACTOR * max(a.height, 1.0) for a, b in pairwise(rest))


def _cjk_label_starts(toks: list[Tok], index: int, stop_keys: set[str]) -> bool:
    key = ""
    for end in range(index, min(len(toks), index + 8)):
        if not toks[end].cjk:
            return False
        key += toks[end].key
        if len(key) >= 2 and key in stop_keys:
            return True
    return False


def opens_with_colon_label(toks: list[Tok]) -> bool:
    """A row that opens with a short caption and a colon ("USE: Residential"), known or not:
    the next field, not the wrapped tail of a value."""
    for tok in toks[:3]:
        if tok.cjk or any(ch.isdigit() for ch in tok.text) or not _label_word(tok):
            return False
        if tok.colon:
            return True
    return False


def _until_gap(toks: list[Tok], height: float) -> list[Tok]:
    out: list[Tok] = []
    for tok in toks:
        if out and tok.x0 - out[-1].x1 > VALUE_GAP_FACTOR * height:
            break
        if tok.text.strip() in CELL_RULES:
            if out:
                break
            continue
        out.append(tok)
    return out


def _fuzzy_in(key: str, keys: set[str]) -> bool:
    if len(key) < 5:
        return False
    best = process.extractOne(key, keys, scorer=fuzz.ratio, score_cutoff=LABEL_MIN_RATIO)
    return best is not None


def _threshold(key: str) -> float:
    if len(key) < 5:
        return 100.0
    if len(key) >= 10:
        return LONG_LABEL_MIN_RATIO
    return LABEL_MIN_RATIO


# ----------------------------------------------------------------------------- values by kind


_CJK_NOT_NAMES = ("签章", "签字", "签名", "盖章", "本人", "承担", "日期", "地址", "号码")


def _holds_cjk_label(value: str) -> bool:
    if any(word in value for word in _CJK_NOT_NAMES):
        return True
    return any(len(key) >= 2 and _CJK.match(key) and key in value for key in _every_label_key())


#: Words that name a role or a label, never a person.
ROLE_WORDS = {
    "party", "landlord", "tenant", "lessor", "lessee", "buyer", "seller", "vendor", "purchaser",
    "employer", "employee", "owner", "renter", "student", "worker", "resident", "applicant",
    "signature", "signed", "date", "name", "seal", "stamp", "holder", "sex", "gender",
    "card", "certificate", "contract", "licence", "license", "agreement", "receipt", "number",
    "article", "clause", "no",
}  # fmt: skip
#: Lower-case words that go on a sentence after a name ("Li Wei hereby ...").
_PROSE_WORDS = {
    "hereby", "herein", "currently", "resides", "lives", "works", "worked", "holds", "holding",
    "being", "been", "shall", "will", "agrees", "agree", "is", "was", "has", "had", "and", "of",
    "the", "who", "whose", "as", "at", "in", "on", "by", "for", "with", "from", "to", "since",
}  # fmt: skip
PERSON_TITLES = re.compile(r"^(mr|mrs|ms|miss|dr|prof|mx)\.?$", re.IGNORECASE)
_NAME_BREAK_WORDS = {
    "id", "id no", "holder", "born", "date", "sex", "gender", "address", "tel", "phone", "who",
    "hereinafter", "residing", "resides", "living", "of", "at", "with", "and", "has", "is", "was",
    "whose", "aged", "nationality", "passport", "age", "the", "a", "an", "in", "from", "to",
    "for", "since", "as", "on", "by", "shall", "will", "agrees", "agree",
}  # fmt: skip
ORG_MARKERS = re.compile(
    r"\b(co|company|corp|corporation|ltd|limited|llc|inc|group|bureau|university|college|school|"
    r"institute|academy|committee|office|centre|center|management|department|hospital|"
    r"association|agency|studio|branch|services|service|partnership|enterprise|factory|bank)\b|"
    r"公司|大学|学院|学校|中学|小学|委员会|局|中心|集团|工作室|照相馆|医院|研究所|事务所|厂",
    re.IGNORECASE,
)
ADDRESS_MARKERS = re.compile(
    r"\b(road|rd|street|st|avenue|ave|lane|ln|district|city|province|room|rm|building|bldg|"
    r"floor|unit|no|block|village|town|county|apartment|apt|estate|garden|gardens|community|"
    r"residence|tower|court|drive|way|boulevard|hutong|compound)\b|[省市区县路街道号室楼栋村镇]",
    re.IGNORECASE,
)


@dataclass
class Value:
    value: Any
    toks: list[Tok]
    confidence: float
    below: bool = False  # read from the row under its label, not beside it

    def box(self) -> Box | None:
        if not self.toks:
            return None
        page = self.toks[0].page
        toks = [t for t in self.toks if t.page == page]
        return Box(
            page=page,
            x0=min(t.x0 for t in toks),
            y0=min(t.y0 for t in toks),
            x1=max(t.x1 for t in toks),
            y1=max(t.y1 for t in toks),
        )

    def evidence(self) -> FieldEvidence:
        return FieldEvidence(
            confidence=round(max(0.0, min(1.0, self.confidence)), 3), box=self.box()
        )


def _mean_conf(toks: Sequence[Tok]) -> float:
    return sum(t.conf for t in toks) / len(toks) if toks else 0.0


#: A Latin name read with mean word confidence below this is OCR's reading of a scribble
#: (a signature over a signature line), not a printed name: printed names on the same scans
#: read at 0.6-1.0, signatures at 0.05-0.45 (measured on the sample batches).
SCRIBBLE_MAX_CONFIDENCE = 0.5
_NAME_WORD = re.compile(r"^[A-Z][A-Za-z'’\-]*\.?,?$|^[a-z][a-z'’\-]*,?$")


def looks_like_scribble(toks: Sequence[Tok], printed: bool = False) -> bool:
    """Whether Latin "name" tokens are rather the OCR of a handwritten scribble: read
    unsurely, holding signs no name holds, or one fragment of a letter or two. ``printed``:
    set beside their label in its own type size, so low confidence alone proves nothing
    (a held-out font read at 0.44)."""
    latin = [t for t in toks if not t.cjk]
    if not latin:
        return False
    if not printed and _mean_conf(latin) < SCRIBBLE_MAX_CONFIDENCE:
        return True
    if any(not _NAME_WORD.match(t.text) for t in latin if not PERSON_TITLES.match(t.text)):
        return True
    letters = sum(ch.isalpha() for t in latin for ch in t.text)
    return letters < 3


def parse_person(toks: list[Tok], printed: bool = False) -> tuple[str, list[Tok]] | None:
    """A person's name: a few capitalised words (or CJK characters), honorifics dropped;
    ``printed``: see :func:`looks_like_scribble`."""
    taken: list[Tok] = []
    for tok in toks:
        text = tok.text
        if tok.cjk:
            if tok.text in "（(，,：:":
                break
            if taken and tok.x0 - taken[-1].x1 > 1.2 * max(tok.height, 1.0):
                break  # a gap ends a Chinese name
            taken.append(tok)
            if len(taken) > 5:
                return None  # a run of characters longer than a name: prose, not a name
            continue
        low = tok.key
        if not taken and PERSON_TITLES.match(text.rstrip(",")):
            continue
        if text.startswith(("(", "[", "“", '"')) or low in _NAME_BREAK_WORDS:
            break
        if any(ch.isdigit() for ch in text):
            break
        if not text[0].isupper() and not taken:
            return None
        if not text[0].isupper() and text[0].isalpha():
            # OCR lowers a capital now and then ("Xu jing"): one short word may follow
            if len(taken) == 1 and len(text) <= 8 and text.isalpha() and low not in _PROSE_WORDS:
                taken.append(tok)
                continue
            break
        taken.append(tok)
        if text.endswith((",", ";", ".")) and not re.match(r"^[A-Z]\.$", text):
            break
        if len(taken) >= 5:
            break
    value = norm.clean_name(join_toks(taken))
    if not value or not re.search(r"[A-Za-z\u3400-\u9fff]", value) or len(value) < 2:
        return None
    if taken and not taken[0].cjk:
        dates = norm.find_dates(join_toks(toks[: len(taken) + 3]))
        if dates and dates[0][0] < len(value):
            return None  # "November 9, 2013" under a caption read as a name's: a date
    if looks_like_scribble(taken, printed):
        return None  # a signature read as letters ("PWN /", "Wary wl"): not a printed name
    if any(tok.key in ROLE_WORDS for tok in taken):
        return None  # "Party A", "Tenant": a role where a name should be
    if taken and not taken[0].cjk and ORG_MARKERS.search(value):
        return None  # "Photo Studio" (a caption whose value OCR lost): a body, not a person
    if taken and taken[0].cjk:
        value = re.sub(r"(同学|同志|先生|女士|老师)$", "", value)
        if _holds_cjk_label(value) or ORG_MARKERS.search(value) or len(value) < 2:
            return None  # "签章", "乙方", "照相馆": a caption or a body where a name should be
    return value, taken


_LEGAL_SUFFIX = re.compile(
    r"^(.*?\b(?:Limited\s+Liability\s+(?:Company|Partnership)|Co\.,?\s*Ltd|Ltd|Limited"
    r"|Inc|LLC|Corp|Corporation|GmbH|PLC|LLP)\b\.?)",
    re.IGNORECASE,
)


def clean_org(text: str | None) -> str | None:
    """An organisation's name: ends at its legal form ("... Co., Ltd."), "Ltd.." read as "Ltd."."""
    value = norm.clean_name(text)
    if not value:
        return None
    if norm.is_chinese(value):
        value = norm.trim_cjk_lead(value, minimum=4)  # "本合同由北京市…公司", "我校…大学"
    value = re.sub(r"\.{2,}", ".", value)
    match = _LEGAL_SUFFIX.match(value)
    if match:
        value = match.group(1)
    value = value.strip(" ,;:")
    if value.endswith(".") and not re.search(r"\b(Ltd|Co|Inc|Corp|Bros|Pte)\.$", value):
        value = value[:-1]  # "... Company Limited." ends a sentence
    return value or None


def parse_org(toks: list[Tok]) -> tuple[str, list[Tok]] | None:
    """An organisation's name as printed (commas allowed: "Co., Ltd.")."""
    if toks and not toks[0].cjk and toks[0].text[:1].islower():
        return None  # "by our unit, ...": a sentence, not a name
    taken: list[Tok] = []
    for index, tok in enumerate(toks):
        text = tok.text
        if text.startswith("(") and taken:
            rest = text.lower()
            if any(w in rest for w in ("hereinafter", "the", "party")):
                break
        if taken and tok.key in {"hereinafter", "whose", "located", "address", "with", "tel"}:
            break
        taken.append(tok)
        if len(taken) >= (40 if tok.cjk else 14):
            break
        if text.endswith(("Ltd.", "Ltd", "Limited", "Inc.", "LLC")) and not tok.cjk:
            following = toks[index + 1].key if index + 1 < len(toks) else ""
            if not (text.endswith("Limited") and following == "liability"):
                break  # "... Limited Liability Company" goes on
    value = clean_org(join_toks(taken))
    if not value or len(value) < 2 or not re.search(r"[A-Za-z\u3400-\u9fff]", value):
        return None
    if re.search(r"\d{2,4}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{1,4}", value):
        return None  # a date ("Dated 2026/11/18" misread): no organisation's name
    if re.fullmatch(r"(?i)(co\.?,?\s*)?(ltd|limited|inc|llc|company limited)\.?", value):
        return None  # the tail of a name wrapped from the line above
    if re.fullmatch(r"[（(]?(?:股份|责任)?有限(?:责任)?公司|公司|集团", value):
        return None  # "有限公司" alone: a seal's fragment or a wrapped tail, not a name
    return value, taken


def parse_address(toks: list[Tok]) -> tuple[str, list[Tok]] | None:
    value = norm.clean_address(join_toks(toks))
    if not value or len(value) < 5:
        return None
    if not ADDRESS_MARKERS.search(value) and not re.search(r"\d", value):
        return None
    return value, toks


def parse_kind(
    kind: str, toks: list[Tok], printed: bool = False
) -> tuple[Any, list[Tok], float] | None:
    """Parse tokens as a value of ``kind``: (value, tokens used, kind confidence) or None;
    ``printed``: see :func:`looks_like_scribble`."""
    if not toks:
        return None
    text = join_toks(toks)
    if kind == "party":
        kind = "org" if ORG_MARKERS.search(text) else "person"
    if kind == "person":
        parsed = parse_person(toks, printed)
        return (parsed[0], parsed[1], 1.0) if parsed else None
    if kind == "org":
        parsed = parse_org(toks)
        return (parsed[0], parsed[1], 1.0) if parsed else None
    if kind == "address":
        parsed = parse_address(toks)
        return (parsed[0], parsed[1], 1.0) if parsed else None
    if kind == "date":
        found = norm.find_dates(text)
        if not found:
            spaced = _spaced_date(text)
            return (spaced, toks, 0.9) if spaced else None
        return found[0][2], _toks_for_span(toks, found[0][0], found[0][1]), 1.0
    if kind == "validity":
        value = norm.parse_validity_end(text)
        return (value, toks, 1.0) if value else None
    if kind in ("id_number", "credit_code"):
        return _parse_code(kind, toks)
    if kind == "money":
        value = norm.parse_money(text, allow_bare=True)
        return (value, toks, 1.0) if value is not None else None
    if kind == "gender":
        value = norm.normalize_gender(toks[0].text) or norm.normalize_gender(text)
        return (value, toks[:1], 1.0) if value else None
    if kind == "number":
        return _parse_number(toks)
    if kind == "ref":
        return _parse_ref(toks)
    if kind == "text":
        value = norm.collapse(text).strip(" :;,.")
        return (value, toks, 1.0) if value else None
    raise ValueError(f"unknown value kind {kind!r}")


def _spaced_date(text: str) -> str | None:
    """``1990 3 7`` as printed on ID cards (year month day in separate boxes)."""
    match = re.search(r"(?<!\d)((?:19|20)\d{2})\s+(\d{1,2})\s+(\d{1,2})(?!\d)", text)
    if not match:
        return None
    return norm.parse_date(f"{match.group(1)}-{match.group(2)}-{match.group(3)}")


def _toks_for_span(toks: list[Tok], start: int, end: int) -> list[Tok]:
    out, position = [], 0
    for index, tok in enumerate(toks):
        if index:
            position += 1
        tok_start, position = position, position + len(tok.text)
        if tok_start < end and position > start:
            out.append(tok)
    return out or toks


def _parse_code(kind: str, toks: list[Tok]) -> tuple[str, list[Tok], float] | None:
    # codes may be split into groups by OCR: try growing runs of tokens
    best: tuple[str, list[Tok], float] | None = None
    for start in range(min(len(toks), 4)):
        joined = ""
        for end in range(start, min(len(toks), start + 5)):
            if toks[end].cjk:
                break  # a code has no Chinese characters ("期限2016032120260321" is none)
            joined += codes.clean_code(toks[end].text)
            if len(joined) > 19:
                break
            if len(joined) == 19:
                reading = codes.read_code(joined, kind)  # type: ignore[arg-type]
                if reading.valid:
                    best = (reading.value, toks[start : end + 1], 0.8)
                elif kind == "credit_code" and best is None:
                    printed = _credit_code_with_doubled_glyph(joined)
                    if printed is not None:
                        best = (printed, toks[start : end + 1], 0.6)
                break
            if len(joined) == 18:
                looks = (
                    codes.looks_like_id_number(joined)
                    if kind == "id_number"
                    else codes.looks_like_credit_code(joined)
                )
                if not looks:
                    break
                reading = codes.read_code(joined, kind)  # type: ignore[arg-type]
                quality = 1.0 if reading.valid and not reading.repaired else 0.85
                if not reading.valid:
                    quality = 0.6
                candidate = (reading.value, toks[start : end + 1], quality)
                if best is None or candidate[2] > best[2]:
                    best = candidate
                break
    return best


def _credit_code_with_doubled_glyph(value: str) -> str | None:
    """A 19-character credit code whose one extra glyph OCR doubled ("YGO02" for "YG02"),
    when no drop makes it valid (its check character is wrong: ``invalid_code``): the one
    18-character code that the drops give once the letters a code never holds (I, O, S, Z)
    are read as the digits they stand for. None when the drops give several codes."""
    drops = {
        "".join(codes._CREDIT_IMPOSSIBLE.get(ch, ch) for ch in value[:cut] + value[cut + 1 :])
        for index in range(len(value) - 1)
        if value[index] == value[index + 1]
        or value[index + 1] in codes._SWAPS.get(value[index], ())
        for cut in (index, index + 1)
    }
    drops = {code for code in drops if codes.looks_like_credit_code(code)}
    return drops.pop() if len(drops) == 1 else None


_REF_EDGE_STROKES = re.compile(r"^[-–—_~|'\"`]+\s*|\s*[-–—_~|'\"`]+$")


def _parse_ref(toks: list[Tok]) -> tuple[str, list[Tok], float] | None:
    """A reference as printed (certificate, receipt number): several digits, not a date."""
    text = norm.collapse(join_toks(toks)).strip(" :;,.")
    # a rule, a dash or a stray stroke read into the reference's first or last word
    # ("—_BJ5351203405", seed 7802): no reference begins or ends with one
    text = _REF_EDGE_STROKES.sub("", text)
    # "No. 2015...", "Serial No. 2015...": the rest of a label before the number
    text = re.sub(r"^(?:[A-Za-z]+\.?\s+){0,2}?(No\.?|Number|#)\s*(?=\S*\d)", "", text, flags=re.I)
    if sum(ch.isdigit() for ch in text) < 4 or norm.find_dates(text):
        return None
    if len(text) > 40:
        return None
    return text, toks, 1.0


def _parse_number(toks: list[Tok]) -> tuple[str, list[Tok], float] | None:
    """A reference number (receipt, certificate, student number): first token run with digits."""
    taken: list[Tok] = []
    for tok in toks:
        text = tok.text.strip(" :;,")
        if not text:
            continue
        has_digit = any(ch.isdigit() for ch in text)
        if not taken and not has_digit and not re.match(r"^[A-Za-z]{1,4}[-/]?$|^No\.?$", text):
            if len(taken) == 0 and tok.key in {"no", "number"}:
                continue
            return None
        if taken and not has_digit and not re.match(r"^[A-Z0-9-]+$", text):
            break
        if tok.key in {"no", "number"} and not has_digit:
            continue
        taken.append(tok)
        if len(taken) >= 4:
            break
    value = "".join(t.text for t in taken)
    value = re.sub(r"^(No\.?|#)", "", value).strip(" :;,.")
    if not value or not any(ch.isdigit() for ch in value):
        return None
    return value, taken, 1.0


# ----------------------------------------------------------------------------- field finder


@dataclass
class FieldSpec:
    name: str
    kind: str
    label_key: str | None = None  # key in the labels file, when not the field name
    multiline: bool = False


@dataclass
class Extraction:
    fields: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, FieldEvidence] = field(default_factory=dict)
    values: dict[str, Value] = field(default_factory=dict)  # with their tokens, for modules

    def put(self, name: str, value: Value | None, overwrite: bool = False) -> None:
        if value is None or value.value in (None, ""):
            return
        if self.fields.get(name) is not None and not overwrite:
            return
        self.fields[name] = value.value
        self.evidence[name] = value.evidence()
        self.values[name] = value


class FieldReader:
    """Reads a document type's fields from a layout using that type's label vocabulary."""

    def __init__(self, layout: Layout, language: str, doc_type: str) -> None:
        self.layout = layout
        self.language = language
        self.vocab = type_labels(language, doc_type)
        self.field_labels: dict[str, list[str]] = {
            name: list(labels or []) for name, labels in (self.vocab.get("fields") or {}).items()
        }
        stops = set(load_labels(language).get("stop_labels") or [])
        for labels in self.field_labels.values():
            stops.update(labels)
        self.stop_keys = {text_key(s) for s in stops if text_key(s)}
        # any type's label ends a value too (a grid's next cell: "... Co., Ltd | Transferee",
        # "...有限公司统一社会信用代码..."), when specific enough not to be a word of a value
        self.stop_keys |= {
            key
            for key in all_label_keys(language)
            if len(key) >= OTHER_LABEL_MIN_KEY or (_CJK.match(key) and len(key) >= 4)
        }

    def labels_for(self, key: str) -> list[str]:
        return self.field_labels.get(key, [])

    def label_matches(self, key: str) -> list[Match]:
        """Matches of a field's labels that no sibling field's label matches better.

        All the type's labels compete for the same words, so that "Employee Name"
        is not read as a fuzzy "Employer Name".
        """
        wanted = {text_key(label) for label in self.labels_for(key)}
        every = [label for labels in self.field_labels.values() for label in labels]
        return [m for m in self.layout.find(every) if text_key(m.phrase) in wanted]

    def read(self, spec: FieldSpec, prefer: str = "first") -> Value | None:
        """Best value of a field next to or under any of its labels."""
        candidates: list[tuple[float, int, Value]] = []
        for order, match in enumerate(self.label_matches(spec.label_key or spec.name)):
            if not is_label_like(match):
                continue  # a mention in prose ("the Tenant shall pay") is not a label
            if part_of_longer_label(match, self.language):
                continue  # "Date" of "Date of Birth" is not the issue date's label
            if is_signature_line(match):
                continue  # "Landlord (Signature):" marks where to sign, not a name
            value = self.value_at(match, spec)
            if value is None:
                continue
            if value.below and (
                any(_SIGNATURE.search(t.text) for t in self.layout.rows[match.row].toks)
                or (
                    any(t.cjk for t in match.toks)
                    and _SIGNATURE.search(self.layout.rows[match.row].text)
                )
            ):
                continue  # under a row of signature captions is a signature
            # a label followed by a colon, or standing first on its row, is a real label
            # (a colon is enough; with equal quality the earliest label wins: a document names
            # its parties at the top and asks them to sign at the bottom)
            label_quality = match.score / 100
            if match.colon:
                label_quality += 0.3
            elif match.start == 0 or _gap_before(match) > 1.5 * self.layout.rows[match.row].height:
                label_quality += 0.3  # a row-opening label (tables, forms) is as good as a colon
            # specific labels beat generic ones ("to", "no", "name"); a value beside its label
            # beats one under it; a legible value beats a scribble
            if len(text_key(match.phrase)) >= 6:
                label_quality += 0.05
            if value.below:
                label_quality -= 0.1
            label_quality += 0.2 * value.confidence
            value.confidence *= min(1.0, 0.55 + 0.45 * match.score / 100)
            rank = order if prefer == "first" else -order
            candidates.append((label_quality, -rank, value))
        if not candidates:
            return None
        candidates.sort(key=lambda c: (c[0], c[1]), reverse=True)
        return candidates[0][2]

    def _value_beside_label_head(self, match: Match) -> list[Tok]:
        """A label wrapped in its cell ("Property" over "Address"): the row above, whose first
        run joined with the label is a known label, holds the value's first line beside it."""
        if match.start != 0 or match.row == 0:
            return []
        row = self.layout.rows[match.row]
        upper = self.layout.rows[match.row - 1]
        if upper.page != row.page or row.y0 - upper.y1 > 1.0 * row.height:
            return []
        toks = upper.toks
        if not toks or abs(toks[0].x0 - match.x0) > 1.0 * row.height:
            return []
        head = _until_gap(toks, upper.height)
        if len(head) >= len(toks) or len(head) > 3:
            return []
        key = "".join(t.key for t in head) + "".join(t.key for t in match.toks)
        if key not in all_label_keys(self.language) or text_key(match.phrase) == key:
            return []
        rest = toks[len(head) :]
        right = self.layout.right_of(match, self.stop_keys)
        if not right or abs(rest[0].x0 - right[0].x0) > 1.5 * row.height:
            return []
        return _until_gap(rest, upper.height)

    def _caption_row(self, match: Match, right: list[Tok]) -> bool:
        """Whether the label heads a column: no colon, its neighbour stands apart, and the
        row under it is set in clearly bigger type (a form's caption over its value)."""
        row = self.layout.rows[match.row]
        if match.colon or right[0].x0 - match.x1 <= VALUE_GAP_FACTOR * row.height:
            return False
        neighbour = _until_gap(right, row.height)
        if len(neighbour) > 5 or not all(_label_word(t) for t in neighbour):
            return False  # beside it is a value, not another caption
        if any(ch.isdigit() for t in neighbour for ch in t.text):
            return False
        if not (self._label_heads(neighbour) or starts_with_any_label(neighbour)):
            return False  # "Holder     Peng Na": a name beside its label, not a caption
        if match.row + 1 >= len(self.layout.rows):
            return False
        under = self.layout.rows[match.row + 1]
        return (
            under.page == row.page
            and under.height >= 1.15 * row.height
            and under.y0 - row.y1 < 1.5 * row.height
        )

    # ---------------------------------------------------- labels never seen before

    def cue_words(self, key: str) -> set[str]:
        """Words that name this field and no sibling ("lessee" of "Name of Lessee"), taken
        from the field's known labels, so that an unseen label built on them still reads."""
        mine = {w for label in self.labels_for(key) for w in _label_words(label)}
        others = {
            w
            for name, labels in self.field_labels.items()
            if name != key
            for label in labels
            for w in _label_words(label)
        }
        return {w for w in mine - others - _GENERIC_LABEL_WORDS if len(w) >= 2}

    def cue_matches(self, key: str) -> list[Match]:
        """Short label-like runs (opening a row or a cell, at most five words, no digits)
        holding one of the field's cue words: "Renting Party (Party B)", "Lease Ends"."""
        cues = self.cue_words(key)
        if not cues:
            return []
        found: list[Match] = []
        for row_index, row in enumerate(self.layout.rows):
            breaks = frozenset(
                i for i in range(1, len(row.toks)) if self.layout.opens_column(row_index, i)
            )
            for start, end in _label_runs(row, breaks):
                toks = row.toks[start:end]
                if toks[0].cjk or not all(_label_word(t) for t in toks):
                    continue  # "We confirm that ...": a sentence, not a label
                if any(ch.isdigit() for t in toks for ch in t.text):
                    continue
                if ORG_MARKERS.search(join_toks(toks)):
                    continue  # "Guangzhou Mingde University": a name, not a label
                if not self._stands_as_label(row_index, start, end):
                    continue
                if key in self._label_heads(toks):
                    phrase = join_toks(toks)
                    found.append(Match(phrase, 85.0, row_index, start, end, self.layout))
        return found

    def _stands_as_label(self, row_index: int, start: int, end: int) -> bool:
        """A run is set as a label: a colon ends it, a value stands apart to its right, or
        it is a caption over a value in bigger type."""
        row = self.layout.rows[row_index]
        toks = row.toks
        if toks[end - 1].colon:
            return True
        if end < len(toks):
            after = toks[end:]
            if not all(_label_word(t) for t in after[:5]) or any(
                ch.isdigit() for t in after for ch in t.text
            ):
                return True  # "Lease Ends     2028-01-23"
        if row_index + 1 >= len(self.layout.rows):
            return False
        under = self.layout.rows[row_index + 1]
        return (
            under.page == row.page
            and under.height >= 1.15 * row.height
            and under.y0 - row.y1 < 1.5 * row.height
        )

    def _label_heads(self, toks: list[Tok]) -> set[str]:
        """The field(s) an unseen label names, by its head word: the word before "of"
        ("Address of Rented House", "Owner of the Premises"), else the last word that is a
        cue ("Lessee's ID Card No.", "Tenancy Ends"); a head shared by fields names both."""
        cues = {name: self.cue_words(name) for name in self.field_labels}
        keys = [t.key for t in toks]
        groups = [keys]
        if "of" in keys:
            cut = keys.index("of")
            groups = [keys[:cut], keys[cut + 1 :]]
        for group in groups:
            for word in reversed(group):
                for loose in (False, True):
                    owners = {name for name, words in cues.items() if _cue_hit(word, words, loose)}
                    if owners:
                        return owners
        return set()

    def read_by_cue(self, spec: FieldSpec, avoid: str | None = None) -> Value | None:
        """The value beside or under an unseen label that holds one of the field's cue
        words; read less surely than under a known label. Values that do not parse as the
        field's kind (a name under "Lessee's ID Card No.") are passed over, and so are
        labels holding a cue word of the field ``avoid`` ("Landlord's ID Card No.")."""
        avoided = self.cue_words(avoid) if avoid else set()
        for match in self.cue_matches(spec.label_key or spec.name):
            if is_signature_line(match):
                continue
            if any(_cue_hit(t.key, avoided) for t in match.toks):
                continue
            value = self.value_at(match, spec)
            if value is None:
                continue
            if value.below and any(
                _SIGNATURE.search(t.text) for t in self.layout.rows[match.row].toks
            ):
                continue
            if spec.kind in ("person", "party", "org") and self._label_heads(value.toks):
                continue  # another caption ("Registered Proprietor"), not a name
            if spec.kind == "person" and ORG_MARKERS.search(str(value.value)):
                continue  # "Photo Studio ...": an organisation where a person is wanted
            if spec.kind == "org" and not ORG_MARKERS.search(str(value.value)):
                continue  # under an unseen label, only an evident organisation name
            if value.below and value.toks:
                label_height = self.layout.rows[match.row].height
                if self.layout.rows[self.layout.row_of(value.toks[0])].height > 1.8 * label_height:
                    continue  # a scribble under a signature caption, far bigger than type
            value.confidence *= 0.8
            return value
        return None

    def value_at(self, match: Match, spec: FieldSpec) -> Value | None:
        match = _through_colon(match)
        right = self.layout.right_of(match, self.stop_keys)
        row_height = self.layout.rows[match.row].height
        if (
            right
            and right[0].x0 - match.x1 > VALUE_GAP_FACTOR * row_height
            and starts_with_label(right, self.language)
        ):
            right = []  # "Landlord      Tenant" headings: the values are below
        attempts: list[list[Tok]] = []
        caption_value: list[Tok] = []
        if right and self._caption_row(match, right):
            # a row of small captions over the values ("Letting Party (Party A)    Tenant's
            # ID No." above "He Xiuying    1101..."): the value is under the whole caption
            caption_value = self.layout.below(_whole_run(match), self.stop_keys)
            if caption_value:
                attempts.append(caption_value)
        if right:
            attempts.append(right)
        # only a label that opens its row (or has a colon) may have its value below: "Beijing
        # Normal University" is a name ending in a label word, not a label over the next row
        starts_cell = _gap_before(match) > VALUE_GAP_FACTOR * row_height
        below: list[Tok] = []
        if not right and (match.start == 0 or match.colon or starts_cell or caption_alone(match)):
            below = self.layout.below(
                _whole_run(match) if caption_alone(match) else match, self.stop_keys
            )
            if below:
                attempts.append(below)
        if right:
            beyond = self.layout.after_gap(match.row, right[-1], self.stop_keys)
            if beyond:
                attempts.append(right + beyond)  # "Business Term Until    Permanent"
        above = self._value_beside_label_head(match) if right else []
        for toks in attempts:
            if above and toks is right:
                # "Property   479 Xingfu … Zhongshan" over "Address   District, Dalian"
                toks = above + toks
            if spec.multiline and toks is right:
                toks = toks + self.layout.continuation(match.row, toks, self.stop_keys)
            elif spec.multiline and (toks is caption_value or toks is below):
                toks = toks + self.layout.continuation(
                    self.layout.row_of(toks[-1]), toks, self.stop_keys, margin_ok=False
                )
            elif toks is right and spec.kind in ("org", "party"):
                # a name wrapped in its value column: "Beijing Boyuan Property / Management ...";
                # a party is a company when its name goes on to a kind of body ("Xi'an Mingde
                # Network / Technology Company Limited" in a grid of two pairs a row)
                more = self.layout.continuation(
                    match.row, toks, self.stop_keys, margin_ok=False, max_rows=1
                )
                if (
                    spec.kind == "org"
                    or ORG_MARKERS.search(join_toks(toks))
                    or (more and _LEGAL_END.search(join_toks(more)))
                ):
                    toks = toks + more
            # beside its label and no taller than the label's type: printed, not signed
            label_height = max(t.height for t in match.toks)
            printed = toks is right and all(t.height <= 1.3 * label_height for t in toks)
            parsed = parse_kind(spec.kind, toks, printed)
            if parsed is None:
                continue
            value, used, quality = parsed
            return Value(value, used, quality * _mean_conf(used), below=toks is not right)
        return None


#: Words of labels that say nothing about which field they label.
_GENERIC_LABEL_WORDS = frozenset(
    [
        "name",
        "names",
        "of",
        "the",
        "a",
        "an",
        "and",
        "or",
        "no",
        "number",
        "num",
        "date",
        "dated",
        "full",
        "party",
        "b",
        "by",
        "to",
        "from",
        "at",
        "in",
        "on",
        "for",
        "with",
        "is",
        "id",
        "s",
    ]
)


def _label_words(label: str) -> list[str]:
    return [text_key(word) for word in re.split(r"[\s/()]+", label) if text_key(word)]


def _shared_prefix(left: str, right: str) -> int:
    count = 0
    for a, b in zip(left, right, strict=False):
        if a != b:
            break
        count += 1
    return count


def _cue_hit(key: str, cues: set[str], loose: bool = False) -> bool:
    """A word that is a cue or inflects one ("lessee's", "ends"); ``loose``: or shares a
    long stem with one ("begins" of "beginning"), asked only when no field has the word
    itself ("employee" is not "employer")."""
    if key in cues:
        return True
    for cue in cues:
        shared = _shared_prefix(key, cue)
        if shared == len(cue) >= 3 and len(key) - len(cue) <= 2:
            return True
        if loose and shared >= 5 and shared >= min(len(key), len(cue)) - 3:
            return True
    return False


def _label_runs(row: Row, breaks: frozenset[int] = frozenset()) -> list[tuple[int, int]]:
    """Runs of one to five tokens that may be labels: a row (or a cell of it, after a wide
    gap) up to its first colon, wide gap or value column (``breaks``: token indexes)."""
    runs: list[tuple[int, int]] = []
    toks = row.toks
    gap = VALUE_GAP_FACTOR * row.height
    start = 0
    while start < len(toks):
        end = start
        while end < len(toks):
            end += 1
            if toks[end - 1].colon or (
                end < len(toks) and (toks[end].x0 - toks[end - 1].x1 > gap or end in breaks)
            ):
                break
        if end - start <= 5:
            runs.append((start, end))
        # the next cell starts after the next wide gap
        start = end
        while start < len(toks) and toks[start].x0 - toks[start - 1].x1 <= gap:
            start += 1
    return runs


_LABEL_FUNCTION_WORDS = frozenset(
    ["of", "the", "this", "and", "for", "to", "in", "on", "by", "per"]
)


def _label_word(tok: Tok) -> bool:
    """Labels are set in capitalised words, bracketed remarks and a few function words."""
    return tok.text[:1].isupper() or tok.text[:1] in "([" or tok.key in _LABEL_FUNCTION_WORDS


def _whole_run(match: Match) -> Match:
    """The match widened to the start of its run of words ("Letting Party (Party A)" for
    "Party A"): the caption's column starts where the caption does."""
    toks = match.layout.rows[match.row].toks
    height = match.layout.rows[match.row].height
    start = match.start
    while (
        start > 0
        and not toks[start - 1].colon
        and toks[start].x0 - toks[start - 1].x1 <= VALUE_GAP_FACTOR * height
    ):
        start -= 1
    return Match(match.phrase, match.score, match.row, start, match.end, match.layout)


def _through_colon(match: Match) -> Match:
    """A known label that goes on to a colon a word or two later ("Employee Full Name:",
    "Address of Property Sold:") is that whole label: its value starts after the colon."""
    if match.colon:
        return match
    toks = match.layout.rows[match.row].toks
    height = match.layout.rows[match.row].height
    for end in range(match.end, min(len(toks), match.end + 3)):
        if toks[end].x0 - toks[end - 1].x1 > VALUE_GAP_FACTOR * height:
            return match
        if any(ch.isdigit() for ch in toks[end].text):
            return match
        if toks[end].colon:
            return Match(match.phrase, match.score, match.row, match.start, end + 1, match.layout)
    return match


@lru_cache(maxsize=8)
def all_label_keys(language: str) -> frozenset[str]:
    vocab = load_labels(language)
    keys = {text_key(s) for s in vocab.get("stop_labels") or []}
    for entry in vocab["types"].values():
        for labels in (entry.get("fields") or {}).values():
            keys.update(text_key(label) for label in labels or [])
    return frozenset(k for k in keys if k)


def part_of_longer_label(match: Match, language: str) -> bool:
    """Is the match the start of a longer known label (without a colon in between)?"""
    if match.colon:
        return False
    toks = match.layout.rows[match.row].toks
    key = "".join(t.key for t in match.toks)
    keys = all_label_keys(language)
    for end in range(match.end, min(len(toks), match.end + 3)):
        if toks[end].x0 - toks[end - 1].x1 > VALUE_GAP_FACTOR * toks[end].height:
            return False
        key += toks[end].key
        if key in keys:
            return True
        if toks[end].colon:
            return False
    return False


_SIGNATURE = re.compile(r"signature|signed|sign|seal|stamp|签字|签名|盖章|签章", re.IGNORECASE)


def is_signature_line(match: Match) -> bool:
    """ "Landlord (Signature):", "Party A (Sign here): Lessee:": where to sign, not who."""
    toks = match.layout.rows[match.row].toks
    near = toks[: match.end + 1]
    if any(t.cjk for t in match.toks):
        # "单位名称（签字（盖章））：": the caption's characters are tokens of their own
        return bool(_SIGNATURE.search(join_toks(toks[: match.end + 6])))
    return any(_SIGNATURE.search(t.text) for t in near)


def starts_with_any_label(toks: list[Tok]) -> bool:
    """Does the row open with a known label, colon or not ("Citizen Identity Number ...")?"""
    keys = _every_label_key()
    key = ""
    for tok in toks[:8]:
        key += tok.key
        if (len(key) >= 4 or (tok.cjk and len(key) >= 2)) and key in keys:
            return True
    return False


@lru_cache(maxsize=1)
def _every_label_key() -> frozenset[str]:
    keys: set[str] = set()
    for path in LABELS_DIR.glob("*.yaml"):
        keys.update(all_label_keys(path.stem))
    return frozenset(keys)


def starts_with_label(toks: list[Tok], language: str) -> bool:
    """Is this "value" only another label (a heading row like "Landlord      Tenant")?"""
    keys = all_label_keys(language)
    key = ""
    for index, tok in enumerate(toks[:4]):
        key += tok.key
        if key in keys and len(key) >= 4:
            rest = toks[index + 1 :]
            if tok.colon or not rest or all(_SIGNATURE.search(t.text) for t in rest):
                return True
    return False


def is_label_like(match: Match) -> bool:
    """Followed by a colon, first on its row, or set apart by a wide gap: how labels look."""
    toks = match.layout.rows[match.row].toks
    height = match.layout.rows[match.row].height
    if match.colon:
        previous = toks[match.start - 1] if match.start else None
        name_tail = (
            previous is not None
            and match.end >= len(toks)
            and not previous.colon
            and previous.text[:1].isupper()
            and match.toks[0].x0 - previous.x1 < 1.0 * height
        )
        # "Beijing Tianyu Vocational College:" above a seal ends a name, it labels nothing
        return not name_tail
    following = toks[match.end] if match.end < len(toks) else None
    if following is None and match.start > 0 and caption_alone(match):
        return True
    if (
        following is not None
        and following.text[:1].islower()
        and following.x0 - toks[match.end - 1].x1 < VALUE_GAP_FACTOR * height
    ):
        return False  # the label word goes on as a sentence: prose, not a label
    last = toks[match.end - 1]
    if last.cjk and following is not None and following.cjk:
        # Chinese prose runs on without spaces ("乙方应于每月..."): a label needs a colon, a
        # gap before its value, or to open a short row ("姓名张三性别男" from a text layer)
        if following.x0 - last.x1 > 0.6 * height:
            return True
        # or to open a cell: "… 2027-09-19      租金（月） ￥5500.00" (a grid's second column)
        return match.start == 0 or _gap_before(match) > 1.5 * height
    if match.start == 0 or _gap_before(match) > 1.5 * height:
        return True
    if match.toks[0].cjk and last.cjk and _gap_before(match) > 0.8 * height:
        return True  # Chinese runs without spaces: any clear gap before the label opens a cell
    # "Resident ID No. 3101...": a qualifier or two before a label whose value is a number;
    # "Title Holder      Wei Jing": or whose value stands apart in its own column
    before = toks[: match.start]
    if not (
        len(before) <= 2
        and all(t.text[:1].isupper() and not t.colon for t in before)
        and following is not None
    ):
        return False
    in_own_column = following.x0 - last.x1 > VALUE_GAP_FACTOR * height or (
        match.layout.opens_column(match.row, match.end)
    )
    return in_own_column or any(ch.isdigit() for ch in following.text)


def caption_alone(match: Match) -> bool:
    """A caption that fills its row, set over its value ("TITLE HOLDER" over "Lai Jun"): the
    label and at most two words before it that are words of known labels too ("Title"), so
    that a name ending in a label word ("Shenzhen University") is not taken for one; in type
    no bigger than the row under it (a title is)."""
    rows = match.layout.rows
    toks = rows[match.row].toks
    if match.end < len(toks) or match.start > 2 or match.colon:
        return False
    under = rows[match.row + 1] if match.row + 1 < len(rows) else None
    if under is None or under.page != rows[match.row].page:
        return False
    if rows[match.row].height > 1.15 * under.height:
        return False  # a title's second line ("... Purchase of / Residential Property")
    words = _label_word_keys()
    return all(
        t.key in words and _label_word(t) and not any(ch.isdigit() for ch in t.text)
        for t in toks[: match.start]
    )


@lru_cache(maxsize=1)
def _label_word_keys() -> frozenset[str]:
    """Single words of every known label ("title" of "title number")."""
    return frozenset(
        text_key(word)
        for path in LABELS_DIR.glob("*.yaml")
        for label in _all_labels(path.stem)
        for word in label.split()
        if text_key(word)
    )


def _gap_before(match: Match) -> float:
    if match.start == 0:
        return 1e9
    toks = match.layout.rows[match.row].toks
    return toks[match.start].x0 - toks[match.start - 1].x1


# ----------------------------------------------------------------------------- document text


def _cjk_prose_wraps(row: Row, following: Row) -> bool:
    """A Chinese sentence running on to the next line: the row reaches the right margin,
    ends in a character (not a full stop or a colon) and the next row goes on in characters."""
    if not row.toks or not following.toks or following.page != row.page:
        return False
    last, first = row.toks[-1], following.toks[0]
    if not (last.cjk and first.cjk) or last.text[-1:] in "。！？；：:，,":
        return False
    if following.y0 - row.y1 > 1.0 * row.height:
        return False
    return last.x1 > 0.7 * row.page_width and first.x0 <= row.toks[0].x0 + 1.5 * row.height


class DocText:
    """The layout as one string, with a map back to tokens, for regexes over prose."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        parts: list[str] = []
        self.spans: list[tuple[int, int, Tok]] = []
        position = 0
        rows = layout.rows
        for number, row in enumerate(rows):
            for index, tok in enumerate(row.toks):
                if index and needs_space(row.toks[index - 1], tok):
                    parts.append(" ")
                    position += 1
                parts.append(tok.text)
                self.spans.append((position, position + len(tok.text), tok))
                position += len(tok.text)
            following = rows[number + 1] if number + 1 < len(rows) else None
            if following is not None and _cjk_prose_wraps(row, following):
                continue  # "…在郑州襄樊地球村信息" / "有限公司工作": one sentence, no break
            parts.append("\n")
            position += 1
        self.text = "".join(parts)

    def toks(self, start: int, end: int) -> list[Tok]:
        return [tok for s, e, tok in self.spans if s < end and e > start]

    def value(self, start: int, end: int, value: Any, quality: float = 0.8) -> Value:
        toks = self.toks(start, end)
        return Value(value, toks, quality * _mean_conf(toks))


PERSON_RE = (
    # (a period only after an initial: "Robert Espinoza.\nParty B" is a sentence's end)
    r"((?:(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+)?[A-Z][A-Za-z'’\-]+"
    r"(?:[ \t\n]+(?:[A-Z]\.|[A-Z][A-Za-z'’\-]*)){0,3}"
    # a Chinese name: two to four characters before a title, a particle or punctuation
    r"|[\u4e00-\u9fff·]{2,4}?(?=同志|同学|先生|女士|系|是|为|在|于|，|,|（|\(|\s|身份证|$))"
)
ORG_RE = (
    r"((?:No\.[ \t]*)?[A-Z0-9][\w&'’\-]*"
    # a name wraps at any space, after a linking word too ("Institute of / Foreign Studies")
    r"(?:[ \t\n]+(?:(?:of|and|&|for|the)[ \t\n]+)?[A-Z0-9(][\w&'’\-().]*){0,11}"
    r"(?:,?[ \t\n]+(?:Co\.?,?[ \t]*Ltd\.?|Ltd\.?|Limited|Inc\.?|LLC))?"
    # a Chinese organisation: characters up to its legal form or kind of body
    r"|[\u4e00-\u9fff（）()〈〉]{2,40}?(?:有限责任公司|股份有限公司|有限公司|公司|集团|大学|学院|学校"
    r"|中学|小学|医院|研究所|事务所|委员会|分局|局|中心|厂|工作室|照相馆|影楼))"
)
DATE_RE = (
    r"((?:\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?[A-Za-z]{3,9}\.?,?\s+\d{4})|"
    r"(?:\d{1,2}\s*[-/.]\s*[A-Za-z]{3,9}\.?\s*[-/.]\s*\d{4})|"
    r"(?:[A-Za-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})|"
    r"(?:\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)|(?:\d{1,2}[./-]\d{1,2}[./-]\d{4}))"
)
_SENTENCE_START = (
    r"(?!(?:The|This|That|These|Those|It|In|If|Any|All|Each|Party|Landlord|Tenant|Lessor"
    r"|Lessee|Employer|Employee)\b)"
)
#: (an apostrophe as OCR reads it: ', ’, ‘ or `: "Yan‘an Road" ended at "Yan", seed 7806)
_ADDRESS_CHUNK = (
    r"[A-Z0-9#][\w'’‘`.\-/#]*(?:(?:[ \t]+|\n" + _SENTENCE_START + r")"
    r"(?:[A-Z0-9#][\w'’‘`.\-/#]*|of|de|and|on))*"
)
#: An address in prose: capitalised or numbered chunks separated by commas; it ends where a
#: lower-case word follows a comma ("..., Shanghai, accommodation provided by ...").
#: A Chinese address in prose: from its first character to the last 室/号/楼... before the
#: clause goes on ("位于北京市…102室的房屋", "居住于…404室，住所由…", "提供的…103室住宿").
CJK_ADDRESS_RE = (
    r"[\u4e00-\u9fff][\u4e00-\u9fff0-9A-Za-z\-#\s]{3,60}?(?:室|号|楼|栋|单元|弄|层|户|座|村|组|\d)"
    r"(?=的|，|,|。|；|;|、|提供|住|居|出租|出售|（|\(|\s*$)"
)
ADDRESS_RE = r"(" + CJK_ADDRESS_RE + r"|" + _ADDRESS_CHUNK + r"(?:,\s*" + _ADDRESS_CHUNK + r")*)"
_PLACEHOLDERS = {"{person}": PERSON_RE, "{org}": ORG_RE, "{date}": DATE_RE, "{address}": ADDRESS_RE}


def _spaces(text: str) -> str:
    """A space in a template matches any run of whitespace (prose wraps across rows), and so
    may nothing between two Chinese characters (a Chinese line wraps anywhere)."""
    text = re.sub(r"(?<!\\) ", r"\\s+", text)
    return re.sub(r"(?<=[\u4e00-\u9fff])(?=[\u4e00-\u9fff])", r"\\s*", text)


def prose_pattern(template: str) -> re.Pattern[str]:
    """A prose template from the labels file ({person}, {org}, {date}) as a regex.

    The template's own words match case-insensitively; the placeholders keep
    their case rules (names start with capitals), hence the scoped flags.
    """
    pattern = ""
    rest = template
    while rest:
        positions = [(rest.find(p), p) for p in _PLACEHOLDERS if rest.find(p) >= 0]
        if not positions:
            pattern += f"(?i:{_spaces(rest)})"
            break
        index, placeholder = min(positions)
        if index:
            pattern += f"(?i:{_spaces(rest[:index])})"
        pattern += _PLACEHOLDERS[placeholder]
        rest = rest[index + len(placeholder) :]
    return re.compile(pattern)


_ABBREVIATIONS = re.compile(r"\b(No|Rd|St|Ave|Bldg|Apt|Rm|Blk|Co|Ltd|Mr|Ms|Dr|Flr|Fl)\.$", re.I)


def cut_sentence(text: str) -> str:
    """Text up to the end of its sentence: a full stop not closing an abbreviation."""
    for match in re.finditer(r"\.(?=\s+\S|\s*$)", text):
        if not _ABBREVIATIONS.search(text[: match.end()]):
            return text[: match.start()]
    return text


def find_prose(doc: DocText, templates: Iterable[str], kind: str) -> Value | None:
    """First value matched by any prose template, parsed as ``kind``."""
    best: tuple[int, Value] | None = None
    for template in templates:
        try:
            pattern = prose_pattern(template)
        except re.error:
            continue  # a broken rule is skipped, never fatal (cf. invoice2data)
        for match in pattern.finditer(doc.text):
            start, end = match.span(1)
            start = _after_cjk_lead(doc.text, start, end)
            raw = doc.text[start:end]
            this_kind = kind
            if kind == "party":
                this_kind = "org" if ORG_MARKERS.search(raw) else "person"
            if this_kind == "person":
                toks = doc.toks(start, end)
                parsed = parse_person(toks)
                if not parsed:
                    continue
                value = Value(parsed[0], parsed[1], 0.8 * _mean_conf(parsed[1]))
            elif this_kind == "org":
                # "... student of Hefei University of Technology. Her studies ...": a name
                # ends with its sentence (a full stop of "Co., Ltd." does not end it)
                raw = cut_sentence(raw)
                end = start + len(raw)
                value = doc.value(start, end, clean_org(raw))
                if not value.value:
                    continue
            elif this_kind == "address":
                raw = cut_sentence(raw)
                end = start + len(raw)
                value = doc.value(start, end, norm.clean_address(raw))
                if not value.value:
                    continue
            elif this_kind == "date":
                iso = norm.parse_date(raw)
                if not iso:
                    continue
                value = doc.value(start, end, iso)
            else:
                value = doc.value(start, end, norm.collapse(raw))
            if best is None or start < best[0]:
                best = (start, value)
            break
    return best[1] if best else None


#: A Chinese name in prose begins where the clause words before it end (not at "同由王鹏").
_CJK_START = r"(?:(?<![\u4e00-\u9fff·])|(?<=[由与和及同向将系为是：:]))"
_CJK_NAME_AFTER_ROLE = {
    "person": r"([\u4e00-\u9fff·]{2,4}?)(?=[（(，,；;。]|与|和|身份证|于\d|\s)",
    "org": r"([\u4e00-\u9fff（）()]{4,40}?(?:有限责任公司|股份有限公司|有限公司|公司|集团|大学|学院"
    r"|学校|医院|研究所|事务所|中心|厂|工作室))(?=[（(，,；;。]|与|和|\s)",
}


def _after_cjk_lead(text: str, start: int, end: int) -> int:
    """Where a Chinese name found in prose really starts: after "由", "与", "本合同由"..."""
    raw = text[start:end]
    if not norm.is_chinese(raw, share=0.5):
        return start
    trimmed = norm.trim_cjk_lead(raw)
    labels = sorted(_cjk_label_keys(), key=len, reverse=True)
    for _ in range(2):  # "用人单位中科商贸…": a label run on before the name
        label = next(
            (k for k in labels if trimmed.startswith(k) and len(trimmed) - len(k) >= 2), None
        )
        if label is None:
            break
        trimmed = norm.trim_cjk_lead(trimmed[len(label) :])
    return start + len(raw) - len(trimmed)


@lru_cache(maxsize=1)
def _cjk_label_keys() -> frozenset[str]:
    return frozenset(k for k in _every_label_key() if len(k) >= 2 and _CJK.match(k))


#: Inside an organisation's name as matched: a bracket closed, then "and": the name reached
#: across another party's introduction ("between Alexander Culture Media Ltd. (Party A)
#: and Song Xia (Party B)" is no company called "... and Song Xia" for Party B).
_TWO_PARTIES = re.compile(r"[)）]\s*,?\s+(?:and|&)\s", re.IGNORECASE)


def role_names(doc: DocText, roles: Sequence[str], kind: str = "person") -> Value | None:
    """``John Smith (the "Landlord")`` / ``John Smith, hereinafter "Party A"`` in prose."""
    role_alt = "|".join(re.escape(r) for r in sorted(roles, key=len, reverse=True))
    name_re = _CJK_START + PERSON_RE if kind == "person" else ORG_RE
    patterns = [
        name_re + r"\s*,?\s*[(（][^()（）]{0,80}?\b(?i:" + role_alt + r")\b[^()（）]{0,40}[)）]",
        # "ZHANG MIN, ID No. 310104..., (the Landlord)": a short clause between, no other party
        # (neither "and" another nor a "Party B" label, as an address over "Party B (Buyer)")
        name_re
        + r"\s*,(?:(?!\band\b|\b(?i:party)\b)[^()（）]){1,90}?,?\s*[(（][^()（）]{0,60}?\b(?i:"
        + role_alt
        + r")\b[^()（）]{0,40}[)）]",
        name_re + r"\s*,\s*(?i:hereinafter[^,;.\n]{0,40}?)\b(?i:" + role_alt + r")\b",
        # "The Seller, Hou Xiuying, and the Buyer, Zhang Juan, ...": role, then the name
        r"\b(?i:" + role_alt + r")\s*,\s+" + name_re + r"\s*,",
        # "出卖人王鹏与买受人…", "甲方汪鑫；乙方韩波，…": a Chinese role, then the name
        r"(?:" + role_alt + r")[：:]?\s*" + _CJK_NAME_AFTER_ROLE[kind],
    ]
    for pattern in patterns:
        for match in re.finditer(pattern, doc.text):
            start, end = match.span(1)
            if kind == "org" and _TWO_PARTIES.search(doc.text, start, end):
                continue
            start = _after_cjk_lead(doc.text, start, end)
            toks = doc.toks(start, end)
            if kind == "person":
                parsed = parse_person(toks)
                if not parsed:
                    continue
                return Value(parsed[0], parsed[1], 0.8 * _mean_conf(parsed[1]))
            cleaned = clean_org(doc.text[start:end])
            if cleaned:
                return doc.value(start, end, cleaned)
    return None


# ----------------------------------------------------------------------------- helpers for modules


def find_code_anywhere(layout: Layout, kind: str) -> Value | None:
    """The first ID number / credit code anywhere, when no label led to it."""
    best: Value | None = None
    for row in layout.rows:
        for start in range(len(row.toks)):
            parsed = _parse_code(kind, row.toks[start : start + 5])
            if parsed and parsed[1][0] is row.toks[start]:
                value = Value(parsed[0], parsed[1], parsed[2] * 0.8 * _mean_conf(parsed[1]))
                if best is None or value.confidence > best.confidence:
                    best = value
                if parsed[2] == 1.0:
                    return value
    return best


def date_ranges(layout: Layout) -> list[tuple[Value, Value]]:
    """``1 March 2026 to 28 February 2027`` / ``2026-03-01 - 2027-02-28`` on one row (or joined)."""
    doc = DocText(layout)
    pattern = re.compile(
        r"(?:from\s+)?"
        + DATE_RE
        + r"\s*(?:to|until|till|through|thru|and (?:shall )?(?:end|expire|terminate)(?:s|ing)? on"
        r"|and (?:shall )?(?:expir|terminat)ing on|[-–—~至到])\s*"
        r"(?:the\s+)?"
        + r"("
        + DATE_RE[1:-1]
        + r"|(?i:indefinite|"
        + norm.LONG_TERM
        # a term's words may wrap onto the next row ("ending on no / fixed term")
        + r"|permanent|open[\s-]?ended|no\s+fixed\s+term"
        r"|without\s+(?:a\s+)?fixed\s+term|unlimited|长期|永久|无固定期限))",
        re.IGNORECASE,
    )
    out = []
    for match in pattern.finditer(doc.text):
        first = norm.parse_date(match.group(1))
        second = norm.parse_validity_end(match.group(2))
        if first and second:
            out.append(
                (
                    doc.value(*match.span(1), first, 0.9),
                    doc.value(*match.span(2), second, 0.9),
                )
            )
    return out


def org_row_near(layout: Layout, where: str = "top", skip: int = 0) -> Value | None:
    """An organisation name standing on its own row near the top (letterhead) or bottom (seal)."""
    rows = layout.rows
    if not rows:
        return None
    page = rows[0].page if where == "top" else rows[-1].page
    ordered = [r for r in rows if r.page == page]
    if where == "bottom":
        ordered = list(reversed(ordered))
    for index, row in enumerate(ordered[skip : skip + 10]):
        text = row.text
        toks = list(row.toks)
        following = ordered[skip + index + 1] if skip + index + 1 < len(ordered) else None
        wrapped = (
            where == "top"
            and following is not None
            and following.y0 - row.y1 < 1.2 * row.height
            and not any(t.colon for t in following.toks)
        )
        if wrapped and (
            row.toks[-1].key in {"and", "of", "for", "&"}
            # "Beijing Yongsheng Vocational / College": the marker word went to the next
            # row, set in the same type
            or (
                not ORG_MARKERS.search(text)
                and len(following.toks) <= 3
                and abs(following.height - row.height) < 0.15 * row.height
                and ORG_MARKERS.search(f"{text} {following.text}")
            )
        ):
            text = f"{text} {following.text}"  # a name wrapped onto the next row
            toks += following.toks
        if starts_with_any_label(row.toks):
            continue  # "Department: Computer Science" is a field, not the issuer
        if ORG_MARKERS.search(text) and len(toks) <= 16:
            cleaned = norm.clean_name(
                re.sub(r"\((seal|stamp|official seal)\)", "", text, flags=re.I)
            )
            name = clean_org(cleaned) or cleaned if cleaned else None
            # "Zhengzhou, in accommodation provided by our company.": a line of a sentence
            if name and not re.search(r"\d{4}", cleaned) and not _reads_as_prose(name):
                return Value(name, toks, 0.6 * _mean_conf(toks))
    return None


#: Lower-case words a name may hold ("University of Science and Technology").
_NAME_LINK_WORDS = frozenset({"of", "and", "for", "the", "de", "du", "la", "&", "in", "at", "on"})


def _reads_as_prose(text: str) -> bool:
    """Whether Latin text is part of a sentence rather than a name: more than one lower-case
    word besides a name's linking words (OCR lowers a capital now and then, a sentence holds
    many)."""
    lower = [w for w in text.split() if w[:1].islower() and text_key(w) not in _NAME_LINK_WORDS]
    return len(lower) > 1


#: A word read below this confidence is OCR's guess at glyphs it could not read (under a
#: seal, a signature); a reading whose words are all at least ``SURE_WORD_CONFIDENCE`` is sure.
UNSURE_WORD_CONFIDENCE = 0.3
SURE_WORD_CONFIDENCE = 0.5
#: Words of two readings of one name are the same word at this fuzzy ratio ("Xinyuat").
SAME_WORD_RATIO = 80.0
#: Words this short in an unsure reading may be fragments of a longer one ("P ery" of
#: "Property"), so they need not be found in the other reading.
FRAGMENT_MAX_LETTERS = 3
_LEGAL_END = re.compile(r"(?i)\b(ltd|limited|inc|llc|corp|corporation|company|plc|gmbh)\.?$")
_CLEAN_WORD = re.compile(r"^[\w&'’().,\-]+$")


def surer_reading(read: Value | None, others: Iterable[Value | None]) -> Value | None:
    """Another reading of the same organisation's name that is better than ``read``, or None.

    A letter names its issuer two or three times (letterhead, prose, by the seal or after
    "Issued by"), and OCR may spoil one reading: words under a seal read unsurely
    ("Zhengzhou Xinyuat ompain Limited"), or the name's tail lost ("Qingdao Boya Medical
    Devices Liffi"). A reading read surely, holding the spoiled reading's words in order
    (fuzzily, leaving out fragments and the spoiled last word), is the same name read better.
    A complete reading read surely (ending in a legal form or a kind of body) is never
    replaced by a longer one ("Beijing Normal University" by "... University Affiliated
    Middle School"), nor is any reading by a surer one that is not one block of rows."""
    if read is None or not read.toks or norm.is_chinese(str(read.value)):
        return None
    words = [t for t in read.toks if t.key]
    unsure = any(t.conf < UNSURE_WORD_CONFIDENCE for t in words)
    best: Value | None = None
    for other in others:
        if other is None or not other.toks or other is read:
            continue
        theirs = [t for t in other.toks if t.key]
        if text_key(str(other.value)) == text_key(str(read.value)) or len(theirs) < 2:
            continue
        if any(t.conf < SURE_WORD_CONFIDENCE or not _CLEAN_WORD.match(t.text) for t in theirs):
            continue  # only a surely read name can stand for another reading
        if not ORG_MARKERS.search(str(other.value)) or _SIGNATURE.search(str(other.value)):
            continue  # "... Studies / Provider (Signed)": a caption run on, not the name
        if not _one_block(other.toks):
            continue
        if not unsure:
            # all read surely but cut short: only a reading that goes on where this stops
            last = words[-1].text.rstrip(".,")
            if len(theirs) <= len(words) or _LEGAL_END.search(last) or ORG_MARKERS.fullmatch(last):
                continue
        if not _words_in_order(words, theirs, spare_last=not unsure):
            continue
        if best is None or _mean_conf(other.toks) > _mean_conf(best.toks):
            best = other
    return best


def _one_block(toks: list[Tok]) -> bool:
    """Whether tokens lie on one row or on rows wrapped close under each other (a name
    wrapped in its line), not on rows far apart that prose matching ran together."""
    for previous, tok in pairwise(toks):
        if tok.page != previous.page:
            return False
        if tok.y0 - previous.y1 > 1.0 * max(previous.height, tok.height, 1.0):
            return False
    return True


def _words_in_order(words: list[Tok], theirs: list[Tok], spare_last: bool) -> bool:
    """Whether the surely read words of one reading are words of another, in the same order:
    at least two of them, fragments (and, with ``spare_last``, a spoiled last word) aside.
    With ``spare_last`` the first words must also open the other reading."""
    wanted = [t for t in words if t.conf >= UNSURE_WORD_CONFIDENCE]
    if spare_last and len(wanted) > 2:
        tail = wanted[-1]
        wanted = wanted[:-1]
        # the spoiled last word began as the other reading's next word does ("Li-ffi")
        if len(theirs) > len(wanted) and tail.key[:2] != theirs[len(wanted)].key[:2]:
            return False
    matched = 0
    position = 0
    for tok in wanted:
        found = next(
            (
                index
                for index in range(position, len(theirs))
                if fuzz.ratio(tok.key, theirs[index].key) >= SAME_WORD_RATIO
            ),
            None,
        )
        if found is None:
            if len(tok.key) <= FRAGMENT_MAX_LETTERS and not spare_last:
                continue
            return False
        if spare_last and found != matched:
            return False  # a cut reading is the other's first words, one after another
        matched += 1
        position = found + 1
    return matched >= 2


def last_date(layout: Layout, bottom_fraction: float = 0.5) -> Value | None:
    """The last date of the document (the issue date of a letter sits above or below the seal)."""
    for index in range(len(layout.rows) - 1, -1, -1):
        row = layout.rows[index]
        text = row.text
        above = layout.rows[index - 1] if index else None
        wrapped_from = (
            above.text + " "
            if above is not None
            and above.page == row.page
            and row.y0 - above.y1 < 1.0 * row.height
            and not re.search(r"[.;:]\s*$", above.text)
            else ""
        )
        for start, end, iso in reversed(norm.find_dates(text)):
            # the sentence may have begun on the row above ("... expected to complete the
            # course / on 2029/06/30.")
            before = text[max(0, start - 25) : start]
            if start < 25:
                before = (wrapped_from + text[:start])[-40:]
            if _NOT_ISSUE_DATE.search(before):
                continue  # "employed ... since 2025/04/07" is not when the letter was issued
            toks = _toks_for_span(row.toks, start, end)
            return Value(iso, toks, 0.7 * _mean_conf(toks))
    return None


_NOT_ISSUE_DATE = re.compile(
    r"\b(since|from|until|till|to|born|joined|commenc\w*|start\w*|expir\w*|valid|expected|"
    r"completion|complete|graduat\w*|ends?|ending|ended|finish\w*|admitted|admission|"
    r"enrol(?:l)?ment date|entered|entry)\b[^.;]*$|自|至",
    re.IGNORECASE,
)


def empty_result(field_names: Sequence[str]) -> tuple[dict[str, Any], dict[str, FieldEvidence]]:
    return {name: None for name in field_names}, {}


def finish(
    extraction: Extraction, field_names: Sequence[str]
) -> tuple[dict[str, Any], dict[str, FieldEvidence]]:
    """Exactly the contract's fields, null where unread, with evidence for the ones read."""
    fields = {name: extraction.fields.get(name) for name in field_names}
    evidence = {
        name: extraction.evidence[name] for name in field_names if name in extraction.evidence
    }
    return fields, evidence


def read_fields(
    layout: Layout, language: str, doc_type: str, specs: Sequence[FieldSpec]
) -> Extraction:
    """The common path: labels first, then the type's prose templates, then party roles."""
    reader = FieldReader(layout, language, doc_type)
    extraction = Extraction()
    for spec in specs:
        extraction.put(spec.name, reader.read(spec))
    doc = DocText(layout)
    roles = reader.vocab.get("roles") or {}
    for spec in specs:
        labelled = extraction.values.get(spec.name)
        if labelled is not None and spec.kind in ("person", "party") and roles.get(spec.name):
            named = role_names(doc, roles[spec.name], "person")
            if (
                named is not None
                and not ORG_MARKERS.search(str(named.value))
                and not ORG_MARKERS.search(str(labelled.value))
                and _introduced_before(named, labelled)
            ):
                # the contract introduces its parties in its opening clauses; a labelled
                # name further down ("Party B (Employee): ...") is the signature block,
                # where OCR reads a scribble as a name
                extraction.put(spec.name, named, overwrite=True)
        elif labelled is not None and spec.kind == "org" and roles.get(spec.name):
            named = role_names(doc, roles[spec.name], "org")
            if (
                named is not None
                and ORG_MARKERS.search(str(named.value))
                and not ORG_MARKERS.search(str(labelled.value))
                and _introduced_before(named, labelled)
            ):
                # "between Beijing Dingxin ... Company Limited (Party A, the Employer)": an
                # evident company named in the opening clause beats a "name" under a label
                # further down that has no mark of one (a scribble, a wrapped sentence)
                extraction.put(spec.name, named, overwrite=True)
    for spec in specs:
        if extraction.fields.get(spec.name) is None and roles.get(spec.name):
            if spec.kind == "party":
                as_org = role_names(doc, roles[spec.name], "org")
                if as_org is not None and ORG_MARKERS.search(str(as_org.value)):
                    extraction.put(spec.name, as_org)
                    continue
            kind = spec.kind if spec.kind in ("person", "org") else "person"
            extraction.put(spec.name, role_names(doc, roles[spec.name], kind))
    prose = reader.vocab.get("prose") or {}
    for spec in specs:
        if extraction.fields.get(spec.name) is None and prose.get(spec.name):
            extraction.put(spec.name, find_prose(doc, prose[spec.name], spec.kind))
    # last, labels in words never listed, built on the field's own words ("Lease Ends")
    for spec in specs:
        if extraction.fields.get(spec.name) is None:
            extraction.put(spec.name, reader.read_by_cue(spec))
    return extraction


def _introduced_before(named: Value, labelled: Value) -> bool:
    """Whether a name from prose stands before, and differs from, a labelled one."""
    if (
        not named.toks
        or not labelled.toks
        or text_key(str(named.value)) == text_key(str(labelled.value))
    ):
        return False
    first, other = named.toks[0], labelled.toks[0]
    return (first.page, first.y0) < (other.page, other.y0)


def code_after(layout: Layout, value: Value | None, kind: str, max_rows: int = 3) -> Value | None:
    """The first code after a party's name (its own ID number), within a few rows."""
    if value is None or not value.toks:
        return None
    first_row = layout.row_of(value.toks[-1])
    x_after = value.toks[-1].x1
    for index in range(first_row, min(first_row + max_rows + 1, len(layout.rows))):
        toks = layout.rows[index].toks
        if index == first_row:
            toks = [t for t in toks if t.x0 >= x_after]
        for start in range(len(toks)):
            parsed = _parse_code(kind, toks[start : start + 5])
            if parsed and parsed[1][0] is toks[start]:
                return Value(parsed[0], parsed[1], parsed[2] * 0.9 * _mean_conf(parsed[1]))
    return None


def money_in_prose(layout: Layout, cue: str) -> Value | None:
    """An amount with a periodic cue after it ("RMB 4,500 per month") or before it."""
    doc = DocText(layout)
    amount = r"((?:RMB|CNY|¥|￥)\s*[\d,，]+(?:\.\d{1,2})?|[\d,，]+(?:\.\d{1,2})?\s*(?:yuan|RMB|元))"
    patterns = [
        amount + r"[^\n.;]{0,30}?(?i:" + cue + r")",
        r"(?i:" + cue + r")[^\n.;]{0,40}?" + amount,
    ]
    for pattern in patterns:
        match = re.search(pattern, doc.text)
        if match:
            value = norm.parse_money(match.group(1))
            if value is not None:
                return doc.value(*match.span(1), value)
    return None
