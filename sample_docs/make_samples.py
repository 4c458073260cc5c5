"""(Re)create the small committed batch ``sample_docs/batch/2026-11-26/`` with its truth.

    python -m sample_docs.make_samples

Five applications, mostly clean, whose files together cover every input the contract
names: JPEG, PNG, multi-page TIFF, scanned PDF, text-layer PDF, a rotated scan, a skewed
scan, a phone photo of a page, and one corrupt file. Resolutions are kept modest so the
folder stays small enough to commit.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sample_docs.generate import build_application, write_batch
from sample_docs.scenario import BATCH_DAY, Application, AppPlan, DocPlan

SAMPLES_DIR = Path(__file__).parent / "batch"
SEED = 2026

SCAN = {"mode": "scan", "rotation": 0, "skew": 0.0, "noise": 1.5}

#: Per application: its defect and the delivery forced on each kind of document.
SAMPLE_APPS: list[tuple[str | None, dict[str, dict[str, Any]]]] = [
    (
        None,
        {
            "id_card": {**SCAN, "format": "jpeg", "dpi": 300, "layout": "card_id"},
            "photo": {},
            "residence": {"mode": "pdf_text", "format": "pdf_text"},
            "work": {**SCAN, "format": "png", "dpi": 150, "rotation": 90, "gray": True},
        },
    ),
    (
        None,
        {
            "id_card": {**SCAN, "format": "tiff", "dpi": 200, "layout": "card_id"},
            "photo": {},
            "residence": {"mode": "phone", "format": "jpeg", "dpi": 150},
            "work": {**SCAN, "format": "pdf_scan", "dpi": 150, "skew": 2.5},
        },
    ),
    (
        "expired",
        {
            "id_card": {"mode": "pdf_text", "format": "pdf_text", "layout": "card_id_copy"},
            "photo": {},
            "residence": {**SCAN, "format": "jpeg", "dpi": 150, "rotation": 180},
            "work": {**SCAN, "format": "jpeg", "dpi": 150, "skew": -1.5},
        },
    ),
    (
        "bad:truncated",
        {
            "id_card": {
                **SCAN,
                "format": "png",
                "dpi": 150,
                "layout": "card_id_copy",
                "gray": True,
            },
            "photo": {},
            "residence": {**SCAN, "format": "pdf_scan", "dpi": 150},
            "work": {"mode": "pdf_text", "format": "pdf_text"},
        },
    ),
    (
        "photo_unusable",
        {
            "id_card": {"mode": "phone", "format": "jpeg", "dpi": 300, "layout": "card_id"},
            "photo": {},
            "residence": {**SCAN, "format": "tiff", "dpi": 150},
            "work": {**SCAN, "format": "jpeg", "dpi": 200, "rotation": 270},
        },
    ),
]


def _slot(doc: DocPlan) -> str:
    if doc.kind in ("id_card", "photo"):
        return doc.kind
    if doc.kind in (
        "rental_contract",
        "property_certificate",
        "purchase_contract",
        "accommodation_certificate",
    ):
        return "residence"
    return "work"


def _forcer(deliveries: dict[str, dict[str, Any]]) -> Callable[[Application], None]:
    def adjust(app: Application) -> None:
        for doc in app.docs:
            wanted = dict(deliveries.get(_slot(doc), {}))
            layout = wanted.pop("layout", None)
            if layout:
                doc.extras["layout"] = layout
            if wanted:
                doc.delivery = wanted
            doc.bad_file = doc.bad_file if doc.bad_file == "truncated" else None

    return adjust


def make_samples(target: Path = SAMPLES_DIR) -> Path:
    batch_dir = target / BATCH_DAY.isoformat()
    if batch_dir.exists():
        shutil.rmtree(batch_dir)
    batch_dir.mkdir(parents=True)
    outputs = [
        build_application(
            AppPlan(index, SEED, "en", defect, f"A{BATCH_DAY:%Y%m%d}{101 + index:05d}"),
            _forcer(deliveries),
        )
        for index, (defect, deliveries) in enumerate(SAMPLE_APPS)
    ]
    return write_batch(batch_dir, outputs, SEED, "en")


def main() -> int:
    batch_dir = make_samples()
    files = [p for p in batch_dir.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    print(f"wrote {len(files)} files ({size / 1e6:.1f} MB) to {batch_dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
