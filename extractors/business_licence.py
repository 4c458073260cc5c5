"""Business licence: company, unified social credit code, legal representative, address, term."""

from __future__ import annotations

import re
from typing import Any

from rapidfuzz.distance import Levenshtein

from extractors.base import (
    ORG_MARKERS,
    FieldSpec,
    Layout,
    Value,
    find_code_anywhere,
    finish,
    org_row_near,
    read_fields,
    text_key,
    type_labels,
)
from pipeline.models import DOCUMENT_FIELDS, DocumentType, FieldEvidence
from pipeline.text import PageText

FIELDS = DOCUMENT_FIELDS[DocumentType.BUSINESS_LICENCE]
SPECS = [
    FieldSpec("credit_code", "credit_code"),
    FieldSpec("company_name", "org"),
    FieldSpec("legal_representative", "person"),
    FieldSpec("address", "address", multiline=True),
    FieldSpec("valid_until", "validity"),
]


def extract(
    pages: list[PageText], language: str
) -> tuple[dict[str, Any], dict[str, FieldEvidence]]:
    layout = Layout(pages)
    result = read_fields(layout, language, "business_licence", SPECS)
    if result.fields.get("credit_code") is None:
        result.put("credit_code", find_code_anywhere(layout, "credit_code"))
    if result.fields.get("company_name") is None:
        # its label lost (OCR, a seal over it): the company's name stands on a row of its own
        # near the top, under the title; the issuing authority signs at the bottom
        result.put("company_name", org_row_near(layout, "top"))
    named = result.values.get("company_name")
    if named is not None:
        name = without_entity_type(str(named.value), language)
        if name != named.value:
            result.fields.pop("company_name")
            result.put("company_name", Value(name, named.toks, named.confidence, named.below))
    return finish(result, FIELDS)


# --- the licence's "type" field read into the name ---------------------------------------
#
# A licence states what kind of entity it licenses ("类型 个体工商户", "Type  Limited liability
# company") in a field of its own, often right after the name. When OCR loses that field's
# label, or runs the name's cell into it, its value ends up at the end of the name: a name
# followed by a kind of entity (and perhaps what is left of the label) is the name alone.

#: Letters a trailing leftover of the type label may differ from the label by ("美型").
_LABEL_MISREAD_LETTERS = 1


def _key_chars(text: str) -> list[tuple[int, str]]:
    """(position, matching character) for every character that counts for matching: no
    spaces or punctuation, folded width and case."""
    return [(index, key) for index, char in enumerate(text) for key in text_key(char)[:1]]


def _strip_phrase(value: str, phrase: str) -> str | None:
    """``value`` without ``phrase`` at its end (width, case, spaces and punctuation aside),
    or None when it does not end with it."""
    wanted = text_key(phrase)
    chars = _key_chars(value)
    if not wanted or len(chars) <= len(wanted):
        return None
    tail = "".join(key for _, key in chars[-len(wanted) :])
    if tail != wanted:
        return None
    return value[: chars[-len(wanted)][0]].rstrip(" ,;:：，；")


#: Last words of the names of shops and small businesses (an individual business's name
#: rarely ends as a company's does).
_SHOP_END = re.compile(
    r"(?:[店厂社行馆部坊铺室所站场]|\b(?:store|shop|restaurant|salon|clinic|workshop|firm|"
    r"bakery|pharmacy|supermarket|market|hotel|cafe|teahouse|farm|trading|house))$",
    re.IGNORECASE,
)


#: Kinds of entity that are also the legal end of names ("... Limited Liability Company",
#: "...合伙企业"), and those legal ends.
_LEGAL_FORM = re.compile(
    r"company|limited|partnership|enterprise|cooperative|公司|企业|合作社", re.IGNORECASE
)
_LEGAL_END = re.compile(
    r"(?:\b(?:co|ltd|limited|inc|corp|corporation|company|llc|partnership)\.?|公司|集团|企业|"
    r"合作社|（有限合伙）|\(有限合伙\))\W*$",
    re.IGNORECASE,
)


def _ends_as_a_name(text: str) -> bool:
    """Whether ``text`` ends with an organisation's own word (公司, 店, "Co., Ltd.")."""
    stripped = text.rstrip(" .,)）")
    markers = list(ORG_MARKERS.finditer(stripped))
    if markers and markers[-1].end() >= len(stripped) - 1:
        return True
    return bool(_SHOP_END.search(stripped))


def _strip_label(text: str, labels: list[str]) -> str:
    """``text`` without a trailing type label, as printed or misread by a letter."""
    for label in sorted(labels, key=len, reverse=True):
        stripped = _strip_phrase(text, label)
        if stripped is not None:
            return stripped
    latin = re.search(r"[A-Za-z]+$", text)
    for label in labels:
        # the label's last word (Latin) or its characters (Chinese) at the end of ``text``
        tail = latin.group(0) if latin and label.isascii() else text[-len(label) :]
        wanted = label.split()[-1] if label.isascii() else label
        if (
            len(tail) == len(wanted)
            and Levenshtein.distance(tail.lower(), wanted.lower()) <= _LABEL_MISREAD_LETTERS
            and _ends_as_a_name(text[: -len(tail)])
        ):
            return text[: -len(tail)].rstrip(" ,;:：，；")
    return text


def without_entity_type(name: str, language: str) -> str:
    """The company's name without a kind of entity (and its label) read onto its end; the
    name unchanged when what is left would not end as a name ("北京某某有限责任公司" is a name
    that ends with a kind of entity, not a name and a kind)."""
    vocab = type_labels(language, "business_licence")
    kinds = sorted(vocab.get("entity_types") or [], key=len, reverse=True)
    labels = list(vocab.get("entity_type_labels") or [])
    for kind in kinds:
        rest = _strip_phrase(name, kind)
        if rest is None:
            continue
        unlabelled = _strip_label(rest, labels)
        if _LEGAL_FORM.search(kind) and unlabelled == rest and not _LEGAL_END.search(rest):
            # "Hefei Payne Property Services Limited Liability Company": a name whose legal
            # form is a kind of entity; a second form after its own is the type field
            continue
        if len(text_key(unlabelled)) >= 2 and _ends_as_a_name(unlabelled):
            return unlabelled
    return name
