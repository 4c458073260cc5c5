"""One Tesseract call per page: words with boxes and confidences, upright.

``--psm 1`` (automatic page segmentation with orientation detection) reads a
page turned by 90, 180 or 270 degrees correctly in the same single call, but
reports word boxes in the frame of the image as given. The rotation is read
back from the geometry Tesseract returns (the direction in which the words of a
line advance, and in which the lines of a paragraph follow each other) and
every box is mapped into the upright frame, which costs nothing; a separate
``--psm 0`` OSD call would cost 0.6-0.9 s a page (measured) on top.

Every call has a subprocess timeout (pytesseract's ``timeout=``), and
``OMP_THREAD_LIMIT=1`` keeps one Tesseract to one core so that parallel page
workers do not oversubscribe the CPU (as OCRmyPDF does).
"""

from __future__ import annotations

import os
from collections import defaultdict
from itertools import pairwise

import numpy as np
import pytesseract
from PIL import Image
from pytesseract import Output

from pipeline.errors import OcrFailed, OcrTimeout
from pipeline.imaging import to_gray
from pipeline.text import Line, PageText, Word

DEFAULT_PSM = 1
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
    in the upright frame and ``rotation`` saying how to turn the image upright."""
    gray = to_gray(np.asarray(image))
    given_height, given_width = gray.shape
    if min(given_height, given_width) < MIN_SIDE:
        return PageText(
            number=number, width=given_width, height=given_height, dpi=dpi, source="ocr"
        )

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
    )
