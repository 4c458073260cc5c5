"""A persistent Tesseract: one process that keeps its models loaded between pages.

Started by ``pipeline.ocr`` as ``python -m pipeline.ocr_worker TESSDATA``. Starting
the ``tesseract`` command for every page costs a process, a model load and a
PNM/PNG round trip through a temp file (about 0.1 s a page for English, 0.2 s
for Chinese, on top of recognition); this worker pays the start once and takes
raw grayscale pixels through a pipe. It is a process of its own, not a library
in the batch's process, so that a crash or a stuck page kills one worker, never
the batch: the parent restarts it (as OCRmyPDF isolates its Tesseract calls).

Protocol on stdin/stdout, one request at a time: a 4-byte big-endian length, a
JSON header ``{"width", "height", "dpi", "lang", "psm", "timeout"}``, then
``width * height`` bytes of 8-bit grayscale pixels. The answer is a 4-byte length
and a JSON object ``{"status": "ok" | "timeout" | "failed", "tsv": ...}``, where
``tsv`` is Tesseract's TSV output (the rows of ``tesseract IMAGE - tsv``, no header).
Imports only the standard library, tesserocr and ``pipeline.memory`` (ctypes), so it starts
in a fraction of a second.
"""

from __future__ import annotations

import json
import os
import struct
import sys
import time

from pipeline.memory import release_freed_memory

_LENGTH = struct.Struct(">I")


def _read_exactly(stream, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _answer(stream, status: str, tsv: str = "") -> None:
    payload = json.dumps({"status": status, "tsv": tsv}).encode()
    stream.write(_LENGTH.pack(len(payload)) + payload)
    stream.flush()


def serve(tessdata: str) -> None:
    """Answer requests until stdin closes."""
    os.environ["OMP_THREAD_LIMIT"] = "1"  # before the library starts its thread pool
    import tesserocr

    engines: dict[str, tesserocr.PyTessBaseAPI] = {}
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while True:
        prefix = _read_exactly(source, _LENGTH.size)
        if prefix is None:
            break
        header = json.loads(_read_exactly(source, _LENGTH.unpack(prefix)[0]) or b"{}")
        width, height = int(header["width"]), int(header["height"])
        pixels = _read_exactly(source, width * height)
        if pixels is None:
            break
        lang = str(header["lang"])
        try:
            api = engines.get(lang)
            if api is None:
                api = engines[lang] = tesserocr.PyTessBaseAPI(path=tessdata, lang=lang)
            api.SetPageSegMode(int(header["psm"]))
            api.SetImageBytes(pixels, width, height, 1, width)
            api.SetSourceResolution(int(header["dpi"]))
            timeout = float(header["timeout"])
            started = time.monotonic()
            if not api.Recognize(timeout=max(1, int(timeout * 1000))):
                late = time.monotonic() - started >= 0.9 * timeout
                _answer(sink, "timeout" if late else "failed")
                continue
            _answer(sink, "ok", api.GetTSVText(0))
        except RuntimeError:  # tesserocr's answer to a model that cannot be loaded
            _answer(sink, "failed")
        finally:
            _release_page(engines.get(lang))


def _release_page(api) -> None:
    """Drop the page's image and results and hand the freed memory back (malloc_trim):
    without it each worker kept the largest page it had read, about 30 MiB more."""
    if api is not None:
        api.Clear()
    release_freed_memory()


if __name__ == "__main__":
    serve(sys.argv[1])
