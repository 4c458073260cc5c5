"""A slip or card page whose reading lost some of its fields is read again as one block
(``pipeline.reading.reread_as_one_block``, chosen by ``read_again_where_lost``), with
real Tesseract readings of rendered pages."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import ImageDraw

from extractors import extract
from pipeline.models import DocumentType
from pipeline.reading import read_again_where_lost, reread_as_one_block
from pipeline.settings import Settings
from tests import docgen

pytestmark = pytest.mark.slow


def _receipt():
    blocks, truth = docgen.photo_receipt(0)
    image, _ = docgen.render(blocks, docgen.A4)
    return image.convert("L"), truth


def _reading_without_rows(image, *words: str):
    """The page's reading as automatic segmentation gave it when it lost the rows holding
    ``words``: the same page read with those rows painted out."""
    full = docgen.ocr(image)
    spoilt = image.copy()
    draw = ImageDraw.Draw(spoilt)
    for line in full.lines:
        if any(word in line.text for word in words):
            _, y0, _, y1 = line.box
            draw.rectangle((0, y0 - 4, image.size[0], y1 + 4), fill=255)
    return docgen.ocr(spoilt)


def test_a_receipt_that_lost_its_rows_is_read_again_as_one_block() -> None:
    image, truth = _receipt()
    lost = _reading_without_rows(image, truth["name"], truth["receipt_number"])
    fields, _ = extract("photo_receipt", [lost], "en")
    assert fields["name"] is None and fields["receipt_number"] is None  # the rows are gone
    lost.ocr_calls = 1

    page = read_again_where_lost(lost, np.asarray(image), "en", Settings())

    fields, _ = extract("photo_receipt", [page], "en")
    assert fields == truth
    assert page.checks.get("reread_as_one_block") is True
    assert page.ocr_calls == 2


def test_a_receipt_read_whole_or_another_document_is_not_read_again() -> None:
    image, _ = _receipt()
    whole = docgen.ocr(image)
    whole.ocr_calls = 1
    receipt = DocumentType.PHOTO_RECEIPT
    assert reread_as_one_block(whole, receipt, np.asarray(image), "en", Settings()) is whole
    assert whole.ocr_calls == 1 and "reread_as_one_block" not in whole.checks

    blocks, _ = docgen.rental(0)
    lease, _ = docgen.render(blocks, docgen.A4)
    lease_page = _reading_without_rows(lease.convert("L"), "Landlord")
    lease_page.ocr_calls = 1
    again = read_again_where_lost(lease_page, np.asarray(lease.convert("L")), "en", Settings())
    assert again is lease_page and again.ocr_calls == 1
