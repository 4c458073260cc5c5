"""Extraction repairs found on held-out and development batches (issues 4 and 5).

Each test renders the layout or uses the words OCR really gave on a generated page, and fails
without its repair: right-aligned labels with their values in one column, captions alone on
their row over values, a caption with a colon under a wrapped address, dates whose small print
lost a separator or a letter, a credit code with a doubled glyph, a company named in the
opening clause, an ID number under a label never listed, addresses in prose.
"""

from __future__ import annotations

import docgen

from extractors import extract
from extractors import normalize as norm
from extractors.base import Layout, Tok, _parse_code, org_row_near, parse_person, surer_reading
from pipeline.text import Line, PageText, Word


def aligned_page(title: str, rows: list[tuple[str, str]], gap_heights: float = 1.6) -> PageText:
    """A form whose labels are right-aligned against one column and whose values start a
    little (less than a wide gap, more than a word space) to the right of it, all at one x;
    a value without a label is a wrapped line of the value above."""
    page = docgen.Page()
    fnt = page._font()
    column = int(page.size[0] * 0.36)
    value_x = column + int(gap_heights * page.body)
    title_font = page._font(bold=True, scale=1.6)
    page.words_at((page.size[0] - title_font.getlength(title)) / 2, page.y, title, title_font)
    page.advance(1.8)
    for label, value in rows:
        if label:
            page.words_at(column - fnt.getlength(label), page.y, label, fnt)
        page.words_at(value_x, page.y, value, fnt)
        page.advance(0.75 if not label else 1.0)
    return page.page_text()


def stacked_page(title: str, rows: list[tuple[str, list[str]]]) -> PageText:
    """Captions in small capitals alone on their row, each value's lines under it."""
    page = docgen.Page()
    title_font = page._font(bold=True, scale=1.4)
    page.words_at(page.margin, page.y, title, title_font)
    page.advance(1.8)
    for caption, lines in rows:
        page.words_at(page.margin, page.y, caption, page._font(scale=0.8))
        page.y += int(page.body * 1.05)
        for line in lines:
            page.words_at(page.margin, page.y, line, page._font())
            page.y += int(page.body * 1.3)
        page.advance(0.6)
    return page.page_text()


# ------------------------------------------------------------------- layouts


def test_right_aligned_labels_with_values_in_one_column() -> None:
    """en303 "aligned" certificate: "Title Holder" and "Property Located at" open no row and
    set their values 1.5 row heights away, where every other row's value starts too."""
    page = aligned_page(
        "REAL ESTATE TITLE CERTIFICATE",
        [
            ("Title Holder", "Pan Guiying"),
            ("Joint Ownership", "Sole ownership"),
            ("Property Located at", "Flat 2601, Block 16, Maple Villa, 166 Xinhua Lane,"),
            ("", "Heping District, Tianjin"),
            ("Use", "Residential"),
            ("Floor Area", "173.4 m2"),
            ("Registered on", "03 AUG 2008"),
        ],
    )
    fields, _ = extract("property_certificate", [page], "en")
    assert fields["owner_name"] == "Pan Guiying"
    assert fields["property_address"] == (
        "Flat 2601, Block 16, Maple Villa, 166 Xinhua Lane, Heping District, Tianjin"
    )


def test_an_unlisted_end_label_in_an_aligned_form() -> None:
    """en303 low-resolution labour contract: "Expires on October 13, 2027" was read by OCR,
    but its label is listed nowhere and its value stands only 1.8 heights apart."""
    page = aligned_page(
        "Employment Agreement",
        [
            ("Employing Unit", "Tianjin Watson Education Consulting Co., Ltd"),
            ("Worker", "Fu Chao"),
            ("Effective from", "October 14, 2024"),
            ("Expires on", "October 13, 2027"),
            ("Monthly Salary", "RMB 23,200"),
        ],
    )
    fields, _ = extract("labour_contract", [page], "en")
    assert (fields["start_date"], fields["end_date"]) == ("2024-10-14", "2027-10-13")


def test_a_value_column_needs_rows_that_agree() -> None:
    """One row with a wider space is no column: prose words are not cut into label and value."""
    page = docgen.lines_page(
        """
Employment Agreement
The Worker  Fu Chao agrees to the terms below.
"""
    )
    layout = Layout([page])
    assert not any(layout.opens_column(0, i) for i in range(len(layout.rows[0].toks)))


def test_captions_alone_on_their_row_over_their_values() -> None:
    """en303 "stacked" certificate: "TITLE HOLDER" over the owner, "ADDRESS OF PROPERTY" over
    two lines; "REGISTERED ON" over a date must not give the owner ("November")."""
    page = stacked_page(
        "Certificate of Real Property Ownership",
        [
            ("TITLE HOLDER", ["Lai Jun"]),
            ("JOINT OWNERSHIP", ["Sole ownership"]),
            (
                "ADDRESS OF PROPERTY",
                ["Flat 1503, Block 6, Harmony Towers, 432", "Huanghe North Road, Yanta District"],
            ),
            ("REGISTRATION NO.", ["201082219287"]),
            ("REGISTERED ON", ["November 9, 2013"]),
        ],
    )
    fields, _ = extract("property_certificate", [page], "en")
    assert fields["owner_name"] == "Lai Jun"
    assert fields["property_address"] == (
        "Flat 1503, Block 6, Harmony Towers, 432 Huanghe North Road, Yanta District"
    )


def test_a_date_is_not_a_name() -> None:
    def tok(text: str, x: float) -> Tok:
        return Tok(text, text.lower().strip(","), x, 0, x + 60, 40, 0.96, 1)

    assert parse_person([tok("November", 0), tok("9,", 80), tok("2013", 160)]) is None
    assert parse_person([tok("Lai", 0), tok("Jun", 80)]) is not None


def test_a_caption_with_a_colon_ends_a_wrapped_address() -> None:
    """en303 "caps" certificate (text layer): the row after the wrapped address is an unlisted
    caption with a colon, "USE: Residential", not the address's third line."""
    page = docgen.Page()
    fnt = page._font()
    x = page.words_at(page.margin, page.y, "OWNER: Fu Chao", fnt)
    page.advance()
    x = page.words_at(page.margin, page.y, "SITUATED AT:", fnt)
    page.words_at(x, page.y, "Flat 3208, Block 18, Harmony Towers, 276 Renmin Rd.,", fnt)
    page.y += int(page.body * 1.3)
    page.words_at(x, page.y, "Heping District, Tianjin", fnt)
    page.y += int(page.body * 1.3)
    page.words_at(page.margin, page.y, "USE: Residential", fnt)
    fields, _ = extract("property_certificate", [page.page_text()], "en")
    assert fields["property_address"] == (
        "Flat 3208, Block 18, Harmony Towers, 276 Renmin Rd., Heping District, Tianjin"
    )


# --------------------------------------------------------------------- dates


def test_dates_whose_small_print_lost_a_separator_or_a_letter() -> None:
    """OCR of 96-120 DPI copies and of dates under a seal (en303, en301 words)."""
    assert norm.find_dates("Valid Thru 2042 06-28")[0][2] == "2042-06-28"  # "-" dropped
    assert norm.find_dates("2042-06 28")[0][2] == "2042-06-28"
    assert norm.find_dates("2026, 11/07")[0][2] == "2026-11-07"  # "." read as ","
    assert norm.find_dates("| 4% 13 Nevember } 2026")[0][2] == "2026-11-13"
    assert norm.parse_date("Octobor 5, 2025") == "2025-10-05"


def test_numbers_that_only_look_like_lossy_dates_are_not_dates() -> None:
    assert norm.find_dates("Room 2026 1-3") == []
    assert norm.find_dates("RMB 1,2026 06-28") == []
    assert norm.find_dates("Match 12, 2026") == []  # short month names are not mended
    assert norm.mend_month_names("Nevember Decembers") == "november Decembers"


def test_validity_of_a_low_resolution_licence() -> None:
    """The words Tesseract gave for an en303 licence copied at 106 DPI: the hyphen after the
    year read as a word of its own with confidence 0.06, dropped as punctuation."""

    def word(text: str, x0: float, x1: float, conf: float = 0.95, y: float = 931) -> Word:
        return Word(text=text, confidence=conf, x0=x0, y0=y, x1=x1, y1=y + 26)

    name = [("Hefei", 862, 961), ("Payne", 986, 1088), ("Co.,", 1112, 1180), ("Ltd.", 1200, 1260)]
    rows = [
        [word("BUSINESS", 841, 1267, y=293), word("LICENCE", 1298, 1664, y=293)],
        [word("Enterprise", 139, 307, y=459), word("Name", 324, 401, y=459)]
        + [word(text, x0, x1, y=459) for text, x0, x1 in name],
        [
            word("Valid", 136, 211),
            word("Thru", 230, 291),
            word("2042", 862, 1066, 0.92),
            word("-", 862, 1066, 0.06),
            word("06-28", 967, 1066, 0.06),
        ],
    ]
    page = PageText(
        number=1,
        width=2514,
        height=1445,
        dpi=231,
        source="ocr",
        lines=[Line(words=words) for words in rows],
    )
    fields, _ = extract("business_licence", [page], "en")
    assert fields["valid_until"] == "2042-06-28"


# --------------------------------------------------------------------- codes


def test_a_credit_code_with_a_doubled_glyph_and_a_wrong_check_character() -> None:
    """Seed 101: "914201067YGO02PB5BR" for the printed (invalid) "914201067YG02PB5BR": no
    drop makes it valid, but every drop of the doubled O/0 gives the same code."""

    def tok(text: str) -> Tok:
        return Tok(text, text.lower(), 0, 0, 400, 40, 0.43, 1)

    parsed = _parse_code("credit_code", [tok("914201067YGO02PB5BR")])
    assert parsed is not None and parsed[0] == "914201067YG02PB5BR"
    # two doubled pairs ("66", "77") give two codes: no reading is made up
    assert _parse_code("credit_code", [tok("9142010667YG02PB577")]) is None


# ---------------------------------------------------------------------- prose


def test_a_company_named_in_the_opening_clause_beats_a_label_over_prose() -> None:
    """Seed 103 (words as OCR read them): a wrapped clause opens a row with "(Party A, the
    Employer)", a fuzzy "Party A (Employer)" label, whose "value" is the next sentence."""
    page = docgen.lines_page(
        """
Fixed-term Labour Contract
This contract is concluded between Beijing Dingxin Information Technology Company Limited
(Party A, the Employer) and Long Qiang (Party B, the Employee), resident ID No.
120101196707196016.
The term of this contract runs from 2025-11-26 to 2030-11-25.
Party A employs Party B in the position of Driver; the monthly wage is RMB 20,700.00.
"""
    )
    fields, _ = extract("labour_contract", [page], "en")
    assert fields["employer_name"] == "Beijing Dingxin Information Technology Company Limited"
    assert fields["employee_name"] == "Long Qiang"


def test_a_signature_scribble_is_not_the_employer() -> None:
    """Seed 102: "Employer Employee" captions over scribbles OCR read as "4 AWN"."""
    page = docgen.lines_page(
        """
Employment Contract
Clause 1 This contract is concluded between Xinda Construction (Guangzhou)
Co., Ltd. (Party A, the Employer) and Lu Ming (Party B, the Employee), resident
ID No. 310104200108040961.
Employer Employee
4 AWN
"""
    )
    fields, _ = extract("labour_contract", [page], "en")
    assert fields["employer_name"] == "Xinda Construction (Guangzhou) Co., Ltd."


def test_an_unlisted_id_label_before_the_tenant_is_the_tenants() -> None:
    """Seed 102 text-layer lease: "ID Card No. of Lessee" comes before the tenant's name,
    so no number follows the name; the label is in words never listed."""
    page = aligned_page(
        "Housing Rental Contract",
        [
            ("Party A", "Shannon Dodson"),
            ("ID Card No. of Lessee", "420106200607231740"),
            ("Party B (Lessee)", "Terri Hodge"),
            ("Lease End", "2028-07-31"),
        ],
        gap_heights=6.0,
    )
    fields, _ = extract("rental_contract", [page], "en")
    assert fields["tenant_id_number"] == "420106200607231740"


def test_the_landlords_unlisted_id_label_is_not_the_tenants() -> None:
    page = aligned_page(
        "Housing Rental Contract",
        [
            ("Party A", "Shannon Dodson"),
            ("ID Card No. of Lessor", "420106200607231740"),
            ("Party B (Lessee)", "Terri Hodge"),
        ],
        gap_heights=6.0,
    )
    fields, _ = extract("rental_contract", [page], "en")
    assert fields["tenant_id_number"] is None


def test_an_address_in_a_letter_after_a_clause_about_since_when() -> None:
    """en303/en160 letters: "has lived since 28 MAR 2025 in housing provided by our
    organisation at 409 Shengli Lane, ..." (the date and the housing between cue and place)."""
    page = docgen.lines_page(
        """
Hefei Normal University
LETTER OF ACCOMMODATION
To whom it may concern,
This is to certify that Yi Yang (ID No. 370102200401190916) has lived since 28 MAR 2025
in housing provided by our organisation at 409 Shengli Lane, Bldg 10, Apt 1102, Heping
District, Shenyang.
Issued by: Hefei Normal University
20 NOV 2026
"""
    )
    fields, _ = extract("accommodation_certificate", [page], "en")
    assert fields["address"] == "409 Shengli Lane, Bldg 10, Apt 1102, Heping District, Shenyang"
    assert fields["resident_name"] == "Yi Yang"


def test_the_unit_sold_in_a_purchase_contracts_prose() -> None:
    page = docgen.lines_page(
        """
House Purchase Contract
Article 1. The Seller sells to the Buyer the residential unit at Flat 2508, Block 5, Lakeside
Garden, 66 Wenhua Road, Shushan District, Hefei, floor area 91.71 square metres, for a total
"""
    )
    fields, _ = extract("purchase_contract", [page], "en")
    assert fields["property_address"] == (
        "Flat 2508, Block 5, Lakeside Garden, 66 Wenhua Road, Shushan District, Hefei"
    )


def test_a_name_printed_beside_its_label_read_unsurely_is_still_a_name() -> None:
    """en160 licence (text layer of an unusual font): "Operator Zeng Jing" with the name read
    at 0.44; a scribble of the same confidence under a signature caption is no name."""

    def word(text: str, x0: float, y: float, conf: float, height: float = 44) -> Word:
        return Word(text=text, confidence=conf, x0=x0, y0=y, x1=x0 + 26 * len(text), y1=y + height)

    page = PageText(
        number=1,
        width=2480,
        height=1700,
        dpi=300,
        source="ocr",
        lines=[
            Line(words=[word("Business", 1303, 542, 0.96), word("License", 1530, 542, 0.96)]),
            Line(words=[word("Operator", 650, 936, 0.96), word("Zeng", 955, 938, 0.44)]),
            Line(words=[word("Jing", 1084, 936, 0.44)]),
        ],
    )
    fields, _ = extract("business_licence", [page], "en")
    assert fields["legal_representative"] == "Zeng Jing"
    page.lines[1] = Line(words=[word("Operator", 650, 936, 0.96)])
    page.lines[2] = Line(
        words=[word("Zeng", 650, 1000, 0.44, 130), word("Jing", 800, 1000, 0.44, 130)]
    )
    fields, _ = extract("business_licence", [page], "en")
    assert fields["legal_representative"] is None


def test_a_licence_whose_name_label_was_lost_names_the_company_under_its_title() -> None:
    page = docgen.lines_page(
        """
USCC:
9135020366WD9WX7FU
Business License
Xiamen Fields Garment Co., Ltd.
Type Limited liability company
Operator Fan Juan
Expiry 17-Jun-2026
"""
    )
    fields, _ = extract("business_licence", [page], "en")
    assert fields["company_name"] == "Xiamen Fields Garment Co., Ltd."


def test_issue_dates_in_a_letter() -> None:
    """Seed 101: "Issued on: November 2. 2026" (a comma read as a full stop); en160: the
    completion date wrapped onto its own row is not the date of issue."""
    assert norm.parse_date("Issued on: November 2. 2026") == "2026-11-02"
    page = docgen.lines_page(
        """
STUDENT STATUS CERTIFICATE
This is to certify that Gao Tao (Student No. 2021615982) is a full-time student of Hefei
Vocational College of Commerce, enrolled in Nursing, expected to complete the course
on 2029/06/30.
"""
    )
    fields, _ = extract("enrollment_certificate", [page], "en")
    assert fields["issue_date"] is None


def test_a_titles_second_line_is_no_caption() -> None:
    """Seed 141: "Contract for the Sale and Purchase of / Residential Property" is a title
    in big type, not a caption over the first clause."""
    page = docgen.Page()
    title = page._font(bold=True, scale=1.6)
    page.words_at(page.margin, page.y, "Contract for the Sale and Purchase of", title)
    page.advance(1.6)
    page.words_at(page.margin, page.y, "Residential Property", title)
    page.advance(1.8)
    for line in (
        "1. This contract is signed on 2025.03.04 between Xie Min (Party A) and Duan Tao",
        "(Party B).",
        "2. The subject of the sale is the residential property at Apt 202, Bldg 19, Lanting",
        "Residence, Wuchang District, Wuhan.",
    ):
        page.words_at(page.margin, page.y, line, page._font())
        page.advance()
    fields, _ = extract("purchase_contract", [page.page_text()], "en")
    assert fields["property_address"] == (
        "Apt 202, Bldg 19, Lanting Residence, Wuchang District, Wuhan"
    )


def test_an_address_after_a_cue_ends_before_the_next_field() -> None:
    """Seed 141: "Lives at: ..." then "Provider: ..." and "Issue Date: October 23 /2026"."""
    page = docgen.lines_page(
        """
Accommodation Certificate
This certificate is issued for the application of a residence permit.
ID No.: 12010319810216681X
Accommodated Person: Manuel Lester
Lives at: Flat 1507, Block 2, Yuanyang Garden, 95 Jianguo Road East, Nanshan District, Shenzhen
Provider: Chengdu No. 21 Middle School
Issue Date: October 23 /2026
"""
    )
    fields, _ = extract("accommodation_certificate", [page], "en")
    assert fields["address"] == (
        "Flat 1507, Block 2, Yuanyang Garden, 95 Jianguo Road East, Nanshan District, Shenzhen"
    )
    assert fields["issue_date"] == "2026-10-23"


def test_an_unlisted_housing_caption_in_an_aligned_letter() -> None:
    """en303: "Housing provided at" is listed nowhere; the address's wrapped line sits in the
    value column and the next caption ("Since") before it ends the address."""
    page = aligned_page(
        "LETTER OF ACCOMMODATION",
        [
            ("Resident", "Song Xia"),
            ("ID No.", "120101197711307510"),
            ("Housing provided at", "Flat 302, Block 9, Lakeside Garden, 125 Changle North Road,"),
            ("", "Shushan District, Hefei"),
            ("Since", "17 NOV 2025"),
        ],
    )
    fields, _ = extract("accommodation_certificate", [page], "en")
    assert fields["address"] == (
        "Flat 302, Block 9, Lakeside Garden, 125 Changle North Road, Shushan District, Hefei"
    )


def test_a_school_name_with_an_unread_word_is_taken_from_the_letterhead() -> None:
    """en170 (words and confidences as Tesseract gave them): "Changsha" in the sentence read
    "Soares" at 0.00; the letterhead reads it surely."""

    def line(y: float, words: list[tuple[str, float]], x: float = 210) -> Line:
        out = []
        for text, conf in words:
            out.append(
                Word(text=text, confidence=conf, x0=x, y0=y, x1=x + 22 * len(text), y1=y + 40)
            )
            x += 22 * len(text) + 15
        return Line(words=out)

    sure = 0.96
    sentence = "This is to certify that Angela Nelson (Student No. 2025315354) is a full-time"
    sentence += " student of"
    page = PageText(
        number=1,
        width=1700,
        height=2200,
        dpi=200,
        source="ocr",
        lines=[
            line(210, [("Changsha", 0.97), ("Normal", sure), ("University", sure)], x=616),
            line(378, [("STUDENT", sure), ("STATUS", sure), ("CERTIFICATE", sure)], x=460),
            line(485, [(w, sure) for w in sentence.split()] + [("Soares", 0.0)]),
            line(538, [("Normal", sure), ("University,", sure), ("enrolled", sure), ("in", sure)]),
        ],
    )
    fields, _ = extract("enrollment_certificate", [page], "en")
    assert fields["school_name"] == "Changsha Normal University"
    # read surely, the school in the sentence stands, whatever the letterhead says
    page.lines[2].words[-1].confidence = sure
    fields, _ = extract("enrollment_certificate", [page], "en")
    assert fields["school_name"] == "Soares Normal University"


# ------------------------------------------------------- letters: names read twice, dates


def letter_page(rows: list[tuple[str, float]], family: str = "serif") -> docgen.Page:
    """A letter drawn row by row as given (text, x as a share of the page width), so that a
    name wraps exactly where a real letter wrapped it."""
    page = docgen.Page(family=family)
    fnt = page._font()
    for text, x_share in rows:
        if text:
            page.words_at(page.size[0] * x_share, page.y, text, fnt)
        page.advance(0.9)
    return page


def sure_words_page(rows: list[tuple[float, float, list[tuple[str, float]]]]) -> PageText:
    """A page of words with the confidences Tesseract gave them: (y, x, [(word, conf)])."""
    lines = []
    for y, x, words in rows:
        out = []
        for text, conf in words:
            out.append(
                Word(text=text, confidence=conf, x0=x, y0=y, x1=x + 22 * len(text), y1=y + 40)
            )
            x += 22 * len(text) + 15
        lines.append(Line(words=out))
    return PageText(number=1, width=1700, height=2200, dpi=200, source="ocr", lines=lines)


def _sure(text: str, conf: float = 0.95) -> list[tuple[str, float]]:
    return [(word, conf) for word in text.split()]


def test_a_school_name_wrapped_after_of_or_and_in_a_scanned_letter() -> None:
    """Seed 103 (Tesseract on rendered, degraded pages): the sentence wraps the school's name
    after a linking word ("Nanjing Institute of / Foreign Studies", "Shanghai Institute of
    Science and / Technology"); the name goes on on the next line."""
    for first, second, school in (
        (
            "We certify that Chen Jing, student number 2022922659, is enrolled at Nanjing "
            "Institute of",
            "Foreign Studies in Nursing.",
            "Nanjing Institute of Foreign Studies",
        ),
        (
            "This is to certify that Zhong Jing is a full-time student of Shanghai Institute "
            "of Science and",
            "Technology, studying Accounting.",
            "Shanghai Institute of Science and Technology",
        ),
    ):
        page = letter_page(
            [("Certificate of Study", 0.35), ("", 0), (first, 0.09), (second, 0.09)], "sans"
        )
        read = docgen.ocr(docgen.degrade(page.image))
        fields, _ = extract("enrollment_certificate", [read], "en")
        assert fields["school_name"] == school


def test_an_issuer_spoiled_under_its_seal_is_read_from_the_letterhead() -> None:
    """en170 / en160 (words and confidences as Tesseract gave them): the issuer's line under
    the seal read "Zhengzhou Xinyuat ompain Limited" (one word at 0.22) and "Qingdao Boya
    Medical Devices Liffi" (its tail lost); the letterhead holds the same name read surely."""
    cases = [
        (
            "Zhengzhou Xinyuan Electronics Company Limited",
            [
                *_sure("Issued by"),
                ("Zhengzhou", 0.93),
                ("Xinyuat", 0.61),
                ("ompain", 0.22),
                ("Limited", 0.9),
            ],
        ),
        (
            "Qingdao Boya Medical Devices Limited Liability Company",
            [*_sure("Issued by Qingdao Boya Medical Devices"), ("Liffi", 0.7)],
        ),
    ]
    for letterhead, issuer_line in cases:
        page = sure_words_page(
            [
                (170, 355, _sure(letterhead)),
                (290, 514, _sure("Proof of Lodging")),
                (380, 188, _sure("Resident Xie Tao")),
                (480, 188, _sure("Address 429 Qingnian Street, Bldg 4, Apt 2201, Yuzhong")),
                (530, 188, _sure("District, Chongqing")),
                (640, 593, issuer_line),
            ]
        )
        fields, _ = extract("accommodation_certificate", [page], "en")
        assert fields["issuer"] == letterhead


def test_another_name_or_a_caption_run_on_is_no_better_reading() -> None:
    """A name read surely and whole stays, though the letterhead names a longer body that
    begins with it; prose that runs a name on into a caption rows below ("... Studies /
    Provider (Signed) / Issued") is no reading of the name (seed 101)."""
    page = sure_words_page(
        [
            (170, 355, _sure("Beijing Normal University Affiliated Middle School")),
            (290, 514, _sure("Proof of Accommodation")),
            (380, 188, _sure("Resident Xie Tao")),
            (480, 188, _sure("Address 12 Xinjiekou Street, Xicheng District, Beijing")),
            (560, 188, _sure("Issued by Beijing Normal University")),
        ]
    )
    fields, _ = extract("accommodation_certificate", [page], "en")
    assert fields["issuer"] == "Beijing Normal University"
    layout = Layout([page])
    read = org_row_near(layout, "bottom")
    assert read is not None and surer_reading(read, [org_row_near(layout, "top")]) is None

    page = docgen.lines_page(
        """
Proof of Accommodation
Accommodated Person Duan Xiulan
Accommodation Address Apt 2103, Bldg 10, Xinyuan Residence, Chaoyang District, Beijing
Issued by Wuhan University of Foreign Studies


Provider (Signed)


Issued on 11 Nov 2026
"""
    )
    fields, _ = extract("accommodation_certificate", [page], "en")
    assert fields["issuer"] == "Wuhan University of Foreign Studies"


def test_a_sellers_name_wrapped_in_its_cell_of_a_two_pair_grid() -> None:
    """en303 "grid4" contract: "Seller  Xi'an Mingde Network    Buyer  Huang Chao" over
    "Technology Company Limited" under the seller's value: the seller is that company."""
    page = docgen.Page()
    fnt = page._font()
    title = page._font(bold=True, scale=1.5)
    page.words_at(page.margin * 2.5, page.y, "CONTRACT FOR THE SALE OF A FLAT", title)
    page.advance(2)
    value_x = page.margin + int(page.body * 6)
    right_x = page.size[0] * 0.55
    page.words_at(page.margin, page.y, "Seller", fnt)
    page.words_at(value_x, page.y, "Xi'an Mingde Network", fnt)
    page.words_at(right_x, page.y, "Buyer", fnt)
    page.words_at(right_x + page.body * 4, page.y, "Huang Chao", fnt)
    page.advance(0.8)
    page.words_at(value_x, page.y, "Technology Company Limited", fnt)
    page.advance(1.5)
    page.words_at(page.margin, page.y, "Property", fnt)
    page.words_at(value_x, page.y, "178 Zhongshan Rd., Bldg 3, Apt 3107, Shinan District", fnt)
    page.advance(1.5)
    page.words_at(page.margin, page.y, "Date", fnt)
    page.words_at(value_x, page.y, "10 FEB 2025", fnt)
    fields, _ = extract("purchase_contract", [page.page_text()], "en")
    assert fields["seller_name"] == "Xi'an Mingde Network Technology Company Limited"
    assert fields["buyer_name"] == "Huang Chao"


def test_a_letter_that_gives_its_issue_date_in_a_sentence() -> None:
    """The date of issue stated in prose ("This certificate, issued on ...") beats a later
    date of the letter (when the programme ends); a school named at a sentence's end stops
    at the full stop ("... of Technology. Her studies ...")."""
    _, page = docgen.render(
        [
            ("title", "Certificate of Study"),
            (
                "para",
                "This certificate, issued on 22 November 2026, confirms that Wang Fang studies "
                "at Hefei University of Technology. The programme ends on 30 June 2027.",
            ),
        ]
    )
    fields, _ = extract("enrollment_certificate", [page], "en")
    assert fields["issue_date"] == "2026-11-22"
    assert fields["school_name"] == "Hefei University of Technology"
    _, page = docgen.render(
        [
            ("right", "Dated 22/11/2026"),
            ("title", "To whom it may concern"),
            (
                "para",
                "This is to certify that Wang Fang is a registered student of Hefei University "
                "of Technology. Her studies will end on 30/06/2027.",
            ),
        ]
    )
    fields, _ = extract("enrollment_certificate", [page], "en")
    assert (fields["school_name"], fields["issue_date"]) == (
        "Hefei University of Technology",
        "2026-11-22",
    )


def test_the_last_date_of_a_letter_is_not_when_a_stay_ends() -> None:
    """With no date of issue given, the last date is taken, but not one that says when
    something ends or began ("ends on 30 June 2027", "admitted on 1 September 2023")."""
    page = docgen.lines_page(
        """
Certificate of Enrolment
Hefei University of Technology
We certify that Wang Fang is a student of Hefei University of Technology.
22 November 2026
Her programme ends on 30 June 2027, and she was admitted on 1 September 2023.
"""
    )
    fields, _ = extract("enrollment_certificate", [page], "en")
    assert fields["issue_date"] == "2026-11-22"


def test_dotted_day_first_dates() -> None:
    """Dots are the day-first style ("03.11.2026"); slashes stay ambiguous when both parts
    could be the month."""
    assert norm.parse_date("03.11.2026") == "2026-11-03"
    assert norm.parse_date("1.2.2026") == "2026-02-01"
    assert norm.parse_date("03/11/2026") is None
    _, page = docgen.render(
        [
            ("title", "Proof of Accommodation"),
            ("kv", "Resident", "Li Na"),
            ("kv", "Address", "Room 508, Building 3, 12 Wenhua Road, Jinshui District"),
            ("kv", "Issued by", "Henan Huaxin Logistics Co., Ltd."),
            ("kv", "Date of issue", "03.11.2026"),
        ]
    )
    fields, _ = extract("accommodation_certificate", [page], "en")
    assert fields["issue_date"] == "2026-11-03"


def test_a_line_of_a_sentence_is_not_the_issuer_by_the_seal() -> None:
    """A letter's last line of prose ending in "our company." is no organisation standing by
    its seal; the name under the seal is."""
    _, page = docgen.render(
        [
            ("heading", "Henan Huaxin Logistics Co., Ltd."),
            ("title", "Proof of Accommodation"),
            (
                "para",
                "We hereby certify that Li Na resides at Room 508, Building 3, 12 Wenhua Road, "
                "Jinshui District, Zhengzhou, in accommodation provided by our company.",
            ),
            ("gap",),
            ("right", "(Official seal)"),
            ("right", "2026/11/03"),
        ]
    )
    layout = Layout([page])
    bottom = org_row_near(layout, "bottom")
    assert bottom is not None and bottom.value == "Henan Huaxin Logistics Co., Ltd."
    fields, _ = extract("accommodation_certificate", [page], "en")
    assert fields["issuer"] == "Henan Huaxin Logistics Co., Ltd."


def test_names_in_a_justified_line_whose_word_spaces_are_wide() -> None:
    """en seed 6161, a rental contract in prose: the first line set justified, every word
    about 2.3 row heights apart, so each gap looked like a column's edge and the parties
    were cut to "Kristin" and "Fan" (words and boxes as Tesseract gave them)."""

    def line(*words: tuple[str, float, int, int, int, int]) -> Line:
        return Line(
            words=[
                Word(text=t, confidence=c, x0=x0, y0=y0, x1=x1, y1=y1)
                for t, c, x0, y0, x1, y1 in words
            ]
        )

    page = PageText(
        number=1,
        width=1654,
        height=2339,
        dpi=200,
        source="ocr",
        lines=[
            line(
                ("Housing", 0.96, 354, 220, 654, 280),
                ("Rental", 0.96, 696, 220, 933, 268),
                ("Contract", 0.96, 972, 221, 1298, 268),
            ),
            line(
                ("T", 0.0, 161, 341, 188, 367),  # a clause number, read as a letter
                ("Lessor:", 0.97, 257, 336, 378, 377),
                ("Kristin", 0.96, 448, 335, 556, 377),
                ("Fernandez.", 0.96, 624, 335, 816, 377),
                ("Lessee:", 0.97, 885, 341, 1014, 368),
                ("Fan", 0.44, 1084, 341, 1140, 368),
                ("Xia,", 0.73, 1206, 339, 1270, 371),
                ("ID", 0.96, 1339, 341, 1372, 367),
                ("No.", 0.96, 1440, 341, 1493, 368),
            ),
            line(
                ("110102198612138431.", 0.92, 161, 397, 579, 425),
                ("The", 0.97, 594, 396, 659, 425),
                ("parties", 0.96, 676, 396, 796, 432),
                ("agree", 0.96, 811, 404, 911, 432),
                ("as", 0.95, 926, 404, 963, 425),
                ("follows.", 0.95, 977, 396, 1110, 425),
            ),
        ],
    )
    fields, _ = extract("rental_contract", [page], "en")
    assert (fields["landlord_name"], fields["tenant_name"]) == ("Kristin Fernandez", "Fan Xia")
    # a form's row with columns keeps its column edge: "Lessor: Kristin   Lessee: Fan Xia"
    page.lines[1] = line(
        ("Lessor:", 0.97, 257, 336, 378, 377),
        ("Kristin", 0.96, 400, 335, 508, 377),
        ("Wang", 0.96, 520, 335, 600, 377),
        ("Deposit", 0.96, 900, 335, 1040, 377),
        ("RMB", 0.96, 1052, 335, 1120, 377),
        ("3000", 0.96, 1132, 335, 1210, 377),
    )
    fields, _ = extract("rental_contract", [page], "en")
    assert fields["landlord_name"] == "Kristin Wang"


def test_a_caption_whose_value_ocr_lost_is_not_the_customers_name() -> None:
    """en seed 6161: a receipt slip whose values were printed too light to read; under
    "Customer" came the next caption, "Photo Studio", taken for the customer's name (a
    false name_mismatch on the photo). A studio is a body, not a person."""
    lost = stacked_page(
        "Receipt of Digital Photo for Identity Documents",
        [("Customer", []), ("Photo Studio", []), ("Receipt Number", ["SZ0953541702"])],
    )
    fields, _ = extract("photo_receipt", [lost], "en")
    assert fields["name"] is None and fields["receipt_number"] == "SZ0953541702"
    read = stacked_page(
        "Receipt of Digital Photo for Identity Documents",
        [("Customer", ["Jennifer Carter"]), ("Receipt Number", ["SZ0953541702"])],
    )
    assert extract("photo_receipt", [read], "en")[0]["name"] == "Jennifer Carter"


def test_an_open_ended_term_whose_words_wrap_onto_the_next_line() -> None:
    """en seed 6767: "... beginning on January 26, 2025 and ending on no / fixed term."
    gave no end date, and the contract was asked for again as unreadable."""
    page = docgen.Page()
    for line in (
        "Labour Contract",
        "Clause 1 Employer: Davis Construction Ltd.. Employee: Brenda Harvey, identity card",
        "number 110102198002038767.",
        "Clause 2 This is a contract with a term beginning on January 26, 2025 and ending on no",
        "fixed term.",
    ):
        page.words_at(page.margin, page.y, line, page._font(scale=0.8))
        page.advance()
    fields, _ = extract("labour_contract", [page.page_text()], "en")
    assert (fields["start_date"], fields["end_date"]) == ("2025-01-26", "indefinite")


def test_an_address_in_prose_runs_on_through_an_apostrophe_as_ocr_reads_it() -> None:
    """Seed 7806: OCR read the apostrophe of "Yan'an" as a left quotation mark, and the
    premises' address ended at "No. 175 Yan"."""
    for apostrophe in ("'", "’", "‘", "`"):
        page = docgen.lines_page(
            "HOUSE LEASE CONTRACT\n"
            "1. Party A agrees to lease to Party B the premises located at No. 175 "
            f"Yan{apostrophe}an Road,\nUnit 1, Room 603, Nanshan District, Shenzhen."
        )
        fields, _ = extract("rental_contract", [page], "en")
        assert fields["property_address"] == (
            f"No. 175 Yan{apostrophe}an Road, Unit 1, Room 603, Nanshan District, Shenzhen"
        )
