"""The held-out maker (bench.holdout) writes valid batches whose truth is what is printed.

Real files: batches written to disk, PDFs rendered by WeasyPrint and read back with
pdfplumber. No OCR: images are checked through a clean PDF of the same drawing.
"""

from __future__ import annotations

import io
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

import pdfplumber
import pytest

# bench/ is not an installed package (pyproject's packages): import it from the checkout
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.accuracy import evaluate
from bench.holdout.canvas import Text, to_pdf
from bench.holdout.documents import OTHER_KINDS, build
from bench.holdout.make import FIELDS, make_batch
from bench.holdout.plan import plan_batch
from bench.holdout.printing import date_forms, gender_forms, money_forms
from pipeline.models import ApplicationForm
from sample_docs.rules import expected_items, expected_status

CONTRACT_TYPES = set(FIELDS) - {"unknown"}
INDEFINITE_WORDS = {
    "长期",
    "长期有效",
    "无固定期限",
    "Long-term",
    "Indefinite",
    "Permanent",
    "LONG-TERM",
    "open-ended (no fixed term)",
}


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def printed_forms(field: str, value) -> set[str]:
    """The strings any of which must be on the page for ``value`` of ``field``."""
    if field == "monthly_rent":
        return money_forms(value)
    if field == "gender":
        return gender_forms(value)
    if value == "indefinite":
        return INDEFINITE_WORDS
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return date_forms(value)
    return {str(value)}


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    return make_batch(tmp_path_factory.mktemp("holdout"), apps=4, seed=121, lang="en")


def test_batch_has_valid_forms_and_consistent_truth(batch: Path) -> None:
    truth = json.loads((batch / "truth.json").read_text(encoding="utf-8"))
    assert len(truth["applications"]) == 4
    for app_id, expected in truth["applications"].items():
        form = json.loads((batch / app_id / "application.json").read_text(encoding="utf-8"))
        ApplicationForm.model_validate(form)  # the contract's schema
        docs = [f for key, f in truth["files"].items() if key.startswith(f"{app_id}/")]
        items = expected_items(form, docs)
        assert expected["items"] == [list(item) for item in items]
        assert expected["status"] == expected_status(True, items)
    for key, expected in truth["files"].items():
        path = batch / key
        assert path.is_file() and path.stat().st_size > 0
        assert set(expected["fields"]) == set(FIELDS[expected["type"]])
    on_disk = {
        f"{p.parent.name}/{p.name}" for p in batch.glob("*/*") if p.name != "application.json"
    }
    assert on_disk == set(truth["files"])


def test_truth_scores_perfectly_in_bench_accuracy(batch: Path) -> None:
    """bench.accuracy reads the truth: results equal to it score 1.0 everywhere."""
    truth = json.loads((batch / "truth.json").read_text(encoding="utf-8"))
    results: dict[str, dict] = {}
    for key, expected in truth["files"].items():
        app, file = key.split("/", 1)
        result = results.setdefault(app, {"documents": []})
        result["documents"].append(
            {
                "file": file,
                "type": expected["type"],
                "fields": expected["fields"],
                "pages": expected["pages"],
                "confidence": 0.99,
            }
        )
    for app, expected in truth["applications"].items():
        results[app].update(
            status=expected["status"],
            notice={"items": [{"material": m, "reason": r} for m, r in expected["items"]]},
        )
    figures = evaluate(truth, results)
    assert figures["classification_accuracy"] == 1.0
    assert figures["fields_overall"]["f1"] == 1.0
    assert figures["status_accuracy"] == 1.0 and figures["notice_exact"] == 1.0


def test_same_seed_gives_same_bytes(tmp_path: Path) -> None:
    first = make_batch(tmp_path / "a", apps=2, seed=122, lang="zh")
    second = make_batch(tmp_path / "b", apps=2, seed=122, lang="zh")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for relative in files:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative
    # another seed plans other applications
    assert plan_batch(2, 123, "zh")[0].form != plan_batch(2, 122, "zh")[0].form


def _one_of_each(lang: str) -> dict[str, object]:
    docs = {}
    for plan in plan_batch(40, 124, lang):
        for doc in plan.docs:
            docs.setdefault(doc.kind, doc)
    return docs


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_type_is_planned_and_prints_its_truth(lang: str) -> None:
    docs = _one_of_each(lang)
    assert set(docs) >= CONTRACT_TYPES | set(OTHER_KINDS), set(docs)
    for kind, doc in sorted(docs.items()):
        if kind == "photo":
            continue
        drawn = build(kind, doc.fields, doc.extras, lang, random.Random(kind))
        # what was drawn holds every truth value (wrapped lines are consecutive draws)
        drawn_text = squash(
            "".join(op.text for s in drawn.sheets for op in s.ops if isinstance(op, Text))
        )
        for field in FIELDS.get(kind, ()):
            value = doc.fields[field]
            forms = printed_forms(field, value)
            assert any(squash(form) in drawn_text for form in forms), (kind, field)
            assert squash(drawn.printed[field]) in drawn_text, (kind, field)
        # and a clean PDF of the drawing carries every drawn line in its text layer
        with pdfplumber.open(io.BytesIO(to_pdf(drawn.sheets))) as pdf:
            assert len(pdf.pages) == len(drawn.sheets)
            layer = squash("".join(page.extract_text() or "" for page in pdf.pages))
        for sheet in drawn.sheets:
            for op in sheet.ops:
                if isinstance(op, Text) and op.text.strip():
                    assert squash(op.text) in layer, (kind, op.text)


def test_planned_defects_cover_the_reasons() -> None:
    """Forty applications per language name most reasons of the contract."""
    reasons: Counter = Counter()
    for lang in ("en", "zh"):
        for plan in plan_batch(40, 125, lang):
            docs = [
                {
                    "type": "unknown" if d.kind in OTHER_KINDS or d.bad_file else d.kind,
                    "fields": d.fields,
                    "checks": d.checks,
                }
                for d in plan.docs
            ]
            for doc, original in zip(docs, plan.docs, strict=True):
                if original.unreadable:
                    doc["fields"] = dict.fromkeys(FIELDS[doc["type"]])
            reasons.update(reason for _, reason in expected_items(plan.form, docs))
    wanted = {
        "missing",
        "unreadable",
        "name_mismatch",
        "id_number_mismatch",
        "address_mismatch",
        "employer_mismatch",
        "school_mismatch",
        "expired",
        "invalid_code",
        "photo_unusable",
        "receipt_mismatch",
    }
    assert wanted <= set(reasons), wanted - set(reasons)
