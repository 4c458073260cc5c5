"""RapidOCR (PaddleOCR's PP-OCRv4 models on ONNX Runtime) as a second OCR engine.

Tesseract's ``chi_sim`` misses much of the small print of Chinese scans (the bold
name on an ID card copy, a licence at 150 DPI); PP-OCRv4 reads them. The models ship
inside the ``rapidocr-onnxruntime`` wheel, so nothing is downloaded at run time.

Same interface as :func:`pipeline.ocr.ocr_page`: one page image in, a ``PageText``
out, with word boxes in the upright frame and ``rotation`` saying how to turn the
image upright. Orientation costs no extra pass: the text detector runs once on the
page as given; lines taller than wide mean a page on its side (turned 90 degrees
clockwise, boxes mapped), then the line classifier's 0/180 verdicts, by majority,
say whether it is upside down. Chinese characters become one word each (as
``extractors.base`` splits them anyway), Latin words and digit runs one word each.

A diagonal watermark across an ID card copy ("仅供办理居住证使用") hides the lines it
crosses from the detector; when slanted lines are found, the page is detected a second
time with its grey ink lifted, and the lines found only then are added. Slanted lines
themselves (watermarks, a seal's ring of text) are dropped.

ONNX Runtime runs in this process with one thread per call (as ``OMP_THREAD_LIMIT=1``
does for Tesseract); a page cannot be interrupted, so ``timeout`` is checked after
the call only. Pages are scaled to at most ``MAX_SIDE`` pixels for detection, which
bounds the time of one page: 2-8 s on one core of the development machine (detection
is most of it), against 1-2 s for Tesseract ``chi_sim`` on the same pages.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import cv2
import numpy as np

from pipeline.errors import OcrFailed, OcrTimeout
from pipeline.imaging import to_gray
from pipeline.text import Line, PageText, Word

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")

#: The detector sees the page at most this big (RapidOCR's own default).
MAX_SIDE = 2000
MIN_SIDE = 8
#: Lines read less surely than this are dropped (RapidOCR's ``text_score``).
MIN_LINE_SCORE = 0.5
#: A line classified upside down counts only this sure (RapidOCR's ``cls_thresh``).
UPSIDE_DOWN_SCORE = 0.9
#: A line slanted more than this (degrees) is a diagonal watermark or a seal's ring of
#: text, not a line of the (deskewed) page: dropped.
MAX_SLANT = 15.0
#: Pixels lighter than this are a watermark's grey ink (or a card's fill), not
#: the black print it crosses (measured: print 30-95, watermark 180-190, paper 225-240).
WATERMARK_INK_MIN = 170
#: Part of the reading cache key: bump when what this module returns changes.
ENGINE_VERSION = "rapidocr4"

_engine: Any = None
_engine_lock = threading.Lock()


def available() -> bool:
    """Whether the RapidOCR package can be imported (it is an optional engine)."""
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def _get_engine() -> Any:
    global _engine
    with _engine_lock:
        if _engine is None:
            try:
                from rapidocr_onnxruntime import RapidOCR
            except ImportError:
                raise OcrFailed("the RapidOCR engine is not installed") from None
            _engine = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)
        return _engine


def _quad_size(quad: np.ndarray) -> tuple[float, float]:
    width = max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3]))
    height = max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2]))
    return float(width), float(height)


def _order_quad(quad: np.ndarray) -> np.ndarray:
    """Corners as top-left, top-right, bottom-right, bottom-left (what the cropper expects)."""
    total = quad.sum(axis=1)
    diff = quad[:, 1] - quad[:, 0]
    return np.array(
        [
            quad[np.argmin(total)],
            quad[np.argmin(diff)],
            quad[np.argmax(total)],
            quad[np.argmax(diff)],
        ],
        dtype=np.float32,
    )


def _rotate_quads(quads: list[np.ndarray], degrees: int, width: int, height: int) -> list:
    """Boxes of an image ``width`` x ``height`` in the frame of that image turned clockwise."""
    out = []
    for quad in quads:
        x, y = quad[:, 0], quad[:, 1]
        if degrees == 90:
            mapped = np.stack([height - 1 - y, x], axis=1)
        elif degrees == 180:
            mapped = np.stack([width - 1 - x, height - 1 - y], axis=1)
        elif degrees == 270:
            mapped = np.stack([y, width - 1 - x], axis=1)
        else:
            mapped = quad
        out.append(_order_quad(mapped.astype(np.float32)))
    return out


def _turn(image: np.ndarray, degrees: int) -> np.ndarray:
    return np.ascontiguousarray(np.rot90(image, k=-(degrees // 90) % 4))


def _without_watermark(picture: np.ndarray) -> np.ndarray:
    """The picture with every grey turned to paper, black print kept: a watermark crosses
    the page where the detector cannot see it (it finds only the pieces that cross no
    print), so the whole page is lifted, card fills and all."""
    cleaned = picture.copy()
    gray = cleaned[:, :, 0] if cleaned.ndim == 3 else cleaned
    cleaned[gray > WATERMARK_INK_MIN] = 255
    return cleaned


def _slant(quad: np.ndarray) -> float:
    """Degrees between a line's top edge and the horizontal."""
    dx, dy = quad[1] - quad[0]
    return abs(float(np.degrees(np.arctan2(dy, dx))))


def sideways(quads: list[np.ndarray]) -> bool:
    """More (and longer) lines run up or down the image than across it."""
    across = down = 0.0
    for quad in quads:
        width, height = _quad_size(quad)
        if height > 1.5 * width:
            down += height
        elif width > 1.5 * height:
            across += width
    return down > across


def rapid_ocr_page(image: np.ndarray, *, number: int, dpi: int, timeout: float = 120.0) -> PageText:
    """Words, lines and boxes of one page image (grayscale or BGR uint8), upright."""
    started = time.monotonic()
    gray = to_gray(np.asarray(image))
    given_height, given_width = gray.shape
    if min(given_height, given_width) < MIN_SIDE:
        return PageText(
            number=number, width=given_width, height=given_height, dpi=dpi, source="ocr"
        )
    engine = _get_engine()
    scale = min(1.0, MAX_SIDE / max(given_height, given_width))
    small = gray
    if scale < 1.0:
        small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    picture = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
    try:
        lines, rotation = _recognise(engine, picture)
    except Exception as error:  # ONNX Runtime errors have no common base class
        raise OcrFailed(f"RapidOCR failed on this page ({type(error).__name__})") from None
    if time.monotonic() - started > timeout:
        raise OcrTimeout(f"OCR of this page took longer than {timeout:g} s")
    width, height = (
        (given_height, given_width) if rotation in (90, 270) else (given_width, given_height)
    )
    for line in lines:
        for word in line.words:
            word.x0, word.y0 = word.x0 / scale, word.y0 / scale
            word.x1, word.y1 = word.x1 / scale, word.y1 / scale
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


def _recognise(engine: Any, picture: np.ndarray) -> tuple[list[Line], int]:
    """Detect once, find the page's orientation, recognise the lines in the upright frame."""
    quads, _ = engine.text_det(picture)
    if quads is None or len(quads) == 0:
        return [], 0
    quads = [np.asarray(q, dtype=np.float32) for q in quads]
    # each line is cut from its own picture: 0 the page as given, 1 the page lifted
    pictures = [picture]
    sources = [0] * len(quads)
    slanted = [q for q in quads if _slant(q) > MAX_SLANT and not sideways([q])]
    if slanted and len(slanted) < len(quads):
        # a diagonal "for residence permit use only" hides the lines it crosses from the
        # detector: detect again with its grey ink lifted, and add the lines found only then
        # (lifting never replaces a line already read: faint print may go with the grey)
        lifted = _without_watermark(picture)
        more, _ = engine.text_det(lifted)
        quads = [q for q in quads if _slant(q) <= MAX_SLANT or sideways([q])]
        sources = [0] * len(quads)
        added = [
            np.asarray(q, dtype=np.float32)
            for q in (more if more is not None else [])
            if not any(_overlaps(np.asarray(q, dtype=np.float32), old) for old in quads)
        ]
        if added:
            pictures.append(lifted)
            quads = quads + added
            sources = sources + [1] * len(added)
    rotation = 0
    if sideways(quads):
        height, width = picture.shape[:2]
        quads = _rotate_quads(quads, 90, width, height)
        pictures = [_turn(p, 90) for p in pictures]
        rotation = 90
    quads, sources = _reading_order(engine, quads, sources)
    crops = _crops(engine, pictures, quads, sources)
    crops, verdicts, _ = engine.text_cls(crops)
    upside_down = sum(
        _quad_size(q)[0]
        for q, (label, score) in zip(quads, verdicts, strict=True)
        if "180" in str(label) and score > UPSIDE_DOWN_SCORE
    )
    if upside_down > 0.5 * sum(_quad_size(q)[0] for q in quads):
        height, width = pictures[0].shape[:2]
        quads = _rotate_quads(quads, 180, width, height)
        quads, sources = _reading_order(engine, quads, sources)
        pictures = [_turn(p, 180) for p in pictures]
        rotation = (rotation + 180) % 360
        crops, _, _ = engine.text_cls(_crops(engine, pictures, quads, sources))
    recognised, _ = engine.text_rec(crops, True)
    with_boxes = engine.cal_rec_boxes(crops, quads, recognised)
    lines = []
    for quad, (text, score, word_boxes, contents, confidences) in zip(
        quads, with_boxes, strict=True
    ):
        if not str(text).strip() or float(score) < MIN_LINE_SCORE or _slant(quad) > MAX_SLANT:
            continue
        words = _words(str(text), float(score), quad, word_boxes, contents, confidences)
        if words:
            lines.append(Line(words=words))
    return lines, rotation


def _overlaps(quad: np.ndarray, other: np.ndarray) -> bool:
    """Whether two line boxes share a third of the smaller one's area (axis-aligned)."""
    x0, y0 = np.maximum(quad.min(axis=0), other.min(axis=0))
    x1, y1 = np.minimum(quad.max(axis=0), other.max(axis=0))
    if x1 <= x0 or y1 <= y0:
        return False
    area = min(float(np.prod(np.ptp(quad, axis=0))), float(np.prod(np.ptp(other, axis=0))))
    return (x1 - x0) * (y1 - y0) > area / 3


def _reading_order(
    engine: Any, quads: list[np.ndarray], sources: list[int]
) -> tuple[list[np.ndarray], list[int]]:
    """Lines top to bottom, left to right (RapidOCR's order), each keeping its picture."""
    if not quads:
        return [], []
    # sorted_boxes returns the boxes themselves, reordered: find each one's picture by value
    lookup = {q.tobytes(): s for q, s in zip(quads, sources, strict=True)}
    ordered = [np.asarray(q, dtype=np.float32) for q in engine.sorted_boxes(np.array(quads))]
    return ordered, [lookup.get(q.tobytes(), 0) for q in ordered]


def _crops(
    engine: Any, pictures: list[np.ndarray], quads: list[np.ndarray], sources: list[int]
) -> list[np.ndarray]:
    crops: list[np.ndarray | None] = [None] * len(quads)
    for index, picture in enumerate(pictures):
        chosen = [i for i, s in enumerate(sources) if s == index]
        if chosen:
            cut = engine.get_crop_img_list(picture, [quads[i].copy() for i in chosen])
            for i, crop in zip(chosen, cut, strict=True):
                crops[i] = crop
    return [c for c in crops if c is not None]


def _words(
    text: str,
    score: float,
    quad: np.ndarray,
    boxes: list,
    contents: list,
    confidences: list,
) -> list[Word]:
    """One word per Chinese character or Latin word, from RapidOCR's per-character boxes;
    the whole line as one word when those do not line up with the text."""
    pieces = [str(c) for c in contents or []]
    if not pieces or len(pieces) != len(boxes or []) or "".join(pieces) != text.replace(" ", ""):
        x0, y0 = float(quad[:, 0].min()), float(quad[:, 1].min())
        x1, y1 = float(quad[:, 0].max()), float(quad[:, 1].max())
        return [Word(text=text.strip(), confidence=min(1.0, score), x0=x0, y0=y0, x1=x1, y1=y1)]
    line_y0, line_y1 = float(quad[:, 1].min()), float(quad[:, 1].max())
    words: list[Word] = []
    position = 0
    previous_cjk = True
    for index, (piece, box) in enumerate(zip(pieces, boxes, strict=True)):
        found = text.find(piece, position)
        spaced = found > position  # a space (or more) before it in the recognised text
        position = max(position, found) + len(piece)
        points = np.asarray(box, dtype=np.float32)
        confidence = score
        if len(confidences or []) == len(pieces):
            confidence = float(confidences[index])
        confidence = max(0.0, min(1.0, confidence))
        x0, x1 = float(points[:, 0].min()), float(points[:, 0].max())
        cjk = bool(_CJK.match(piece))
        if words and not cjk and not previous_cjk and not spaced:
            last = words[-1]  # digits and Latin letters of one run: one word ("2016.04.13")
            last.text += piece
            last.x1 = max(last.x1, x1)
            last.confidence = min(last.confidence, confidence)
        else:
            words.append(
                Word(text=piece, confidence=confidence, x0=x0, y0=line_y0, x1=x1, y1=line_y1)
            )
        previous_cjk = cjk
    return words
