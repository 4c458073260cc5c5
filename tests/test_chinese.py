"""Simplified Chinese documents (issue 6): generated Chinese documents of every type and
layout are classified and read exactly; RapidOCR reads degraded Chinese scans in any
orientation through the same interface as Tesseract; Chinese dates, names and addresses
normalise; a batch mixing English and Chinese applications goes through one `proofs run`.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from extractors import extract
from extractors import normalize as norm
from pipeline.classify import classify
from pipeline.ocr_rapid import available as rapid_available
from pipeline.reading import cache_key, ocr_engine_for, read_upload
from pipeline.settings import Settings
from sample_docs.content import ContentMaker
from sample_docs.documents import LAYOUTS, OTHER_TYPES, build
from sample_docs.generate import planned_truth
from sample_docs.render import rasterise, render_pdf
from sample_docs.scenario import plan_application, plan_batch


def normalise(value) -> str | None:
    """The benchmark's comparison form: width, case, spacing and punctuation do not count."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return f"{float(value):.2f}"
    text = unicodedata.normalize("NFKC", str(value)).casefold()
    return re.sub(r"[\s,.;:·'\"()（），。]+", " ", text).strip() or None


needs_rapid = pytest.mark.skipif(not rapid_available(), reason="rapidocr-onnxruntime missing")


def zh_documents(apps: int, seed: int):
    """(type, layout, DocPlan) of the readable paper documents of planned Chinese applications."""
    for plan in plan_batch(apps, seed, "zh"):
        for doc in plan_application(plan).docs:
            if doc.kind == "photo" or doc.kind in OTHER_TYPES or doc.bad_file:
                continue
            if doc.defect in ("cut", "smudged"):
                continue
            yield plan, doc


def rendered(plan, doc, layout: str, tmp_path: Path, index: int) -> Path:
    rng = random.Random(f"{doc.kind}:{layout}:{plan.app_id}:{index}")
    spec = build(
        doc.kind, doc.fields, {**doc.extras, "layout": layout}, ContentMaker("zh", rng), rng
    )
    path = tmp_path / f"{plan.app_id}-{index}-{doc.kind}-{layout}.pdf"
    path.write_bytes(render_pdf(spec))
    return path


# ------------------------------------------------------------------ extraction (text layer)


def test_every_chinese_type_and_layout_is_read_exactly(tmp_path):
    """Every type in every layout (tables, 'label：value' lines, prose with the parties and
    the address inside sentences, receipt slips, letters), from real generated PDFs: the
    type and every field equal the truth. Covers names without spaces after clause words
    ("本合同由王鹏（甲方）与…"), addresses in prose ("位于…室的房屋", a cue wrapped over two
    lines), ID numbers ending at Chinese punctuation, 无固定期限 terms, and titles such as
    就业证明 / 就读证明 / 租住证明."""
    settings = Settings()
    wrong: list[str] = []
    checked: set[tuple[str, str]] = set()
    for index, (plan, doc) in enumerate(zh_documents(6, 150)):
        for layout in LAYOUTS[doc.kind]:
            if (doc.kind, layout) in checked and doc.kind not in ("purchase_contract",):
                continue
            checked.add((doc.kind, layout))
            path = rendered(plan, doc, layout, tmp_path, index)
            reading = read_upload(path, "pdf", "0" * 64, "zh", settings)
            truth = planned_truth(doc)
            doc_type, _ = classify(reading.pages, "zh")
            if doc_type.value != truth["type"]:
                wrong.append(f"{truth['type']} [{layout}] read as {doc_type.value}")
                continue
            fields, _ = extract(doc_type, reading.pages, "zh")
            for name, value in truth["fields"].items():
                if normalise(value) != normalise(fields.get(name)):
                    wrong.append(f"{truth['type']}.{name} [{layout}]: {fields.get(name)!r}")
    assert len(checked) >= 18, checked
    assert wrong == []


# ------------------------------------------------------------------ normalisation


@pytest.mark.parametrize(
    ("printed", "iso"),
    [
        ("2026年3月1日", "2026-03-01"),
        ("２０２６年３月１日", "2026-03-01"),
        ("2026.03.01", "2026-03-01"),
        ("2026 年 03 月 01 日", "2026-03-01"),
    ],
)
def test_chinese_dates(printed, iso):
    assert norm.parse_date(printed) == iso


@pytest.mark.parametrize(
    ("printed", "end"),
    [
        ("2016.05.01-2036.05.01", "2036-05-01"),
        ("2016.05.01-长期", "indefinite"),
        ("2024年3月30日至无固定期限", "indefinite"),
        ("自2022年10月18日", None),
    ],
)
def test_chinese_validity(printed, end):
    assert norm.parse_validity_end(printed) == end


def test_chinese_names_and_addresses_lose_ocr_spaces_and_full_width_digits():
    assert norm.clean_name("罗 燕") == "罗燕"
    assert (
        norm.clean_address("北京市朝阳区新华东路290弄2 号601室")
        == "北京市朝阳区新华东路290弄2号601室"
    )
    assert (
        norm.clean_address("上海市徐汇区建国路８８号１２０３室，") == "上海市徐汇区建国路88号1203室"
    )
    assert norm.clean_address("Room 1203, 88 Jianguo Road") == "Room 1203, 88 Jianguo Road"
    assert norm.trim_cjk_lead("本合同由北京市恒泰咨询有限公司") == "北京市恒泰咨询有限公司"
    assert norm.trim_cjk_lead("和平") == "和平"  # a name, not a clause word and a name


# ------------------------------------------------------------------ OCR engine


def test_engine_is_chosen_by_setting_and_keys_the_cache():
    auto = Settings()
    assert ocr_engine_for("en", auto) == "tesseract"
    forced = Settings(ocr_engine="tesseract")
    assert ocr_engine_for("zh", forced) == "tesseract"
    if rapid_available():
        assert ocr_engine_for("zh", auto) == "rapidocr"
        assert cache_key("ab" * 32, "zh") != cache_key("ab" * 32, "en").replace("-en-", "-zh-")


def card_copy_scan(seed: int) -> tuple[np.ndarray, dict]:
    """A Chinese ID card photocopy (A4, both sides, often a diagonal watermark) scanned
    at 150 DPI, grey, with a little noise: the generator's hardest small print."""
    plan = next(p for p in plan_batch(3, seed, "zh"))
    doc = next(d for d in plan_application(plan).docs if d.kind == "id_card")
    rng = random.Random(f"card:{seed}")
    spec = build("id_card", doc.fields, {**doc.extras, "layout": "card_id_copy"},
                 ContentMaker("zh", rng), rng)  # fmt: skip
    page = np.asarray(rasterise(render_pdf(spec), 150)[0].convert("L"), dtype=np.float32)
    noisy = page + np.random.default_rng(seed).normal(0, 6, page.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8), planned_truth(doc)["fields"]


@needs_rapid
@pytest.mark.slow
@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_rapidocr_reads_a_turned_card_copy_upright(turn):
    """Name, number, address and validity of a 150-DPI card copy, turned by 0/90/180/270
    degrees: read upright in one detection pass, boxes in the upright frame."""
    from pipeline.ocr_rapid import rapid_ocr_page

    image, truth = card_copy_scan(111)
    turned = np.ascontiguousarray(np.rot90(image, k=turn // 90))  # counter-clockwise
    page = rapid_ocr_page(turned, number=1, dpi=150)
    assert page.rotation == turn
    assert (page.width, page.height) == (image.shape[1], image.shape[0])
    squashed = "".join(page.text.split())
    assert truth["name"] in squashed
    assert truth["id_number"] in squashed
    assert truth["address"] in squashed
    for word in page.words:
        assert -2 <= word.x0 <= word.x1 <= page.width + 2
        assert -2 <= word.y0 <= word.y1 <= page.height + 2
    fields, evidence = extract("id_card", [page], "zh")
    assert fields["name"] == truth["name"]
    assert fields["id_number"] == truth["id_number"]
    assert fields["valid_until"] == truth["valid_until"]
    assert evidence["name"].box is not None


@needs_rapid
@pytest.mark.slow
def test_rapidocr_reads_through_a_diagonal_watermark():
    """A watermark across the card hides the lines it crosses from the text detector:
    the engine lifts its grey ink and reads the address and validity under it."""
    from pipeline.ocr_rapid import rapid_ocr_page

    for seed in range(111, 140):
        plan = next(p for p in plan_batch(3, seed, "zh"))
        doc = next(d for d in plan_application(plan).docs if d.kind == "id_card")
        rng = random.Random(f"card:{seed}")
        spec = build("id_card", doc.fields, {**doc.extras, "layout": "card_id_copy"},
                     ContentMaker("zh", rng), rng)  # fmt: skip
        if spec.doc.get("watermark"):
            break
    else:
        pytest.fail("no watermarked card copy among the seeds")
    image = np.asarray(rasterise(render_pdf(spec), 200)[0].convert("L"))
    page = rapid_ocr_page(image, number=1, dpi=200)
    fields, _ = extract("id_card", [page], "zh")
    truth = planned_truth(doc)["fields"]
    assert fields["address"] == truth["address"]
    assert fields["valid_until"] == truth["valid_until"]


# ------------------------------------------------------------------ a mixed batch


@needs_rapid
@pytest.mark.slow
def test_a_mixed_batch_runs_in_one_proofs_run(tmp_path):
    """English and Chinese applications in one batch, one `proofs run`: each is read in its
    own language (Tesseract for English, RapidOCR for Chinese) and answered in it."""
    from sample_docs.generate import generate_batch

    batch = generate_batch(tmp_path / "inbox", apps=2, seed=103, lang="mixed", workers=1)
    truth = json.loads((batch / "truth.json").read_text())
    languages = {app: t["language"] for app, t in truth["applications"].items()}
    assert set(languages.values()) == {"en", "zh"}
    out = tmp_path / "out"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PROOFS_WORKERS": "2"}
    proofs = Path(sys.executable).parent / "proofs"
    run = subprocess.run(
        [str(proofs), "run", str(batch), "--out", str(out), "--no-progress"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    right = total = 0
    for app, language in languages.items():
        result = json.loads((out / batch.name / app / "result.json").read_text())
        assert result["language"] == language
        html = (out / batch.name / app / "notice.html").read_text(encoding="utf-8")
        assert ("通知书" in html) == (language == "zh")
        for doc in result["documents"]:
            expected = truth["files"][f"{app}/{doc['file']}"]
            if expected.get("type") and expected["type"] != "unknown":
                total += 1
                right += doc["type"] == expected["type"]
    assert total >= 6
    assert right >= total - 1
