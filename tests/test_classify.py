"""Classification: every type and layout, look-alikes and blank pages come out unknown, photos."""

from __future__ import annotations

import docgen
import pytest

from extractors.base import Layout
from pipeline.classify import MIN_SCORE, classify, score_classes
from pipeline.models import DocumentType
from pipeline.text import PageText

CASES = [
    (doc_type, variant)
    for doc_type, (_, variants, _) in docgen.DOCUMENTS.items()
    for variant in range(variants)
]


def _page(doc_type: str, variant: int) -> tuple[object, PageText]:
    builder, _, size = docgen.DOCUMENTS[doc_type]
    blocks, _ = builder(variant)
    return docgen.render(blocks, size, body=docgen.card_body(size))


@pytest.mark.parametrize(("doc_type", "variant"), CASES)
def test_every_type_and_layout(doc_type: str, variant: int) -> None:
    _, page = _page(doc_type, variant)
    kind, confidence = classify([page], "en")
    assert kind == DocumentType(doc_type)
    assert 0.7 <= confidence <= 1


@pytest.mark.parametrize("variant", [0, 1])
def test_id_card_back_alone_is_an_id_card(variant: int) -> None:
    blocks, _ = docgen.id_back(variant)
    _, page = docgen.render(blocks, docgen.CARD, body=30)
    assert classify([page], "en")[0] is DocumentType.ID_CARD


@pytest.mark.parametrize("name", ["utility_bill", "bank_statement", "shop_receipt"])
def test_look_alikes_are_unknown(name: str) -> None:
    _, page = docgen.render(getattr(docgen, name)())
    kind, confidence = classify([page], "en")
    assert kind is DocumentType.UNKNOWN
    assert confidence >= 0.5


def test_blank_page_is_unknown() -> None:
    page = PageText(number=1, width=2480, height=3508, dpi=300, source="ocr")
    assert classify([page], "en") == (DocumentType.UNKNOWN, 0.95)


def test_seal_and_rule_debris_is_unknown() -> None:
    page = docgen.lines_page("| — ~ : ;\n@ © «\nll 1 | i")
    assert classify([page], "en")[0] is DocumentType.UNKNOWN


def test_an_unrelated_letter_is_unknown() -> None:
    page = docgen.lines_page(
        """
Dear Mr. Li,
Thank you for your enquiry about our summer courses. Please find the timetable attached.
Classes start in July and the fee includes all materials.
Kind regards,
Customer Service
"""
    )
    kind, _ = classify([page], "en")
    assert kind is DocumentType.UNKNOWN


def test_a_mention_in_prose_does_not_make_a_title() -> None:
    # a bill that mentions a lease in passing is still no lease
    page = docgen.lines_page(
        """
PROPERTY MANAGEMENT FEE NOTICE
Account Number: 0099812
Amount Due: RMB 350.00   Due Date: 30 November 2026
Billing Period: November 2026
If your lease agreement has ended please tell the management office.
"""
    )
    assert classify([page], "en")[0] is DocumentType.UNKNOWN


def test_longer_title_wins_over_the_shorter_one_inside_it() -> None:
    page = docgen.lines_page(
        "STUDENT ID CARD\nName: Zhao Lei\nStudent No.: 2023001\nValid Until: 2027-07-31"
    )
    assert classify([page], "en")[0] is DocumentType.STUDENT_ID


def test_confidence_falls_with_weaker_evidence() -> None:
    blocks, _ = docgen.rental(0)
    _, full = docgen.render(blocks)
    _, untitled = docgen.render(blocks[1:])  # no title: only labels and keywords
    strong = classify([full], "en")
    weak = classify([untitled], "en")
    assert strong[0] is DocumentType.RENTAL_CONTRACT
    assert weak[1] < strong[1]


def test_too_little_evidence_is_unknown_rather_than_a_guess() -> None:
    page = docgen.lines_page("Tenant")
    layout = Layout([page])
    assert max(score_classes(layout, "en").by_class.values()) < MIN_SCORE
    assert classify([page], "en")[0] is DocumentType.UNKNOWN


def test_ocr_noise_in_the_title_is_tolerated() -> None:
    page = docgen.lines_page(
        "RESlDENTIAL TENANCY AGREEMEMT\nLandlord: Zhang Min\nTenant: Li Wei\n"
        "Monthly Rent: RMB 4,500"
    )
    assert classify([page], "en")[0] is DocumentType.RENTAL_CONTRACT


def test_multi_page_contract_uses_all_pages() -> None:
    first = docgen.lines_page("EMPLOYMENT CONTRACT\nEmployer: Beijing Hengtai Trading Co., Ltd.")
    second = docgen.lines_page(
        "Working hours and remuneration\nProbation period: 3 months", number=2
    )
    kind, _ = classify([first, second], "en")
    assert kind is DocumentType.LABOUR_CONTRACT


# ----------------------------------------------------------------------------- photos


def test_a_big_face_without_text_is_a_photo() -> None:
    page = PageText(
        number=1, width=600, height=800, dpi=300, source="none",
        checks={"face_count": 1, "face_ratio": 0.45, "face_center_x": 0.5},
    )  # fmt: skip
    kind, confidence = classify([page], "en")
    assert kind is DocumentType.PHOTO and confidence > 0.9


def test_an_id_card_front_with_its_face_stays_an_id_card() -> None:
    blocks, _ = docgen.id_front(0)
    _, page = docgen.render(blocks, docgen.CARD, body=30)
    page = page.model_copy(update={"checks": {"face_count": 1, "face_ratio": 0.4}})
    assert classify([page], "en")[0] is DocumentType.ID_CARD


def test_a_small_face_on_a_document_is_not_a_photo() -> None:
    page = PageText(
        number=1, width=2480, height=3508, dpi=300, source="ocr",
        checks={"face_count": 1, "face_ratio": 0.05},
    )  # fmt: skip
    assert classify([page], "en")[0] is DocumentType.UNKNOWN


# ----------------------------------------------------------------------------- OCR


@pytest.mark.slow
@pytest.mark.parametrize(
    ("doc_type", "variant"),
    [("rental_contract", 2), ("id_card", 0), ("student_id", 1), ("property_certificate", 0)],
)
def test_classify_through_tesseract_on_a_degraded_scan(doc_type: str, variant: int) -> None:
    image, _ = _page(doc_type, variant)
    page = docgen.ocr(docgen.degrade(image, seed=variant))
    kind, confidence = classify([page], "en")
    assert kind == DocumentType(doc_type)
    assert confidence >= 0.6


@pytest.mark.slow
def test_ocr_of_a_bill_is_unknown() -> None:
    image, _ = docgen.render(docgen.utility_bill())
    page = docgen.ocr(docgen.degrade(image))
    assert classify([page], "en")[0] is DocumentType.UNKNOWN


def test_a_title_set_on_two_rows() -> None:
    page = docgen.lines_page(
        "Registration No. 20176727762\nHouse Property Ownership\nCertificate\n"
        "Address of Property: No. 156 Xueyuan Avenue, Wuhan\nOwner: Rita Cook"
    )
    assert classify([page], "en")[0] is DocumentType.PROPERTY_CERTIFICATE


def test_a_label_holding_a_title_phrase_is_no_title() -> None:
    page = docgen.lines_page(
        "Proof of Accommodation\nName: Jose Smith\n"
        f"Identity Card No.: {docgen.TENANT_ID}\nAddress: 1809 Lidu Apartments, Shenzhen\n"
        "Provider: Shenzhen Haoyun Vocational College\nDate of Issue: November 9, 2026"
    )
    assert classify([page], "en")[0] is DocumentType.ACCOMMODATION_CERTIFICATE


def test_a_card_with_labels_only() -> None:
    page = docgen.lines_page(
        "Name: Brian Bennett\nDepartment: Computer Science\nStudent Number: 2023647852\n"
        "Expiry: 31 Jul 2029"
    )
    assert classify([page], "en")[0] is DocumentType.STUDENT_ID


def test_a_textless_picture_without_a_face_is_a_photo_to_reject() -> None:
    # a 44 x 64 pixel portrait: too small for a face to be found, still the applicant's photo
    checks = {"photo_face_count": 0, "photo_image_brightness": 0.66, "photo_background_std": 0.27}
    page = PageText(number=1, width=44, height=64, dpi=300, source="none", checks=checks)
    assert classify([page], "en")[0] is DocumentType.PHOTO
    blank = page.model_copy(
        update={"checks": {"photo_face_count": 0, "photo_image_brightness": 0.97,
                           "photo_background_std": 0.01}}
    )  # fmt: skip
    assert classify([blank], "en")[0] is DocumentType.UNKNOWN


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        (
            "Letter of Enrolment",
            "This letter confirms that Zhao Lei (student number 202301234) is enrolled as a "
            "full-time student at Beijing Normal University, programme: Mathematics.",
            DocumentType.ENROLLMENT_CERTIFICATE,
        ),
        (
            "Residential Lease",
            "The Lessor lets to the Lessee the dwelling situated at Room 1203, Building 5, 88 "
            "Jianguo Road, Beijing. The tenancy runs from 1 March 2026 until 28 February 2027.",
            DocumentType.RENTAL_CONTRACT,
        ),
    ],
)
def test_a_title_in_words_never_listed_still_names_its_type(title, body, expected) -> None:
    _, page = docgen.render([("title", title), ("para", body)])
    assert classify([page], "en")[0] is expected


def test_a_caption_naming_a_card_number_is_not_a_card_title() -> None:
    """ "Lessee's Identity Card No." above its value, in a lease: a label, small type."""
    blocks = [
        ("title", "Tenancy Agreement"),
        ("above", "Name of Lessee", "Li Wei"),
        ("above", "Lessee's Identity Card No.", docgen.TENANT_ID),
        ("para", "The tenant shall pay the monthly rent of RMB 4,500 per month."),
    ]
    _, page = docgen.render(blocks)
    scores = score_classes(Layout([page]), "en")
    assert scores.titles.get("id_card", 0.0) < 1.5
    assert classify([page], "en")[0] is DocumentType.RENTAL_CONTRACT
