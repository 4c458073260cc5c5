"""A small outbox for the review app's tests: real page image, real notices, a real store.

The results are built as the pipeline would build them (documents with field
evidence, the real decision, the real notice writer) without running OCR: a
lease whose tenant name was misread ("Li Wel") with low confidence, so that
correcting one field clears the notice's only item.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

# Until pyproject.toml lists "review*" among its packages, an editable install does not
# map the review package: take it from the source tree.
if importlib.util.find_spec("review") is None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_validators import (
    ADDRESS,
    APPLICANT_ID,
    id_card,
    labour_contract,
    make_form,
    photo,
)

from pipeline import store
from pipeline.decision import decide
from pipeline.models import (
    ApplicationForm,
    ApplicationResult,
    Box,
    DocumentResult,
    DocumentType,
    FieldEvidence,
    PageImage,
)
from pipeline.settings import Settings
from review.corrections import write_outputs

BATCH = "2026-11-26"
FLAGGED_ID = "A2026112600017"
MISSING_ID = "A2026112600018"
ACCEPTED_ID = "A2026112600019"
MISREAD = "Li Wel"
PASSWORD = "correct horse battery"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FRAME = (1240, 1754)  # the page frame of the boxes (150 DPI A4)
PREVIEW_SCALE = 0.5  # the JPEG is smaller than the frame, as the pipeline's previews are


@dataclass
class ReviewOutbox:
    root: Path
    url: str
    ids: dict[str, int]  # application id -> store row id

    @property
    def flagged_dir(self) -> Path:
        return self.root / BATCH / FLAGGED_ID


def lease_page(outbox: Path, lines: list[tuple[str, str, str]]) -> tuple[PageImage, dict]:
    """Render a lease page; return its preview and each field's box in the frame."""
    image = Image.new("RGB", FRAME, "white")
    draw = ImageDraw.Draw(image)
    title = ImageFont.truetype(FONT, 44)
    body = ImageFont.truetype(FONT, 30)
    draw.text((330, 120), "HOUSE RENTAL CONTRACT", font=title, fill="black")
    boxes: dict[str, Box] = {}
    y = 300
    for field, label, value in lines:
        draw.text((110, y), f"{label}:", font=body, fill="black")
        x0, y0, x1, y1 = draw.textbbox((520, y), value, font=body)
        draw.text((520, y), value, font=body, fill="black")
        boxes[field] = Box(page=1, x0=x0 - 4, y0=y0 - 4, x1=x1 + 4, y1=y1 + 4)
        y += 90
    small = image.resize((int(FRAME[0] * PREVIEW_SCALE), int(FRAME[1] * PREVIEW_SCALE)))
    relative = ".cache/pages/5e/5e7a1c/1.jpg"
    target = outbox / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    small.save(target, "JPEG", quality=85)
    return PageImage(page=1, path=relative, width=FRAME[0], height=FRAME[1]), boxes


def misread_lease(outbox: Path) -> DocumentResult:
    fields = {
        "landlord_name": "Zhao Min",
        "tenant_name": MISREAD,
        "tenant_id_number": APPLICANT_ID,
        "property_address": ADDRESS,
        "start_date": "2026-03-01",
        "end_date": "2027-02-28",
        "monthly_rent": 4500.0,
    }
    labels = {
        "landlord_name": "Landlord",
        "tenant_name": "Tenant",
        "tenant_id_number": "Tenant ID number",
        "property_address": "Address",
        "start_date": "From",
        "end_date": "Until",
        "monthly_rent": "Monthly rent (yuan)",
    }
    shown = {**fields, "property_address": "88 Jianguo Road, Beijing", "monthly_rent": "4500"}
    shown["tenant_name"] = "Li Wei"  # the page says Li Wei; OCR misread it
    page, boxes = lease_page(outbox, [(f, labels[f], str(shown[f])) for f in fields])
    evidence = {
        name: FieldEvidence(confidence=0.42 if name == "tenant_name" else 0.93, box=boxes[name])
        for name in fields
    }
    return DocumentResult(
        file="lease scan.jpg",
        sha256="5e" * 32,
        type=DocumentType.RENTAL_CONTRACT,
        confidence=0.91,
        pages=[1],
        fields=fields,
        field_evidence=evidence,
        page_images=[page],
    )


def result_of(form: ApplicationForm, documents: list[DocumentResult]) -> ApplicationResult:
    decision = decide(form, documents, Settings())
    return ApplicationResult(
        application_id=form.application_id,
        status=decision.status,
        needs_review=decision.needs_review,
        review_reasons=decision.review_reasons,
        documents=documents,
        notice=decision.notice,
        language=form.language,
        input_fingerprint="f" * 32,
    )


def build_outbox(root: Path, sample_share: float = 1.0) -> ReviewOutbox:
    """Three applications in one batch, two clerks (alice, bob), the default SQLite store."""
    root.mkdir(parents=True, exist_ok=True)
    url = store.database_url(root, Settings(database_url=None))
    engine = store.open_store(url)
    cases = {
        FLAGGED_ID: (
            make_form(application_id=FLAGGED_ID, submitted_at="2026-11-26T09:14:00+08:00"),
            [id_card(), photo(), misread_lease(root), labour_contract()],
        ),
        MISSING_ID: (
            make_form(application_id=MISSING_ID, submitted_at="2026-11-26T10:02:00+08:00"),
            [id_card(), photo(), labour_contract()],
        ),
        ACCEPTED_ID: (
            make_form(
                application_id=ACCEPTED_ID,
                submitted_at="2026-11-26T11:30:00+08:00",
                condition="residence",
                employer=None,
            ),
            [
                id_card(),
                photo(),
                misread_lease(root).model_copy(
                    update={
                        "fields": {**misread_lease(root).fields, "tenant_name": "Li Wei"},
                        "field_evidence": {},
                    }
                ),
            ],
        ),
    }
    for form, documents in cases.values():
        result = result_of(form, documents)
        write_outputs(result, form, root / BATCH / form.application_id)
        store.record_result(url, BATCH, root, result, form, sample_share=sample_share)
    store.add_user(engine, "alice", PASSWORD)
    store.add_user(engine, "bob", PASSWORD)
    with Session(engine) as session:
        ids = dict(
            session.execute(
                select(store.ApplicationRow.application_id, store.ApplicationRow.id)
            ).all()
        )
    return ReviewOutbox(root=root, url=url, ids=ids)
