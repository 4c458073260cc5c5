"""A clerk's regrouping of a file's pages into documents, read again from the cached reading.

The pipeline splits a bundled upload (ID card, lease, licence in one scan) by page
(:mod:`pipeline.bundles`); when it splits wrongly, a clerk moves a page to another document
of the same file, splits a document at a page, merges two documents, or says what type a
document is. Each change re-builds only the entries concerned, exactly as the batch builds
them (:func:`pipeline.documents.document_from_pages` on the cached page readings: no OCR),
so moving a page back gives back the very entries the pipeline wrote.

Pure: the documents, the file's :class:`FileReading` and a request in; new documents out.
Whatever the request, every page of the file stays in exactly one entry, pages in each
entry sorted, entries of the file disjoint and ordered by their first page. Error messages
name documents by number and pages by number, never their content.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from extractors import extract
from pipeline.documents import document_checks, document_from_pages
from pipeline.models import DocumentResult, DocumentType
from pipeline.reading import FileReading
from pipeline.text import PageText

Action = Literal["move", "split", "merge", "type"]
ACTIONS: tuple[str, ...] = ("move", "split", "merge", "type")


class RegroupError(ValueError):
    """A request that cannot be carried out; the message is meant for the clerk."""


@dataclass(frozen=True)
class RegroupRequest:
    """What the clerk asked, on document ``document`` (its index in the result's documents).

    * ``move``: ``page`` of the document goes to document ``target`` of the same file
      (``target`` None: the page becomes a document of its own);
    * ``split``: ``page`` and the document's later pages become a new document;
    * ``merge``: the document's pages join document ``target`` of the same file;
    * ``type``: the document is of ``type``: its fields are read again for that type.
    """

    action: Action
    document: int
    page: int | None = None
    target: int | None = None
    type: DocumentType | None = None

    def describe(self) -> str:
        """For the audit trail: document numbers as the clerk sees them (1-based)."""
        number = f"#{self.document + 1}"
        if self.action == "move":
            where = f"#{self.target + 1}" if self.target is not None else "a new document"
            return f"move page {self.page} of {number} to {where}"
        if self.action == "split":
            return f"split {number} at page {self.page}"
        if self.action == "merge":
            return f"merge {number} into #{(self.target or 0) + 1}"
        return f"type of {number}: {self.type.value if self.type else None}"


@dataclass(frozen=True)
class Regrouped:
    """The new documents, and what changed for the audit trail and the page."""

    documents: list[DocumentResult]
    file: str
    #: the file's page groups before and after, in the order of its entries
    before: list[list[int]]
    after: list[list[int]]
    #: indexes (in ``documents``) of the entries built again from the reading
    reread: list[int]
    #: index (in ``documents``) of the entry the clerk will want to look at next
    focus: int


def file_groups(documents: Sequence[DocumentResult], file: str) -> list[list[int]]:
    """The pages of each entry of ``file``, in the order of the entries."""
    return [list(doc.pages) for doc in documents if doc.file == file]


def regroup(
    documents: Sequence[DocumentResult], reading: FileReading, request: RegroupRequest
) -> Regrouped:
    """The documents after the clerk's request; raises :class:`RegroupError` when it is invalid.

    Entries the request does not touch are kept as they are (with any earlier correction);
    the entries it touches are built again from ``reading``, the cached reading of the file.
    """
    if request.action not in ACTIONS:
        raise RegroupError(f"unknown action '{request.action}'")
    if not 0 <= request.document < len(documents):
        raise RegroupError(f"there is no document #{request.document + 1}")
    doc = documents[request.document]
    file = doc.file
    mine = [index for index, other in enumerate(documents) if other.file == file]
    _check_reading(documents, mine, doc, reading)
    # the file's entries the request leaves alone, and the groups it builds anew
    kept: dict[int, list[int]] = {index: sorted(documents[index].pages) for index in mine}
    new_groups: list[tuple[list[int], DocumentType | None]] = []
    focus_pages: list[int]

    if request.action == "type":
        if request.type is None:
            raise RegroupError("choose a document type")
        if request.type is doc.type:
            raise RegroupError(f"document #{request.document + 1} is already of that type")
        new_groups.append((kept.pop(request.document), request.type))
        focus_pages = new_groups[0][0]
    elif request.action == "merge":
        target = _sibling(documents, mine, request)
        merged = sorted(kept.pop(request.document) + kept.pop(target))
        new_groups.append((merged, None))
        focus_pages = merged
    else:
        page = _page_of(doc, request)
        pages = kept.pop(request.document)
        if request.action == "split":
            if page == pages[0]:
                raise RegroupError(
                    f"page {page} is the first page of document #{request.document + 1}: "
                    "splitting there would leave an empty document"
                )
            new_groups += [
                ([p for p in pages if p < page], None),
                ([p for p in pages if p >= page], None),
            ]
            focus_pages = new_groups[1][0]
        else:  # move
            if len(pages) == 1:
                raise RegroupError(
                    f"page {page} is the only page of document #{request.document + 1}: "
                    "moving it would leave an empty document (merge the document instead)"
                )
            new_groups.append(([p for p in pages if p != page], None))
            if request.target is None:
                new_groups.append(([page], None))
                focus_pages = [page]
            else:
                target = _sibling(documents, mine, request)
                received = sorted([*kept.pop(target), page])
                new_groups.append((received, None))
                focus_pages = received

    by_number = {page.number: page for page in reading.pages}
    entries: list[tuple[list[int], DocumentResult, bool]] = [
        (pages, documents[index], False) for index, pages in kept.items()
    ]
    for pages, forced in new_groups:
        built = _build(reading, file, [by_number[p] for p in pages], forced)
        entries.append((pages, built, True))
    entries.sort(key=lambda entry: entry[0][0])

    first = mine[0]
    rebuilt = [documents[i] for i in range(first) if documents[i].file != file]
    start = len(rebuilt)
    rebuilt += [entry[1] for entry in entries]
    rebuilt += [d for i, d in enumerate(documents) if i > first and d.file != file]
    after = [entry[0] for entry in entries]
    _check_invariants(file_groups(documents, file), after)
    return Regrouped(
        documents=rebuilt,
        file=file,
        before=file_groups(documents, file),
        after=after,
        reread=[start + i for i, entry in enumerate(entries) if entry[2]],
        focus=start + after.index(focus_pages),
    )


# ------------------------------------------------------------------ helpers


def _check_reading(
    documents: Sequence[DocumentResult], mine: list[int], doc: DocumentResult, reading: FileReading
) -> None:
    if not doc.pages:
        raise RegroupError("this file could not be read: it has no pages to regroup")
    if reading.sha256 != doc.sha256:
        raise RegroupError("the cached reading is of another file: it cannot be read again")
    held = sorted(page for index in mine for page in documents[index].pages)
    read = sorted(page.number for page in reading.pages)
    if held != read:
        raise RegroupError(
            "the documents of this file do not cover its pages as read: it cannot be regrouped"
        )


def _page_of(doc: DocumentResult, request: RegroupRequest) -> int:
    if request.page is None:
        raise RegroupError("choose a page")
    if request.page not in doc.pages:
        raise RegroupError(f"page {request.page} is not in document #{request.document + 1}")
    return request.page


def _sibling(documents: Sequence[DocumentResult], mine: list[int], request: RegroupRequest) -> int:
    """The target document, which must be another entry of the same file."""
    target = request.target
    if target is None:
        raise RegroupError("choose the document to move to")
    if not 0 <= target < len(documents):
        raise RegroupError(f"there is no document #{target + 1}")
    if target == request.document:
        raise RegroupError(f"document #{target + 1} is the document itself")
    if target not in mine:
        raise RegroupError(
            f"document #{target + 1} is of another file: pages move only within one file"
        )
    return target


def _build(
    reading: FileReading, file: str, pages: list[PageText], forced: DocumentType | None
) -> DocumentResult:
    """An entry as the batch builds it (or, with ``forced``, as the clerk says it is)."""
    doc = document_from_pages(reading, file, pages)
    if forced is not None and forced is not doc.type:
        fields, evidence = extract(forced, pages, reading.language)
        doc = doc.model_copy(
            update={
                "type": forced,
                "fields": fields,
                "field_evidence": evidence,
                "checks": document_checks(forced, pages),
            }
        )
    if forced is not None:
        doc = doc.model_copy(update={"confidence": 1.0})  # the clerk said so
    last = max(page.number for page in reading.pages)
    if reading.error is not None and doc.error == reading.error and last not in doc.pages:
        doc = doc.model_copy(update={"error": None, "error_code": None})  # as interpret()
    return doc


def _check_invariants(before: list[list[int]], after: list[list[int]]) -> None:
    """Every page exactly once, no empty entry, pages sorted (a bug here must not be written)."""
    pages = [page for group in after for page in group]
    if (
        sorted(pages) != sorted(page for group in before for page in group)
        or len(set(pages)) != len(pages)
        or any(not group or group != sorted(group) for group in after)
    ):
        raise RegroupError("the regrouping would lose or repeat a page; nothing was changed")
