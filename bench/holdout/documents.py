"""The held-out documents, drawn as sheets of positioned text (see ``canvas``).

Each builder takes the document's true fields and extras and returns a :class:`Drawn`:
its sheets and, per contract field, the exact string printed (what the tests look for).
Layouts are chosen per document from ``STYLES``: a bordered grid with the value in the
next cell, two label/value pairs per row, label above value, right-aligned labels without
colons, ALL-CAPS labels with colons, and prose; label wording comes from synonym lists of
this module (Lessee, Occupant, Party B, 承租人, 乙方, ...).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from bench.holdout.canvas import FAMILIES, PT_MM, SIZES_MM, Sheet, text_width_mm, wrap
from bench.holdout.ink import face, seal, signature
from bench.holdout.printing import Printer

STYLES = ("grid", "grid4", "stacked", "aligned", "caps")
OTHER_KINDS = ("utility_bill", "bank_statement", "shop_receipt")


@dataclass
class Drawn:
    sheets: list[Sheet]
    printed: dict[str, str] = field(default_factory=dict)
    layout: str = ""
    card: bool = False  # a card-sized document (ID card, student ID)
    title_bottom: float | None = None  # mm from the top of page 1: where a cut keeps the title


def pick(rng: random.Random, options: Any) -> Any:
    return rng.choice(list(options))


class Writer:
    """Lays out one document top to bottom on pages of one size, in one font family."""

    def __init__(self, lang: str, rng: random.Random, paper: str | None = None) -> None:
        self.lang = lang
        self.rng = rng
        self.paper = paper or rng.choice(["a4", "a4", "letter"])
        self.width, self.height = SIZES_MM[self.paper]
        self.regular, self.bold = pick(rng, FAMILIES[lang])
        self.size = rng.choice([10.5, 11, 12]) if lang == "en" else rng.choice([11, 12, 12.5])
        self.margin = rng.uniform(18, 26)
        self.sheets: list[Sheet] = []
        self.y = 0.0
        self.title_bottom: float | None = None
        self.new_page()

    # pages ------------------------------------------------------------------
    def new_page(self) -> None:
        self.sheets.append(Sheet(self.width, self.height))
        self.y = self.margin

    @property
    def sheet(self) -> Sheet:
        return self.sheets[-1]

    @property
    def inner(self) -> float:
        return self.width - 2 * self.margin

    def room(self, needed: float) -> None:
        if self.y + needed > self.height - self.margin:
            self.new_page()

    def gap(self, mm: float) -> None:
        self.y += mm

    # text -------------------------------------------------------------------
    def line_height(self, size: float | None = None) -> float:
        return (size or self.size) * PT_MM * 1.45

    def title(self, text: str, size: float | None = None, spaced: bool = False) -> None:
        size = size or self.size * self.rng.uniform(1.6, 2.0)
        if spaced and self.lang == "zh":
            text = " ".join(text)
        self.sheet.text(self.width / 2, self.y, text, size, self.bold, align="center")
        self.y += size * PT_MM * 1.6 + 4
        if self.title_bottom is None and len(self.sheets) == 1:
            self.title_bottom = self.y - 3

    def centred(self, text: str, size: float | None = None, bold: bool = False) -> None:
        size = size or self.size
        self.sheet.text(
            self.width / 2, self.y, text, size, self.bold if bold else self.regular, align="center"
        )
        self.y += self.line_height(size)

    def paragraph(self, text: str, indent: float = 0.0) -> None:
        lines = wrap(text, self.regular, self.size, self.inner - indent)
        for line in lines:
            self.room(self.line_height())
            self.sheet.text(self.margin + indent, self.y, line, self.size, self.regular)
            self.y += self.line_height()
        self.y += 1.5

    def right(self, text: str, bold: bool = False) -> float:
        """A line flush right (issuer, date); returns its top."""
        self.room(self.line_height())
        top = self.y
        self.sheet.text(
            self.width - self.margin,
            self.y,
            text,
            self.size,
            self.bold if bold else self.regular,
            align="right",
        )
        self.y += self.line_height()
        return top

    # label / value blocks -----------------------------------------------------
    def label_text(self, label: str, style: str) -> str:
        if style == "caps" and self.lang == "en":
            return label.upper() + ":"
        if style == "caps":
            return label + "："
        return label

    def fields(self, pairs: list[tuple[str, str]], style: str) -> None:
        """Label/value pairs in ``style``."""
        if style == "grid":
            self._grid(pairs, columns=1)
        elif style == "grid4":
            self._grid(pairs, columns=2)
        elif style == "stacked":
            self._stacked(pairs)
        elif style == "aligned":
            self._aligned(pairs)
        else:
            self._colon(pairs)
        self.y += 4

    def _grid(self, pairs: list[tuple[str, str]], columns: int) -> None:
        size = self.size
        label_size = size * 0.9
        longest_word = max(
            text_width_mm(word, self.bold, label_size)
            for label, _ in pairs
            for word in label.split()
        )
        label_share = 0.32 if columns == 1 else 0.27
        cell = self.inner / columns
        label_share = max(label_share, min(0.45, (longest_word + 4) / cell))
        value_w = cell - cell * label_share
        shade = self.rng.choice([None, (235, 235, 235), (225, 232, 240)])
        rows = [pairs[i : i + columns] for i in range(0, len(pairs), columns)]
        for row in rows:
            if columns == 2 and any(
                len(wrap(v, self.regular, size, value_w - 3)) > 2 for _, v in row
            ):
                rows_to_draw = [[pair] for pair in row]  # a long value takes the full width
            else:
                rows_to_draw = [row]
            for drawn in rows_to_draw:
                span = self.inner / len(drawn)
                lw = span * label_share if len(drawn) == columns else cell * label_share
                vw = span - lw
                wrapped = [
                    (
                        wrap(label, self.bold, label_size, lw - 3),
                        wrap(value, self.regular, size, vw - 3),
                    )
                    for label, value in drawn
                ]
                lines = max(max(len(a), len(b)) for a, b in wrapped)
                height = lines * self.line_height() + 3
                self.room(height)
                for i, (label_lines, value_lines) in enumerate(wrapped):
                    x = self.margin + i * span
                    self.sheet.frame(x, self.y, lw, height, fill=shade, width=0.25)
                    self.sheet.frame(x + lw, self.y, vw, height, width=0.25)
                    y = self.y + 1.5
                    for text in label_lines:
                        self.sheet.text(x + 1.5, y, text, label_size, self.bold)
                        y += self.line_height()
                    y = self.y + 1.5
                    for text in value_lines:
                        self.sheet.text(x + lw + 1.5, y, text, size, self.regular)
                        y += self.line_height()
                self.y += height

    def _stacked(self, pairs: list[tuple[str, str]]) -> None:
        small = self.size * 0.75
        caps = self.lang == "en" and self.rng.random() < 0.6
        for label, value in pairs:
            lines = wrap(value, self.regular, self.size, self.inner)
            self.room(self.line_height(small) + len(lines) * self.line_height() + 3)
            self.sheet.text(
                self.margin,
                self.y,
                label.upper() if caps else label,
                small,
                self.regular,
                color=(90, 90, 90),
            )
            self.y += self.line_height(small)
            for text in lines:
                self.sheet.text(self.margin, self.y, text, self.size, self.regular)
                self.y += self.line_height()
            self.sheet.rule(
                self.margin,
                self.y + 0.5,
                self.width - self.margin,
                self.y + 0.5,
                width=0.15,
                color=(150, 150, 150),
            )
            self.y += 3

    def _aligned(self, pairs: list[tuple[str, str]]) -> None:
        column = max(text_width_mm(label, self.bold, self.size) for label, _ in pairs)
        column = min(column, self.inner * 0.42)
        x_value = self.margin + column + 6
        for label, value in pairs:
            lines = wrap(value, self.regular, self.size, self.width - self.margin - x_value)
            self.room(len(lines) * self.line_height() + 2)
            self.sheet.text(
                self.margin + column, self.y, label, self.size, self.bold, align="right"
            )
            for text in lines:
                self.sheet.text(x_value, self.y, text, self.size, self.regular)
                self.y += self.line_height()
                self.sheet.rule(
                    x_value,
                    self.y - 0.8,
                    self.width - self.margin,
                    self.y - 0.8,
                    width=0.15,
                    color=(120, 120, 120),
                )
            self.y += 2

    def _colon(self, pairs: list[tuple[str, str]]) -> None:
        for label, value in pairs:
            head = self.label_text(label, "caps") + " "
            x_value = self.margin + text_width_mm(head, self.bold, self.size) + 1
            lines = wrap(value, self.regular, self.size, self.width - self.margin - x_value)
            self.room(len(lines) * self.line_height() + 2)
            self.sheet.text(self.margin, self.y, head.rstrip(), self.size, self.bold)
            for text in lines:
                self.sheet.text(x_value, self.y, text, self.size, self.regular)
                self.y += self.line_height()
            self.y += 1.5

    # ink ------------------------------------------------------------------------
    def seal_over(self, name: str, top: float, x_centre: float | None = None) -> None:
        """A red seal of ``name`` stamped over the line at ``top`` (text under the ink)."""
        diameter = self.rng.uniform(36, 44)
        x = (x_centre or self.width - self.margin - 30) - diameter / 2
        y = top - diameter / 2 + self.rng.uniform(-4, 4)
        self.sheet.picture(x, y, diameter, diameter, seal(name, self.rng, self.lang))

    def signature_at(self, x: float, y: float) -> None:
        self.sheet.picture(x, y, 38, 12, signature(self.rng))

    def signatures(self, left: str, right: str, stamp: str | None = None) -> None:
        """Two signature blocks side by side, a seal over the first party's when given."""
        self.room(40)
        self.y += 8
        half = self.width / 2
        self.sheet.text(self.margin, self.y, left, self.size, self.regular)
        self.sheet.text(half + 5, self.y, right, self.size, self.regular)
        self.signature_at(self.margin + 5, self.y + self.line_height())
        self.signature_at(half + 10, self.y + self.line_height())
        if stamp:
            self.seal_over(stamp, self.y + 8, self.margin + 30)
        self.y += 26


# ------------------------------------------------------------------- labels

L = {
    "en": {
        "rental_title": [
            "RESIDENTIAL LEASE AGREEMENT",
            "Tenancy Agreement",
            "HOUSE LEASE CONTRACT",
            "Apartment Rental Agreement",
        ],
        "landlord": ["Lessor", "Owner", "Party A (Lessor)", "Landlord", "Party A"],
        "tenant": ["Lessee", "Occupant", "Party B (Lessee)", "Tenant", "Party B"],
        "tenant_id": ["ID No.", "Identity Card No.", "Resident ID Number", "Citizen ID"],
        "premises": ["Premises", "Leased Property", "Property Address", "Location of Premises"],
        "start": ["Commencement Date", "Lease Start", "Term begins", "Move-in Date"],
        "end": ["Expiry Date", "Lease End", "Term ends", "Valid until"],
        "term": ["Lease Term", "Term of Lease", "Period"],
        "rent": ["Monthly Rent", "Rent per Month", "Rent (monthly)"],
        "deposit": ["Deposit", "Security Deposit"],
        "property_title": [
            "REAL ESTATE TITLE CERTIFICATE",
            "Certificate of Real Property Ownership",
            "HOUSE OWNERSHIP CERTIFICATE",
        ],
        "owner": ["Holder", "Obligee", "Title Holder", "Owner"],
        "location": ["Location", "Property Located at", "Situated at", "Address of Property"],
        "cert_no": ["Certificate No.", "Title No.", "Registration No."],
        "purchase_title": [
            "SALE AND PURCHASE AGREEMENT",
            "Commodity Housing Sales Contract",
            "CONTRACT FOR THE SALE OF A FLAT",
        ],
        "seller": ["Vendor", "Seller", "Party A (Seller)", "Transferor"],
        "buyer": ["Purchaser", "Buyer", "Party B (Buyer)", "Transferee"],
        "sold": ["Property", "Unit Sold", "Address of the Property"],
        "signed_on": ["Date of Contract", "Signed on", "Contract Date", "Date of Signing"],
        "labour_title": ["LABOUR CONTRACT", "Employment Agreement", "CONTRACT OF EMPLOYMENT"],
        "employer": ["Employer", "Company", "Unit", "Party A (Employer)", "Employing Unit"],
        "employee": ["Employee", "Worker", "Party B (Employee)", "Staff Member"],
        "employee_id": ["ID Card No.", "Identity No.", "Citizen ID No."],
        "contract_start": ["Start Date", "Effective from", "Commencement"],
        "contract_end": ["End Date", "Expires on", "Termination Date"],
        "licence_name": ["Enterprise Name", "Name", "Company Name"],
        "credit": ["Unified Social Credit Code", "USCC", "Credit Code"],
        "legal_rep": ["Legal Representative", "Operator", "Legal Person"],
        "licence_address": ["Registered Address", "Domicile", "Business Premises"],
        "licence_term": ["Term of Operation", "Business Term", "Operating Period"],
        "valid_until": ["Valid until", "Valid Thru", "Expiry", "Expires"],
        "student_no": ["Student No.", "Student Number", "Matric No."],
        "name": ["Name", "Full Name", "Student"],
        "receipt_no": ["Receipt No.", "Photo Code", "Serial No."],
        "customer": ["Customer", "Name", "Client"],
        "issued_on": ["Date of Issue", "Issued on", "Date"],
    },
    "zh": {
        "rental_title": ["房屋租赁合同", "租房合同", "房屋租赁协议", "住房租赁合同书"],
        "landlord": ["出租人", "甲方", "出租方（甲方）", "房东"],
        "tenant": ["承租人", "乙方", "承租方（乙方）", "租客"],
        "tenant_id": ["身份证号", "证件号码", "身份证号码"],
        "premises": ["房屋坐落", "租赁房屋地址", "房屋地址", "出租房屋位置"],
        "start": ["起租日期", "租赁开始日期", "租期起"],
        "end": ["到期日期", "租赁截止日期", "租期止"],
        "term": ["租赁期限", "租期"],
        "rent": ["月租金", "每月租金", "租金（月）"],
        "deposit": ["押金", "保证金"],
        "property_title": ["不动产权证书", "房屋所有权证", "房地产权证"],
        "owner": ["权利人", "房屋所有权人", "产权人"],
        "location": ["坐落", "房屋坐落", "房屋地址"],
        "cert_no": ["证书编号", "不动产权证号", "房权证号"],
        "purchase_title": ["商品房买卖合同", "存量房买卖合同", "房屋买卖合同"],
        "seller": ["出卖人", "甲方（卖方）", "卖方"],
        "buyer": ["买受人", "乙方（买方）", "买方"],
        "sold": ["房屋坐落", "房屋地址", "所购房屋"],
        "signed_on": ["签订日期", "合同签订日期", "签约日期"],
        "labour_title": ["劳动合同书", "劳动合同", "固定期限劳动合同"],
        "employer": ["用人单位", "甲方", "甲方（用人单位）", "单位名称"],
        "employee": ["劳动者", "乙方", "乙方（劳动者）", "员工姓名"],
        "employee_id": ["身份证号码", "公民身份号码", "居民身份证号"],
        "contract_start": ["合同开始日期", "起始日期", "生效日期"],
        "contract_end": ["合同终止日期", "终止日期", "截止日期"],
        "licence_name": ["名称", "企业名称", "单位名称"],
        "credit": ["统一社会信用代码", "社会信用代码"],
        "legal_rep": ["法定代表人", "经营者", "负责人"],
        "licence_address": ["住所", "经营场所", "注册地址"],
        "licence_term": ["营业期限", "经营期限"],
        "valid_until": ["有效期至", "有效期", "截止日期"],
        "student_no": ["学号", "学籍号"],
        "name": ["姓名", "学生姓名"],
        "receipt_no": ["回执编号", "照片回执号", "受理号"],
        "customer": ["姓名", "顾客姓名"],
        "issued_on": ["开具日期", "日期", "出具日期"],
    },
}


def label(lang: str, key: str, rng: random.Random) -> str:
    return rng.choice(L[lang][key])


# ----------------------------------------------------------------- builders


def build(
    kind: str, fields: dict[str, Any], extras: dict[str, Any], lang: str, rng: random.Random
) -> Drawn:
    """Draw one document of ``kind`` (a contract type or one of ``OTHER_KINDS``)."""
    builder = BUILDERS[kind]
    return builder(fields, extras, lang, rng)


def rental_contract(f: dict, x: dict, lang: str, rng: random.Random) -> Drawn:
    w = Writer(lang, rng)
    p = Printer(lang, rng)
    style = pick(rng, (*STYLES, "prose"))
    printed = {
        "landlord_name": f["landlord_name"],
        "tenant_name": f["tenant_name"],
        "tenant_id_number": f["tenant_id_number"],
        "property_address": f["property_address"],
        "start_date": p.date(f["start_date"]),
        "end_date": p.date(f["end_date"]),
        "monthly_rent": p.money(f["monthly_rent"]),
    }
    w.title(label(lang, "rental_title", rng), spaced=rng.random() < 0.4)
    if lang == "en":
        w.right(f"Contract No.: {x['contract_no']}")
    else:
        w.right(f"合同编号：{x['contract_no']}")
    ll, tl = label(lang, "landlord", rng), label(lang, "tenant", rng)
    if style == "prose":
        if lang == "en":
            w.paragraph(
                f"This agreement is made between {printed['landlord_name']} "
                f'(ID No. {x["landlord_id"]}, hereinafter the "{ll}") and '
                f"{printed['tenant_name']} (ID No. {printed['tenant_id_number']}, "
                f'hereinafter the "{tl}").'
            )
            w.paragraph(
                f"1. The {ll} agrees to let and the {tl} agrees to take the dwelling "
                f'situated at {printed["property_address"]} (the "Premises"), '
                f"with a floor area of {x['area']} square metres."
            )
            w.paragraph(
                f"2. The tenancy shall commence on {printed['start_date']} and shall "
                f"end on {printed['end_date']}."
            )
            w.paragraph(
                f"3. The rent is {printed['monthly_rent']} per calendar month, payable "
                f"in advance on the fifth day of each month. A deposit of two months' "
                f"rent is paid on signing."
            )
        else:
            w.paragraph(f"{ll}：{printed['landlord_name']}（身份证号：{x['landlord_id']}）")
            w.paragraph(
                f"{tl}：{printed['tenant_name']}（身份证号：{printed['tenant_id_number']}）"
            )
            w.paragraph(
                f"第一条 {ll}将位于{printed['property_address']}的房屋（建筑面积"
                f"{x['area']}平方米）出租给{tl}居住使用。"
            )
            w.paragraph(f"第二条 租赁期限自{printed['start_date']}起至{printed['end_date']}止。")
            w.paragraph(
                f"第三条 月租金为{printed['monthly_rent']}，按月支付，{tl}应于每月五日前付清。"
            )
    else:
        term_joined = rng.random() < 0.4
        id_label = label(lang, "tenant_id", rng)
        pairs = [(ll, printed["landlord_name"])]
        if style == "grid4" or rng.random() < 0.5:  # both parties' numbers, each by its name
            pairs.append((id_label, x["landlord_id"]))
        else:
            id_label = f"{tl} {id_label}" if lang == "en" else f"{tl}{id_label}"
        pairs += [
            (tl, printed["tenant_name"]),
            (id_label, printed["tenant_id_number"]),
            (label(lang, "premises", rng), printed["property_address"]),
        ]
        if term_joined:
            joint = (
                f"from {printed['start_date']} to {printed['end_date']}"
                if lang == "en"
                else f"自{printed['start_date']}起至{printed['end_date']}止"
            )
            pairs.append((label(lang, "term", rng), joint))
        else:
            pairs += [
                (label(lang, "start", rng), printed["start_date"]),
                (label(lang, "end", rng), printed["end_date"]),
            ]
        pairs += [
            (label(lang, "rent", rng), printed["monthly_rent"]),
            (label(lang, "deposit", rng), p.money(x["deposit"])),
        ]
        w.fields(pairs, style)
    _boilerplate(w, lang, rng, "rental")
    w.signatures(
        f"{ll}:" if lang == "en" else f"{ll}（签字）：",
        f"{tl}:" if lang == "en" else f"{tl}（签字）：",
    )
    w.right(p.date(x["signed"]))
    return Drawn(w.sheets, printed, f"{style}/{w.paper}", title_bottom=w.title_bottom)


CLAUSES = {
    ("en", "rental"): [
        "The tenant shall keep the premises clean and in good repair and shall not sublet them "
        "without the written consent of the other party.",
        "Utility charges for water, electricity, gas and internet are borne by the occupant "
        "unless otherwise agreed in writing.",
        "Either party may terminate this agreement by giving one month's written notice; the "
        "deposit is returned within fifteen days of the handover, less any damage.",
    ],
    ("en", "purchase"): [
        "The purchaser pays the price by bank transfer to the supervised account named by the "
        "vendor; title passes on registration with the real estate registry.",
        "The vendor warrants that the property is free of mortgages, leases and seizures on "
        "the day of handover.",
        "Taxes and fees of the transfer are borne by each party as the law provides.",
    ],
    ("en", "labour"): [
        "The employee works eight hours a day and forty hours a week; overtime is paid at the "
        "statutory rates.",
        "The employer pays social insurance and the housing provident fund for the employee "
        "as the law requires.",
        "The probation period is three months; either party may end the contract during it "
        "with three days' notice.",
    ],
    ("zh", "rental"): [
        "乙方应合理使用房屋及其附属设施，未经甲方书面同意，不得转租或改变房屋用途。",
        "租赁期间的水费、电费、燃气费、网络费等由乙方承担，物业管理费由甲方承担。",
        "任何一方提前解除合同，应提前一个月书面通知对方；押金在房屋交接后十五日内退还。",
    ],
    ("zh", "purchase"): [
        "买受人应按约定将房款支付至资金监管账户，房屋所有权自登记之日起转移。",
        "出卖人保证该房屋在交付时不存在抵押、租赁、查封等权利瑕疵。",
        "交易过程中产生的税费，由双方按照国家有关规定各自承担。",
    ],
    ("zh", "labour"): [
        "乙方每日工作八小时，每周工作四十小时；甲方安排加班的，依法支付加班工资。",
        "甲方依法为乙方缴纳社会保险和住房公积金。",
        "试用期为三个月，试用期内任何一方提前三日通知对方，可以解除本合同。",
    ],
}
COMMON_CLAUSES = {
    "en": [
        "Disputes arising from this agreement shall be settled by negotiation, failing which "
        "either party may bring proceedings before the competent people's court.",
        "This agreement is made in duplicate; each party holds one copy with equal effect.",
    ],
    "zh": [
        "因本合同发生的争议，由双方协商解决；协商不成的，可向有管辖权的人民法院起诉。",
        "本合同一式两份，甲乙双方各执一份，具有同等法律效力，自双方签字之日起生效。",
    ],
}


def _boilerplate(w: Writer, lang: str, rng: random.Random, topic: str) -> None:
    clauses = CLAUSES[(lang, topic)] + COMMON_CLAUSES[lang]
    rng.shuffle(clauses)
    count = rng.randrange(2, 6)
    if rng.random() < 0.3:  # a long contract: terms run onto a second page
        count = len(clauses)
        w.room(999)
    for number, clause in enumerate(clauses[:count], start=1):
        w.paragraph(f"{number}. {clause}" if lang == "en" else f"（{number}）{clause}")


def property_certificate(f: dict, x: dict, lang: str, rng: random.Random) -> Drawn:
    w = Writer(lang, rng, paper=rng.choice(["a4", "a5"]))
    p = Printer(lang, rng)
    style = pick(rng, ("grid", "aligned", "caps", "stacked"))
    printed = {
        "owner_name": f["owner_name"],
        "property_address": f["property_address"],
        "certificate_number": f["certificate_number"],
    }
    w.sheet.frame(6, 6, w.width - 12, w.height - 12, width=1.2, color=(150, 110, 40))
    w.gap(6)
    if rng.random() < 0.5:
        w.right(
            f"{label(lang, 'cert_no', rng)}{':' if lang == 'en' else '：'} "
            f"{printed['certificate_number']}"
        )
        number_pair: list[tuple[str, str]] = []
    else:
        number_pair = [(label(lang, "cert_no", rng), printed["certificate_number"])]
    w.title(label(lang, "property_title", rng), spaced=True)
    owner = label(lang, "owner", rng)
    pairs = [(owner, printed["owner_name"])]
    pairs += [
        (
            "Joint Ownership" if lang == "en" else "共有情况",
            "Sole ownership" if lang == "en" else "单独所有",
        )
    ]
    pairs += [(label(lang, "location", rng), printed["property_address"])]
    pairs += number_pair
    pairs += [
        ("Use" if lang == "en" else "用途", "Residential" if lang == "en" else "住宅"),
        (
            "Floor Area" if lang == "en" else "面积",
            f"{x['area']} m²" if lang == "en" else f"{x['area']}平方米",
        ),
        ("Registered on" if lang == "en" else "登记日期", p.date(x["registered"])),
    ]
    w.fields(pairs, style)
    top = w.right(x["registry"])
    w.right(p.date(x["registered"]))
    w.seal_over(x["registry"], top + 4)
    return Drawn(w.sheets, printed, f"{style}/{w.paper}")


def purchase_contract(f: dict, x: dict, lang: str, rng: random.Random) -> Drawn:
    w = Writer(lang, rng)
    p = Printer(lang, rng)
    style = pick(rng, (*STYLES, "prose"))
    printed = {
        "buyer_name": f["buyer_name"],
        "seller_name": f["seller_name"],
        "property_address": f["property_address"],
        "contract_date": p.date(f["contract_date"]),
    }
    w.title(label(lang, "purchase_title", rng))
    sl, bl = label(lang, "seller", rng), label(lang, "buyer", rng)
    if style == "prose":
        if lang == "en":
            w.paragraph(
                f"This contract is entered into on {printed['contract_date']} by "
                f"{printed['seller_name']} (the {sl}) and {printed['buyer_name']} "
                f"(the {bl})."
            )
            w.paragraph(
                f"Article 1. The {sl} sells to the {bl} the residential unit at "
                f"{printed['property_address']}, floor area {x['area']} square metres, "
                f"for a total price of RMB {x['price']:,}."
            )
        else:
            w.paragraph(f"{sl}：{printed['seller_name']}")
            w.paragraph(f"{bl}：{printed['buyer_name']}")
            w.paragraph(
                f"第一条 {sl}将坐落于{printed['property_address']}的房屋（建筑面积"
                f"{x['area']}平方米）出售给{bl}，总价款为人民币{x['price']}元。"
            )
            w.paragraph(f"本合同于{printed['contract_date']}签订。")
    else:
        pairs = [
            (sl, printed["seller_name"]),
            (bl, printed["buyer_name"]),
            (label(lang, "sold", rng), printed["property_address"]),
            ("Floor Area" if lang == "en" else "建筑面积", f"{x['area']}"),
            ("Total Price" if lang == "en" else "总价款", p.money(x["price"])),
            (label(lang, "signed_on", rng), printed["contract_date"]),
        ]
        w.fields(pairs, style)
    _boilerplate(w, lang, rng, "purchase")
    w.signatures(
        f"{sl}:" if lang == "en" else f"{sl}（签章）：",
        f"{bl}:" if lang == "en" else f"{bl}（签章）：",
        stamp=f["seller_name"] if x.get("developer") else None,
    )
    return Drawn(w.sheets, printed, f"{style}/{w.paper}", title_bottom=w.title_bottom)


def _letterhead(w: Writer, issuer: str, x: dict, lang: str) -> None:
    w.centred(issuer, size=w.size * 1.3, bold=True)
    if x.get("issuer_address"):
        w.centred(x["issuer_address"], size=w.size * 0.8)
    w.sheet.rule(w.margin, w.y + 1, w.width - w.margin, w.y + 1, width=0.6)
    w.gap(8)


def accommodation_certificate(f: dict, x: dict, lang: str, rng: random.Random) -> Drawn:
    w = Writer(lang, rng)
    p = Printer(lang, rng)
    style = pick(rng, ("prose", "prose", "grid", "aligned"))
    printed = {
        "resident_name": f["resident_name"],
        "address": f["address"],
        "issuer": f["issuer"],
        "issue_date": p.date(f["issue_date"]),
    }
    if rng.random() < 0.6:
        _letterhead(w, printed["issuer"], x, lang)
    w.title(
        rng.choice(
            ["CERTIFICATE OF ACCOMMODATION", "Proof of Lodging", "LETTER OF ACCOMMODATION"]
            if lang == "en"
            else ["住宿证明", "居住证明", "住房证明"]
        )
    )
    if style == "prose":
        if lang == "en":
            w.paragraph("To whom it may concern,")
            w.paragraph(
                f"This is to certify that {printed['resident_name']} (ID No. "
                f"{x['id_number']}) has lived since {p.date(x['since'])} in housing "
                f"provided by our organisation at {printed['address']}."
            )
            w.paragraph(
                "This certificate is issued at the request of the above person for the "
                "residence permit application."
            )
        else:
            w.paragraph(
                f"兹证明{printed['resident_name']}（身份证号：{x['id_number']}）自"
                f"{p.date(x['since'])}起居住在我单位提供的住房，地址为"
                f"{printed['address']}。"
            )
            w.paragraph("特此证明。")
    else:
        w.fields(
            [
                (
                    rng.choice(
                        ["Resident", "Occupant", "Lodger"]
                        if lang == "en"
                        else ["居住人", "住宿人员", "姓名"]
                    ),
                    printed["resident_name"],
                ),
                ("ID No." if lang == "en" else "身份证号", x["id_number"]),
                (
                    rng.choice(
                        ["Accommodation Address", "Lodging Address", "Housing provided at"]
                        if lang == "en"
                        else ["住宿地址", "居住地址"]
                    ),
                    printed["address"],
                ),
                ("Since" if lang == "en" else "入住日期", p.date(x["since"])),
            ],
            style,
        )
    w.gap(10)
    issuer_line = (
        f"Issued by: {printed['issuer']}"
        if lang == "en" and rng.random() < 0.5
        else printed["issuer"]
    )
    top = w.right(issuer_line)
    w.right(printed["issue_date"])
    w.seal_over(printed["issuer"], top + 3)
    return Drawn(w.sheets, printed, f"{style}/{w.paper}")


def labour_contract(f: dict, x: dict, lang: str, rng: random.Random) -> Drawn:
    w = Writer(lang, rng)
    p = Printer(lang, rng)
    style = pick(rng, (*STYLES, "prose"))
    end = p.until(f["end_date"]) if f["end_date"] == "indefinite" else p.date(f["end_date"])
    if f["end_date"] == "indefinite":
        end = rng.choice(
            ["open-ended (no fixed term)", "Indefinite"] if lang == "en" else ["无固定期限", "长期"]
        )
    printed = {
        "employer_name": f["employer_name"],
        "employee_name": f["employee_name"],
        "employee_id_number": f["employee_id_number"],
        "start_date": p.date(f["start_date"]),
        "end_date": end,
    }
    w.title(label(lang, "labour_title", rng), spaced=rng.random() < 0.5)
    el, wl = label(lang, "employer", rng), label(lang, "employee", rng)
    if style == "prose":
        if lang == "en":
            w.paragraph(
                f"{el}: {printed['employer_name']}, Unified Social Credit Code "
                f"{x['credit_code']}, legal representative {x['boss']}."
            )
            w.paragraph(
                f"{wl}: {printed['employee_name']}, ID No. {printed['employee_id_number']}."
            )
            w.paragraph(
                f"Article 1. This contract runs from {printed['start_date']} until "
                f"{printed['end_date']}. The {wl} works as {x['position']}."
            )
        else:
            w.paragraph(
                f"{el}：{printed['employer_name']}（统一社会信用代码：{x['credit_code']}，"
                f"法定代表人：{x['boss']}）"
            )
            w.paragraph(
                f"{wl}：{printed['employee_name']}（身份证号码：{printed['employee_id_number']}）"
            )
            if f["end_date"] == "indefinite":
                w.paragraph(
                    f"第一条 本合同为{printed['end_date']}劳动合同，自"
                    f"{printed['start_date']}起生效。"
                )
            else:
                w.paragraph(
                    f"第一条 本合同期限自{printed['start_date']}起至{printed['end_date']}止。"
                )
            w.paragraph(f"第二条 乙方从事{x['position']}工作。")
    else:
        pairs = [
            (el, printed["employer_name"]),
            ("Credit Code" if lang == "en" else "统一社会信用代码", x["credit_code"]),
            ("Legal Representative" if lang == "en" else "法定代表人", x["boss"]),
            (wl, printed["employee_name"]),
            (label(lang, "employee_id", rng), printed["employee_id_number"]),
            ("Position" if lang == "en" else "工作岗位", x["position"]),
            (label(lang, "contract_start", rng), printed["start_date"]),
            (label(lang, "contract_end", rng), printed["end_date"]),
            ("Monthly Salary" if lang == "en" else "月工资", p.money(x["salary"])),
        ]
        w.fields(pairs, style)
    _boilerplate(w, lang, rng, "labour")
    w.signatures(
        f"{el} (seal):" if lang == "en" else f"{el}（盖章）：",
        f"{wl}:" if lang == "en" else f"{wl}（签字）：",
        stamp=f["employer_name"],
    )
    w.right(p.date(x["signed"]))
    return Drawn(w.sheets, printed, f"{style}/{w.paper}")


def employment_certificate(f: dict, x: dict, lang: str, rng: random.Random) -> Drawn:
    w = Writer(lang, rng)
    p = Printer(lang, rng)
    printed = {
        "employer_name": f["employer_name"],
        "employee_name": f["employee_name"],
        "issue_date": p.date(f["issue_date"]),
    }
    if rng.random() < 0.6:
        _letterhead(w, printed["employer_name"], x, lang)
    w.title(
        rng.choice(
            ["CERTIFICATE OF EMPLOYMENT", "Employment Verification Letter", "PROOF OF EMPLOYMENT"]
            if lang == "en"
            else ["在职证明", "工作证明", "劳动关系证明"]
        )
    )
    style = "prose"
    if lang == "en":
        w.paragraph("To whom it may concern:")
        w.paragraph(
            f"We hereby confirm that {printed['employee_name']}, holder of ID card "
            f"No. {x['id_number']}, has been employed by {printed['employer_name']} "
            f"since {p.date(x['since'])} and currently holds the position of "
            f"{x['position']}."
        )
        w.paragraph("This letter is issued for the application for a residence permit.")
    else:
        w.paragraph(
            f"兹证明{printed['employee_name']}（身份证号码：{x['id_number']}）自"
            f"{p.date(x['since'])}起在{printed['employer_name']}工作，现任"
            f"{x['position']}职务。"
        )
        w.paragraph("特此证明。")
    w.gap(12)
    top = w.right(printed["employer_name"])
    w.right(printed["issue_date"])
    w.seal_over(printed["employer_name"], top + 3)
    return Drawn(w.sheets, printed, f"{style}/{w.paper}")


def business_licence(f: dict, x: dict, lang: str, rng: random.Random) -> Drawn:
    w = Writer(lang, rng, paper="a4")
    landscape = rng.random() < 0.5
    if landscape:
        for sheet in w.sheets:
            sheet.width, sheet.height = w.height, w.width
        w.width, w.height = w.height, w.width
    p = Printer(lang, rng)
    style = pick(rng, ("grid", "aligned", "caps", "grid4"))
    if f["valid_until"] == "indefinite":
        term = (
            f"{p.date(x['established'])} to {p.until('indefinite')}"
            if lang == "en"
            else f"{p.date(x['established'])}至长期"
        )
        until = p.until("indefinite") if lang == "en" else "长期"
    else:
        until = p.date(f["valid_until"])
        term = (
            f"{p.date(x['established'])} to {until}"
            if lang == "en"
            else f"{p.date(x['established'])}至{until}"
        )
    printed = {
        "company_name": f["company_name"],
        "credit_code": f["credit_code"],
        "legal_representative": f["legal_representative"],
        "address": f["address"],
        "valid_until": until,
    }
    w.sheet.frame(8, 8, w.width - 16, w.height - 16, width=2.0, color=(170, 40, 40))
    w.gap(4)
    w.sheet.text(
        w.margin,
        w.y,
        f"{label(lang, 'credit', rng)}{':' if lang == 'en' else ''}",
        w.size * 0.85,
        w.regular,
    )
    w.sheet.text(
        w.margin, w.y + w.line_height(w.size * 0.85), printed["credit_code"], w.size, w.bold
    )
    w.gap(12)
    w.title(
        "BUSINESS LICENCE"
        if lang == "en" and rng.random() < 0.5
        else "Business License"
        if lang == "en"
        else "营 业 执 照",
        size=w.size * 2.4,
    )
    pairs = [
        (label(lang, "licence_name", rng), printed["company_name"]),
        (
            "Type" if lang == "en" else "类型",
            "Limited liability company" if lang == "en" else "有限责任公司",
        ),
        (label(lang, "legal_rep", rng), printed["legal_representative"]),
        (
            "Registered Capital" if lang == "en" else "注册资本",
            f"RMB {x['capital']:,}" if lang == "en" else f"{x['capital'] // 10000}万元",
        ),
        ("Date of Establishment" if lang == "en" else "成立日期", p.date(x["established"])),
        (label(lang, "licence_address", rng), printed["address"]),
    ]
    if rng.random() < 0.5:
        pairs.append((label(lang, "licence_term", rng), term))
    else:
        pairs.append((label(lang, "valid_until", rng), until))
    pairs.append(("Business Scope" if lang == "en" else "经营范围", x["scope"]))
    w.fields(pairs, style)
    top = w.right(x["authority"])
    w.right(p.date(x["issued"]))
    w.seal_over(x["authority"], top + 3)
    return Drawn(w.sheets, printed, f"{style}/{'landscape' if landscape else 'portrait'}")


def enrollment_certificate(f: dict, x: dict, lang: str, rng: random.Random) -> Drawn:
    w = Writer(lang, rng)
    p = Printer(lang, rng)
    printed = {
        "student_name": f["student_name"],
        "school_name": f["school_name"],
        "issue_date": p.date(f["issue_date"]),
    }
    if rng.random() < 0.7:
        _letterhead(w, printed["school_name"], x, lang)
    w.title(
        rng.choice(
            ["CERTIFICATE OF ENROLMENT", "Enrollment Verification", "STUDENT STATUS CERTIFICATE"]
            if lang == "en"
            else ["在读证明", "在学证明", "学籍证明"]
        )
    )
    if lang == "en":
        w.paragraph(
            f"This is to certify that {printed['student_name']} (Student No. "
            f"{x['student_number']}) is a full-time student of {printed['school_name']}, "
            f"enrolled in {x['programme']}, expected to complete the course on "
            f"{p.date(x['completion'])}."
        )
    else:
        w.paragraph(
            f"兹证明{printed['student_name']}，学号{x['student_number']}，系我校"
            f"{x['programme']}在读学生，预计于{p.date(x['completion'])}毕业。"
        )
        w.paragraph("特此证明。")
    w.gap(12)
    top = w.right(printed["school_name"])
    w.right(printed["issue_date"])
    w.seal_over(printed["school_name"], top + 3)
    return Drawn(w.sheets, printed, f"prose/{w.paper}")


def photo_receipt(f: dict, x: dict, lang: str, rng: random.Random) -> Drawn:
    sheet = Sheet(100, 140)
    regular, bold = pick(rng, FAMILIES[lang])
    p = Printer(lang, rng)
    y = 8.0
    y = sheet.text(50, y, x["studio"], 10, bold, align="center")
    y = sheet.text(
        50,
        y + 2,
        "DIGITAL PHOTO RECEIPT" if lang == "en" else "数码照片回执",
        13,
        bold,
        align="center",
    )
    sheet.picture(35, y + 3, 30, 42, portrait_thumbnail(rng))
    y += 50
    rows = [
        (label(lang, "receipt_no", rng), f["receipt_number"]),
        (label(lang, "customer", rng), f["name"]),
        ("Taken on" if lang == "en" else "拍摄日期", p.date(x["taken"])),
        (
            "Valid for" if lang == "en" else "用途",
            "ID card / residence permit" if lang == "en" else "身份证/居住证",
        ),
    ]
    for key, value in rows:
        sheet.text(8, y, key, 9, bold)
        y = sheet.text(40, y, value, 9.5, regular)
        y += 1.5
    sheet.rule(6, y + 2, 94, y + 2, width=0.2)
    printed = {"receipt_number": f["receipt_number"], "name": f["name"]}
    return Drawn([sheet], printed, "slip", card=True)


def portrait_thumbnail(rng: random.Random):
    return face(rng.randrange(100), 120).convert("RGB")


def id_card(f: dict, x: dict, lang: str, rng: random.Random) -> Drawn:
    """Front and back of a resident ID card, 85.6 x 54 mm each."""
    p = Printer(lang, rng)
    regular, bold = ("cjk-sans", "cjk-sans-bold") if lang == "zh" else pick(rng, FAMILIES["en"])
    front, back = (
        Sheet(85.6, 54, background=(238, 242, 236)),
        Sheet(85.6, 54, background=(236, 240, 244)),
    )
    for sheet in (front, back):
        sheet.frame(0.4, 0.4, 84.8, 53.2, radius=3, color=(170, 180, 190), width=0.4)
    blue = (40, 80, 140)
    birth = p.date(f["date_of_birth"])
    if lang == "zh":
        birth_day = f["date_of_birth"]
        y_, m_, d_ = birth_day.split("-")
        birth = f"{int(y_)} 年 {int(m_)} 月 {int(d_)} 日"
    gender = p.gender(f["gender"])
    labels = (
        ["姓名", "性别", "民族", "出生", "住址", "公民身份号码"]
        if lang == "zh"
        else rng.choice(
            [
                ["Name", "Sex", "Ethnicity", "Born", "Address", "Citizen ID No."],
                ["NAME", "SEX", "NATIONALITY", "DATE OF BIRTH", "ADDRESS", "IDENTITY NUMBER"],
            ]
        )
    )

    def after(label_text: str, x: float, at_least: float) -> float:
        """Where a value starts: right of its label, never on it."""
        return max(at_least, x + text_width_mm(label_text, regular, 5.5) + 2.5)

    value_x = max(after(labels[i], 4, 16) for i in range(5))
    y = 5.0
    front.text(4, y, labels[0], 5.5, regular, color=blue)
    front.text(value_x, y - 0.5, f["name"], 8, bold)
    y += 7
    front.text(4, y, labels[1], 5.5, regular, color=blue)
    front.text(value_x, y, gender, 6.5, regular)
    ethnicity_x = value_x + 14
    front.text(ethnicity_x, y, labels[2], 5.5, regular, color=blue)
    front.text(after(labels[2], ethnicity_x, 0), y, "汉" if lang == "zh" else "Han", 6.5, regular)
    y += 7
    front.text(4, y, labels[3], 5.5, regular, color=blue)
    front.text(value_x, y, birth, 6.5, regular)
    y += 7
    front.text(4, y, labels[4], 5.5, regular, color=blue)
    for line in wrap(f["address"], regular, 6.2, 54 - value_x):
        front.text(value_x, y, line, 6.2, regular)
        y += 3.2
    front.text(4, 44, labels[5], 5.5, regular, color=blue)
    front.text(after(labels[5], 4, 30), 43.5, f["id_number"], 8.5, "mono" if lang == "en" else bold)
    front.picture(57, 6, 24, 30, face(x["face"], 240))
    issued = p.date(x["issued"]) if lang == "en" else x["issued"].replace("-", ".")
    until = f["valid_until"]
    if lang == "zh":
        until_text = "长期" if until == "indefinite" else until.replace("-", ".")
    else:
        until_text = p.until(until)
    back.text(
        42.8,
        6,
        "中华人民共和国" if lang == "zh" else "PEOPLE'S REPUBLIC OF CHINA",
        9 if lang == "zh" else 7,
        bold,
        align="center",
    )
    back.text(
        42.8,
        14,
        "居民身份证" if lang == "zh" else "RESIDENT IDENTITY CARD",
        12 if lang == "zh" else 8,
        bold,
        align="center",
    )
    authority_label = "签发机关" if lang == "zh" else "Issuing Authority"
    period_label = "有效期限" if lang == "zh" else "Valid Period"
    back_x = max(after(authority_label, 6, 24), after(period_label, 6, 24))
    back.text(6, 34, authority_label, 5.5, regular, color=blue)
    for i, line in enumerate(wrap(x["authority"], regular, 5.5, 82 - back_x)):
        back.text(back_x, 34 + i * 3, line, 5.5, regular)
    back.text(6, 42, period_label, 5.5, regular, color=blue)
    back.text(back_x, 42, f"{issued}-{until_text}", 6.5, regular)
    printed = {
        "name": f["name"],
        "id_number": f["id_number"],
        "date_of_birth": birth,
        "gender": gender,
        "address": f["address"],
        "valid_until": until_text,
    }
    return Drawn([front, back], printed, "card", card=True)


def student_id(f: dict, x: dict, lang: str, rng: random.Random) -> Drawn:
    p = Printer(lang, rng)
    regular, bold = pick(rng, FAMILIES[lang])
    card = Sheet(85.6, 54, background=rng.choice([(235, 244, 255), (255, 250, 235)]))
    card.frame(0.4, 0.4, 84.8, 53.2, radius=3, color=(120, 140, 180), width=0.5)
    card.frame(0.4, 0.4, 84.8, 11, fill=(30, 70, 140), color=None)
    size = 8 if len(f["school_name"]) < 32 else 6.5
    card.text(42.8, 2.5, f["school_name"], size, bold, color=(255, 255, 255), align="center")
    card.text(42.8, 13, "STUDENT ID CARD" if lang == "en" else "学 生 证", 8, bold, align="center")
    until = p.date(f["valid_until"])
    rows = [
        (label(lang, "name", rng), f["student_name"]),
        (label(lang, "student_no", rng), f["student_number"]),
        ("Faculty" if lang == "en" else "学院", x["programme"]),
        (label(lang, "valid_until", rng), until),
    ]
    y = 21.0
    for key, value in rows:
        card.text(4, y, key, 5.5, regular, color=(60, 60, 60))
        lines = wrap(value, bold, 6.5, 40)
        for line in lines:
            card.text(22, y - 0.3, line, 6.5, bold)
            y += 3.4
        y += 3.2
    card.picture(64, 20, 17, 22, face(x["face"], 200))
    printed = {
        "student_name": f["student_name"],
        "school_name": f["school_name"],
        "student_number": f["student_number"],
        "valid_until": until,
    }
    return Drawn([card], printed, "student_card", card=True)


def utility_bill(f: dict, x: dict, lang: str, rng: random.Random) -> Drawn:
    w = Writer(lang, rng)
    p = Printer(lang, rng)
    w.centred(x["utility"], size=w.size * 1.4, bold=True)
    w.title("ELECTRICITY BILL" if lang == "en" else "电费缴费通知单")
    w.fields(
        [
            ("Account Holder" if lang == "en" else "户名", x["holder"]),
            ("Account No." if lang == "en" else "户号", x["account"]),
            ("Service Address" if lang == "en" else "用电地址", x["address"]),
            (
                "Billing Period" if lang == "en" else "计费周期",
                f"{p.date(x['from'])} - {p.date(x['to'])}",
            ),
            ("Amount Due" if lang == "en" else "应缴金额", p.money(x["amount"])),
            ("Due Date" if lang == "en" else "缴费截止日期", p.date(x["due"])),
        ],
        pick(rng, ("grid", "aligned")),
    )
    return Drawn(w.sheets, {}, "bill")


def bank_statement(f: dict, x: dict, lang: str, rng: random.Random) -> Drawn:
    w = Writer(lang, rng)
    p = Printer(lang, rng)
    w.centred(x["bank"], size=w.size * 1.4, bold=True)
    w.title("ACCOUNT STATEMENT" if lang == "en" else "个人账户对账单")
    w.fields(
        [
            ("Account Name" if lang == "en" else "户名", x["holder"]),
            ("Account Number" if lang == "en" else "账号", x["account"]),
            ("Address" if lang == "en" else "地址", x["address"]),
        ],
        "caps",
    )
    heads = (
        ["Date", "Description", "Amount", "Balance"]
        if lang == "en"
        else ["日期", "摘要", "金额", "余额"]
    )
    columns = [w.margin, w.margin + 35, w.margin + 100, w.margin + 135]
    for column, head in zip(columns, heads, strict=True):
        w.sheet.text(column, w.y, head, w.size, w.bold)
    w.y += w.line_height()
    balance = x["amount"] * 3
    for i in range(rng.randrange(6, 14)):
        amount = rng.randrange(-3000, 5000)
        balance += amount
        row = [
            p.date(x["from"]) if i == 0 else p.date(x["to"]),
            rng.choice(
                ["Transfer", "POS purchase", "Salary", "ATM"]
                if lang == "en"
                else ["转账", "消费", "工资", "取现"]
            ),
            f"{amount:,}",
            f"{balance:,}",
        ]
        for column, cell in zip(columns, row, strict=True):
            w.sheet.text(column, w.y, cell, w.size * 0.9, w.regular)
        w.y += w.line_height()
    return Drawn(w.sheets, {}, "statement")


def shop_receipt(f: dict, x: dict, lang: str, rng: random.Random) -> Drawn:
    sheet = Sheet(80, 150)
    regular, bold = pick(rng, FAMILIES[lang])
    y = sheet.text(40, 6, x["shop"], 10, bold, align="center")
    y = sheet.text(
        40, y, "SALES RECEIPT" if lang == "en" else "购物小票", 9, regular, align="center"
    )
    for _ in range(rng.randrange(3, 9)):
        item = rng.choice(
            ["Rice 5kg", "Milk", "Soap", "Towel", "Kettle"]
            if lang == "en"
            else ["大米5kg", "牛奶", "香皂", "毛巾", "电水壶"]
        )
        sheet.text(5, y, item, 8, regular)
        y = sheet.text(75, y, f"{rng.randrange(3, 200)}.00", 8, regular, align="right")
    y = sheet.text(5, y + 3, ("TOTAL " if lang == "en" else "合计 ") + str(x["amount"]), 9, bold)
    sheet.text(5, y, Printer(lang, rng).date(x["due"]), 8, regular)
    return Drawn([sheet], {}, "slip", card=True)


BUILDERS = {
    "id_card": id_card,
    "photo_receipt": photo_receipt,
    "rental_contract": rental_contract,
    "property_certificate": property_certificate,
    "purchase_contract": purchase_contract,
    "accommodation_certificate": accommodation_certificate,
    "labour_contract": labour_contract,
    "employment_certificate": employment_certificate,
    "business_licence": business_licence,
    "student_id": student_id,
    "enrollment_certificate": enrollment_certificate,
    "utility_bill": utility_bill,
    "bank_statement": bank_statement,
    "shop_receipt": shop_receipt,
}
