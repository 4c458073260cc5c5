"""Issue 5 repairs: an ID card's validity whose two ends disagree, a purchase contract's
parties read as an address or as a caption, a licence's name with its entity type read on.

Each test renders the layout (``docgen``) or types the words OCR gave on a generated page,
and fails without its repair. The validity tests go both ways: a misread end is repaired (and
a clerk is asked to look), a card that really expired is still ``expired``.
"""

from __future__ import annotations

from datetime import date

import docgen
import pytest

from extractors import extract
from extractors.base import Layout, Value
from extractors.business_licence import without_entity_type
from extractors.id_card import (
    AGREEING_CONFIDENCE,
    REPAIRED_CONFIDENCE,
    ValidityReading,
    check_validity,
    term_by_age,
)
from extractors.purchase_contract import party_in_caption_grid
from pipeline.models import ApplicationForm, DocumentResult, DocumentType, Reason
from validators.base import LOW_FIELD_CONFIDENCE
from validators.identity import validate_identity

SUBMITTED = date(2026, 11, 26)
BORN = date(1990, 3, 7)
ADDRESS = "Room 1203, Building 5, 88 Jianguo Road, Chaoyang District, Beijing"


# ------------------------------------------------------------------ the rule itself


def test_the_law_gives_the_term_by_age_on_the_start_day() -> None:
    assert term_by_age(BORN, date(2005, 3, 6)) == 5  # 14
    assert term_by_age(BORN, date(2006, 3, 7)) == 10  # 16 that day
    assert term_by_age(BORN, date(2016, 3, 6)) == 10  # 25
    assert term_by_age(BORN, date(2016, 3, 7)) == 20  # 26
    assert term_by_age(BORN, date(2036, 3, 7)) is None  # 46: long-term


def test_ends_that_agree_are_kept_and_trusted() -> None:
    checked = check_validity(ValidityReading(date(2016, 5, 1), date(2036, 5, 1), "20360501"))
    assert checked.end == date(2036, 5, 1) and checked.agrees
    # a card that expired, read right, is left expired
    checked = check_validity(ValidityReading(date(2006, 5, 1), date(2016, 5, 1), "20160501"))
    assert checked.end == date(2016, 5, 1) and checked.confidence == AGREEING_CONFIDENCE


def test_an_end_year_misread_by_one_digit_is_repaired() -> None:
    """ "2016.05.01 - 2016.05.01" for "... - 2036.05.01", the end's word read less surely: the
    end is the misread one, and of its one-digit repairs (2026, 2036) the law's term for a
    holder of 26 on the start day (20 years) is the one."""
    reading = ValidityReading(
        date(2016, 5, 1), date(2016, 5, 1), "20160501", start_conf=0.95, end_conf=0.4,
        same_word=False,
    )  # fmt: skip
    checked = check_validity(reading, BORN)
    assert checked.end == date(2036, 5, 1)
    assert checked.confidence == REPAIRED_CONFIDENCE < LOW_FIELD_CONFIDENCE
    # with no birth date both 2026 and 2036 are one digit away: the later, less surely
    unsure = check_validity(reading)
    assert unsure.end == date(2036, 5, 1) and unsure.confidence < REPAIRED_CONFIDENCE


def test_the_laws_term_never_picks_an_earlier_end_nor_a_start_in_the_future() -> None:
    """ "2012.04.07 - 2082.04.07" for a holder born 1992 (20 on the start day): 2022 (the
    law's 10 years) and 2032 (20 years) are both one digit from 2082, and so is a start of
    2062. Card terms printed against the law are seen: the law does not make the card
    expired when another reading leaves it valid, and no card starts in the future."""
    reading = ValidityReading(
        date(2012, 4, 7), date(2082, 4, 7), "20820407", start_conf=0.67, end_conf=0.62,
        same_word=True,
    )  # fmt: skip
    checked = check_validity(reading, date(1992, 3, 5))
    assert checked.end == date(2032, 4, 7)
    assert checked.confidence < LOW_FIELD_CONFIDENCE  # a clerk looks


def test_a_start_misread_by_one_digit_leaves_the_end_as_read() -> None:
    checked = check_validity(ValidityReading(date(2018, 5, 1), date(2016, 5, 1), "20160501"))
    assert checked.end == date(2016, 5, 1)  # 2008 -> 2018 misread: still expired


def test_a_cut_off_end_is_completed_from_its_start() -> None:
    checked = check_validity(ValidityReading(date(2026, 1, 9), None, "20310"))
    assert checked.end == date(2031, 1, 9) and checked.confidence <= REPAIRED_CONFIDENCE
    # too little of it to tell the term: not read
    assert check_validity(ValidityReading(date(2026, 1, 9), None, "203")).end is None


# ------------------------------------------------- a rendered card, through the validator


def card_copy(validity: str, label: str = "Valid Period") -> docgen.PageText:
    """Both sides of a resident ID card on one page (a card copy), with the given validity
    line as OCR read it."""
    _, page = docgen.render(
        [
            ("kv", "Name", "Li Wei", "tab"),
            ("kv2", "Sex", "Male", "Ethnicity", "Han"),
            ("kv", "Born", "1990 3 7", "tab"),
            ("kv", "Address", ADDRESS, "tab"),
            ("kv", "Citizen Identity Number", docgen.TENANT_ID, "tab"),
            ("gap",),
            ("heading", "Resident Identity Card"),
            ("kv", "Issuing Authority", "Chaoyang Branch, Beijing Public Security Bureau", "tab"),
            ("kv", label, validity, "tab"),
        ],
        size=docgen.CARD,
        body=30,
    )
    return page


def form() -> ApplicationForm:
    return ApplicationForm.model_validate(
        {
            "application_id": "A2026112600017",
            "submitted_at": "2026-11-26T09:14:00+08:00",
            "language": "en",
            "service": "first_issue",
            "applicant": {
                "name": "Li Wei",
                "id_number": docgen.TENANT_ID,
                "date_of_birth": "1990-03-07",
                "gender": "male",
            },
            "residence": {"address": ADDRESS, "since": "2026-03-01", "basis": "rental"},
            "condition": "residence",
            "employer": None,
            "school": None,
            "photo_receipt_number": None,
            "agent": None,
        }
    )


def identity_verdict(validity: str) -> tuple[dict, list[Reason], list[str]]:
    fields, evidence = extract("id_card", [card_copy(validity)], "en")
    card = DocumentResult(
        file="id.jpg",
        sha256="0" * 64,
        type=DocumentType.ID_CARD,
        confidence=0.95,
        pages=[1],
        fields=fields,
        field_evidence=evidence,
    )
    outcome = validate_identity(form(), [card], SUBMITTED)
    return fields, [f.reason for f in outcome.findings], outcome.review


@pytest.mark.parametrize("validity", ["2016.05.01-2016.05.01", "2016.05.01 - 2016.05.01"])
def test_a_misread_validity_is_no_false_expiry(validity: str) -> None:
    """Fresh batch: the card's "2036" read as "2016" made the notice say ``expired``."""
    fields, reasons, review = identity_verdict(validity)
    assert fields["valid_until"] == "2036-05-01"
    assert reasons == []
    assert any("valid_until" in note and "low confidence" in note for note in review)


def test_a_card_that_expired_is_still_expired() -> None:
    fields, reasons, _ = identity_verdict("2006.05.01-2016.05.01")
    assert fields["valid_until"] == "2016-05-01"
    assert reasons == [Reason.EXPIRED]
    # and so is one whose start OCR misread: every repair ends before the submission
    fields, reasons, _ = identity_verdict("2008.05.01-2016.05.01")
    assert fields["valid_until"] < SUBMITTED.isoformat()
    assert reasons == [Reason.EXPIRED]


def test_a_validity_whose_dash_and_century_were_lost() -> None:
    """en seed 141, a 300-DPI card copy under a slanted overprint: "Perper ty 25.10.13 -
    2035.10.13", the dash a word of its own (dropped) and the start's century lost. The end
    on the start's month and day is the card's end (its label was lost too)."""
    fields, _ = extract("id_card", [card_copy("25.10.13 - 2035.10.13", "Perper ty")], "en")
    assert fields["valid_until"] == "2035-10-13"


def test_a_validity_read_unsurely_but_agreeing_is_trusted() -> None:
    """en seed 141: "2024.08.03-2034.08.03" read at confidence 0.03. Ends a term apart on one
    day are no misread: no clerk is asked to check them."""
    page = card_copy("2024.08.03-2034.08.03")
    for line in page.lines:
        for word in line.words:
            if word.text.startswith("2024"):
                word.confidence = 0.03
    fields, evidence = extract("id_card", [page], "en")
    assert fields["valid_until"] == "2034-08-03"
    assert evidence["valid_until"].confidence >= AGREEING_CONFIDENCE


# ------------------------------------------------------------------ purchase contracts


def test_a_buyer_is_never_an_address() -> None:
    """A buyer's cell going on with the buyer's address (a "Centre" in it passes for a
    company), and a buyer whose name OCR lost leaving its label over an address line: the
    name before the address, else the buyer from the contract's prose, else none."""
    with_address = docgen.lines_page(
        """
HOUSE PURCHASE CONTRACT
Seller: Beijing Huaxia Real Estate Development Co., Ltd.
Buyer: Sun Li, Room 1203, Tower B, Huamao Centre, 88 Jianguo Road, Chaoyang District, Beijing
Date of Signing: 18 April 2019
"""
    )
    fields, _ = extract("purchase_contract", [with_address], "en")
    assert fields["buyer_name"] == "Sun Li"
    assert fields["seller_name"] == "Beijing Huaxia Real Estate Development Co., Ltd."
    name_lost = """
HOUSE PURCHASE CONTRACT
{prose}Seller: Zhang Min
Buyer:
Room 1203, Building 5, Huamao Centre, 88 Jianguo Road, Chaoyang District, Beijing
"""
    fields, _ = extract("purchase_contract", [docgen.lines_page(name_lost.format(prose=""))], "en")
    assert fields["buyer_name"] is None
    prose = "This contract is made between Zhang Min (the Seller) and Sun Li (the Buyer).\n"
    page = docgen.lines_page(name_lost.format(prose=prose))
    fields, _ = extract("purchase_contract", [page], "en")
    assert fields["buyer_name"] == "Sun Li"


def test_parties_in_a_grid_of_captions_over_values() -> None:
    """A held-out grid at 150 DPI: "Buying Party   Agreed Price" over "Liang Xia   RMB ...",
    and the address cell run into the seller's under "Name of Seller"."""
    page = docgen.Page(size=(1240, 1754), body=21)
    font = page._font()
    left = page.margin
    address = "Room 103, Building 15, 124 Jinxiu Road East, Tianhe"
    # the seller's column a little more than a word space after the address cell's end
    right = left + font.getlength(address) + 1.3 * page.body
    rows = [
        ("Agreement Date", "Floor Area"),
        ("25 October 2025", "47.91 m2"),
        ("Buying Party", "Agreed Price"),
        ("Liang Xia", "RMB 2,800,000.00"),
        ("Address of Property Sold", "Name of Seller"),
    ]
    page.words_at(page.margin, page.y, "Residential Property Sale Agreement", font)
    page.advance(2)
    for first, second in rows:
        page.words_at(left, page.y, first, font)
        page.words_at(right, page.y, second, font)
        page.advance()
    # one OCR line across both cells
    page.words_at(left, page.y, address, font)
    page.words_at(right, page.y, "Chengdu Huaxin Logistics Co., Ltd.", font)
    merged = page.lines[-2].words + page.lines[-1].words
    page.lines[-2:] = [docgen.Line(words=merged)]
    page.advance(0.75)
    page.words_at(left, page.y, "District, Guangzhou", font)
    fields, _ = extract("purchase_contract", [page.page_text()], "en")
    assert fields["buyer_name"] == "Liang Xia"
    assert fields["seller_name"] == "Chengdu Huaxin Logistics Co., Ltd."


def test_a_role_in_brackets_inside_the_partys_brackets() -> None:
    """en170: "by Carlos Lee (the Seller) and Lei Yong (the Party B (Buyer))"."""
    page = docgen.lines_page(
        """
CONTRACT FOR THE SALE OF A FLAT
This contract is entered into on 2025-07-18 by Carlos Lee (the Seller) and Lei Yong (the Party
B (Buyer)).
Article 1. The Seller sells to the Party B (Buyer) the residential unit at Flat 1301, Block 20,
"""
    )
    fields, _ = extract("purchase_contract", [page], "en")
    assert fields["buyer_name"] == "Lei Yong"
    assert fields["seller_name"] == "Carlos Lee"


# ------------------------------------------------------------------ business licences


@pytest.mark.parametrize(
    "text",
    [
        "营业执照\n名称 北京市博远文化传媒有限公司 个体工商户\n经营者 林俊\n",  # label lost
        "营业执照\n名称 北京市博远文化传媒有限公司个体工商户\n经营者 林俊\n",  # cells run together
        "营业执照\n名称 北京市博远文化传媒有限公司 美型 个体工商户\n经营者 林俊\n",  # label misread
    ],
)
def test_a_licences_type_is_not_part_of_its_name(text: str) -> None:
    """Fresh Chinese batch: the licence's type (类型 个体工商户) read onto the company name,
    which then named another employer."""
    fields, _ = extract("business_licence", [docgen.lines_page(text)], "zh")
    assert fields["company_name"] == "北京市博远文化传媒有限公司"


def test_names_that_end_with_a_kind_of_entity_are_kept() -> None:
    assert without_entity_type("北京恒泰贸易有限责任公司", "zh") == "北京恒泰贸易有限责任公司"
    assert without_entity_type("张三便利店个体工商户", "zh") == "张三便利店"
    # en303: a services company whose legal form is a kind of entity
    kept = "Hefei Payne Property Services Limited Liability Company"
    assert without_entity_type(kept, "en") == kept
    assert without_entity_type(
        "Beijing Hengtai Trading Co., Ltd. Type Individual business", "en"
    ) == ("Beijing Hengtai Trading Co., Ltd.")


def test_a_title_over_a_party_is_no_caption() -> None:
    """zh seed 111: the title centred over "转让方  武汉市盛世文化传媒有限公司" starts inside the
    name's span; it is no caption of a grid, and the name keeps its first character."""
    page = docgen.Page(size=(1654, 2339), family="cjk", body=34)
    font = page._font()
    page.words_at(660, page.y, "存 量 房 买 卖 合 同", page._font(scale=1.4))
    page.advance(1.4)
    page.words_at(177, page.y, "转 让 方", font)
    page.words_at(606, page.y, " ".join("武汉市盛世文化传媒有限公司"), font)
    layout = Layout([page.page_text()])
    toks = layout.rows[1].toks[3:]
    read = Value("武汉市盛世文化传媒有限公司", toks, 0.8, below=True)
    assert party_in_caption_grid(layout, read) is None


def test_an_end_after_the_label_and_a_dash_its_start_lost() -> None:
    """en301, a 150-DPI card photo: the validity ran into the number's row behind OCR's
    debris ("... scceaecren a Valid Period -2043/09/04"), so the label was not taken for one,
    and nothing of the start was left but its dash."""
    page = docgen.lines_page(
        """
Gu Jun
PEOPLE'S REPUBLIC OF CHINA
SEX Male NATIONALITY
RESIDENT IDENTITY CARD
DATE OF BIRTH 1985/12/30
Issuing Authority Yanta District Branch, Xi'an Public Security Bureau
IDENTITY NUMBER 350203198512305059 pein pict scceaecren a Valid Period -2043/09/04
"""
    )
    fields, _ = extract("id_card", [page], "en")
    assert fields["valid_until"] == "2043-09-04"


def test_the_start_of_a_range_is_not_its_end() -> None:
    """Held-out seed 150: "Valid Through  2014.11.21 - 2034.11.21" with the dash a word of its
    own (dropped) and set wide: the label's value stopped at the gap, so the card's start
    was taken for its end and the card was ``expired`` on paper."""
    page = docgen.Page(size=docgen.CARD, body=30)
    font = page._font()
    for label, value in (("Name", "Xia Juan"), ("Identity No.", docgen.TENANT_ID)):
        page.words_at(40, page.y, label, font)
        page.words_at(300, page.y, value, font)
        page.advance()
    page.words_at(40, page.y, "Valid Through", font)
    after_start = page.words_at(300, page.y, "2014.11.21", font)
    dash_end = page.words_at(after_start + page.body, page.y, "-", font)
    page.words_at(dash_end + page.body, page.y, "2034.11.21", font)
    fields, evidence = extract("id_card", [page.page_text()], "en")
    assert fields["valid_until"] == "2034-11-21"
    assert evidence["valid_until"].confidence >= AGREEING_CONFIDENCE


@pytest.mark.parametrize("words", ["Lor.g term", "Long terrn", "L0ng-term"])
def test_long_term_as_ocr_misreads_it_is_no_end_date(words: str) -> None:
    """en seed 6161: "Validity 2019.11.17 - Lor.g term" gave the start as the end, so a
    long-term card was called expired."""
    fields, reasons, _ = identity_verdict(f"2019.11.17 - {words}")
    assert fields["valid_until"] == "indefinite"
    assert reasons == []
