"""Field extraction on rendered documents of every type and layout, normalisers and code repair."""

from __future__ import annotations

import docgen
import pytest

from extractors import extract
from extractors import normalize as norm
from extractors.base import Layout
from pipeline import codes
from pipeline.classify import classify
from pipeline.models import DOCUMENT_FIELDS, DocumentType

CASES = [
    (doc_type, variant)
    for doc_type, (_, variants, _) in docgen.DOCUMENTS.items()
    for variant in range(variants)
]


def _render(doc_type: str, variant: int):
    builder, _, size = docgen.DOCUMENTS[doc_type]
    blocks, truth = builder(variant)
    image, page = docgen.render(blocks, size, body=docgen.card_body(size))
    return image, page, truth


# ----------------------------------------------------------------------------- every type, layout


@pytest.mark.parametrize(("doc_type", "variant"), CASES)
def test_every_field_of_every_layout(doc_type: str, variant: int) -> None:
    _, page, truth = _render(doc_type, variant)
    fields, evidence = extract(doc_type, [page], "en")
    assert tuple(fields) == DOCUMENT_FIELDS[DocumentType(doc_type)]
    for name, expected in truth.items():
        assert fields[name] == expected, name
    for name, value in fields.items():
        if value is None:
            assert name not in evidence
            continue
        ev = evidence[name]
        assert 0 < ev.confidence <= 1
        assert ev.box is not None and ev.box.page == 1
        assert 0 <= ev.box.x0 < ev.box.x1 <= page.width
        assert 0 <= ev.box.y0 < ev.box.y1 <= page.height


def test_evidence_box_surrounds_the_value_words() -> None:
    _, page, _ = _render("rental_contract", 0)
    _, evidence = extract("rental_contract", [page], "en")
    box = evidence["tenant_id_number"].box
    word = next(w for w in page.words if w.text == docgen.TENANT_ID)
    assert (box.x0, box.y0, box.x1, box.y1) == pytest.approx((word.x0, word.y0, word.x1, word.y1))


@pytest.mark.parametrize("variant", [0, 1])
def test_id_card_back_alone_gives_only_the_validity(variant: int) -> None:
    blocks, truth = docgen.id_back(variant)
    _, page = docgen.render(blocks, docgen.CARD, body=30)
    fields, _ = extract("id_card", [page], "en")
    assert fields == truth


def test_id_card_front_and_back_on_one_page() -> None:
    front, truth = docgen.id_front(1)
    back, back_truth = docgen.id_back(0)
    _, page = docgen.render([*front, ("gap",), ("gap",), *back[2:]], docgen.A4)
    fields, _ = extract("id_card", [page], "en")
    assert fields == {**truth, "valid_until": back_truth["valid_until"]}


def test_id_card_front_and_back_as_two_pages() -> None:
    _, front = docgen.render(docgen.id_front(1)[0], docgen.CARD, body=30)
    _, back = docgen.render(docgen.id_back(1)[0], docgen.CARD, body=30)
    back = back.model_copy(update={"number": 2})
    fields, evidence = extract("id_card", [front, back], "en")
    assert fields["name"] == "Li Wei" and fields["valid_until"] == "indefinite"
    assert evidence["valid_until"].box.page == 2


def test_id_card_date_of_birth_follows_a_valid_id_number() -> None:
    # OCR read the birth date wrongly; the number's checksum holds, so its date wins
    page = docgen.lines_page(
        f"Name  Li Wei\nSex  Male\nDate of Birth: 1990-08-07\nCitizen ID Number: {docgen.TENANT_ID}"
    )
    fields, evidence = extract("id_card", [page], "en")
    assert fields["date_of_birth"] == "1990-03-07"
    assert evidence["date_of_birth"].confidence < evidence["id_number"].confidence


def test_gender_from_the_id_number_when_not_printed() -> None:
    female = docgen.id_number("440305", "19880615", "224")
    page = docgen.lines_page(f"Name: Wang Fang\nID No.: {female}")
    fields, _ = extract("id_card", [page], "en")
    assert fields["gender"] == "female"


# ----------------------------------------------------------------------------- unseen wordings


def test_unseen_tenancy_wording_with_other_synonyms() -> None:
    page = docgen.lines_page(
        f"""
TENANCY CONTRACT
Owner : HUANG XIAOMING
Renter : CHEN JING     Passport/ID No : {docgen.TENANT_ID}
Address of the Property : Flat 6B, 23 Nanjing West Road, Jing'an District, Shanghai
Tenancy Start Date : 15/04/2026
Tenancy End Date : 14/04/2027
Monthly Rental : CNY 6,800
"""
    )
    fields, _ = extract("rental_contract", [page], "en")
    assert fields == {
        "landlord_name": "HUANG XIAOMING",
        "tenant_name": "CHEN JING",
        "tenant_id_number": docgen.TENANT_ID,
        "property_address": "Flat 6B, 23 Nanjing West Road, Jing'an District, Shanghai",
        "start_date": "2026-04-15",
        "end_date": "2027-04-14",
        "monthly_rent": 6800.0,
    }


def test_prose_parties_with_a_clause_between_name_and_role() -> None:
    page = docgen.lines_page(
        f"""
LEASE
This lease is made between ZHANG MIN, ID No. {docgen.LANDLORD_ID}, (the Lessor) and
LI WEI, ID No. {docgen.TENANT_ID}, (the Lessee).
The Lessor lets to the Lessee the property located at 7 Huaihai Road, Xuhui District, Shanghai.
The term is from 1st March 2026 to 28th February 2027 and the rent is RMB 5,200 per month.
"""
    )
    fields, _ = extract("rental_contract", [page], "en")
    assert fields["landlord_name"] == "ZHANG MIN"
    assert fields["tenant_name"] == "LI WEI"
    assert fields["tenant_id_number"] == docgen.TENANT_ID
    assert fields["property_address"] == "7 Huaihai Road, Xuhui District, Shanghai"
    assert (fields["start_date"], fields["end_date"]) == ("2026-03-01", "2027-02-28")
    assert fields["monthly_rent"] == 5200.0


def test_issue_date_is_not_taken_from_a_longer_date_label() -> None:
    page = docgen.lines_page(
        """
Shenzhen Bright Future Technology Co., Ltd.
EMPLOYMENT VERIFICATION LETTER
Employee Name: Liu Yang
Date of Joining: 3 January 2022
Position: Engineer
Date: 12 October 2026
"""
    )
    fields, _ = extract("employment_certificate", [page], "en")
    assert fields == {
        "employer_name": "Shenzhen Bright Future Technology Co., Ltd.",
        "employee_name": "Liu Yang",
        "issue_date": "2026-10-12",
    }


def test_label_above_its_value() -> None:
    blocks = [
        ("title", "Student Card"),
        ("above", "Student Name", "Zhou Xin"),
        ("above", "Institution", "Fudan University"),
        ("above", "Matriculation Number", "21300180042"),
        ("above", "Expiry Date", "30 June 2027"),
    ]
    _, page = docgen.render(blocks, docgen.CARD, body=30)
    fields, _ = extract("student_id", [page], "en")
    assert fields == {
        "student_name": "Zhou Xin",
        "school_name": "Fudan University",
        "student_number": "21300180042",
        "valid_until": "2027-06-30",
    }


def test_fuzzy_labels_survive_ocr_misspellings() -> None:
    page = docgen.lines_page(
        f"""
BUSINESS LlCENCE
Unifled Social Credlt Code: {docgen.COMPANY_CODE}
Narne of Enterprise: Hangzhou Lakeside Tea Co., Ltd.
Legal Representatlve: Xu Hua
Registered Addres: 55 Longjing Road, Xihu District, Hangzhou
Term of 0peration: 2018-09-01 to Long-term
"""
    )
    fields, _ = extract("business_licence", [page], "en")
    assert fields == {
        "company_name": "Hangzhou Lakeside Tea Co., Ltd.",
        "credit_code": docgen.COMPANY_CODE,
        "legal_representative": "Xu Hua",
        "address": "55 Longjing Road, Xihu District, Hangzhou",
        "valid_until": "indefinite",
    }


def test_unread_fields_are_null_not_guessed() -> None:
    page = docgen.lines_page("LABOUR CONTRACT\nThe parties agree as follows.")
    fields, evidence = extract("labour_contract", [page], "en")
    assert set(fields.values()) == {None} and evidence == {}


def test_photo_and_unknown_have_no_fields() -> None:
    page = docgen.lines_page("anything")
    assert extract("photo", [page], "en") == ({}, {})
    assert extract(DocumentType.UNKNOWN, [page], "en") == ({}, {})


# ----------------------------------------------------------------------------- OCR


OCR_CASES = [
    ("rental_contract", 0),
    ("rental_contract", 1),
    ("rental_contract", 2),
    ("labour_contract", 1),
    ("employment_certificate", 0),
    ("business_licence", 1),
]


@pytest.mark.slow
@pytest.mark.parametrize(("doc_type", "variant"), OCR_CASES)
def test_fields_through_tesseract_on_a_degraded_scan(doc_type: str, variant: int) -> None:
    image, _, truth = _render(doc_type, variant)
    page = docgen.ocr(docgen.degrade(image, seed=variant))
    fields, evidence = extract(doc_type, [page], "en")
    assert fields == truth
    assert all(0 < ev.confidence <= 1 and ev.box is not None for ev in evidence.values())


# ----------------------------------------------------------------------------- normalisers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 March 2026", "2026-03-01"),
        ("March 1, 2026", "2026-03-01"),
        ("1st March 2026", "2026-03-01"),
        ("the 1st day of March, 2026", "2026-03-01"),
        ("Mar. 1st 2026", "2026-03-01"),
        ("2026-03-01", "2026-03-01"),
        ("2026/3/1", "2026-03-01"),
        ("2026.03.01", "2026-03-01"),
        ("2026年3月1日", "2026-03-01"),
        ("２０２６年３月１日", "2026-03-01"),
        ("13.03.2026", "2026-03-13"),
        ("03/13/2026", "2026-03-13"),
        ("17 JUL 2024", "2024-07-17"),
        ("20-Apr-2025", "2025-04-20"),
        ("03-May-2024", "2024-05-03"),
        ("2027.03.05", "2027-03-05"),
        ("2038 年 4 月 4 日", "2038-04-04"),
        ("01/03/2026", None),  # day and month both <= 12: ambiguous, not guessed
        ("31 February 2026", None),
        ("no date here", None),
    ],
)
def test_parse_date(text: str, expected: str | None) -> None:
    assert norm.parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2016.05.01-2036.05.01", "2036-05-01"),
        ("2016.05.01 - Long-term", "indefinite"),
        ("2016.05.01-长期", "indefinite"),
        ("Permanent", "indefinite"),
        ("Indefinite", "indefinite"),
        ("from 1 June 2015 to 31 May 2035", "2035-05-31"),
        ("from 03-May-2024 to 02-May-2027", "2027-05-02"),
        ("23-Nov-2020 to 23-Nov-2040", "2040-11-23"),
        ("自2024-11-09起至2026-11-08止", "2026-11-08"),
        ("runs from April 23, 2024 until April 22, 2027", "2027-04-22"),
        ("", None),
    ],
)
def test_parse_validity_end(text: str, expected: str | None) -> None:
    assert norm.parse_validity_end(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RMB 4,500.00", 4500.0),
        ("¥4500", 4500.0),
        ("4,500 yuan", 4500.0),
        ("4500元", 4500.0),
        ("人民币 4500 元", 4500.0),
        ("CNY 12,000.50 per month", 12000.5),
        ("CNY 10900 per calendar month", 10900.0),
        ("￥5500.00", 5500.0),
        ("four thousand", None),
    ],
)
def test_parse_money(text: str, expected: float | None) -> None:
    assert norm.parse_money(text) == expected


def test_names_and_addresses_are_collapsed_as_printed() -> None:
    assert norm.clean_name("  Li   Wei ,") == "Li Wei"
    assert norm.clean_name("John Smith (the Landlord)") == "John Smith"
    assert (
        norm.clean_name("Beijing Hengtai Trading Co., Ltd.") == "Beijing Hengtai Trading Co., Ltd."
    )
    assert norm.clean_name("华为技术（北京）有限公司") == "华为技术（北京）有限公司"
    assert norm.clean_address("Room 1203,\n Building 5 ,  88 Jianguo Road.") == (
        "Room 1203, Building 5 , 88 Jianguo Road"
    )


@pytest.mark.parametrize(
    ("text", "expected"), [("Male", "male"), ("F", "female"), ("女", "female"), ("男", "male")]
)
def test_gender(text: str, expected: str) -> None:
    assert norm.normalize_gender(text) == expected


# ----------------------------------------------------------------------------- code repair


def test_valid_codes_are_kept_upper_case_without_spaces() -> None:
    number = docgen.id_number("110105", "19900307", "002")
    lower = number.lower()
    spaced = f"{number[:6]} {number[6:14]} {number[14:]}"
    assert codes.read_id_number(spaced) == codes.CodeReading(number, True)
    assert codes.read_id_number(lower).value == number
    assert codes.read_credit_code(docgen.COMPANY_CODE.lower()).value == docgen.COMPANY_CODE


def test_one_confusion_is_repaired_when_exactly_one_repair_is_valid() -> None:
    number = docgen.TENANT_ID  # 110105199003071239
    misread = number[:2] + "O" + number[3:]  # 0 read as O
    reading = codes.read_id_number(misread)
    assert reading == codes.CodeReading(number, True, repaired=True)


def test_a_repair_that_is_not_unique_is_not_made() -> None:
    # credit codes hold letters and digits, so B/8, G/6, D/0 can be repaired either way:
    # find a misread where two different single repairs are valid; it must be kept as read
    import random

    from stdnum.cn import uscc

    rng = random.Random(4)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for _ in range(20000):
        body = (
            "91"
            + "".join(rng.choice("0123456789") for _ in range(6))
            + "".join(rng.choice("B8G6D0") for _ in range(9))
        )
        code = body + uscc.calc_check_digit(body)
        index = rng.randrange(2, 17)
        twin = {"B": "8", "8": "B", "G": "6", "6": "G", "D": "0", "0": "D"}.get(code[index])
        if twin is None or twin not in alphabet:
            continue
        misread = code[:index] + twin + code[index + 1 :]
        candidates = {
            c
            for c in codes._single_repairs(misread, "credit_code")
            if codes.is_valid_credit_code(c)
        }
        if len(candidates) > 1 and not codes.is_valid_credit_code(misread):
            assert codes.read_credit_code(misread) == codes.CodeReading(misread, False)
            return
    pytest.fail("no ambiguous misread found")


def test_two_confusions_are_not_repaired() -> None:
    number = docgen.TENANT_ID
    misread = "I" + number[1:3] + "O" + number[4:]
    assert codes.read_id_number(misread) == codes.CodeReading(misread, False)


def test_a_wrong_check_digit_is_kept_as_read() -> None:
    number = docgen.TENANT_ID
    wrong = number[:-1] + ("1" if number[-1] != "1" else "2")
    reading = codes.read_id_number(wrong)
    assert reading.value == wrong and not reading.valid


def test_credit_code_confusions() -> None:
    code = docgen.COMPANY_CODE  # 91110105MA01ABCD13
    assert codes.read_credit_code(code.replace("MA01", "MAO1")) == codes.CodeReading(
        code, True, True
    )
    assert codes.read_credit_code(code.replace("MA01", "MAO01")).value == code  # doubled glyph


def test_birth_date_and_gender_from_id_number() -> None:
    assert codes.birth_date_of(docgen.TENANT_ID) == "1990-03-07"
    assert codes.gender_of(docgen.TENANT_ID) == "male"


def test_layout_splits_label_and_value_glued_by_a_colon() -> None:
    page = docgen.lines_page("Tenant:LI WEI")
    layout = Layout([page])
    assert [t.text for t in layout.rows[0].toks] == ["Tenant", "LI", "WEI"]
    assert layout.rows[0].toks[0].colon


# ----------------------------------------------------------------------------- layouts seen in
# other issuers' documents: glued text layers, signature rows, apposition, wrapped values


def test_label_glued_to_its_value_by_a_text_layer() -> None:
    page = docgen.lines_page(
        f"NameAmy Berry\nGenderFemale EthnicityHan\nDate of BirthApril 14, 1987\n"
        f"Citizen ID No.{docgen.TENANT_ID}"
    )
    fields, _ = extract("id_card", [page], "en")
    assert fields["name"] == "Amy Berry"
    assert fields["id_number"] == docgen.TENANT_ID
    assert fields["gender"] == "female"
    assert fields["date_of_birth"] == "1990-03-07"  # the valid number's date wins over OCR


def test_names_are_not_read_from_signature_rows() -> None:
    page = docgen.lines_page(
        f"""
Tenancy Contract
Lessor      Kong Guiying
Lessee      Li Wei
ID Card No. {docgen.TENANT_ID}
Landlord:                          Tenant (Signed):
VAN ty ve                          Vwi
"""
    )
    fields, _ = extract("rental_contract", [page], "en")
    assert (fields["landlord_name"], fields["tenant_name"]) == ("Kong Guiying", "Li Wei")


def test_parties_named_in_apposition() -> None:
    page = docgen.lines_page(
        """
Commodity Housing Sales Contract
1. The Seller, Hou Xiuying, and the Buyer, Zhang Juan, enter into this
contract on 19 January 2025.
2. The Seller agrees to sell and the Buyer agrees to buy the house located
at 403 Jinxiu Apartments, 285 Tianhe Avenue, Xuhui District, Shanghai. 3. The
total purchase price is RMB 6,260,000.
"""
    )
    fields, _ = extract("purchase_contract", [page], "en")
    assert fields == {
        "buyer_name": "Zhang Juan",
        "seller_name": "Hou Xiuying",
        "property_address": "403 Jinxiu Apartments, 285 Tianhe Avenue, Xuhui District, Shanghai",
        "contract_date": "2025-01-19",
    }


def test_values_wrapped_in_their_column_and_a_term_across_a_gap() -> None:
    blocks = [
        ("title", "Business Licence"),
        ("kv", "Name", "Beijing Boyuan Property", "tab"),
        ("kv", "", "Management Company Limited", "tab"),
        ("kv", "Legal Rep.", "Rita Cook", "tab"),
        ("kv", "Business Term Until", "Permanent", "tab"),
        ("kv", "Operating Period From", "2017-09-27", "tab"),
    ]
    _, page = docgen.render(blocks)
    fields, _ = extract("business_licence", [page], "en")
    assert fields["company_name"] == "Beijing Boyuan Property Management Company Limited"
    assert fields["legal_representative"] == "Rita Cook"
    assert fields["valid_until"] == "indefinite"  # a start date alone is no end


def test_unseen_date_formats_labels_and_ranges_in_a_grid() -> None:
    """Labels and date styles the generator never uses, in a ruled grid without colons:
    "Move-in Date 17 JUL 2024", a range in one cell, a licence's operating period."""
    blocks = [
        ("title", "Tenancy Agreement"),
        ("table", [("Lessor", "Angie Davis"), ("Tenant", "Shen Wei")]),
        ("table", [("Move-in Date", "17 JUL 2024"), ("Valid until", "16 JUL 2027")]),
    ]
    _, page = docgen.render(blocks)
    fields, _ = extract("rental_contract", [page], "en")
    assert (fields["start_date"], fields["end_date"]) == ("2024-07-17", "2027-07-16")

    blocks = [
        ("title", "Apartment Rental Agreement"),
        ("table", [("Tenant", "Qian Li"), ("Lease Term", "from 03-May-2024 to 02-May-2027")]),
    ]
    _, page = docgen.render(blocks)
    fields, _ = extract("rental_contract", [page], "en")
    assert (fields["start_date"], fields["end_date"]) == ("2024-05-03", "2027-05-02")

    blocks = [
        ("title", "Business Licence"),
        ("table", [("Name", "Jinan Kaitong Electronics Co., Ltd")]),
        ("table", [("Operating Period", "23-Nov-2020 to 23-Nov-2040")]),
    ]
    _, page = docgen.render(blocks)
    fields, _ = extract("business_licence", [page], "en")
    assert fields["valid_until"] == "2040-11-23"


def test_a_term_label_over_a_range_that_opens_with_from() -> None:
    """Stacked layout: "from ..." under its label is the value, though "from" is a label too."""
    page = docgen.lines_page(
        """
HOUSE LEASE CONTRACT
OCCUPANT
Han Jun
TERM OF LEASE
from 20-Jul-2025 to 19-Jul-2027
"""
    )
    fields, _ = extract("rental_contract", [page], "en")
    assert (fields["start_date"], fields["end_date"]) == ("2025-07-20", "2027-07-19")


def test_open_ended_term_in_prose() -> None:
    page = docgen.lines_page(
        f"""
LABOUR CONTRACT
Worker: Shen Ping, ID No. {docgen.TENANT_ID}.
Article 1. This contract runs from April 23, 2024 until open-ended (no fixed term).
"""
    )
    fields, _ = extract("labour_contract", [page], "en")
    assert (fields["start_date"], fields["end_date"]) == ("2024-04-23", "indefinite")


def test_a_value_stops_at_the_next_cells_label_and_keeps_its_wrapped_line() -> None:
    """A grid with two pairs a row: the seller's wrapped name must not take the buyer's
    label and name, and must keep its second line."""
    # fixed pitch: the runs of spaces are the cells' gaps, "Ltd" wraps under the seller's name
    page = docgen.lines_page(
        """
COMMODITY HOUSING SALES CONTRACT
Transferor   Fuzhou Kaitong Electronics Co.,   Transferee   Wan Wei
             Ltd
"""
    )
    fields, _ = extract("purchase_contract", [page], "en")
    assert fields["seller_name"] == "Fuzhou Kaitong Electronics Co., Ltd"
    assert fields["buyer_name"] == "Wan Wei"


def test_long_legal_forms_and_numbered_schools_are_kept_whole() -> None:
    page = docgen.lines_page(
        """
CERTIFICATE OF EMPLOYMENT
This is to certify that Ding Yong has been employed by Jinan Longsheng Catering Management
Limited Liability Company since 2021.
"""
    )
    fields, _ = extract("employment_certificate", [page], "en")
    assert (
        fields["employer_name"] == "Jinan Longsheng Catering Management Limited Liability Company"
    )
    page = docgen.lines_page(
        """
STUDENT STATUS CERTIFICATE
This is to certify that Zou Ming (Student No. 2021286465) is a full-time student
of No. 40 Middle School of Kunming, enrolled in International Trade.
"""
    )
    fields, _ = extract("enrollment_certificate", [page], "en")
    assert fields["school_name"] == "No. 40 Middle School of Kunming"


def test_issue_date_is_not_a_date_inside_the_letter() -> None:
    page = docgen.lines_page(
        """
Certificate of Employment
This is to certify that Tiffany Mcguire has been employed by Wuhan Ruifeng Medical
Devices Co., Ltd. as Chef since 2025/04/07.
"""
    )
    fields, _ = extract("employment_certificate", [page], "en")
    assert fields["employer_name"] == "Wuhan Ruifeng Medical Devices Co., Ltd."
    assert fields["issue_date"] is None  # not the start of employment


def test_a_month_cut_short_by_ocr_still_reads() -> None:
    assert norm.parse_date("Date: 23 Octob 2026.") == "2026-10-23"
    assert norm.parse_date("Junk 5 2026") is None


def test_credit_code_letters_it_cannot_hold_are_read_as_digits() -> None:
    code = docgen.COMPANY_CODE  # 91110105MA01ABCD13
    misread = code.replace("0", "O").replace("5", "S")  # several confusions at once
    assert codes.read_credit_code(misread) == codes.CodeReading(code, True, repaired=True)
    # a code whose printed check character is wrong still cannot hold an O: read as 0
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert not codes.is_valid_credit_code(wrong)
    reading = codes.read_credit_code(wrong[:8] + wrong[8:].replace("0", "O"))
    assert reading.value == wrong and not reading.valid


# ---------------------------------------------------------------- Chinese (labels/zh.yaml)


ZH_CASES = [
    (doc_type, variant)
    for doc_type, (_, variants, _) in docgen.ZH_DOCUMENTS.items()
    for variant in range(variants)
]


@pytest.mark.parametrize(("doc_type", "variant"), ZH_CASES)
def test_chinese_documents_classify_and_extract(doc_type: str, variant: int) -> None:
    builder, _, size = docgen.ZH_DOCUMENTS[doc_type]
    blocks, truth = builder(variant)
    _, page = docgen.render(blocks, size, family="cjk")
    kind, confidence = classify([page], "zh")
    assert kind == DocumentType(doc_type) and confidence >= 0.7
    fields, _ = extract(doc_type, [page], "zh")
    assert {name: fields[name] for name in truth} == truth


def test_chinese_label_ends_a_value_without_a_colon() -> None:
    page = docgen.lines_page("姓名张三性别男\n公民身份号码" + docgen.TENANT_ID)
    fields, _ = extract("id_card", [page], "zh")
    assert fields["name"] == "张三"
    assert fields["gender"] == "male"


def test_chinese_bills_are_unknown() -> None:
    page = docgen.lines_page("电费账单\n户号：0101234567\n本期读数：12290\n应缴金额：138.24元")
    assert classify([page], "zh")[0] is DocumentType.UNKNOWN


def test_chinese_dates_and_money() -> None:
    assert norm.parse_date("2026年3月1日") == "2026-03-01"
    assert norm.parse_validity_end("2015年06月01日至长期") == "indefinite"
    assert norm.parse_money("人民币4,500.00元") == 4500.0


@pytest.mark.slow
def test_chinese_licence_through_tesseract() -> None:
    blocks, truth = docgen.licence_zh(0)
    image, _ = docgen.render(blocks, family="cjk")
    page = docgen.ocr(docgen.degrade(image), lang="chi_sim+eng")
    assert classify([page], "zh")[0] is DocumentType.BUSINESS_LICENCE
    fields, _ = extract("business_licence", [page], "zh")
    assert fields["credit_code"] == truth["credit_code"]
    assert fields["company_name"] == truth["company_name"]
    assert fields["valid_until"] == "indefinite"


# ----------------------------------------------------------------- unseen labels, scribbles


def test_labels_never_listed_are_read_by_the_words_they_are_built_on() -> None:
    """A lease in wording that is in no label list: captions over values, other synonyms."""
    blocks = [
        ("title", "Residential Lease"),
        ("above", "Owner of the Premises", "Zhang Min"),
        ("above", "Name of Lessee", "Li Wei"),
        ("above", "Lessee's Identity Card No.", docgen.TENANT_ID),
        ("above", "Address of Rented House", "Room 1203, Building 5, 88 Jianguo Road, Beijing"),
        ("kv", "Tenancy Starts", "1 March 2026"),
        ("kv", "Lease Ends", "28 February 2027"),
        ("kv", "Rent Payable Monthly", "RMB 4,500"),
    ]
    _, page = docgen.render(blocks)
    assert classify([page], "en")[0] is DocumentType.RENTAL_CONTRACT
    fields, _ = extract("rental_contract", [page], "en")
    assert fields == {
        "landlord_name": "Zhang Min",
        "tenant_name": "Li Wei",
        "tenant_id_number": docgen.TENANT_ID,
        "property_address": "Room 1203, Building 5, 88 Jianguo Road, Beijing",
        "start_date": "2026-03-01",
        "end_date": "2027-02-28",
        "monthly_rent": 4500.0,
    }


def test_a_caption_row_over_its_values_is_read_column_by_column() -> None:
    """Two small captions on a row, their values under them in bigger type (a boxed form)."""
    from pipeline.text import Line, PageText, Word

    def row(y: float, height: float, cells: list[tuple[float, str]]) -> Line:
        words = []
        for x, text in cells:
            for piece in text.split():
                width = 0.6 * height * len(piece)
                words.append(
                    Word(text=piece, confidence=0.95, x0=x, y0=y, x1=x + width, y1=y + height)
                )
                x += width + 0.3 * height
        return Line(words=words)

    page = PageText(
        number=1,
        width=2480,
        height=3508,
        dpi=300,
        source="ocr",
        lines=[
            row(300, 70, [(700, "Apartment Rental Agreement")]),
            row(600, 36, [(200, "Letting Party (Party A)"), (1300, "Tenancy Ends")]),
            row(650, 48, [(200, "He Xiuying"), (1300, "2028-01-23")]),
        ],
    )
    fields, _ = extract("rental_contract", [page], "en")
    assert (fields["landlord_name"], fields["end_date"]) == ("He Xiuying", "2028-01-23")


def test_a_label_that_goes_on_to_its_colon_is_one_label() -> None:
    page = docgen.lines_page(
        """
Labour Contract
Employer: Beijing Hengtai Trading Co., Ltd.
Employee Full Name: Huang Ping
"""
    )
    fields, _ = extract("labour_contract", [page], "en")
    assert fields["employee_name"] == "Huang Ping"


def test_a_scribble_read_as_letters_is_not_a_name() -> None:
    """OCR of signatures on the sample batches: "PWN /" (0.24, 0.56), "Wary" (0.19), "Sw"."""
    from extractors.base import Tok, looks_like_scribble, parse_person

    def tok(text: str, conf: float, x: float) -> Tok:
        return Tok(text, text.lower(), x, 0, x + 60, 40, conf, 1)

    assert looks_like_scribble([tok("PWN", 0.24, 0), tok("/", 0.56, 80)])
    assert parse_person([tok("Wary", 0.19, 0), tok("wl", 0.05, 80)]) is None
    assert parse_person([tok("Sw", 0.9, 0)]) is None
    assert parse_person([tok("Li", 0.9, 0), tok("Na", 0.85, 80)]) == (
        "Li Na",
        [tok("Li", 0.9, 0), tok("Na", 0.85, 80)],
    )


def test_signed_parties_are_taken_from_the_prose_not_from_signatures() -> None:
    """A real page: the parties named in the opening clause, real scribbles (the generator's)
    pasted over the signature captions, read by the real imaging and OCR."""
    import random

    import numpy as np

    from pipeline.imaging import prepare_for_ocr
    from pipeline.ocr import ocr_page
    from sample_docs.graphics import signature

    blocks = [
        ("title", "House Lease Contract"),
        (
            "para",
            "1. This Lease Contract is entered into by and between Debra Nelson (hereinafter "
            '"Party A") and Dai Guiying, holder of resident identity card No. '
            f'{docgen.TENANT_ID} (hereinafter "Party B").',
        ),
        (
            "para",
            "2. The house let under this contract is located at Room 102, Building 12, "
            "201 Yan'an Road, Xuhui District, Shanghai.",
        ),
        ("para", "3. The lease term is from March 8, 2026 to March 7, 2029."),
        ("gap",),
        ("kv2", "Lessor", "", "Lessee", ""),
    ]
    image, _ = docgen.render(blocks)
    canvas = image.convert("RGB")
    rng = random.Random(5)
    height = canvas.size[1]
    signed_y = next(y for y in range(height - 1, 0, -1) if np.asarray(image)[y].min() < 128)
    for x in (260, 1500):
        scribble = signature(rng).resize((540, 180))
        canvas.paste(scribble, (x, signed_y + 30), scribble)
    pixels = np.asarray(canvas)[:, :, ::-1].copy()
    prepared, dpi = prepare_for_ocr(pixels, 300)
    page = ocr_page(prepared.image, number=1, dpi=dpi, lang="eng", timeout=120)
    fields, _ = extract("rental_contract", [page], "en")
    assert (fields["landlord_name"], fields["tenant_name"]) == ("Debra Nelson", "Dai Guiying")


def test_card_validity_whose_start_was_lost_under_a_watermark() -> None:
    page = docgen.lines_page(
        """
Resident Identity Card of the People's Republic of China
Issuing Authority Public Security Bureau of Hexi District, Tianjin
Period cso 1-2029.01.01
"""
    )
    fields, _ = extract("id_card", [page], "en")
    assert fields["valid_until"] == "2029-01-01"


def test_a_reference_keeps_its_number_without_the_rest_of_its_label() -> None:
    page = docgen.lines_page(
        """
House Property Ownership Certificate
Certificate Serial No. 20151970597
Owner Zhang Min
Location Room 1203, Building 5, 88 Jianguo Road, Beijing
"""
    )
    fields, _ = extract("property_certificate", [page], "en")
    assert fields["certificate_number"] == "20151970597"


def test_chinese_prose_name_wrapped_onto_the_next_line() -> None:
    """A Chinese sentence runs on across the line break: the employer's name is split
    between the lines ("…地球村信息" / "有限公司工作") and must be read whole."""
    page = docgen.lines_page(
        f"""
工作证明
兹证明侯伟（身份证号码：{docgen.TENANT_ID}）自2023年05月16日起在郑州襄樊地球村信息科技服务咨询管理
有限公司工作，现任护士职务。
特此证明。
"""
    )
    fields, _ = extract("employment_certificate", [page], "zh")
    assert fields["employer_name"] == "郑州襄樊地球村信息科技服务咨询管理有限公司"
    assert fields["employee_name"] == "侯伟"


def test_chinese_term_wrapped_in_its_grid_cell() -> None:
    """Grid, two pairs a row: the term "自…起至2027-1" wraps in its cell ("1-08止") under
    the address cell's own wrapped line."""
    page = docgen.lines_page(
        """
租房合同
承租方      张红霞
房屋地址    长沙市岳麓区上海街27号     租期自   2024-11-09起至2027-1
        阳光花园9栋4单元107室        1-08止
"""
    )
    fields, _ = extract("rental_contract", [page], "zh")
    assert (fields["start_date"], fields["end_date"]) == ("2024-11-09", "2027-11-08")
    assert fields["property_address"] == "长沙市岳麓区上海街27号阳光花园9栋4单元107室"
