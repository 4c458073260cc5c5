"""One application from its readings to ``result.json`` and its notice.

Plain functions: the flow calls them in a task, the tests and the review app
call them directly.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pipeline.cache import write_atomic
from pipeline.decision import decide, rejected_decision
from pipeline.documents import interpret
from pipeline.ingest import FORM_NAME, ApplicationInput, UploadedFile
from pipeline.models import ApplicationResult, DocumentResult, Language
from pipeline.notice import write_notice
from pipeline.reading import FileReading
from pipeline.settings import Settings
from pipeline.version import code_fingerprint

RESULT_NAME = "result.json"


def input_fingerprint(application: ApplicationInput) -> str:
    """Identifies the inputs and code of a result: same fingerprint, same result."""
    form = application.folder / FORM_NAME
    form_hash = "-"
    if form.is_file():
        with form.open("rb") as stream:
            form_hash = hashlib.file_digest(stream, "sha256").hexdigest()
    parts = [code_fingerprint(), form_hash] + [
        f"{f.relative}:{f.sha256}" for f in application.files
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def finished_result(out_dir: Path, fingerprint: str) -> ApplicationResult | None:
    """The result already written for exactly these inputs, if any (rerun skips it)."""
    path = out_dir / RESULT_NAME
    try:
        result = ApplicationResult.model_validate_json(path.read_bytes())
    except (OSError, ValueError):
        return None
    return result if result.input_fingerprint == fingerprint else None


def documents_of(upload: UploadedFile, reading: FileReading | None) -> list[DocumentResult]:
    if upload.error is not None or reading is None:
        error = upload.error
        return [
            DocumentResult(
                file=upload.relative,
                sha256=upload.sha256,
                pages=[],
                error=error.message if error else "the file was not read",
                error_code=error.code if error else "not_read",
            )
        ]
    return interpret(reading, upload.relative)


def build_result(
    application: ApplicationInput,
    readings: dict[str, FileReading],
    settings: Settings,
    fingerprint: str = "",
) -> ApplicationResult:
    """Documents, decision and notice content of one application (no file writes)."""
    documents = [
        doc
        for upload in application.files
        for doc in documents_of(upload, readings.get(upload.relative))
    ]
    if application.form is None:
        decision = rejected_decision(application.application_id, application.form_errors)
        language = Language(application.language)
    else:
        decision = decide(application.form, documents, settings)
        language = application.form.language
    return ApplicationResult(
        application_id=application.application_id,
        status=decision.status,
        needs_review=decision.needs_review,
        review_reasons=decision.review_reasons,
        documents=documents,
        notice=decision.notice,
        language=language,
        pipeline_version=code_fingerprint(),
        input_fingerprint=fingerprint,
    )


def write_result(result: ApplicationResult, application: ApplicationInput, out_dir: Path) -> None:
    """Notice first, result.json last and atomically: its presence means 'finished'."""
    out_dir.mkdir(parents=True, exist_ok=True)
    write_notice(result, application.form, out_dir)
    payload = result.model_dump(mode="json")
    write_atomic(
        out_dir / RESULT_NAME, json.dumps(payload, ensure_ascii=False, indent=2).encode("utf-8")
    )
