"""What happens to paper between the printer and the upload, done this package's own way.

Scanner: greyscale or colour, a slight tilt, a shadow along the binding edge, sensor noise,
a soft focus, JPEG compression of varying quality; sometimes turned by a quarter. Phone: the
page lies on a desk, seen from above at an angle (a perspective warp), lit from one side.
Low DPI: a fax-like 96-120 DPI copy. Cards: both sides on a photocopy, or photographed.
"""

from __future__ import annotations

import io
import random
import time

import numpy as np
from PIL import Image, ImageFilter, ImageOps

SCANNED_AT = time.gmtime(1764100800)  # fixed PDF dates: same seed, same bytes
EXTENSIONS = {
    "jpeg": ".jpg",
    "png": ".png",
    "tiff": ".tif",
    "pdf_scan": ".pdf",
    "webp": ".webp",
    "bmp": ".bmp",
}


def _noise(image: Image.Image, rng: random.Random, sigma: float) -> Image.Image:
    generator = np.random.default_rng(rng.getrandbits(32))
    pixels = np.asarray(image).astype(np.float32)
    pixels += generator.normal(0, sigma, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), image.mode)


def _shadow(image: Image.Image, rng: random.Random, strength: float) -> Image.Image:
    """Darken towards one edge (a book spine, a hand, a lamp on the other side)."""
    width, height = image.size
    side = rng.choice(["left", "right", "top", "bottom"])
    length = width if side in ("left", "right") else height
    ramp = np.linspace(1 - strength, 1.0, max(2, int(length * 0.35)))
    profile = np.ones(length, dtype=np.float32)
    profile[: ramp.size] = ramp
    if side in ("right", "bottom"):
        profile = profile[::-1]
    mask = profile[None, :] if side in ("left", "right") else profile[:, None]
    pixels = np.asarray(image).astype(np.float32)
    if pixels.ndim == 3:
        mask = mask[..., None]
    return Image.fromarray(np.clip(pixels * mask, 0, 255).astype(np.uint8), image.mode)


def tilt(image: Image.Image, degrees: float) -> Image.Image:
    fill = 255 if image.mode == "L" else (255, 255, 255)
    return image.rotate(degrees, resample=Image.BICUBIC, expand=True, fillcolor=fill)


def scan(image: Image.Image, rng: random.Random) -> tuple[Image.Image, dict]:
    """A flatbed scan of one page."""
    gray = rng.random() < 0.55
    page = image.convert("L") if gray else image
    degrees = round(rng.uniform(-2.2, 2.2), 2) if rng.random() < 0.5 else 0.0
    if degrees:
        page = tilt(page, degrees)
    shadow = rng.random() < 0.35
    if shadow:
        page = _shadow(page, rng, rng.uniform(0.25, 0.55))
    page = _noise(page, rng, rng.uniform(2, 7))
    radius = rng.choice([0, 0.5, 0.8])
    if radius:
        page = page.filter(ImageFilter.GaussianBlur(radius))
    return page, {"gray": gray, "tilt": degrees, "shadow": shadow, "blur": radius}


def phone(image: Image.Image, rng: random.Random) -> tuple[Image.Image, dict]:
    """A phone photo of a page on a desk: perspective, desk around it, uneven light."""
    width, height = image.size
    pad_x, pad_y = int(width * 0.12), int(height * 0.1)
    desk_colour = rng.choice([(120, 95, 70), (70, 70, 75), (160, 150, 135), (40, 45, 60)])
    desk = Image.new("RGB", (width + 2 * pad_x, height + 2 * pad_y), desk_colour)
    desk.paste(image.convert("RGB"), (pad_x, pad_y))
    w, h = desk.size
    jitter = [rng.uniform(0, 0.06) for _ in range(8)]
    # where the output corners come from in the desk picture (a tilted camera)
    source = [
        (jitter[0] * w, jitter[1] * h),
        (w - jitter[2] * w, jitter[3] * h),
        (w - jitter[4] * w, h - jitter[5] * h),
        (jitter[6] * w, h - jitter[7] * h),
    ]
    target = [(0, 0), (w, 0), (w, h), (0, h)]
    coefficients = _perspective(target, source)
    photo = desk.transform((w, h), Image.PERSPECTIVE, coefficients, Image.BICUBIC)
    photo = _shadow(photo, rng, rng.uniform(0.2, 0.45))
    photo = _noise(photo, rng, rng.uniform(3, 6))
    photo = photo.filter(ImageFilter.GaussianBlur(rng.choice([0.4, 0.7, 1.0])))
    long_side = rng.choice([1800, 2200, 2600])
    scale = long_side / max(photo.size)
    photo = photo.resize((int(photo.width * scale), int(photo.height * scale)), Image.LANCZOS)
    return photo, {"long_side": long_side}


def _perspective(target: list, source: list) -> list[float]:
    """PIL's 8 coefficients mapping output points ``target`` to input points ``source``."""
    rows = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    matrix = np.array(rows, dtype=np.float64)
    vector = np.array([c for point in source for c in point], dtype=np.float64)
    return list(np.linalg.solve(matrix, vector))


def quarter(image: Image.Image, turns: int) -> Image.Image:
    return image.rotate(90 * turns, expand=True)


def cards_on_page(
    sides: list[Image.Image], dpi: int, rng: random.Random, paper: tuple[float, float] = (210, 297)
) -> Image.Image:
    """Both sides of a card photocopied onto one sheet, one above the other."""
    scale = dpi / 25.4
    page = Image.new("RGB", (int(paper[0] * scale), int(paper[1] * scale)), (252, 252, 250))
    top = int(rng.uniform(25, 45) * scale)
    for side in sides:
        left = int((page.width - side.width) / 2 + rng.uniform(-15, 15) * scale)
        page.paste(side.convert("RGB"), (left, top))
        top += side.height + int(rng.uniform(15, 30) * scale)
    return page


def cards_on_desk(sides: list[Image.Image], rng: random.Random) -> Image.Image:
    """Both sides of a card laid side by side on a table (before the phone's warp)."""
    gap = 60
    width = sum(s.width for s in sides) + gap * (len(sides) + 1)
    height = max(s.height for s in sides) + 2 * gap
    table = Image.new("RGB", (width, height), rng.choice([(200, 190, 170), (90, 80, 70)]))
    left = gap
    for side in sides:
        table.paste(side.convert("RGB"), (left, gap + rng.randrange(0, 20)))
        left += side.width + gap
    return table


def encode(pages: list[Image.Image], fmt: str, rng: random.Random, dpi: int) -> bytes:
    """The upload's bytes: JPEG (varying quality), PNG, multi-page TIFF or scanned PDF."""
    buffer = io.BytesIO()
    if fmt == "jpeg":
        pages[0].convert("RGB" if pages[0].mode != "L" else "L").save(
            buffer, "JPEG", quality=rng.randrange(38, 90), dpi=(dpi, dpi)
        )
    elif fmt == "png":
        pages[0].save(buffer, "PNG", dpi=(dpi, dpi))
    elif fmt == "webp":
        pages[0].convert("RGB").save(buffer, "WEBP", quality=rng.randrange(50, 90))
    elif fmt == "bmp":
        pages[0].convert("RGB").save(buffer, "BMP")
    elif fmt == "tiff":
        first, *rest = [p.convert("L") if p.mode == "L" else p.convert("RGB") for p in pages]
        first.save(
            buffer,
            "TIFF",
            save_all=True,
            append_images=rest,
            compression="tiff_lzw",
            dpi=(dpi, dpi),
        )
    elif fmt == "pdf_scan":
        # JPEG-compressed page images in a PDF without a text layer
        converted = [p.convert("RGB") for p in pages]
        converted[0].save(
            buffer,
            "PDF",
            save_all=True,
            append_images=converted[1:],
            resolution=dpi,
            quality=rng.randrange(50, 85),
            creationDate=SCANNED_AT,
            modDate=SCANNED_AT,
        )
    else:
        raise ValueError(fmt)
    return buffer.getvalue()


def grey_if(image: Image.Image, gray: bool) -> Image.Image:
    return ImageOps.grayscale(image) if gray else image
