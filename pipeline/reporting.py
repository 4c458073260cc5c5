"""What the operators' dashboard shows of a batch: pure builders, no Prefect.

The flow turns these into Prefect artifacts (tables, markdown, progress). They
are built so that no personal data can reach Prefect's database: applications
are named by id, files by their number in the application (file names may
hold a person's name), failures by their error code, review reasons with file
names replaced and every remaining value passed through ``mask``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pipeline.models import ApplicationResult, DocumentResult, Status
from pipeline.privacy import mask

#: Prefect artifact keys: lowercase letters, digits and dashes only.
_KEY_UNSAFE = re.compile(r"[^a-z0-9-]+")
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
#: A quoted file name in a review reason, with the word "file" before it when present.
_QUOTED = re.compile(r"(?:file )?'([^']*)'")


@dataclass(frozen=True)
class FailedFile:
    """A file that could not be read at all, named by application and number."""

    application_id: str
    number: int
    error_code: str


def compact_result(result: ApplicationResult) -> ApplicationResult:
    """What a batch keeps of a finished application until its end (summary, dashboard,
    duplicate flags): the result without field values, evidence, checks and previews,
    which only its result.json needs. Each document keeps its file, hash, type, pages
    and error; the status, review reasons and notice are kept whole."""
    documents = [
        DocumentResult(
            file=doc.file,
            sha256=doc.sha256,
            type=doc.type,
            pages=doc.pages,
            error=doc.error,
            error_code=doc.error_code,
        )
        for doc in result.documents
    ]
    return result.model_copy(update={"documents": documents})


def artifact_key(batch: str, what: str) -> str:
    """A stable artifact key per batch and kind, e.g. ``proofs-2026-11-26-overview``."""
    raw = f"proofs-{batch}-{what}".lower()
    return _KEY_UNSAFE.sub("-", raw).strip("-")[:200]


def safe_id(application_id: str) -> str:
    """An application id as shown on the dashboard: id characters only, masked."""
    return mask(_ID_UNSAFE.sub("_", application_id))[:64]


def progress_percent(done: int, total: int) -> float:
    """Share of files done, 0..100; an empty batch is complete."""
    if total <= 0:
        return 100.0
    return round(100.0 * min(max(done, 0), total) / total, 1)


def file_labels(files: Iterable[str]) -> dict[str, int]:
    """Number the files of an application 1.. in the order the flow submits them."""
    return {name: number for number, name in enumerate(files, start=1)}


def failed_files(result: ApplicationResult, numbers: Mapping[str, int]) -> list[FailedFile]:
    """Files of which no page could be read, with their error code."""
    failed: list[FailedFile] = []
    for name in dict.fromkeys(doc.file for doc in result.documents):
        entries = [doc for doc in result.documents if doc.file == name]
        if entries and all(doc.error for doc in entries):
            code = next((doc.error_code for doc in entries if doc.error_code), None)
            failed.append(
                FailedFile(result.application_id, numbers.get(name, 0), code or "unreadable")
            )
    return failed


def describe_reason(reason: str, numbers: Mapping[str, int]) -> str:
    """A review reason with quoted file names replaced by ``file N``, then masked.

    Other quoted words (field names, document types) are code identifiers and stay.
    """

    def by_number(match: re.Match[str]) -> str:
        number = numbers.get(match.group(1))
        if number is None:
            return match.group(0)
        return f"file {number}"

    return mask(_QUOTED.sub(by_number, reason))


def overview_table(
    results: Sequence[ApplicationResult],
    numbers: Mapping[str, Mapping[str, int]],
    crashed: Sequence[str] = (),
) -> list[dict[str, object]]:
    """One table per batch: applications by status, notice items by material and
    reason, failed files by error code. Rows share the columns section/item/count."""
    rows: list[dict[str, object]] = []
    statuses = Counter(result.status for result in results)
    for status in Status:
        rows.append({"section": "applications", "item": status.value, "count": statuses[status]})
    if crashed:
        rows.append({"section": "applications", "item": "not checked", "count": len(crashed)})
    review = sum(result.needs_review for result in results)
    rows.append({"section": "applications", "item": "needs a clerk", "count": review})
    items = Counter(
        (item.material.value, item.reason.value)
        for result in results
        for item in result.notice.items
    )
    for (material, reason), count in sorted(items.items()):
        rows.append({"section": "notice items", "item": f"{material}: {reason}", "count": count})
    codes = Counter(
        failure.error_code
        for result in results
        for failure in failed_files(result, numbers.get(result.application_id, {}))
    )
    for code, count in sorted(codes.items()):
        rows.append({"section": "files failed", "item": code, "count": count})
    return rows


def failed_files_table(
    results: Sequence[ApplicationResult], numbers: Mapping[str, Mapping[str, int]]
) -> list[dict[str, object]]:
    """Every file that failed: application id, file number, error code."""
    return [
        {
            "application": safe_id(failure.application_id),
            "file": failure.number,
            "error_code": failure.error_code,
        }
        for result in results
        for failure in failed_files(result, numbers.get(result.application_id, {}))
    ]


def clerk_markdown(
    batch: str,
    results: Sequence[ApplicationResult],
    numbers: Mapping[str, Mapping[str, int]],
    crashed: Sequence[str] = (),
    review_url: str | None = None,
) -> str:
    """What needs a clerk: flagged applications with their (masked) reasons,
    rejected forms, and applications whose checking failed."""
    flagged = [result for result in results if result.needs_review]
    rejected = [result for result in results if result.status is Status.REJECTED]
    lines = [f"# Batch {mask(batch)}: what needs a clerk", ""]
    if review_url:
        lines += [f"Review app: [{review_url}]({review_url})", ""]
    if not (flagged or rejected or crashed):
        lines.append("Nothing: every notice can go out as decided.")
        return "\n".join(lines) + "\n"
    if flagged:
        lines += [f"## To review before the notice goes out ({len(flagged)})", ""]
        for result in flagged:
            reasons = [
                describe_reason(reason, numbers.get(result.application_id, {}))
                for reason in result.review_reasons
            ] or ["(no reason recorded)"]
            lines.append(f"- **{safe_id(result.application_id)}** ({result.status.value})")
            lines += [f"  - {_markdown_text(reason)}" for reason in reasons]
        lines.append("")
    if rejected:
        lines += [f"## Form unusable: rejected ({len(rejected)})", ""]
        lines += [f"- **{safe_id(result.application_id)}**" for result in rejected]
        lines.append("")
    if crashed:
        lines += [f"## Could not be checked: run the batch again ({len(crashed)})", ""]
        lines += [f"- **{safe_id(application_id)}**" for application_id in crashed]
        lines.append("")
    return "\n".join(lines)


def _markdown_text(text: str) -> str:
    """Plain text inside markdown: no links, no HTML, no emphasis."""
    return re.sub(r"([\\`*_\[\]<>|#])", r"\\\1", text)
