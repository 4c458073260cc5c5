"""Read the batch's first files while Prefect's server starts.

Between the command's start and the flow's first task, this process imports
Prefect and the temporary server imports and migrates (about 4 s of CPU; 5-10 s
of wall time on 2 cores), and the OCR workers would wait. Started before
Prefect is imported, they read the first files of the batch, in the flow's
order, with the same plain function the read task calls. The flow's read task
of such a file then takes that reading (or waits for it) instead of reading the
file again; its first call stops the read-ahead.

Only for the thread runner: the read tasks must run in this process to find the
readings (a Dask worker would find the finished ones in the reading cache, but
read the unfinished ones a second time).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from flows.work import ReadArguments, ocr_concurrency, read_arguments, read_file_now
from pipeline.application import finished_result, input_fingerprint
from pipeline.cache import CACHE_DIR_NAME, ReadingCache
from pipeline.imaging import use_one_opencv_thread
from pipeline.ingest import discover_applications, load_application
from pipeline.ocr import persistent_engine_available, start_ocr_workers
from pipeline.reading import FileReading, cache_key
from pipeline.settings import get_settings

#: Files read ahead at most, per OCR worker: enough to cover a slow server start.
FILES_PER_WORKER = 8


class ReadAhead:
    """Readings begun before the flow asked for them, by reading-cache key."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._begun: dict[str, Future[tuple[FileReading, bool]]] = {}
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, batch_dir: Path, out_dir: Path, workers: int | None = None) -> None:
        """Start the OCR workers and begin reading in a background thread; returns at once.
        ``workers``: files read at once (default: ``PROOFS_OCR_CONCURRENCY``, else cores)."""
        use_one_opencv_thread()  # (as the batch process: files are read in parallel)
        workers = workers or ocr_concurrency(get_settings())
        limit = FILES_PER_WORKER * workers
        requests = _uncached_reads(batch_dir, out_dir.resolve())
        self._thread = threading.Thread(
            target=self._feed, args=(requests, workers, limit), name="read-ahead", daemon=True
        )
        self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        """Until every read begun has ended (or the timeout)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def stop(self) -> None:
        """Begin no more reads (those begun finish and stay to be taken)."""
        self._stopped.set()

    def take(self, key: str) -> Future[tuple[FileReading, bool]] | None:
        """The read of this file begun ahead, if any; the flow is reading now: stop."""
        with self._lock:
            self._stopped.set()
            return self._begun.pop(key, None)

    def _feed(self, requests: Iterator[ReadArguments], workers: int, limit: int) -> None:
        try:
            self._read(requests, workers, limit)
        except Exception:  # a head start, never a failure: the flow reads what is left
            self.stop()

    def _read(self, requests: Iterator[ReadArguments], workers: int, limit: int) -> None:
        if persistent_engine_available(get_settings().tesseract_cmd):
            start_ocr_workers(workers)
        slots = threading.Semaphore(workers)
        with ThreadPoolExecutor(workers, thread_name_prefix="read-ahead") as pool:
            for count, request in enumerate(requests):
                slots.acquire()
                with self._lock:
                    if self._stopped.is_set() or count >= limit:
                        return
                    future = pool.submit(read_file_now, *request)
                    self._begun[cache_key(request[3], request[4])] = future
                future.add_done_callback(lambda _: slots.release())


def _uncached_reads(batch_dir: Path, out_dir: Path) -> Iterator[ReadArguments]:
    """The files the flow will read, in its order: not those of finished applications, nor
    those whose reading is cached (a rerun reads nothing ahead). Applications are loaded
    one at a time, as needed."""
    settings = get_settings()
    cache_dir = out_dir / CACHE_DIR_NAME
    cache = ReadingCache(cache_dir)
    for folder in discover_applications(batch_dir):
        application = load_application(folder, settings)
        app_out = out_dir / batch_dir.name / folder.name
        if finished_result(app_out, input_fingerprint(application)) is not None:
            continue
        for number, upload in enumerate(application.files, start=1):
            if upload.error is None and not cache.holds(
                cache_key(upload.sha256, application.language)
            ):
                yield read_arguments(application, number, upload, str(cache_dir))


#: The process's read-ahead (one batch per `proofs run`).
READ_AHEAD = ReadAhead()
