"""What scanners, phones and uploads do to a page, and the file formats they write.

Every function takes its randomness from a ``numpy.random.Generator`` or ``random.Random``
passed in, so a seed gives the same bytes. Image encoders are called without timestamps.
"""

from __future__ import annotations

import io
import random

import cv2
import numpy as np
from PIL import Image, ImageFilter

# ---------------------------------------------------------------- page damage


def to_gray(image: Image.Image) -> Image.Image:
    return image.convert("L").convert("RGB")


def paper_and_noise(image: Image.Image, rng: np.random.Generator, noise: float) -> Image.Image:
    """Greyish paper, scanner noise and slightly uneven exposure."""
    array = np.asarray(image).astype(np.float32)
    tint = rng.uniform(0.9, 1.0)
    array = array * tint + rng.uniform(0, 12)
    array += rng.normal(0, noise, array.shape[:2])[..., None]
    return Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))


def paper_marks(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A fold across the page and the holes of a filing punch, as on archived paper."""
    from PIL import ImageDraw

    result = image.copy()
    draw = ImageDraw.Draw(result)
    width, height = result.size
    y = int(height * rng.uniform(0.3, 0.36))
    draw.line([(0, y), (width, y + int(rng.uniform(-8, 8)))], fill=(200, 200, 200), width=3)
    draw.line([(0, y + 3), (width, y + 3)], fill=(235, 235, 235), width=2)
    if rng.random() < 0.5:
        radius = width * 0.012
        x = width * 0.04
        for centre in (height * 0.38, height * 0.62):
            draw.ellipse(
                (x - radius, centre - radius, x + radius, centre + radius), fill=(70, 70, 70)
            )
    return result


def blur(image: Image.Image, radius: float) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(radius)) if radius > 0 else image


def rotate_quarter(image: Image.Image, quarter_turns: int) -> Image.Image:
    """Rotate counter-clockwise by 90 * quarter_turns degrees (a page fed sideways)."""
    ops = {
        1: Image.Transpose.ROTATE_90,
        2: Image.Transpose.ROTATE_180,
        3: Image.Transpose.ROTATE_270,
    }
    return image.transpose(ops[quarter_turns]) if quarter_turns % 4 else image


def skew(image: Image.Image, degrees: float) -> Image.Image:
    """A page placed slightly crooked on the glass (white around it)."""
    return image.rotate(
        degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(255, 255, 255)
    )


def jpeg_artefacts(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def downscale(image: Image.Image, factor: float) -> Image.Image:
    size = (max(1, int(image.width * factor)), max(1, int(image.height * factor)))
    return image.resize(size, Image.Resampling.BILINEAR)


def _background(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A desk or tablecloth: a base colour with a soft grain."""
    base = rng.choice(
        np.array([[120, 85, 55], [60, 60, 65], [150, 130, 110], [40, 70, 90], [180, 175, 160]])
    )
    small = rng.normal(0, 18, (height // 16 + 1, width // 16 + 1)).astype(np.float32)
    grain = cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)
    streaks = np.sin(np.linspace(0, rng.uniform(20, 60), width))[None, :] * 6
    array = base[None, None, :] + (grain + streaks)[..., None]
    return np.clip(array, 0, 255).astype(np.uint8)


def phone_photo(
    image: Image.Image,
    rng: np.random.Generator,
    long_side: int = 2000,
) -> Image.Image:
    """The page photographed at an angle on a desk: perspective, shading, background."""
    page = np.asarray(image)
    height, width = page.shape[:2]
    out_w, out_h = (
        (long_side, int(long_side * 0.75)) if width > height else (int(long_side * 0.75), long_side)
    )
    scale = min(out_w / width, out_h / height) * rng.uniform(0.72, 0.86)
    page_w, page_h = width * scale, height * scale
    x0, y0 = (out_w - page_w) / 2, (out_h - page_h) / 2
    jitter = 0.06 * min(page_w, page_h)
    corners = np.float32(
        [
            [x0 + rng.uniform(-1, 1) * jitter, y0 + rng.uniform(-1, 1) * jitter],
            [x0 + page_w + rng.uniform(-1, 1) * jitter, y0 + rng.uniform(-1, 1) * jitter],
            [x0 + page_w + rng.uniform(-1, 1) * jitter, y0 + page_h + rng.uniform(-1, 1) * jitter],
            [x0 + rng.uniform(-1, 1) * jitter, y0 + page_h + rng.uniform(-1, 1) * jitter],
        ]
    )
    source = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    matrix = cv2.getPerspectiveTransform(source, corners)
    background = _background(rng, out_w, out_h)
    warped = cv2.warpPerspective(
        page,
        matrix,
        (out_w, out_h),
        flags=cv2.INTER_AREA,
        borderMode=cv2.BORDER_TRANSPARENT,
        dst=background.copy(),
    )
    # lighting: a soft gradient and vignette
    ys, xs = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    light = 1.0 + 0.12 * ((xs / out_w - 0.5) * np.cos(angle) + (ys / out_h - 0.5) * np.sin(angle))
    vignette = 1.0 - 0.18 * (((xs / out_w - 0.5) ** 2 + (ys / out_h - 0.5) ** 2) * 2)
    shaded = warped.astype(np.float32) * (light * vignette)[..., None]
    shaded += rng.normal(0, 3, shaded.shape[:2])[..., None]
    result = Image.fromarray(np.clip(shaded, 0, 255).astype(np.uint8))
    return blur(result, rng.uniform(0.3, 0.9))


def cut_to_band(
    image: Image.Image,
    top: float,
    bottom: float,
    margin: float = 0.02,
) -> Image.Image:
    """Only the title survives: a photo that missed the rest of the page (``unreadable``)."""
    y0 = max(0, int((top - margin) * image.height))
    y1 = min(image.height, int((bottom + margin) * image.height))
    return image.crop((0, y0, image.width, y1))


def smudge_below(image: Image.Image, bottom: float, radius: float) -> Image.Image:
    """Everything under the title blurred beyond reading (``unreadable``)."""
    y = min(image.height, int((bottom + 0.015) * image.height))
    below = image.crop((0, y, image.width, image.height)).filter(ImageFilter.GaussianBlur(radius))
    result = image.copy()
    result.paste(below, (0, y))
    return result


# -------------------------------------------------------------------- encoders

IMAGE_FORMATS = ("jpeg", "png", "tiff", "bmp", "webp", "pdf_scan")
EXTENSIONS = {
    "pdf_mixed": ".pdf",
    "jpeg": ".jpg",
    "png": ".png",
    "tiff": ".tif",
    "bmp": ".bmp",
    "webp": ".webp",
    "pdf_scan": ".pdf",
    "pdf_text": ".pdf",
}


def encode(
    images: list[Image.Image],
    fmt: str,
    rng: random.Random,
    dpi: int,
    exif_orientation: int | None = None,
) -> bytes:
    """Write page images as one file of ``fmt`` (only TIFF and PDF hold several pages)."""
    buffer = io.BytesIO()
    first, rest = images[0], images[1:]
    if fmt == "jpeg":
        options: dict[str, object] = {}
        if exif_orientation:
            exif = Image.Exif()
            exif[0x0112] = exif_orientation  # Orientation
            options["exif"] = exif.tobytes()
        first.save(buffer, "JPEG", quality=rng.randrange(60, 92), dpi=(dpi, dpi), **options)
    elif fmt == "png":
        first.save(buffer, "PNG", dpi=(dpi, dpi), optimize=False)
    elif fmt == "bmp":
        first.save(buffer, "BMP")
    elif fmt == "webp":
        first.save(buffer, "WEBP", quality=rng.randrange(60, 90), method=4)
    elif fmt == "tiff":
        pages = [image.convert("L") if rng.random() < 0.6 else image for image in images]
        pages[0].save(
            buffer,
            "TIFF",
            compression="tiff_adobe_deflate",
            save_all=True,
            append_images=pages[1:],
            dpi=(dpi, dpi),
        )
    elif fmt == "pdf_scan":
        first.save(
            buffer,
            "PDF",
            resolution=float(dpi),
            save_all=True,
            append_images=rest,
            creationDate=None,
            modDate=None,
        )
    else:
        raise ValueError(f"unknown image format {fmt!r}")
    return buffer.getvalue()


# ------------------------------------------------------------------ bad files


def encrypted_pdf(pdf: bytes, password: str) -> bytes:
    """The PDF locked with a user password (the uploader forgot to remove it).

    RC4-128 and a file identifier derived from the content keep the bytes reproducible
    (AES would draw a random IV per string).
    """
    import hashlib

    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, ByteStringObject

    identifier = ByteStringObject(hashlib.md5(pdf).digest())

    class _ReproducibleWriter(PdfWriter):
        def generate_file_identifiers(self) -> None:
            self._ID = ArrayObject((identifier, identifier))

    writer = _ReproducibleWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def mixed_pdf(text_pdf: bytes, scanned_pdf: bytes) -> bytes:
    """Page 1 of the digital original (text layer) followed by the scanned other pages."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.add_page(PdfReader(io.BytesIO(text_pdf)).pages[0])
    for page in PdfReader(io.BytesIO(scanned_pdf)).pages:
        writer.add_page(page)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def truncated(data: bytes, keep: float) -> bytes:
    return data[: max(16, int(len(data) * keep))]
