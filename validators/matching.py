"""Tolerant comparison of what a document says with what the form says.

A document and a form written by different people never agree to the byte:
case, spacing, punctuation, "Rd" for "Road", "Co., Ltd." for "Company
Limited", and one character OCR confused in a long name are not real
differences. Another person, another company, another street, and above all
another flat, room or building *number* are. So text is normalised first,
numbers are compared exactly, and only what is left is compared fuzzily
(rapidfuzz).

Every comparison returns a :class:`Match`: ``equal`` decides, ``marginal``
asks a clerk to look (the decision stands, the review flag goes up).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

# ----------------------------------------------------------------- thresholds

#: Names at least this long (normalised, no spaces) tolerate one edit of any kind
#: (flagged as marginal); shorter names tolerate only a known OCR confusion.
LONG_NAME_MIN_CHARS = 10
#: Names at least this long tolerate one OCR-confusable substitution without a flag.
CONFUSABLE_NAME_MIN_CHARS = 6
#: A word of an address or organisation name matches another at this rapidfuzz
#: ratio (0..100) when both are at least ``FUZZY_WORD_MIN_CHARS`` long.
WORD_RATIO = 84.0
FUZZY_WORD_MIN_CHARS = 5
#: An organisation name matches when its word-level similarity reaches this
#: (after suffix normalisation) and no distinctive word is missing.
ORGANISATION_RATIO = 92.0
#: An organisation name that contains the other (a name cut short by a line break) matches,
#: marginally, when the shorter keeps this many distinctive words and this share of the longer.
ORGANISATION_MIN_SHARED_WORDS = 2
ORGANISATION_MIN_COVERAGE = 0.5
#: Below this an organisation/address mismatch is clear; between it and the
#: match threshold the mismatch is reported but marked marginal.
MARGINAL_RATIO = 80.0
#: The shorter address must cover at least this share of the longer one's words
#: (a document may leave out the city or district, not the street).
ADDRESS_MIN_COVERAGE = 0.5
#: Chinese text: share of the longer string's characters the shorter must cover.
CJK_MIN_COVERAGE = 0.5

#: Glyphs OCR reads for one another (both ways), lower case.
OCR_CONFUSABLE: frozenset[frozenset[str]] = frozenset(
    frozenset(pair)
    for pair in (
        ("0", "o"),
        ("1", "l"),
        ("1", "i"),
        ("l", "i"),
        ("5", "s"),
        ("8", "b"),
        ("2", "z"),
        ("6", "g"),
        ("e", "c"),
        ("n", "h"),
        ("u", "v"),
        ("a", "o"),
        ("m", "n"),
        ("r", "n"),
        ("t", "f"),
        ("j", "i"),
        ("q", "g"),
        ("g", "a"),  # a single-storey g ("Chena Min" for "Cheng Min", seed 6161)
        ("y", "v"),
        ("0", "d"),
        ("c", "o"),
        ("p", "r"),
        ("h", "b"),
        ("w", "v"),
    )
)

#: Spellings that mean the same word in an address, school or company name.
_WORD_SYNONYMS: dict[str, str] = {
    "rd": "road", "st": "street", "str": "street", "ave": "avenue", "av": "avenue",
    "blvd": "boulevard", "ln": "lane", "dr": "drive", "ct": "court", "hwy": "highway",
    "bldg": "building", "blk": "block", "bld": "building", "rm": "room", "apt": "apartment",
    "fl": "floor", "flr": "floor", "dist": "district", "dst": "district", "no": "number",
    "num": "number", "nr": "number", "n": "north", "s": "south", "e": "east", "w": "west",
    "ste": "suite", "twr": "tower", "sq": "square", "pl": "place", "cres": "crescent",
    "prov": "province", "cty": "city", "univ": "university", "uni": "university",
    "inst": "institute", "coll": "college", "sch": "school", "intl": "international",
    "natl": "national", "tech": "technology", "mgmt": "management", "svc": "service",
    "svcs": "services", "dept": "department", "bros": "brothers", "mfg": "manufacturing",
    "assoc": "association", "grp": "group", "hk": "hongkong",
}  # fmt: skip
#: Words that carry nothing when comparing ("No. 88" and "88" are the same place).
_NOISE_WORDS = frozenset({"number", "the", "of", "and", "&", "at", "in"})

#: Legal-form endings of company names, longest first; all mean "this is a company".
_COMPANY_SUFFIXES: tuple[tuple[str, str], ...] = (
    (r"\bcompany limited\b", " co ltd "),
    (r"\bco\.?,? ?ltd\b\.?", " co ltd "),
    (r"\bco\.?,? ?limited\b", " co ltd "),
    (r"\bcompany ltd\b\.?", " co ltd "),
    (r"\blimited liability company\b", " llc "),
    (r"\bl\.l\.c\.?", " llc "),
    (r"\bincorporated\b", " inc "),
    (r"\bcorporation\b", " corp "),
    (r"\bcompany\b", " co "),
    (r"\blimited\b", " ltd "),
)
_CJK_COMPANY_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("股份有限公司", "股份有限公司"),
    ("有限责任公司", "有限公司"),
)

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_NUMBER = re.compile(r"\d+")
_PUNCT = re.compile(r"[^\w\s&#]|_", re.UNICODE)
_SPACES = re.compile(r"\s+")
_DIGIT_LOOKALIKES = str.maketrans({"o": "0", "O": "0", "l": "1", "I": "1", "|": "1"})
#: Postal codes: a six-digit number only one side gives is not a different address.
_POSTCODE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class Match:
    """Outcome of one comparison: whether it matches, and whether a clerk should look."""

    equal: bool
    marginal: bool = False
    score: float = 100.0
    why: str = ""

    def __bool__(self) -> bool:
        return self.equal


# ---------------------------------------------------------------- normalising


def normalize_text(value: str) -> str:
    """NFKC (full-width -> half-width), lower case, punctuation to spaces, spaces collapsed."""
    text = unicodedata.normalize("NFKC", value).casefold()
    text = _PUNCT.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def has_cjk(value: str) -> bool:
    return bool(_CJK.search(value or ""))


def _compact(value: str) -> str:
    return normalize_text(value).replace(" ", "")


def _fix_digit_lookalikes(token: str) -> str:
    """'12O3' -> '1203': in a token of mostly digits, letters OCR confuses become digits."""
    digits = sum(ch.isdigit() for ch in token)
    if digits >= 2 and digits >= len(token) - 1:
        return token.translate(_DIGIT_LOOKALIKES)
    return token


def _split_numbers(text: str) -> str:
    """'room1203' -> 'room 1203', '5号楼' -> '5 号楼': numbers become tokens of their own."""
    return _SPACES.sub(" ", re.sub(r"(\d+)", r" \1 ", text)).strip()


def _words(value: str) -> list[str]:
    """Normalised words with synonyms folded ('Rd' -> 'road')."""
    text = normalize_text(value)
    tokens = [_fix_digit_lookalikes(token) for token in text.split()]
    tokens = _split_numbers(" ".join(tokens)).split()
    words = [_WORD_SYNONYMS.get(token) or _misread_abbreviation(token) for token in tokens]
    return [word for word in words if word not in _NOISE_WORDS]


def _misread_abbreviation(token: str) -> str:
    """An abbreviation OCR misread by one confusable glyph ("Bidg" for "Bldg"), or by two in
    one of four letters or more ("Bida": i for l, a for g): the word it stands for, when
    exactly one abbreviation is so near; else the token."""
    if len(token) < 3 or token.isdigit():
        return token
    repairs = {
        _WORD_SYNONYMS[abbreviation]
        for abbreviation in _WORD_SYNONYMS
        if _confusable_misreads(token, abbreviation) == 1
    }
    if not repairs and len(token) >= 4:
        repairs = {
            _WORD_SYNONYMS[abbreviation]
            for abbreviation in _WORD_SYNONYMS
            if _confusable_misreads(token, abbreviation) == 2
        }
    return repairs.pop() if len(repairs) == 1 else token


#: A word may differ from another in this share of its letters, each an OCR confusion
#: ("Beiiina" for "Beijing", "Jiniiana" for "Jinjiang": descenders lost on a phone photo,
#: seeds 7800 and 7801), and still be that word.
CONFUSABLE_WORD_SHARE = 1 / 3


def _confusable_misreads(word: str, other: str) -> int | None:
    """How many letters of ``word`` differ from ``other``'s, when each is a glyph OCR reads
    for the other (``OCR_CONFUSABLE``); None when the lengths or any other letter differ."""
    if len(word) != len(other):
        return None
    count = 0
    for mine, theirs in zip(word, other, strict=True):
        if mine != theirs:
            if not _confusable(mine, theirs):
                return None
            count += 1
    return count


def numbers_in(value: str) -> Counter[str]:
    """Multiset of the numbers in a text (leading zeros dropped): these must agree exactly."""
    text = _PUNCT.sub(" ", unicodedata.normalize("NFKC", value or ""))
    text = " ".join(_fix_digit_lookalikes(token) for token in text.split())
    return Counter(str(int(number)) for number in _NUMBER.findall(text))


def _numbers_agree(a: str, b: str) -> bool:
    left, right = numbers_in(a), numbers_in(b)
    if left == right:
        return True
    only_left, only_right = left - right, right - left
    # a postal code given on one side only is not a different place
    only_left = Counter({k: v for k, v in only_left.items() if not _is_postcode(k, a)})
    only_right = Counter({k: v for k, v in only_right.items() if not _is_postcode(k, b)})
    return not only_left and not only_right


def _is_postcode(number: str, text: str) -> bool:
    return any(
        _POSTCODE.match(token) and str(int(token)) == number
        for token in _NUMBER.findall(unicodedata.normalize("NFKC", text))
    )


def _confusable(a: str, b: str) -> bool:
    return frozenset((a, b)) in OCR_CONFUSABLE


def _one_substitution(a: str, b: str) -> tuple[str, str] | None:
    if len(a) != len(b):
        return None
    diffs = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    return diffs[0] if len(diffs) == 1 else None


# ---------------------------------------------------------------------- names


def person_name_match(document_value: str, form_value: str) -> Match:
    """Same person's name? Order of the parts, case, spaces and punctuation do not count;
    one OCR-confused character counts only in a name long enough to be unambiguous."""
    if not document_value or not form_value:
        return Match(False, score=0.0, why="empty")
    if has_cjk(document_value) or has_cjk(form_value):
        a, b = _compact(document_value), _compact(form_value)
        if a == b:
            return Match(True)
        # one differing character in a Chinese name is usually another person:
        # report the mismatch, but let a clerk look when it is a single character
        distance = Levenshtein.distance(a, b)
        return Match(
            False,
            marginal=distance == 1 and len(b) >= 3,
            score=_ratio(a, b),
            why="different characters",
        )
    a_words, b_words = normalize_text(document_value).split(), normalize_text(form_value).split()
    a, b = "".join(a_words), "".join(b_words)
    if a == b:
        return Match(True)
    a_sorted, b_sorted = "".join(sorted(a_words)), "".join(sorted(b_words))
    if a_sorted == b_sorted:
        return Match(True, why="order of name parts")
    for left, right in ((a, b), (a_sorted, b_sorted)):
        if _confusable_misreads(left, right) == 1 and len(right) >= CONFUSABLE_NAME_MIN_CHARS:
            return Match(True, why="one OCR-confusable character")
        if len(right) >= LONG_NAME_MIN_CHARS and Levenshtein.distance(left, right) == 1:
            return Match(
                True,
                marginal=True,
                score=_ratio(left, right),
                why="one character differs in a long name",
            )
    score = max(_ratio(a, b), _ratio(a_sorted, b_sorted))
    distance = min(Levenshtein.distance(a, b), Levenshtein.distance(a_sorted, b_sorted))
    return Match(
        False,
        marginal=distance <= 2 and len(b) >= LONG_NAME_MIN_CHARS,
        score=score,
        why="different name",
    )


def _ratio(a: str, b: str) -> float:
    return round(float(fuzz.ratio(a, b)), 1)


# ------------------------------------------------------------------ addresses


def address_match(document_value: str, form_value: str) -> Match:
    """Same place? Numbers (flat, room, building, street number) must agree exactly;
    words are compared fuzzily, and a document may leave out the city or district."""
    if not document_value or not form_value:
        return Match(False, score=0.0, why="empty")
    if not _numbers_agree(document_value, form_value):
        return Match(False, score=0.0, why="a number in the address differs")
    if has_cjk(document_value) or has_cjk(form_value):
        return _cjk_containment(document_value, form_value)
    return _word_containment(_words(document_value), _words(form_value), ADDRESS_MIN_COVERAGE)


def _word_matches(word: str, others: list[str]) -> bool:
    if word in others:
        return True
    if len(word) < FUZZY_WORD_MIN_CHARS:
        return False
    return any(
        len(other) >= FUZZY_WORD_MIN_CHARS
        and (fuzz.ratio(word, other) >= WORD_RATIO or _misread_as(word, other))
        for other in others
    )


def _misread_as(word: str, other: str) -> bool:
    """Whether ``word`` is ``other`` with up to CONFUSABLE_WORD_SHARE of its letters read
    as their OCR look-alikes."""
    misreads = _confusable_misreads(word, other)
    return misreads is not None and misreads <= CONFUSABLE_WORD_SHARE * len(word)


def _word_containment(a_words: list[str], b_words: list[str], min_coverage: float) -> Match:
    """Every word of the shorter text is in the longer one, and the shorter one is not a stub."""
    a_text = [w for w in a_words if not w.isdigit()]
    b_text = [w for w in b_words if not w.isdigit()]
    if not a_text or not b_text:
        return Match(a_text == b_text, score=100.0 if a_text == b_text else 0.0)
    shorter, longer = sorted((a_text, b_text), key=len)
    found = sum(_word_matches(word, longer) for word in shorter)
    coverage = found / len(shorter)
    score = round(100.0 * coverage, 1)
    if coverage == 1.0 and len(shorter) >= min_coverage * len(longer):
        return Match(True, score=score)
    marginal = coverage >= MARGINAL_RATIO / 100 and len(shorter) >= 3
    return Match(False, marginal=marginal, score=score, why="words differ")


def _cjk_containment(document_value: str, form_value: str) -> Match:
    """Chinese: without spaces, numbers out; the shorter must appear in the longer in order,
    with whole parts (a province, a city) allowed to be left out but nothing replaced."""
    a = _NUMBER.sub("#", _compact(document_value))
    b = _NUMBER.sub("#", _compact(form_value))
    if a == b:
        return Match(True)
    shorter, longer = sorted((a, b), key=len)
    from difflib import SequenceMatcher

    opcodes = SequenceMatcher(None, shorter, longer, autojunk=False).get_opcodes()
    replaced = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in opcodes if tag == "replace")
    deleted = sum(i2 - i1 for tag, i1, i2, _, _ in opcodes if tag == "delete")
    score = _ratio(a, b)
    if replaced == 0 and deleted == 0 and len(shorter) >= CJK_MIN_COVERAGE * len(longer):
        return Match(True, score=score)
    return Match(
        False,
        marginal=replaced + deleted == 1 and len(shorter) >= 8,
        score=score,
        why="characters differ",
    )


# ------------------------------------------------------------- organisations


#: Legal-form words: "Co., Ltd.", "Company Limited", "Inc." say what kind of company it is,
#: not which one; OCR and line breaks often lose half of them, so they are not compared.
_LEGAL_FORM_WORDS = frozenset({"co", "ltd", "llc", "inc", "corp", "plc", "gmbh"})


def _organisation_words(value: str) -> list[str]:
    text = unicodedata.normalize("NFKC", value).casefold()
    text = text.replace("&", " and ")
    for pattern, replacement in _COMPANY_SUFFIXES:
        text = re.sub(pattern, replacement, text)
    return [word for word in _words(text) if word not in _LEGAL_FORM_WORDS]


def organisation_match(document_value: str, form_value: str) -> Match:
    """Same company or school? Legal-form spellings and abbreviations do not count;
    another distinctive word ("Trading" vs "Technology") or another number does."""
    if not document_value or not form_value:
        return Match(False, score=0.0, why="empty")
    if not _numbers_agree(document_value, form_value):
        return Match(False, score=0.0, why="a number in the name differs")
    if has_cjk(document_value) or has_cjk(form_value):
        a, b = _compact(document_value), _compact(form_value)
        for long_form, short_form in _CJK_COMPANY_SUFFIXES:
            a, b = a.replace(long_form, short_form), b.replace(long_form, short_form)
        if a == b:
            return Match(True)
        if len(b) >= 6 and Counter(a) == Counter(b):
            # same characters, another order: "恒泰贸易(北京)有限公司" / "北京恒泰贸易有限公司"
            return Match(True, why="same characters, another order")
        distance = Levenshtein.distance(a, b)
        return Match(
            False, marginal=distance == 1 and len(b) >= 8, score=_ratio(a, b), why="different name"
        )
    a_words, b_words = _organisation_words(document_value), _organisation_words(form_value)
    if not a_words or not b_words:
        return Match(False, score=0.0, why="no distinctive words")
    a, b = " ".join(a_words), " ".join(b_words)
    if a.replace(" ", "") == b.replace(" ", ""):
        return Match(True)
    # every distinctive word of each side must be found on the other (fuzzily for long words)
    a_only = [w for w in a_words if not _word_matches(w, b_words)]
    b_only = [w for w in b_words if not _word_matches(w, a_words)]
    missing = a_only + b_only
    score = round(float(fuzz.token_sort_ratio(a, b)), 1)
    if not missing:
        marginal = score < ORGANISATION_RATIO
        return Match(True, marginal=marginal, score=score)
    # one side is the other cut short ("Hangzhou University" / "... of Commerce": a line
    # break) or run on: matches, but a clerk looks
    shorter = a_words if len(a_words) <= len(b_words) else b_words
    longer = b_words if shorter is a_words else a_words
    if (
        (not a_only or not b_only)
        and len(shorter) >= ORGANISATION_MIN_SHARED_WORDS
        and len(shorter) >= ORGANISATION_MIN_COVERAGE * len(longer)
    ):
        return Match(True, marginal=True, score=score, why="one name contains the other")
    return Match(
        False,
        marginal=score >= ORGANISATION_RATIO and len(missing) == 1,
        score=score,
        why="different name",
    )


# ---------------------------------------------------------------------- codes


def normalize_code(value: str) -> str:
    """ID numbers, credit codes, receipt and student numbers: upper case, no separators."""
    text = unicodedata.normalize("NFKC", value or "").upper()
    return re.sub(r"[\s\-_./·:]", "", text)


def code_match(document_value: str, form_value: str) -> Match:
    equal = normalize_code(document_value) == normalize_code(form_value)
    return Match(equal, score=100.0 if equal else 0.0)


#: Letters OCR reads for digits (and back) in printed codes.
_CODE_LOOKALIKES = frozenset(
    frozenset(pair)
    for pair in (("O", "0"), ("Q", "0"), ("D", "0"), ("I", "1"), ("L", "1"), ("S", "5"),
                 ("B", "8"), ("Z", "2"), ("G", "6"), ("T", "7"), ("$", "S"), ("$", "5"))
)  # fmt: skip


def printed_code_match(document_value: str, form_value: str) -> Match:
    """A code with no check character (a receipt number): exact, or one OCR look-alike
    (O/0, I/1, S/5, B/8...) away, which matches but asks a clerk to look."""
    a, b = normalize_code(document_value), normalize_code(form_value)
    if a == b:
        return Match(True)
    pair = _one_substitution(a, b)
    if pair and frozenset(pair) in _CODE_LOOKALIKES:
        return Match(True, marginal=True, score=_ratio(a, b), why="one OCR look-alike character")
    return Match(False, score=_ratio(a, b), why="different number")
