"""Cards photographed on a desk: the outline of a card with a coloured header band, and
ID-card fields whose labels OCR did not read, on rendered and really OCR'd pages."""

from __future__ import annotations

from functools import lru_cache

import cv2
import docgen
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from extractors import extract
from pipeline import imaging
from pipeline.ocr import ocr_page

SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SANS_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
CARD = (1012, 638)  # 85.6 x 54 mm at 300 DPI
#: a valid resident ID number (checksum holds) born 1990-03-07, male
ID_NUMBER = "11010519900307123X"


def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def _on_desk(
    card: np.ndarray, desk_bgr: tuple[int, int, int], seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """The BGR card photographed slightly askew on a textured desk of one colour; returns
    (photo, the card's corners in it)."""
    rng = np.random.default_rng(seed)
    height, width = card.shape[:2]
    photo_w, photo_h = 1600, 1200
    texture = cv2.GaussianBlur(
        rng.standard_normal((photo_h, photo_w)).astype(np.float32), (0, 0), 4
    )
    desk = np.dstack([np.full((photo_h, photo_w), c, np.float32) for c in desk_bgr])
    desk += 60 * texture[..., None]
    corners = np.float32([[230, 260], [1390, 230], [1420, 960], [200, 990]])
    source = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    matrix = cv2.getPerspectiveTransform(source, corners)
    warped = cv2.warpPerspective(card.astype(np.float32), matrix, (photo_w, photo_h))
    mask = cv2.warpPerspective(np.ones((height, width), np.float32), matrix, (photo_w, photo_h))
    photo = desk * (1 - mask[..., None]) + warped * mask[..., None]
    photo = cv2.GaussianBlur(photo, (0, 0), 0.8) + 3 * rng.standard_normal(photo.shape)
    return photo.clip(0, 255).astype(np.uint8), corners


# ------------------------------------------------------------------ card with a header band


SCHOOL = "Hangzhou Maple Leaf College"
BAND_TOP = 0.30  # share of the card's height the band takes


@lru_cache(maxsize=1)
def banded_student_card() -> tuple[np.ndarray, np.ndarray]:
    """A student card whose school name is printed in white on a dark green band (the
    usual design), photographed on a dark blue desk: (BGR photo, card corners)."""
    card = Image.new("RGB", CARD, (250, 250, 250))
    draw = ImageDraw.Draw(card)
    band = int(CARD[1] * BAND_TOP)
    draw.rectangle([0, 0, CARD[0], band], fill=(30, 100, 45))
    draw.text((50, 45), SCHOOL, font=_font(SANS_BOLD, 46), fill=(255, 255, 255))
    draw.text((50, 120), "Student Identity Card", font=_font(SANS, 32), fill=(230, 240, 230))
    rows = [("Name", "Zhou Min"), ("Student No.", "2023104417"), ("Valid Until", "2027-07-31")]
    for index, (label, value) in enumerate(rows):
        y = band + 60 + index * 80
        draw.text((50, y), label, font=_font(SANS, 32), fill=(60, 60, 60))
        draw.text((330, y), value, font=_font(SANS_BOLD, 36), fill=(0, 0, 0))
    bgr = cv2.cvtColor(np.asarray(card), cv2.COLOR_RGB2BGR)
    return _on_desk(bgr, (110, 70, 40), seed=5)


def test_outline_by_colour_keeps_a_cards_coloured_header_band() -> None:
    photo, corners = banded_student_card()
    gray = imaging.to_gray(photo)
    by_brightness = imaging.find_page_outline(gray)
    by_colour = imaging.find_page_outline(gray, photo)
    assert by_colour is not None
    tolerance = 0.02 * max(photo.shape[:2])
    assert np.abs(by_colour - corners).max() <= tolerance
    # brightness alone keeps only the white body: its top edge lies well below the card's,
    # which is why the school's name was lost
    assert by_brightness is not None
    band_height = BAND_TOP * (corners[3, 1] - corners[0, 1])
    assert by_brightness[0, 1] - corners[0, 1] > 0.5 * band_height


def test_school_name_on_the_band_of_a_photographed_card_is_read() -> None:
    photo, _ = banded_student_card()
    prepared, dpi = imaging.prepare_for_ocr(photo, 150)
    assert "perspective" in prepared.steps
    page = ocr_page(prepared.image, number=1, dpi=dpi, lang="eng", timeout=60)
    fields, _ = extract("student_id", [page], "en")
    assert fields["school_name"] == SCHOOL
    assert fields["student_number"] == "2023104417"


def test_a_plain_grey_picture_is_outlined_as_before() -> None:
    # no colour to go by (a greyscale photo): the brightness outline alone
    photo, _ = banded_student_card()
    gray = imaging.to_gray(photo)
    assert np.array_equal(imaging.find_page_outline(gray), imaging.find_page_outline(gray, gray))


# ------------------------------------------------------------ ID card, labels not read


#: Labels printed so faint that OCR reads none of them (the small light-blue labels of a
#: card photographed at 150 DPI are the first words OCR drops).
FAINT = (238, 238, 238)
ADDRESS = ("Room 1203, Building 5, 88 Jianguo Road,", "Chaoyang District, Beijing")


@lru_cache(maxsize=1)
def card_sides_with_faint_labels() -> np.ndarray:
    """Front and back of an ID card side by side, as photocopied onto one sheet, the
    front's labels too faint to read: a greyscale page at 300 DPI."""
    gap = 120
    sheet = Image.new("L", (2 * CARD[0] + 3 * gap, CARD[1] + 2 * gap), 255)
    draw = ImageDraw.Draw(sheet)
    left, top = gap, gap
    right = 2 * gap + CARD[0]
    for x in (left, right):
        draw.rounded_rectangle([x, top, x + CARD[0], top + CARD[1]], 30, outline=120, width=3)
    label, value, bold = _font(SANS, 24), _font(SANS, 32), _font(SANS_BOLD, 40)
    x_label, x_value = left + 40, left + 220

    def row(y: int, caption: str, text: str, font=value) -> None:
        draw.text((x_label, top + y), caption, font=label, fill=FAINT[0])
        draw.text((x_value, top + y), text, font=font, fill=0)

    row(50, "Name", "Zhou Min", bold)
    row(130, "Sex", "Male")
    draw.text((x_value + 180, top + 130), "Ethnicity", font=label, fill=FAINT[0])
    draw.text((x_value + 330, top + 130), "Han", font=value, fill=0)
    row(200, "Born", "1990-03-07")
    row(270, "Address", ADDRESS[0])
    row(320, "", ADDRESS[1])
    row(500, "Citizen ID No.", ID_NUMBER)
    draw.text((right + 200, top + 60), "RESIDENT IDENTITY CARD", font=bold, fill=0)
    draw.text((right + 40, top + 420), "Valid Period", font=value, fill=0)
    draw.text((right + 280, top + 420), "2020.05.01-2040.05.01", font=value, fill=0)
    return np.asarray(sheet)


def test_id_card_name_and_address_are_read_where_their_labels_were_not() -> None:
    page = ocr_page(card_sides_with_faint_labels(), number=1, dpi=300, lang="eng", timeout=60)
    text = " ".join(w.text for w in page.words).lower()
    assert "name" not in text and "address" not in text  # the situation under test
    fields, evidence = extract("id_card", [page], "en")
    assert fields["name"] == "Zhou Min"
    assert fields["address"] == " ".join(ADDRESS)
    assert fields["id_number"] == ID_NUMBER
    # found by place, not by label: said less surely than a labelled value
    assert evidence["name"].confidence <= 0.5 and evidence["address"].confidence <= 0.5


def test_a_card_title_or_a_label_is_never_taken_for_the_name() -> None:
    # above the sex row: only the other side's title, or the lost label alone
    for above in ("PEOPLE'S REPUBLIC OF CHINA", "NAME"):
        page = docgen.lines_page(f"{above}\nSex Male Ethnicity Han\nCitizen ID No. {ID_NUMBER}")
        fields, _ = extract("id_card", [page], "en")
        assert fields["name"] is None, above


def test_a_label_misread_by_a_letter_is_not_part_of_the_name() -> None:
    page = docgen.lines_page(f"Neme Zhou Min\nSex Male Ethnicity Han\nCitizen ID No. {ID_NUMBER}")
    fields, _ = extract("id_card", [page], "en")
    assert fields["name"] == "Zhou Min"


# ------------------------------------------------------------ copy with a grey overprint


OVERPRINT = "For residence permit application only"


def _card_copy(overprint: bool, blur: float = 0.0) -> np.ndarray:
    """The back of an ID card copied onto A4 at 200 DPI, optionally with the usual grey
    overprint written across it at a slant (two lines, as people stamp copies)."""
    dpi_scale = 200 / 300
    sheet = Image.new("L", (1654, 2339), 252)
    card = docgen.card_back("2012.11.18-2032.11.18")
    size = (round(CARD[0] * dpi_scale), round(CARD[1] * dpi_scale))
    sheet.paste(card.resize(size, Image.LANCZOS), (480, 300))
    if overprint:
        layer = Image.new("L", (1400, 160), 0)
        ImageDraw.Draw(layer).text((10, 20), OVERPRINT, font=_font(SANS_BOLD, 64), fill=255)
        layer = layer.rotate(22, expand=True, resample=Image.BICUBIC)
        ink = Image.new("L", layer.size, 150)
        for y in (180, 330):
            sheet.paste(ink, (150, y), layer)
    image = np.asarray(sheet)
    if blur:
        image = cv2.GaussianBlur(image, (0, 0), blur)
    return image


def _read(image: np.ndarray, dpi: int):
    prepared, effective = imaging.prepare_for_ocr(image, dpi)
    page = ocr_page(prepared.image, number=1, dpi=effective, lang="eng", timeout=60)
    return prepared.steps, page


def test_validity_under_a_grey_overprint_is_read() -> None:
    steps, page = _read(_card_copy(overprint=True), 200)
    assert "overprint" in steps
    fields, _ = extract("id_card", [page], "en")
    assert fields["valid_until"] == "2032-11-18"


def test_a_level_card_with_grey_labels_has_no_overprint_removed() -> None:
    # soft focus makes the grey labels as wide as overprint strokes; they lie level
    image = _card_copy(overprint=False, blur=1.5)
    assert imaging._light_overprint_mask(image, 200) is None
    steps, _ = _read(image, 200)
    assert "overprint" not in steps


# ------------------------------------------------------------ student card, receipt slip


def test_a_school_name_wrapped_onto_a_second_row_is_read_whole() -> None:
    blocks = [
        ("heading", "Shanghai Institute of Finance"),
        ("heading", "and Economics"),
        ("title", "STUDENT ID CARD"),
        ("kv", "Name", "Brian Gibson", "tab"),
        ("kv", "Student No.", "2025900869", "tab"),
        ("kv", "Valid Thru", "2029-07-31", "tab"),
    ]
    image, _ = docgen.render(blocks, docgen.CARD, body=30)
    fields, _ = extract("student_id", [docgen.ocr(image)], "en")
    assert fields["school_name"] == "Shanghai Institute of Finance and Economics"
    assert fields["student_number"] == "2025900869"


def test_receipt_with_a_client_label_gives_the_name() -> None:
    blocks = [
        ("heading", "Zhengzhou Ruifeng Photo Studio"),
        ("title", "DIGITAL PHOTO RECEIPT"),
        ("kv", "Photo Code", "ZP695218711182", "tab"),
        ("kv", "Client", "Yan Gang", "tab"),
        ("kv", "Taken on", "21 November 2026", "tab"),
    ]
    image, _ = docgen.render(blocks, docgen.A4)
    fields, _ = extract("photo_receipt", [docgen.ocr(image)], "en")
    assert fields == {"receipt_number": "ZP695218711182", "name": "Yan Gang"}


def test_receipt_code_misread_by_ocr_is_repaired() -> None:
    for read, printed in (
        ("BJO730085622", "BJ0730085622"),
        ("$Z8530775264", "SZ8530775264"),
        ("S$Z4294338316", "SZ4294338316"),
        ("—_BJ5351203405", "BJ5351203405"),
    ):
        page = docgen.lines_page(f"PHOTO RECEIPT\nReceipt No.: {read}\nName: Li Wei")
        fields, _ = extract("photo_receipt", [page], "en")
        assert fields["receipt_number"] == printed
    # a code of another shape, or a short prefix ending in O, stays as read
    for kept in ("PO1234567", "HX-2026-0417"):
        page = docgen.lines_page(f"PHOTO RECEIPT\nReceipt No.: {kept}\nName: Li Wei")
        fields, _ = extract("photo_receipt", [page], "en")
        assert fields["receipt_number"] == kept


def test_a_studio_caption_under_the_name_label_is_not_the_name() -> None:
    """Seeds 7777 and 7805: a receipt's table read column by column puts the next caption
    ("Shot on", "Taken at") under "Name"; no caption is the photographed person."""
    page = docgen.lines_page(
        "Haoyun Digital Imaging\nPhoto Receipt for Certificate Use\nReceipt Number\nName\n"
        "Shot on\nTaken at\nPurpose\nSZ3796859688\nYao Min\n2026.11.18"
    )
    fields, _ = extract("photo_receipt", [page], "en")
    assert fields["name"] not in {"Shot", "Shot on", "Taken", "Taken at"}
    assert fields["receipt_number"] == "SZ3796859688"
    page = docgen.lines_page(
        "PHOTO RECEIPT\nReceipt No.: SZ3796859688\nName: Yao Min\nShot on 2026.11.18"
    )
    assert extract("photo_receipt", [page], "en")[0]["name"] == "Yao Min"


def test_a_validity_whose_end_was_misread_is_not_its_start() -> None:
    # "Permanent" read as "Petmanent" under an overprint: the start is no end of validity;
    # the misread word is long-term (an end date does not read as letters alone)
    page = docgen.lines_page("Resident Identity Card\nValidity 2026.05.02-Petmanent")
    fields, _ = extract("id_card", [page], "en")
    assert fields["valid_until"] == "indefinite"
    page = docgen.lines_page("Resident Identity Card\nValidity 2026.05.02-Permanent")
    assert extract("id_card", [page], "en")[0]["valid_until"] == "indefinite"


def test_a_validity_whose_end_was_not_read_at_all_is_not_its_start() -> None:
    """Seed 7803: "Validity 2025.02.21-" and nothing after the dash (the end lost in a
    photocopy's grey): the card was reported expired on 2025-02-21; it is valid to 2045."""
    page = docgen.lines_page("Resident Identity Card\nIssued by Tonglu\nValidity 2025.02.21-")
    assert extract("id_card", [page], "en")[0]["valid_until"] is None
    page = docgen.lines_page("Resident Identity Card\nValidity 2025.02.21-2045.02.21")
    assert extract("id_card", [page], "en")[0]["valid_until"] == "2045-02-21"
    page = docgen.lines_page("Resident Identity Card\nValid until 2045.02.21")
    assert extract("id_card", [page], "en")[0]["valid_until"] == "2045-02-21"
