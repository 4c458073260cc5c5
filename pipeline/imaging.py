"""Make a page image fit for Tesseract, and measure how well it was captured.

Every correction is applied only when a measurement says it is needed, so a
clean scan goes to Tesseract untouched (Tesseract binarises it better than we
would) and the ``steps`` list says what was done to each page. Pure functions:
arrays in, arrays and numbers out.

Quarter-turn orientation is not handled here: ``pipeline.ocr`` reads a page
turned by 90/180/270 degrees (a second reading when the first is unsure or runs
vertically) and maps the boxes back to the upright frame. Small-angle skew is
measured in both the horizontal and the vertical direction, so deskewing also
works on a page that is still turned by a quarter.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

# --- prepare_for_ocr ----------------------------------------------------------
#: Long side (px) of the working copy used for measurements; corrections are
#: applied at full resolution.
ANALYSIS_LONG_SIDE = 1200
#: The page outline must cover this share of the photo (smaller: not a page photo
#: we can trust; larger: the "outline" is the frame of a scan).
PAGE_MIN_AREA = 0.20
PAGE_MAX_AREA = 0.95
#: Corners closer than this share of the image size to its border mean the page
#: runs out of the frame or the outline is the frame itself: no warp.
PAGE_CORNER_MARGIN = 0.01
#: The outline must fill its quadrilateral this well (a page, not a blob).
PAGE_MIN_SOLIDITY = 0.92
#: A second bright region at least this share of the largest one's area (two sides of a
#: card side by side on a desk, two pages): warping onto one would crop the other away.
PAGE_SECOND_MAX_SHARE = 0.4
#: Paper must be this much brighter (grey levels) than what surrounds it.
PAGE_MIN_CONTRAST = 40.0
#: Skew is searched within +-MAX_SKEW degrees and corrected above MIN_SKEW.
MAX_SKEW = 15.0
MIN_SKEW = 0.3
#: The best projection profile must beat a typical angle's by this factor,
#: otherwise there are no text lines to trust.
SKEW_MIN_PEAK_RATIO = 1.3
#: Background brighter in one place than another by more than this: flatten it.
ILLUMINATION_MAX_SPREAD = 40.0
#: Ink (the darkest 0.05% of pixels: a sparse page has little ink) to paper (95th
#: percentile) closer than this, or paper darker than this: stretch contrast.
#: Below CONTRAST_BLANK_RANGE there is nothing to stretch (a blank page).
CONTRAST_MIN_RANGE = 110.0
CONTRAST_MIN_PAPER = 170.0
CONTRAST_BLANK_RANGE = 12.0
#: Mean difference (grey levels) from a 3x3 median above this: speckle or sensor
#: noise that costs OCR words (measured: 4% salt-and-pepper lost 7% of the words,
#: a 3x3 median gave them all back). Clean scans measure about 1, photos about 2.
NOISE_ABOVE = 4.0

#: Coloured seal ink: red exceeds both green and blue by this much (grey levels).
#: Black ink, grey paper and the blue of signatures and headings stay far below it.
SEAL_RED_MARGIN = 60
#: At least this share of the page in seal red before anything is changed.
SEAL_MIN_SHARE = 0.0005
#: A seal is a blob at least this wide and high (mm) once its speckled ink is
#: joined across gaps of SEAL_JOIN_MM, and about round (sides within this ratio).
SEAL_MIN_MM = 15.0
SEAL_JOIN_MM = 2.0
SEAL_MAX_ASPECT = 1.8
A4_SHORT_SIDE_MM = 210.0
#: Within a seal's outline, a pixel this much redder than green and blue is seal ink.
SEAL_FAINT_MARGIN = 20
#: Text under a seal is this much darker (red channel) than seal ink on paper.
SEAL_MIN_TEXT_CONTRAST = 40.0
#: Ruled lines are at least this long (mm; cell text never runs this far unbroken)...
RULE_MIN_MM = 12.0
#: ... and at most this thick (mm): a solid band with lettering on it is content.
RULE_MAX_THICKNESS_MM = 1.0
#: At least this much ruling (total line length, in page widths) before it is removed.
RULE_MIN_PAGE_WIDTHS = 1.5
#: A table: at least this many pairs of horizontal rules TABLE_ROW_MIN_MM to
#: TABLE_ROW_MAX_MM apart (one row of cells) and overlapping.
TABLE_MIN_ROWS = 2
TABLE_ROW_MIN_MM = 3.0
TABLE_ROW_MAX_MM = 20.0
#: Rules are ink darker than this point between the darkest ink (0) and paper (1).
RULE_INK_LEVEL = 0.75
#: A rule has paper beside it: ink along more than this share of its length just
#: above and below (on average) means the run is the middle of a line of bold text.
RULE_MAX_INK_BESIDE = 0.2
#: Thickness of a typical printed rule (mm), to turn line pixels into line length.
TYPICAL_RULE_MM = 0.25
#: Text smaller than this (median height of character-sized ink blobs, px) is enlarged
#: before OCR: Tesseract reads little below it (a card photocopied onto A4 and scanned at
#: 100 DPI, a phone photo of a card, a receipt in 8-point type), and a body text scanned at
#: 200-300 DPI measures 16-30. Measured: a 96-DPI ID card copy gave its name, address and
#: validity only after enlarging.
SMALL_TEXT_BELOW = 13.0
#: ... to about this height, by at most UPSCALE_MAX times and to at most UPSCALE_MAX_PIXELS.
TEXT_TARGET_HEIGHT = 24.0
UPSCALE_MAX = 3.0
UPSCALE_MAX_PIXELS = 16_000_000
#: Blobs counted as characters: at least this high (px; smaller is speckle) and this many
#: of them (fewer: too little text to measure, e.g. a portrait or a smudged page).
CHAR_MIN_PX = 4
TEXT_MIN_BLOBS = 40
#: Long side (px) of the copy the text height is measured on.
TEXT_MEASURE_LONG_SIDE = 2000

# --- capture_quality ----------------------------------------------------------
#: Sharpness is measured as if the image were at this DPI, so that a 600-DPI
#: scan and a 150-DPI scan of the same page score alike.
SHARPNESS_DPI = 150
#: Below this the image counts as blurred (see ``_sharpness``).
BLURRED_BELOW = 0.25
TOO_DARK_BELOW = 70.0
SATURATED_LEVEL = 250
#: More saturated pixels than this on non-white paper: glare.
GLARE_ABOVE = 0.02
#: Median grey at or above this: white paper or a digital render, where a
#: saturated pixel is paper, not glare.
WHITE_PAPER_MEDIAN = 240
LOW_RESOLUTION_DPI = 150
LOW_RESOLUTION_LONG_SIDE = 600
#: Character-sized ink components touching the border; this many mean text runs
#: off the edge of the image.
CUT_OFF_MIN_COMPONENTS = 3
CHAR_MIN_MM, CHAR_MAX_MM = 0.8, 10.0
#: Short side under this share of the long side: a strip of a page (a photo that
#: caught only a line or two), not a page, card or slip (the narrowest, a slip or
#: a receipt, are above 0.35).
STRIP_MAX_ASPECT = 0.25
#: Regional blur: tiles (at SHARPNESS_DPI) that show ink on paper but whose
#: steepest edges are this soft for their contrast are smudged; when this share of
#: the tiles with ink is smudged, the page is ``blurred`` even if some of it (a
#: title) is sharp.
BLUR_TILE = 48
BLUR_TILE_MIN_CONTRAST = 25.0
BLUR_TILE_PAPER_MARGIN = 30.0
BLUR_TILE_EDGE_RATIO = 0.25
BLURRED_TILE_SHARE = 0.4
BLUR_MIN_TILES = 8
#: Rows worked on at once where a pixel's result depends on that pixel alone: the
#: temporaries of a band (~1 MB at 300 DPI), not of the page (9 MB per plane, 38 MB in
#: float32), so that two pages read at once do not stack their peaks (issue 9).
BAND_ROWS = 256


def use_one_opencv_thread() -> None:
    """OpenCV runs each call on a pool of one thread per core; the batch process already
    reads as many pages at once as there are cores, so the pool only adds hand-overs and
    idle spinning (measured on 193 pages: 38.3 -> 36.2 s of CPU for the same work). Called
    where the batch process and the read-ahead set themselves up (process-wide)."""
    cv2.setNumThreads(1)


@dataclass
class PreparedImage:
    image: np.ndarray  # uint8 grayscale, ready for Tesseract
    steps: list[str] = field(default_factory=list)  # what was applied, in order


def to_gray(image: np.ndarray) -> np.ndarray:
    """uint8 grayscale from grayscale, BGR or BGRA input."""
    if image.ndim == 2:
        return image
    if image.ndim == 3 and image.shape[2] == 1:
        return image[:, :, 0]
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    if image.ndim == 3 and image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    raise ValueError(f"unsupported image shape {image.shape}")


def shrink(image: np.ndarray, scale: float) -> np.ndarray:
    """``image`` resized by ``scale`` (< 1) by pixel-area averaging, to the size
    ``cv2.resize(image, None, fx=scale, fy=scale)`` gives.

    OpenCV's area resize by a whole factor is ~20x faster than by any other (10 ms for a
    300-DPI page to 1200 px): the image is first reduced by a whole factor (its last row
    or column dropped when the side is not a multiple), then by what is left. The two
    averages differ from the one only at the edges of each block (~1 grey level)."""
    height, width = image.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # the largest whole factor that drops at most one row and column: more would shift
    # the picture against the one-step result by a visible fraction of a pixel
    most = int(1 / scale)
    whole = next((k for k in range(most, 1, -1) if height % k <= 1 and width % k <= 1), 1)
    if whole < 2 or width // whole < size[0] or height // whole < size[1]:
        return cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    image = cv2.resize(
        image[: height - height % whole, : width - width % whole],
        (width // whole, height // whole),
        interpolation=cv2.INTER_AREA,
    )
    if image.shape[1] == size[0] and image.shape[0] == size[1]:
        return image
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


class LastCopy:
    """The last copy derived from a source image in this thread, kept (read-only) while
    its source lives: several measurements of one page ask for the same reduced copy, and
    each resize of a 300-DPI page costs ~10 ms. Images are never changed in place after
    they are measured (every step returns a new array)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def get(self, source: np.ndarray, make: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """The copy of ``source`` made last in this thread, else ``make(source)``, kept."""
        last = getattr(self._local, "entry", None)
        if last is not None and last[0]() is source and last[1] == source.shape:
            return last[2]
        copy = make(source)
        copy.flags.writeable = False
        try:
            self._local.entry = (weakref.ref(source), source.shape, copy)
        except TypeError:  # an array that cannot be weakly referenced: no reuse
            self._local.entry = None
        return copy

    def forget(self) -> None:
        self._local.entry = None


_ANALYSIS_COPIES = LastCopy()


def _analysis_copy(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """A copy with the long side at most ANALYSIS_LONG_SIDE, and its scale: the capture
    measurements, the outline and the skew all ask for the copy of the same page image."""
    scale = min(1.0, ANALYSIS_LONG_SIDE / max(gray.shape))
    if scale == 1.0:
        return gray, 1.0
    return _ANALYSIS_COPIES.get(gray, lambda image: shrink(image, scale)), scale


def analysis_copy(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """The page's analysis copy (long side at most ANALYSIS_LONG_SIDE) and its scale, for
    other modules' measurements: ``capture_quality`` has made it already (no resize)."""
    return _analysis_copy(gray)


# --- perspective ----------------------------------------------------------------


def _order_corners(points: np.ndarray) -> np.ndarray:
    """Top-left, top-right, bottom-right, bottom-left."""
    points = points.reshape(4, 2).astype(np.float32)
    sums = points.sum(axis=1)
    diffs = np.diff(points, axis=1).ravel()
    return np.float32(
        [
            points[np.argmin(sums)],
            points[np.argmin(diffs)],
            points[np.argmax(sums)],
            points[np.argmax(diffs)],
        ]
    )


def find_page_outline(gray: np.ndarray, color: np.ndarray | None = None) -> np.ndarray | None:
    """Corners (tl, tr, br, bl; full-resolution pixels) of a page photographed on
    a darker background, or None when no outline is clearly there.

    Brightness alone keeps only the white body of a card whose header band is coloured
    (the school's name printed on it is then cut away). With ``color`` (the same picture in
    BGR, any size), the page is also segmented by its colour's distance from the desk's,
    and that outline wins when it holds the bright one and is clearly larger."""
    small, scale = _analysis_copy(gray)
    if min(small.shape) < 32:
        return None
    blurred = cv2.GaussianBlur(small, (0, 0), 2)
    _, bright = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    found = _outline_of_mask(bright, small, scale)
    if found is None or color is None or color.ndim != 3 or color.shape[2] < 3:
        return found  # (only a bright outline can be widened: scans cost nothing more)
    measured = _desk_distance(color, small.shape)
    if measured is None:
        return found
    distance, desk_level = measured
    apart = np.where(distance > desk_level, 255, 0).astype(np.uint8)
    # the blurred seam between a band and the white body can pass through the desk's colour
    apart = cv2.morphologyEx(apart, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    by_colour = _outline_of_mask(apart, distance, scale)
    if by_colour is None or not _holds_larger(by_colour, found):
        return found
    # a band with the card's heading adds writing; the plain margin of a sheet the card
    # lies on (a photocopy's paper, a mount) adds none, and is left out as before
    return by_colour if _adds_writing(by_colour, found, small, scale) else found


#: The outline found by colour replaces the bright one when it holds it and is at least
#: this much larger (a coloured band above the white body); else the two are one outline.
COLOUR_OUTLINE_MIN_GAIN = 1.08


def _desk_distance(color: np.ndarray, shape: tuple[int, ...]) -> tuple[np.ndarray, float] | None:
    """Per pixel of the analysis copy, how far its colour lies from the desk's (the median
    colour of the picture's border), scaled to 0..255, and the level above which a pixel
    is no desk (above the texture of the desk itself: carpet, wood grain, JPEG noise).
    None when the border is no one surface (the page reaches it) or nothing stands out."""
    height, width = shape[:2]
    small = cv2.resize(color[:, :, :3], (width, height), interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(cv2.GaussianBlur(small, (0, 0), 3), cv2.COLOR_BGR2LAB).astype(np.float32)
    band = max(2, round(0.02 * min(height, width)))
    border = np.concatenate(
        [
            lab[:band].reshape(-1, 3),
            lab[-band:].reshape(-1, 3),
            lab[:, :band].reshape(-1, 3),
            lab[:, -band:].reshape(-1, 3),
        ]
    )
    # lightness counts half: a desk's texture (carpet, grain, speckle) varies in lightness
    # far more than in hue, and a dark coloured band differs from a dark desk by its hue
    weights = np.float32([DESK_LIGHTNESS_WEIGHT, 1.0, 1.0])
    lab *= weights
    border *= weights
    # (the median of each channel from a contiguous copy: numpy's median along axis 0 of
    # the interleaved strips is a strided partition, several times slower)
    desk = np.median(np.ascontiguousarray(border.T), axis=1)
    spread = np.linalg.norm(border - desk, axis=1)
    if np.percentile(spread, 75) > DESK_MAX_SPREAD:
        return None  # the border is not one surface: the page itself reaches it
    distance = _colour_distance(lab, desk)
    top = float(np.percentile(distance, 99))
    if top < PAGE_MIN_CONTRAST:
        return None
    level = max(DESK_MIN_STEP, DESK_LEVEL_FACTOR * float(np.percentile(spread, 95)))
    scaled = np.clip(distance * (255.0 / top), 0, 255).astype(np.uint8)
    return scaled, level * 255.0 / top


def _colour_distance(lab: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """``np.linalg.norm(lab - centre, axis=2)`` of a float32 image: the same operations
    (per channel difference, square, the three summed in order, square root), on each
    channel's plane instead of along the interleaved last axis (a strided reduction,
    ~3x slower)."""
    total = None
    for plane, level in zip(cv2.split(lab), centre, strict=True):
        difference = np.subtract(plane, level, out=plane)
        squared = np.multiply(difference, difference, out=difference)
        total = squared if total is None else np.add(total, squared, out=total)
    return np.sqrt(total, out=total)


#: The desk's colour varies by up to its border's 95th percentile distance; a pixel this
#: many times farther (and at least DESK_MIN_STEP Lab units) is the page. A border whose
#: typical distance exceeds DESK_MAX_SPREAD is no one surface.
DESK_LEVEL_FACTOR = 1.25
DESK_LIGHTNESS_WEIGHT = 0.5
DESK_MIN_STEP = 15.0
DESK_MAX_SPREAD = 25.0


def _holds_larger(outer: np.ndarray, inner: np.ndarray) -> bool:
    """Whether quadrilateral ``outer`` holds ``inner`` (within 2% of its size) and is at
    least COLOUR_OUTLINE_MIN_GAIN times its area."""
    outer_area = cv2.contourArea(outer.reshape(-1, 1, 2).astype(np.float32))
    inner_area = cv2.contourArea(inner.reshape(-1, 1, 2).astype(np.float32))
    if outer_area < COLOUR_OUTLINE_MIN_GAIN * inner_area:
        return False
    tolerance = 0.02 * float(max(np.ptp(outer[:, 0]), np.ptp(outer[:, 1])))
    contour = outer.reshape(-1, 1, 2).astype(np.float32)
    return all(
        cv2.pointPolygonTest(contour, (float(x), float(y)), True) >= -tolerance for x, y in inner
    )


#: Share of edge pixels (Canny) in what a colour outline adds to the bright one, above
#: which it holds writing: measured 0.030-0.047 on photographed cards' header bands, 0.000
#: on the margins of sheets that cards lay on.
ADDED_MIN_EDGE_SHARE = 0.01


def _adds_writing(outer: np.ndarray, inner: np.ndarray, small: np.ndarray, scale: float) -> bool:
    """Whether the part of quadrilateral ``outer`` outside ``inner`` (full-resolution
    corners) holds writing, away from both outlines' own edges."""
    inner_mask = np.zeros_like(small)
    outer_mask = np.zeros_like(small)
    cv2.fillConvexPoly(inner_mask, np.round(inner * scale).astype(np.int32), 255)
    cv2.fillConvexPoly(outer_mask, np.round(outer * scale).astype(np.int32), 255)
    kernel = np.ones((15, 15), np.uint8)
    added = cv2.erode(outer_mask, kernel) & cv2.bitwise_not(cv2.dilate(inner_mask, kernel))
    if not added.any():
        return False
    edges = cv2.Canny(cv2.GaussianBlur(small, (0, 0), 1), 50, 150)
    return float(np.count_nonzero(edges[added > 0])) / np.count_nonzero(added) > (
        ADDED_MIN_EDGE_SHARE
    )


# --- light overprint ------------------------------------------------------------------
#
# Copies of ID cards carry a grey overprint across them ("For residence permit application
# only"), in large bold letters much lighter than the card's own print. Where it crosses a
# line of text, OCR reads neither (the validity dates under it were lost on most copies).
# Its strokes are far wider than any body text's and lighter than any ink, so they are
# found by that and painted paper-white; ink under them stays, being darker.

#: Grey levels of the overprint (paper is brighter, ink darker).
OVERPRINT_LEVELS = (110, 215)
#: Strokes at least this wide (mm) are overprint; body text, labels and headings up to
#: ~20 pt bold are thinner (measured: 10-16 px overprint strokes vs <= 8 px for text at
#: 200 DPI).
OVERPRINT_MIN_STROKE_MM = 0.8
#: A wider light area (a portrait, a shaded band or cell) is content: left alone.
OVERPRINT_MAX_PART_MM = 10.0
#: Less overprint than this share of the page is not worth a change.
OVERPRINT_MIN_SHARE = 0.002
#: Below this resolution the small print's own strokes are as wide and as grey as
#: overprint, and painting over the overprint takes them too (measured on 150-DPI copies).
OVERPRINT_MIN_DPI = 200
#: Share of paper around a stroke of overprint (it is written over the paper).
OVERPRINT_MIN_PAPER_AROUND = 0.5
#: Pixels of the overprint at least this bright are painted over (ink under it is darker).
OVERPRINT_INK_BELOW = 100


def _light_overprint_mask(gray: np.ndarray, dpi: int) -> np.ndarray | None:
    """Pixels of a light, wide-stroked overprint, or None when the page has (almost) none."""
    if dpi < OVERPRINT_MIN_DPI:
        return None
    # overprint strokes are wide: measured at half resolution when that is still enough
    factor = 2 if dpi >= 300 else 1
    full_height, full_width = gray.shape
    if factor > 1:
        size = (max(1, full_width // factor), max(1, full_height // factor))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
        dpi //= factor
    low, high = OVERPRINT_LEVELS
    light = cv2.inRange(gray, low + 1, high - 1)  # low < grey < high
    stroke = max(3, round(OVERPRINT_MIN_STROKE_MM / 25.4 * dpi))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (stroke, stroke))
    # the opening, in its two halves: the dilation grows each eroded pixel into at most the
    # kernel's pixels, so too few eroded pixels already answer "none" (most pages)
    eroded = cv2.erode(light, kernel)
    least = OVERPRINT_MIN_SHARE * eroded.size
    if cv2.countNonZero(eroded) * cv2.countNonZero(kernel) < least:
        return None
    wide = cv2.dilate(eroded, kernel)
    if cv2.countNonZero(wide) < least:
        return None  # most pages: no wide light strokes at all
    count, labels, stats, centres = cv2.connectedComponentsWithStats(wide, connectivity=8)
    del light, eroded, wide  # (each step's arrays are let go once used: issue 9)
    if count <= 1:
        return None
    largest = (OVERPRINT_MAX_PART_MM / 25.4 * dpi) ** 2
    small_part = np.zeros(count, bool)
    small_part[1:] = stats[1:, cv2.CC_STAT_AREA] < largest
    # overprint lies on paper; crumbs of a portrait's tones lie among other tones
    ring_kernel = np.ones((stroke + 2, stroke + 2), np.uint8)
    # the highest label around each pixel (uint16 when the labels fit: half the memory of
    # float32, and no conversion back)
    wide_type = np.uint16 if count <= np.iinfo(np.uint16).max else np.float32
    around = cv2.dilate(labels.astype(wide_type), ring_kernel)
    if wide_type is np.float32:
        around = around.astype(np.int64)
    ring = (labels == 0) & (around > 0)
    ring_all = np.bincount(around[ring], minlength=count)
    ring_paper = np.bincount(around[ring & (gray >= high)], minlength=count)
    del around, ring
    on_paper = ring_paper >= OVERPRINT_MIN_PAPER_AROUND * np.maximum(ring_all, 1)
    small_part &= on_paper
    mask = small_part[labels].view(np.uint8)
    if cv2.countNonZero(mask) / mask.size < OVERPRINT_MIN_SHARE:
        return None
    slant = _overprint_slant(mask)
    if slant is None:
        return None
    # only the parts on the slanted lines: grey labels near them lie level, elsewhere
    small_part &= _on_slanted_lines(stats, centres, slant, band=4 * stroke)
    mask = small_part[labels].astype(np.uint8)
    del labels
    if float(mask.mean()) < OVERPRINT_MIN_SHARE:
        return None
    if factor > 1:
        mask = cv2.resize(mask, (full_width, full_height), interpolation=cv2.INTER_NEAREST)
    # the strokes' own soft edges, which the opening shaved off
    return cv2.dilate(mask, np.ones((5, 5), np.uint8))


#: The overprint's lines must lie at least this many degrees off level, and fit their
#: slant this much better than level: a card's own print is level after deskewing, and
#: grey labels blurred in a soft photo are as wide and light as overprint strokes.
OVERPRINT_MIN_SLANT = 10.0
OVERPRINT_MIN_SLANT_GAIN = 1.3


def _on_slanted_lines(
    stats: np.ndarray, centres: np.ndarray, slant: float, band: int
) -> np.ndarray:
    """Per component, whether its centre lies on one of the slanted lines the overprint
    runs along: across the slant, the components' area piles up in a few bands."""
    radians = np.deg2rad(slant)
    across = centres[:, 1] * np.cos(radians) + centres[:, 0] * np.sin(radians)
    bins = np.floor((across - across[1:].min()) / max(band, 1)).astype(np.int64)
    bins[0] = 0  # the background, never kept anyway
    weights = np.bincount(bins[1:], weights=stats[1:, cv2.CC_STAT_AREA].astype(np.float64))
    strong = weights >= OVERPRINT_LINE_SHARE * weights.max()
    strong |= np.concatenate([strong[1:], [False]]) | np.concatenate([[False], strong[:-1]])
    return strong[bins]


#: A band across the slant holding at least this share of the heaviest band's overprint
#: area is a line of it.
OVERPRINT_LINE_SHARE = 0.3


def _sampled_points(
    mask: np.ndarray, least: int, most: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """(xs, ys) of the mask's set pixels, a fixed random sample of ``most`` of them when
    there are more (the same every run), or None when fewer than ``least``."""
    ys, xs = np.nonzero(mask)
    if len(xs) < least:
        return None
    if len(xs) > most:
        keep = np.random.default_rng(0).choice(len(xs), most, replace=False)
        xs, ys = xs[keep], ys[keep]
    return xs, ys


def _overprint_slant(mask: np.ndarray) -> float | None:
    """The angle (degrees) of the slant the masked strokes line up along, or None when
    they lie level or in no lines."""
    scale = min(1.0, 800 / max(mask.shape))
    points = _sampled_points(mask, least=200, most=50_000)
    if points is None:
        return None
    xs, ys = points
    xs = xs.astype(np.float64) * scale
    ys = ys.astype(np.float64) * scale
    angles = np.arange(-60.0, 60.0 + 1e-9, 2.0)
    scores = _profile_scores(xs, ys, angles)
    best = int(np.argmax(scores))
    level = float(scores[int(np.argmin(np.abs(angles)))])
    if abs(angles[best]) < OVERPRINT_MIN_SLANT or scores[best] < OVERPRINT_MIN_SLANT_GAIN * level:
        return None
    return float(angles[best])


def _drop_light_overprint(gray: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The page with the overprint painted in the paper's own shade around it (a card's
    grey, not white: white letter shapes on grey are read as text again), ink under it
    kept."""
    height, width = gray.shape
    small = cv2.resize(
        gray, (max(1, width // 4), max(1, height // 4)), interpolation=cv2.INTER_AREA
    )
    # brighter than the overprint all round: the paper beside its strokes
    paper = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (11, 11)))
    paper = cv2.resize(paper, (width, height), interpolation=cv2.INTER_LINEAR)
    # the page keeps its own pixels off the overprint, and where they are darker than it
    # (ink under it): ``paper`` takes them in place, one uint8 mask at a time (no boolean
    # copies of the page)
    kept = cv2.compare(mask, 0, cv2.CMP_EQ)
    cv2.copyTo(gray, kept, paper)
    cv2.copyTo(gray, cv2.compare(gray, OVERPRINT_INK_BELOW, cv2.CMP_LE, dst=kept), paper)
    return paper


def _outline_of_mask(mask: np.ndarray, small: np.ndarray, scale: float) -> np.ndarray | None:
    """The page's corners from a mask of page pixels on the analysis copy ``small`` (whose
    values must be higher on the page than around it), or None."""
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    contours = sorted(contours, key=cv2.contourArea, reverse=True)
    contour = contours[0]
    image_area = small.shape[0] * small.shape[1]
    area = cv2.contourArea(contour)
    if len(contours) > 1 and cv2.contourArea(contours[1]) >= PAGE_SECOND_MAX_SHARE * area:
        return _outline_of_several(contours, area, small.shape, scale)
    if not PAGE_MIN_AREA <= area / image_area <= PAGE_MAX_AREA:
        return None
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    quad = None
    for epsilon in (0.02, 0.03, 0.04, 0.05):
        approx = cv2.approxPolyDP(hull, epsilon * perimeter, True)
        if len(approx) == 4:
            quad = approx.reshape(4, 2)
            break
    if quad is None or not cv2.isContourConvex(quad.reshape(-1, 1, 2)):
        return None
    if area / cv2.contourArea(quad.reshape(-1, 1, 2).astype(np.float32)) < PAGE_MIN_SOLIDITY:
        return None
    height, width = small.shape
    margin_x, margin_y = PAGE_CORNER_MARGIN * width, PAGE_CORNER_MARGIN * height
    xs, ys = quad[:, 0], quad[:, 1]
    if (
        xs.min() < margin_x
        or ys.min() < margin_y
        or xs.max() > width - 1 - margin_x
        or ys.max() > height - 1 - margin_y
    ):
        return None
    inside_mask = np.zeros_like(small)
    cv2.fillConvexPoly(inside_mask, quad.astype(np.int32), 255)
    inside = float(cv2.mean(small, mask=inside_mask)[0])
    outside = float(cv2.mean(small, mask=cv2.bitwise_not(inside_mask))[0])
    if inside - outside < PAGE_MIN_CONTRAST:
        return None
    return _order_corners(quad / scale)


def _outline_of_several(
    contours: list[np.ndarray], largest: float, shape: tuple[int, ...], scale: float
) -> np.ndarray | None:
    """The rectangle around several comparable bright regions (both sides of a card
    side by side): cropping to all of them keeps every side and drops the desk, whose
    large dark area makes Tesseract's layout analysis give up on the page."""
    parts = [c for c in contours if cv2.contourArea(c) >= PAGE_SECOND_MAX_SHARE * largest]
    points = np.concatenate(parts).reshape(-1, 2).astype(np.float32)
    box = cv2.boxPoints(cv2.minAreaRect(points))
    height, width = shape[:2]
    pad = 0.01 * max(height, width)
    centre = box.mean(axis=0)
    box = centre + (box - centre) * (1 + 2 * pad / max(1.0, float(np.ptp(box[:, 0]))))
    box[:, 0] = np.clip(box[:, 0], 0, width - 1)
    box[:, 1] = np.clip(box[:, 1], 0, height - 1)
    if cv2.contourArea(box.reshape(-1, 1, 2)) > PAGE_MAX_AREA * height * width:
        return None
    return _order_corners(box / scale)


def flatten_page(gray: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """Warp the quadrilateral page onto an upright rectangle of its own size."""
    tl, tr, br, bl = corners
    width = round(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = round(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    target = np.float32([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]])
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    return cv2.warpPerspective(
        gray, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )


# --- skew ---------------------------------------------------------------------------


def _profile_scores(xs: np.ndarray, ys: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """Sharpness of the row projection of ink points rotated by each angle: text
    lines that lie flat give tall, narrow peaks and a large sum of squares."""
    radians = np.deg2rad(angles)
    scores = np.empty(len(angles))
    rows = np.empty_like(ys, dtype=np.float64)
    across = np.empty_like(rows)
    for index, angle in enumerate(radians):
        # in place (the same arithmetic, without a temporary per operation)
        np.multiply(ys, np.cos(angle), out=rows)
        rows += np.multiply(xs, np.sin(angle), out=across)
        rows -= rows.min()
        np.rint(rows, out=rows)
        counts = np.bincount(rows.astype(np.intp))
        scores[index] = float(np.dot(counts, counts))
    return scores


def measure_skew(gray: np.ndarray) -> float | None:
    """Angle in degrees (counter-clockwise positive) by which the text lines are
    turned from horizontal, or from vertical on a quarter-turned page; None when
    there are no text lines to measure."""
    small, _ = _analysis_copy(gray)
    if min(small.shape) < 32:
        return None
    ink = cv2.adaptiveThreshold(
        small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15
    )
    points = _sampled_points(ink, least=500, most=150_000)
    if points is None:
        return None
    xs, ys = points
    xs = xs.astype(np.float64) - small.shape[1] / 2
    ys = ys.astype(np.float64) - small.shape[0] / 2
    coarse = np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.5)
    candidates = []  # (peak score, peak / typical score, angle, lines run vertically)
    for vertical, (u, v) in ((False, (xs, ys)), (True, (ys, -xs))):
        scores = _profile_scores(u, v, coarse)
        index = int(np.argmax(scores))
        ratio = float(scores[index] / np.median(scores))
        candidates.append((float(scores[index]), ratio, float(coarse[index]), vertical))
    _, ratio, angle, vertical = max(candidates)
    if ratio < SKEW_MIN_PEAK_RATIO or abs(angle) >= MAX_SKEW:
        return None
    u, v = (ys, -xs) if vertical else (xs, ys)
    fine = np.arange(angle - 0.5, angle + 0.5 + 1e-9, 0.05)
    angle = float(fine[int(np.argmax(_profile_scores(u, v, fine)))])
    # Projecting at angle a flattens lines turned counter-clockwise by a in the image.
    return round(angle, 2)


def rotate_small_angle(gray: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate by ``degrees`` (counter-clockwise positive) on a canvas that keeps
    every corner, filling with the paper colour."""
    height, width = gray.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_width = round(height * sin + width * cos)
    new_height = round(height * cos + width * sin)
    matrix[0, 2] += new_width / 2 - width / 2
    matrix[1, 2] += new_height / 2 - height / 2
    paper = int(
        uint8_percentiles(gray[:: max(1, height // 200), :: max(1, width // 200)], (90,))[0]
    )
    return cv2.warpAffine(
        gray, matrix, (new_width, new_height), flags=cv2.INTER_CUBIC, borderValue=paper
    )


# --- lighting and contrast ------------------------------------------------------


def _background(gray: np.ndarray) -> np.ndarray:
    """The paper without the ink, at low resolution: a closing removes dark text."""
    small = cv2.resize(
        gray, (max(1, gray.shape[1] // 8), max(1, gray.shape[0] // 8)), interpolation=cv2.INTER_AREA
    )
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (15, 15))
    closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
    return cv2.GaussianBlur(closed, (0, 0), 5)


def flatten_illumination(gray: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Divide by the background so that the paper is evenly white.

    The background is floored at half the paper level: a large dark area (a
    photo, a black band with white lettering) is not shading and must not be
    washed out to white."""
    floor = 0.5 * float(np.percentile(background, 95))
    background = np.maximum(background.astype(np.float32), floor)
    full = cv2.resize(background, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    # the same float32 arithmetic as ``gray * (255 / max(full, 1))`` clipped, with one
    # page-sized float array (the gain, made in place) instead of four
    gain = np.divide(255.0, np.maximum(full, 1.0, out=full), out=full)
    flattened = np.empty_like(gray)
    for top in range(0, gray.shape[0], BAND_ROWS):
        rows = slice(top, top + BAND_ROWS)
        band = gray[rows].astype(np.float32)
        band *= gain[rows]
        flattened[rows] = np.clip(band, 0, 255, out=band).astype(np.uint8)
    return flattened


def _ink_and_paper(gray: np.ndarray) -> tuple[float, float]:
    """Grey level of the darkest ink and of the paper, from a subsample."""
    sample = gray[:: max(1, gray.shape[0] // 500), :: max(1, gray.shape[1] // 500)]
    ink, paper = uint8_percentiles(sample, (0.05, 95))
    return ink, paper


def needs_contrast(gray: np.ndarray) -> bool:
    """True when ink and paper are close (faint or murky scan) or the paper is dark,
    but not on a blank page."""
    ink, paper = _ink_and_paper(gray)
    if paper - ink < CONTRAST_BLANK_RANGE:
        return False
    return paper - ink < CONTRAST_MIN_RANGE or paper < CONTRAST_MIN_PAPER


def stretch_contrast(gray: np.ndarray) -> np.ndarray:
    """Map ink to black and paper to white, linearly."""
    ink, paper = _ink_and_paper(gray)
    if paper - ink < 1:
        return gray
    lut = np.clip((np.arange(256, dtype=np.float32) - ink) * (255.0 / (paper - ink)), 0, 255)
    return cv2.LUT(gray, lut.astype(np.uint8))


def noise_level(gray: np.ndarray) -> float:
    """Mean absolute difference from a 3x3 median, on a central crop at full
    resolution (downscaling would average the noise away)."""
    height, width = gray.shape
    crop = gray[
        max(0, height // 2 - 600) : height // 2 + 600, max(0, width // 2 - 600) : width // 2 + 600
    ]
    return float(np.mean(cv2.absdiff(crop, cv2.medianBlur(crop, 3))))


# --- the whole preparation ------------------------------------------------------


# --- seal ink and table rules ----------------------------------------------------


def seal_ink_mask(image: np.ndarray) -> np.ndarray | None:
    """Pixels of red seal ink in a BGR(A) image (uint8 mask), or None for grey images."""
    if image.ndim != 3 or image.shape[2] < 3:
        return None
    blue, green, red = (image[:, :, index].astype(np.int16) for index in range(3))
    if int(np.max(np.abs(red - green))) < SEAL_RED_MARGIN:  # a grey image stored as colour
        return None
    return ((red - np.maximum(green, blue)) >= SEAL_RED_MARGIN).astype(np.uint8)


def _redness(image: np.ndarray) -> np.ndarray | None:
    """How much redder than both green and blue each pixel is (0 when not redder), for a
    BGR(A) image; None for grey. Saturating uint8 arithmetic: one pass, no int16 copies;
    a band of rows at a time, so that the channels of a whole page (3 x 9 MB at 300 DPI)
    are never split at once."""
    if image.ndim != 3 or image.shape[2] < 3:
        return None
    redness = np.empty(image.shape[:2], np.uint8)
    for top in range(0, image.shape[0], BAND_ROWS):
        blue, green, red = cv2.split(image[top : top + BAND_ROWS])[:3]
        cv2.subtract(red, cv2.max(green, blue, dst=green), dst=redness[top : top + BAND_ROWS])
    return redness


def _seal_shaped(
    mask: np.ndarray, dpi: int, page_shape: tuple[int, ...] | None = None
) -> np.ndarray:
    """The part of a red-ink mask that forms seal-sized, roughly round blobs.

    Red lettering (labels, headings in an accent colour) runs in lines a few
    millimetres high and is left alone; a seal is a ring some 20-45 mm across.

    The DPI an image claims is not always its scale (a 96-DPI screenshot is taken for 300
    DPI, as phones and most screenshots do not say): the page's own width, as if it were
    an A4 sheet, bounds the scale too, so that the seal on a low-resolution copy is still
    seal-sized. ``page_shape``: the page's when ``mask`` is a crop of it."""
    px_per_mm = min(dpi / 25.4, min((page_shape or mask.shape)[:2]) / A4_SHORT_SIDE_MM)
    joined = cv2.morphologyEx(
        mask,
        cv2.MORPH_CLOSE,
        cv2.getStructuringElement(
            cv2.MORPH_ELLIPSE, (max(3, round(SEAL_JOIN_MM * px_per_mm)),) * 2
        ),
    )
    count, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    keep = np.zeros(count, bool)
    for index in range(1, count):
        width, height = stats[index, cv2.CC_STAT_WIDTH], stats[index, cv2.CC_STAT_HEIGHT]
        small, large = min(width, height), max(width, height)
        keep[index] = small >= SEAL_MIN_MM * px_per_mm and large <= SEAL_MAX_ASPECT * small
    region = keep[labels].astype(np.uint8)
    # the whole disc of each seal: on a pale or coarse copy few of its pixels are strongly
    # red, and the faint rest of its ring, star and lettering is seal ink too
    for index in np.nonzero(keep)[0]:
        points = cv2.findNonZero((labels == index).astype(np.uint8))
        cv2.fillConvexPoly(region, cv2.convexHull(points), 1)
    return region


def drop_seal_ink(image: np.ndarray, gray: np.ndarray, dpi: int) -> np.ndarray | None:
    """``gray`` with red seal ink made paper, or None when there is no seal to drop.

    Seal pixels are given their red channel, scaled so that seal ink on bare
    paper becomes paper white: black text printed under the seal stays dark in
    it (the ink is translucent), so a date stamped over keeps its letters.

    Works on the box around the red pixels, with a margin wider than the joining kernel
    (the same result as on the whole page: nothing outside it is red)."""
    redness = _redness(image)
    if redness is None:
        return None
    _, mask = cv2.threshold(redness, SEAL_RED_MARGIN - 1, 1, cv2.THRESH_BINARY)
    if cv2.countNonZero(mask) / mask.size < SEAL_MIN_SHARE:
        return None
    page_height, page_width = mask.shape
    px_per_mm = min(dpi / 25.4, min(page_height, page_width) / A4_SHORT_SIDE_MM)
    margin = max(3, round(SEAL_JOIN_MM * px_per_mm)) + 4
    x, y, w, h = cv2.boundingRect(mask)
    box = (
        slice(max(0, y - margin), min(page_height, y + h + margin)),
        slice(max(0, x - margin), min(page_width, x + w + margin)),
    )
    mask, redness, image = mask[box], redness[box], image[box]
    region = _seal_shaped(mask, dpi, (page_height, page_width))
    if not region.any():
        return None
    # inside a seal, faintly inked specks (thin ink, JPEG) are seal too: left grey they
    # read as stray marks
    faint = redness >= SEAL_FAINT_MARGIN
    mask = (region.astype(bool) & (faint | (mask > 0))).astype(np.uint8)
    # most seal pixels lie on bare paper: their typical red level is "paper" for the seal;
    # the darkest are text printed under it, which should come out as dark as other text
    core = image[:, :, 2][mask > 0].astype(np.float32)
    ink_on_paper = float(np.median(core))
    text_under = float(np.percentile(core, 1))
    if ink_on_paper - text_under < SEAL_MIN_TEXT_CONTRAST:
        text_under = 0.0
    # the fringe of the ink (antialiasing, JPEG) is reddish but weaker: take it too
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8)).astype(bool)
    red = image[:, :, 2][mask].astype(np.float32)
    (paper,) = uint8_percentiles(
        gray[:: max(1, gray.shape[0] // 200), :: max(1, gray.shape[1] // 200)], (90,)
    )
    cleaned = gray.copy()
    scaled = (red - text_under) * (paper / max(1.0, ink_on_paper - text_under))
    cleaned[box][mask] = np.clip(scaled, 0, 255).astype(np.uint8)
    return cleaned


def ruled_lines_mask(gray: np.ndarray, dpi: int) -> np.ndarray | None:
    """Thin, long horizontal and vertical lines (table rules, underlines), or None
    when the page carries too little ruling to be a table."""
    px_per_mm = dpi / 25.4
    length = max(15, round(RULE_MIN_MM * px_per_mm))
    thick = max(3, round(RULE_MAX_THICKNESS_MM * px_per_mm) + 1)
    # dark ink only: a shaded label column is not ink, and must not join the rules
    darkest, paper = _ink_and_paper(gray)
    _, ink = cv2.threshold(
        gray, darkest + RULE_INK_LEVEL * (paper - darkest), 255, cv2.THRESH_BINARY_INV
    )
    # the first (horizontal) pass's rules, kept as pixel positions while the second runs
    # (not a second page-sized mask beside its own: issue 9)
    first_rules: tuple[np.ndarray, np.ndarray] | None = None
    found = None
    total_length = 0.0
    table_rows = 0
    for along, across in (((length, 1), (1, thick)), ((1, length), (thick, 1))):
        vertical = along[0] == 1
        # each line runs along rows (columns): only the rows (columns) that can hold one
        # are worked on, with the rows (columns) around them that the kernels reach
        lanes = _lanes_with_runs(ink, length, vertical)
        opened = near = None
        if lanes.size:
            near = _lanes_near(lanes, max(thick, 5), ink.shape[1 if vertical else 0])
            # (the lanes' own copy, opened in place; the page's mask is made after: fewer
            # page-sized arrays at once, issue 9)
            opened = _lanes(ink, near, vertical)
            cv2.morphologyEx(
                opened,
                cv2.MORPH_OPEN,
                cv2.getStructuringElement(cv2.MORPH_RECT, along),
                dst=opened,
            )
            # a solid band (a heading bar with white lettering) survives an opening across
            # the line direction; it is content, not a rule
            solid = cv2.morphologyEx(
                opened, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, across)
            )
            if solid.any():
                opened[cv2.dilate(solid, np.ones((5, 5), np.uint8), dst=solid) > 0] = 0
            del solid
        lines = np.zeros_like(ink)
        if opened is not None:
            _set_lanes(lines, near, opened, vertical)
            del opened
        lines, rules, kept = _drop_runs_inside_text(
            lines, ink, vertical=vertical, offset=max(2, round(0.35 * px_per_mm))
        )
        total_length += float(rules[:, cv2.CC_STAT_AREA].sum()) / max(
            1.0, TYPICAL_RULE_MM * px_per_mm
        )
        if along[1] == 1:
            table_rows = _table_rows(rules, px_per_mm)
            if table_rows < TABLE_MIN_ROWS:
                return None  # no table rows: the vertical pass cannot change the answer
        if first_rules is None:
            first_rules = kept
            del lines
        else:
            found = lines  # both passes' masks are 0/255: this is their union
            found[first_rules] = 255
    # only a table: the frame of a card copy or a border round the page guides
    # Tesseract's layout analysis, and taking it away costs more than it gives
    if total_length < RULE_MIN_PAGE_WIDTHS * gray.shape[1] or table_rows < TABLE_MIN_ROWS:
        return None
    return found


#: Pixels per block when looking for the rows (columns) that may hold a long run of ink.
_RUN_BLOCK = 8


def _lanes_with_runs(ink: np.ndarray, length: int, vertical: bool) -> np.ndarray:
    """Indices of the rows (``vertical``: columns) of a 0/255 mask that may hold a run of
    at least ``length`` set pixels along them: every other one holds none.

    Such a run covers at least ``(length - 21) // 8`` consecutive whole blocks of 8
    pixels aligned to multiples of 8 (a run of m pixels inside the blocks' span covers
    at least (m - 14) / 8 of them, and the last 7 pixels may lie outside that span):
    far cheaper to look for (a block of a row is 8 bytes read as one number) than the
    opening, which is then done on those rows alone (most rows of a page hold text)."""
    height, width = ink.shape
    blocks_needed = (length - 3 * (_RUN_BLOCK - 1)) // _RUN_BLOCK
    if blocks_needed < 2 or min(height, width) < _RUN_BLOCK * blocks_needed:
        return np.arange(width if vertical else height)
    if vertical:
        # blocks of 8 rows, column by column: the minimum over each block's rows
        usable = height - height % _RUN_BLOCK
        full = ink[0:usable:_RUN_BLOCK]
        for offset in range(1, _RUN_BLOCK):
            full = cv2.min(full, ink[offset:usable:_RUN_BLOCK])
        full = (full == 255).view(np.uint8)
        kernel = np.ones((blocks_needed, 1), np.uint8)
        flags = cv2.reduce(cv2.erode(full, kernel), 0, cv2.REDUCE_MAX).ravel()
    else:
        usable = width - width % _RUN_BLOCK
        # a band of rows at a time: when the width is no multiple of 8, the rows' blocks
        # are copied out to be read as numbers (a band's copy, not the page's)
        full = np.empty((height, usable // _RUN_BLOCK), np.uint8)
        for top in range(0, height, BAND_ROWS):
            rows = slice(top, top + BAND_ROWS)
            packed = np.ascontiguousarray(ink[rows, :usable]).view(np.uint64)
            full[rows] = packed == np.uint64(0xFFFFFFFFFFFFFFFF)
        kernel = np.ones((1, blocks_needed), np.uint8)
        flags = cv2.reduce(cv2.erode(full, kernel), 1, cv2.REDUCE_MAX).ravel()
    return np.flatnonzero(flags)


def _lanes_near(lanes: np.ndarray, reach: int, count: int) -> np.ndarray:
    """``lanes`` and every lane within ``reach`` of one, in order: worked on apart from
    the rest, they give what the whole image gives to kernels reaching at most ``reach``
    across (between two kept groups lie at least ``reach`` empty lanes on each side)."""
    near = np.zeros(count, np.uint8)
    near[lanes] = 1
    near = cv2.dilate(near.reshape(-1, 1), np.ones((2 * reach + 1, 1), np.uint8)).ravel()
    return np.flatnonzero(near)


def _lanes(image: np.ndarray, lanes: np.ndarray, vertical: bool) -> np.ndarray:
    """A copy of ``image``'s rows (``vertical``: columns) ``lanes``, C-contiguous."""
    if vertical:
        return np.ascontiguousarray(image[:, lanes])
    return image[lanes]


def _set_lanes(image: np.ndarray, lanes: np.ndarray, values: np.ndarray, vertical: bool) -> None:
    if vertical:
        image[:, lanes] = values
    else:
        image[lanes] = values


def _table_rows(stats: np.ndarray, px_per_mm: float) -> int:
    """Pairs of horizontal rules one table row apart (a few mm, overlapping in x), from
    the rules' component statistics (x, y, w, h, area; no background row)."""
    rules = sorted(
        (y + h / 2, x, x + w) for x, y, w, h, _area in stats if w >= RULE_MIN_MM * px_per_mm
    )
    rows = 0
    for index, (y, x0, x1) in enumerate(rules):
        for y2, u0, u1 in rules[index + 1 :]:
            gap = (y2 - y) / px_per_mm
            if gap > TABLE_ROW_MAX_MM:
                break
            overlap = min(x1, u1) - max(x0, u0)
            if gap >= TABLE_ROW_MIN_MM and overlap >= 0.5 * min(x1 - x0, u1 - u0):
                rows += 1
                break
    return rows


def _compaction(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The indices of the flagged rows (or columns), and for each position of a compact
    image that keeps only those, separated by one empty row wherever rows were skipped,
    the index it came from (-1: a separator)."""
    kept = np.flatnonzero(flags)
    positions = np.arange(len(kept)) + np.concatenate([[0], np.cumsum(np.diff(kept) > 1)])
    origin = np.full(int(positions[-1]) + 1, -1, np.int64)
    origin[positions] = kept
    return kept, origin


def sparse_components(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """8-connected components of a sparse binary mask (a page's ruled lines): their
    statistics as ``cv2.connectedComponentsWithStats`` gives them (row 0 the background,
    area 0 here), and the rows, columns and component of every mask pixel.

    Labelling the whole page costs ~30 ms at 300 DPI; the rows and columns without a mask
    pixel are dropped first (an empty row or column between the runs that were kept, so
    nothing becomes adjacent that was not), which labels a few hundred thousand pixels."""
    row_flags = cv2.reduce(mask, 1, cv2.REDUCE_MAX).ravel()
    if not row_flags.any():
        empty = np.zeros(0, np.int64)
        return np.zeros((1, 5), np.int32), empty, empty, empty
    column_flags = cv2.reduce(mask, 0, cv2.REDUCE_MAX).ravel()
    rows, row_origin = _compaction(row_flags)
    columns, column_origin = _compaction(column_flags)
    compact = np.zeros((len(row_origin), len(column_origin)), np.uint8)
    compact[np.ix_(row_origin >= 0, column_origin >= 0)] = mask[np.ix_(rows, columns)]
    _, labels, stats, _ = cv2.connectedComponentsWithStats(compact, connectivity=8)
    ys, xs = np.nonzero(compact)
    own = labels[ys, xs]
    # back to page coordinates: a component never spans a separator, so its first and
    # last row and column map to the page's
    x, y, w, h = (stats[1:, index].astype(np.int64) for index in range(4))
    left, top = column_origin[x], row_origin[y]
    stats = stats.copy()
    stats[0] = 0  # the background's statistics are not needed (nor mapped back)
    stats[1:, cv2.CC_STAT_LEFT] = left
    stats[1:, cv2.CC_STAT_TOP] = top
    stats[1:, cv2.CC_STAT_WIDTH] = column_origin[x + w - 1] - left + 1
    stats[1:, cv2.CC_STAT_HEIGHT] = row_origin[y + h - 1] - top + 1
    return stats, row_origin[ys], column_origin[xs], own


def _drop_runs_inside_text(
    lines: np.ndarray, ink: np.ndarray, *, vertical: bool, offset: int
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Keep the line runs with paper on both sides: in a bold word on a coarse image the
    letters merge into a long run too, but it has letter strokes just above and below.

    Returns the kept runs (``lines`` itself, the others cleared), their component
    statistics (x, y, w, h, area) and the (rows, columns) of their pixels."""
    stats, ys, xs, own = sparse_components(lines)
    count = len(stats)
    if count <= 1:
        return lines, stats[1:], (ys, xs)
    shift_x, shift_y = (offset, 0) if vertical else (0, offset)  # to the side of the line
    beside = np.zeros(count, np.float64)
    height, width = ink.shape
    # only the line pixels are looked at (a few thousand), not the whole page
    for sign in (1, -1):
        # at each line pixel: is there ink ``offset`` pixels to this side that is not the line?
        side_y, side_x = ys - sign * shift_y, xs - sign * shift_x
        inside = (side_y >= 0) & (side_y < height) & (side_x >= 0) & (side_x < width)
        side_y, side_x = side_y[inside], side_x[inside]
        inked = (ink[side_y, side_x] > 0) & (lines[side_y, side_x] == 0)
        beside += np.bincount(own[inside][inked], minlength=count)[:count]
    area = stats[:, cv2.CC_STAT_AREA].astype(np.float64)
    keep = beside / np.maximum(2 * area, 1) < RULE_MAX_INK_BESIDE
    keep[0] = False
    # whole components are kept, so the components of the result are the kept ones; the
    # dropped ones are cleared in place (``lines`` is 0/255 and (ys, xs) are all its set
    # pixels: what a fresh mask of the kept pixels holds, without a second page-sized mask)
    chosen = keep[own]
    dropped = ~chosen
    lines[ys[dropped], xs[dropped]] = 0
    return lines, stats[keep], (ys[chosen], xs[chosen])


def remove_rules(gray: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Paint the ruled lines (and their antialiased edges) in the colour around them:
    Tesseract drops the text of cells whose borders it sees. The local colour, not
    white: a white grid left over shaded cells would frame them as pictures.

    ``mask`` is used up (widened in place, then inverted): a page-sized mask fewer (issue 9)."""
    painted = cv2.dilate(mask, np.ones((3, 3), np.uint8), dst=mask)
    # the brightest nearby pixel is the cell background beside the line
    around = cv2.dilate(gray, np.ones((7, 7), np.uint8))
    # ``around`` takes the page's own pixels off the lines, in place (uint8 masks, no
    # boolean copies: the same pixels as a copy of the page with the lines painted in)
    unpainted = cv2.compare(painted, 0, cv2.CMP_EQ, dst=painted)
    return cv2.copyTo(gray, unpainted, around)


def text_height(gray: np.ndarray) -> float | None:
    """Median height (px, at full resolution) of the character-sized ink blobs, or None
    when there are too few to say (no text, a photo, a page smudged to grey)."""
    scale = min(1.0, TEXT_MEASURE_LONG_SIDE / max(gray.shape))
    small = shrink(gray, scale) if scale < 1.0 else gray
    _, ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    return _letter_height(stats, small.shape[0], scale)


def _letter_height(stats: np.ndarray, height: int, scale: float) -> float | None:
    """``text_height`` from the ink components (OpenCV's statistics, background first) of
    a copy ``height`` px high at ``scale``."""
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    widths = stats[1:, cv2.CC_STAT_WIDTH]
    areas = stats[1:, cv2.CC_STAT_AREA]
    # letters: not specks, not lines or pictures, and not hollow frames
    letters = (
        (heights >= max(2, CHAR_MIN_PX * scale))
        & (heights <= 0.05 * height)
        & (widths <= 4 * heights)
        & (areas >= 0.1 * widths * heights)
    )
    if int(letters.sum()) < TEXT_MIN_BLOBS:
        return None
    return float(np.median(heights[letters])) / scale


#: Text measured on the analysis copy at least this many times SMALL_TEXT_BELOW is not
#: measured again on the finer copy: it will not be enlarged. Measured on 127 benchmark
#: pages: the finer measure is 0.80-1.11 times the coarse one, and 1/1.5 = 0.67.
TEXT_SURELY_LARGE = 1.5

_LAST_INK_COMPONENTS = threading.local()


def _ink_components(small: np.ndarray) -> np.ndarray:
    """OpenCV's statistics of the Otsu ink components of an analysis copy. The cut-off
    measure of ``capture_quality`` and the text-height estimate of ``prepare_for_ocr``
    ask for those of the same copy (when no step changed the page): labelled once."""
    last = getattr(_LAST_INK_COMPONENTS, "entry", None)
    if last is not None and last[0]() is small and last[1] == small.shape:
        return last[2]
    _, ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    stats.flags.writeable = False
    try:
        _LAST_INK_COMPONENTS.entry = (weakref.ref(small), small.shape, stats)
    except TypeError:
        _LAST_INK_COMPONENTS.entry = None
    return stats


def enlarge_small_text(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """``gray`` enlarged so that its text is about TEXT_TARGET_HEIGHT px high, and the
    factor (1.0: unchanged, the text is big enough or there is none to measure)."""
    small, scale = _analysis_copy(gray)
    estimate = _letter_height(_ink_components(small), small.shape[0], scale)
    if scale == 1.0 and max(gray.shape) <= TEXT_MEASURE_LONG_SIDE:
        height = estimate  # the same image, threshold and components as text_height's
    elif estimate is not None and estimate >= TEXT_SURELY_LARGE * SMALL_TEXT_BELOW:
        return gray, 1.0
    else:
        height = text_height(gray)
    if height is None or height >= SMALL_TEXT_BELOW:
        return gray, 1.0
    factor = min(UPSCALE_MAX, TEXT_TARGET_HEIGHT / height)
    factor = min(factor, (UPSCALE_MAX_PIXELS / gray.size) ** 0.5)
    if factor < 1.2:
        return gray, 1.0
    factor = round(factor, 2)
    enlarged = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
    return enlarged, factor


def prepare_for_ocr(
    image: np.ndarray, dpi: int, max_dpi: int = 300, gray: np.ndarray | None = None
) -> tuple[PreparedImage, int]:
    """Returns (prepared, effective_dpi): downscaled above ``max_dpi``, red seal ink
    dropped, speckle removed, a photographed page flattened, skew removed,
    lighting/contrast normalised and table rules painted out, each only when
    measured to be needed; finally small text is enlarged to a size Tesseract reads."""
    image = np.asarray(image)
    gray = to_gray(image) if gray is None else gray  # ``gray``: the caller's to_gray(image)
    if gray.dtype != np.uint8:
        raise ValueError("expected a uint8 image")
    steps: list[str] = []
    unsealed = drop_seal_ink(image, gray, dpi)
    if unsealed is not None:
        gray = unsealed
        steps.append("seal")
    # each step's input is let go as soon as the next image exists (masks too): at most
    # two page images live at once here, beside the caller's (issue 9)
    del unsealed
    effective_dpi = dpi
    if dpi > max_dpi > 0:
        scale = max_dpi / dpi
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        effective_dpi = max_dpi
        steps.append(f"downscale:{dpi}->{max_dpi}")
    if min(gray.shape) < 32:
        return PreparedImage(np.ascontiguousarray(gray), steps), effective_dpi

    if noise_level(gray) > NOISE_ABOVE:
        gray = cv2.medianBlur(gray, 3)
        steps.append("denoise")

    corners = find_page_outline(gray, image if image.ndim == 3 else None)
    if corners is not None:
        gray = flatten_page(gray, corners)
        steps.append("perspective")

    skew_angle = measure_skew(gray)
    if skew_angle is not None and abs(skew_angle) > MIN_SKEW:
        gray = rotate_small_angle(gray, -skew_angle)
        steps.append(f"deskew:{skew_angle:.1f}")

    background = _background(gray)
    (paper_level,) = uint8_percentiles(background, (95,))
    # Large dark areas (a portrait, a black band) are content, not shading.
    lit = background[background >= 0.5 * paper_level]
    if paper_level - uint8_percentiles(lit, (5,))[0] > ILLUMINATION_MAX_SPREAD:
        gray = flatten_illumination(gray, background)
        steps.append("illumination")
    if needs_contrast(gray):
        gray = stretch_contrast(gray)
        steps.append("contrast")
    overprint = _light_overprint_mask(gray, effective_dpi)
    if overprint is not None:
        gray = _drop_light_overprint(gray, overprint)
        steps.append("overprint")
    del overprint
    rules = ruled_lines_mask(gray, effective_dpi)
    if rules is not None:
        gray = remove_rules(gray, rules)
        steps.append("rules")
    del rules
    gray, factor = enlarge_small_text(gray)
    if factor > 1.0:
        # Tesseract is told at most the usual DPI: told 750, it took the enlarged letters of
        # a 96-DPI card copy for 3-point type and dropped most of them (measured)
        effective_dpi = min(max(max_dpi, dpi), round(effective_dpi * factor))
        steps.append(f"enlarge:{factor:.2f}")
    return PreparedImage(np.ascontiguousarray(gray), steps), effective_dpi


# --- capture quality ---------------------------------------------------------------


def _at_sharpness_dpi(gray: np.ndarray, dpi: int) -> np.ndarray:
    """``gray`` at SHARPNESS_DPI (unchanged at or below it). ``capture_quality`` passes the
    copy it made to the measurements below with ``dpi=SHARPNESS_DPI``: one resize, not two."""
    if dpi <= SHARPNESS_DPI:
        return gray
    scale = SHARPNESS_DPI / dpi
    return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def _percentile_positions(
    count: int, percents: tuple[float, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where ``np.percentile`` (linear method) looks in ``count`` sorted values for each
    percent: the positions below and above, and the weight of the upper one (numpy's
    arithmetic: the same floats)."""
    virtual = (count - 1) * (np.asarray(percents, dtype=np.float64) / 100)
    previous = np.floor(virtual)
    gamma = np.asarray(virtual - previous, dtype=np.float64)
    lower = previous.astype(np.intp)
    upper = lower + 1
    outside = (virtual >= count - 1) | (virtual < 0)
    lower[outside] = upper[outside] = np.where(virtual[outside] < 0, 0, count - 1)
    return lower, upper, gamma


def _interpolate(lower: np.ndarray, upper: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """numpy's ``_lerp`` of the percentile: the same operations in the same order."""
    difference = upper - lower
    result = np.add(lower, difference * gamma)
    np.subtract(upper, difference * (1 - gamma), out=result, where=gamma >= 0.5, casting="unsafe")
    return result


def sorted_percentiles(ordered: np.ndarray, percents: tuple[float, ...]) -> np.ndarray:
    """``np.percentile(x, percents, axis=-1)`` for ``ordered``, ``x`` already sorted along
    its last axis; shape ``(len(percents), *x.shape[:-1])``, the same numbers.

    numpy partitions along the axis on every call, after moving it first (a strided
    partition); rows of uint8 sort ~8x faster than that (``kind="stable"``: a radix sort)."""
    lower, upper, gamma = _percentile_positions(ordered.shape[-1], percents)
    below = np.moveaxis(ordered[..., lower], -1, 0)
    above = np.moveaxis(ordered[..., upper], -1, 0)
    return _interpolate(below, above, gamma.reshape((-1,) + (1,) * (below.ndim - 1)))


def uint8_percentiles(values: np.ndarray, percents: tuple[float, ...]) -> list[float]:
    """``np.percentile(values, percents)`` of uint8 values (any shape), from a histogram
    instead of a partition of the values: the same numbers."""
    if values.dtype != np.uint8:
        return [float(value) for value in np.percentile(values, percents)]
    cumulative = np.cumsum(np.bincount(np.ascontiguousarray(values).reshape(-1), minlength=256))
    lower, upper, gamma = _percentile_positions(int(cumulative[-1]), percents)
    # the k-th smallest value is the first level whose cumulative count exceeds k
    below = np.searchsorted(cumulative, lower, side="right").astype(np.uint8)
    above = np.searchsorted(cumulative, upper, side="right").astype(np.uint8)
    return [float(value) for value in _interpolate(below, above, gamma)]


def _grey_statistics(gray: np.ndarray) -> tuple[float, float, float]:
    """(mean, median, share at or above SATURATED_LEVEL) of a uint8 image from one
    histogram: the same numbers as ``gray.mean()``, ``np.median(gray)`` and
    ``np.mean(gray >= SATURATED_LEVEL)``, without sorting 10 million pixels."""
    count = gray.size
    if count < 1 << 24:  # calcHist counts in float32, exact up to 2**24
        hist = cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel().astype(np.int64)
    else:
        hist = np.bincount(gray.ravel(), minlength=256).astype(np.int64)
    cumulative = np.cumsum(hist)
    mean = float(np.dot(hist, np.arange(256, dtype=np.int64))) / count
    upper = int(np.searchsorted(cumulative, count // 2, side="right"))
    if count % 2:
        median = float(upper)
    else:
        lower = int(np.searchsorted(cumulative, count // 2 - 1, side="right"))
        median = (lower + upper) / 2
    saturated = float(cumulative[-1] - cumulative[SATURATED_LEVEL - 1]) / count
    return mean, median, saturated


def _sharpness(gray: np.ndarray, dpi: int) -> tuple[float, float]:
    """(variance of the Laplacian, edge sharpness), both at SHARPNESS_DPI.

    The variance grows with contrast and with how much ink a page carries, so a
    sparse page looks blurred by it. Edge sharpness divides it by the gradient
    energy: for an edge blurred over ``s`` pixels the Laplacian energy falls like
    1/s^3 and the gradient energy like 1/s, so the ratio (~1/s^2) measures edge
    width alone, whatever the contrast or the amount of text. It drives ``blurred``.
    """
    pixels = _at_sharpness_dpi(gray, dpi)
    # the filters' values are small integers (eighths for the gradients, whose kernel is
    # scaled instead of the result divided): exact in int16 and float32 alike, so the
    # same arrays as the float filters of the float image, made with fewer passes
    # (the gradients first, and let go before the Laplacian: two float copies of the
    # image at a time, not four)
    energy = cv2.Sobel(pixels, cv2.CV_32F, 1, 0, ksize=3, scale=0.125)
    np.multiply(energy, energy, out=energy)
    grad_y = cv2.Sobel(pixels, cv2.CV_32F, 0, 1, ksize=3, scale=0.125)
    energy += np.multiply(grad_y, grad_y, out=grad_y)
    del grad_y
    gradient_energy = float(np.mean(energy))
    del energy
    laplacian = cv2.Laplacian(pixels, cv2.CV_16S, ksize=3).astype(np.float32)
    variance = float(laplacian.var())
    if gradient_energy < 1e-3:
        return variance, 0.0
    squared = np.multiply(laplacian, laplacian, out=laplacian)
    return variance, float(np.mean(squared) / gradient_energy) / 16


def smudged_share(gray: np.ndarray, dpi: int) -> float:
    """Share of the ink-bearing tiles whose edges are soft for their contrast.

    Works tile by tile so that a sharp title over a smudged body still counts,
    and only on tiles whose bright part is paper, so that a phone photo's blurred
    desk around the page does not. A 3x3 median first removes sensor noise, which
    would otherwise look like sharp edges."""
    gray = _at_sharpness_dpi(gray, dpi)
    if min(gray.shape) < BLUR_TILE:
        return 0.0
    gray = cv2.medianBlur(gray, 3)
    (paper,) = uint8_percentiles(gray[::4, ::4], (90,))
    # every whole tile at once (one percentile call, not one per tile: 20x faster)
    rows, columns = gray.shape[0] // BLUR_TILE, gray.shape[1] // BLUR_TILE

    def tiles(image: np.ndarray) -> np.ndarray:
        """The whole tiles: a (rows, columns, BLUR_TILE, BLUR_TILE) view of ``image``."""
        cropped = image[: rows * BLUR_TILE, : columns * BLUR_TILE]
        return cropped.reshape(rows, BLUR_TILE, columns, BLUR_TILE).swapaxes(1, 2)

    # (the tiles of ink are sorted by a radix sort: numpy's percentile along an axis is 4-8x
    # slower; the numbers are the same)
    tiled = tiles(gray).reshape(rows * columns, BLUR_TILE * BLUR_TILE)
    low, high = sorted_percentiles(np.sort(tiled, axis=1, kind="stable"), (5, 95))
    del tiled
    contrast = high - low
    inked = (contrast >= BLUR_TILE_MIN_CONTRAST) & (high >= paper - BLUR_TILE_PAPER_MARGIN)
    with_ink = int(np.count_nonzero(inked))
    if with_ink < BLUR_MIN_TILES:
        return 0.0
    # (a uint8 image and a scaled kernel: the same floats as a float image divided by 8;
    # the magnitude made in the x gradient's array, and only the inked tiles copied out)
    magnitude = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3, scale=0.125)
    grad_y = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3, scale=0.125)
    cv2.magnitude(magnitude, grad_y, magnitude)
    del grad_y
    inked_tiles = tiles(magnitude)[inked.reshape(rows, columns)]
    del magnitude
    inked_tiles = inked_tiles.reshape(with_ink, BLUR_TILE * BLUR_TILE)
    inked_tiles.sort(axis=1)
    (edge,) = sorted_percentiles(inked_tiles, (99,))
    smudged = int(np.count_nonzero(edge < BLUR_TILE_EDGE_RATIO * contrast[inked]))
    return smudged / with_ink


def _edge_text_components(gray: np.ndarray, dpi: int) -> int:
    """Character-sized ink blobs that touch the image border."""
    small, scale = _analysis_copy(gray)
    stats = _ink_components(small)
    px_per_mm = dpi * scale / 25.4
    min_size, max_size = CHAR_MIN_MM * px_per_mm, CHAR_MAX_MM * px_per_mm
    height, width = small.shape
    x, y, w, h = (stats[1:, index] for index in range(4))
    side = np.maximum(w, h)
    touching = (x == 0) | (y == 0) | (x + w >= width) | (y + h >= height)
    return int(np.count_nonzero(touching & (max_size >= side) & (side >= min_size)))


def capture_quality(image: np.ndarray, dpi: int) -> dict[str, float | bool]:
    """Measurements of how the page or photo was captured, and flags from them."""
    gray = to_gray(np.asarray(image))
    brightness, median, saturated = _grey_statistics(gray) if gray.size else (0.0, 0.0, 0.0)
    # one copy at SHARPNESS_DPI serves both blur measurements
    sharpness_copy = _at_sharpness_dpi(gray, dpi) if gray.size else gray
    laplacian_variance, edge_sharpness = (
        _sharpness(sharpness_copy, min(dpi, SHARPNESS_DPI)) if gray.size else (0.0, 0.0)
    )
    glare_fraction = 0.0 if median >= WHITE_PAPER_MEDIAN else saturated
    edge_text = _edge_text_components(gray, dpi) if min(gray.shape) >= 32 else 0
    smudged = smudged_share(sharpness_copy, min(dpi, SHARPNESS_DPI)) if gray.size else 0.0
    aspect = min(gray.shape) / max(gray.shape) if gray.size else 0.0
    return {
        "brightness": round(brightness, 1),
        "sharpness": round(laplacian_variance, 1),
        "edge_sharpness": round(edge_sharpness, 4),
        "glare_fraction": round(glare_fraction, 4),
        "edge_text_components": float(edge_text),
        "smudged_share": round(smudged, 3),
        "aspect": round(aspect, 3),
        "dpi": float(dpi),
        "blurred": edge_sharpness < BLURRED_BELOW or smudged >= BLURRED_TILE_SHARE,
        "too_dark": brightness < TOO_DARK_BELOW,
        "glare": glare_fraction > GLARE_ABOVE,
        "cut_off": edge_text >= CUT_OFF_MIN_COMPONENTS or aspect < STRIP_MAX_ASPECT,
        "low_resolution": dpi < LOW_RESOLUTION_DPI or max(gray.shape) < LOW_RESOLUTION_LONG_SIDE,
    }
