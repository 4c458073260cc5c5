"""Reading resident ID numbers and unified social credit codes from OCR text.

OCR confuses a handful of glyph pairs (O/0, I/1, S/5, B/8, Z/2, D/0, G/6).
The check character lets us repair *one* such confusion, but only when exactly
one single-character repair makes the code valid: if none or several do, the
code is kept as read so that the validators can report ``invalid_code`` rather
than us inventing a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from stdnum.cn import ric, uscc

CodeKind = Literal["id_number", "credit_code"]

#: Glyphs OCR reads for one another, both ways.
CONFUSIONS: tuple[tuple[str, str], ...] = (
    ("O", "0"),
    ("Q", "0"),
    ("D", "0"),
    ("I", "1"),
    ("L", "1"),
    ("S", "5"),
    ("B", "8"),
    ("Z", "2"),
    ("G", "6"),
    ("T", "7"),
)
_SWAPS: dict[str, set[str]] = {}
for _a, _b in CONFUSIONS:
    _SWAPS.setdefault(_a, set()).add(_b)
    _SWAPS.setdefault(_b, set()).add(_a)
# The ID check character X is read as K, x or the multiplication sign.
_ID_LAST_SWAPS = {"K": {"X"}, "×": {"X"}, "4": {"X"}}

_SEPARATORS = re.compile(r"[\s\-_.·:|'\"`,;()，；：（）]+")

#: Loose shapes used to *find* candidates in text before they are cleaned.
ID_NUMBER_LOOSE = re.compile(
    r"(?<![0-9A-Za-z])([0-9OoIlSBZDG]{6}\s?[0-9OoIlSBZDG]{8}\s?[0-9OoIlSBZDG]{3}[0-9Xx×Kk])(?![0-9A-Za-z])"
)
CREDIT_CODE_LOOSE = re.compile(r"(?<![0-9A-Za-z])([0-9A-Za-z]{18})(?![0-9A-Za-z])")


@dataclass(frozen=True)
class CodeReading:
    """A code as cleaned, whether its check character holds, and whether we repaired it."""

    value: str
    valid: bool
    repaired: bool = False


def clean_code(text: str) -> str:
    """Upper case, no spaces or separators: the contract's spelling of codes."""
    return _SEPARATORS.sub("", text).upper()


def is_valid_id_number(value: str) -> bool:
    """Length, check digit, birth date and a known birth place (python-stdnum).

    stdnum's place table lists some codes only at city level (no county); it then
    raises KeyError instead of answering. Such a code is a known place, so the number
    is judged on its other parts.
    """
    if len(value) != 18:
        return False
    try:
        return ric.is_valid(value)
    except KeyError:
        try:
            return value[-1] == ric.calc_check_digit(value) and bool(ric.get_birth_date(value))
        except Exception:  # stdnum's ValidationError subclasses: not digits, no such date
            return False


def is_valid_credit_code(value: str) -> bool:
    if len(value) != 18:
        return False
    try:
        uscc.validate(value)
    except Exception:  # stdnum raises several ValidationError subclasses
        return False
    return True


def _validator(kind: CodeKind):
    return is_valid_id_number if kind == "id_number" else is_valid_credit_code


def _single_repairs(value: str, kind: CodeKind) -> set[str]:
    candidates: set[str] = set()
    for index, char in enumerate(value):
        swaps = set(_SWAPS.get(char, ()))
        if kind == "id_number" and index == len(value) - 1:
            swaps |= _ID_LAST_SWAPS.get(char, set())
            if char == "X":
                swaps.discard("X")
        for replacement in swaps:
            candidates.add(value[:index] + replacement + value[index + 1 :])
    return candidates


_CREDIT_IMPOSSIBLE = {"O": "0", "I": "1", "Z": "2", "S": "5"}


def _forced_credit_code(value: str) -> str:
    return "".join(_CREDIT_IMPOSSIBLE.get(ch, ch) for ch in value)


def _doubled_glyph_drops(value: str) -> set[str]:
    drops: set[str] = set()
    for index in range(len(value) - 1):
        left, right = value[index], value[index + 1]
        if left == right or right in _SWAPS.get(left, ()):
            drops.add(value[:index] + value[index + 1 :])
            drops.add(value[: index + 1] + value[index + 2 :])
    return drops


def read_code(text: str, kind: CodeKind) -> CodeReading:
    """Clean ``text`` as an ID number or credit code, repairing one OCR confusion if unambiguous."""
    value = clean_code(text)
    is_valid = _validator(kind)
    if is_valid(value):
        return CodeReading(value, True)
    if len(value) == 19:
        # OCR doubled one glyph ("MAO01" for "MA01"): drop a character that repeats or is
        # the confusion twin of its neighbour, if exactly one such drop is valid
        doubled = {c for c in _doubled_glyph_drops(value) if is_valid(c)}
        if len(doubled) == 1:
            return CodeReading(doubled.pop(), True, repaired=True)
        return CodeReading(value, False)
    if len(value) != 18:
        return CodeReading(value, False)
    valid_repairs = [c for c in _single_repairs(value, kind) if is_valid(c)]
    if len(valid_repairs) == 1:
        return CodeReading(valid_repairs[0], True, repaired=True)
    # A credit code never holds I, O, S or Z (GB 32100-2015 leaves them out), so those
    # letters have one reading only: map them all, then let the check character confirm.
    # No choice is made, so this is no guess; ID numbers keep the one-repair rule.
    if kind == "credit_code":
        forced = _forced_credit_code(value)
        if forced != value and is_valid(forced):
            return CodeReading(forced, True, repaired=True)
        if forced != value:
            # still invalid: the printed code's check character is wrong (``invalid_code``);
            # report it as printed, which cannot hold those letters ("KFWO" is "KFW0")
            return CodeReading(forced, False, repaired=True)
    return CodeReading(value, False)


def read_id_number(text: str) -> CodeReading:
    return read_code(text, "id_number")


def read_credit_code(text: str) -> CodeReading:
    return read_code(text, "credit_code")


def looks_like_id_number(text: str) -> bool:
    """18 characters that are mostly digits: worth reading as an ID number."""
    value = clean_code(text)
    if len(value) != 18:
        return False
    digits = sum(ch.isdigit() for ch in value[:17])
    return digits >= 15 and (value[17].isdigit() or value[17] in "XK")


def looks_like_credit_code(text: str) -> bool:
    """18 upper-case alphanumerics starting like a credit code (registration authority + type)."""
    value = clean_code(text)
    if len(value) != 18 or not value.isalnum():
        return False
    digits = sum(ch.isdigit() for ch in value)
    return value[0] in "123456789ABCDEFGNY" and digits >= 8


def find_codes(text: str, kind: CodeKind) -> list[str]:
    """Raw candidate spans in free text (spaces inside allowed), before cleaning."""
    found: list[str] = []
    if kind == "id_number":
        for match in ID_NUMBER_LOOSE.finditer(text):
            if looks_like_id_number(match.group(1)):
                found.append(match.group(1))
    else:
        for match in CREDIT_CODE_LOOSE.finditer(text):
            if looks_like_credit_code(match.group(1)):
                found.append(match.group(1))
    return found


def birth_date_of(id_number: str) -> str | None:
    """ISO date of birth encoded in an 18-digit ID number (digits 7-14), if it is a real date."""
    from datetime import date

    if len(id_number) != 18 or not id_number[6:14].isdigit():
        return None
    try:
        return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])).isoformat()
    except ValueError:
        return None


def gender_of(id_number: str) -> str | None:
    """The 17th digit is odd for men, even for women."""
    if len(id_number) != 18 or not id_number[16].isdigit():
        return None
    return "male" if int(id_number[16]) % 2 else "female"
