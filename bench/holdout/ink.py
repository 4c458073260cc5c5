"""Ink that is not text: red seals, signatures, portraits, and the card photo.

Portraits are faces from scikit-image's bundled LFW subset (other people than the
generator's), scaled up into a studio frame; ``lfw_subset.npy`` holds 100 faces and then
100 patches without one, which give the "no face" photos.
"""

from __future__ import annotations

import math
import random
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from bench.holdout.canvas import font

PHOTO_PROBLEMS = ("no_face", "two_faces", "too_dark", "blurred", "too_small")


@lru_cache(maxsize=1)
def _lfw() -> np.ndarray:
    import skimage.data

    return np.load(Path(skimage.data.__file__).parent / "lfw_subset.npy")


def face(index: int, side: int) -> Image.Image:
    """Face ``index`` (0-99) as a grey square of ``side`` pixels."""
    pixels = (_lfw()[index % 100] * 255).astype("uint8")
    # the faces are 25 px: sharpen the enlargement as a studio print would be
    enlarged = Image.fromarray(pixels).resize((side, side), Image.BICUBIC)
    return enlarged.filter(ImageFilter.UnsharpMask(radius=max(2, side // 60), percent=160))


def not_a_face(index: int, side: int) -> Image.Image:
    pixels = (_lfw()[100 + index % 100] * 255).astype("uint8")
    return Image.fromarray(pixels).resize((side, side), Image.BICUBIC)


def portrait(rng: random.Random, problem: str | None) -> Image.Image:
    """A 35x49 mm-proportioned studio photo, usable unless ``problem`` says otherwise."""
    width = rng.choice([354, 413, 480])
    height = int(width * 1.4)
    background = rng.choice([(255, 255, 255), (60, 130, 210), (215, 40, 40), (230, 230, 228)])
    canvas = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(canvas)
    person = rng.randrange(100)
    shoulders = rng.choice([(40, 40, 60), (20, 20, 24), (90, 90, 110), (240, 240, 240)])
    draw.ellipse((-width * 0.1, height * 0.78, width * 1.1, height * 1.5), fill=shoulders)
    if problem == "two_faces":
        side = int(width * 0.46)
        for i, left in enumerate((int(width * 0.03), int(width * 0.51))):
            canvas.paste(face(person + i * 37, side).convert("RGB"), (left, int(height * 0.3)))
    else:
        side = int(width * rng.uniform(0.78, 0.86))
        square = not_a_face(person, side) if problem == "no_face" else face(person, side)
        canvas.paste(square.convert("RGB"), ((width - side) // 2, int(height * 0.14)))
    # film grain: the 25 px faces lack the fine texture of a real studio print
    generator = np.random.default_rng(rng.getrandbits(32))
    pixels = np.asarray(canvas).astype(np.float32)
    pixels += generator.normal(0, 7, pixels.shape)
    canvas = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    if problem == "too_dark":
        canvas = ImageEnhance.Brightness(canvas).enhance(rng.uniform(0.12, 0.2))
    elif problem == "blurred":
        canvas = canvas.filter(ImageFilter.GaussianBlur(width / 45))
    elif problem == "too_small":
        canvas = canvas.resize((rng.choice([90, 110]), rng.choice([126, 150])), Image.LANCZOS)
    return canvas


def seal(text: str, rng: random.Random, lang: str, size: int = 420) -> Image.Image:
    """A round red company seal: ring, star and the name around the rim (RGBA)."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    red = (205, 30, 35, rng.randrange(170, 230))
    ring = size // 28
    draw.ellipse((ring, ring, size - ring, size - ring), outline=red, width=ring)
    centre = size / 2
    star = [
        (
            centre + (size * (0.13 if k % 2 == 0 else 0.055)) * math.sin(k * math.pi / 5),
            centre - (size * (0.13 if k % 2 == 0 else 0.055)) * math.cos(k * math.pi / 5),
        )
        for k in range(10)
    ]
    draw.polygon(star, fill=red)
    characters = list(text if lang == "zh" else text.upper())[:40]
    key = "cjk-sans-bold" if lang == "zh" else "sans-bold"
    glyph_px = int(size * (0.11 if lang == "zh" else 0.065))
    sweep = min(300.0, 9.0 * len(characters) if lang == "en" else 22.0 * len(characters))
    for i, character in enumerate(characters):
        angle = -sweep / 2 + sweep * (i + 0.5) / len(characters)
        tile = Image.new("RGBA", (glyph_px * 2, glyph_px * 2), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text(
            (glyph_px, glyph_px), character, font=font(key, glyph_px), fill=red, anchor="mm"
        )
        tile = tile.rotate(-angle, resample=Image.BICUBIC)
        radius = size * 0.34
        x = centre + radius * math.sin(math.radians(angle)) - glyph_px
        y = centre - radius * math.cos(math.radians(angle)) - glyph_px
        image.alpha_composite(tile, (int(x), int(y)))
    return image.rotate(rng.uniform(-25, 25), resample=Image.BICUBIC)


def signature(rng: random.Random, width: int = 360, height: int = 120) -> Image.Image:
    """A pen scribble (RGBA): a few looping strokes, never letters."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    ink = rng.choice([(20, 30, 120, 255), (15, 15, 15, 255)])
    x, y = width * 0.05, height * 0.6
    points = [(x, y)]
    for _ in range(rng.randrange(14, 24)):
        x += rng.uniform(8, 26)
        y = height * 0.5 + rng.uniform(-0.38, 0.38) * height
        points.append((min(x, width - 4), y))
    draw.line(points, fill=ink, width=3, joint="curve")
    return image
