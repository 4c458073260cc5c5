"""Read one upload into text: pages -> measurements -> imaging -> OCR.

This is the expensive step (Tesseract), so its output, a ``FileReading``, is
what gets cached by content hash. Everything after it (classification,
extraction, validation) is cheap and re-runs from the cached reading.
"""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
from pydantic import BaseModel, Field

from pipeline import OCR_VERSION, ocr_rapid
from pipeline.errors import OcrTimeout, ReadError
from pipeline.imaging import capture_quality, prepare_for_ocr, to_gray
from pipeline.models import DocumentType
from pipeline.ocr import ocr_page, upright
from pipeline.pages import RawPage, load_pages
from pipeline.settings import Settings, get_settings
from pipeline.text import Line, PageText, Word

TESSERACT_LANGUAGES = {"en": "eng", "zh": "chi_sim"}
#: The OCR engine of each document language when ``PROOFS_OCR_ENGINE`` is ``auto``.
#: Chinese scans: RapidOCR (PP-OCRv4) recovers far more field values than Tesseract's
#: chi_sim (README, "Chinese documents"); English stays on Tesseract.
DEFAULT_ENGINES = {"en": "tesseract", "zh": "rapidocr"}
#: The reading cache and page previews live in OUTBOX/CACHE_DIR_NAME, shared by all batches.
CACHE_DIR_NAME = ".cache"
PREVIEW_DPI = 100
PREVIEW_MAX_SIDE = 1600
PREVIEW_JPEG_QUALITY = 70
#: A face found by the portrait gate gets the full photo checks before OCR unless the page
#: has this many times the text blobs a portrait may have (``PHOTO_MAX_TEXT_BLOBS``): the
#: margin covers a full check masking a larger face than the gate's (it does not, in practice).
PORTRAIT_GATE_BLOB_FACTOR = 2


class FileReading(BaseModel):
    """Everything read from one upload; a reading with ``error`` may still hold pages."""

    sha256: str
    format: str | None
    language: str
    pages: list[PageText] = Field(default_factory=list)
    error: str | None = None
    error_code: str | None = None
    transient: bool = False
    ocr_calls: int = 0
    version: str = OCR_VERSION


def ocr_engine_for(language: str, settings: Settings | None = None) -> str:
    """The engine that reads documents of ``language``: the setting, or the language's
    default; Tesseract when RapidOCR is wanted but not installed."""
    settings = settings or get_settings()
    engine = settings.ocr_engine
    if engine == "auto":
        engine = DEFAULT_ENGINES.get(language, "tesseract")
    if engine == "rapidocr" and not ocr_rapid.available():
        return "tesseract"
    return engine


def cache_key(sha256: str, language: str) -> str:
    """Same bytes, same language, same OCR version, engine and Tesseract mode: same
    reading. (``--psm 1`` readings keep the key they had before ``ocr_psm`` existed.)"""
    engine = ocr_engine_for(language)
    if engine == "tesseract":
        psm = get_settings().ocr_psm
        suffix = "" if psm == 1 else f"-psm{psm}"
    else:
        suffix = f"-{ocr_rapid.ENGINE_VERSION}"
    return f"{sha256}-{language}-{OCR_VERSION}{suffix}"


def preview_dir_for(cache_root: Path, sha256: str, language: str) -> Path:
    """Where the previews of a reading live: beside the reading cache, by the same key."""
    return cache_root / "pages" / cache_key(sha256, language)


def preview_path(reading: FileReading, name: str) -> str:
    """A preview's path relative to the outbox root (the cache is ``OUTBOX/.cache``)."""
    return f"{CACHE_DIR_NAME}/pages/{cache_key(reading.sha256, reading.language)}/{name}"


def read_upload(
    path: Path,
    fmt: str | None,
    sha256: str,
    language: str,
    settings: Settings,
    preview_dir: Path | None = None,
) -> FileReading:
    """Read every page of one upload; a bad file or page becomes an error, not an exception.

    With ``preview_dir``, a small JPEG of each page, in the frame of its word
    boxes, is written there for the review app.
    """
    reading = FileReading(sha256=sha256, format=fmt, language=language)
    if fmt is None:
        return _failed(reading, ReadError("the file's format is not recognised"))
    budget = settings.file_timeout_seconds
    deadline = time.monotonic() + budget
    try:
        preview_dpi = PREVIEW_DPI if preview_dir is not None else None
        for raw in load_pages(path, fmt, settings, preview_dpi=preview_dpi):
            if time.monotonic() > deadline:  # checked between pages; each page has its own
                raise OcrTimeout(f"the file took longer than {budget:.0f} s to read")
            page, view = read_page(raw, language, settings)
            if preview_dir is not None and view is not None:
                page.image = save_preview(view, preview_dir, page.number)
            reading.ocr_calls += page.ocr_calls
            reading.pages.append(page)
    except ReadError as error:
        if error.transient:
            raise
        if reading.pages:
            error = type(error)(f"page {len(reading.pages) + 1} and later: {error.message}")
        return _failed(reading, error)
    return reading


def read_page(
    raw: RawPage, language: str, settings: Settings
) -> tuple[PageText, np.ndarray | None]:
    """Text of one page: its text layer, or its measurements and (unless a portrait) OCR.

    Also returns the page image in the frame of the word boxes, for a preview.
    """

    def untextured(source: str, checks: dict | None = None) -> PageText:
        return PageText(
            number=raw.number,
            width=raw.width,
            height=raw.height,
            dpi=raw.dpi,
            source=source,
            checks=checks or {},
        )

    if raw.text_lines is not None:
        page = untextured("text_layer")
        page.lines = raw.text_lines
        return page, raw.image
    if raw.image is None:
        raise ReadError(f"page {raw.number} has neither text nor an image")
    from extractors.photo import PHOTO_MAX_TEXT_BLOBS, looks_like_photo, measure_photo

    # one grey copy for every measurement (each took the colour page and made its own)
    gray = to_gray(raw.image)
    checks: dict = {f"quality_{k}": v for k, v in capture_quality(gray, raw.dpi).items()}
    # A quick search for portrait-sized faces first (~40 ms, the full checks ~250 ms): enough
    # to skip OCR for a portrait. The full photo checks follow only for a page that may be
    # classified a photo: before OCR when the gate found a face with little text around it
    # (a portrait skips OCR), after OCR when it read almost no words (``_may_be_a_photo``).
    # A card or a page with a face beside many lines of text is not measured again.
    photo = measure_photo(gray, _portrait_face_fraction(gray), quick=True)
    measured_fully = False
    if photo["face_count"] and photo["text_blobs"] < PORTRAIT_GATE_BLOB_FACTOR * (
        PHOTO_MAX_TEXT_BLOBS
    ):
        photo = measure_photo(gray)
        measured_fully = True
    checks.update({f"photo_{k}": v for k, v in photo.items() if _is_scalar(v)})
    if measured_fully and looks_like_photo(photo):
        return untextured("none", checks), raw.image
    # The grey copy is handed over: prepare_for_ocr is its only holder and lets it go at its
    # first step that makes a new image (a page-sized array fewer at its peak, issue 9). A
    # page that needs its photo checks after OCR makes it again (the same pixels, ~1 ms).
    handed_over = [gray]
    del gray
    prepared, dpi = prepare_for_ocr(
        raw.image, raw.dpi, settings.ocr_dpi_cap, gray=handed_over.pop()
    )
    engine = ocr_engine_for(language, settings)
    try:
        if engine == "rapidocr":
            page = ocr_rapid.rapid_ocr_page(
                prepared.image, number=raw.number, dpi=dpi, timeout=settings.ocr_timeout_seconds
            )
        else:
            page = ocr_page(
                prepared.image,
                number=raw.number,
                dpi=dpi,
                lang=TESSERACT_LANGUAGES.get(language, "eng"),
                timeout=settings.ocr_timeout_seconds,
                tesseract_cmd=settings.tesseract_cmd,
                psm=settings.ocr_psm,
            )
    except ReadError as error:
        if error.transient:
            raise
        checks.update(error=error.message, error_code=error.code)
        return untextured("none", checks), raw.image
    if not measured_fully and _may_be_a_photo(page):
        photo = measure_photo(to_gray(raw.image))
        checks.update({f"photo_{k}": v for k, v in photo.items() if _is_scalar(v)})
    view = upright(prepared.image, page.rotation)
    if engine == "tesseract":
        page = read_again_where_lost(page, view, language, settings)
    page.checks.update(checks)
    page.checks["imaging_steps"] = ",".join(prepared.steps)
    return page, view


def read_again_where_lost(
    page: PageText, view: np.ndarray, language: str, settings: Settings
) -> PageText:
    """``page`` with the second look its document type needs when its reading lost fields
    (an ID card's validity row, a slip's or card's rows beside a picture); the page is
    classified once for both. ``view`` is the OCR'd image in the frame of the page's
    boxes."""
    from pipeline.classify import classify

    if page.source != "ocr" or not page.lines:
        return page
    doc_type = classify([page], language)[0]
    if doc_type is DocumentType.ID_CARD:
        return reread_card_validity(page, view, language, settings)
    if doc_type.value in ONE_PAGE_TYPES:
        return reread_as_one_block(page, doc_type, view, language, settings)
    return page


def reread_card_validity(
    page: PageText, view: np.ndarray, language: str, settings: Settings
) -> PageText:
    """An ID card's validity row read again on its own (``--psm 7``) when the page's
    reading lost its end date: a 150-DPI copy or a grey overprint spoils the page's line
    finding, not the row (``extractors.id_card.reread_validity`` says where and whether).
    ``page`` is an ID card's; ``view`` is the OCR'd image in the frame of its boxes."""
    from extractors import id_card

    if not id_card.may_show_validity(page):
        return page
    calls = 0

    def read_crop(crop: id_card.RowCrop) -> list[Line]:
        nonlocal calls
        left, top, right, bottom = (round(v) for v in crop.box)
        piece = to_gray(view[top:bottom, left:right])
        if piece.size == 0:
            return []
        if crop.dark_only:
            piece = _dark_ink_only(piece)
        read = _read_again(piece, page, language, settings, crop.psm)
        calls += read.ocr_calls
        if read.rotation:
            return []  # a row is read as it stands, or not at all
        return [Line(words=[_moved(w, left, top) for w in line.words]) for line in read.lines]

    reread = id_card.reread_validity(page, language, read_crop)
    reread.ocr_calls = page.ocr_calls + calls
    return reread


def _read_again(
    image: np.ndarray, page: PageText, language: str, settings: Settings, psm: int
) -> PageText:
    """A second look at (part of) ``page``'s OCR'd image with Tesseract, in ``psm``."""
    return ocr_page(
        image,
        number=page.number,
        dpi=page.dpi,
        lang=TESSERACT_LANGUAGES.get(language, "eng"),
        timeout=settings.ocr_timeout_seconds,
        tesseract_cmd=settings.tesseract_cmd,
        psm=psm,
    )


#: Documents that are one page each (a slip, a card), whose fields a page reading holds or
#: lost, and the page segmentation of their second look: one uniform block of text.
ONE_PAGE_TYPES = ("photo_receipt", "student_id")
ONE_BLOCK_PSM = 6


def reread_as_one_block(
    page: PageText, doc_type: DocumentType, view: np.ndarray, language: str, settings: Settings
) -> PageText:
    """A slip or card page (of ``doc_type``, one of ONE_PAGE_TYPES) read again as one
    block of text (``--psm 6``) when its reading lost some of the document's fields, and
    kept when that reads more of them.

    Automatic page segmentation can take the rows beside a picture (the portrait on a
    photo receipt turned on its side) for part of the picture and return no word of
    them; read as one block, the rows come back (measured on a fresh batch: 4 of 7
    photo receipts had lost their customer's name and receipt number)."""
    from extractors import extract
    from pipeline.classify import classify

    fields, _ = extract(doc_type, [page], language)
    read_before = sum(value is not None for value in fields.values())
    if read_before == len(fields):
        return page
    again = _read_again(view, page, language, settings, ONE_BLOCK_PSM)
    calls = page.ocr_calls + again.ocr_calls
    if again.rotation or classify([again], language)[0] is not doc_type:
        page.ocr_calls = calls
        return page
    fields_again, _ = extract(doc_type, [again], language)
    if sum(value is not None for value in fields_again.values()) <= read_before:
        page.ocr_calls = calls
        return page
    # the block reading is in the frame of ``view``, the upright page: the same as ``page``
    again.rotation, again.ocr_calls = page.rotation, calls
    again.checks = {**page.checks, "reread_as_one_block": True}
    return again


#: Of the way from ink (the crop's darkest 1 %) to paper (its 90th percentile), the share
#: below which a pixel is text: a grey overprint lies above it (measured on card copies:
#: 0.45 keeps the grey captions and drops the overprint).
DARK_INK_SHARE = 0.45


def _dark_ink_only(gray: np.ndarray) -> np.ndarray:
    """The crop in black and white, lighter grey (an overprint) turned to paper."""
    ink, paper = np.percentile(gray, (1, 90))
    threshold = ink + DARK_INK_SHARE * (paper - ink)
    return np.where(gray < threshold, 0, 255).astype(np.uint8)


def _moved(word: Word, dx: float, dy: float) -> Word:
    """A word read on a crop, in the frame of the page the crop was cut from."""
    return word.model_copy(
        update={"x0": word.x0 + dx, "x1": word.x1 + dx, "y0": word.y0 + dy, "y1": word.y1 + dy}
    )


def _portrait_face_fraction(image: np.ndarray) -> float:
    """The smallest face (share of the shorter side) that could make ``looks_like_photo``
    or the classifier call the image a portrait, with a margin for the detector's steps."""
    from extractors.photo import PHOTO_FACE_RATIO

    height, width = image.shape[:2]
    return min(0.9, 0.8 * PHOTO_FACE_RATIO * height / max(1, min(height, width)))


def _may_be_a_photo(page: PageText) -> bool:
    """Whether the classifier may still call this OCR'd page a photo (a faceless or
    small-faced picture with almost no words), so its full photo checks are needed."""
    from pipeline.classify import _MEANINGFUL, PHOTO_MAX_WORDS

    meaningful = sum(1 for w in page.words if w.confidence >= 0.6 and _MEANINGFUL.search(w.text))
    return meaningful <= PHOTO_MAX_WORDS


def save_preview(image: np.ndarray, directory: Path, number: int) -> str:
    """A small JPEG of the page; the review app scales boxes by its size."""
    height, width = image.shape[:2]
    scale = min(1.0, PREVIEW_MAX_SIDE / max(height, width))
    if scale < 1.0:
        size = (round(width * scale), round(height * scale))
        # an area resize by a whole factor is ~20x cheaper than by any other: reduce by
        # the largest whole factor first, then by what is left (under 2x)
        whole = int(1 / scale)
        if whole >= 2:  # (the whole-factor path needs sides divisible by the factor)
            image = cv2.resize(
                image[: height - height % whole, : width - width % whole],
                None,
                fx=1 / whole,
                fy=1 / whole,
                interpolation=cv2.INTER_AREA,
            )
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{number}.jpg"
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, PREVIEW_JPEG_QUALITY])
    if ok:
        (directory / name).write_bytes(encoded.tobytes())
    return name


def _failed(reading: FileReading, error: ReadError) -> FileReading:
    reading.error = error.message
    reading.error_code = error.code
    reading.transient = error.transient
    return reading


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)
