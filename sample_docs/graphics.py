"""Pictures on documents: studio portraits (usable or not), red seals and signatures.

Seals and signatures are raster images, as on real paper: they add ink to the page but no
words to the text layer, so the text layer stays the truth of what is printed.
Faces come from scikit-image's bundled astronaut image (no download).
"""

from __future__ import annotations

import base64
import io
import math
import random
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

SANS_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
CJK_BOLD = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"

#: Studio backgrounds of Chinese ID photos: white, blue, red, light grey.
BACKGROUNDS = [(250, 250, 250), (67, 142, 219), (200, 30, 40), (235, 236, 238), (90, 160, 230)]

#: Ways a portrait is unusable, as the contract's ``photo_unusable`` lists them.
PHOTO_PROBLEMS = ("no_face", "two_faces", "too_dark", "blurred", "too_small")


def data_uri(image: Image.Image, fmt: str = "PNG") -> str:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    mime = "image/png" if fmt == "PNG" else "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(buffer.getvalue()).decode('ascii')}"


@lru_cache(maxsize=1)
def _astronaut_head() -> Image.Image:
    """Head and shoulders of the astronaut, on a soft elliptical mask (RGBA)."""
    from skimage import data

    full = Image.fromarray(data.astronaut())
    # the face is at about x 177-272, y 66-161 (Haar); keep hair and shoulders
    crop = full.crop((120, 10, 330, 290))
    mask = Image.new("L", crop.size, 0)
    draw = ImageDraw.Draw(mask)
    draw.ellipse((28, 8, 182, 230), fill=255)  # head
    draw.rounded_rectangle((0, 180, 210, 300), radius=50, fill=255)  # shoulders
    mask = mask.filter(ImageFilter.GaussianBlur(6))
    crop.putalpha(mask)
    return crop


def _other_subject() -> Image.Image:
    """A subject without a human face (the cat), same framing as a portrait."""
    from skimage import data

    cat = Image.fromarray(data.chelsea()).crop((60, 0, 330, 300))
    mask = Image.new("L", cat.size, 0)
    ImageDraw.Draw(mask).ellipse((10, 5, 260, 300), fill=255)
    cat.putalpha(mask.filter(ImageFilter.GaussianBlur(6)))
    return cat


def portrait(rng: random.Random, problem: str | None = None, width: int = 390) -> Image.Image:
    """A studio portrait (33x48 mm at 300 DPI by default), or one with ``problem``."""
    height = int(width * 48 / 33)
    background = rng.choice(BACKGROUNDS)
    canvas = Image.new("RGB", (width, height), background)
    subject = _other_subject() if problem == "no_face" else _astronaut_head()
    if rng.random() < 0.5:
        subject = ImageOps.mirror(subject)
    if problem == "two_faces":
        size = int(width * 0.55)
        small = subject.resize((size, int(size * subject.height / subject.width)))
        top = height - small.height
        canvas.paste(small, (-size // 12, top), small)
        canvas.paste(small, (width - size + size // 12, top), small)
    else:
        scale = width * rng.uniform(0.82, 0.95) / subject.width
        big = subject.resize((int(subject.width * scale), int(subject.height * scale)))
        canvas.paste(big, ((width - big.width) // 2, height - big.height), big)
    # gentle studio tone differences
    array = np.asarray(canvas).astype(np.float32) * rng.uniform(0.95, 1.05)
    canvas = Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))
    if problem == "too_dark":
        canvas = Image.fromarray((np.asarray(canvas) * 0.09).astype(np.uint8))
    elif problem == "blurred":
        canvas = canvas.filter(ImageFilter.GaussianBlur(width / 22))
    elif problem == "too_small":
        canvas = canvas.resize((44, 64), Image.Resampling.BILINEAR)
    return canvas


def card_portrait(rng: random.Random, width: int = 260) -> Image.Image:
    """The greyish portrait printed on an ID card or student card."""
    photo = portrait(rng, width=width).convert("L")
    photo = ImageOps.autocontrast(photo, cutoff=2)
    tint = rng.choice([(235, 240, 250), (245, 245, 245)])
    return ImageOps.colorize(photo, (20, 20, 30), tint)


# ------------------------------------------------------------------ seals


def seal(text: str, rng: random.Random, bottom: str = "", cjk: bool = False) -> Image.Image:
    """A red round company seal with ``text`` around the rim and a star (RGBA)."""
    size = 420
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    red = (210, 25, 35, 255)
    centre = size / 2
    draw.ellipse((10, 10, size - 10, size - 10), outline=red, width=14)
    star = [
        (
            centre + (70 if k % 2 == 0 else 28) * math.sin(math.pi * k / 5),
            centre - (70 if k % 2 == 0 else 28) * math.cos(math.pi * k / 5),
        )
        for k in range(10)
    ]
    draw.polygon(star, fill=red)
    font_path = CJK_BOLD if cjk else SANS_BOLD
    letters = text if cjk else text.upper()
    sweep = 250.0
    rim = size / 2 - 52
    arc_per_letter = rim * math.radians(sweep) / max(len(letters), 1)
    font_size = int(max(16, min(44, arc_per_letter * (1.0 if cjk else 1.25))))
    font = ImageFont.truetype(font_path, font_size)
    radius = size / 2 - 30 - font_size / 2
    for index, letter in enumerate(letters):
        angle = -sweep / 2 + sweep * (index + 0.5) / len(letters)
        glyph = Image.new("RGBA", (font_size * 2, font_size * 2), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((font_size, font_size), letter, font=font, fill=red, anchor="mm")
        glyph = glyph.rotate(-angle, resample=Image.Resampling.BICUBIC)
        x = centre + radius * math.sin(math.radians(angle)) - font_size
        y = centre - radius * math.cos(math.radians(angle)) - font_size
        image.alpha_composite(glyph, (int(x), int(y)))
    if bottom:
        small = ImageFont.truetype(font_path, 26)
        draw.text((centre, centre + 105), bottom, font=small, fill=red, anchor="mm")
    # uneven ink: thin out random specks of the alpha channel
    alpha = np.asarray(image.getchannel("A")).astype(np.float32)
    speckle = np.random.default_rng(rng.getrandbits(32)).uniform(0.55, 1.0, alpha.shape)
    image.putalpha(Image.fromarray((alpha * speckle * rng.uniform(0.75, 0.95)).astype(np.uint8)))
    return image.rotate(rng.uniform(-25, 25), resample=Image.Resampling.BICUBIC)


def signature(rng: random.Random) -> Image.Image:
    """A handwritten-looking scribble in blue or black ink (RGBA), no letters."""
    width, height = 360, 120
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    ink = rng.choice([(20, 30, 120, 235), (25, 25, 25, 235)])
    points = []
    x = 15.0
    phase = rng.uniform(0, math.pi)
    while x < width - 20:
        y = height / 2 + 32 * math.sin(phase + x / rng.uniform(9, 16)) * rng.uniform(0.4, 1)
        points.append((x, y + rng.uniform(-6, 6)))
        x += rng.uniform(4, 9)
    draw.line(points, fill=ink, width=4, joint="curve")
    draw.line(
        [(rng.uniform(10, 80), height * 0.75), (rng.uniform(250, 340), height * 0.62)],
        fill=ink,
        width=3,
    )
    return image


def watermark(text: str, rng: random.Random, cjk: bool = False) -> Image.Image:
    """Text written diagonally across a copy (RGBA), as people mark ID card copies."""
    width, height = 1600, 1500
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    font = ImageFont.truetype(CJK_BOLD if cjk else SANS_BOLD, 64)
    ink = rng.choice([(60, 60, 60, 85), (30, 40, 140, 85), (200, 30, 30, 80)])
    layer = Image.new("RGBA", (width, 160), (0, 0, 0, 0))
    ImageDraw.Draw(layer).text((width / 2, 80), text, font=font, fill=ink, anchor="mm")
    layer = layer.rotate(rng.uniform(18, 35), expand=True, resample=Image.Resampling.BICUBIC)
    for y in (250, 850):
        image.alpha_composite(layer, ((width - layer.width) // 2, y - layer.height // 2))
    return image
