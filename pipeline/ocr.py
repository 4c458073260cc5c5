"""One Tesseract call per page (two for a page turned): words with boxes and
confidences, upright.

``--psm 3`` (automatic page segmentation, the default, ``PROOFS_OCR_PSM``) costs
about two thirds of ``--psm 1``, whose orientation detection runs on every page
(measured: 127 generated pages, README "Speed and memory"). It has no
orientation detection, so turned pages get a second look decided from the first
reading alone, which costs nothing on an upright page: a page turned by 180
degrees reads unsurely, and one turned by a quarter is read as vertical text,
either the right way up (then the upright image is read again: Tesseract reads
vertical lines worse) or upside down (read unsurely). An unsure reading is
followed by a reading of the image turned by a half from the frame that reading
ended in, and the surer reading is kept; ``--psm 1`` (kept to measure against)
sets pages upright itself and gets that second look only for small cards.

Either way the rotation is read back from the geometry Tesseract returns (the
direction in which the words of a line advance, and in which the lines of a
paragraph follow each other) and every box is mapped into the upright frame,
which costs nothing; a separate ``--psm 0`` OSD call would cost 0.6-0.9 s a page
(measured) on top.

Two engines run each call. The persistent engine (``pipeline.ocr_worker``:
tesserocr in a worker process that keeps its models loaded, fed raw pixels
through a pipe) is used whenever tesserocr is installed and ``tesseract_cmd`` is
the default; it reads a page in about half the time of the ``tesseract`` command
(measured: 20 English pages, 4.2 s against 7.7 s), which pays a process start,
a model load and an image file per page. Otherwise, or with
``PROOFS_TESSERACT_ENGINE=cli``, pytesseract runs the command. Either way every call
has a timeout (the worker is killed and restarted when it overruns), a crash
costs one page, never the batch, and ``OMP_THREAD_LIMIT=1`` keeps one Tesseract
to one core so that parallel page workers do not oversubscribe the CPU (as
OCRmyPDF does).
"""

from __future__ import annotations

import atexit
import functools
import importlib.util
import json
import os
import re
import select
import struct
import subprocess
import sys
import threading
import time
from collections import defaultdict
from itertools import pairwise

import numpy as np
import pytesseract
from PIL import Image
from pytesseract import Output

from pipeline.errors import OcrFailed, OcrTimeout
from pipeline.imaging import to_gray
from pipeline.text import Line, PageText, Word

DEFAULT_PSM = 3
#: Images smaller than this (px) on either side hold no text; Tesseract would
#: refuse them with an error.
MIN_SIDE = 8
#: Uncompressed PNM: lossless and ~35x cheaper to write than PNG (2 ms vs 70 ms
#: for an A4 page at 300 DPI); pytesseract writes it to a temp file either way.
_ENCODING = "PPM"

#: Direction in which text advances in the image as given (unit axis vector)
#: -> degrees clockwise that make the page upright.
_ROTATION_FOR_ADVANCE = {(1, 0): 0, (0, 1): 270, (-1, 0): 180, (0, -1): 90}


def upright(image: np.ndarray, rotation: int) -> np.ndarray:
    """The image turned clockwise by ``rotation`` (0/90/180/270) degrees: the frame
    in which ``ocr_page`` reports boxes."""
    if rotation % 90:
        raise ValueError("rotation must be a multiple of 90 degrees")
    return np.ascontiguousarray(np.rot90(image, k=-(rotation // 90) % 4))


def _axis(dx: float, dy: float) -> tuple[int, int] | None:
    """The axis direction nearest to (dx, dy), or None for a null vector."""
    if dx == 0 and dy == 0:
        return None
    if abs(dx) >= abs(dy):
        return (1 if dx > 0 else -1, 0)
    return (0, 1 if dy > 0 else -1)


Rect = tuple[float, float, float, float]


def _centre(boxes: list[Rect]) -> tuple[float, float]:
    return (
        sum(box[0] + box[2] for box in boxes) / (2 * len(boxes)),
        sum(box[1] + box[3] for box in boxes) / (2 * len(boxes)),
    )


def detect_rotation(paragraphs: list[list[list[Rect]]]) -> int:
    """Degrees clockwise that make the page upright, from word boxes (x0, y0, x1,
    y1) in the frame of the image as given, grouped into paragraphs of lines of
    words in Tesseract's reading order.

    Words of a line advance in the reading direction; lines of a paragraph follow
    each other downwards, which is the reading direction turned 90 degrees
    clockwise. Each observation votes for the axis it points along; a pair of
    words counts twice as much as a pair of lines.
    """
    votes: dict[tuple[int, int], float] = defaultdict(float)
    for lines in paragraphs:
        for boxes in lines:
            if len(boxes) >= 2:
                (x_first, y_first), (x_last, y_last) = _centre(boxes[:1]), _centre(boxes[-1:])
                direction = _axis(x_last - x_first, y_last - y_first)
                if direction:
                    votes[direction] += len(boxes) - 1
        for above, below in pairwise(lines):
            (x_above, y_above), (x_below, y_below) = _centre(above), _centre(below)
            # down = reading direction turned clockwise, so reading = (down_y, -down_x)
            direction = _axis(y_below - y_above, -(x_below - x_above))
            if direction:
                votes[direction] += 0.5
    if not votes:
        return 0
    return _ROTATION_FOR_ADVANCE[max(votes, key=votes.__getitem__)]


def _to_upright(box: Rect, rotation: int, width: int, height: int) -> Rect:
    """Map a box from the given frame (width x height) into the upright frame."""
    x0, y0, x1, y1 = box
    if rotation == 90:
        return height - y1, x0, height - y0, x1
    if rotation == 180:
        return width - x1, height - y1, width - x0, height - y0
    if rotation == 270:
        return y0, width - x1, y1, width - x0
    return box


def _word(text: str, confidence: float, box: Rect, rotation: int, width: int, height: int) -> Word:
    """A Word in the upright frame, confidence scaled from Tesseract's 0..100 to 0..1."""
    x0, y0, x1, y1 = _to_upright(box, rotation, width, height)
    return Word(text=text, confidence=min(1.0, confidence / 100.0), x0=x0, y0=y0, x1=x1, y1=y1)


def _run_tesseract(image: Image.Image, lang: str, config: str, timeout: float) -> dict:
    """The one recognition call, with Tesseract's failures mapped to ours."""
    try:
        return pytesseract.image_to_data(
            image, lang=lang, config=config, output_type=Output.DICT, timeout=timeout
        )
    except pytesseract.TesseractError as error:  # a RuntimeError too: test it first
        raise OcrFailed(f"Tesseract failed on this page (exit status {error.status})") from None
    except RuntimeError as error:
        if "timeout" in str(error).lower():
            raise OcrTimeout(f"OCR of this page took longer than {timeout:g} s") from None
        raise OcrFailed("Tesseract failed on this page") from None
    except pytesseract.TesseractNotFoundError:
        raise OcrFailed("Tesseract could not be started (not installed or not on PATH)") from None
    except OSError:
        raise OcrFailed("Tesseract could not be started") from None
    except SystemExit:  # pytesseract's answer to an unparseable `tesseract --version`
        raise OcrFailed("the configured Tesseract program is not usable") from None


#: How Tesseract is run: "auto" (the persistent engine when tesserocr is installed) or "cli".
ENGINE_VARIABLE = "PROOFS_TESSERACT_ENGINE"
#: The worker gets this long beyond the page's timeout to stop by itself before it is killed.
_KILL_GRACE_SECONDS = 5.0
_LENGTH = struct.Struct(">I")
_TSV_COLUMNS = (
    "level",
    "page_num",
    "block_num",
    "par_num",
    "line_num",
    "word_num",
    "left",
    "top",
    "width",
    "height",
    "conf",
    "text",
)


@functools.lru_cache(maxsize=1)
def _tessdata_dir() -> str | None:
    """Where the installed ``tesseract`` finds its models (the worker's library must
    use the same ones); None when it cannot be told."""
    prefix = os.environ.get("TESSDATA_PREFIX")
    if prefix and os.path.isdir(prefix):
        return prefix
    try:
        listing = subprocess.run(
            ["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r'"([^"]+)"', listing.stdout + listing.stderr)
    return found.group(1) if found and os.path.isdir(found.group(1)) else None


def persistent_engine_available(tesseract_cmd: str = "tesseract") -> bool:
    """The persistent engine reads the page unless told not to, a custom Tesseract
    command is configured, or tesserocr or the models cannot be found."""
    if os.environ.get(ENGINE_VARIABLE, "auto").lower() == "cli" or tesseract_cmd != "tesseract":
        return False
    return importlib.util.find_spec("tesserocr") is not None and _tessdata_dir() is not None


class _Worker:
    """One ``pipeline.ocr_worker`` process, used by one thread at a time."""

    def __init__(self, tessdata: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipeline.ocr_worker", tessdata],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
            # out of the terminal's process group: Ctrl-C stops the batch, which lets the
            # page in hand finish and closes the worker; the worker exits on its own when
            # its pipe closes (even if the batch is killed)
            process_group=0,
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        if self.alive():
            try:
                self.process.stdin.close()
                self.process.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def recognize(self, gray: np.ndarray, dpi: int, lang: str, psm: int, timeout: float) -> str:
        """TSV rows of one page; raises OcrTimeout or OcrFailed (the worker is then dead)."""
        height, width = gray.shape
        header = json.dumps(
            {
                "width": width,
                "height": height,
                "dpi": dpi,
                "lang": lang,
                "psm": psm,
                "timeout": timeout,
            }
        ).encode()
        try:
            self.process.stdin.write(_LENGTH.pack(len(header)) + header)
            self.process.stdin.write(memoryview(np.ascontiguousarray(gray)).cast("B"))
            self.process.stdin.flush()
            deadline = time.monotonic() + timeout + _KILL_GRACE_SECONDS
            size = _LENGTH.unpack(self._read(_LENGTH.size, deadline))[0]
            answer = json.loads(self._read(size, deadline))
        except TimeoutError:
            self.kill()
            raise OcrTimeout(f"OCR of this page took longer than {timeout:g} s") from None
        except (OSError, EOFError, ValueError, struct.error):
            self.kill()
            raise OcrFailed("Tesseract stopped while reading this page") from None
        if answer.get("status") == "timeout":
            raise OcrTimeout(f"OCR of this page took longer than {timeout:g} s")
        if answer.get("status") != "ok":
            raise OcrFailed("Tesseract failed on this page")
        return str(answer.get("tsv") or "")

    def _read(self, size: int, deadline: float) -> bytes:
        """Exactly ``size`` bytes of the answer, or TimeoutError / EOFError."""
        stream = self.process.stdout
        chunks, left = [], size
        while left:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([stream], [], [], wait)[0]:
                raise TimeoutError
            chunk = os.read(stream.fileno(), left)
            if not chunk:
                raise EOFError("the worker closed its output")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)


_IDLE_WORKERS: list[_Worker] = []
#: Workers recognising a page right now (not in ``_IDLE_WORKERS``).
_BUSY_WORKERS = 0
_WORKERS_LOCK = threading.Lock()


def _close_idle_workers() -> None:
    with _WORKERS_LOCK:
        while _IDLE_WORKERS:
            _IDLE_WORKERS.pop().close()


atexit.register(_close_idle_workers)


def start_ocr_workers(count: int) -> None:
    """Have ``count`` workers, idle or busy, ahead of the first page (each loads its model
    on its first page); a second call starts none while the first ones are at work."""
    tessdata = _tessdata_dir() or ""
    with _WORKERS_LOCK:
        missing = max(0, count - len(_IDLE_WORKERS) - _BUSY_WORKERS)
    started = [_Worker(tessdata) for _ in range(missing)]
    with _WORKERS_LOCK:
        _IDLE_WORKERS.extend(started)


def _run_persistent(gray: np.ndarray, dpi: int, lang: str, psm: int, timeout: float) -> dict:
    """Recognise on an idle worker (started when there is none), in pytesseract's dict shape."""
    global _BUSY_WORKERS
    with _WORKERS_LOCK:
        worker = _IDLE_WORKERS.pop() if _IDLE_WORKERS else None
        _BUSY_WORKERS += 1
    try:
        try:
            if worker is None or not worker.alive():
                worker = _Worker(_tessdata_dir() or "")
        except OSError:
            raise OcrFailed("the OCR worker could not be started") from None
        tsv = worker.recognize(gray, dpi, lang, psm, timeout)
    finally:
        with _WORKERS_LOCK:
            _BUSY_WORKERS -= 1
            if worker is not None and worker.alive():
                _IDLE_WORKERS.append(worker)
    return parse_tsv(tsv)


def parse_tsv(tsv: str) -> dict[str, list]:
    """Tesseract's TSV rows (no header) as columns, numbers as ints, like pytesseract's dict."""
    data: dict[str, list] = {column: [] for column in _TSV_COLUMNS}
    for row in tsv.splitlines():
        cells = row.split("\t")
        if len(cells) < len(_TSV_COLUMNS) or not cells[0].isdigit():
            continue
        for column, cell in zip(_TSV_COLUMNS[:-2], cells, strict=False):
            data[column].append(int(cell))
        data["conf"].append(float(cells[10]))
        data["text"].append("\t".join(cells[11:]))
    return data


def ocr_page(
    image: np.ndarray,
    *,
    number: int,
    dpi: int,
    lang: str,
    timeout: float,
    tesseract_cmd: str = "tesseract",
    psm: int = DEFAULT_PSM,
) -> PageText:
    """Words, lines and boxes of one page image (grayscale or BGR uint8), with boxes
    in the upright frame and ``rotation`` saying how to turn the image upright.

    A page read unsurely (see ``_maybe_turned``), or under ``--psm 3`` read as
    vertical text, is read once more turned, and the surer reading is kept: that sets
    upright a page turned by 90, 180 or 270 degrees under ``--psm 3``, and a card
    upside down (too little text for orientation detection) under either mode."""
    gray = to_gray(np.asarray(image))
    given_height, given_width = gray.shape
    if min(given_height, given_width) < MIN_SIDE:
        return PageText(
            number=number, width=given_width, height=given_height, dpi=dpi, source="ocr"
        )
    read = functools.partial(
        _read_once,
        number=number,
        dpi=dpi,
        lang=lang,
        timeout=timeout,
        tesseract_cmd=tesseract_cmd,
        psm=psm,
    )
    page = read(gray)
    if len(_confident_words(page)) < SPARSE_MAX_WORDS:
        return _sparse_second_look(page, gray, read)
    unsure = _maybe_turned(page, given_width * given_height, psm)
    if psm == 1:
        # --psm 1 sets pages upright itself: only a half turn of the image as given is
        # left to try, for a small image read unsurely
        if not unsure:
            return page
        turn, gain = 180, UPSIDE_DOWN_MIN_GAIN
    elif unsure:
        # --psm 3 reads a page turned by a quarter as vertical text, upside down when the
        # page was turned the other way (and a page turned by a half as it is): the
        # half turn is from the frame that reading ended in
        turn, gain = (page.rotation + 180) % 360, UPSIDE_DOWN_MIN_GAIN
    elif page.rotation:
        # read as vertical text the right way up, but Tesseract reads vertical lines
        # worse than level ones (measured: 0.5-0.9 of the words): read it upright
        turn, gain = page.rotation, 1.0
    else:
        return page
    turned = read(upright(gray, turn))
    page.ocr_calls = turned.ocr_calls = 2
    if _reading_score(turned) <= gain * _reading_score(page):
        return page
    # the boxes of the turned reading are upright already; the rotation says how the
    # image as given is turned
    turned.rotation = (turned.rotation + turn) % 360
    return turned


#: A reading with fewer word-like readings than this is read again with ``--psm 11``
#: (sparse text: no page layout), and the surer reading is kept. Automatic segmentation
#: took the small print of ID cards on a photographed A4 copy for pictures and returned
#: no word at all, where ``--psm 11`` reads the name, address and number (4 of 179 files
#: of a fresh batch). Portraits never get here (no OCR), a blank page's second call is
#: cheap.
SPARSE_MAX_WORDS = 3
SPARSE_PSM = 11


def _sparse_second_look(page: PageText, gray: np.ndarray, read) -> PageText:
    sparse = read(gray, psm=SPARSE_PSM)
    page.ocr_calls = sparse.ocr_calls = 2
    return sparse if _reading_score(sparse) > _reading_score(page) else page


def _read_once(
    gray: np.ndarray,
    *,
    number: int,
    dpi: int,
    lang: str,
    timeout: float,
    tesseract_cmd: str,
    psm: int,
) -> PageText:
    """One Tesseract call on the image as given, boxes mapped into the upright frame
    that the geometry of the words says."""
    given_height, given_width = gray.shape
    if persistent_engine_available(tesseract_cmd):
        data = _run_persistent(gray, dpi, lang, psm, timeout)
    else:
        os.environ["OMP_THREAD_LIMIT"] = "1"  # inherited by the Tesseract child process
        pytesseract.pytesseract.tesseract_cmd = tesseract_cmd
        picture = Image.fromarray(np.ascontiguousarray(gray))
        picture.format = _ENCODING
        data = _run_tesseract(picture, lang, f"--psm {psm} --dpi {dpi}", timeout)

    grouped: dict[tuple[int, int, int], list[tuple[str, float, Rect]]] = {}
    for index, text in enumerate(data.get("text", [])):
        text = str(text).strip()
        try:
            confidence = float(data["conf"][index])
        except (TypeError, ValueError):
            continue
        if data["level"][index] != 5 or not text or confidence < 0:
            continue
        key = (data["block_num"][index], data["par_num"][index], data["line_num"][index])
        left, top = float(data["left"][index]), float(data["top"][index])
        box = (left, top, left + float(data["width"][index]), top + float(data["height"][index]))
        grouped.setdefault(key, []).append((text, confidence, box))

    paragraphs: dict[tuple[int, int], list[list[Rect]]] = defaultdict(list)
    for (block, paragraph, _), words in grouped.items():
        paragraphs[(block, paragraph)].append([box for _, _, box in words])
    rotation = detect_rotation(list(paragraphs.values()))
    lines = [
        Line(
            words=[
                _word(text, conf, box, rotation, given_width, given_height)
                for text, conf, box in words
            ]
        )
        for words in grouped.values()
    ]
    width, height = (
        (given_height, given_width) if rotation in (90, 270) else (given_width, given_height)
    )
    return PageText(
        number=number,
        width=width,
        height=height,
        dpi=dpi,
        source="ocr",
        rotation=rotation,
        lines=lines,
        ocr_calls=1,
    )


#: A page read this unsurely (mean word confidence over at least ``TURNED_MIN_WORDS``
#: word-like readings) may be turned: it is read a second time turned by a half (see
#: ``ocr_page``), and that reading is kept when it scores this many times better.
#: Upright pages read surely (measured on 127 generated scans, photos and low-resolution
#: images: 0.65-0.97; turned pages under --psm 3: 0.28-0.38), so they pay nothing.
UPSIDE_DOWN_MAX_CONFIDENCE = 0.6
UPSIDE_DOWN_MIN_GAIN = 1.5
TURNED_MIN_WORDS = 3
#: Under ``--psm 1`` only a small image (a card, a slip: Tesseract's orientation
#: detection needs more text than these carry) gets the second look: pages of ordinary
#: size are set upright by ``--psm 1`` itself.
UPSIDE_DOWN_MAX_PIXELS = 3_000_000


def _confident_words(page: PageText) -> list[Word]:
    return [w for line in page.lines for w in line.words if sum(c.isalnum() for c in w.text) >= 2]


def _maybe_turned(page: PageText, pixels: int, psm: int) -> bool:
    """Whether a reading is unsure enough that the page may be turned (a blank or
    nearly blank page is not: there is nothing to gain)."""
    words = _confident_words(page)
    if len(words) < TURNED_MIN_WORDS:
        return False
    if psm == 1 and (pixels > UPSIDE_DOWN_MAX_PIXELS or page.rotation not in (0, 180)):
        return False
    return sum(w.confidence for w in words) / len(words) < UPSIDE_DOWN_MAX_CONFIDENCE


def _reading_score(page: PageText) -> float:
    """Confidence mass of word-like readings: upright text gives many sure words."""
    return sum(w.confidence**2 for w in _confident_words(page))
