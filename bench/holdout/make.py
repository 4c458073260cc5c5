"""Turn planned applications into uploaded files, ``application.json`` and ``truth.json``.

The truth has the keys ``sample_docs.generate`` writes and ``bench.accuracy`` reads
(``files`` -> type, fields, pages, layout, delivery, defect, role, checks, bad_file, kind;
``applications`` -> status, items, language, defect, second_defect); the notice items come
from ``sample_docs.rules.expected_items``.
"""

from __future__ import annotations

import json
import random
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from bench.holdout import damage
from bench.holdout.canvas import raster, to_pdf
from bench.holdout.documents import OTHER_KINDS, Drawn, build
from bench.holdout.ink import portrait
from bench.holdout.plan import Doc, Plan, plan_batch
from sample_docs.rules import expected_items, expected_status

FIELDS: dict[str, tuple[str, ...]] = {
    "id_card": ("name", "id_number", "date_of_birth", "gender", "address", "valid_until"),
    "photo": (),
    "photo_receipt": ("receipt_number", "name"),
    "rental_contract": (
        "landlord_name",
        "tenant_name",
        "tenant_id_number",
        "property_address",
        "start_date",
        "end_date",
        "monthly_rent",
    ),
    "property_certificate": ("owner_name", "property_address", "certificate_number"),
    "purchase_contract": ("buyer_name", "seller_name", "property_address", "contract_date"),
    "accommodation_certificate": ("resident_name", "address", "issuer", "issue_date"),
    "labour_contract": (
        "employer_name",
        "employee_name",
        "employee_id_number",
        "start_date",
        "end_date",
    ),
    "employment_certificate": ("employer_name", "employee_name", "issue_date"),
    "business_licence": (
        "company_name",
        "credit_code",
        "legal_representative",
        "address",
        "valid_until",
    ),
    "student_id": ("student_name", "school_name", "student_number", "valid_until"),
    "enrollment_certificate": ("student_name", "school_name", "issue_date"),
    "unknown": (),
}
CARD_KINDS = ("id_card", "student_id")
SLIP_KINDS = ("photo_receipt", "shop_receipt")


@dataclass
class Made:
    """One uploaded file: bytes, truth, and (for tests) what was drawn on it."""

    name: str
    data: bytes
    truth: dict[str, Any]
    drawn: Drawn | None = None


@dataclass
class MadeApp:
    app_id: str
    form: dict[str, Any]
    files: list[Made] = field(default_factory=list)
    truth: dict[str, Any] = field(default_factory=dict)


class Namer:
    """Upload names as phones, scanners and chat apps make them; they mean nothing."""

    def __init__(self, rng: random.Random, lang: str) -> None:
        self.rng, self.lang, self.used = rng, lang, set()

    def __call__(self, ext: str) -> str:
        while True:
            style = self.rng.randrange(5)
            n = self.rng.randrange(10000)
            stem = [
                f"IMG_{20261100 + self.rng.randrange(1, 26)}_{n:04d}",
                f"scan{n:04d}",
                f"document ({self.rng.randrange(1, 9)})",
                f"upload_{n}",
                f"微信图片_{n:06d}" if self.lang == "zh" else f"Photo {n}",
            ][style]
            name = stem + ext
            if name not in self.used:
                self.used.add(name)
                return name


def truth_fields(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {key: fields.get(key) for key in FIELDS[kind]}


def deliver_paper(drawn: Drawn, rng: random.Random) -> tuple[bytes, str, int, dict]:
    """A paper document as uploaded: text PDF, scan, phone photo or low-DPI copy."""
    mode = rng.choices(["pdf_text", "scan", "scan_pdf", "phone", "lowdpi"], [3, 3, 2, 1.5, 1])[0]
    if mode == "pdf_text":
        return to_pdf(drawn.sheets), ".pdf", len(drawn.sheets), {"mode": mode}
    if mode == "lowdpi":
        dpi = rng.randrange(96, 121)
        pages = [raster(s, dpi) for s in drawn.sheets]
        fmt = "pdf_scan" if len(pages) > 1 else rng.choice(["jpeg", "png"])
        pages = [damage.scan(p, rng)[0] for p in pages]
        return (
            damage.encode(pages, fmt, rng, dpi),
            damage.EXTENSIONS[fmt],
            len(pages),
            {"mode": mode, "dpi": dpi, "format": fmt},
        )
    if mode == "phone":
        page, info = damage.phone(raster(drawn.sheets[0], 200), rng)
        return (
            damage.encode([page], "jpeg", rng, 150),
            ".jpg",
            1,
            {"mode": mode, **info, "pages_kept": 1},
        )
    dpi = rng.choice([150, 200, 240, 300])
    pages, infos = [], []
    turns = rng.choice([1, 2, 3]) if rng.random() < 0.15 else 0
    for sheet in drawn.sheets:
        page, info = damage.scan(raster(sheet, dpi), rng)
        if turns:
            page = damage.quarter(page, turns)
        pages.append(page)
        infos.append(info)
    if mode == "scan_pdf" or len(pages) > 1:
        fmt = rng.choice(["pdf_scan", "pdf_scan", "tiff"])
    else:
        fmt = rng.choice(["jpeg", "jpeg", "png", "webp", "bmp"])
    return (
        damage.encode(pages, fmt, rng, dpi),
        damage.EXTENSIONS[fmt],
        len(pages),
        {"mode": "scan", "format": fmt, "dpi": dpi, "quarter_turns": turns, "pages": infos},
    )


def deliver_card(drawn: Drawn, rng: random.Random) -> tuple[bytes, str, int, dict]:
    """A card: both sides on a photocopied sheet, photographed on a table, or scanned alone."""
    mode = rng.choices(["copy", "phone", "sides"], [3, 2, 1])[0]
    dpi = rng.choice([200, 300]) if mode != "sides" else 300
    sides = [raster(s, dpi) for s in drawn.sheets]
    if mode == "copy":
        page = damage.cards_on_page(sides, dpi, rng)
        page, info = damage.scan(page, rng)
        fmt = rng.choice(["jpeg", "jpeg", "pdf_scan", "png"])
        if fmt == "png":
            page = page.convert("L")  # a photocopy kept losslessly
        return (
            damage.encode([page], fmt, rng, dpi),
            damage.EXTENSIONS[fmt],
            1,
            {"mode": mode, "format": fmt, "dpi": dpi, **info},
        )
    if mode == "phone":
        page, info = damage.phone(damage.cards_on_desk(sides, rng), rng)
        return damage.encode([page], "jpeg", rng, 150), ".jpg", 1, {"mode": mode, **info}
    pages = [damage.scan(side, rng)[0] for side in sides]
    fmt = "tiff" if len(pages) > 1 and rng.random() < 0.5 else "pdf_scan"
    if len(pages) == 1:
        fmt = "jpeg"
    return (
        damage.encode(pages, fmt, rng, dpi),
        damage.EXTENSIONS[fmt],
        len(pages),
        {"mode": mode, "format": fmt, "dpi": dpi},
    )


def deliver_slip(drawn: Drawn, rng: random.Random) -> tuple[bytes, str, int, dict]:
    dpi = rng.choice([200, 300])
    page = raster(drawn.sheets[0], dpi)
    if rng.random() < 0.5:
        page, info = damage.phone(page, rng)
        return damage.encode([page], "jpeg", rng, 150), ".jpg", 1, {"mode": "phone", **info}
    page, info = damage.scan(page, rng)
    return damage.encode([page], "jpeg", rng, dpi), ".jpg", 1, {"mode": "scan", "dpi": dpi, **info}


def cut_below_title(drawn: Drawn, rng: random.Random) -> tuple[bytes, str, int, dict]:
    """Only the title survives: the photo of a torn page (the ``unreadable`` defect)."""
    dpi = 200
    page = raster(drawn.sheets[0], dpi)
    keep = int(((drawn.title_bottom or 40.0) + 2) * dpi / 25.4)
    page = page.crop((0, 0, page.width, keep))
    page, info = damage.scan(page, rng)
    return damage.encode([page], "jpeg", rng, dpi), ".jpg", 1, {"mode": "cut", **info}


def make_file(doc: Doc, lang: str, rng: random.Random, namer: Namer) -> Made:
    truth_type = "unknown" if doc.kind in OTHER_KINDS else doc.kind
    fields = (
        dict.fromkeys(FIELDS[truth_type])
        if doc.unreadable
        else truth_fields(truth_type, doc.fields)
    )
    truth: dict[str, Any] = {"type": truth_type, "fields": fields}
    if doc.defect:
        truth["defect"] = doc.defect
    if doc.role != "applicant":
        truth["role"] = doc.role
    if doc.kind == "photo":
        image = portrait(rng, doc.checks.get("problem"))
        fmt = rng.choice(["jpeg", "jpeg", "png"])
        data = damage.encode([image], fmt, rng, 300)
        truth.update(
            pages=[1],
            checks=dict(doc.checks),
            delivery={"mode": "photo", "format": fmt},
            layout="portrait",
        )
        return Made(namer(damage.EXTENSIONS[fmt]), data, truth)
    drawn = build(doc.kind, doc.fields, doc.extras, lang, rng)
    if doc.bad_file:
        page = raster(drawn.sheets[0], 150)
        full = damage.encode([page], "jpeg", rng, 150)
        data = full[: max(64, len(full) // rng.randrange(40, 80))]
        truth = {
            "type": "unknown",
            "fields": {},
            "pages": [],
            "bad_file": doc.bad_file,
            "meant_as": doc.kind,
        }
        return Made(namer(".jpg"), data, truth, drawn)
    if doc.unreadable:
        data, ext, pages, delivery = cut_below_title(drawn, rng)
    elif doc.kind in CARD_KINDS:
        data, ext, pages, delivery = deliver_card(drawn, rng)
    elif doc.kind in SLIP_KINDS:
        data, ext, pages, delivery = deliver_slip(drawn, rng)
    else:
        data, ext, pages, delivery = deliver_paper(drawn, rng)
    truth.update(pages=list(range(1, pages + 1)), layout=drawn.layout, delivery=delivery)
    if doc.kind in OTHER_KINDS:
        truth["kind"] = doc.kind
    return Made(namer(ext), data, truth, drawn)


def make_application(plan: Plan) -> MadeApp:
    rng = random.Random(f"holdout-files:{plan.app_id}:{plan.lang}")
    namer = Namer(rng, plan.lang)
    made = MadeApp(plan.app_id, plan.form)
    made.files = [make_file(doc, plan.lang, rng, namer) for doc in plan.docs]
    items = expected_items(plan.form, [f.truth for f in made.files])
    made.truth = {
        "status": expected_status(True, items),
        "items": [list(item) for item in items],
        "language": plan.lang,
        "defect": plan.defect,
        "second_defect": None,
    }
    return made


def _strip(made: MadeApp) -> MadeApp:
    """Without the drawings (they do not cross process boundaries cheaply)."""
    for file in made.files:
        file.drawn = None
    return made


def _make_stripped(plan: Plan) -> MadeApp:
    return _strip(make_application(plan))


def make_batch(
    out: Path, apps: int, seed: int, lang: str, batch: str = "holdout", workers: int = 1
) -> Path:
    """Write ``OUT/BATCH/<app>/...`` and ``OUT/BATCH/truth.json``; returns the batch folder."""
    batch_dir = Path(out) / batch
    shutil.rmtree(batch_dir, ignore_errors=True)
    batch_dir.mkdir(parents=True)
    plans = plan_batch(apps, seed, lang)
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            made = list(pool.map(_make_stripped, plans))
    else:
        made = [_make_stripped(plan) for plan in plans]
    truth: dict[str, Any] = {
        "seed": seed,
        "lang": lang,
        "maker": "bench.holdout",
        "files": {},
        "applications": {},
    }
    for app in made:
        folder = batch_dir / app.app_id
        folder.mkdir()
        (folder / "application.json").write_text(
            json.dumps(app.form, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        for file in app.files:
            (folder / file.name).write_bytes(file.data)
            truth["files"][f"{app.app_id}/{file.name}"] = file.truth
        truth["applications"][app.app_id] = app.truth
    (batch_dir / "truth.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8"
    )
    return batch_dir


def load_image(data: bytes) -> Image.Image:
    import io

    return Image.open(io.BytesIO(data))
