"""Normalisers: from text as printed (and as OCR read it) to the contract's values.

Dates become ``YYYY-MM-DD`` (or ``"indefinite"``), money a float in yuan, names
and addresses the printed text with whitespace collapsed. Each parser returns
``None`` when it is not sure, rather than a guess: a null field is honest, a
wrong date is not.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

INDEFINITE = "indefinite"

MONTHS: dict[str, int] = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip

#: "long-term" as OCR reads it too: "Lor.g term", "L0ng-terrn", "Lonq term".
LONG_TERM = r"l[o0][nr.,]{1,2}[gq][\s\-–.]*t[ec]r?(?:m|rn)"
_INDEFINITE_WORDS = re.compile(
    r"\b(indefinite(ly)?|" + LONG_TERM + r"|permanent|no\s+fixed\s+term|open[\s-]?ended|"
    r"unlimited|without\s+(a\s+)?fixed\s+term|perpetual)\b|长期|永久|无固定期限",
    re.IGNORECASE,
)

# OCR drops letters at the end of a word ("23 Octob 2026"): any 3+ letter prefix counts
_MONTH_PREFIXES: dict[str, int] = {}
for _name, _number in MONTHS.items():
    for _end in range(3, len(_name) + 1):
        _MONTH_PREFIXES.setdefault(_name[:_end], _number)
_MONTH_PREFIXES.pop("mar", None)
_MONTH_PREFIXES["mar"] = 3
_MONTH_NAMES = "|".join(sorted(_MONTH_PREFIXES, key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th)?"
_Y = r"((?:19|20)\d{2})"
# a comma OCR read as a quote or an apostrophe (a seal or a speck over it)
_COMMA = r"[,.'\"‘’“”`]?"
# a seal's stroke or a speck read as a bracket or a bar between a month and its year
_STRAY = r"(?:\s*[-/.]\s*|\s*[|(){}\[\]]?\s*)"

# Each pattern yields (year, month, day) groups in a known order.
_DATE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # 2026年3月1日 (also with spaces OCR inserts)
    (re.compile(_Y + r"\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?"), "ymd"),
    # 2026-03-01, 2026/03/01, 2026.03.01, 2026.3.1
    (re.compile(r"(?<!\d)" + _Y + r"\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?!\d)"), "ymd"),
    # 2042 06-28, 2042-06 28: small print at low resolution loses one thin separator (OCR
    # drops a faint hyphen, or reads it as a word of its own that is then dropped); two-digit
    # month and day, so that "Room 2026 1-3" is no date
    (re.compile(r"(?<![\d,.])" + _Y + r",?\s+(\d{2})\s*[-/.]\s*(\d{2})(?![\d,])"), "ymd"),
    (re.compile(r"(?<![\d,.])" + _Y + r"\s*[-/.]\s*(\d{2})\s+(\d{2})(?![\d,.])"), "ymd"),
    # 1 March 2026, 1st March, 2026, 1st of March 2026, 03-May-2024, 17 JUL 2024
    (
        re.compile(
            r"(?<!\d)(\d{1,2})"
            + _ORD
            + r"(?:\s*[-/.]\s*|\s*)(?:day\s+)?(?:of\s+)?("
            + _MONTH_NAMES
            + r")\.?"
            + _COMMA
            + _STRAY
            + _Y,
            re.IGNORECASE,
        ),
        "dmy_name",
    ),
    # March 1, 2026 / March 1st 2026
    (
        re.compile(
            r"\b(" + _MONTH_NAMES + r")\.?\s*(\d{1,2})" + _ORD + _COMMA + _STRAY + _Y,
            re.IGNORECASE,
        ),
        "mdy_name",
    ),
    # 01.03.2026 / 01/03/2026 / 01-03-2026 (only when unambiguous)
    (re.compile(r"(?<!\d)(\d{1,2})\s*[./-]\s*(\d{1,2})\s*[./-]\s*" + _Y + r"(?!\d)"), "ambiguous"),
    # 20260301
    (re.compile(r"(?<!\d)" + _Y + r"(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)"), "ymd"),
]


def _to_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def fold(text: str) -> str:
    """NFKC (full-width digits and punctuation to ASCII) and collapsed whitespace."""
    return collapse(unicodedata.normalize("NFKC", text))


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


#: Month names long enough that one misread letter leaves them unmistakable ("Nevember").
_LONG_MONTHS = [name for name in MONTHS if len(name) >= 6]
_WORD = re.compile(r"[A-Za-z]{6,9}")


def _mend_month(match: re.Match[str]) -> str:
    word = match.group(0)
    low = word.lower()
    if low in MONTHS:
        return word
    near = [
        name
        for name in _LONG_MONTHS
        if len(name) == len(low) and sum(a != b for a, b in zip(name, low, strict=True)) == 1
    ]
    return near[0] if len(near) == 1 else word


def mend_month_names(text: str) -> str:
    """Long month names with one letter misread ("Nevember", "Octobor") set right;
    the length is kept, so positions in the text stay valid."""
    return _WORD.sub(_mend_month, text)


def find_dates(text: str) -> list[tuple[int, int, str]]:
    """All dates in ``text`` as (start, end, ISO), in reading order, overlapping ones dropped."""
    text = mend_month_names(unicodedata.normalize("NFKC", text))
    found: list[tuple[int, int, str]] = []
    for pattern, order in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            g = match.groups()
            value: date | None = None
            if order == "ymd":
                value = _to_date(int(g[0]), int(g[1]), int(g[2]))
            elif order == "dmy_name":
                value = _to_date(int(g[2]), _MONTH_PREFIXES[g[1].lower()], int(g[0]))
            elif order == "mdy_name":
                value = _to_date(int(g[2]), _MONTH_PREFIXES[g[0].lower()], int(g[1]))
            elif order == "ambiguous":
                first, second, year = int(g[0]), int(g[1]), int(g[2])
                if first > 12 and second <= 12:
                    value = _to_date(year, second, first)
                elif (second > 12 and first <= 12) or first == second:
                    value = _to_date(year, first, second)
                elif re.fullmatch(r"\d{1,2}\s*\.\s*\d{1,2}\s*\.\s*\d{4}", match.group(0)):
                    # dots are the day-first style ("03.11.2026"); month-first uses slashes
                    value = _to_date(year, second, first)
            if value is None:
                continue
            start, end = match.span()
            if any(s < end and start < e for s, e, _ in found):
                continue
            found.append((start, end, value.isoformat()))
    return sorted(found)


def parse_date(text: str | None) -> str | None:
    """The first unambiguous date in ``text`` as ISO, else None."""
    if not text:
        return None
    dates = find_dates(text)
    return dates[0][2] if dates else None


def parse_validity_end(text: str | None) -> str | None:
    """End of a validity or term: the last date, or ``indefinite`` for long-term wording.

    ``2016.05.01-2036.05.01`` -> 2036-05-01; ``2016.05.01 - Long-term`` -> indefinite.
    """
    if not text:
        return None
    dates = find_dates(text)
    indefinite = _INDEFINITE_WORDS.search(unicodedata.normalize("NFKC", text))
    if indefinite and (not dates or indefinite.start() > dates[-1][0]):
        return INDEFINITE
    if len(dates) == 1:
        before = text[: dates[0][0]]
        if re.search(
            r"\b(from|since|commenc\w*|start\w*|begin\w*)\b|自", before, re.IGNORECASE
        ) and not (
            re.search(r"\b(to|until|till|through|expir\w*|end\w*)\b|至", before, re.IGNORECASE)
        ):
            return None  # "From 2022.10.18": when it began, not when it ends
        after = unicodedata.normalize("NFKC", text)[dates[0][1] :]
        if re.match(r"\s*(?:[-–—~至到]|to\b)\s*(?:[^\W_]|$)", after):
            # "2026.01.09-2031.0", "2026.05.02-Petmanent", "2025.02.21-": the end was cut
            # off, misread or not read at all; the start is no end
            return None
    if dates:
        return dates[-1][2]
    return None


def is_indefinite(text: str) -> bool:
    return bool(_INDEFINITE_WORDS.search(text))


_MONEY_NUMBER = r"(\d{1,3}(?:[,，\s]\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)"
_MONEY_PATTERNS = [
    re.compile(r"(?:RMB|CNY|¥|￥|Y=|yuan|人民币)\s*[:：]?\s*" + _MONEY_NUMBER, re.IGNORECASE),
    re.compile(_MONEY_NUMBER + r"\s*(?:yuan|RMB|CNY|元|圆)", re.IGNORECASE),
]
_MONEY_BARE = re.compile(r"(?<![\d.])" + _MONEY_NUMBER + r"(?![\d.])")


def parse_money(text: str | None, allow_bare: bool = False) -> float | None:
    """``RMB 4,500.00`` / ``¥4500`` / ``4,500 yuan`` / ``4500元`` -> 4500.0.

    A bare number counts only when ``allow_bare`` (the caller found a rent label).
    """
    if not text:
        return None
    text = unicodedata.normalize("NFKC", text)
    for pattern in _MONEY_PATTERNS:
        match = pattern.search(text)
        if match:
            return _money_value(match.group(1))
    if allow_bare:
        for match in _MONEY_BARE.finditer(text):
            value = _money_value(match.group(1))
            # a year or a day is not a rent
            if (
                value is not None
                and value >= 50
                and not (1900 <= value <= 2100 and "." not in match.group(1))
            ):
                return value
    return None


def _money_value(number: str) -> float | None:
    try:
        return float(re.sub(r"[,，\s]", "", number))
    except ValueError:
        return None


def normalize_gender(text: str | None) -> str | None:
    if not text:
        return None
    lowered = re.sub(r"[^a-z\u4e00-\u9fff ]+", " ", text.lower()).strip()
    if re.search(r"\bfemale\b|\bwoman\b|^f\b|女", lowered):
        return "female"
    if re.search(r"\bmale\b|\bman\b|^m\b|男", lowered):
        return "male"
    return None


_ROLE_SUFFIX = re.compile(
    r"\s*[(（][^()（）]*(hereinafter|the\s|party|甲方|乙方|以下)[^()（）]*[)）]?\s*$|\s*[(（]\s*$",
    re.IGNORECASE,
)
_ABBREVIATION_END = re.compile(r"\b(Ltd|Co|Inc|Corp|Bros|Pte|Jr|Sr|St)$")
_EDGE_PUNCT = " \t:：;；,，.。|_-—–'\"“”‘’()（）[]"


_CJK_CHAR = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
#: What opens a Chinese clause before a name: "本合同由…", "系我校…", "与…".
_CJK_LEAD = re.compile(
    r"^(?:第?\d{0,2}条)?(?:本合同|本协议)?(?:由|与|和|及|系|为|经|在)?"
    r"(?:我校|我单位|我公司|本校|本单位|本公司|我院|本院)?"
)
#: A role in brackets before a name: "（卖方）王鹏", "(乙方)".
_CJK_ROLE_LEAD = re.compile(r"^[(（][^()（）]{1,6}[)）]\s*")


def is_chinese(text: str, share: float = 0.3) -> bool:
    """Mostly Chinese characters (at least two, ``share`` of the non-space characters)."""
    letters = [ch for ch in text if not ch.isspace()]
    cjk = sum(1 for ch in letters if _CJK_CHAR.match(ch))
    return cjk >= 2 and cjk >= share * len(letters)


def compact_cjk(text: str) -> str:
    """Chinese text has no spaces: the ones OCR puts between characters and digits go
    ("建国路 88 号" -> "建国路88号", "罗 燕" -> "罗燕"); full-width digits and letters
    become ASCII ("１２０３室" -> "1203室"); full-width brackets stay as printed."""
    if not is_chinese(text):
        return text
    value = "".join(
        chr(ord(ch) - 0xFEE0) if "０" <= ch <= "９" or "Ａ" <= ch <= "ｚ" else ch for ch in text
    )
    return re.sub(r"\s+", "", value)


def trim_cjk_lead(value: str, minimum: int = 2) -> str:
    """A Chinese name without the clause words that prose put before it ("本合同由X" -> "X"),
    as long as at least ``minimum`` characters remain."""
    if not _CJK_CHAR.match(value[:1] or " ") and not re.match(r"^第?\d|^[(（]", value):
        return value
    trimmed = _CJK_ROLE_LEAD.sub("", value)
    lead = _CJK_LEAD.match(trimmed)
    if lead and lead.end() and len(trimmed) - lead.end() >= minimum:
        trimmed = trimmed[lead.end() :]
    return trimmed if len(trimmed) >= minimum else value


def clean_name(text: str | None) -> str | None:
    """A person's or organisation's name as printed: collapsed, no stray edge punctuation."""
    if not text:
        return None
    value = compact_cjk(collapse(text)).strip(_EDGE_PUNCT)
    # Trailing role in parentheses ("John Smith (the Landlord)") is not part of the name.
    value = _ROLE_SUFFIX.sub("", value).strip(_EDGE_PUNCT)
    # "Co., Ltd." and "Inc." keep the full stop they were printed with
    printed = collapse(text)
    if value and _ABBREVIATION_END.search(value) and printed.find(value + ".") >= 0:
        value += "."
    return value or None


def clean_address(text: str | None) -> str | None:
    if not text:
        return None
    value = compact_cjk(collapse(text)).strip(" \t:：;；，|_-—–'\"“”")
    value = value.rstrip(".。")
    return value or None
