"""HTML -> PDF with a real text layer (WeasyPrint) -> page images (pypdfium2).

WeasyPrint embeds font subsets whose ``head`` table carries a timestamp; fontTools takes it
from ``SOURCE_DATE_EPOCH`` when set, which is what makes the PDF bytes reproducible.
"""

from __future__ import annotations

import io
import os

import pdfplumber
import pypdfium2 as pdfium
from PIL import Image

from sample_docs.documents import TEMPLATES_DIR, RenderSpec, render_html

#: Font timestamps of every generated PDF (2025-11-26): same seed, same bytes.
SOURCE_DATE_EPOCH = "1764115200"


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH  # read by fontTools when subsetting
    try:
        return HTML(string=html, base_url=str(TEMPLATES_DIR)).write_pdf()
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


def render_pdf(spec: RenderSpec) -> bytes:
    return html_to_pdf(render_html(spec))


def rasterise(pdf: bytes, dpi: int) -> list[Image.Image]:
    """Every page of ``pdf`` as an RGB image at ``dpi``."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [
            document[index].render(scale=dpi / 72).to_pil().convert("RGB")
            for index in range(len(document))
        ]
    finally:
        document.close()


def page_count(pdf: bytes) -> int:
    document = pdfium.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def text_layer(pdf: bytes) -> str:
    """All text of the PDF's text layer (what the truth test reads)."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return "\n".join(page.extract_text() or "" for page in document.pages)


def title_band(pdf: bytes, title: str) -> tuple[float, float] | None:
    """Top and bottom of the title on page 1, as fractions of the page height."""
    first_word = title.split()[0] if " " in title else title[:2]
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        page = document.pages[0]
        words = page.extract_words()
        sized = sorted(
            (w for w in words if w["text"].startswith(first_word)),
            key=lambda w: -(w["bottom"] - w["top"]),
        )
        if not sized:
            return None
        word = sized[0]
        return word["top"] / page.height, word["bottom"] / page.height
