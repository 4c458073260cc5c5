"""Generate a batch of applications with ground truth.

    python -m sample_docs.generate --apps 40 --seed 7 --lang en --out /tmp/inbox

writes ``/tmp/inbox/<batch>/<application>/{application.json, uploaded files}`` and
``/tmp/inbox/<batch>/truth.json``. The same arguments always give the same bytes: every
random choice comes from a seed derived from ``--seed`` and the application's index, never
from time, so the process pool's scheduling does not matter either.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from sample_docs import damage
from sample_docs.content import VARIANT_VARIABLE, ContentMaker
from sample_docs.documents import OTHER_TYPES, RenderSpec, build
from sample_docs.graphics import portrait
from sample_docs.render import page_count, rasterise, render_pdf, title_band
from sample_docs.rules import expected_items, expected_status, truth_documents
from sample_docs.scenario import Application, AppPlan, DocPlan, plan_application, plan_batch

CONTRACT_FIELDS: dict[str, tuple[str, ...]] = {
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


@dataclass
class FileOutput:
    """One uploaded file: its bytes, its truth, and (for tests) the clean rendering."""

    name: str
    data: bytes
    truth: dict[str, Any]
    clean_pdf: bytes | None = None
    printed: dict[str, str] = field(default_factory=dict)
    spec: RenderSpec | None = None


@dataclass
class AppOutput:
    app_id: str
    form_text: str | None
    form: dict[str, Any]
    files: list[FileOutput]
    truth: dict[str, Any]


# ------------------------------------------------------------------- naming


class Namer:
    """Camera- and scanner-like file names, unique within one application."""

    def __init__(self, rng: random.Random, lang: str) -> None:
        self.rng = rng
        self.lang = lang
        self.used: set[str] = set()

    def name(self, ext: str) -> str:
        rng = self.rng
        n4 = rng.randrange(1000, 9999)
        k = rng.randrange(1, 12)
        stamp = f"202611{rng.randrange(20, 27):02d}"
        clock = f"{rng.randrange(8, 23):02d}{rng.randrange(0, 60):02d}{rng.randrange(0, 60):02d}"
        patterns = {
            ".jpg": [
                f"IMG_{n4}.jpg",
                f"IMG_{stamp}_{clock}.jpg",
                f"DSC0{n4}.JPG",
                f"Document({k}).jpg",
                f"photo {k}.jpeg",
                f"mmexport{stamp}{clock}.jpg",
            ],
            ".png": [
                f"Document({k}).png",
                f"Screenshot_{stamp}-{clock}.png",
                f"scan{k}.png",
                f"image ({k}).png",
            ],
            ".pdf": [
                f"scan {k}.pdf",
                f"CamScanner 11-{rng.randrange(20, 27)}-2026 {clock[:2]}.{clock[2:4]}.pdf",
                f"Scan_{stamp}_{n4}.pdf",
                "document.pdf",
                f"{k}.pdf",
                f"Doc{n4}.pdf",
            ],
            ".tif": [f"Scan_{n4}.tif", f"scan {k}.tiff", f"IMG_{n4}.tif"],
            ".bmp": [f"image{k}.bmp", f"Bitmap {k}.bmp"],
            ".webp": [f"image{k}.webp", f"{rng.getrandbits(40):010x}.webp"],
        }
        options = patterns[ext]
        if self.lang == "zh" and ext == ".jpg":
            options = [*options, f"微信图片_{stamp}{clock}.jpg"]
        name = rng.choice(options)
        stem, _, suffix = name.rpartition(".")
        candidate, counter = name, 2
        while candidate.lower() in self.used:
            candidate = f"{stem} ({counter}).{suffix}"
            counter += 1
        self.used.add(candidate.lower())
        return candidate


# ---------------------------------------------------------------- delivery


def choose_delivery(spec: RenderSpec, pages: int, rng: random.Random) -> dict[str, Any]:
    """How the document reaches us: its own PDF, a scan, a phone photo, a low-res image."""
    if spec.card:
        mode = rng.choices(["pdf_text", "scan", "phone"], [2, 5, 3])[0]
    else:
        mode = rng.choices(["pdf_text", "scan", "phone", "lowres"], [2, 5.5, 1.7, 0.8])[0]
    if mode == "phone" and pages > 1 and not spec.card:
        mode = "scan"
    delivery: dict[str, Any] = {
        "mode": mode,
        "format": "pdf_text",
        "dpi": None,
        "rotation": 0,
        "skew": 0.0,
    }
    if mode == "pdf_text":
        if pages > 1 and not spec.card and rng.random() < 0.5:
            # the signed last pages were scanned and appended to the digital original
            delivery.update(mode="mixed", format="pdf_mixed", dpi=rng.choice([150, 200]))
        return delivery
    if mode == "scan":
        fmt = rng.choices(damage.IMAGE_FORMATS, [4, 2, 1.5, 0.6, 0.8, 2])[0]
        if pages > 1 and not spec.card and fmt not in ("tiff", "pdf_scan"):
            fmt = rng.choice(["tiff", "pdf_scan"])
        delivery.update(format=fmt, dpi=300 if spec.card else rng.choice([150, 200, 200, 300]))
        if rng.random() < 0.2:
            delivery["rotation"] = rng.choice([90, 180, 270])
        if rng.random() < 0.35:
            delivery["skew"] = round(rng.uniform(0.7, 4.0) * rng.choice([-1, 1]), 2)
        delivery["marks"] = not spec.card and rng.random() < 0.2  # fold, punch holes
    elif mode == "phone":
        delivery.update(format="jpeg", dpi=300 if spec.card else 150)
        # phones often store the sensor's pixels and an EXIF tag saying how to turn them
        delivery["exif_orientation"] = 6 if rng.random() < 0.3 else None
    else:
        delivery.update(format=rng.choice(["jpeg", "png"]), dpi=rng.choice([96, 110]))
    return delivery


def _combine_sides(images: list[Image.Image], dpi: int) -> Image.Image:
    """Both sides of a card on one scanner page, one above the other."""
    margin = int(dpi * 0.4)
    width = max(i.width for i in images) + 2 * margin
    height = sum(i.height for i in images) + margin * (len(images) + 1)
    canvas = Image.new("RGB", (width, height), (255, 255, 255))
    y = margin
    for image in images:
        canvas.paste(image, (margin, y))
        y += image.height + margin
    return canvas


def deliver(
    pdf: bytes,
    spec: RenderSpec,
    delivery: dict[str, Any],
    rng: random.Random,
    noise_rng: np.random.Generator,
) -> tuple[bytes, str, int]:
    """Bytes, extension and page count of the delivered file."""
    if delivery["mode"] == "pdf_text":
        return pdf, ".pdf", page_count(pdf)
    dpi = delivery["dpi"]
    images = rasterise(pdf, dpi)
    fmt = delivery["format"]
    if delivery["mode"] == "mixed":
        scans = [
            damage.paper_and_noise(damage.to_gray(page), noise_rng, 2.5) for page in images[1:]
        ]
        scanned_pdf = damage.encode(scans, "pdf_scan", rng, dpi)
        return damage.mixed_pdf(pdf, scanned_pdf), ".pdf", len(images)
    if len(images) > 1 and fmt not in ("tiff", "pdf_scan"):
        images = [_combine_sides(images, dpi)]
    if delivery["mode"] == "phone":
        images = [damage.phone_photo(images[0], noise_rng, long_side=rng.choice([1600, 2000]))]
        dpi = 150
    elif delivery["mode"] == "lowres":
        images = [
            damage.jpeg_artefacts(damage.paper_and_noise(i, noise_rng, 2), 80) for i in images
        ]
    else:
        gray = delivery.get("gray", rng.random() < 0.5)
        noise = delivery.get("noise", rng.uniform(1.5, 6))
        radius = rng.choice([0, 0, 0.4, 0.7])
        scanned = []
        for image in images:
            page = damage.to_gray(image) if gray else image
            if delivery.get("marks"):
                page = damage.paper_marks(page, noise_rng)
            page = damage.blur(damage.paper_and_noise(page, noise_rng, noise), radius)
            if delivery["skew"]:
                page = damage.skew(page, delivery["skew"])
            if delivery["rotation"]:
                page = damage.rotate_quarter(page, delivery["rotation"] // 90)
            scanned.append(page)
        images = scanned
    if delivery.get("exif_orientation") == 6:
        images = [damage.rotate_quarter(images[0], 1)]  # upright once EXIF is applied
    data = damage.encode(images, fmt, rng, dpi, exif_orientation=delivery.get("exif_orientation"))
    return data, damage.EXTENSIONS[fmt], len(images)


def deliver_unreadable(
    pdf: bytes, spec: RenderSpec, rng: random.Random, noise_rng: np.random.Generator
) -> tuple[bytes, str, dict[str, Any]]:
    """Only the title can be read: the rest is cut off or smudged."""
    page = rasterise(pdf, 200)[0]
    band = title_band(pdf, spec.title) or (0.0, 0.12)
    how = rng.choice(["cut", "smudged"])
    if how == "cut":
        page = damage.cut_to_band(page, band[0], band[1])
    else:
        page = damage.smudge_below(page, band[1], radius=rng.uniform(9, 14))
    page = damage.paper_and_noise(page, noise_rng, 3)
    fmt = rng.choice(["jpeg", "png"])
    delivery = {"mode": how, "format": fmt, "dpi": 200, "rotation": 0, "skew": 0.0}
    return damage.encode([page], fmt, rng, 200), damage.EXTENSIONS[fmt], delivery


def bad_file_bytes(
    kind: str,
    pdf: bytes | None,
    rng: random.Random,
) -> tuple[bytes, str]:
    """The bytes of an upload that cannot be read, and the extension it pretends to have."""
    if kind == "empty":
        return b"", rng.choice([".jpg", ".pdf", ".png"])
    if kind == "wrong_format":
        text = rng.choice(
            [
                "Please see the attached documents for my application.\n",
                "<html><body><p>Download failed. Please try again later.</p></body></html>\n",
                "PK\x03\x04 this was meant to be a zip archive\n",
            ]
        )
        return text.encode("utf-8") * rng.randrange(1, 5), rng.choice([".jpg", ".png", ".pdf"])
    if kind == "encrypted" and pdf is not None:
        return damage.encrypted_pdf(pdf, password=f"{rng.randrange(100000, 999999)}"), ".pdf"
    # truncated: an image cut off after its header, before any usable pixel rows
    image = rasterise(pdf, 100)[0] if pdf else Image.new("RGB", (800, 1100), "white")
    ext = rng.choice([".jpg", ".png"])
    data = damage.encode([image], "jpeg" if ext == ".jpg" else "png", rng, 100)
    return damage.truncated(data, rng.uniform(0.01, 0.03)), ext


# ------------------------------------------------------------------ one app


def _truth_fields(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {key: fields.get(key) for key in CONTRACT_FIELDS.get(kind, ())}


def planned_truth(doc: DocPlan) -> dict[str, Any]:
    """The truth of a planned document as the rules read it (before any rendering)."""
    if doc.bad_file or doc.kind in OTHER_TYPES:
        return {"type": "unknown", "fields": {}, "checks": {}}
    return {
        "type": doc.kind,
        "fields": _truth_fields(doc.kind, doc.fields),
        "checks": dict(doc.checks),
    }


def produce_file(
    doc: DocPlan,
    maker: ContentMaker,
    rng: random.Random,
    noise_rng: np.random.Generator,
    namer: Namer,
) -> FileOutput:
    truth_type = "unknown" if doc.kind in OTHER_TYPES else doc.kind
    base_truth: dict[str, Any] = {
        "type": truth_type,
        "fields": _truth_fields(truth_type, doc.fields),
    }
    if doc.defect:
        base_truth["defect"] = doc.defect
    if doc.role == "agent":
        base_truth["role"] = "agent"
    if doc.kind == "photo":
        image = portrait(rng, doc.checks.get("problem"), width=rng.choice([358, 390, 413]))
        fmt = rng.choices(["jpeg", "png"], [4, 1])[0]
        data = damage.encode([image], fmt, rng, 300)
        truth = {
            **base_truth,
            "pages": [1],
            "checks": doc.checks,
            "delivery": {"mode": "photo", "format": fmt},
        }
        if doc.bad_file:
            data, ext = bad_file_bytes(doc.bad_file, None, rng)
            truth = {"type": "unknown", "fields": {}, "pages": [], "bad_file": doc.bad_file}
            return FileOutput(namer.name(ext), data, truth)
        return FileOutput(namer.name(damage.EXTENSIONS[fmt]), data, truth)

    spec = build(doc.kind, doc.fields, doc.extras, maker, rng)
    pdf = render_pdf(spec)
    if doc.bad_file:
        data, ext = bad_file_bytes(doc.bad_file, pdf, rng)
        truth = {
            "type": "unknown",
            "fields": {},
            "pages": [],
            "bad_file": doc.bad_file,
            "meant_as": doc.kind,
        }
        return FileOutput(namer.name(ext), data, truth, pdf, {}, spec)
    if doc.defect == "unreadable":
        data, ext, delivery = deliver_unreadable(pdf, spec, rng, noise_rng)
        pages = 1
    else:
        delivery = choose_delivery(spec, page_count(pdf), rng)
        if doc.delivery:
            delivery = {"dpi": None, "rotation": 0, "skew": 0.0, **doc.delivery}
        data, ext, pages = deliver(pdf, spec, delivery, rng, noise_rng)
    truth = {
        **base_truth,
        "pages": list(range(1, pages + 1)),
        "layout": spec.layout,
        "delivery": delivery,
    }
    if doc.kind in OTHER_TYPES:
        truth["kind"] = doc.kind
    return FileOutput(namer.name(ext), data, truth, pdf, dict(spec.printed), spec)


#: Bundles hold this many documents (when the application has them).
BUNDLE_DOCUMENTS = (2, 6)
#: Share of bundle pages fed into the scanner sideways or upside down.
BUNDLE_ROTATED_SHARE = 0.2


def bundleable(doc: DocPlan) -> bool:
    """Papers that go through a sheet scanner: not the digital portrait, not a bad file, not
    the cut or smudged copy (that defect is a photo of a damaged paper)."""
    return doc.kind != "photo" and not doc.bad_file and doc.defect != "unreadable"


def produce_bundle(
    docs: list[DocPlan],
    maker: ContentMaker,
    rng: random.Random,
    noise_rng: np.random.Generator,
    namer: Namer,
    rotations: dict[int, int] | None = None,
    fmt: str | None = None,
) -> FileOutput:
    """Several documents scanned one after the other into one PDF or multi-page TIFF.

    Every page is scanned on its own (noise, blur, sometimes skewed, rotated by a quarter
    turn or with punch holes); the truth lists each document with the pages it became.
    ``rotations`` (page number -> degrees) and ``fmt`` force those choices (tests).
    """
    fmt = fmt or rng.choice(["pdf_scan", "tiff"])
    dpi = (
        300
        if any(doc.kind in ("id_card", "student_id") for doc in docs)
        else rng.choice([200, 300])
    )
    gray = rng.random() < 0.6
    noise = rng.uniform(1.5, 5)
    pages: list[Image.Image] = []
    documents: list[dict[str, Any]] = []
    turned: list[int] = []
    for doc in docs:
        spec = build(doc.kind, doc.fields, doc.extras, maker, rng)
        images = rasterise(render_pdf(spec), dpi)
        truth_type = "unknown" if doc.kind in OTHER_TYPES else doc.kind
        entry: dict[str, Any] = {
            "type": truth_type,
            "fields": _truth_fields(truth_type, doc.fields),
            "pages": list(range(len(pages) + 1, len(pages) + len(images) + 1)),
            "layout": spec.layout,
        }
        if doc.defect:
            entry["defect"] = doc.defect
        if doc.role == "agent":
            entry["role"] = "agent"
        if doc.kind in OTHER_TYPES:
            entry["kind"] = doc.kind
        documents.append(entry)
        for image in images:
            page = damage.to_gray(image) if gray else image
            if not spec.card and rng.random() < 0.15:
                page = damage.paper_marks(page, noise_rng)
            page = damage.blur(
                damage.paper_and_noise(page, noise_rng, noise), rng.choice([0, 0, 0.4])
            )
            if rng.random() < 0.25:
                page = damage.skew(page, round(rng.uniform(0.5, 2.5) * rng.choice([-1, 1]), 2))
            rotation = rng.choice([90, 180, 270]) if rng.random() < BUNDLE_ROTATED_SHARE else 0
            if rotations is not None:
                rotation = rotations.get(len(pages) + 1, 0)
            if rotation:
                page = damage.rotate_quarter(page, rotation // 90)
            turned.append(rotation)
            pages.append(page)
    data = damage.encode(pages, fmt, rng, dpi)
    truth = {
        "documents": documents,
        "pages": list(range(1, len(pages) + 1)),
        "delivery": {"mode": "bundle", "format": fmt, "dpi": dpi, "rotations": turned},
    }
    return FileOutput(namer.name(damage.EXTENSIONS[fmt]), data, truth)


def build_application(
    plan: AppPlan, adjust: Callable[[Application], None] | None = None
) -> AppOutput:
    """Everything about one application, in memory (the worker's job).

    ``adjust`` may change the planned application before rendering (the committed samples
    force formats and layouts with it); the truth is computed after it.
    """
    app = plan_application(plan)
    if adjust is not None:
        adjust(app)
    rng = random.Random(f"files:{plan.seed}:{plan.index}")
    noise_rng = np.random.default_rng(rng.getrandbits(64))
    maker = ContentMaker(plan.lang, rng)
    namer = Namer(rng, plan.lang)
    bundled: list[DocPlan] = []
    if plan.bundle:
        # its own random stream: the other files of the application stay as they were
        bundle_rng = random.Random(f"bundle:{plan.seed}:{plan.index}")
        candidates = [doc for doc in app.docs if bundleable(doc)]
        if len(candidates) >= BUNDLE_DOCUMENTS[0]:
            count = bundle_rng.randint(
                BUNDLE_DOCUMENTS[0], min(BUNDLE_DOCUMENTS[1], len(candidates))
            )
            bundled = bundle_rng.sample(candidates, count)
    files = [
        produce_file(doc, maker, rng, noise_rng, namer)
        for doc in app.docs
        if not any(doc is other for other in bundled)
    ]
    if bundled:
        bundle_noise = np.random.default_rng(bundle_rng.getrandbits(64))
        files.append(
            produce_bundle(
                bundled, ContentMaker(plan.lang, bundle_rng), bundle_rng, bundle_noise, namer
            )
        )
    truths = truth_documents(f.truth for f in files)
    items = expected_items(app.form, truths) if app.form_valid else []
    truth = {
        "status": expected_status(app.form_valid, items),
        "items": [list(item) for item in items],
        "language": plan.lang,
        "defect": plan.defect,
        "second_defect": app.second_defect,
    }
    return AppOutput(plan.app_id, app.form_text, app.form, files, truth)


# -------------------------------------------------------------------- batch


def generate_batch(
    out: Path,
    apps: int,
    seed: int,
    lang: str = "en",
    batch: str | None = None,
    workers: int = 2,
    bundles: float = 0.0,
) -> Path:
    """Write a whole batch and its ``truth.json``; returns the batch folder.

    ``bundles`` is the share of applications that scan several documents into one file.
    """
    batch_dir = Path(out) / (batch or f"{date(2026, 11, 26).isoformat()}")
    if batch_dir.exists():
        shutil.rmtree(batch_dir)
    batch_dir.mkdir(parents=True)
    plans = plan_batch(apps, seed, lang, bundles=bundles)
    if workers > 1 and apps > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            outputs = list(pool.map(build_application, plans))
    else:
        outputs = [build_application(plan) for plan in plans]
    return write_batch(batch_dir, outputs, seed, lang)


def write_batch(batch_dir: Path, outputs: list, seed: int, lang: str) -> Path:
    """Write built applications in the contract's input layout, and their truth.json."""
    truth: dict[str, Any] = {"seed": seed, "lang": lang, "files": {}, "applications": {}}
    for output in outputs:
        app_dir = batch_dir / output.app_id
        app_dir.mkdir()
        if output.form_text is not None:
            (app_dir / "application.json").write_text(output.form_text, encoding="utf-8")
        for file in output.files:
            (app_dir / file.name).write_bytes(file.data)
            truth["files"][f"{output.app_id}/{file.name}"] = file.truth
        truth["applications"][output.app_id] = output.truth
    (batch_dir / "truth.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8"
    )
    return batch_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--lang", choices=["en", "zh", "mixed"], default="en")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--batch", default=None, help="batch folder name (default 2026-11-26)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--bundles",
        type=float,
        default=0.0,
        help="share of applications whose documents come scanned together in one file",
    )
    parser.add_argument(
        "--heldout",
        action="store_true",
        help="English wording, fonts, orders and a layout the extractors were not developed on "
        "(labels/en_heldout.yaml)",
    )
    args = parser.parse_args(argv)
    if args.heldout:
        os.environ[VARIANT_VARIABLE] = "heldout"
    started = time.perf_counter()
    batch_dir = generate_batch(
        args.out, args.apps, args.seed, args.lang, args.batch, args.workers, args.bundles
    )
    files = sum(1 for p in batch_dir.rglob("*") if p.is_file()) - 1
    print(
        f"wrote {args.apps} applications, {files} files to {batch_dir} "
        f"in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
