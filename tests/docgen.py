"""A tiny document renderer for tests: PIL text at 300 DPI, several layouts per document.

``render(blocks)`` draws a page and returns the image *and* a ``PageText`` with
the exact box of every word drawn (what a perfect OCR would return), so unit
tests run fast on realistic layouts; ``ocr(image)`` runs Tesseract on the image
for the noisy cases. Blocks:

* ``("title", text)`` big centred heading; ``("heading", text)`` left, bold-ish
* ``("kv", label, value)`` label and value on one row, ``sep`` ":" or a tab stop
* ``("kv2", label1, value1, label2, value2)`` two label/value pairs on one row
* ``("above", label, value)`` small label with its value on the row below
* ``("table", [(label, value), ...])`` grid with ruled cells, no colons
* ``("para", text)`` wrapped prose; ``("gap",)`` blank line; ``("right", text)`` right-aligned
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from pipeline.text import Line, PageText, Word

DPI = 300
A4 = (2480, 3508)
CARD = (1011, 638)
FONT_DIR = "/usr/share/fonts/truetype"
FONTS = {
    "sans": f"{FONT_DIR}/dejavu/DejaVuSans.ttf",
    "sans_bold": f"{FONT_DIR}/dejavu/DejaVuSans-Bold.ttf",
    "serif": f"{FONT_DIR}/dejavu/DejaVuSerif.ttf",
    "serif_bold": f"{FONT_DIR}/dejavu/DejaVuSerif-Bold.ttf",
}
for _name in ("LiberationSerif-Regular", "LiberationSans-Regular"):
    _path = f"{FONT_DIR}/liberation/{_name}.ttf"
    if os.path.exists(_path):
        FONTS[_name] = _path


@lru_cache(maxsize=64)
def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONTS.get(name, FONTS["sans"]), size)


#: An ID card's back as the validity tests draw it, at 300 DPI (85.6 x 54 mm).
CARD_BACK = (1012, 638)


def card_back(validity: str, issuer_x: int = 230) -> Image.Image:
    """The back of an ID card at 300 DPI: its title, then the issuer's and the validity's
    rows, each a small grey caption before a dark value."""
    card = Image.new("L", CARD_BACK, 245)
    draw = ImageDraw.Draw(card)
    draw.rounded_rectangle([0, 0, CARD_BACK[0] - 1, CARD_BACK[1] - 1], 30, outline=120, width=3)
    draw.text((200, 60), "Resident Identity Card", font=font("sans_bold", 44), fill=20)
    draw.text((60, 300), "Issued by", font=font("sans", 26), fill=90)
    draw.text((issuer_x, 296), "Public Security Bureau, Heping", font=font("sans", 34), fill=10)
    draw.text((60, 370), "Valid Period", font=font("sans", 26), fill=90)
    draw.text((230, 366), validity, font=font("sans", 34), fill=10)
    return card


class Page:
    def __init__(self, size: tuple[int, int] = A4, family: str = "sans", body: int = 42):
        self.size = size
        self.image = Image.new("L", size, 255)
        self.draw = ImageDraw.Draw(self.image)
        self.family = family
        self.body = body
        self.margin = int(size[0] * 0.09)
        self.y = int(size[1] * 0.06) if size == A4 else 40
        self.lines: list[Line] = []

    def _font(self, bold: bool = False, scale: float = 1.0) -> ImageFont.FreeTypeFont:
        name = f"{self.family}_bold" if bold and f"{self.family}_bold" in FONTS else self.family
        return font(name, int(self.body * scale))

    def words_at(self, x: float, y: float, text: str, fnt: ImageFont.FreeTypeFont) -> float:
        """Draw ``text`` word by word from (x, y); record boxes; return the x after it."""
        words: list[Word] = []
        space = fnt.getlength(" ")
        for piece in text.split():
            self.draw.text((x, y), piece, font=fnt, fill=0)
            left, top, right, bottom = self.draw.textbbox((x, y), piece, font=fnt)
            words.append(Word(text=piece, confidence=0.96, x0=left, y0=top, x1=right, y1=bottom))
            x = right + space
        if words:
            self.lines.append(Line(words=words))
        return x

    def advance(self, scale: float = 1.0) -> None:
        self.y += int(self.body * 1.7 * scale)

    def add(self, block: Sequence[Any]) -> None:
        kind = block[0]
        width = self.size[0] - 2 * self.margin
        if kind == "title":
            fnt = self._font(bold=True, scale=1.6)
            text_width = fnt.getlength(block[1])
            self.words_at((self.size[0] - text_width) / 2, self.y, block[1], fnt)
            self.advance(1.8)
        elif kind == "heading":
            self.words_at(self.margin, self.y, block[1], self._font(bold=True, scale=1.15))
            self.advance(1.3)
        elif kind == "right":
            fnt = self._font()
            self.words_at(
                self.size[0] - self.margin - fnt.getlength(block[1]), self.y, block[1], fnt
            )
            self.advance()
        elif kind == "kv":
            label, value = block[1], block[2]
            sep = block[3] if len(block) > 3 else ":"
            fnt = self._font()
            if sep == "tab":
                self.words_at(self.margin, self.y, label, fnt)
                self.words_at(self.margin + int(width * 0.34), self.y, value, fnt)
            else:
                # a long value wraps onto the next row, aligned under its own start
                x = self.words_at(self.margin, self.y, f"{label}{sep}", fnt)
                line = ""
                for word in value.split():
                    trial = f"{line} {word}".strip()
                    if fnt.getlength(trial) > self.size[0] - self.margin - x and line:
                        self.words_at(x, self.y, line, fnt)
                        self.advance(0.75)
                        line = word
                    else:
                        line = trial
                self.words_at(x, self.y, line, fnt)
            self.advance()
        elif kind == "kv2":
            fnt = self._font()
            self.words_at(self.margin, self.y, f"{block[1]}: {block[2]}", fnt)
            self.words_at(self.margin + int(width * 0.58), self.y, f"{block[3]}: {block[4]}", fnt)
            self.advance()
        elif kind == "above":
            self.words_at(self.margin, self.y, block[1], self._font(scale=0.75))
            self.y += int(self.body * 1.05)
            self.words_at(self.margin, self.y, block[2], self._font())
            self.advance(1.2)
        elif kind == "table":
            fnt = self._font()
            row_h = int(self.body * 2.6)
            split = self.margin + int(width * 0.33)
            for label, value in block[1]:
                top = self.y - int(self.body * 0.75)
                self.draw.rectangle(
                    [self.margin - 15, top, self.margin + width, top + row_h], outline=0, width=3
                )
                self.draw.line([split - 15, top, split - 15, top + row_h], fill=0, width=3)
                self.words_at(self.margin, self.y, label, fnt)
                self.words_at(split, self.y, value, fnt)
                self.y += row_h
            self.advance(0.5)
        elif kind == "para":
            fnt = self._font()
            line = ""
            for word in block[1].split():
                trial = f"{line} {word}".strip()
                if fnt.getlength(trial) > width and line:
                    self.words_at(self.margin, self.y, line, fnt)
                    self.advance()
                    line = word
                else:
                    line = trial
            if line:
                self.words_at(self.margin, self.y, line, fnt)
                self.advance()
            self.advance(0.4)
        elif kind == "gap":
            self.advance()
        else:
            raise ValueError(kind)

    def page_text(self, number: int = 1) -> PageText:
        return PageText(
            number=number,
            width=self.size[0],
            height=self.size[1],
            dpi=DPI,
            source="text_layer",
            lines=list(self.lines),
        )


def render(
    blocks: Sequence[Sequence[Any]],
    size: tuple[int, int] = A4,
    family: str = "sans",
    body: int = 42,
) -> tuple[Image.Image, PageText]:
    page = Page(size, family, body)
    for block in blocks:
        page.add(block)
    return page.image, page.page_text()


def degrade(
    image: Image.Image, blur: float = 0.8, noise: float = 12.0, seed: int = 0
) -> Image.Image:
    """A scan-like copy: slight blur and grain."""
    rng = np.random.default_rng(seed)
    blurred = image.filter(ImageFilter.GaussianBlur(blur))
    array = np.asarray(blurred, dtype=np.float32) + rng.normal(0, noise, blurred.size[::-1])
    return Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))


def remove_rules(image: Image.Image) -> Image.Image:
    """Table rules painted out: Tesseract drops the text of ruled cells otherwise."""
    import cv2

    grey = np.asarray(image.convert("L"))
    inverted = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    horizontal = cv2.getStructuringElement(cv2.MORPH_RECT, (max(grey.shape[1] // 30, DPI // 3), 1))
    vertical = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(grey.shape[0] // 60, DPI // 3)))
    rules = cv2.morphologyEx(inverted, cv2.MORPH_OPEN, horizontal) | cv2.morphologyEx(
        inverted, cv2.MORPH_OPEN, vertical
    )
    cleaned = grey.copy()
    cleaned[cv2.dilate(rules, np.ones((3, 3), np.uint8)) > 0] = 255
    return Image.fromarray(cleaned)


def ocr(image: Image.Image, number: int = 1, lang: str = "eng") -> PageText:
    """Tesseract words with boxes and confidences, grouped into its lines (as the reader does)."""
    import pytesseract

    image = remove_rules(image)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    # pipeline.ocr points pytesseract at the configured command (a fake one, in the tests
    # of Tesseract's failures): these pages are read by the real one
    pytesseract.pytesseract.tesseract_cmd = "tesseract"
    data = pytesseract.image_to_data(
        image, lang=lang, config="--psm 3", output_type=pytesseract.Output.DICT, timeout=120
    )
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for i, text in enumerate(data["text"]):
        if not text or not text.strip() or float(data["conf"][i]) < 0:
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        x, y, w, h = data["left"][i], data["top"][i], data["width"][i], data["height"][i]
        lines.setdefault(key, []).append(
            Word(text=text, confidence=float(data["conf"][i]) / 100, x0=x, y0=y, x1=x + w, y1=y + h)
        )
    return PageText(
        number=number,
        width=image.size[0],
        height=image.size[1],
        dpi=DPI,
        source="ocr",
        lines=[Line(words=words) for words in lines.values()],
    )


def lines_page(text: str, number: int = 1) -> PageText:
    """Plain text lines with synthetic boxes (fixed-pitch), for the fastest unit tests."""
    lines = []
    char_w, line_h = 25, 60
    for row, raw in enumerate(text.strip("\n").splitlines()):
        words, x = [], 200
        for piece in raw.split(" "):
            if piece:
                words.append(
                    Word(
                        text=piece,
                        confidence=0.95,
                        x0=x,
                        y0=200 + row * line_h,
                        x1=x + char_w * len(piece),
                        y1=200 + row * line_h + 42,
                    )
                )
            x += char_w * (len(piece) + 1)
        if words:
            lines.append(Line(words=words))
    return PageText(
        number=number, width=2480, height=3508, dpi=DPI, source="text_layer", lines=lines
    )


# --------------------------------------------------------------------------- documents
# Realistic documents of every type in several layouts and wordings, with their truth.


def id_number(prefix: str = "110105", born: str = "19900307", seq: str = "123") -> str:
    from stdnum.cn import ric

    body = prefix + born + seq
    return body + ric.calc_check_digit(body + "0")  # stdnum wants the check slot included


def credit_code(body: str = "91110105MA01ABCD1") -> str:
    from stdnum.cn import uscc

    return body + uscc.calc_check_digit(body)


TENANT_ID = id_number("110105", "19900307", "123")
LANDLORD_ID = id_number("310104", "19751120", "456")
EMPLOYEE_ID = id_number("440305", "19880615", "234")
COMPANY_CODE = credit_code("91110105MA01ABCD1")


def rental(v: int) -> tuple[list, dict]:
    truth = {
        "landlord_name": "Zhang Min",
        "tenant_name": "Li Wei",
        "tenant_id_number": TENANT_ID,
        "property_address": "Room 1203, Building 5, 88 Jianguo Road, Chaoyang District, Beijing",
        "start_date": "2026-03-01",
        "end_date": "2027-02-28",
        "monthly_rent": 4500.0,
    }
    if v == 0:
        blocks = [
            ("title", "HOUSE LEASE CONTRACT"),
            ("gap",),
            ("kv2", "Party A (Landlord)", "Zhang Min", "ID No.", LANDLORD_ID),
            ("kv2", "Party B (Tenant)", "Li Wei", "ID No.", TENANT_ID),
            ("kv", "Property Address", truth["property_address"]),
            ("kv", "Lease Term", "1 March 2026 to 28 February 2027"),
            ("kv", "Monthly Rent", "RMB 4,500.00"),
            (
                "para",
                "Party B shall pay the rent on or before the fifth day of each month. A "
                "security deposit equal to two months' rent is payable on signing.",
            ),
            ("gap",),
            ("kv2", "Landlord signature", "Zhang Min", "Tenant signature", "Li Wei"),
        ]
    elif v == 1:
        blocks = [
            ("title", "Residential Tenancy Agreement"),
            (
                "para",
                "This Residential Tenancy Agreement is made on 20 February 2026 between "
                'Zhang Min (the "Landlord"), holder of ID card number ' + LANDLORD_ID + ", and "
                'Li Wei (the "Tenant"), holder of ID card number ' + TENANT_ID + ".",
            ),
            (
                "para",
                "1. The Landlord agrees to let to the Tenant the premises located at "
                + truth["property_address"]
                + ' (the "Premises").',
            ),
            (
                "para",
                "2. The tenancy shall commence on March 1, 2026 and end on February 28, 2027.",
            ),
            (
                "para",
                "3. The Tenant shall pay a rent of RMB 4,500 per month, in advance, by bank "
                "transfer. The security deposit is RMB 9,000.",
            ),
            ("para", "4. The Tenant shall keep the Premises clean and shall not sublet them."),
        ]
    else:
        blocks = [
            ("title", "LEASE AGREEMENT"),
            (
                "table",
                [
                    ("Lessor", "Zhang Min"),
                    ("Lessee", "Li Wei"),
                    ("Lessee ID Number", TENANT_ID),
                    ("Premises", truth["property_address"]),
                    ("Commencement Date", "2026/03/01"),
                    ("Expiry Date", "2027/02/28"),
                    ("Rent per month", "4,500 yuan"),
                    ("Deposit", "9,000 yuan"),
                ],
            ),
            (
                "para",
                "The Lessee has inspected the premises and accepts them in their present "
                "condition. Utilities are paid by the Lessee.",
            ),
        ]
    return blocks, truth


def labour(v: int) -> tuple[list, dict]:
    truth = {
        "employer_name": "Beijing Hengtai Trading Co., Ltd.",
        "employee_name": "Wang Fang",
        "employee_id_number": EMPLOYEE_ID,
        "start_date": "2025-07-01",
        "end_date": "2028-06-30" if v != 2 else "indefinite",
    }
    if v == 0:
        blocks = [
            ("title", "LABOUR CONTRACT"),
            ("kv", "Party A (Employer)", truth["employer_name"]),
            ("kv", "Unified Social Credit Code", COMPANY_CODE),
            ("kv", "Party B (Employee)", "Wang Fang"),
            ("kv", "ID Number", EMPLOYEE_ID),
            ("kv", "Contract Term", "2025-07-01 to 2028-06-30"),
            ("kv", "Position", "Sales Manager"),
            (
                "para",
                "The probation period is three months. Party A pays social insurance for "
                "Party B according to law. Working hours are eight hours per day.",
            ),
        ]
    elif v == 1:
        blocks = [
            ("title", "Employment Contract"),
            (
                "para",
                "This contract is made between Beijing Hengtai Trading Co., Ltd. "
                '(hereinafter the "Employer") and Wang Fang (hereinafter the "Employee"), '
                "ID No. " + EMPLOYEE_ID + ".",
            ),
            ("kv", "Start Date", "1 July 2025"),
            ("kv", "End Date", "30 June 2028"),
            (
                "para",
                "The Employee shall work as an accountant. Remuneration is paid monthly. "
                "Annual leave follows national regulations.",
            ),
        ]
    else:
        blocks = [
            ("title", "LABOR CONTRACT (OPEN-ENDED)"),
            ("above", "Employer", truth["employer_name"]),
            ("above", "Employee", "Wang Fang"),
            ("above", "Identity Card Number", EMPLOYEE_ID),
            ("above", "Commencement Date", "July 1, 2025"),
            ("above", "Contract Term", "No fixed term"),
            ("para", "Salary, working hours and social insurance are set out in Annex 1."),
        ]
    return blocks, truth


def id_front(v: int) -> tuple[list, dict]:
    truth = {
        "name": "Li Wei",
        "gender": "male",
        "date_of_birth": "1990-03-07",
        "address": "Room 1203, Building 5, 88 Jianguo Road, Chaoyang District, Beijing",
        "id_number": TENANT_ID,
        "valid_until": None,
    }
    if v == 0:
        blocks = [
            ("kv", "Name", "Li Wei", "tab"),
            ("kv2", "Sex", "Male", "Ethnicity", "Han"),
            ("kv", "Born", "1990 3 7", "tab"),
            ("kv", "Address", "Room 1203, Building 5, 88", "tab"),
            ("kv", "", "Jianguo Road, Chaoyang District, Beijing", "tab"),
            ("gap",),
            ("kv", "Citizen Identity Number", TENANT_ID, "tab"),
        ]
    else:
        blocks = [
            ("heading", "RESIDENT IDENTITY CARD"),
            ("kv", "Name", "Li Wei"),
            ("kv", "Gender", "M"),
            ("kv", "Date of Birth", "07 Mar 1990"),
            ("kv", "Address", truth["address"]),
            ("kv", "ID No", TENANT_ID),
        ]
    return blocks, truth


def id_back(v: int) -> tuple[list, dict]:
    truth = {name: None for name in ("name", "id_number", "date_of_birth", "gender", "address")}
    truth["valid_until"] = "2036-05-01" if v == 0 else "indefinite"
    blocks = [
        ("heading", "People's Republic of China"),
        ("heading", "Resident Identity Card"),
        ("gap",),
        ("kv", "Issuing Authority", "Chaoyang Branch, Beijing Public Security Bureau", "tab"),
        (
            "kv",
            "Valid Period",
            "2016.05.01-2036.05.01" if v == 0 else "2016.05.01-Long-term",
            "tab",
        ),
    ]
    return blocks, truth


def licence(v: int) -> tuple[list, dict]:
    truth = {
        "company_name": "Beijing Hengtai Trading Co., Ltd.",
        "credit_code": COMPANY_CODE,
        "legal_representative": "Chen Jianguo",
        "address": "Floor 3, No. 12 Guanghua Road, Chaoyang District, Beijing",
        "valid_until": "2035-05-31" if v == 0 else "indefinite",
    }
    if v == 0:
        blocks = [
            ("title", "BUSINESS LICENCE"),
            ("kv", "Unified Social Credit Code", COMPANY_CODE),
            ("kv", "Name", truth["company_name"]),
            ("kv", "Type", "Limited Liability Company"),
            ("kv", "Legal Representative", "Chen Jianguo"),
            ("kv", "Registered Capital", "RMB 5,000,000"),
            ("kv", "Date of Establishment", "1 June 2015"),
            ("kv", "Business Term", "1 June 2015 to 31 May 2035"),
            ("kv", "Domicile", truth["address"]),
            ("right", "Registration Authority: Chaoyang Administration for Market Regulation"),
        ]
    else:
        blocks = [
            ("title", "Business License"),
            (
                "table",
                [
                    ("Credit Code", COMPANY_CODE),
                    ("Company Name", truth["company_name"]),
                    ("Legal Person", "Chen Jianguo"),
                    ("Address", truth["address"]),
                    ("Operating Period", "2015-06-01 - Long-term"),
                    ("Business Scope", "Import and export of goods"),
                ],
            ),
        ]
    return blocks, truth


def employment_cert(v: int) -> tuple[list, dict]:
    truth = {
        "employer_name": "Beijing Hengtai Trading Co., Ltd.",
        "employee_name": "Wang Fang",
        "issue_date": "2026-11-20",
    }
    if v == 0:
        blocks = [
            ("heading", "Beijing Hengtai Trading Co., Ltd."),
            ("title", "Certificate of Employment"),
            (
                "para",
                "This is to certify that Ms. Wang Fang, ID No. " + EMPLOYEE_ID + ", has been "
                "employed by Beijing Hengtai Trading Co., Ltd. as a full-time accountant since "
                "1 July 2025.",
            ),
            ("para", "This certificate is issued at the request of the employee."),
            ("gap",),
            ("right", "Human Resources Department"),
            ("right", "20 November 2026"),
        ]
    else:
        blocks = [
            ("title", "PROOF OF EMPLOYMENT"),
            ("kv", "Employee Name", "Wang Fang"),
            ("kv", "Employer", truth["employer_name"]),
            ("kv", "Position", "Accountant"),
            ("kv", "Date of Issue", "2026-11-20"),
        ]
    return blocks, truth


def enrollment(v: int) -> tuple[list, dict]:
    truth = {
        "student_name": "Zhao Lei",
        "school_name": "Beijing Normal University",
        "issue_date": "2026-09-15",
    }
    blocks = [
        ("heading", "Beijing Normal University"),
        ("title", "Certificate of Enrolment" if v == 0 else "ENROLLMENT VERIFICATION LETTER"),
        (
            "para",
            "This is to certify that Zhao Lei, student number 202301234, is currently "
            "enrolled as a full-time undergraduate student in the School of Mathematics, "
            "academic year 2026-2027.",
        ),
        ("gap",),
        ("right", "Academic Affairs Office"),
        ("right", "Date: 15 September 2026" if v == 0 else "September 15, 2026"),
    ]
    return blocks, truth


def student_card(v: int) -> tuple[list, dict]:
    truth = {
        "student_name": "Zhao Lei",
        "school_name": "Beijing Normal University",
        "student_number": "202301234",
        "valid_until": "2027-07-31",
    }
    blocks = [
        ("heading", "Beijing Normal University"),
        ("heading", "STUDENT ID CARD"),
        ("kv", "Name", "Zhao Lei"),
        ("kv", "Student No.", "202301234"),
        ("kv", "Faculty", "Mathematics"),
        ("kv", "Valid Until", "2027-07-31" if v == 0 else "31/07/2027"),
    ]
    return blocks, truth


def accommodation(v: int) -> tuple[list, dict]:
    truth = {
        "resident_name": "Li Wei",
        "address": (
            "Room 305, Staff Dormitory Building 2, 18 Xueyuan Road, Haidian District, Beijing"
        ),
        "issuer": "Beijing Hengtai Trading Co., Ltd.",
        "issue_date": "2026-11-01",
    }
    if v == 0:
        blocks = [
            ("title", "ACCOMMODATION CERTIFICATE"),
            (
                "para",
                "This is to certify that Li Wei, ID No. "
                + TENANT_ID
                + ", resides at "
                + truth["address"]
                + " since 1 March 2026, in accommodation provided by our company.",
            ),
            ("gap",),
            ("right", "Beijing Hengtai Trading Co., Ltd. (Seal)"),
            ("right", "1 November 2026"),
        ]
    else:
        blocks = [
            ("title", "Proof of Accommodation"),
            ("kv", "Resident Name", "Li Wei"),
            ("kv", "Accommodation Address", truth["address"]),
            ("kv", "Issued by", truth["issuer"]),
            ("kv", "Date of Issue", "01.11.2026" if False else "2026-11-01"),
        ]
    return blocks, truth


def property_cert(v: int) -> tuple[list, dict]:
    truth = {
        "owner_name": "Sun Li",
        "property_address": "Unit 2-301, 16 Anhui Road, Xicheng District, Beijing",
        "certificate_number": "BJ-2019-0012345",
    }
    blocks = [
        (
            "title",
            "Real Estate Title Certificate" if v == 0 else "HOUSE PROPERTY OWNERSHIP CERTIFICATE",
        ),
        (
            "table" if v == 0 else "kv",
            *(
                [
                    [
                        ("Certificate No.", "BJ-2019-0012345"),
                        ("Obligee", "Sun Li"),
                        ("Location", truth["property_address"]),
                        ("Usage", "Residential"),
                        ("Floor Area", "89.5 square metres"),
                    ]
                ]
                if v == 0
                else ["Owner", "Sun Li"]
            ),
        ),
    ]
    if v == 1:
        blocks += [
            ("kv", "Certificate Number", "BJ-2019-0012345"),
            ("kv", "Property Address", truth["property_address"]),
            ("kv", "Building Area", "89.5 m2"),
            (
                "para",
                "Nature of right: ownership. Registration authority: Xicheng Real Estate "
                "Registration Centre.",
            ),
        ]
    return blocks, truth


def purchase(v: int) -> tuple[list, dict]:
    truth = {
        "buyer_name": "Sun Li",
        "seller_name": "Beijing Huaxia Real Estate Development Co., Ltd.",
        "property_address": "Unit 2-301, 16 Anhui Road, Xicheng District, Beijing",
        "contract_date": "2019-04-18",
    }
    if v == 0:
        blocks = [
            ("title", "COMMODITY HOUSE PURCHASE CONTRACT"),
            ("kv", "Seller", truth["seller_name"]),
            ("kv", "Buyer", "Sun Li"),
            ("kv", "Property Address", truth["property_address"]),
            ("kv", "Total Price", "RMB 5,600,000"),
            ("kv", "Date of Signing", "18 April 2019"),
            ("para", "The Seller shall deliver the property to the Buyer before 30 June 2019."),
        ]
    else:
        blocks = [
            ("title", "Sale and Purchase Agreement"),
            (
                "para",
                "This agreement is made on April 18, 2019 between Beijing Huaxia Real Estate "
                'Development Co., Ltd. (the "Vendor") and Sun Li (the "Purchaser").',
            ),
            ("kv", "Property", truth["property_address"]),
            ("para", "The purchase price is RMB 5,600,000, with a down payment of 30 percent."),
        ]
    return blocks, truth


def photo_receipt(v: int) -> tuple[list, dict]:
    truth = {"receipt_number": "PR20261115008", "name": "Li Wei"}
    blocks = [
        ("heading", "Sunshine Photo Studio"),
        ("title", "Digital Photo Receipt"),
        ("kv", "Receipt No.", "PR20261115008"),
        ("kv", "Name", "Li Wei"),
        ("kv", "Date", "15 November 2026"),
        (
            "para",
            "This digital photo meets the requirements for residence permit photos and has "
            "been uploaded to the photo collection system.",
        ),
    ]
    return blocks, truth


# look-alikes that must come out unknown
def utility_bill() -> list:
    return [
        ("heading", "Beijing Electric Power Company"),
        ("title", "ELECTRICITY BILL"),
        ("kv", "Account Number", "0101 2345 6789"),
        ("kv", "Customer Name", "Li Wei"),
        ("kv", "Address", "Room 1203, Building 5, 88 Jianguo Road, Chaoyang District, Beijing"),
        ("kv", "Billing Period", "2026-10-01 to 2026-10-31"),
        ("kv", "Previous Reading", "12034 kWh"),
        ("kv", "Current Reading", "12290 kWh"),
        ("kv", "Amount Due", "RMB 138.24"),
        ("kv", "Due Date", "20 November 2026"),
    ]


def bank_statement() -> list:
    return [
        ("title", "Statement of Account"),
        ("kv", "Account Holder", "Li Wei"),
        ("kv", "Account Number", "6222 0212 3456 7890"),
        ("kv", "Statement Period", "1 Oct 2026 to 31 Oct 2026"),
        ("kv", "Opening Balance", "RMB 12,400.00"),
        ("para", "2026-10-05 Transfer to Zhang Min rent 4,500.00 debit balance 7,900.00"),
        ("para", "2026-10-15 Salary credit 15,000.00 balance 22,900.00"),
        ("kv", "Closing Balance", "RMB 22,900.00"),
    ]


def shop_receipt() -> list:
    return [
        ("title", "SALES RECEIPT"),
        ("heading", "Happy Mart Store 0231"),
        ("kv", "Item", "Milk 2 x 6.50"),
        ("kv", "Item", "Bread 1 x 12.00"),
        ("kv", "Subtotal", "25.00"),
        ("kv", "Total", "25.00"),
        ("kv", "Cash", "50.00"),
        ("kv", "Change", "25.00"),
        ("para", "Thank you for shopping with us!"),
    ]


DOCUMENTS = {
    "rental_contract": (rental, 3, A4),
    "labour_contract": (labour, 3, A4),
    "id_card": (id_front, 2, CARD),
    "business_licence": (licence, 2, A4),
    "employment_certificate": (employment_cert, 2, A4),
    "enrollment_certificate": (enrollment, 2, A4),
    "student_id": (student_card, 2, CARD),
    "accommodation_certificate": (accommodation, 2, A4),
    "property_certificate": (property_cert, 2, A4),
    "purchase_contract": (purchase, 2, A4),
    "photo_receipt": (photo_receipt, 1, A4),
}


def card_body(size: tuple[int, int]) -> int:
    return 30 if size == CARD else 42


# --------------------------------------------------------------------------- Chinese

FONTS["cjk"] = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FONTS["cjk_bold"] = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"


def rental_zh(v: int) -> tuple[list, dict]:
    truth = {
        "landlord_name": "张敏",
        "tenant_name": "李伟",
        "tenant_id_number": TENANT_ID,
        "property_address": "北京市朝阳区建国路88号5号楼1203室",
        "start_date": "2026-03-01",
        "end_date": "2027-02-28",
        "monthly_rent": 4500.0,
    }
    if v == 0:
        blocks = [
            ("title", "房屋租赁合同"),
            ("kv", "出租方（甲方）", "张敏"),
            ("kv", "承租方（乙方）", "李伟"),
            ("kv", "身份证号码", TENANT_ID),
            ("kv", "房屋坐落", truth["property_address"]),
            ("kv", "租赁期限", "2026年3月1日至2027年2月28日"),
            ("kv", "月租金", "人民币4500元"),
            ("para", "乙方应于每月五日前支付租金。押金为两个月租金。"),
        ]
    else:
        blocks = [
            ("title", "住房租赁合同"),
            (
                "table",
                [
                    ("出租人", "张敏"),
                    ("承租人", "李伟"),
                    ("证件号码", TENANT_ID),
                    ("房屋地址", truth["property_address"]),
                    ("起租日期", "2026.03.01"),
                    ("到期日期", "2027.02.28"),
                    ("每月租金", "¥4,500"),
                ],
            ),
        ]
    return blocks, truth


def licence_zh(v: int) -> tuple[list, dict]:
    truth = {
        "company_name": "北京恒泰贸易有限公司",
        "credit_code": COMPANY_CODE,
        "legal_representative": "陈建国",
        "address": "北京市朝阳区光华路12号3层",
        "valid_until": "indefinite" if v == 0 else "2035-05-31",
    }
    blocks = [
        ("title", "营业执照"),
        ("kv", "统一社会信用代码", COMPANY_CODE),
        ("kv", "名称", truth["company_name"]),
        ("kv", "类型", "有限责任公司"),
        ("kv", "法定代表人", "陈建国"),
        ("kv", "注册资本", "伍佰万元整"),
        ("kv", "营业期限", "2015年06月01日至长期" if v == 0 else "2015年06月01日至2035年05月31日"),
        ("kv", "住所", truth["address"]),
    ]
    return blocks, truth


def id_front_zh(v: int) -> tuple[list, dict]:
    truth = {
        "name": "李伟",
        "gender": "male",
        "date_of_birth": "1990-03-07",
        "address": "北京市朝阳区建国路88号5号楼1203室",
        "id_number": TENANT_ID,
        "valid_until": "2036-05-01",
    }
    blocks = [
        ("kv", "姓名", "李伟", "tab"),
        ("kv", "性别", "男    民族  汉", "tab"),
        ("kv", "出生", "1990年3月7日", "tab"),
        ("kv", "住址", truth["address"], "tab"),
        ("kv", "公民身份号码", TENANT_ID, "tab"),
        ("gap",),
        ("heading", "中华人民共和国居民身份证"),
        ("kv", "签发机关", "北京市公安局朝阳分局", "tab"),
        ("kv", "有效期限", "2016.05.01-2036.05.01", "tab"),
    ]
    return blocks, truth


ZH_DOCUMENTS = {
    "rental_contract": (rental_zh, 2, A4),
    "business_licence": (licence_zh, 2, A4),
    "id_card": (id_front_zh, 1, A4),
}
