"""The persistent Tesseract engine (pipeline.ocr_worker): same words as the command,
timeouts and crashes cost one page and leave the engine usable."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import numpy as np
import pagegen
import pytest

from pipeline import ocr
from pipeline.errors import OcrFailed, OcrTimeout

pytestmark = pytest.mark.skipif(
    not ocr.persistent_engine_available(), reason="tesserocr is not installed"
)


@pytest.fixture(scope="module")
def page() -> pagegen.Page:
    return pagegen.render_contract_page()


def test_persistent_engine_reads_what_the_command_reads(page, monkeypatch):
    persistent = ocr.ocr_page(page.image, number=1, dpi=300, lang="eng", timeout=120)
    monkeypatch.setenv(ocr.ENGINE_VARIABLE, "cli")
    command = ocr.ocr_page(page.image, number=1, dpi=300, lang="eng", timeout=120)
    assert pagegen.word_recovery(page.words, [w.text for w in persistent.words]) >= 0.95
    assert [line.text for line in persistent.lines[:5]] == [line.text for line in command.lines[:5]]
    assert persistent.rotation == command.rotation == 0


def test_turned_page_comes_out_upright(page):
    turned = pagegen.rotate_quarter(page.image, 90)
    text = ocr.ocr_page(turned, number=1, dpi=300, lang="eng", timeout=120)
    assert text.rotation == 270
    assert (text.width, text.height) == (turned.shape[0], turned.shape[1])


def test_timeout_costs_the_page_and_the_engine_recovers(page):
    with pytest.raises(OcrTimeout):
        ocr.ocr_page(page.image, number=1, dpi=300, lang="eng", timeout=0.05)
    text = ocr.ocr_page(page.image, number=1, dpi=300, lang="eng", timeout=120)
    assert "RENTAL" in " ".join(line.text for line in text.lines)


_CRASHING_WORKER = "import os, sys; sys.stdin.buffer.read(64); os.abort()"


def test_crashing_worker_maps_to_ocr_failed_and_is_replaced(page, monkeypatch):
    ocr._close_idle_workers()
    real_init = ocr._Worker.__init__

    def crashing(self, tessdata: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _CRASHING_WORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    monkeypatch.setattr(ocr._Worker, "__init__", crashing)
    with pytest.raises(OcrFailed) as caught:
        ocr.ocr_page(page.image, number=1, dpi=300, lang="eng", timeout=60)
    assert caught.value.transient is True
    assert "Li Wei" not in str(caught.value)
    assert not ocr._IDLE_WORKERS  # the dead worker is not handed out again
    monkeypatch.setattr(ocr._Worker, "__init__", real_init)
    text = ocr.ocr_page(page.image, number=1, dpi=300, lang="eng", timeout=120)
    assert text.words


def test_tsv_rows_parse_like_pytesseract():
    rows = "\n".join(
        [
            "1\t1\t0\t0\t0\t0\t0\t0\t400\t300\t-1\t",
            "5\t1\t1\t1\t1\t1\t10\t10\t80\t20\t96.5\tTenant",
            "5\t1\t1\t1\t1\t2\t100\t10\t40\t20\t91\tLi",
        ]
    )
    data = ocr.parse_tsv(rows)
    assert data["text"] == ["", "Tenant", "Li"]
    assert data["conf"] == [-1.0, 96.5, 91.0]
    assert data["left"] == [0, 10, 100] and data["level"] == [1, 5, 5]


def test_blank_page_gives_no_words():
    blank = ocr.ocr_page(
        np.full((1200, 900), 255, np.uint8), number=2, dpi=150, lang="eng", timeout=60
    )
    assert blank.words == [] and (blank.width, blank.height) == (900, 1200)


def test_starting_workers_again_counts_those_at_work(page):
    """The read-ahead starts the workers; the flow's warm-up, asking for as many while they
    read, must not start a second set (each is a Tesseract process of about 80 MiB)."""
    ocr._close_idle_workers()
    ocr.start_ocr_workers(1)
    (worker,) = ocr._IDLE_WORKERS
    reading = threading.Thread(
        target=ocr.ocr_page,
        args=(page.image,),
        kwargs={"number": 1, "dpi": 300, "lang": "eng", "timeout": 120},
    )
    reading.start()
    deadline = time.monotonic() + 10
    while ocr._IDLE_WORKERS and time.monotonic() < deadline:  # until the page is on the worker
        time.sleep(0.001)
    ocr.start_ocr_workers(1)
    started_while_busy = list(ocr._IDLE_WORKERS)
    reading.join(120)
    assert started_while_busy == []
    assert [worker] == ocr._IDLE_WORKERS
