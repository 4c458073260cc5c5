"""The read-ahead: files read while Prefect's server starts are read once, not twice."""

from __future__ import annotations

import shutil
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from flows import read_ahead, work
from pipeline.application import input_fingerprint
from pipeline.cache import CACHE_DIR_NAME
from pipeline.ingest import discover_applications, load_application
from pipeline.reading import FileReading, cache_key
from pipeline.settings import get_settings

SAMPLE_BATCH = Path(__file__).resolve().parent.parent / "sample_docs" / "batch" / "2026-11-26"


@pytest.fixture
def batch(tmp_path) -> Path:
    """The first two applications of the sample batch."""
    folder = tmp_path / "inbox" / SAMPLE_BATCH.name
    folder.mkdir(parents=True)
    for application in sorted(p for p in SAMPLE_BATCH.iterdir() if p.is_dir())[:2]:
        shutil.copytree(application, folder / application.name, symlinks=True)
    return folder


@pytest.fixture
def ahead(monkeypatch) -> read_ahead.ReadAhead:
    fresh = read_ahead.ReadAhead()
    monkeypatch.setattr(read_ahead, "READ_AHEAD", fresh)
    return fresh


def count_reads(monkeypatch, delay: float = 0.0) -> Counter:
    """Count the files ``read_file_now`` reads (by path); optionally slow each read down."""
    calls: Counter = Counter()
    lock = threading.Lock()
    real = work.read_upload

    def counting(path, *args, **kwargs):
        with lock:
            calls[str(path)] += 1
        time.sleep(delay)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(work, "read_upload", counting)
    return calls


def flow_reads(batch: Path, out: Path) -> list[tuple]:
    """read_one_file's arguments for every file, in the flow's order."""
    settings = get_settings()
    cache_dir = str(out.resolve() / CACHE_DIR_NAME)
    return [
        work.read_arguments(application, number, upload, cache_dir)
        for application in (load_application(f, settings) for f in discover_applications(batch))
        for number, upload in enumerate(application.files, start=1)
        if upload.error is None
    ]


def test_files_read_ahead_are_taken_by_the_flow_not_read_again(batch, tmp_path, ahead, monkeypatch):
    calls = count_reads(monkeypatch)
    out = tmp_path / "out"
    ahead.start(batch, out, workers=1)
    ahead.wait(timeout=600)
    read_early = set(calls)
    reads = flow_reads(batch, out)
    assert 0 < len(read_early) <= read_ahead.FILES_PER_WORKER < len(reads)

    readings = [work.read_one_file(*request) for request in reads]

    assert set(calls) == {request[1] for request in reads}
    assert all(count == 1 for count in calls.values()), calls
    assert all(isinstance(r, FileReading) and not from_cache for r, from_cache in readings)
    # the same readings a second time come from the cache; the read-ahead reads nothing
    again = read_ahead.ReadAhead()
    again.start(batch, out, workers=1)
    again.wait(timeout=60)
    assert all(count == 1 for count in calls.values())
    assert all(work.read_one_file(*request)[1] for request in reads)


def test_the_flows_first_read_stops_the_read_ahead(batch, tmp_path, ahead, monkeypatch):
    calls = count_reads(monkeypatch, delay=0.5)
    out = tmp_path / "out"
    reads = flow_reads(batch, out)
    ahead.start(batch, out, workers=2)
    time.sleep(0.2)  # two reads begun, both sleeping
    first = reads[0]
    taken = ahead.take(cache_key(first[3], first[4]))
    assert taken is not None
    ahead.wait(timeout=120)
    assert len(calls) == 2, "reads went on after the flow began"
    assert taken.result()[0].sha256 == first[3]


def test_no_file_of_a_finished_application_is_read_ahead(batch, tmp_path, ahead, monkeypatch):
    """Even with its readings gone from the cache, a finished application is not read again."""
    out = tmp_path / "out"
    settings = get_settings()
    first, second = (load_application(f, settings) for f in discover_applications(batch))
    reads = flow_reads(batch, out)
    readings = {
        upload.relative: work.read_file_now(*request)[0]
        for upload, request in zip(first.files, reads, strict=False)
    }
    app_out = out / batch.name / first.folder.name
    work.finish_one_application("first", first, readings, str(app_out), input_fingerprint(first))
    shutil.rmtree(out / CACHE_DIR_NAME)
    calls = count_reads(monkeypatch)

    ahead.start(batch, out, workers=1)
    ahead.wait(timeout=600)

    assert calls, "the unfinished application's files are read ahead"
    assert not {str(upload.path) for upload in first.files} & set(calls)
    assert set(calls) <= {str(upload.path) for upload in second.files}
