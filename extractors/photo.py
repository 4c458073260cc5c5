"""Photo checks for the applicant's portrait: faces, size, brightness, sharpness, background.

Faces are found with OpenCV's bundled Haar cascades: the frontal "default"
cascade proposes, "alt2" confirms (a face both agree on), which removes most
false positives of either alone. Detection runs on a copy scaled to at most
``DETECT_MAX_SIDE`` pixels, so a 24-megapixel phone photo costs as little as a
thumbnail. The thresholds of the verdict (``usable`` and its ``problems``) are
settings (``PROOFS_PHOTO_*``, ``pipeline.settings``); :func:`photo_verdict` applies
them to the measurements, so a changed setting reaches cached readings too.
Detection parameters stay constants here.

``looks_like_photo`` lets the reader skip OCR for portraits: a big, centred
face. An ID card front also has a face, but off-centre beside text.
"""

from __future__ import annotations

import threading
from typing import Any

import cv2
import numpy as np

from pipeline.imaging import LastCopy, analysis_copy
from pipeline.settings import Settings, get_settings

# ---- detection (the verdict's thresholds are settings: PROOFS_PHOTO_*) -------------------
DETECT_MAX_SIDE = 640  # px: detection image size
#: px: the portrait gate's detection image. It looks only for faces of a portrait (at least
#: ~0.17 of the shorter side: 38 px here, above the cascades' 24 px window), and a Haar
#: search costs in proportion to the pixels: a quarter of the 640 px copy's. Made from the
#: page's analysis copy, which ``capture_quality`` made already, not from the page.
GATE_MAX_SIDE = 320
MIN_FACE_FRACTION = 0.08  # smallest face searched, as a fraction of the shorter side
CONFIRM_IOU = 0.3  # default and alt2 boxes must overlap this much to count as one face
#: (scale step, neighbours of "default", neighbours of "alt2"): the full search, and the
#: quick one of the portrait gate (~2.5x cheaper: 39 -> 15 ms a page). The gate only
#: decides whether the full search runs before OCR; measured on 161 benchmark pages it let
#: through every portrait the full search finds, and nothing else.
FULL_SEARCH = (1.1, 5, 3)
QUICK_SEARCH = (1.25, 2, 1)
SHARPNESS_SCALE = 60.0  # Laplacian variance giving sharpness 0.5 (on a face scaled to 256 px)
PHOTO_FACE_RATIO = 0.15  # looks_like_photo: face at least this tall relative to the image
PHOTO_CENTRE_TOLERANCE = 0.22  # looks_like_photo: face centre within 0.5 +- this (x)
MAX_FACE_WHITE_FRACTION = 0.4  # a "face" box mostly paper-white is a false detection
TEXT_MEASURE_SIDE = 1000  # px: the text-presence measure runs on the image scaled to this
#: looks_like_photo: a portrait has (almost) no text-line blobs outside the face; an ID card
#: photographed on a desk, a receipt slip with a thumbnail or a student card has a dozen or more.
PHOTO_MAX_TEXT_BLOBS = 8


_PER_THREAD = threading.local()


def _cascades() -> tuple[cv2.CascadeClassifier, cv2.CascadeClassifier]:
    """One pair of classifiers per thread: detectMultiScale on a shared
    CascadeClassifier from two threads fails an OpenCV assertion (getScaleData)."""
    cached = getattr(_PER_THREAD, "cascades", None)
    if cached is None:
        cached = _PER_THREAD.cascades = _load_cascades()
    return cached


def _load_cascades() -> tuple[cv2.CascadeClassifier, cv2.CascadeClassifier]:
    base = cv2.data.haarcascades
    default = cv2.CascadeClassifier(base + "haarcascade_frontalface_default.xml")
    alt2 = cv2.CascadeClassifier(base + "haarcascade_frontalface_alt2.xml")
    if default.empty() or alt2.empty():
        raise RuntimeError("OpenCV Haar cascades are missing from cv2.data.haarcascades")
    return default, alt2


def _grey(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        grey = image
    elif image.shape[2] == 4:
        grey = cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    else:
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if grey.dtype != np.uint8:
        grey = cv2.normalize(grey, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    return grey


_DETECTION_COPIES = LastCopy()


def _detection_copy(grey: np.ndarray) -> tuple[np.ndarray, float]:
    """``grey`` scaled to at most DETECT_MAX_SIDE and equalised, and the scale.

    Kept while its source lives: a second full search of the same page (a caller's
    repeat) takes it instead of resizing the page again. The portrait gate searches a
    smaller copy of its own (``_gate_copy``)."""
    height, width = grey.shape[:2]
    scale = min(1.0, DETECT_MAX_SIDE / max(height, width))

    def make(image: np.ndarray) -> np.ndarray:
        small = (
            cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            if scale < 1
            else image
        )
        return cv2.equalizeHist(small)

    return _DETECTION_COPIES.get(grey, make), scale


def _gate_copy(grey: np.ndarray) -> tuple[np.ndarray, float]:
    """``grey`` scaled to at most GATE_MAX_SIDE and equalised, and the scale; reduced from
    the page's analysis copy (not kept: the full search wants its own, larger copy)."""
    height, width = grey.shape[:2]
    scale = min(1.0, GATE_MAX_SIDE / max(height, width))
    if scale == 1.0:
        return cv2.equalizeHist(grey), 1.0
    source, _ = analysis_copy(grey)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.equalizeHist(cv2.resize(source, size, interpolation=cv2.INTER_AREA)), scale


def _mean(grey: np.ndarray) -> float:
    """``float(grey.mean())`` of a uint8 image, from OpenCV's exact integer sum (a tenth of
    numpy's time on a page: numpy converts every pixel to float64)."""
    if grey.size == 0 or grey.dtype != np.uint8:
        return float(grey.mean())
    total = cv2.sumElems(grey if grey.flags.c_contiguous else np.ascontiguousarray(grey))[0]
    return float(total) / grey.size


def _iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = ix * iy
    union = aw * ah + bw * bh - inter
    return inter / union if union else 0.0


def detect_faces(
    grey: np.ndarray, min_face_fraction: float = MIN_FACE_FRACTION, quick: bool = False
) -> list[tuple[int, int, int, int]]:
    """Faces (x, y, w, h) in ``grey``'s pixels, each confirmed by both cascades, at least
    ``min_face_fraction`` of the shorter side (a larger one searches fewer scales: cheaper).
    ``quick``: a smaller copy (GATE_MAX_SIDE), coarser scale steps and fewer neighbours
    (QUICK_SEARCH), for a gate that looks for a portrait's face only."""
    small, scale = _gate_copy(grey) if quick else _detection_copy(grey)
    min_side = max(20, int(min_face_fraction * min(small.shape[:2])))
    default, alt2 = _cascades()
    step, proposing, confirmations = QUICK_SEARCH if quick else FULL_SEARCH
    proposed = default.detectMultiScale(small, step, proposing, minSize=(min_side, min_side))
    if len(proposed) == 0:
        return []  # nothing to confirm: the second cascade would find no face either
    confirming = alt2.detectMultiScale(small, step, confirmations, minSize=(min_side, min_side))
    faces: list[tuple[int, int, int, int]] = []
    for box in (tuple(int(v) for v in f) for f in proposed):
        if any(_iou(box, tuple(int(v) for v in c)) >= CONFIRM_IOU for c in confirming) and not any(
            _iou(box, kept) > 0.3 for kept in faces
        ):
            faces.append(box)  # type: ignore[arg-type]
    found = [
        (int(x / scale), int(y / scale), int(w / scale), int(h / scale)) for x, y, w, h in faces
    ]
    # both cascades can agree on a sheet of paper with two dark blobs: a face is not white
    return [
        (x, y, w, h)
        for x, y, w, h in found
        if float((grey[y : y + h, x : x + w] >= 235).mean()) <= MAX_FACE_WHITE_FRACTION
    ]


def count_text_blobs(grey: np.ndarray, face: tuple[int, int, int, int] | None = None) -> int:
    """How many text-line-like blobs the image has outside the face (and its hair/shoulders).

    Morphological gradient, Otsu, a horizontal closing that joins the letters of a word
    into one blob; a blob counts when it is short and wide, like a word or a line of text.
    Cheap (one 1000 px pass) and independent of the language and of OCR."""
    height, width = grey.shape[:2]
    scale = min(1.0, TEXT_MEASURE_SIDE / max(height, width, 1))
    small = (
        cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        if scale < 1
        else grey
    )
    gradient = cv2.morphologyEx(
        small, cv2.MORPH_GRADIENT, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    )
    _, binary = cv2.threshold(gradient, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    binary = cv2.morphologyEx(
        binary, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 1))
    )
    if face is not None:
        x, y, w, h = (int(v * scale) for v in face)
        binary[max(0, y - h // 3) : y + h + h // 2, max(0, x - w // 3) : x + w + w // 3] = 0
    _, _, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    blob_w, blob_h = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    area = stats[1:, cv2.CC_STAT_AREA]
    lines = (
        (blob_h >= 6)
        & (blob_h <= 40)
        & (2 * blob_h <= blob_w)
        & (blob_w <= 500)
        & (area >= 0.4 * blob_w * blob_h)
    )
    return int(np.count_nonzero(lines))


def _sharpness(region: np.ndarray) -> float:
    """Variance of the Laplacian on the region scaled to 256 px, mapped to 0..1."""
    if region.size == 0:
        return 0.0
    scale = 256.0 / max(region.shape[:2])
    resized = cv2.resize(region, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    variance = float(cv2.Laplacian(resized, cv2.CV_64F).var())
    return variance / (variance + SHARPNESS_SCALE)


def measure_photo(
    image: np.ndarray,
    min_face_fraction: float = MIN_FACE_FRACTION,
    settings: Settings | None = None,
    quick: bool = False,
) -> dict[str, Any]:
    """The photo checks of one image (BGR, BGRA or grey): what ``checks`` of a photo holds.

    With a larger ``min_face_fraction`` smaller faces go unseen, and with ``quick`` the
    search is coarser: enough to tell a portrait from a page (``looks_like_photo``) at a
    fraction of the cost. A quick search that finds no face leaves ``sharpness`` and
    ``text_blobs`` None."""
    grey = _grey(image)
    height, width = grey.shape[:2]
    faces = detect_faces(grey, min_face_fraction, quick)
    largest = max(faces, key=lambda f: f[3]) if faces else None
    if largest is not None:
        x, y, w, h = largest
        pad_x, pad_y = int(0.1 * w), int(0.1 * h)
        region = grey[max(0, y - pad_y) : y + h + pad_y, max(0, x - pad_x) : x + w + pad_x]
    else:
        region = grey
    border = max(2, int(0.06 * min(height, width)))
    strips = np.concatenate(
        [
            grey[:border].ravel(),
            grey[-border:].ravel(),
            grey[:, :border].ravel(),
            grey[:, -border:].ravel(),
        ]
    )
    image_mean = _mean(grey)
    brightness = (image_mean if region is grey else _mean(region)) / 255 if region.size else 0.0
    # a quick search that found no face is a gate saying "read this page": its sharpness
    # and text lines would be measured for nothing (a page read to few words gets the
    # full checks after OCR)
    skip_portrait_measures = quick and largest is None
    sharpness = None if skip_portrait_measures else round(_sharpness(region), 4)
    face_ratio = largest[3] / height if largest else 0.0
    measurements: dict[str, Any] = {
        "face_count": len(faces),
        "face_ratio": round(face_ratio, 4),
        "face_height": int(largest[3]) if largest else 0,
        "face_center_x": round((largest[0] + largest[2] / 2) / width, 4) if largest else None,
        "brightness": round(brightness, 4),
        "image_brightness": round(image_mean / 255, 4),
        "sharpness": sharpness,
        "background_std": round(float(strips.std()) / 255, 4),
        "width": int(width),
        "height": int(height),
        "text_blobs": None if skip_portrait_measures else count_text_blobs(grey, largest),
    }
    usable, problems = photo_verdict(measurements, settings)
    return {**measurements, "usable": usable, "problems": problems}


def photo_verdict(
    measurements: dict[str, Any], settings: Settings | None = None
) -> tuple[bool, list[str]]:
    """``usable`` and the problems (no_face, several_faces, too_dark, blurred, too_small)
    of a portrait's measurements, by the ``PROOFS_PHOTO_*`` thresholds."""
    settings = settings or get_settings()
    faces = int(measurements.get("face_count") or 0)
    width = int(measurements.get("width") or 0)
    height = int(measurements.get("height") or 0)
    ratio = float(measurements.get("face_ratio") or 0.0)
    face_height = measurements.get("face_height")
    face_height = float(face_height) if face_height is not None else ratio * height
    problems: list[str] = []
    if faces == 0:
        problems.append("no_face")
    elif faces > 1:
        problems.append("several_faces")
    if float(measurements.get("brightness") or 0.0) < settings.photo_min_brightness:
        problems.append("too_dark")
    if faces and float(measurements.get("sharpness") or 0.0) < settings.photo_min_sharpness:
        problems.append("blurred")
    if min(height, width) < settings.photo_min_side_px or (
        faces
        and (face_height < settings.photo_min_face_px or ratio < settings.photo_min_face_ratio)
    ):
        problems.append("too_small")
    return not problems, problems


def looks_like_photo(measurements: dict[str, Any]) -> bool:
    """A portrait: one or more faces, the largest big and horizontally centred, and
    (almost) no text around it.

    Used to skip OCR; an ID card (face beside text), a card photographed on a desk or a
    receipt slip with a thumbnail has many text lines outside the face, so it is read.
    """
    if int(measurements.get("face_count") or 0) < 1:
        return False
    if int(measurements.get("text_blobs") or 0) >= PHOTO_MAX_TEXT_BLOBS:
        return False
    ratio = float(measurements.get("face_ratio") or 0.0)
    centre = measurements.get("face_center_x")
    if centre is None:
        return False
    return ratio >= PHOTO_FACE_RATIO and abs(float(centre) - 0.5) <= PHOTO_CENTRE_TOLERANCE
