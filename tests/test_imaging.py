"""Each imaging step on rendered pages: applied when the page needs it, not otherwise."""

from __future__ import annotations

import cv2
import numpy as np
import pagegen
import pytest

from pipeline import imaging
from pipeline.imaging import capture_quality, prepare_for_ocr


@pytest.fixture(scope="module")
def page() -> pagegen.Page:
    return pagegen.render_contract_page()


@pytest.fixture(scope="module")
def photo() -> tuple[np.ndarray, np.ndarray]:
    return pagegen.photographed_contract_page()


# --- skew ---------------------------------------------------------------------


@pytest.mark.parametrize("degrees", [3.0, -3.0, 1.2, -7.5, 12.0])
def test_skew_is_measured_within_half_a_degree(page, degrees):
    measured = imaging.measure_skew(pagegen.skew(page.image, degrees))
    assert measured is not None
    assert abs(measured - degrees) <= 0.5


@pytest.mark.parametrize("quarter", [90, 180, 270])
def test_skew_is_measured_on_a_quarter_turned_page(page, quarter):
    turned = pagegen.rotate_quarter(page.image, quarter)
    measured = imaging.measure_skew(pagegen.skew(turned, 4.0))
    assert measured is not None
    assert abs(measured - 4.0) <= 0.5


def test_skewed_page_is_deskewed_and_then_measures_straight(page):
    prepared, _ = prepare_for_ocr(pagegen.skew(page.image, 3.0), 300)
    deskew_steps = [step for step in prepared.steps if step.startswith("deskew:")]
    assert len(deskew_steps) == 1
    assert abs(float(deskew_steps[0].split(":")[1]) - 3.0) <= 0.5
    assert abs(imaging.measure_skew(prepared.image)) <= 0.3
    assert "perspective" not in prepared.steps


def test_straight_or_barely_skewed_page_is_not_rotated(page):
    for degrees in (0.0, 0.15):
        prepared, _ = prepare_for_ocr(pagegen.skew(page.image, degrees), 300)
        assert not any(step.startswith("deskew") for step in prepared.steps)


def test_blank_page_has_no_skew_to_measure():
    assert imaging.measure_skew(np.full((1000, 800), 255, np.uint8)) is None


# --- perspective ----------------------------------------------------------------


def test_page_outline_is_found_on_a_photo(photo):
    image, true_corners = photo
    corners = imaging.find_page_outline(imaging.to_gray(image))
    assert corners is not None
    tolerance = 0.015 * max(image.shape[:2])
    assert np.abs(corners - true_corners).max() <= tolerance


def test_photo_is_flattened_to_an_upright_page(photo):
    image, true_corners = photo
    prepared, dpi = prepare_for_ocr(image, 300)
    assert prepared.steps[0] == "perspective"
    assert dpi == 300
    width = prepared.image.shape[1]
    # The flattened page is about as big as the page in the photo and holds no desk:
    # its border rows and columns are paper.
    top_width = np.linalg.norm(true_corners[1] - true_corners[0])
    assert abs(width - top_width) / top_width < 0.25
    for strip in (prepared.image[:20], prepared.image[-20:], prepared.image[:, :20]):
        assert np.median(strip) > 180
    assert abs(imaging.measure_skew(prepared.image) or 0.0) <= 0.5


def test_clean_and_skewed_scans_are_not_warped(page):
    assert imaging.find_page_outline(page.image) is None
    assert imaging.find_page_outline(pagegen.skew(page.image, 5.0)) is None
    prepared, _ = prepare_for_ocr(page.image, 300)
    assert prepared.steps == []
    assert np.array_equal(prepared.image, page.image)


def test_page_running_out_of_the_photo_is_not_warped(photo):
    image, _ = photo
    # Crop so that the page's left corners fall outside the frame.
    cropped = image[:, 600:]
    assert imaging.find_page_outline(imaging.to_gray(cropped)) is None


# --- contrast, lighting, resolution -------------------------------------------------


def test_dark_low_contrast_scan_gets_its_contrast_stretched(page):
    dull = (page.image.astype(np.float32) * 0.25 + 60).astype(np.uint8)  # ink 60, paper 123
    prepared, _ = prepare_for_ocr(dull, 300)
    assert "contrast" in prepared.steps
    low, high = np.percentile(prepared.image, [1, 99])
    assert high - low > 200


def test_faint_scan_on_white_paper_gets_its_contrast_stretched(page):
    faint = (page.image.astype(np.float32) * 0.3 + 170).astype(np.uint8)  # grey ink, white paper
    prepared, _ = prepare_for_ocr(faint, 300)
    assert "contrast" in prepared.steps


def test_uneven_lighting_is_flattened(page):
    height, width = page.image.shape
    shade = np.linspace(1.0, 0.45, width, dtype=np.float32)[None, :]
    shaded = (page.image.astype(np.float32) * shade).astype(np.uint8)
    prepared, _ = prepare_for_ocr(shaded, 300)
    assert "illumination" in prepared.steps
    paper = prepared.image[height // 2 - 50 : height // 2 + 50]
    left, right = np.percentile(paper[:, :300], 90), np.percentile(paper[:, -300:], 90)
    assert abs(left - right) < 20


def test_lighting_flattening_keeps_a_dark_band_dark(page):
    banded = np.array(page.image)
    banded[2600:3000, 200:2280] = 20  # a black band across the page
    shade = np.linspace(1.0, 0.45, banded.shape[1], dtype=np.float32)[None, :]
    shaded = (banded.astype(np.float32) * shade).astype(np.uint8)
    prepared, _ = prepare_for_ocr(shaded, 300)
    assert "illumination" in prepared.steps
    assert np.median(prepared.image[2650:2950, 400:2000]) < 100


def test_speckled_scan_is_denoised_and_clean_ones_are_not(page, photo):
    prepared, _ = prepare_for_ocr(pagegen.speckle(page.image), 300)
    assert prepared.steps[0] == "denoise"
    assert imaging.noise_level(prepared.image) < imaging.NOISE_ABOVE
    assert imaging.noise_level(page.image) < imaging.NOISE_ABOVE
    assert "denoise" not in prepare_for_ocr(photo[0], 300)[0].steps


def test_sparse_or_blank_page_gets_no_contrast_step(page):
    sparse = np.full_like(page.image, 255)
    sparse[300:700] = page.image[300:700]  # title and two rows: under 1% ink
    assert np.mean(sparse < 128) < 0.01
    assert prepare_for_ocr(sparse, 300)[0].steps == []
    assert prepare_for_ocr(np.full((2000, 1500), 255, np.uint8), 300)[0].steps == []
    assert prepare_for_ocr(np.full((2000, 1500), 128, np.uint8), 300)[0].steps == []


def test_high_dpi_scan_is_downscaled_to_the_cap(page):
    big = cv2.resize(page.image, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    prepared, dpi = prepare_for_ocr(big, 600, max_dpi=300)
    assert dpi == 300
    assert prepared.steps == ["downscale:600->300"]
    assert abs(prepared.image.shape[0] - page.image.shape[0]) <= 1
    same, dpi_same = prepare_for_ocr(page.image, 300, max_dpi=300)
    assert dpi_same == 300 and same.image.shape == page.image.shape


def test_colour_input_is_accepted_and_made_grey(page):
    colour = cv2.cvtColor(np.ascontiguousarray(page.image), cv2.COLOR_GRAY2BGR)
    prepared, _ = prepare_for_ocr(colour, 300)
    assert prepared.image.ndim == 2 and prepared.image.dtype == np.uint8
    assert prepared.steps == []


def test_tiny_image_passes_through():
    prepared, dpi = prepare_for_ocr(np.full((10, 12), 255, np.uint8), 300)
    assert prepared.image.shape == (10, 12) and dpi == 300


# --- capture quality ----------------------------------------------------------------


def test_clean_scan_raises_no_flag(page):
    quality = capture_quality(page.image, 300)
    for flag in ("blurred", "too_dark", "glare", "cut_off", "low_resolution"):
        assert quality[flag] is False, flag
    assert quality["dpi"] == 300
    assert 200 < quality["brightness"] <= 255


def test_photo_at_an_angle_raises_no_flag(photo):
    quality = capture_quality(photo[0], 300)
    for flag in ("blurred", "too_dark", "glare", "cut_off", "low_resolution"):
        assert quality[flag] is False, flag


def test_blurred_scan_is_flagged(page):
    blurred = cv2.GaussianBlur(page.image, (0, 0), 6)
    quality = capture_quality(blurred, 300)
    assert quality["blurred"] is True
    assert quality["sharpness"] < capture_quality(page.image, 300)["sharpness"]


def test_sharpness_does_not_depend_on_resolution(page):
    half = cv2.resize(page.image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    full_score = capture_quality(page.image, 300)["edge_sharpness"]
    half_score = capture_quality(half, 150)["edge_sharpness"]
    assert abs(full_score - half_score) / full_score < 0.2


def test_dark_image_is_flagged(page):
    dark = (page.image.astype(np.float32) * 0.2).astype(np.uint8)
    quality = capture_quality(dark, 300)
    assert quality["too_dark"] is True
    assert quality["brightness"] < 60


def test_glare_is_flagged_on_a_photo_but_white_paper_is_not(photo):
    image = np.array(photo[0])
    cv2.circle(image, (1500, 2000), 350, (255, 255, 255), -1)  # a lamp's reflection
    quality = capture_quality(image, 300)
    assert quality["glare"] is True
    assert quality["glare_fraction"] > 0.02


def test_text_running_off_the_edge_is_flagged(page):
    cropped = page.image[:, :1500]  # cuts through the table values and clauses
    assert capture_quality(cropped, 300)["cut_off"] is True


def test_low_resolution_is_flagged(page):
    small = cv2.resize(page.image, None, fx=0.33, fy=0.33, interpolation=cv2.INTER_AREA)
    assert capture_quality(small, 100)["low_resolution"] is True
    assert capture_quality(small[:400, :500], 300)["low_resolution"] is True


# --- small text and low-resolution seals ------------------------------------------------


def _low_resolution(image: np.ndarray, dpi: int) -> np.ndarray:
    """The page as a 300-DPI render scanned (or screenshotted) at ``dpi``."""
    scale = dpi / 300
    return cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def test_small_text_is_enlarged_and_body_text_is_not(page):
    coarse = _low_resolution(page.image, 96)
    height = imaging.text_height(coarse)
    assert height is not None and height < imaging.SMALL_TEXT_BELOW
    prepared, dpi = prepare_for_ocr(coarse, 300)
    assert any(step.startswith("enlarge:") for step in prepared.steps)
    assert prepared.image.shape[0] > 2 * coarse.shape[0]
    assert dpi == 300  # Tesseract is not told the enlarged letters are tiny
    clean, _ = prepare_for_ocr(page.image, 300)
    assert not any(step.startswith("enlarge:") for step in clean.steps)


def test_enlarging_a_96_dpi_card_copy_gives_back_its_words():
    import docgen

    from pipeline.ocr import ocr_page

    blocks, truth = docgen.id_front(0)
    card, _ = docgen.render(blocks, docgen.CARD, body=docgen.card_body(docgen.CARD))
    sheet = np.full((3508, 2480), 255, np.uint8)  # the card photocopied onto A4
    sheet[400 : 400 + card.size[1], 700 : 700 + card.size[0]] = np.asarray(card.convert("L"))
    coarse = _low_resolution(sheet, 96)
    prepared, _ = prepare_for_ocr(coarse, 300)
    wanted = f"{truth['name']} {truth['address']}".replace(",", "").split()

    def found(image: np.ndarray) -> int:
        read = ocr_page(image, number=1, dpi=300, lang="eng", timeout=120)
        words = {w.text.strip(",.") for line in read.lines for w in line.words}
        return sum(word in words for word in wanted)

    assert found(prepared.image) >= len(wanted) - 1  # name and address, nearly every word
    assert found(coarse) < found(prepared.image)


def test_a_seal_on_a_low_resolution_copy_is_still_dropped(page):
    import random

    from sample_docs.graphics import seal

    colour = cv2.cvtColor(page.image, cv2.COLOR_GRAY2BGR)
    stamp = seal("NANJING INSTITUTE OF FOREIGN STUDIES", random.Random(3)).resize((400, 400))
    rgba = np.asarray(stamp).astype(np.float32)
    alpha = rgba[:, :, 3:] / 255 * 0.85
    region = colour[600:1000, 300:700].astype(np.float32)
    colour[600:1000, 300:700] = (region * (1 - alpha) + rgba[:, :, 2::-1] * alpha).astype(np.uint8)
    coarse = _low_resolution(colour, 96)
    # a 96-DPI screenshot that does not say so is taken for 300 DPI: the seal still counts
    prepared, _ = prepare_for_ocr(coarse, 300)
    assert "seal" in prepared.steps
