"""Photo checks on real images: a face, a cat, two faces, dark, blurred, tiny, and an ID card."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from skimage import data

from extractors.photo import looks_like_photo, measure_photo


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
