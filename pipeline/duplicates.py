"""The same document offered under several applications: flag every one for review.

One rental contract offered by many applicants is a known fraud pattern (it can
also be a family sharing a flat, which is why a clerk decides, not the machine).
Two kinds are found across a batch:

- exact: the same bytes (sha256), known right after ingest;
- near: the same page scanned or photographed twice. Its bytes differ, its text
  does not: word-bigram Jaccard similarity of the OCR text >= ``NEAR_THRESHOLD``
  over documents with at least ``MIN_SHINGLES`` distinct bigrams. Documents of
  one template (two leases of one agency) share their boilerplate but not their
  names, numbers and dates, and stay well below the threshold.

Near pairs are found without comparing every pair: with tokens ordered by how
rare they are in the batch, two sets with Jaccard >= t must share a token
among the first ``|s| - ceil(t * |s|) + 1`` of each (prefix filtering), so
only documents sharing such a rare token are compared.

The review reason names the file (as every review reason does) and the other
application's id, never the document's content.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.models import ApplicationResult, DocumentResult

NEAR_THRESHOLD = 0.9
MIN_SHINGLES = 30
#: Every duplicate review reason contains this, so a later run can replace them.
DUPLICATE_MARK = "the same document was uploaded under application"
_WORD = re.compile(r"\w+", re.UNICODE)

#: (application id, document) -> the document's text, or None when it has none to compare.
TextSource = Callable[[str, DocumentResult], str | None]


@dataclass(frozen=True)
class DocumentText:
    """What duplicate detection needs of one document: where it is and what it says."""

    application_id: str
    file: str
    sha256: str
    text: str | None = None


@dataclass(frozen=True)
class DuplicatePair:
    first: DocumentText
    second: DocumentText
    exact: bool
    similarity: float


def shingles(text: str) -> frozenset[str]:
    """Distinct word bigrams of the text, case-folded; CJK characters count as words."""
    words = [w for w in _WORD.findall(text.casefold()) if not w.isdigit() or len(w) > 1]
    tokens: list[str] = []
    for word in words:  # a run of CJK characters has no spaces: one token per character
        if any("\u4e00" <= ch <= "\u9fff" for ch in word):
            tokens.extend(word)
        else:
            tokens.append(word)
    return frozenset(f"{a} {b}" for a, b in itertools.pairwise(tokens))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def find_duplicates(
    documents: Iterable[DocumentText],
    threshold: float = NEAR_THRESHOLD,
    min_shingles: int = MIN_SHINGLES,
) -> list[DuplicatePair]:
    """Pairs of documents from different applications that are the same document."""
    docs = list(documents)
    pairs: dict[tuple[int, int], DuplicatePair] = {}

    by_hash: dict[str, list[int]] = defaultdict(list)
    for index, doc in enumerate(docs):
        if doc.sha256:
            by_hash[doc.sha256].append(index)
    for group in by_hash.values():
        for position, i in enumerate(group):
            for j in group[position + 1 :]:
                if docs[i].application_id != docs[j].application_id:
                    pairs[(i, j)] = DuplicatePair(docs[i], docs[j], exact=True, similarity=1.0)

    sets = {i: shingles(doc.text) for i, doc in enumerate(docs) if doc.text}
    sets = {i: s for i, s in sets.items() if len(s) >= min_shingles}
    frequency = Counter(token for s in sets.values() for token in s)
    index_of: dict[str, list[int]] = defaultdict(list)
    for i in sorted(sets):
        ordered = sorted(sets[i], key=lambda token: (frequency[token], token))
        prefix = ordered[: len(ordered) - math.ceil(threshold * len(ordered)) + 1]
        candidates: set[int] = set()
        for token in prefix:
            candidates.update(index_of[token])
            index_of[token].append(i)
        for j in sorted(candidates):
            key = (j, i)
            if key in pairs or docs[i].application_id == docs[j].application_id:
                continue
            similarity = jaccard(sets[i], sets[j])
            if similarity >= threshold:
                pairs[key] = DuplicatePair(docs[j], docs[i], exact=False, similarity=similarity)
    return [pairs[key] for key in sorted(pairs)]


def review_reasons(pairs: Iterable[DuplicatePair]) -> dict[str, list[str]]:
    """Review reasons per application id: file name and the other application, no content."""
    reasons: dict[str, list[str]] = defaultdict(list)
    for pair in pairs:
        how = "identical file" if pair.exact else "same text, scanned again"
        for mine, other in ((pair.first, pair.second), (pair.second, pair.first)):
            text = (
                f"file '{mine.file}': {DUPLICATE_MARK} {other.application_id} ({how}); "
                "one document offered by several applicants is a known fraud pattern: "
                "compare both applications"
            )
            if text not in reasons[mine.application_id]:
                reasons[mine.application_id].append(text)
    return dict(reasons)


def with_duplicate_reasons(result: ApplicationResult, reasons: Sequence[str]) -> ApplicationResult:
    """The result with its duplicate reasons replaced by ``reasons`` (others kept, in order)."""
    kept = [reason for reason in result.review_reasons if DUPLICATE_MARK not in reason]
    had_duplicates = len(kept) != len(result.review_reasons)
    needs_review = bool(kept) or bool(reasons) or (result.needs_review and not had_duplicates)
    return result.model_copy(
        update={"review_reasons": kept + list(reasons), "needs_review": needs_review}
    )


def document_texts(
    results: Iterable[ApplicationResult],
    text_of: TextSource,
) -> list[DocumentText]:
    """The documents of the results that have pages, with their text (may be None)."""
    return [
        DocumentText(
            result.application_id, doc.file, doc.sha256, text_of(result.application_id, doc)
        )
        for result in results
        for doc in result.documents
        if doc.pages
    ]


def flag_duplicates(
    results: Sequence[ApplicationResult],
    text_of: TextSource,
) -> list[ApplicationResult]:
    """Every result with its duplicate review reasons up to date (pure). The reasons do
    not depend on the order of ``results`` (the order applications finished in), so that
    a rerun, which takes finished results in folder order, rewrites nothing."""
    in_id_order = sorted(results, key=lambda result: result.application_id)
    reasons = review_reasons(find_duplicates(document_texts(in_id_order, text_of)))
    return [with_duplicate_reasons(r, reasons.get(r.application_id, [])) for r in results]


# ------------------------------------------------------------------ the flow's side


def reading_text_of(cache_dir: Path, languages: dict[str, str]) -> TextSource:
    """Text of a document from the reading cache (its pages only); None when not cached."""
    from pipeline.cache import ReadingCache
    from pipeline.reading import cache_key

    cache = ReadingCache(cache_dir)

    def text_of(application_id: str, doc: DocumentResult) -> str | None:
        for language in dict.fromkeys([languages.get(application_id, "en"), "en", "zh"]):
            reading = cache.get(cache_key(doc.sha256, language))
            if reading is not None:
                wanted = set(doc.pages)
                return "\n".join(p.text for p in reading.pages if p.number in wanted)
        return None

    return text_of


def update_outbox(
    results: Sequence[ApplicationResult],
    out_dirs: dict[str, Path],
    cache_dir: Path,
    languages: dict[str, str] | None = None,
    on_change: Callable[[ApplicationResult], None] | None = None,
) -> list[ApplicationResult]:
    """Flag duplicates across the batch and rewrite the result.json of those that changed.

    Runs after every application is finished (near duplicates need all readings).
    An unchanged result is not written, so a rerun leaves every file as it was.
    ``out_dirs`` maps application id to its output folder; ``on_change`` is told of
    each rewritten result (e.g. to update the store).
    """
    from pipeline.application import RESULT_NAME
    from pipeline.cache import write_atomic

    updated = flag_duplicates(results, reading_text_of(cache_dir, languages or {}))
    for before, after in zip(results, updated, strict=True):
        if after == before or before.application_id not in out_dirs:
            continue
        payload = after.model_dump(mode="json")
        write_atomic(
            out_dirs[before.application_id] / RESULT_NAME,
            json.dumps(payload, ensure_ascii=False, indent=2).encode("utf-8"),
        )
        if on_change is not None:
            on_change(after)
    return updated
