"""A portrait whose face the detector does not find is still a photo (one that fails the
photo checks) when OCR reads only unsure specks in its shading, not a document."""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.classify import classify
from pipeline.models import DocumentType
from pipeline.pages import RawPage
from pipeline.reading import read_page
from pipeline.settings import get_settings
from pipeline.text import Line, PageText, Word


def faceless_portrait() -> np.ndarray:
    """A head-and-shoulders silhouette with hair-like texture, no features to detect."""
    rng = np.random.default_rng(5)
    height, width = 567, 390
    image = np.full((height, width, 3), (200, 190, 180), np.float32)
    cv2.ellipse(image, (195, 230), (95, 125), 0, 0, 360, (120, 130, 150), -1)
    cv2.ellipse(image, (195, 560), (190, 150), 0, 180, 360, (60, 60, 70), -1)
    hair = rng.normal(0, 40, (height, width)).astype(np.float32)
    hair = cv2.GaussianBlur(hair, (0, 0), 1.2)
    mask = np.zeros((height, width), np.float32)
    cv2.ellipse(mask, (195, 170), (100, 80), 0, 180, 360, 1.0, -1)
    image -= (60 + hair)[..., None] * mask[..., None]
    return cv2.GaussianBlur(image, (0, 0), 1.0).clip(0, 255).astype(np.uint8)


def _with_specks(page: PageText) -> PageText:
    """The page with what OCR reads in a portrait's shadows: short words, read unsurely."""
    specks = [("vent", 0.11), ("hid", 0.47), ("47", 0.67), ("hae", 0.03)]
    words = [
        Word(text=text, confidence=conf, x0=40 * i, y0=300, x1=40 * i + 30, y1=330)
        for i, (text, conf) in enumerate(specks, start=1)
    ]
    return page.model_copy(update={"lines": [*page.lines, Line(words=words)]})


def test_a_faceless_portrait_read_to_unsure_specks_is_a_photo() -> None:
    image = faceless_portrait()
    raw = RawPage(number=1, dpi=300, width=image.shape[1], height=image.shape[0], image=image)
    page, _ = read_page(raw, "en", get_settings())
    assert page.checks["photo_face_count"] == 0
    kind, _ = classify([_with_specks(page)], "en")
    assert kind is DocumentType.PHOTO


def test_a_word_read_surely_on_it_makes_it_no_photo() -> None:
    image = faceless_portrait()
    raw = RawPage(number=1, dpi=300, width=image.shape[1], height=image.shape[0], image=image)
    page, _ = read_page(raw, "en", get_settings())
    sure = Word(text="Invoice", confidence=0.93, x0=20, y0=20, x1=140, y1=50)
    page = _with_specks(page)
    page = page.model_copy(update={"lines": [*page.lines, Line(words=[sure])]})
    kind, _ = classify([page], "en")
    assert kind is not DocumentType.PHOTO
