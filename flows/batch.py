"""The daily batch as a Prefect flow: a task per uploaded file, a task per application.

Orchestration only: parallelism, retries of transient failures, progress,
skipping finished work. Every decision is made by the plain functions in
``pipeline/`` that these tasks call (through ``flows.work``).

What reaches Prefect's database is kept free of personal data: parameters are
folder paths, runs are named by batch, application number and file number,
exceptions carry no values, and every log record passes the redaction filter.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.futures import PrefectFuture, as_completed
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from flows.dashboard import BatchDashboard
from flows.runners import make_task_runner
from flows.work import (
    READ_WINDOW_MIN,
    READ_WINDOW_PER_WORKER,
    finish_one_application,
    ocr_concurrency,
    read_arguments,
    read_one_file,
    register_result_secrets,
    register_secrets,
    store_result,
)
from pipeline.application import finished_result, input_fingerprint
from pipeline.cache import CACHE_DIR_NAME, remove_stale_temporaries, write_atomic
from pipeline.duplicates import (
    DocumentPrint,
    TextSource,
    document_prints,
    flag_outbox,
    reading_text_of,
    readings_text_of,
)
from pipeline.errors import ReadError
from pipeline.ingest import (
    ApplicationInput,
    UploadedFile,
    discover_applications,
    load_application,
)
from pipeline.models import ApplicationResult, BatchSummary, Status
from pipeline.ocr import persistent_engine_available, start_ocr_workers
from pipeline.privacy import install_redaction
from pipeline.reading import FileReading
from pipeline.reporting import compact_result, file_labels
from pipeline.settings import get_settings
from pipeline.version import code_fingerprint

SUMMARY_NAME = "summary.json"
#: Tag of the OCR task: a Prefect tag concurrency limit on it (``proofs serve --ocr-limit``)
#: caps OCR across every process and machine that reports to one server. A run tags its
#: reads only when the server holds such a limit (see ``ocr_tags``).
OCR_TAG = "ocr"

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class SubmittedRun:
    """A finished run of the flow and how many task runs it submitted: the temporary server
    can stop as soon as it has recorded them all (``TemporaryServer.expect_task_runs``)."""

    flow_run_id: str
    task_runs: int


#: The runs of ``process_batch`` that ended in this process, in order.
SUBMITTED_RUNS: list[SubmittedRun] = []

#: Called with (files done, files in all) as the batch advances; set by the CLI.
#: Kept out of the flow's parameters, which Prefect stores.
PROGRESS_LISTENERS: list[ProgressCallback] = []


def _transient_only(task, task_run, state) -> bool:
    """Retry a file only when its failure may not happen again (Tesseract crash)."""
    error = state.result(raise_on_failure=False)
    return bool(getattr(error, "transient", False))


#: A task over a plain module-level function, so that Dask pickles it by reference.
read_file = task(
    name="read-file",
    task_run_name="read {label}",
    cache_policy=NO_CACHE,
    persist_result=False,
    retries=2,
    retry_delay_seconds=[2, 10],
    retry_condition_fn=_transient_only,
)(read_one_file)


finish_application = task(
    name="finish-application",
    task_run_name="finish {label}",
    cache_policy=NO_CACHE,
    persist_result=False,
)(finish_one_application)


def ocr_tags() -> list[str]:
    """``[OCR_TAG]`` when the server holds a concurrency limit on it, else no tag.

    A tagged task asks the server for a slot when it starts and gives it back when it
    ends, limit or not: 200 short tasks took 26-30 s instead of 10 s, with 1.5-2x the
    server's CPU (measured on a running server). One question per run instead; if the
    server cannot say, the reads are tagged, so that a limit is never skipped."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    try:
        with get_client(sync_client=True) as client:
            client.read_concurrency_limit_by_tag(OCR_TAG)
    except ObjectNotFound:
        return []
    except Exception:
        return [OCR_TAG]
    return [OCR_TAG]


@dataclass
class _Tally:
    """What the flow counts for summary.json, and what it keeps of each finished
    application for the end of the batch: a compact result (dashboard, duplicate flags)
    and the prints of its documents (duplicate pass), never the whole result or text."""

    files_read: int = 0
    files_failed: int = 0
    files_from_cache: int = 0
    pages: int = 0
    failures: Counter = field(default_factory=Counter)
    by_status: Counter = field(default_factory=Counter)
    crashed: list[str] = field(default_factory=list)
    #: (application's index in the batch, compact result)
    results: list[tuple[int, ApplicationResult]] = field(default_factory=list)
    prints: list[DocumentPrint] = field(default_factory=list)
    #: task runs submitted (reads and finishes), for the temporary server's stop
    task_runs: int = 0

    def add_result(self, index: int, result: ApplicationResult, text_of: TextSource) -> None:
        register_result_secrets(result)  # on Dask, they were registered in another process
        self.prints += _prints_of(result, text_of)
        self.results.append((index, compact_result(result)))
        self.by_status[result.status] += 1
        for doc in result.documents:
            self.pages += len(doc.pages)
        for name in {doc.file for doc in result.documents}:
            errors = [d.error_code for d in result.documents if d.file == name and d.error]
            if errors and all(d.error for d in result.documents if d.file == name):
                self.files_failed += 1
                self.failures[errors[0] or "unreadable"] += 1
            else:
                self.files_read += 1


@flow(
    name="residence-proofs-batch",
    flow_run_name="batch {batch_name}",
    persist_result=False,
    log_prints=False,
)
def process_batch(batch_dir: str, out_dir: str, batch_name: str) -> BatchSummary:
    """Read every upload of a batch folder and write the contract's outputs."""
    install_redaction()
    logger = get_run_logger()
    started = datetime.now(UTC)
    clock = time.perf_counter()
    settings = get_settings()
    batch_out = Path(out_dir) / batch_name
    cache_dir = str(Path(out_dir) / CACHE_DIR_NAME)
    tally = _Tally()
    for root in (batch_out, Path(cache_dir)):
        remove_stale_temporaries(root)

    applications = [
        load_application(folder, settings) for folder in discover_applications(Path(batch_dir))
    ]
    for application in applications:
        register_secrets(application)
    total_files = sum(len(a.files) for a in applications)
    done_files = 0
    logger.info("batch %s: %d applications, %d files", batch_name, len(applications), total_files)
    dashboard = BatchDashboard(batch_name)
    dashboard.start(total_files)
    file_numbers = {
        a.application_id: file_labels(u.relative for u in a.files) for a in applications
    }

    reader = read_file.with_options(tags=ocr_tags())
    pending: dict[PrefectFuture, tuple[int, str]] = {}
    reads: deque[tuple[int, int, UploadedFile]] = deque()
    # files in flight: enough to keep every worker busy (a Dask cluster: raise
    # PROOFS_OCR_CONCURRENCY to its size)
    window = max(READ_WINDOW_MIN, READ_WINDOW_PER_WORKER * ocr_concurrency(settings))
    waiting: dict[int, dict] = {}
    # finishing applications, with their readings: kept until the result is in, for the
    # prints of its documents, then dropped
    finishing: dict[PrefectFuture, tuple[int, dict[str, FileReading]]] = {}

    # Prefect walks every parameter of a task (looking for futures) twice as it starts; an
    # application's readings are thousands of words (1.4 s of CPU for a 40-application
    # batch, measured) and hold no future: quoted, they are not walked. Not on Dask, which
    # rebuilds the tuples in a task's arguments (a quote is one) as plain tuples.
    on_threads = isinstance(FlowRunContext.get().task_runner, ThreadPoolTaskRunner)

    def unwalked(value: Any) -> Any:
        return quote(value) if on_threads else value

    def submit_finish(index: int) -> None:
        application = applications[index]
        state = waiting.pop(index)
        future = finish_application.submit(
            application.application_id,
            unwalked(application),
            unwalked(state["readings"]),
            str(batch_out / application.folder.name),
            state["fingerprint"],
        )
        finishing[future] = (index, state["readings"])
        tally.task_runs += 1

    def collect_finished(future: PrefectFuture) -> None:
        """Take a finished application's result in as soon as it is there, so that neither
        its future nor its readings outlive it."""
        index, readings = finishing.pop(future)
        application_id = applications[index].application_id
        try:
            result = future.result()
        except Exception as error:
            tally.crashed.append(application_id)
            logger.error(
                "%s: checking the application failed (%s)", application_id, type(error).__name__
            )
            return
        tally.add_result(index, result, readings_text_of(readings))
        logger.info("%s: %s", application_id, result.status.value)

    for index, application in enumerate(applications):
        fingerprint = input_fingerprint(application)
        previous = finished_result(batch_out / application.folder.name, fingerprint)
        if previous is not None:
            cached_text = reading_text_of(
                Path(cache_dir), {application.application_id: application.language}
            )
            tally.add_result(index, previous, cached_text)
            tally.files_from_cache += len(application.files)
            done_files += len(application.files)
            continue
        waiting[index] = {"readings": {}, "left": 0, "fingerprint": fingerprint}
        for number, upload in enumerate(application.files, start=1):
            if upload.error is None:
                reads.append((index, number, upload))
                waiting[index]["left"] += 1
        if waiting[index]["left"] == 0:
            submit_finish(index)
    _report_progress(done_files, total_files)
    dashboard.progress(done_files, total_files)

    def submit_reads() -> None:
        """Keep a few files in flight, not the whole batch: an application's finishing
        task then queues behind a handful of reads, not behind every file, so readings
        are released as the batch goes and memory does not grow with the batch."""
        while reads and len(pending) < window:
            index, number, upload = reads.popleft()
            future = reader.submit(*read_arguments(applications[index], number, upload, cache_dir))
            pending[future] = (index, upload.relative)
            tally.task_runs += 1

    while reads or pending or finishing:
        submit_reads()
        future = next(as_completed([*pending, *finishing]))
        if future in finishing:
            collect_finished(future)
            continue
        index, relative = pending.pop(future)
        application = applications[index]
        try:
            reading, from_cache = future.result()
            tally.files_from_cache += from_cache
        except Exception as error:  # retries exhausted or an unexpected bug: report, go on
            upload = next(u for u in application.files if u.relative == relative)
            reading = _failed_reading(upload.sha256, error)
            logger.warning(
                "%s: a file could not be read (%s)",
                application.application_id,
                getattr(error, "code", type(error).__name__),
            )
        state = waiting[index]
        state["readings"][relative] = reading
        state["left"] -= 1
        done_files += 1
        _report_progress(done_files, total_files)
        dashboard.progress(done_files, total_files)
        if state["left"] == 0:
            submit_finish(index)

    # in folder order, not the order applications finished in
    results = [result for _, result in sorted(tally.results, key=lambda item: item[0])]
    tally.results.clear()
    position = {a.application_id: index for index, a in enumerate(applications)}
    tally.crashed.sort(key=lambda application_id: position[application_id])
    results = _flag_duplicates(results, tally.prints, applications, batch_out)
    dashboard.finish(results, file_numbers, tally.crashed)
    summary = BatchSummary(
        batch=batch_name,
        pipeline_version=code_fingerprint(),
        started_at=started,
        finished_at=datetime.now(UTC),
        applications=len(applications),
        by_status={status: tally.by_status.get(status, 0) for status in Status},
        files_read=tally.files_read,
        files_failed=tally.files_failed,
        files_from_cache=tally.files_from_cache,
        pages=tally.pages,
        failures=dict(tally.failures),
        crashed_applications=tally.crashed,
        timings={"total_seconds": round(time.perf_counter() - clock, 3)},
        status="incomplete" if tally.crashed else "complete",
    )
    write_atomic(batch_out / SUMMARY_NAME, summary.model_dump_json(indent=2).encode())
    SUBMITTED_RUNS.append(SubmittedRun(str(FlowRunContext.get().flow_run.id), tally.task_runs))
    return summary


def _report_progress(done: int, total: int) -> None:
    for listener in PROGRESS_LISTENERS:
        listener(done, total)


def _prints_of(result: ApplicationResult, text_of: TextSource) -> list[DocumentPrint]:
    """The prints of a result's documents; without their text if it cannot be had (a
    missed near duplicate is a gap in review, not a failed batch)."""
    try:
        return document_prints(result, text_of)
    except Exception as error:
        get_run_logger().warning(
            "%s: documents compared by hash only (%s)", result.application_id, type(error).__name__
        )
        return document_prints(result, lambda application_id, doc: None)


def _flag_duplicates(
    results: list[ApplicationResult],
    prints: list[DocumentPrint],
    applications: list[ApplicationInput],
    batch_out: Path,
) -> list[ApplicationResult]:
    """One document under several applications flags them all for review; only results
    that change are rewritten (and re-stored), so a rerun rewrites nothing. Runs once all
    are finished, from the prints of every document. Never fails the batch."""
    claimed = Counter(a.application_id for a in applications)
    by_id = {a.application_id: a for a in applications if claimed[a.application_id] == 1}

    def store(result: ApplicationResult) -> None:
        application = by_id[result.application_id]
        store_result(result, application, batch_out / application.folder.name)

    try:
        return flag_outbox(
            results,
            prints,
            {key: batch_out / a.folder.name for key, a in by_id.items()},
            on_change=store,
        )
    except Exception as error:  # a missed flag is a gap in review, not a failed batch
        get_run_logger().warning("duplicates could not be flagged (%s)", type(error).__name__)
        return results


def _failed_reading(sha256: str, error: BaseException) -> FileReading:
    """A reading for a file whose task failed: our own errors keep their code and words;
    anything else (a library's exception) is reported as an internal error, values unseen."""
    if isinstance(error, ReadError):
        code, message = error.code, error.message
    else:
        code, message = "internal_error", "the file could not be read (internal error)"
    return FileReading(
        sha256=sha256, format=None, language="en", error=message, error_code=code, transient=True
    )


def warm_up(workers: int | None = None) -> None:
    """Get ready before the first task, while Prefect's temporary server starts: import
    WeasyPrint (about 1 s) and start the OCR workers. Never fails the run."""
    try:
        import weasyprint  # noqa: F401
        from PIL import ImageFile

        ImageFile.LOAD_TRUNCATED_IMAGES = False  # WeasyPrint's import turns it on
        settings = get_settings()
        if persistent_engine_available(settings.tesseract_cmd):
            start_ocr_workers(workers or ocr_concurrency(settings))
    except Exception:
        return


def run_batch(
    batch_dir: Path,
    out_dir: Path,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    task_runner: str = "thread",
    dask_address: str | None = None,
) -> BatchSummary:
    """Run the flow (on the embedded Prefect server unless ``PREFECT_API_URL`` names one)
    with a bounded thread pool, or on an existing Dask cluster."""
    count = workers or get_settings().workers
    runner = make_task_runner(task_runner, count, dask_address)
    configured = process_batch.with_options(task_runner=runner)
    if progress is not None:
        PROGRESS_LISTENERS.append(progress)
    try:
        return configured(str(batch_dir.resolve()), str(out_dir.resolve()), batch_dir.name)
    finally:
        if progress is not None:
            PROGRESS_LISTENERS.remove(progress)
