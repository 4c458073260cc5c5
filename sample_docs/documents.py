"""From a document's true field values to an HTML page: layout, wording, order, style.

The scenario decides *what* a document says (``fields``, the truth, canonical: ISO dates,
``"indefinite"``, numbers); a builder here decides *how* an issuer prints it: which layout,
which title and label synonyms, which date format, which field order, fonts and seals.
Builders take all wording from the language's vocabulary, so Chinese is data.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from sample_docs.content import ContentMaker, format_date
from sample_docs.graphics import card_portrait, data_uri, seal, signature, watermark

TEMPLATES_DIR = Path(__file__).parent / "templates"

#: Layouts each type is printed with (template names without ``.html``).
LAYOUTS: dict[str, tuple[str, ...]] = {
    "id_card": ("card_id", "card_id_copy"),
    "photo_receipt": ("slip", "table"),
    "rental_contract": ("table", "lines", "prose"),
    "property_certificate": ("certificate", "table"),
    "purchase_contract": ("prose", "table", "lines"),
    "accommodation_certificate": ("certificate", "lines", "prose"),
    "labour_contract": ("prose", "table", "lines"),
    "employment_certificate": ("certificate", "prose"),
    "business_licence": ("licence_landscape", "licence_portrait"),
    "student_id": ("card_student_h", "card_student_v"),
    "enrollment_certificate": ("certificate", "prose"),
    "utility_bill": ("statement",),
    "bank_statement": ("statement",),
    "shop_receipt": ("slip",),
}

CARD_TYPES = ("id_card", "student_id")


@dataclass
class RenderSpec:
    """What the renderer needs: a template and its context, plus layout facts for damage."""

    template: str
    doc: dict[str, Any]
    layout: str
    title: str
    card: bool = False
    printed: dict[str, str] = field(default_factory=dict)


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True, undefined=StrictUndefined
    )


def render_html(spec: RenderSpec) -> str:
    return environment().get_template(spec.template).render(doc=spec.doc)


class Builder:
    """Prints one document of one language; one instance per document (its own choices)."""

    def __init__(self, maker: ContentMaker, rng: random.Random) -> None:
        self.maker = maker
        self.rng = rng
        self.vocab = maker.vocab
        self.lang = maker.lang
        self.date_style = rng.choice(self.vocab["date_formats"])
        self.printed: dict[str, str] = {}
        self.forced_layout: str | None = None

    def layout(self, doc_type: str) -> str:
        """The layout to print with: forced by the scenario (samples) or chosen."""
        # a held-out vocabulary may bring layouts of its own (``layouts:``)
        options = tuple((self.vocab.get("layouts") or {}).get(doc_type) or LAYOUTS[doc_type])
        choice = self.rng.choice(options)
        return self.forced_layout if self.forced_layout in options else choice

    # wording -------------------------------------------------------------
    def type_vocab(self, doc_type: str) -> dict[str, Any]:
        return self.vocab["types"][doc_type]

    def label(self, doc_type: str, key: str) -> str:
        return self.rng.choice(self.type_vocab(doc_type)["labels"][key])

    def date(self, value: str | date | None, key: str | None = None) -> str:
        if value is None:
            return ""
        if value == "indefinite":
            text = self.maker.word("open_ended" if key == "end_date" else "indefinite")
        else:
            text = format_date(date.fromisoformat(str(value)), self.date_style, self.lang)
        if key:
            self.printed[key] = text
        return text

    def put(self, key: str, text: str) -> str:
        self.printed[key] = text
        return text

    # style ---------------------------------------------------------------
    def base(self, doc_type: str, title: str | None = None) -> dict[str, Any]:
        rng = self.rng
        size = rng.choice([10, 10.5, 11, 11.5, 12, 13])
        return {
            "lang": self.lang,
            "font": rng.choice(self.vocab["fonts"]),
            "size_pt": size,
            "title_pt": size + rng.choice([5, 7, 9]),
            "title_spacing": rng.choice([0, 0.02, 0.08]),
            "line_height": rng.choice([1.3, 1.45, 1.6]),
            "accent": rng.choice(["#1f3b73", "#7a1f1f", "#1f5f3b", "#333333", "#5a3d8a"]),
            "shade": rng.choice(["#eeeeee", "#e8eef7", "#f4efe4", "#ffffff"]),
            "margin": rng.choice(["18mm", "22mm", "25mm 20mm", "15mm 18mm"]),
            "page_size": "A4",
            "cell_pad": rng.choice([3, 4, 6]),
            "colon": rng.choice([":", ":", ""]) if self.lang == "en" else rng.choice(["：", ":"]),
            "label_weight": rng.choice(["bold", "normal"]),
            "title": title or rng.choice(self.type_vocab(doc_type)["titles"]),
            "letterhead": None,
            "letterhead_sub": None,
            "doc_no": None,
            "rows": [],
            "paragraphs": [],
            "clauses": [],
            "clause_start": 1,
            "article_word": None,
            "parties": [],
            "date_line": None,
            "seal": None,
            "issuer_line": None,
            "table": None,
            "photo": None,
            "signature_page": False,
            "page_numbers": None,
        }

    def page_numbers(self) -> str:
        """CSS ``content`` for a "Page n of N" footer in this language."""
        pattern = self.vocab["words"]["page"]
        parts = re.split(r"(\{n\}|\{total\})", pattern)
        tokens = []
        for part in parts:
            if part == "{n}":
                tokens.append("counter(page)")
            elif part == "{total}":
                tokens.append("counter(pages)")
            elif part:
                tokens.append('"' + part.replace('"', "") + '"')
        return " ".join(tokens)

    def shuffle_rows(self, rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Issuers order fields differently: swap some neighbours (or, with a held-out
        vocabulary's ``row_order: shuffle``, any order at all)."""
        rows = list(rows)
        if self.vocab.get("row_order") == "shuffle":
            self.rng.shuffle(rows)
            return rows
        for index in range(len(rows) - 1):
            if self.rng.random() < 0.3:
                rows[index], rows[index + 1] = rows[index + 1], rows[index]
        return rows

    def seal_uri(self, text: str | None) -> str:
        # an ``unreadable`` plan has no issuer name; its seal still needs some lettering
        text = text or ("专用章" if self.lang == "zh" else "OFFICIAL SEAL")
        return data_uri(seal(text, self.rng, cjk=self.lang == "zh").resize((300, 300)))

    def sig_uri(self) -> str:
        return data_uri(signature(self.rng).resize((180, 60)))

    def prose(self, doc_type: str, values: dict[str, str]) -> list[str]:
        return [
            self.rng.choice(options).format(**values)
            for options in self.type_vocab(doc_type)["prose"]
        ]

    def clauses(self, doc_type: str, count: int) -> list[str]:
        options = list(self.type_vocab(doc_type).get("clauses", []))
        self.rng.shuffle(options)
        return options[:count]

    def parties(self, doc_type: str, names: list[tuple[str, str | None]]) -> list[dict[str, Any]]:
        """Signature blocks: (role label, seal text or None) per party."""
        parties = []
        for role, seal_text in names:
            parties.append(
                {
                    "role": role,
                    "sign_label": self.maker.word("signature") if self.rng.random() < 0.5 else "",
                    "sig": self.sig_uri() if seal_text is None or self.rng.random() < 0.5 else None,
                    "seal": self.seal_uri(seal_text) if seal_text else None,
                    "seal_x": self.rng.randrange(5, 30),
                }
            )
        return parties


# ----------------------------------------------------------------- builders


def build(
    doc_type: str,
    fields: dict[str, Any],
    extras: dict[str, Any],
    maker: ContentMaker,
    rng: random.Random,
) -> RenderSpec:
    """Print a document whose truth is ``fields``; ``extras`` holds facts that are not fields."""
    builder = Builder(maker, rng)
    builder.forced_layout = extras.get("layout")
    function = BUILDERS[doc_type]
    spec = function(builder, fields, extras)
    spec.printed = dict(builder.printed)
    return spec


def _field_rows(b: Builder, doc_type: str, values: dict[str, str]) -> list[tuple[str, str]]:
    return [(b.label(doc_type, key), value) for key, value in values.items() if value]


def _contract(
    b: Builder,
    doc_type: str,
    values: dict[str, str],
    party_roles: list[str],
    seals: list[str | None],
    date_text: str | None,
) -> RenderSpec:
    """Rental, purchase and labour contracts: table, lines or prose."""
    layout = b.layout(doc_type)
    doc = b.base(doc_type)
    if b.rng.random() < 0.5:
        doc["doc_no"] = b.maker.word("doc_no").format(n=b.rng.randrange(10000, 99999))
    if layout == "prose":
        doc["paragraphs"] = b.prose(doc_type, values)
        doc["article_word"] = b.maker.word("article") or None
        doc["clauses"] = b.clauses(doc_type, b.rng.randrange(3, 8))
        doc["clause_start"] = len(doc["paragraphs"]) + 1
    else:
        keys = [k for k in values if k in b.type_vocab(doc_type)["labels"]]
        doc["rows"] = b.shuffle_rows([(b.label(doc_type, k), values[k]) for k in keys if values[k]])
        doc["clauses"] = b.clauses(doc_type, b.rng.randrange(2, 6))
    roles = [b.label(doc_type, role) for role in party_roles]
    doc["parties"] = b.parties(doc_type, list(zip(roles, seals, strict=True)))
    doc["signature_page"] = b.rng.random() < 0.3  # signatures on a page of their own
    if doc["signature_page"] or b.rng.random() < 0.3:
        doc["page_numbers"] = b.page_numbers()
    if date_text:
        doc["date_line"] = (b.maker.word("date"), date_text)
    return RenderSpec(f"{'prose' if layout == 'prose' else layout}.html", doc, layout, doc["title"])


def _rent_amount(value: Any) -> int:
    """The rent to print; an ``unreadable`` plan has no value (the page is smudged or cut
    below its title anyway), so a typical amount is printed without drawing from the rng."""
    return 1500 if value is None else int(value)


def build_rental(b: Builder, f: dict[str, Any], x: dict[str, Any]) -> RenderSpec:
    values = {
        "landlord_name": b.put("landlord_name", f["landlord_name"]),
        "tenant_name": b.put("tenant_name", f["tenant_name"]),
        "tenant_id_number": b.put("tenant_id_number", f["tenant_id_number"]),
        "property_address": b.put("property_address", f["property_address"]),
        "start_date": b.date(f["start_date"], "start_date"),
        "end_date": b.date(f["end_date"], "end_date"),
        "monthly_rent": b.put("monthly_rent", b.maker.money(_rent_amount(f["monthly_rent"]))),
    }
    return _contract(
        b,
        "rental_contract",
        values,
        ["landlord_name", "tenant_name"],
        [None, None],
        b.date(x["signed"]),
    )


def build_purchase(b: Builder, f: dict[str, Any], x: dict[str, Any]) -> RenderSpec:
    values = {
        "seller_name": b.put("seller_name", f["seller_name"]),
        "buyer_name": b.put("buyer_name", f["buyer_name"]),
        "property_address": b.put("property_address", f["property_address"]),
        "contract_date": b.date(f["contract_date"], "contract_date"),
        "price": b.maker.money(x["price"]),
        "area": f"{x['area']} m²",
    }
    seals = [x.get("seller_seal"), None]
    return _contract(b, "purchase_contract", values, ["seller_name", "buyer_name"], seals, None)


def build_labour(b: Builder, f: dict[str, Any], x: dict[str, Any]) -> RenderSpec:
    values = {
        "employer_name": b.put("employer_name", f["employer_name"]),
        "credit_code": x["credit_code"],
        "employee_name": b.put("employee_name", f["employee_name"]),
        "employee_id_number": b.put("employee_id_number", f["employee_id_number"]),
        "start_date": b.date(f["start_date"], "start_date"),
        "end_date": b.date(f["end_date"], "end_date"),
        "position": x["position"],
        "salary": b.maker.money(x["salary"]),
    }
    return _contract(
        b,
        "labour_contract",
        values,
        ["employer_name", "employee_name"],
        [f["employer_name"], None],
        b.date(x["signed"]),
    )


def _certificate(
    b: Builder, doc_type: str, values: dict[str, str], issuer: str, issue_key: str, issue_text: str
) -> RenderSpec:
    """Certificates and letters: framed certificate or a letter on letterhead (prose)."""
    layout = b.layout(doc_type)
    doc = b.base(doc_type)
    doc["paragraphs"] = b.prose(doc_type, values) if "prose" in b.type_vocab(doc_type) else []
    doc["seal"] = b.seal_uri(issuer)
    doc["issuer_line"] = issuer
    doc["date_line"] = (b.label(doc_type, issue_key), issue_text) if issue_text else None
    if layout == "prose":
        doc["letterhead"] = issuer
        doc["letterhead_sub"] = b.maker.address()
        doc["parties"] = [
            {
                "role": issuer,
                "sign_label": "",
                "sig": None,
                "seal": doc["seal"],
                "seal_x": b.rng.randrange(5, 30),
            }
        ]
        doc["issuer_line"] = None
        return RenderSpec("prose.html", doc, "letter", doc["title"])
    if b.rng.random() < 0.5:
        doc["doc_no"] = b.maker.word("doc_no").format(n=b.rng.randrange(100000, 999999))
    return RenderSpec("certificate.html", doc, "certificate", doc["title"])


def build_accommodation(b: Builder, f: dict[str, Any], x: dict[str, Any]) -> RenderSpec:
    doc_type = "accommodation_certificate"
    values = {
        "resident_name": b.put("resident_name", f["resident_name"]),
        "address": b.put("address", f["address"]),
        "issuer": b.put("issuer", f["issuer"]),
        "id_number": x["id_number"],
        "since": b.date(x["since"]),
    }
    issue = b.date(f["issue_date"], "issue_date")
    layout = b.layout(doc_type)
    if layout == "lines":
        doc = b.base(doc_type)
        doc["rows"] = b.shuffle_rows(
            _field_rows(
                b,
                doc_type,
                {
                    "resident_name": values["resident_name"],
                    "id_number": values["id_number"],
                    "address": values["address"],
                    "issuer": values["issuer"],
                },
            )
        )
        doc["paragraphs"] = [b.type_vocab(doc_type)["prose"][1][0]]
        doc["parties"] = b.parties(doc_type, [(b.label(doc_type, "issuer"), f["issuer"])])
        doc["date_line"] = (b.label(doc_type, "issue_date"), issue)
        return RenderSpec("lines.html", doc, "lines", doc["title"])
    return _certificate(b, doc_type, values, f["issuer"], "issue_date", issue)


def build_employment_certificate(b: Builder, f: dict[str, Any], x: dict[str, Any]) -> RenderSpec:
    values = {
        "employee_name": b.put("employee_name", f["employee_name"]),
        "employer_name": b.put("employer_name", f["employer_name"]),
        "id_number": x["id_number"],
        "position": x["position"],
        "since": b.date(x["since"]),
    }
    issue = b.date(f["issue_date"], "issue_date")
    return _certificate(
        b, "employment_certificate", values, f["employer_name"], "issue_date", issue
    )


def build_enrollment(b: Builder, f: dict[str, Any], x: dict[str, Any]) -> RenderSpec:
    values = {
        "student_name": b.put("student_name", f["student_name"]),
        "school_name": b.put("school_name", f["school_name"]),
        "student_number": x["student_number"],
        "programme": x["programme"],
        "completion": b.date(x["completion"]),
    }
    issue = b.date(f["issue_date"], "issue_date")
    return _certificate(b, "enrollment_certificate", values, f["school_name"], "issue_date", issue)


def build_property(b: Builder, f: dict[str, Any], x: dict[str, Any]) -> RenderSpec:
    doc_type = "property_certificate"
    tv = b.type_vocab(doc_type)
    values = {
        "owner_name": b.put("owner_name", f["owner_name"]),
        "property_address": b.put("property_address", f["property_address"]),
        "certificate_number": b.put("certificate_number", f["certificate_number"]),
        "area": f"{x['area']} m²",
        "usage": b.rng.choice(tv["usage"]),
        "ownership": b.rng.choice(tv["ownership"]),
        "registered": b.date(x["registered"]),
    }
    layout = b.layout(doc_type)
    doc = b.base(doc_type)
    doc["rows"] = b.shuffle_rows(_field_rows(b, doc_type, values))
    doc["seal"] = b.seal_uri(x["registry"])
    doc["issuer_line"] = x["registry"]
    if layout == "certificate":
        doc["doc_no"] = f"{b.label(doc_type, 'certificate_number')} {f['certificate_number']}"
        doc["rows"] = [row for row in doc["rows"] if row[1] != f["certificate_number"]]
        return RenderSpec("certificate.html", doc, "certificate", doc["title"])
    doc["letterhead"] = x["registry"]
    doc["parties"] = [
        {"role": x["registry"], "sign_label": "", "sig": None, "seal": doc["seal"], "seal_x": 20}
    ]
    return RenderSpec("table.html", doc, "table", doc["title"])


def build_licence(b: Builder, f: dict[str, Any], x: dict[str, Any]) -> RenderSpec:
    doc_type = "business_licence"
    tv = b.type_vocab(doc_type)
    layout = b.layout(doc_type)
    doc = b.base(doc_type)
    doc["font"] = b.rng.choice(b.vocab["licence_fonts"])
    code_label = b.label(doc_type, "credit_code")
    doc["code_line"] = f"{code_label} {b.put('credit_code', f['credit_code'])}"
    values = {
        "company_name": b.put("company_name", f["company_name"]),
        "kind": b.rng.choice(tv["kinds"]),
        "legal_representative": b.put("legal_representative", f["legal_representative"]),
        "capital": b.maker.money(x["capital"]),
        "valid_from": b.date(x["established"]),
        "valid_until": b.date(f["valid_until"], "valid_until"),
        "address": b.put("address", f["address"]),
        "scope": x["scope"],
    }
    doc["rows"] = b.shuffle_rows(_field_rows(b, doc_type, values))
    doc["seal"] = b.seal_uri(x["authority"])
    doc["issuer_line"] = x["authority"]
    doc["date_line"] = ("", b.date(x["issued"]))
    if layout == "licence_landscape":
        doc["page_size"] = "A4 landscape"
        doc["frame_height"] = "150mm"
    else:
        doc["frame_height"] = "235mm"
    doc["margin"] = "12mm"
    return RenderSpec("licence.html", doc, layout, doc["title"])


def build_id_card(b: Builder, f: dict[str, Any], x: dict[str, Any]) -> RenderSpec:
    doc_type = "id_card"
    tv = b.type_vocab(doc_type)
    layout = b.layout(doc_type)
    doc = b.base(doc_type)
    doc["font"] = b.rng.choice(b.vocab["card_fonts"])
    doc["title"] = b.rng.choice(tv["titles"])
    doc["card_pt"] = b.rng.choice([6.5, 7, 7.5])
    doc["card_bg"] = b.rng.choice(["#dfeaf3", "#e8f0e4", "#efe9dc"])
    doc["card_bg2"] = b.rng.choice(["#f3e6e6", "#e3eef5", "#f0f0f0"])
    doc["L"] = {key: b.label(doc_type, key) for key in tv["labels"]}
    birth = date.fromisoformat(f["date_of_birth"])
    issued = date.fromisoformat(x["issued"])
    dot = "%Y.%m.%d"
    until = f["valid_until"]
    until_text = (
        b.maker.word("indefinite")
        if until == "indefinite"
        else f"{date.fromisoformat(until):{dot}}"
    )
    b.put("valid_until", until_text)
    doc["v"] = {
        "name": b.put("name", f["name"]),
        "gender": b.put("gender", b.maker.word(f["gender"])),
        "ethnicity": b.maker.word("ethnicity"),
        "date_of_birth": b.put("date_of_birth", format_date(birth, b.date_style, b.lang)),
        "address": b.put("address", f["address"]),
        "id_number": b.put("id_number", f["id_number"]),
        "authority": x["authority"],
        "validity": f"{issued:{dot}}{b.rng.choice(['-', ' - ', '–'])}{until_text}",
    }
    doc["photo"] = data_uri(card_portrait(b.rng), "JPEG")
    if layout == "card_id":
        doc["page_size"] = "85.6mm 54mm"
        doc["margin"] = "0"
        return RenderSpec("card_id.html", doc, layout, doc["title"], card=True)
    doc["copy_top"] = b.rng.randrange(10, 60)
    doc["copy_note"] = x.get("copy_note")
    # "for residence permit use only", written across the copy: ink, not text layer
    doc["watermark"] = (
        data_uri(watermark(b.maker.word("copy_mark"), b.rng, cjk=b.lang == "zh"))
        if b.rng.random() < 0.5
        else None
    )
    return RenderSpec("card_id_copy.html", doc, layout, doc["title"])


def build_student_id(b: Builder, f: dict[str, Any], x: dict[str, Any]) -> RenderSpec:
    doc_type = "student_id"
    tv = b.type_vocab(doc_type)
    layout = b.layout(doc_type)
    doc = b.base(doc_type)
    doc["font"] = b.rng.choice(b.vocab["card_fonts"])
    doc["size_pt"] = b.rng.choice([7, 7.5, 8])
    doc["v"] = {"school_name": b.put("school_name", f["school_name"])}
    doc["rows"] = [
        (b.label(doc_type, "student_name"), b.put("student_name", f["student_name"])),
        (b.label(doc_type, "faculty"), b.rng.choice(tv["faculties"])),
        (b.label(doc_type, "student_number"), b.put("student_number", f["student_number"])),
        (b.label(doc_type, "valid_until"), b.date(f["valid_until"], "valid_until")),
    ]
    doc["photo"] = data_uri(card_portrait(b.rng), "JPEG")
    doc["margin"] = "0"
    if layout == "card_student_h":
        doc["page_size"] = "85.6mm 54mm"
        doc["card_w"], doc["card_h"] = "85.6mm", "54mm"
        doc["photo_css"] = "float: right; margin-left: 3mm;"
    else:
        doc["page_size"] = "54mm 85.6mm"
        doc["card_w"], doc["card_h"] = "54mm", "85.6mm"
        doc["photo_css"] = "display: block; margin: 0 auto 2mm auto;"
    return RenderSpec("card_student.html", doc, layout, doc["title"], card=True)


def build_photo_receipt(b: Builder, f: dict[str, Any], x: dict[str, Any]) -> RenderSpec:
    doc_type = "photo_receipt"
    tv = b.type_vocab(doc_type)
    layout = b.layout(doc_type)
    doc = b.base(doc_type)
    doc["letterhead"] = x["studio"]
    rows = [
        (b.label(doc_type, "receipt_number"), b.put("receipt_number", f["receipt_number"])),
        (b.label(doc_type, "name"), b.put("name", f["name"])),
        (b.label(doc_type, "studio"), x["studio"]),
        (b.label(doc_type, "taken"), b.date(x["taken"])),
        (b.label(doc_type, "usage"), b.rng.choice(tv["usage"])),
    ]
    doc["rows"] = b.shuffle_rows(rows)
    doc["photo"] = data_uri(card_portrait(b.rng, width=200), "JPEG")
    doc["seal"] = b.seal_uri(x["studio"]) if b.rng.random() < 0.6 else None
    if layout == "slip":
        doc["page_size"] = "80mm 150mm"
        doc["margin"] = "6mm"
        doc["size_pt"] = 8.5
        doc["title_pt"] = 11
        return RenderSpec("slip.html", doc, layout, doc["title"])
    doc["page_size"] = "A5"
    doc["letterhead"] = x["studio"]
    return RenderSpec("table.html", doc, layout, doc["title"])


# ------------------------------------------------------ documents of no type


def build_utility_bill(b: Builder, f: dict[str, Any], x: dict[str, Any]) -> RenderSpec:
    doc_type = "utility_bill"
    doc = b.base(doc_type)
    doc["letterhead"] = b.maker.organisation("utilities")
    doc["rows"] = _field_rows(
        b,
        doc_type,
        {
            "customer": x["holder"],
            "account": x["account"],
            "address": x["address"],
            "period": f"{b.date(x['from'])} - {b.date(x['to'])}",
            "amount": b.maker.money(x["amount"]),
            "due": b.date(x["due"]),
        },
    )
    columns = b.type_vocab(doc_type)["items"][0]
    previous = b.rng.randrange(1000, 9000)
    usage = b.rng.randrange(50, 400)
    doc["table"] = {
        "columns": columns,
        "rows": [[str(previous), str(previous + usage), str(usage), "0.52", f"{usage * 0.52:.2f}"]],
    }
    return RenderSpec("statement.html", doc, "statement", doc["title"])


def build_bank_statement(b: Builder, f: dict[str, Any], x: dict[str, Any]) -> RenderSpec:
    doc_type = "bank_statement"
    tv = b.type_vocab(doc_type)
    doc = b.base(doc_type)
    doc["letterhead"] = b.maker.organisation("banks")
    doc["rows"] = _field_rows(
        b,
        doc_type,
        {
            "customer": x["holder"],
            "account": x["account"],
            "period": f"{b.date(x['from'])} - {b.date(x['to'])}",
            "balance": f"{x['amount']:,}.00",
        },
    )
    balance = x["amount"]
    rows = []
    for day in range(b.rng.randrange(6, 16)):
        amount = b.rng.randrange(20, 3000)
        credit = b.rng.random() < 0.3
        balance += amount if credit else -amount
        rows.append(
            [
                f"{x['from'][:8]}{day + 1:02d}",
                b.rng.choice(tv["descriptions"]),
                "" if credit else f"{amount:,}.00",
                f"{amount:,}.00" if credit else "",
                f"{balance:,}.00",
            ]
        )
    doc["table"] = {"columns": tv["columns"], "rows": rows}
    return RenderSpec("statement.html", doc, "statement", doc["title"])


def build_shop_receipt(b: Builder, f: dict[str, Any], x: dict[str, Any]) -> RenderSpec:
    doc_type = "shop_receipt"
    tv = b.type_vocab(doc_type)
    doc = b.base(doc_type)
    doc["letterhead"] = b.maker.organisation("shops")
    goods = b.rng.sample(tv["goods"], b.rng.randrange(3, 7))
    prices = [b.rng.randrange(3, 60) for _ in goods]
    doc["table"] = {"rows": [[g, f"{p:.2f}"] for g, p in zip(goods, prices, strict=True)]}
    doc["rows"] = [
        (b.label(doc_type, "total"), f"{sum(prices):.2f}"),
        (b.label(doc_type, "cashier"), str(b.rng.randrange(1, 30))),
    ]
    doc["paragraphs"] = [b.date(x["from"])]
    doc["page_size"] = "80mm 160mm"
    doc["margin"] = "6mm"
    doc["size_pt"] = 8.5
    doc["title_pt"] = 11
    return RenderSpec("slip.html", doc, "slip", doc["title"])


BUILDERS = {
    "id_card": build_id_card,
    "photo_receipt": build_photo_receipt,
    "rental_contract": build_rental,
    "property_certificate": build_property,
    "purchase_contract": build_purchase,
    "accommodation_certificate": build_accommodation,
    "labour_contract": build_labour,
    "employment_certificate": build_employment_certificate,
    "business_licence": build_licence,
    "student_id": build_student_id,
    "enrollment_certificate": build_enrollment,
    "utility_bill": build_utility_bill,
    "bank_statement": build_bank_statement,
    "shop_receipt": build_shop_receipt,
}

#: Types whose truth is ``unknown`` (documents that are none of the contract's types).
OTHER_TYPES = ("utility_bill", "bank_statement", "shop_receipt")
