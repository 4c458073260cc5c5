"""The per-file and per-application work of a batch, as plain functions (no Prefect).

``flows.batch`` wraps them into tasks; the speed benchmark calls them directly,
so that what Prefect adds to a run can be measured against the same work.
"""

from __future__ import annotations

import threading
from pathlib import Path

from pipeline.application import build_result, write_result
from pipeline.cache import ReadingCache
from pipeline.ingest import ApplicationInput, UploadedFile
from pipeline.memory import release_freed_memory
from pipeline.models import ApplicationResult
from pipeline.privacy import SECRETS, install_redaction
from pipeline.reading import FileReading, cache_key, preview_dir_for, read_upload
from pipeline.settings import Settings, get_settings
from pipeline.store import record_result

#: Files submitted ahead of the workers (per OCR worker, and at least): enough to keep
#: them busy, few enough that finished applications release their readings early.
READ_WINDOW_PER_WORKER = 3
READ_WINDOW_MIN = 6


#: read_one_file's arguments: label, path, format, sha256, language, cache folder.
ReadArguments = tuple[str, str, str | None, str, str, str]


def read_arguments(
    application: ApplicationInput, number: int, upload: UploadedFile, cache_dir: str
) -> ReadArguments:
    """The arguments of the read of an application's ``number``-th upload (a read task's,
    the read-ahead's, the speed bench's plain run's): plain strings, which the dashboard
    shows and Dask ships, labelled by application and file number, never by file name."""
    return (
        f"{application.application_id} file {number}",
        str(upload.path),
        upload.format,
        upload.sha256,
        application.language,
        cache_dir,
    )


def read_one_file(
    label: str, path: str, fmt: str | None, sha256: str, language: str, cache_dir: str
) -> tuple[FileReading, bool]:
    """OCR one upload, or take its reading from the content-addressed cache or from the
    read-ahead (``flows.read_ahead``) that began it while the server started."""
    from flows.read_ahead import READ_AHEAD

    begun = READ_AHEAD.take(cache_key(sha256, language))
    if begun is not None:
        return begun.result()
    return read_file_now(label, path, fmt, sha256, language, cache_dir)


def read_file_now(
    label: str, path: str, fmt: str | None, sha256: str, language: str, cache_dir: str
) -> tuple[FileReading, bool]:
    """``read_one_file`` without the read-ahead: the cache, else the file."""
    install_redaction()  # no-op in the flow's process; needed on a Dask worker
    cache = ReadingCache(Path(cache_dir))
    key = cache_key(sha256, language)
    cached = cache.get(key)
    if cached is not None:
        return cached, True
    settings = get_settings()
    with _ocr_slots(settings):
        try:
            reading = read_upload(
                Path(path),
                fmt,
                sha256,
                language,
                settings,
                preview_dir=preview_dir_for(Path(cache_dir), sha256, language),
            )
        finally:
            release_freed_memory()  # the file's page images: see pipeline/memory.py
    cache.put(key, reading)
    return reading, False


_OCR_SLOTS: threading.BoundedSemaphore | None = None
_OCR_SLOTS_LOCK = threading.Lock()


def ocr_concurrency(settings: Settings) -> int:
    """Files read at once in one process: ``PROOFS_OCR_CONCURRENCY``, else ``workers``."""
    return settings.ocr_concurrency or settings.workers


def _ocr_slots(settings: Settings) -> threading.BoundedSemaphore:
    """One semaphore per process (thread pool or Dask worker), sized once by the settings."""
    global _OCR_SLOTS
    with _OCR_SLOTS_LOCK:
        if _OCR_SLOTS is None:
            _OCR_SLOTS = threading.BoundedSemaphore(ocr_concurrency(settings))
        return _OCR_SLOTS


def finish_one_application(
    label: str,
    application: ApplicationInput,
    readings: dict[str, FileReading],
    out_dir: str,
    fingerprint: str,
) -> ApplicationResult:
    """Classify, extract, validate, write result.json and the notice of one application."""
    install_redaction()  # on a Dask worker, this process has not seen the forms yet
    register_secrets(application)
    result = build_result(application, readings, get_settings(), fingerprint)
    register_result_secrets(result)
    write_result(result, application, Path(out_dir))
    store_result(result, application, Path(out_dir))
    return result


def store_result(result: ApplicationResult, application: ApplicationInput, app_out: Path) -> None:
    """Record a result written to ``app_out`` (OUTBOX/BATCH/FOLDER) in the batch's store:
    OUTBOX/proofs.sqlite3, or the database ``PROOFS_DATABASE_URL`` names."""
    batch_out = app_out.parent
    record_result(
        None,
        batch_out.name,
        batch_out.parent,
        result,
        application.form,
        folder=f"{batch_out.name}/{app_out.name}",
    )


def register_secrets(application: ApplicationInput) -> None:
    form = application.form
    if form is None:
        return
    SECRETS.add([form.applicant.name, form.applicant.id_number, form.residence.address])
    if form.agent:
        SECRETS.add([form.agent.name, form.agent.id_number])


def register_result_secrets(result: ApplicationResult) -> None:
    """Mask the field values read from an application's documents in every later log
    record of this process (the flow's process too when the result comes from Dask)."""
    SECRETS.add(
        str(value)
        for doc in result.documents
        for value in doc.fields.values()
        if isinstance(value, str)
    )
