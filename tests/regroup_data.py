"""A real batch output with a bundled upload, for the regrouping tests (HTTP and browser).

One generated application (seed 104, English, employment, with an agent): its lease, labour
contract and both ID cards (front and back each) rendered as text-layer PDFs and glued into
one six-page PDF, as a back office scans a whole submission; the portrait is a separate
file. The pipeline's own steps then run on it as the batch flow runs them (read each upload
into the reading cache, build the result, write result.json and the notices, record it in
the store), without Prefect and without OCR (the pages carry a text layer).
"""

from __future__ import annotations

import importlib.util
import random
import sys
from dataclasses import dataclass
from pathlib import Path

if importlib.util.find_spec("review") is None:  # as in review_data.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import pypdfium2 as pdfium
from review_data import PASSWORD
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline import store
from pipeline.application import build_result, write_result
from pipeline.cache import CACHE_DIR_NAME, ReadingCache
from pipeline.ingest import FORM_NAME, load_application
from pipeline.models import ApplicationResult
from pipeline.reading import FileReading, cache_key, preview_dir_for, read_upload
from pipeline.settings import Settings
from sample_docs.content import ContentMaker
from sample_docs.documents import build
from sample_docs.generate import Namer, produce_file
from sample_docs.render import render_pdf
from sample_docs.scenario import plan_application, plan_batch

BATCH = "2026-11-26"
BUNDLE = "submission scan.pdf"
#: What the bundle holds, in order, and its pages (the pipeline finds the same groups).
BUNDLE_TYPES = ["rental_contract", "labour_contract", "id_card", "id_card"]
BUNDLE_GROUPS = [[1], [2], [3, 4], [5, 6]]


@dataclass
class BundleOutbox:
    root: Path
    url: str
    row: int  # the bundled application's row id in the store
    application_id: str
    applicant_name: str

    @property
    def folder(self) -> Path:
        return self.root / BATCH / self.application_id

    def result(self) -> ApplicationResult:
        return ApplicationResult.model_validate_json((self.folder / "result.json").read_bytes())


def build_bundle_outbox(root: Path, inbox: Path) -> BundleOutbox:
    """Generate the application into ``inbox``, run the pipeline's steps into ``root``."""
    settings = Settings(database_url=None)
    app = plan_application(plan_batch(6, seed=104, lang="en")[5])
    folder = inbox / BATCH / app.form["application_id"]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / FORM_NAME).write_text(app.form_text or "", encoding="utf-8")
    rng = random.Random(104)
    maker = ContentMaker("en", rng)
    bundle = pdfium.PdfDocument.new()
    papers = sorted(
        (d for d in app.docs if d.kind != "photo"),
        key=lambda d: (BUNDLE_TYPES.index(d.kind), d.role != "applicant"),
    )
    for doc in papers:
        layout = "card_id" if doc.kind == "id_card" else "prose"  # cards: front and back
        spec = build(doc.kind, doc.fields, {**doc.extras, "layout": layout}, maker, rng)
        bundle.import_pages(pdfium.PdfDocument(render_pdf(spec)))
    bundle.save(str(folder / BUNDLE))
    photo = next(d for d in app.docs if d.kind == "photo")
    portrait = produce_file(photo, maker, rng, np.random.default_rng(104), Namer(rng, "en"))
    (folder / f"portrait{Path(portrait.name).suffix}").write_bytes(portrait.data)

    application = load_application(folder, settings)
    assert application.form is not None
    language = application.form.language.value
    cache_dir = root / CACHE_DIR_NAME
    cache = ReadingCache(cache_dir)
    readings: dict[str, FileReading] = {}
    for upload in application.files:  # as flows.batch.read_one_file does
        reading = read_upload(
            upload.path,
            upload.format,
            upload.sha256,
            language,
            settings,
            preview_dir=preview_dir_for(cache_dir, upload.sha256, language),
        )
        cache.put(cache_key(upload.sha256, language), reading)
        readings[upload.relative] = reading
    result = build_result(application, readings, settings, fingerprint="b" * 32)
    out_dir = root / BATCH / application.application_id
    write_result(result, application, out_dir)
    url = store.database_url(root, settings)
    store.record_result(url, BATCH, root, result, application.form, sample_share=1.0)
    engine = store.open_store(url)
    store.add_user(engine, "alice", PASSWORD)
    store.add_user(engine, "bob", PASSWORD)
    with Session(engine) as session:
        row = session.scalar(
            select(store.ApplicationRow.id).where(
                store.ApplicationRow.application_id == application.application_id
            )
        )
    return BundleOutbox(
        root=root,
        url=url,
        row=row,
        application_id=application.application_id,
        applicant_name=application.form.applicant.name,
    )


def copy_outbox(template: BundleOutbox, root: Path) -> BundleOutbox:
    """A private copy of a built outbox (store included), for a test that changes it."""
    import shutil

    store.open_store(template.url).dispose()  # checkpoint SQLite's WAL before copying
    shutil.copytree(template.root, root)
    url = store.database_url(root, Settings(database_url=None))
    return BundleOutbox(
        root=root,
        url=url,
        row=template.row,
        application_id=template.application_id,
        applicant_name=template.applicant_name,
    )
