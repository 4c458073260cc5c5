"""An ID card's validity row read again on its own when the page's reading lost it.

The card backs are rendered and really OCR'd; the page reading's loss of the row (what a
150-DPI copy or a grey overprint does to Tesseract's page segmentation) is made by
garbling or dropping the row's words, and the re-read must get the dates back from the
image, and change nothing else."""

from __future__ import annotations

from functools import lru_cache

import docgen
import numpy as np
from PIL import Image

from extractors import extract, id_card
from pipeline import imaging
from pipeline.ocr import ocr_page, upright
from pipeline.reading import read_again_where_lost, reread_card_validity
from pipeline.settings import get_settings
from pipeline.text import Line, PageText, Word

CARD = docgen.CARD_BACK
DPI = 200


@lru_cache(maxsize=4)
def card_back(validity: str) -> np.ndarray:
    """The back of an ID card copied onto A4 at 200 DPI."""
    scale = DPI / 300
    sheet = Image.new("L", (1654, 2339), 252)
    card = docgen.card_back(validity, issuer_x=200)
    sheet.paste(card.resize((round(CARD[0] * scale), round(CARD[1] * scale))), (480, 300))
    return np.asarray(sheet)


@lru_cache(maxsize=4)
def read_card(validity: str) -> tuple[PageText, np.ndarray]:
    """The card's page as OCR reads it, and the image in the frame of its boxes."""
    prepared, dpi = imaging.prepare_for_ocr(card_back(validity), DPI)
    page = ocr_page(prepared.image, number=1, dpi=dpi, lang="eng", timeout=60)
    return page, upright(prepared.image, page.rotation)


def _validity_row(page: PageText) -> list[Word]:
    caption = next(w for w in page.words if w.text.startswith("Valid"))
    centre = (caption.y0 + caption.y1) / 2
    return [w for w in page.words if w.y0 <= centre <= w.y1]


def _lost(page: PageText, keep_caption: bool) -> PageText:
    """``page`` with the validity row's dates garbled ("a 4 eres."), or the whole row and
    the issuer's caption gone (the row under the issuer read as nothing)."""
    row = {id(w) for w in _validity_row(page)}
    lines = []
    for line in page.lines:
        words = []
        for word in line.words:
            if id(word) in row and keep_caption and word.text.startswith(("Valid", "Period")):
                words.append(word)
            elif id(word) in row and keep_caption:
                words.append(word.model_copy(update={"text": "eres.", "confidence": 0.1}))
            elif id(word) not in row and word.text not in ("Issued", "by"):
                words.append(word)
        if words:
            lines.append(Line(words=words))
    return page.model_copy(update={"lines": lines, "checks": {}})


def test_the_card_read_whole_gives_its_validity() -> None:
    # the premise: the rendered card is legible, so what the re-read recovers is real
    page, _ = read_card("2012.11.18-2032.11.18")
    assert extract("id_card", [page], "en")[0]["valid_until"] == "2032-11-18"


def test_a_garbled_validity_row_is_read_again_by_its_caption() -> None:
    page, view = read_card("2012.11.18-2032.11.18")
    lost = _lost(page, keep_caption=True)
    assert extract("id_card", [lost], "en")[0]["valid_until"] is None
    # as read_page asks: the page is classified, and an ID card's validity row read again
    reread = read_again_where_lost(lost, view, "en", get_settings())
    assert reread.checks["validity_reread"].startswith("caption")
    assert extract("id_card", [reread], "en")[0]["valid_until"] == "2032-11-18"
    assert reread.ocr_calls > lost.ocr_calls
    # the other rows are left as they were read
    assert "Heping" in reread.text


def test_a_row_lost_with_its_caption_is_found_under_the_issuer() -> None:
    page, view = read_card("2006.05.21-2026.05.21")
    lost = _lost(page, keep_caption=False)
    assert not id_card.caption_crops(lost)
    assert extract("id_card", [lost], "en")[0]["valid_until"] is None
    reread = reread_card_validity(lost, view, "en", get_settings())
    assert "validity_reread" in reread.checks
    assert extract("id_card", [reread], "en")[0]["valid_until"] == "2026-05-21"


def _no_crop_reads(calls: list) -> id_card.ReadCrop:
    def read(crop: id_card.RowCrop) -> list[Line]:
        calls.append(crop)
        return []

    return read


def test_a_surely_read_validity_or_a_front_costs_no_second_reading() -> None:
    calls: list = []
    page, _ = read_card("2012.11.18-2032.11.18")
    assert id_card.reread_validity(page, "en", _no_crop_reads(calls)) is page
    front = docgen.lines_page(
        "Resident Identity Card\nName Li Wei\nSex Male Ethnicity Han\n"
        "Address 88 Jianguo Road, Chaoyang District\nCitizen ID Number 11010519900307123X"
    )
    assert id_card.reread_validity(front, "en", _no_crop_reads(calls)) is front
    assert calls == []


def test_a_rereading_without_dates_leaves_the_page_as_it_was() -> None:
    page, _ = read_card("2012.11.18-2032.11.18")
    lost = _lost(page, keep_caption=True)
    calls: list = []
    assert id_card.reread_validity(lost, "en", _no_crop_reads(calls)) is lost
    assert calls and all(crop.psm == id_card.ROW_PSM for crop in calls)
    # the row as it is, then its dark ink alone
    assert [crop.dark_only for crop in calls] == [False, True]


def test_the_validity_row_end_read_whatever_ocr_glued_to_it() -> None:
    cases = {
        # the start's garbage glued to the end's year; the end a card term after the start
        'Valid Period 2006,05/(21,-"2026.05.21': "2026-05-21",
        "Period of Validity 2006.05 3=2026.05.13": "2026-05-13",
        # the only date is the start: the end is long-term, misread
        "Validity 2026.05.02-Pefmanent": "indefinite",
        "Validity 2025.07. 28-Lotig-term": "indefinite",
        # "Long-term" with its "term" cut off: the date before it is no end
        "Validity 2023.10.02 - Long": "indefinite",
    }
    for text, end in cases.items():
        page = docgen.lines_page(f"Resident Identity Card\n{text}")
        assert extract("id_card", [page], "en")[0]["valid_until"] == end, text
    # a start followed by a number that is no date, or by its dash alone, is no end
    for text in ("Validity 2017.11.24- 293791", "Validery 2021.12.14-"):
        page = docgen.lines_page(f"Resident Identity Card\n{text}")
        assert extract("id_card", [page], "en")[0]["valid_until"] is None, text
