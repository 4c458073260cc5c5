"""Photo checks on real images: a face, a cat, two faces, dark, blurred, tiny, and an ID card."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from skimage import data

from extractors.photo import (
    PHOTO_MAX_TEXT_BLOBS,
    count_text_blobs,
    looks_like_photo,
    measure_photo,
)


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)


@pytest.fixture(scope="module")
def portrait(astronaut: np.ndarray) -> np.ndarray:
    """Head and shoulders, upscaled: what a studio portrait looks like (3:4, face centred)."""
    crop = astronaut[20:300, 90:300]
    return cv2.resize(crop, (420, 560), interpolation=cv2.INTER_CUBIC)


def test_a_portrait_is_usable(portrait: np.ndarray) -> None:
    checks = measure_photo(portrait)
    assert checks["face_count"] == 1
    assert checks["usable"] is True and checks["problems"] == []
    assert 0.3 < checks["face_ratio"] < 0.9
    assert (checks["width"], checks["height"]) == (420, 560)
    assert 0 <= checks["brightness"] <= 1 and 0 <= checks["sharpness"] <= 1
    assert looks_like_photo(checks)


def test_the_astronaut_has_one_face(astronaut: np.ndarray) -> None:
    checks = measure_photo(astronaut)
    assert checks["face_count"] == 1
    assert checks["usable"] is True


def test_a_cat_has_no_human_face() -> None:
    checks = measure_photo(cv2.cvtColor(data.chelsea(), cv2.COLOR_RGB2BGR))
    assert checks["face_count"] == 0
    assert "no_face" in checks["problems"] and not checks["usable"]
    assert not looks_like_photo(checks)


def test_two_people_side_by_side(astronaut: np.ndarray) -> None:
    checks = measure_photo(np.hstack([astronaut, astronaut]))
    assert checks["face_count"] == 2
    assert "several_faces" in checks["problems"]


def test_too_dark(portrait: np.ndarray) -> None:
    checks = measure_photo((portrait * 0.15).astype(np.uint8))
    assert "too_dark" in checks["problems"]
    assert checks["brightness"] < measure_photo(portrait)["brightness"]


def test_blurred(portrait: np.ndarray) -> None:
    checks = measure_photo(cv2.GaussianBlur(portrait, (0, 0), 5))
    assert checks["face_count"] == 1
    assert "blurred" in checks["problems"]
    assert checks["sharpness"] < measure_photo(portrait)["sharpness"]


def test_too_small(portrait: np.ndarray) -> None:
    checks = measure_photo(cv2.resize(portrait, (150, 200), interpolation=cv2.INTER_AREA))
    assert "too_small" in checks["problems"] and not checks["usable"]


def test_plain_background_measures_lower_than_a_busy_one(portrait: np.ndarray) -> None:
    plain = np.full((800, 600, 3), 235, np.uint8)
    plain[120:680, 90:510] = portrait
    busy = measure_photo(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))
    assert measure_photo(plain)["background_std"] < busy["background_std"]


def test_big_images_are_measured_on_a_scaled_copy(portrait: np.ndarray) -> None:
    big = cv2.resize(portrait, (3000, 4000), interpolation=cv2.INTER_CUBIC)
    checks = measure_photo(big)
    assert checks["face_count"] == 1
    assert (checks["width"], checks["height"]) == (3000, 4000)


def test_grey_images_work(portrait: np.ndarray) -> None:
    assert measure_photo(cv2.cvtColor(portrait, cv2.COLOR_BGR2GRAY))["face_count"] == 1


def test_an_id_card_front_does_not_look_like_a_photo(portrait: np.ndarray) -> None:
    """A card with text on the left and the portrait on the right: has a face, is no photo."""
    card = Image.new("RGB", (1011, 638), (236, 240, 245))
    draw = ImageDraw.Draw(card)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 30)
    for row, text in enumerate(["Name  Li Wei", "Sex  Male", "Born  1990 3 7", "Address  Beijing"]):
        draw.text((50, 60 + 70 * row), text, font=font, fill=(0, 0, 0))
    face = Image.fromarray(cv2.cvtColor(cv2.resize(portrait, (300, 400)), cv2.COLOR_BGR2RGB))
    card.paste(face, (660, 110))
    checks = measure_photo(cv2.cvtColor(np.asarray(card), cv2.COLOR_RGB2BGR))
    assert checks["face_count"] == 1
    assert not looks_like_photo(checks)


def test_the_verdict_follows_the_photo_settings(portrait: np.ndarray) -> None:
    """PROOFS_PHOTO_* thresholds decide ``usable``, also on measurements taken before."""
    from extractors.photo import photo_verdict
    from pipeline.settings import Settings

    checks = measure_photo(portrait)
    assert photo_verdict(checks, Settings()) == (True, [])
    strict = Settings(photo_min_side_px=checks["width"] + 1, photo_min_brightness=0.99)
    usable, problems = photo_verdict(checks, strict)
    assert not usable and set(problems) == {"too_small", "too_dark"}
    assert measure_photo(portrait, settings=strict)["usable"] is False


def test_photo_settings_are_read_from_the_environment(monkeypatch) -> None:
    from pipeline.settings import Settings

    monkeypatch.setenv("PROOFS_PHOTO_MIN_FACE_PX", "120")
    monkeypatch.setenv("PROOFS_PHOTO_MIN_SHARPNESS", "0.5")
    settings = Settings()
    assert (settings.photo_min_face_px, settings.photo_min_sharpness) == (120, 0.5)


def _card_sides_on_a_desk(seed: int) -> np.ndarray:
    """Both sides of an ID card (test renderer's card, the generator's card portrait) side by
    side on a dark desk, photographed slightly at an angle: what applicants upload."""
    import random

    from sample_docs.graphics import card_portrait
    from tests import docgen

    front, _ = docgen.render(docgen.id_front(0)[0], size=docgen.CARD, body=24)
    back, _ = docgen.render(docgen.id_back(0)[0], size=docgen.CARD, body=30)
    front = front.convert("RGB")
    face = card_portrait(random.Random(seed), width=480).crop((0, 0, 480, 540))
    front.paste(face, (front.width - face.width - 20, 50))
    desk = Image.new("RGB", (2 * docgen.CARD[0] + 120, docgen.CARD[1] + 100), (70, 60, 50))
    desk.paste(front, (40, 50))
    desk.paste(back.convert("RGB"), (docgen.CARD[0] + 80, 50))
    height, width = desk.height, desk.width
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    tilted = corners + np.float32([[30, 10], [-20, 25], [-10, -15], [25, -5]])
    matrix = cv2.getPerspectiveTransform(corners, tilted)
    photo = cv2.warpPerspective(
        cv2.cvtColor(np.asarray(desk), cv2.COLOR_RGB2BGR),
        matrix,
        (width, height),
        borderValue=(70, 60, 50),
    )
    return cv2.GaussianBlur(photo, (0, 0), 0.8)


@pytest.mark.parametrize("seed", [1, 3])
def test_a_card_photographed_on_a_desk_is_read_not_taken_for_a_portrait(seed: int) -> None:
    """The card's face is big and near the middle of the photo, but lines of text surround
    it: the page must be OCR'd and classified as an ID card, not skipped as a portrait."""
    checks = measure_photo(_card_sides_on_a_desk(seed))
    # by the face alone it is a portrait (big, near the middle) ...
    assert looks_like_photo({**checks, "text_blobs": 0})
    # ... but the text around it says otherwise
    assert checks["text_blobs"] >= PHOTO_MAX_TEXT_BLOBS
    assert not looks_like_photo(checks)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_generators_portraits_still_skip_ocr(seed: int) -> None:
    """A studio portrait has (almost) no text-line blobs: still recognised without OCR."""
    import random

    from sample_docs.graphics import portrait

    image = cv2.cvtColor(np.asarray(portrait(random.Random(seed))), cv2.COLOR_RGB2BGR)
    checks = measure_photo(image)
    assert checks["text_blobs"] < PHOTO_MAX_TEXT_BLOBS
    assert looks_like_photo(checks)


def test_portrait_fixture_has_no_text(portrait: np.ndarray) -> None:
    assert count_text_blobs(cv2.cvtColor(portrait, cv2.COLOR_BGR2GRAY)) < PHOTO_MAX_TEXT_BLOBS


def test_the_detection_copy_is_shared_and_the_checks_do_not_depend_on_it():
    from skimage import data

    from extractors import photo

    astronaut = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2GRAY)
    grey = cv2.resize(astronaut, (900, 900), interpolation=cv2.INTER_CUBIC)
    first, scale = photo._detection_copy(grey)
    again, _ = photo._detection_copy(grey)
    assert again is first and not first.flags.writeable and scale < 1
    assert photo._mean(grey) == float(grey.mean())
    assert photo._mean(grey[100:400, 50:333]) == float(grey[100:400, 50:333].mean())
    shared = [photo.measure_photo(grey, quick=True), photo.measure_photo(grey)]
    photo._DETECTION_COPIES.forget()
    fresh = photo.measure_photo(grey)
    assert shared[1] == fresh and fresh["face_count"] >= 1
    other = grey.copy()
    other[:, :450] = 255  # another image: its own copy, not the last one
    assert photo._detection_copy(other)[0] is not first


def test_the_portrait_gate_searches_a_small_copy_and_leaves_the_full_search_its_own():
    from skimage import data

    from extractors import photo
    from pipeline.imaging import capture_quality

    astronaut = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2GRAY)
    grey = cv2.resize(astronaut, (1500, 1500), interpolation=cv2.INTER_CUBIC)
    capture_quality(grey, 300)  # makes the analysis copy the gate reduces, as read_page does
    gate_copy, scale = photo._gate_copy(grey)
    assert max(gate_copy.shape) == photo.GATE_MAX_SIDE and scale == photo.GATE_MAX_SIDE / 1500
    quick = photo.measure_photo(grey, 0.2, quick=True)
    # the gate's copy is not kept as the detection copy: the full search takes a 640 px one
    assert max(photo._detection_copy(grey)[0].shape) == photo.DETECT_MAX_SIDE
    full = photo.measure_photo(grey)
    assert quick["face_count"] == full["face_count"] == 1
    # the same face, measured on copies of different sizes
    assert abs(quick["face_ratio"] - full["face_ratio"]) < 0.05
    assert abs(quick["face_center_x"] - full["face_center_x"]) < 0.05
