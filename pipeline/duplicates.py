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

What a batch keeps of each document until its end is a ``DocumentPrint``: its
place, its bytes' hash and the 64-bit hashes of its bigrams, computed once when
its application is finished. The text itself is dropped, so a batch's memory
does not hold the text of every document for the end-of-batch pass.

The review reason names the file (as every review reason does) and the other
application's id, never the document's content.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.models import ApplicationResult, DocumentResult

if TYPE_CHECKING:
    from pipeline.reading import FileReading

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
class DocumentPrint:
    """What the batch keeps of one document for the duplicate pass, instead of its text:
    where it is, its bytes' hash, and its distinct word bigrams as sorted 64-bit hashes
    (``shingle_hashes``), packed 8 bytes each."""

    application_id: str
    file: str
    sha256: str
    shingles: bytes = b""

    @property
    def shingle_count(self) -> int:
        return len(self.shingles) // _HASH_BYTES

    def shingle_hashes(self) -> array:
        hashes = array("Q")
        hashes.frombytes(self.shingles)
        return hashes


@dataclass(frozen=True)
class DuplicatePair:
    first: DocumentPrint
    second: DocumentPrint
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


_HASH_BYTES = 8


def shingle_hashes(text: str) -> array:
    """The shingles of the text as sorted 64-bit hashes (blake2b: the same in every
    process, unlike ``hash``). Two of a batch's some 10^5 distinct bigrams collide
    with odds of about 10^-9, so similarities are those of the bigrams themselves."""
    return array(
        "Q",
        sorted(
            {
                int.from_bytes(hashlib.blake2b(s.encode(), digest_size=_HASH_BYTES).digest())
                for s in shingles(text)
            }
        ),
    )


def document_print(doc: DocumentText) -> DocumentPrint:
    """The print of a document: its text reduced to its bigrams' hashes."""
    hashes = shingle_hashes(doc.text) if doc.text else array("Q")
    return DocumentPrint(doc.application_id, doc.file, doc.sha256, hashes.tobytes())


def find_duplicates(
    documents: Iterable[DocumentPrint | DocumentText],
    threshold: float = NEAR_THRESHOLD,
    min_shingles: int = MIN_SHINGLES,
) -> list[DuplicatePair]:
    """Pairs of documents from different applications that are the same document.
    Only one document's bigram set is built at a time: the prints stay packed."""
    docs = [doc if isinstance(doc, DocumentPrint) else document_print(doc) for doc in documents]
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

    compared = [i for i, doc in enumerate(docs) if doc.shingle_count >= max(min_shingles, 1)]
    frequency = Counter(itertools.chain.from_iterable(docs[i].shingle_hashes() for i in compared))
    index_of: dict[int, list[int]] = defaultdict(list)
    for i in compared:
        mine = docs[i].shingle_hashes()
        ordered = sorted(mine, key=lambda token: (frequency[token], token))
        prefix = ordered[: len(ordered) - math.ceil(threshold * len(ordered)) + 1]
        candidates: set[int] = set()
        for token in prefix:
            candidates.update(index_of[token])
            index_of[token].append(i)
        mine_set = set(mine)
        for j in sorted(candidates):
            key = (j, i)
            if key in pairs or docs[i].application_id == docs[j].application_id:
                continue
            common = len(mine_set.intersection(docs[j].shingle_hashes()))
            similarity = common / (len(mine_set) + docs[j].shingle_count - common)
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


def document_prints(result: ApplicationResult, text_of: TextSource) -> list[DocumentPrint]:
    """The prints of a result's documents that have pages, in document order: computed
    once, when the application is finished, so that its text need not be kept."""
    return [
        document_print(
            DocumentText(
                result.application_id, doc.file, doc.sha256, text_of(result.application_id, doc)
            )
        )
        for doc in result.documents
        if doc.pages
    ]


def duplicate_reasons(prints: Iterable[DocumentPrint]) -> dict[str, list[str]]:
    """Duplicate review reasons per application id across a batch's prints. They do not
    depend on the order the prints came in (the order applications finished in), so that
    a rerun, which takes finished results in folder order, rewrites nothing: prints are
    taken in application-id order, each application's in document order."""
    in_id_order = sorted(prints, key=lambda print_: print_.application_id)
    return review_reasons(find_duplicates(in_id_order))


def flag_duplicates(
    results: Sequence[ApplicationResult],
    text_of: TextSource,
) -> list[ApplicationResult]:
    """Every result with its duplicate review reasons up to date (pure)."""
    reasons = duplicate_reasons(
        print_ for result in results for print_ in document_prints(result, text_of)
    )
    return [with_duplicate_reasons(r, reasons.get(r.application_id, [])) for r in results]


def _flags_changed(before: ApplicationResult, after: ApplicationResult) -> bool:
    """``with_duplicate_reasons`` changes these two fields only."""
    flags = before.review_reasons, before.needs_review
    return flags != (after.review_reasons, after.needs_review)


# ------------------------------------------------------------------ the flow's side


def pages_text(reading: FileReading, pages: Iterable[int]) -> str:
    """The text of some pages of a reading (a document's), one line per line."""
    wanted = set(pages)
    return "\n".join(page.text for page in reading.pages if page.number in wanted)


def readings_text_of(readings: Mapping[str, FileReading]) -> TextSource:
    """Text of a document from its application's readings (by file name), pages only."""

    def text_of(application_id: str, doc: DocumentResult) -> str | None:
        reading = readings.get(doc.file)
        return pages_text(reading, doc.pages) if reading is not None else None

    return text_of


def reading_text_of(cache_dir: Path, languages: dict[str, str]) -> TextSource:
    """Text of a document from the reading cache (its pages only); None when not cached."""
    from pipeline.cache import ReadingCache
    from pipeline.reading import cache_key

    cache = ReadingCache(cache_dir)

    def text_of(application_id: str, doc: DocumentResult) -> str | None:
        for language in dict.fromkeys([languages.get(application_id, "en"), "en", "zh"]):
            reading = cache.get(cache_key(doc.sha256, language))
            if reading is not None:
                return pages_text(reading, doc.pages)
        return None

    return text_of


def _write_result(folder: Path, result: ApplicationResult) -> None:
    from pipeline.application import RESULT_NAME
    from pipeline.cache import write_atomic

    payload = result.model_dump(mode="json")
    write_atomic(
        folder / RESULT_NAME, json.dumps(payload, ensure_ascii=False, indent=2).encode("utf-8")
    )


def flag_outbox(
    results: Sequence[ApplicationResult],
    prints: Iterable[DocumentPrint],
    out_dirs: dict[str, Path],
    on_change: Callable[[ApplicationResult], None] | None = None,
) -> list[ApplicationResult]:
    """Flag duplicates across the batch from its documents' prints, once every
    application is finished, and rewrite the result.json of those whose flags changed.

    ``results`` may be compact (``pipeline.reporting.compact_result``): a result whose
    flags change is read back whole from its folder, flagged and written, and that
    whole result is what ``on_change`` is told of. Returns ``results`` with their flags
    up to date. An unchanged result is not written, so a rerun leaves every file as it was.
    """
    from pipeline.application import RESULT_NAME

    reasons = duplicate_reasons(prints)
    updated: list[ApplicationResult] = []
    for before in results:
        mine = reasons.get(before.application_id, [])
        after = with_duplicate_reasons(before, mine)
        updated.append(after)
        if not _flags_changed(before, after) or before.application_id not in out_dirs:
            continue
        folder = out_dirs[before.application_id]
        whole = ApplicationResult.model_validate_json((folder / RESULT_NAME).read_bytes())
        whole = with_duplicate_reasons(whole, mine)
        _write_result(folder, whole)
        if on_change is not None:
            on_change(whole)
    return updated
