"""Shared fixtures: settings, generated files. Prefect is started only by the flow tests."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@pytest.fixture
def settings():
    from pipeline.settings import Settings

    return Settings()


def text_image(lines: list[str], size=(1240, 1754), font_size=28) -> Image.Image:
    """A white page with black text lines: a minimal 150-DPI scan."""
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, font_size)
    for index, line in enumerate(lines):
        draw.text((100, 120 + index * font_size * 2), line, font=font, fill=0)
    return image


def image_bytes(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def blank_pixels(height: int, width: int) -> np.ndarray:
    return np.full((height, width), 255, dtype=np.uint8)
