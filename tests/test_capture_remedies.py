"""Imaging remedies and capture defects, end to end on generated pages.

Ruled table cells and dates under a red seal must reach Tesseract readable; a
page smudged or cut below its title must come out ``unreadable`` with a notice
detail that names the defect (so the applicant is asked for a better scan, not
for another document).
"""

from __future__ import annotations

import math
import re

import cv2
import docgen
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from pipeline.documents import document_from_pages
from pipeline.imaging import capture_quality, prepare_for_ocr
from pipeline.models import DocumentType, Material, Reason
from pipeline.ocr import ocr_page
from pipeline.pages import RawPage
from pipeline.reading import FileReading, read_page
from pipeline.settings import Settings
from validators import validate

SEAL_RED = (35, 25, 210)  # BGR, the red of a company seal


def read_text(image: np.ndarray, dpi: int = docgen.DPI) -> tuple[str, list[str]]:
    prepared, effective_dpi = prepare_for_ocr(image, dpi)
    page = ocr_page(prepared.image, number=1, dpi=effective_dpi, lang="eng", timeout=120)
    return " ".join(line.text for line in page.lines), prepared.steps


def squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


# --- ruled tables ------------------------------------------------------------------


def ruled_table_page() -> tuple[np.ndarray, dict]:
    blocks, truth = docgen.rental(2)  # a grid of ruled cells, no colons
    image, _ = docgen.render(blocks)
    return np.asarray(docgen.degrade(image, blur=0.6, noise=6.0)), truth


@pytest.mark.slow
def test_ruled_table_cells_are_read():
    image, truth = ruled_table_page()
    text, steps = read_text(image)
    assert "rules" in steps
    for key in ("tenant_name", "landlord_name", "tenant_id_number", "property_address"):
        assert squash(truth[key]) in squash(text), key


def test_rules_are_removed_only_from_a_ruled_page():
    ruled, _ = ruled_table_page()
    assert "rules" in prepare_for_ocr(ruled, docgen.DPI)[0].steps
    blocks, _ = docgen.rental(0)  # label/value rows, no rules
    plain, _ = docgen.render(blocks)
    assert "rules" not in prepare_for_ocr(np.asarray(plain), docgen.DPI)[0].steps


def test_a_heading_band_with_white_lettering_is_kept():
    page = Image.new("L", (2480, 1200), 255)
    draw = ImageDraw.Draw(page)
    draw.rectangle((200, 200, 2280, 330), fill=30)  # a dark band, not a rule
    draw.text((260, 225), "STUDENT IDENTITY CARD", fill=255, font=docgen.font("sans_bold", 80))
    for y in (500, 600, 700, 800):  # and a real table under it
        draw.line((200, y, 2280, y), fill=0, width=3)
    prepared, _ = prepare_for_ocr(np.asarray(page), docgen.DPI)
    assert "rules" in prepared.steps
    band = prepared.image[210:320, 210:2270]
    assert band.mean() < 120  # the band is still dark
    assert prepared.image[498:503, 300:2200].mean() > 200  # the rules are gone


# --- red seals ----------------------------------------------------------------------


def stamp_seal(image: np.ndarray, centre: tuple[int, int], radius: int) -> np.ndarray:
    """A translucent red seal (ring, star, rim text) over a BGR page, as a stamp lands."""
    ink = np.zeros(image.shape[:2], np.uint8)
    cv2.circle(ink, centre, radius, 255, max(6, radius // 12))
    star = [
        (
            centre[0] + (0.45 if k % 2 == 0 else 0.18) * radius * math.sin(math.pi * k / 5),
            centre[1] - (0.45 if k % 2 == 0 else 0.18) * radius * math.cos(math.pi * k / 5),
        )
        for k in range(10)
    ]
    cv2.fillPoly(ink, [np.int32(star)], 255)
    cv2.putText(
        ink,
        "SEAL OF THE SCHOOL",
        (centre[0] - int(radius * 0.8), centre[1] + radius // 2),
        cv2.FONT_HERSHEY_SIMPLEX,
        radius / 180,
        255,
        max(2, radius // 60),
    )
    alpha = (ink.astype(np.float32) / 255 * 0.6)[:, :, None]  # stamp ink is translucent
    red = np.array(SEAL_RED, np.float32)[None, None, :]
    return (image.astype(np.float32) * (1 - alpha) + red * alpha).astype(np.uint8)


def dated_page() -> np.ndarray:
    blocks = [
        ("title", "CERTIFICATE OF ENROLMENT"),
        ("gap",),
        ("para", "This is to certify that Li Wei is a registered full-time student."),
        ("gap",),
        ("right", "Issued on 12 March 2026"),
    ]
    image, page = docgen.render(blocks)
    return cv2.cvtColor(np.asarray(image), cv2.COLOR_GRAY2BGR), page


@pytest.mark.slow
def test_a_date_under_a_red_seal_is_read():
    page, words = dated_page()
    date_line = next(line for line in words.lines if "March" in line.text)
    box = date_line.words[-2]  # "March"
    centre = (round((box.x0 + box.x1) / 2), round((box.y0 + box.y1) / 2))
    sealed = stamp_seal(page, centre, 260)
    text, steps = read_text(sealed)
    assert "seal" in steps
    assert "12 March 2026" in text


def test_seal_step_needs_red_ink():
    page, _ = dated_page()
    assert "seal" not in prepare_for_ocr(page, docgen.DPI)[0].steps  # colour, black ink only
    grey = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    assert "seal" not in prepare_for_ocr(grey, docgen.DPI)[0].steps


# --- capture defects make a document unreadable, and the notice says which --------


def enrollment_page() -> tuple[Image.Image, float]:
    """An enrolment certificate and the bottom of its title (share of the height)."""
    blocks = [
        ("title", "CERTIFICATE OF ENROLMENT"),
        ("gap",),
        ("kv", "Student Name", "Li Wei"),
        ("kv", "School", "Beijing Normal University"),
        ("kv", "Programme", "BSc Chemistry"),
        ("kv", "Date of Issue", "12 March 2026"),
        ("gap",),
        (
            "para",
            "This certificate is issued at the request of the student for the "
            "application of a residence permit.",
        ),
    ]
    image, page = docgen.render(blocks)
    title_bottom = max(word.y1 for word in page.lines[0].words) / image.height
    return docgen.degrade(image, blur=0.5, noise=5.0), title_bottom


def smudged(image: Image.Image, below: float) -> np.ndarray:
    y = int((below + 0.015) * image.height)
    result = image.copy()
    result.paste(
        image.crop((0, y, image.width, image.height)).filter(ImageFilter.GaussianBlur(16)), (0, y)
    )
    return np.asarray(result)


def cut_to_title(image: Image.Image, below: float) -> np.ndarray:
    return np.asarray(image.crop((0, 0, image.width, int((below + 0.02) * image.height))))


def test_clean_page_has_no_capture_defect():
    image, _ = enrollment_page()
    quality = capture_quality(np.asarray(image), docgen.DPI)
    assert quality["blurred"] is False and quality["cut_off"] is False
    assert quality["smudged_share"] < 0.1


def test_smudge_below_a_sharp_title_is_blurred():
    image, title_bottom = enrollment_page()
    quality = capture_quality(smudged(image, title_bottom), docgen.DPI)
    assert quality["blurred"] is True
    assert quality["smudged_share"] >= 0.4


def test_a_strip_with_only_the_title_is_cut_off():
    image, title_bottom = enrollment_page()
    quality = capture_quality(cut_to_title(image, title_bottom), docgen.DPI)
    assert quality["cut_off"] is True


@pytest.mark.slow
@pytest.mark.parametrize(
    ("damage", "defect_words"),
    [
        (smudged, "blurred"),
        (cut_to_title, "cut off"),
    ],
)
def test_damaged_scan_is_unreadable_and_the_notice_names_the_defect(damage, defect_words):
    image, title_bottom = enrollment_page()
    raw_image = damage(image, title_bottom)
    raw = RawPage(
        number=1,
        dpi=docgen.DPI,
        width=raw_image.shape[1],
        height=raw_image.shape[0],
        image=raw_image,
    )
    page, _ = read_page(raw, "en", Settings())
    reading = FileReading(sha256="0" * 64, format="png", language="en", pages=[page])
    doc = document_from_pages(reading, "enrolment.png", [page])
    assert doc.type is DocumentType.ENROLLMENT_CERTIFICATE  # the title still says what it is
    assert not doc.fields.get("student_name")

    from test_validators import good_documents, make_form

    form = make_form(
        condition="schooling", employer=None, school={"name": "Beijing Normal University"}
    )
    id_card, photo, lease, _labour = good_documents()
    findings = validate(form, [id_card, photo, lease, doc])
    assert [(f.material, f.reason) for f in findings] == [
        (Material.PROOF_OF_SCHOOLING, Reason.UNREADABLE)
    ]
    assert defect_words in findings[0].detail


# --- text-level repairs measured on the benchmark ------------------------------------


def test_comma_read_as_a_quote_still_gives_the_date():
    from extractors.normalize import parse_date

    assert parse_date("Issued on: November 2” 2026") == "2026-11-02"
    assert parse_date("12 May' 2026") == "2026-05-12"
    assert parse_date("November 2” 3 copies") is None


def test_receipt_code_under_an_unfamiliar_label_is_read_when_it_is_the_only_one():
    from extractors import extract

    page = docgen.lines_page(
        "Ruifeng Photo Studio\nPhoto Receipt for Certificate Use\n"
        "Photo Code SZ2441176603\nName Curtis Carter\nShot on 2026-11-19"
    )
    fields, _ = extract(DocumentType.PHOTO_RECEIPT, [page], "en")
    assert fields["receipt_number"] == "SZ2441176603"
    two = docgen.lines_page(
        "Photo Receipt\nPhoto Code SZ2441176603\nOrder Code SZ2441176699\nName Curtis Carter"
    )
    fields, _ = extract(DocumentType.PHOTO_RECEIPT, [two], "en")
    assert fields["receipt_number"] is None  # two candidates: no guess


def test_a_party_named_in_the_opening_clause_beats_a_scribble_at_the_signature():
    from extractors import extract

    page = docgen.lines_page(
        "Labour Contract\n"
        "1. This contract is concluded between Shengshi Media Co., Ltd. (Party A, the "
        "Employer)\nand Zhou Chao (Party B, the Employee), resident ID No. 230102198608124923.\n"
        "2. The term of this contract runs from March 1, 2025 to February 28, 2030.\n"
        "Party B (Employee): WW Neal"
    )
    fields, _ = extract(DocumentType.LABOUR_CONTRACT, [page], "en")
    assert fields["employee_name"] == "Zhou Chao"
    assert fields["employee_id_number"] == "230102198608124923"
