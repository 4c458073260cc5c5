"""Turn an upload into pages: an image at a known DPI, or a PDF text layer.

Images (JPEG, PNG, TIFF incl. multi-page, BMP, WEBP) are decoded with Pillow,
EXIF orientation applied. PDF pages with a text layer give their words with
positions (pdfplumber) and are not rendered; pages without one are rendered
with pypdfium2. Limits (page count, pixel count) are checked before decoding
pixels, so a decompression bomb costs nothing.
"""

from __future__ import annotations

import logging
import re
import struct
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import ExifTags, Image, ImageFile, ImageOps, ImageSequence, UnidentifiedImageError

from pipeline.errors import (
    CorruptFile,
    EncryptedFile,
    ImageTooLarge,
    ReadError,
    TooManyPages,
    UnsupportedFormat,
)
from pipeline.settings import Settings
from pipeline.text import Line, Word

PDF_POINTS_PER_INCH = 72
#: pdfminer (under pdfplumber) logs the operands of a damaged content stream at WARNING:
#: those are the document's own words (names, addresses), so its logs are silenced.
logging.getLogger("pdfminer").setLevel(logging.CRITICAL)
#: DPI outside this range in an image's metadata is not believed (phones write 72).
_PLAUSIBLE_DPI = (100, 1200)


@dataclass
class RawPage:
    """One page before imaging and OCR. ``image`` is uint8 grayscale or BGR (OpenCV order)."""

    number: int
    dpi: int
    width: int
    height: int
    image: np.ndarray | None = None
    text_lines: list[Line] | None = None


def load_pages(
    path: Path, fmt: str, settings: Settings, preview_dpi: int | None = None
) -> Iterator[RawPage]:
    """Pages of one upload, one at a time; raises a ReadError for unreadable files.

    With ``preview_dpi``, text-layer PDF pages also get a small rendered ``image``
    (for the review app); otherwise they are not rendered at all.
    """
    if fmt == "pdf":
        yield from _pdf_pages(path, settings, preview_dpi)
    elif fmt in ("jpeg", "png", "tiff", "bmp", "webp"):
        yield from _image_pages(path, settings)
    else:
        raise UnsupportedFormat(f"the format '{fmt}' is not supported")


# ----------------------------------------------------------------------- images


def _image_pages(path: Path, settings: Settings) -> Iterator[RawPage]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            Image.MAX_IMAGE_PIXELS = None  # we check our own, clearer limit below
            # A truncated upload must fail, not come out grey-filled. WeasyPrint turns this
            # Pillow-wide switch on when imported (pipeline.notice turns it off again).
            ImageFile.LOAD_TRUNCATED_IMAGES = False
            with Image.open(path) as image:
                frames = getattr(image, "n_frames", 1)
                if frames > settings.max_pages:
                    raise TooManyPages(
                        f"the image has {frames} pages, over the limit of {settings.max_pages}"
                    )
                for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
                    yield _decode_frame(frame, number, settings)
    except ReadError:
        raise
    except UnidentifiedImageError as exc:
        raise CorruptFile("the image could not be decoded: its data is damaged") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptFile(f"the image is damaged or truncated ({_short(exc)})") from exc
    except (TypeError, KeyError, IndexError, ZeroDivisionError, struct.error) as exc:
        # Pillow's decoders raise these on damaged headers (a TIFF without dimensions...)
        raise CorruptFile(f"the image's header is damaged ({_short(exc)})") from exc


def _decode_frame(frame: Image.Image, number: int, settings: Settings) -> RawPage:
    width, height = frame.size
    if width * height > settings.max_pixels:
        raise ImageTooLarge(
            f"page {number} is {width}x{height} pixels, over the limit of "
            f"{settings.max_pixels / 1e6:.0f} megapixels"
        )
    if width < 8 or height < 8:
        raise CorruptFile(f"page {number} is only {width}x{height} pixels")
    dpi = _image_dpi(frame, settings)
    frame.load()
    upright = _exif_upright(frame) if number == 1 else frame
    if upright.mode == "L":
        pixels = np.asarray(upright)  # (convert() to the same mode copies the image)
    elif upright.mode in ("1", "I;16", "I", "F"):
        pixels = np.asarray(upright.convert("L"))
    else:
        rgb = upright if upright.mode == "RGB" else upright.convert("RGB")
        # one pass into OpenCV's order (a reversed view made contiguous is 3x slower)
        pixels = cv2.cvtColor(np.asarray(rgb), cv2.COLOR_RGB2BGR)
    return RawPage(
        number=number, dpi=dpi, width=pixels.shape[1], height=pixels.shape[0], image=pixels
    )


#: EXIF orientations that ``ImageOps.exif_transpose`` turns or mirrors the image for.
_TURNED_ORIENTATIONS = frozenset(range(2, 9))


def _exif_upright(frame: Image.Image) -> Image.Image:
    """The frame as ``ImageOps.exif_transpose`` sets it upright; the frame itself when its
    EXIF says it is upright already (exif_transpose would return a copy: 2-12 ms a page)."""
    if frame.getexif().get(ExifTags.Base.Orientation) not in _TURNED_ORIENTATIONS:
        return frame
    return ImageOps.exif_transpose(frame)


def _image_dpi(frame: Image.Image, settings: Settings) -> int:
    dpi = frame.info.get("dpi")
    if dpi:
        try:
            value = round(float(dpi[0]))
        except (TypeError, ValueError, IndexError):
            value = 0
        if _PLAUSIBLE_DPI[0] <= value <= _PLAUSIBLE_DPI[1]:
            return value
    return settings.assumed_image_dpi


# ------------------------------------------------------------------------- PDFs


#: PDFium is not thread-safe (pypdfium2's documentation: never call it from two threads at
#: once), and files are read in several threads: every call into it holds this lock. Each
#: call is short (opening, measuring, rendering a page); pdfminer's parse of a text layer
#: and everything done with the pixels run outside it.
PDFIUM_LOCK = threading.Lock()


def _pdf_pages(path: Path, settings: Settings, preview_dpi: int | None) -> Iterator[RawPage]:
    import pdfplumber
    import pypdfium2 as pdfium

    try:
        with PDFIUM_LOCK:
            document = pdfium.PdfDocument(path)
            count = len(document)
    except pdfium.PdfiumError as exc:
        message = str(exc).lower()
        if "password" in message:
            raise EncryptedFile(
                "the PDF is protected by a password; please upload it without protection"
            ) from exc
        raise CorruptFile(f"the PDF is damaged and cannot be opened ({_short(exc)})") from exc
    try:
        if count == 0:
            raise CorruptFile("the PDF has no pages")
        if count > settings.max_pages:
            raise TooManyPages(f"the PDF has {count} pages, over the limit of {settings.max_pages}")
        plumber = _LazyPlumber(pdfplumber, path)
        try:
            for index in range(count):
                try:
                    page = _pdf_page(document, plumber, index, settings, preview_dpi)
                except pdfium.PdfiumError as exc:
                    raise CorruptFile(
                        f"page {index + 1} of the PDF is damaged ({_short(exc)})"
                    ) from exc
                yield page
        finally:
            if plumber.opened is not None:
                _close_plumber(plumber.opened)
    finally:
        with PDFIUM_LOCK:
            document.close()


class _LazyPlumber:
    """pdfplumber opened on the first page that has text at all: parsing a scanned PDF
    with pdfminer costs ~80 ms a page and finds nothing (``has_text`` asks pdfium first)."""

    def __init__(self, pdfplumber, path: Path) -> None:
        self._module, self._path = pdfplumber, path
        self._tried = False
        self.opened = None

    def get(self):
        """The open pdfplumber document, or None when pdfminer cannot parse the file."""
        if not self._tried:
            self._tried = True
            self.opened = _open_plumber(self._module, self._path)
        return self.opened


def _has_text(page) -> bool:
    """Whether pdfium finds any character on the page (a scan has none): cheap, unlike
    pdfminer's parse, which only a page with text needs."""
    textpage = page.get_textpage()
    try:
        return textpage.count_chars() > 0
    finally:
        textpage.close()


def _open_plumber(pdfplumber, path: Path):
    """pdfplumber for the text layer; None when pdfminer cannot parse what pdfium can."""
    try:
        return pdfplumber.open(path)
    except Exception:  # pdfminer raises many unrelated types on damaged files
        return None


def _close_plumber(plumber) -> None:
    """pdfplumber's close() builds every page first, which fails on a damaged page tree."""
    try:
        plumber.close()
    except Exception:
        stream = getattr(plumber, "stream", None)
        if stream is not None:
            stream.close()


def _pdf_page(
    document, plumber, index: int, settings: Settings, preview_dpi: int | None
) -> RawPage:
    with PDFIUM_LOCK:
        page = document[index]
    try:
        with PDFIUM_LOCK:
            width_pt, height_pt = page.get_size()
            text_here = _has_text(page)
        dpi = settings.render_dpi
        width = round(width_pt * dpi / PDF_POINTS_PER_INCH)
        height = round(height_pt * dpi / PDF_POINTS_PER_INCH)
        if width * height > settings.max_pixels:
            dpi = int(dpi * (settings.max_pixels / (width * height)) ** 0.5)
            width = round(width_pt * dpi / PDF_POINTS_PER_INCH)
            height = round(height_pt * dpi / PDF_POINTS_PER_INCH)
        opened = plumber.get() if text_here else None
        lines = _text_layer(opened, index, dpi) if opened is not None else []
        if sum(len(line.text) for line in lines) >= settings.text_layer_min_chars:
            preview = _render(page, preview_dpi) if preview_dpi else None
            return RawPage(
                number=index + 1,
                dpi=dpi,
                width=width,
                height=height,
                text_lines=lines,
                image=preview,
            )
        pixels = _render(page, dpi)
        return RawPage(
            number=index + 1, dpi=dpi, width=pixels.shape[1], height=pixels.shape[0], image=pixels
        )
    finally:
        with PDFIUM_LOCK:
            page.close()


def _render(page, dpi: int) -> np.ndarray:
    """The page's pixels at ``dpi`` in an array of our own (the bitmap is freed here, under
    the lock, not by a finalizer in whichever thread collects it)."""
    with PDFIUM_LOCK:
        bitmap = page.render(scale=dpi / PDF_POINTS_PER_INCH, grayscale=False)
        try:
            pixels = bitmap.to_numpy()
            if pixels.ndim == 3 and pixels.shape[2] == 4:
                pixels = pixels[:, :, :3]
            return np.array(pixels, order="C")  # pdfium gives BGR(A), OpenCV's order
        finally:
            bitmap.close()


def _text_layer(plumber, index: int, dpi: int) -> list[Line]:
    """Words of a PDF page's text layer grouped into lines, in pixels at ``dpi``."""
    try:
        words = plumber.pages[index].extract_words(use_text_flow=False, keep_blank_chars=False)
    except Exception:
        return []
    scale = dpi / PDF_POINTS_PER_INCH
    boxes = sorted(
        (
            Word(
                text=w["text"],
                confidence=1.0,
                x0=w["x0"] * scale,
                y0=w["top"] * scale,
                x1=w["x1"] * scale,
                y1=w["bottom"] * scale,
            )
            for w in words
            if w["text"].strip()
        ),
        key=lambda word: (word.y0, word.x0),
    )
    return group_lines(boxes)


def group_lines(words: list[Word]) -> list[Line]:
    """Group words into lines by vertical overlap, each line left to right."""
    lines: list[list[Word]] = []
    for word in words:
        middle = (word.y0 + word.y1) / 2
        for line in reversed(lines[-3:]):
            top = min(w.y0 for w in line)
            bottom = max(w.y1 for w in line)
            if top <= middle <= bottom:
                line.append(word)
                break
        else:
            lines.append([word])
    ordered = [sorted(line, key=lambda w: w.x0) for line in lines]
    ordered.sort(key=lambda line: (min(w.y0 for w in line), line[0].x0))
    return [Line(words=line) for line in ordered]


def _short(exc: BaseException) -> str:
    """A library's error in a few words, with any quoted path or value blanked out."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return re.sub(r"(['\"]).*?\1", "'…'", text)[:120]
