"""From a file's reading to its ``documents`` entries: classify, extract, measure.

Cheap and pure: it runs on every batch run from the cached reading, so better
classification or extraction reaches old uploads without another OCR pass.
"""

from __future__ import annotations

from typing import Any

from extractors import extract
from extractors.photo import photo_verdict
from pipeline.bundles import group_pages
from pipeline.classify import classify
from pipeline.models import DocumentResult, DocumentType, PageImage
from pipeline.reading import FileReading, preview_path
from pipeline.text import PageText

_PHOTO_PREFIX = "photo_"
_QUALITY_PREFIX = "quality_"


def interpret(reading: FileReading, file: str) -> list[DocumentResult]:
    """The documents of one upload; every page lands in exactly one entry.

    A file that bundles several documents (a scanned submission) gives one entry per
    document, with disjoint ``pages``; a file of one document gives exactly one entry,
    classified and extracted on all its pages together.
    """
    if not reading.pages:
        return [
            DocumentResult(
                file=file,
                sha256=reading.sha256,
                pages=[],
                error=reading.error or "the file has no pages",
                error_code=reading.error_code or "empty_document",
            )
        ]
    groups = group_pages(reading.pages, reading.language)
    if len(groups) <= 1:
        return [document_from_pages(reading, file, reading.pages)]
    documents = [document_from_pages(reading, file, group) for group in groups]
    for document in documents[:-1]:  # a read that broke off concerns the last pages only
        if reading.error is not None and document.error == reading.error:
            document.error = document.error_code = None
    return documents


def document_from_pages(reading: FileReading, file: str, pages: list[PageText]) -> DocumentResult:
    doc_type, confidence = classify(pages, reading.language)
    fields, evidence = extract(doc_type, pages, reading.language)
    error, error_code = reading.error, reading.error_code
    if (
        error is None
        and all(page.source == "none" for page in pages)
        and doc_type not in (DocumentType.PHOTO,)
    ):
        failed = [page for page in pages if page.checks.get("error")]
        if failed:
            error = f"page {failed[0].number}: {failed[0].checks['error']}"
            error_code = str(failed[0].checks.get("error_code") or "unreadable")
    return DocumentResult(
        file=file,
        sha256=reading.sha256,
        type=doc_type,
        confidence=round(confidence, 3),
        pages=[page.number for page in pages],
        fields=fields,
        checks=document_checks(doc_type, pages),
        error=error,
        error_code=error_code,
        field_evidence=evidence,
        page_images=[
            PageImage(
                page=page.number,
                path=preview_path(reading, page.image),
                width=page.width,
                height=page.height,
            )
            for page in pages
            if page.image
        ],
    )


def document_checks(doc_type: DocumentType, pages: list[PageText]) -> dict[str, Any]:
    """Photo measurements for a photo; capture quality and reading facts for the rest."""
    if doc_type is DocumentType.PHOTO:
        first = pages[0].checks
        measured = {
            key[len(_PHOTO_PREFIX) :]: value
            for key, value in first.items()
            if key.startswith(_PHOTO_PREFIX)
        }
        if "face_count" in measured:
            # the verdict by today's settings, not by those of the run that read the file
            measured["usable"], measured["problems"] = photo_verdict(measured)
        return measured
    checks: dict[str, Any] = {"text_source": sorted({page.source for page in pages})}
    for page in pages:
        for key, value in page.checks.items():
            if not key.startswith(_QUALITY_PREFIX):
                continue
            name = key[len(_QUALITY_PREFIX) :]
            if isinstance(value, bool):
                checks[name] = checks.get(name, False) or value
            elif name not in checks:
                checks[name] = value
    words = [word for page in pages for word in page.words]
    checks["ocr_mean_confidence"] = (
        round(sum(w.confidence for w in words) / len(words), 3) if words else None
    )
    return checks
