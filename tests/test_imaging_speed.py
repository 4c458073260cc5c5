"""The cheaper ways of measuring a page give what the plain ways gave, on generated pages.

Each shortcut (labelling only the rows and columns that hold ruled lines, one histogram
for the grey statistics, working on the box around red ink, skipping pdfminer on scanned
PDF pages, a preview reduced by a whole factor first) is checked against the direct
computation it replaced, on real rendered pages.
"""

from __future__ import annotations

import random

import cv2
import docgen
import numpy as np
import pagegen
import pytest
from conftest import text_image

from pipeline import imaging
from pipeline.pages import load_pages
from pipeline.reading import PREVIEW_MAX_SIDE, save_preview


@pytest.fixture(scope="module")
def page() -> pagegen.Page:
    return pagegen.render_contract_page()


@pytest.fixture(scope="module")
def ruled() -> np.ndarray:
    blocks, _ = docgen.rental(2)  # a grid of ruled cells
    image, _ = docgen.render(blocks)
    return np.asarray(docgen.degrade(image, blur=0.6, noise=6.0))


def _line_runs(gray: np.ndarray) -> np.ndarray:
    """Horizontal and vertical ink runs of 40 px or more: the table's rules, crossing."""
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    runs = [
        cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, size))
        for size in ((40, 1), (1, 40), (12, 1))
    ]
    return runs[0] | runs[1] | (runs[2] & ~cv2.dilate(runs[0] | runs[1], np.ones((9, 9))))


def _as_components(labels_at: dict[tuple[int, int], int]) -> set[frozenset]:
    groups: dict[int, set] = {}
    for point, label in labels_at.items():
        groups.setdefault(label, set()).add(point)
    return {frozenset(group) for group in groups.values()}


@pytest.mark.parametrize("transpose", [False, True])
def test_sparse_components_are_opencvs_components(ruled, transpose):
    gray = imaging.to_gray(ruled)
    lines = _line_runs(gray.T.copy() if transpose else gray)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    assert count > 20  # the table's rules and the words' bars

    sparse_stats, ys, xs, own = imaging.sparse_components(lines)
    assert len(sparse_stats) == count
    # the same pixels, grouped the same way
    ys_full, xs_full = np.nonzero(lines)
    assert sorted(zip(ys.tolist(), xs.tolist(), strict=True)) == sorted(
        zip(ys_full.tolist(), xs_full.tolist(), strict=True)
    )
    sparse_groups = _as_components(
        dict(zip(zip(ys.tolist(), xs.tolist(), strict=True), own.tolist(), strict=True))
    )
    full_groups = _as_components(
        dict(
            zip(
                zip(ys_full.tolist(), xs_full.tolist(), strict=True),
                labels[ys_full, xs_full].tolist(),
                strict=True,
            )
        )
    )
    assert sparse_groups == full_groups
    # and the same boxes and areas, in page coordinates
    assert sorted(map(tuple, sparse_stats[1:].tolist())) == sorted(map(tuple, stats[1:].tolist()))


def test_sparse_components_of_an_empty_mask():
    stats, ys, xs, own = imaging.sparse_components(np.zeros((300, 200), np.uint8))
    assert len(stats) == 1 and len(ys) == len(xs) == len(own) == 0


def _dense_components(mask: np.ndarray):
    """``sparse_components`` the plain way: OpenCV labels the whole page."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    stats = stats.copy()
    stats[0] = 0
    ys, xs = np.nonzero(mask)
    return stats, ys, xs, labels[ys, xs]


def test_ruled_lines_are_those_found_by_labelling_the_whole_page(ruled, page, monkeypatch):
    gray = imaging.to_gray(ruled)
    found = imaging.ruled_lines_mask(gray, docgen.DPI)
    assert found is not None and np.count_nonzero(found) > 10_000
    assert imaging.ruled_lines_mask(page.image, 300) is None  # no table on a contract page
    monkeypatch.setattr(imaging, "sparse_components", _dense_components)
    assert np.array_equal(imaging.ruled_lines_mask(gray, docgen.DPI), found)
    assert imaging.ruled_lines_mask(page.image, 300) is None


@pytest.mark.parametrize("crop", [(0, 0), (1, 0), (0, 1), (1, 1)])
def test_grey_statistics_are_numpys(page, crop):
    photo, _ = pagegen.photograph(page.image)
    for image in (page.image, imaging.to_gray(photo)):
        # odd and even pixel counts: the median of an even count is the mean of two values
        gray = image[crop[0] :, crop[1] :]
        mean, median, saturated = imaging._grey_statistics(gray)
        assert mean == float(gray.mean())
        assert median == float(np.median(gray))
        assert saturated == float(np.mean(gray >= imaging.SATURATED_LEVEL))


def test_capture_quality_of_a_grey_copy_is_that_of_the_colour_page(page):
    photo, _ = pagegen.photograph(page.image)
    assert photo.ndim == 3
    assert imaging.capture_quality(imaging.to_gray(photo), 300) == imaging.capture_quality(
        photo, 300
    )


def _sealed(gray: np.ndarray, top: int, left: int) -> np.ndarray:
    from sample_docs.graphics import seal

    colour = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    stamp = seal("NANJING INSTITUTE OF FOREIGN STUDIES", random.Random(3)).resize((400, 400))
    rgba = np.asarray(stamp).astype(np.float32)
    alpha = rgba[:, :, 3:] / 255 * 0.85
    box = (slice(top, top + 400), slice(left, left + 400))
    region = colour[box].astype(np.float32)
    colour[box] = (region * (1 - alpha) + rgba[:, :, 2::-1] * alpha).astype(np.uint8)
    return colour


@pytest.mark.parametrize("corner", [(600, 300), (0, 0)])
def test_seal_ink_is_dropped_inside_the_seal_only(page, corner):
    """Whether in the page or at its corner (the box around the ink is clipped there)."""
    colour = _sealed(page.image, *corner)
    gray = imaging.to_gray(colour)
    cleaned = imaging.drop_seal_ink(colour, gray, 300)
    assert cleaned is not None
    top, left = corner
    inside = (slice(top, top + 400), slice(left, left + 400))
    outside = np.ones(gray.shape, bool)
    outside[inside] = False
    assert np.array_equal(cleaned[outside], gray[outside])
    redness = imaging._redness(colour)[inside]
    inked = redness >= imaging.SEAL_RED_MARGIN
    # the seal's ink becomes about paper-white; before it was mid-grey
    assert cleaned[inside][inked].mean() > gray[inside][inked].mean() + 60
    assert (
        imaging.drop_seal_ink(cv2.cvtColor(page.image, cv2.COLOR_GRAY2BGR), page.image, 300) is None
    )


def test_shrink_gives_opencvs_size_and_nearly_its_pixels(page):
    for side in (1200, 640, 2000):
        scale = side / max(page.image.shape)
        direct = cv2.resize(page.image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        shrunk = imaging.shrink(page.image, scale)
        assert shrunk.shape == direct.shape
        # the same area averages, their block edges placed a little differently
        assert np.abs(shrunk.astype(int) - direct).mean() < 3


def test_the_analysis_copy_is_reused_for_the_same_image_only(page):
    first, scale = imaging._analysis_copy(page.image)
    again, _ = imaging._analysis_copy(page.image)
    assert again is first and not first.flags.writeable
    other = page.image.copy()
    other[:100] = 0
    changed, _ = imaging._analysis_copy(other)
    assert changed is not first and changed[:10].max() == 0
    assert max(changed.shape) == imaging.ANALYSIS_LONG_SIDE and scale < 1


def test_scanned_pdf_pages_are_not_parsed_for_text(tmp_path, settings, monkeypatch):
    import pdfplumber
    from pypdf import PdfReader, PdfWriter

    opened = []
    real_open = pdfplumber.open
    monkeypatch.setattr(pdfplumber, "open", lambda path: opened.append(path) or real_open(path))

    scan = tmp_path / "scan.pdf"
    text_image(["Scanned page"]).save(scan, format="PDF", resolution=150)
    (page,) = load_pages(scan, "pdf", settings)
    assert page.image is not None and page.text_lines is None
    assert opened == []  # pdfminer never parsed the scan

    import weasyprint

    letter = tmp_path / "letter.pdf"
    weasyprint.HTML(string="<p>Certificate of employment for the bearer</p>").write_pdf(letter)
    writer = PdfWriter()
    for source in (scan, letter):
        writer.add_page(PdfReader(source).pages[0])
    mixed = tmp_path / "mixed.pdf"
    with mixed.open("wb") as stream:
        writer.write(stream)
    first, second = load_pages(mixed, "pdf", settings)
    assert first.text_lines is None and first.image is not None
    assert [line.text for line in second.text_lines] == ["Certificate of employment for the bearer"]
    assert len(opened) == 1


def test_preview_keeps_the_page_shape_within_the_size_limit(page, tmp_path):
    name = save_preview(page.image, tmp_path, 1)
    preview = cv2.imread(str(tmp_path / name), cv2.IMREAD_GRAYSCALE)
    height, width = page.image.shape
    assert max(preview.shape) == PREVIEW_MAX_SIDE
    assert preview.shape[1] == round(width * PREVIEW_MAX_SIDE / height)
    direct = cv2.resize(page.image, preview.shape[::-1], interpolation=cv2.INTER_AREA)
    assert np.abs(preview.astype(int) - direct).mean() < 4  # JPEG and the two-step reduction


# --- the portrait gate in read_page --------------------------------------------------------


def test_a_portrait_skips_ocr_with_the_full_photo_checks_and_a_page_is_read(page):
    from skimage import data

    from extractors.photo import QUICK_SEARCH, detect_faces, measure_photo
    from pipeline.pages import RawPage
    from pipeline.reading import read_page
    from pipeline.settings import Settings

    astronaut = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    portrait = cv2.resize(astronaut[20:300, 90:300], (420, 560), interpolation=cv2.INTER_CUBIC)
    grey = imaging.to_gray(portrait)
    assert detect_faces(grey, 0.2, quick=True) and QUICK_SEARCH[0] > 1.1

    raw = RawPage(number=1, dpi=300, width=420, height=560, image=portrait)
    read, _ = read_page(raw, "en", Settings())
    assert read.source == "none"  # not OCR'd
    full = measure_photo(grey)  # the checks are the full search's, not the gate's
    assert read.checks["photo_face_count"] == full["face_count"] == 1
    assert read.checks["photo_sharpness"] == full["sharpness"] is not None
    assert read.checks["photo_text_blobs"] == full["text_blobs"]

    height, width = page.image.shape
    raw = RawPage(number=1, dpi=300, width=width, height=height, image=page.image)
    read, _ = read_page(raw, "en", Settings())
    assert read.source == "ocr" and len(read.words) > 100
    # the gate found no face: the page was read, and not measured as a portrait
    assert read.checks["photo_face_count"] == 0
    assert read.checks["photo_sharpness"] is None and read.checks["photo_text_blobs"] is None


# --- percentiles, ruled-line lanes, colour distance, text height, EXIF, face copies ---------


@pytest.mark.parametrize("seed", range(4))
def test_percentiles_of_sorted_rows_and_of_histograms_are_numpys(page, seed):
    rng = np.random.default_rng(seed)
    tiles = page.image[: 48 * 20, : 48 * 30].reshape(20, 48, 30, 48).swapaxes(1, 2)
    tiles = tiles.reshape(600, 48 * 48)
    noise = rng.integers(0, 256, (50, int(rng.integers(1, 3000)))).astype(np.uint8)
    percents = (0.0, 0.05, 5.0, 50.0, 90.0, 95.0, 99.0, 100.0, float(rng.uniform(0, 100)))
    for rows in (tiles, noise, (noise.astype(np.float32) * np.float32(0.37))):
        kind = "stable" if rows.dtype == np.uint8 else None
        expected = np.percentile(rows, percents, axis=1)
        found = imaging.sorted_percentiles(np.sort(rows, axis=1, kind=kind), percents)
        assert found.dtype == expected.dtype and np.array_equal(found, expected)
    for values in (page.image[::7, ::5], noise[0], tiles[int(rng.integers(600))]):
        expected = [float(v) for v in np.percentile(values, percents)]
        assert imaging.uint8_percentiles(values, percents) == expected


def test_ruled_lines_are_those_of_the_whole_page_morphology(ruled, page, monkeypatch):
    """Rules opened only in the rows and columns that can hold a long run are the rules
    the whole page's opening gives (the lanes given: every row and column)."""
    gray = imaging.to_gray(ruled)
    pages = [(gray, docgen.DPI), (np.ascontiguousarray(gray[3:, 5:].T), docgen.DPI)]
    pages += [(np.ascontiguousarray(gray[:, 1:]), 200), (page.image, 300)]
    found = [imaging.ruled_lines_mask(image, dpi) for image, dpi in pages]
    assert found[0] is not None and found[3] is None
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    for vertical in (False, True):
        lanes = imaging._lanes_with_runs(ink, 40, vertical)
        size = (1, 40) if vertical else (40, 1)
        opened = cv2.morphologyEx(
            ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, size)
        )
        holding = np.flatnonzero(opened.any(axis=0 if vertical else 1))
        assert len(holding) > 0 and np.isin(holding, lanes).all()
        assert len(lanes) < 0.5 * ink.shape[1 if vertical else 0]  # most lanes are skipped

    def every_lane(ink, length, vertical):
        return np.arange(ink.shape[1 if vertical else 0])

    monkeypatch.setattr(imaging, "_lanes_with_runs", every_lane)
    for (image, dpi), mask in zip(pages, found, strict=True):
        whole = imaging.ruled_lines_mask(image, dpi)
        assert (whole is None) == (mask is None)
        assert whole is None or np.array_equal(whole, mask)


def test_colour_distance_is_numpys_norm(page):
    photo, _ = pagegen.photograph(page.image)
    lab = cv2.cvtColor(photo, cv2.COLOR_BGR2LAB).astype(np.float32) * np.float32([0.5, 1, 1])
    centre = np.median(lab[:20].reshape(-1, 3), axis=0)
    expected = np.linalg.norm(lab - centre, axis=2)
    found = imaging._colour_distance(lab.copy(), centre)
    assert found.dtype == expected.dtype and np.array_equal(found, expected)


def test_text_height_is_measured_finely_unless_surely_large(page, monkeypatch):
    small_print = cv2.resize(page.image, None, fx=0.4, fy=0.4, interpolation=cv2.INTER_AREA)
    card = np.ascontiguousarray(small_print[:900, :1100])  # under the analysis size
    images = [page.image, small_print, card]
    results = [imaging.enlarge_small_text(image) for image in images]
    assert results[0][1] == 1.0 and results[1][1] > 1.0  # big text kept, small enlarged
    calls = []
    monkeypatch.setattr(imaging, "text_height", lambda g: calls.append(g) or 0.0)
    imaging.enlarge_small_text(page.image)
    assert calls == []  # the coarse measure sufficed
    monkeypatch.undo()
    monkeypatch.setattr(imaging, "TEXT_SURELY_LARGE", float("inf"))  # always the fine one
    for image, (enlarged, factor) in zip(images, results, strict=True):
        fine, fine_factor = imaging.enlarge_small_text(image)
        assert fine_factor == factor and np.array_equal(fine, enlarged)
    assert imaging.text_height(card) is not None


def test_exif_orientation_turns_the_page_and_no_orientation_copies_nothing(tmp_path, settings):
    from PIL import Image

    from pipeline.pages import _exif_upright

    picture = Image.fromarray(np.arange(60 * 80, dtype=np.uint32).reshape(60, 80).astype(np.uint8))
    exif = Image.Exif()
    exif[0x0112] = 6  # turned: shown rotated by 90 degrees clockwise
    turned = tmp_path / "turned.jpg"
    picture.convert("RGB").save(turned, exif=exif.tobytes(), quality=100)
    plain = tmp_path / "plain.png"
    picture.save(plain)
    (page,) = load_pages(turned, "jpeg", settings)
    assert page.image.shape[:2] == (80, 60)
    with Image.open(plain) as image:
        image.load()
        assert _exif_upright(image) is image
    (flat,) = load_pages(plain, "png", settings)
    assert np.array_equal(flat.image, np.asarray(picture))
