"""Pages: every supported format becomes pages at a known DPI; bad files give specific errors."""

from __future__ import annotations

import io

import numpy as np
import pytest
from conftest import image_bytes, text_image
from PIL import Image

from pipeline.errors import CorruptFile, EncryptedFile, ImageTooLarge, TooManyPages
from pipeline.pages import load_pages


def pages_of(path, fmt, settings):
    return list(load_pages(path, fmt, settings))


@pytest.mark.parametrize(
    ("fmt", "pil_format"), [("jpeg", "JPEG"), ("png", "PNG"), ("bmp", "BMP"), ("webp", "WEBP")]
)
def test_single_images_become_one_page_with_their_dpi(tmp_path, settings, fmt, pil_format):
    path = tmp_path / "upload"
    options = {"dpi": (200, 200)} if pil_format in ("JPEG", "PNG") else {}
    path.write_bytes(image_bytes(text_image(["Tenant: someone"]), pil_format, **options))
    (page,) = pages_of(path, fmt, settings)
    assert page.number == 1 and page.image is not None
    assert (page.width, page.height) == (1240, 1754)
    assert page.dpi == (200 if options else settings.assumed_image_dpi)


def test_implausible_dpi_falls_back_to_the_assumed_one(tmp_path, settings):
    path = tmp_path / "phone.jpg"
    path.write_bytes(image_bytes(text_image(["x"]), "JPEG", dpi=(72, 72)))
    (page,) = pages_of(path, "jpeg", settings)
    assert page.dpi == settings.assumed_image_dpi


def test_exif_orientation_is_applied(tmp_path, settings):
    image = Image.new("L", (300, 100), 255)
    exif = Image.Exif()
    exif[0x0112] = 6  # camera held sideways: rotate 90 to show
    path = tmp_path / "IMG_0001.jpg"
    path.write_bytes(image_bytes(image, "JPEG", exif=exif.tobytes()))
    (page,) = pages_of(path, "jpeg", settings)
    assert (page.width, page.height) == (100, 300)


def test_multipage_tiff_gives_every_page_in_order(tmp_path, settings):
    frames = [text_image([f"page {n}"], size=(400, 300)) for n in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:], dpi=(300, 300))
    path = tmp_path / "scan.tif"
    path.write_bytes(buffer.getvalue())
    pages = pages_of(path, "tiff", settings)
    assert [p.number for p in pages] == [1, 2, 3]
    assert all(p.dpi == 300 for p in pages)


def test_tiff_over_the_page_limit_is_refused(tmp_path, settings):
    frames = [Image.new("L", (20, 20), 255) for _ in range(5)]
    path = tmp_path / "many.tif"
    frames[0].save(path, format="TIFF", save_all=True, append_images=frames[1:])
    with pytest.raises(TooManyPages, match="5 pages"):
        pages_of(path, "tiff", settings.model_copy(update={"max_pages": 4}))


def test_pixel_bomb_is_refused_before_decoding(tmp_path, settings):
    path = tmp_path / "bomb.png"
    Image.new("1", (20000, 20000), 1).save(path, format="PNG")
    assert path.stat().st_size < 200_000
    with pytest.raises(ImageTooLarge, match="20000x20000"):
        pages_of(path, "png", settings)


@pytest.mark.parametrize(("fmt", "pil_format"), [("jpeg", "JPEG"), ("png", "PNG")])
def test_truncated_image_is_corrupt(tmp_path, settings, fmt, pil_format):
    data = image_bytes(text_image(["Tenant"] * 10), pil_format)
    path = tmp_path / "cut"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(CorruptFile):
        pages_of(path, fmt, settings)


def _text_pdf(path, paragraphs: list[str]) -> None:
    import weasyprint

    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    weasyprint.HTML(string=f"<html><body>{body}</body></html>").write_pdf(path)


def test_text_layer_pdf_gives_words_with_positions_and_no_image(tmp_path, settings):
    path = tmp_path / "lease.pdf"
    _text_pdf(path, ["HOUSE LEASE", "Tenant: Zhang San", "Monthly rent: RMB 4,500"])
    (page,) = pages_of(path, "pdf", settings)
    assert page.image is None and page.dpi == settings.render_dpi
    texts = [line.text for line in page.text_lines]
    assert texts == ["HOUSE LEASE", "Tenant: Zhang San", "Monthly rent: RMB 4,500"]
    first, second = page.text_lines[0].words[0], page.text_lines[1].words[0]
    assert first.y1 <= second.y0 and 0 < first.x0 < page.width


def test_text_layer_pdf_page_gets_a_small_preview_for_the_review_app(tmp_path, settings):
    path = tmp_path / "lease.pdf"
    _text_pdf(path, ["HOUSE LEASE", "Tenant: Zhang San"])
    (page,) = load_pages(path, "pdf", settings, preview_dpi=72)
    assert page.text_lines and page.image is not None
    height, width = page.image.shape[:2]
    assert width == pytest.approx(page.width * 72 / page.dpi, abs=2)
    assert height == pytest.approx(page.height * 72 / page.dpi, abs=2)
    assert page.image.min() < 128 < page.image.max()  # the words are drawn, not a blank page


def test_scanned_pdf_is_rendered_at_the_render_dpi(tmp_path, settings):
    path = tmp_path / "scan.pdf"
    scan = text_image(["Scanned page"], size=(1240, 1754))
    scan.save(path, format="PDF", resolution=150)
    (page,) = pages_of(path, "pdf", settings)
    assert page.text_lines is None and page.image is not None
    assert abs(page.width - 2480) <= 2 and abs(page.height - 3508) <= 2
    assert page.image.mean() > 200 and page.image.min() < 50


def test_mixed_pdf_uses_text_layer_per_page(tmp_path, settings):
    from pypdf import PdfReader, PdfWriter

    text_path, scan_path = tmp_path / "t.pdf", tmp_path / "s.pdf"
    _text_pdf(text_path, ["Certificate of employment for the bearer of this letter"])
    text_image(["scanned"]).save(scan_path, format="PDF", resolution=150)
    writer = PdfWriter()
    for source in (text_path, scan_path):
        writer.add_page(PdfReader(source).pages[0])
    mixed = tmp_path / "mixed.pdf"
    with mixed.open("wb") as stream:
        writer.write(stream)
    first, second = pages_of(mixed, "pdf", settings)
    assert first.text_lines and first.image is None
    assert second.text_lines is None and second.image is not None


def test_encrypted_pdf_is_reported(tmp_path, settings):
    from pypdf import PdfWriter

    source = tmp_path / "t.pdf"
    _text_pdf(source, ["Secret lease"])
    writer = PdfWriter(clone_from=source)
    writer.encrypt(user_password="1234", owner_password="owner")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as stream:
        writer.write(stream)
    with pytest.raises(EncryptedFile, match="password"):
        pages_of(path, "pdf", settings)


@pytest.mark.parametrize("cut", [0.5, 0.05])
def test_truncated_or_garbage_pdf_is_corrupt(tmp_path, settings, cut):
    source = tmp_path / "t.pdf"
    _text_pdf(source, ["Lease"])
    data = source.read_bytes()
    path = tmp_path / "broken.pdf"
    path.write_bytes(data[: int(len(data) * cut)])
    try:
        pages = pages_of(path, "pdf", settings)
    except CorruptFile as error:
        assert "PDF" in str(error)
    else:  # pdfium may recover a page from a cut file: then it must be a real page
        assert pages and all(p.width > 0 for p in pages)


def test_pdf_over_the_page_limit_is_refused(tmp_path, settings):
    path = tmp_path / "long.pdf"
    frames = [Image.new("L", (100, 100), 255) for _ in range(6)]
    frames[0].save(path, format="PDF", save_all=True, append_images=frames[1:])
    with pytest.raises(TooManyPages, match="6 pages"):
        pages_of(path, "pdf", settings.model_copy(update={"max_pages": 5}))


def test_colour_images_stay_colour_in_opencv_order(tmp_path, settings):
    pixels = np.zeros((50, 60, 3), dtype=np.uint8)
    pixels[:, :, 0] = 255  # red in RGB
    path = tmp_path / "red.png"
    Image.fromarray(pixels).save(path)
    (page,) = pages_of(path, "png", settings)
    assert page.image.shape == (50, 60, 3)
    assert tuple(page.image[0, 0]) == (0, 0, 255)  # BGR


def test_truncated_image_is_corrupt_even_after_weasyprint_is_imported(tmp_path, settings):
    """WeasyPrint switches Pillow to accept truncated images when it is imported."""
    from pipeline.notice import render_notice_pdf

    render_notice_pdf("<p>x</p>")
    data = image_bytes(text_image(["Tenant"] * 10), "JPEG")
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(CorruptFile):
        pages_of(path, "jpeg", settings)
