"""The sample generator: reproducible, truthful to its own rendering, complete, and its
application truth follows the contract's rules (sample_docs/rules.py)."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image

from sample_docs import damage
from sample_docs.content import (
    ContentMaker,
    load_vocabulary,
    printed_date_forms,
    valid_ric,
)
from sample_docs.documents import LAYOUTS, OTHER_TYPES, build
from sample_docs.generate import (
    CONTRACT_FIELDS,
    build_application,
    generate_batch,
    planned_truth,
)
from sample_docs.graphics import PHOTO_PROBLEMS, portrait
from sample_docs.render import render_pdf, text_layer
from sample_docs.rules import expected_items
from sample_docs.scenario import DEFECTS, plan_application, plan_batch

CONTRACT_TYPES = set(CONTRACT_FIELDS) - {"unknown"}
ROLE_MATERIAL = {"id_card": "identity_card", "photo": "photo", "photo_receipt": "photo"}


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def printed_forms(key: str, value: object, lang: str) -> set[str]:
    """The ways a truth value may be printed: what must be found in the text layer."""
    words = load_vocabulary(lang)["words"]
    if value == "indefinite":
        return set(words["indefinite"]) | set(words["open_ended"])
    if key == "gender":
        return set(words[str(value)])
    if key == "monthly_rent":
        return {f"{value:,}", str(value)}
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return printed_date_forms(date.fromisoformat(value))
    return {str(value)}


def assert_fields_printed(truth: dict, pdf: bytes, lang: str) -> None:
    # Chinese lines wrap anywhere, without a space: compare without any whitespace there
    squash = (lambda t: re.sub(r"\s+", "", t)) if lang == "zh" else _squash
    text = squash(text_layer(pdf))
    for key, value in truth["fields"].items():
        if value is None:
            continue
        forms = printed_forms(key, value, lang)
        assert any(squash(form) in text for form in forms), (
            f"{truth['type']}.{key} is not printed on its own rendering"
        )


@pytest.fixture(scope="module", params=["en", "zh"])
def planned_apps(request):
    """A moderate batch, planned only (no rendering): cheap enough for 66 applications."""
    return [plan_application(plan) for plan in plan_batch(66, seed=11, lang=request.param)]


@pytest.fixture(scope="module")
def rendered_apps():
    plans = plan_batch(7, seed=5, lang="en") + plan_batch(5, seed=6, lang="zh")
    return [build_application(plan) for plan in plans]


# ------------------------------------------------------------- determinism


def test_same_seed_gives_same_bytes_and_truth(tmp_path):
    first = generate_batch(tmp_path / "a", apps=3, seed=42, workers=1)
    second = generate_batch(tmp_path / "b", apps=3, seed=42, workers=2)
    files_a = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert files_a == files_b
    assert len(files_a) > 10
    for relative in files_a:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative


def test_another_seed_gives_other_documents():
    one = build_application(plan_batch(1, seed=1, lang="en")[0])
    two = build_application(plan_batch(1, seed=2, lang="en")[0])
    assert one.form["applicant"] != two.form["applicant"]


# ---------------------------------------------------- truth vs rendering


def test_every_truth_field_is_printed_on_the_clean_rendering(rendered_apps):
    checked = 0
    for app in rendered_apps:
        for file in app.files:
            if file.clean_pdf is None or file.truth["type"] == "unknown":
                continue
            assert_fields_printed(file.truth, file.clean_pdf, app.form["language"])
            checked += 1
    assert checked >= 20


def test_every_layout_of_every_type_prints_its_truth(planned_apps):
    """Each type in each of its layouts, rendered from real planned content."""
    examples = {}
    for app in planned_apps:
        for doc in app.docs:
            if doc.kind != "photo" and not doc.defect and not doc.bad_file:
                examples.setdefault(doc.kind, (doc, app.plan))
    assert set(examples) >= CONTRACT_TYPES - {"photo"}
    import random

    for kind, (doc, plan) in sorted(examples.items()):
        for layout in LAYOUTS[kind]:
            rng = random.Random(f"{kind}:{layout}")
            spec = build(
                kind,
                doc.fields,
                {**doc.extras, "layout": layout},
                ContentMaker(plan.lang, rng),
                rng,
            )
            assert spec.layout in (layout, "letter"), (kind, layout)
            pdf = render_pdf(spec)
            truth = planned_truth(doc)
            if kind not in OTHER_TYPES:
                assert_fields_printed(truth, pdf, plan.lang)
            # titles may be letter-spaced, which a text layer reports as spaces
            assert re.sub(r"\s+", "", spec.title) in re.sub(r"\s+", "", text_layer(pdf))


def test_delivered_files_have_the_pages_the_truth_says(rendered_apps):
    for app in rendered_apps:
        for file in app.files:
            pages = file.truth["pages"]
            data = file.data
            if not pages:  # a bad file: it must really be unreadable
                with pytest.raises(Exception):  # noqa: B017 - any decoder error will do
                    if data[:5] == b"%PDF-":
                        pdfium.PdfDocument(data)
                    else:
                        Image.open(io.BytesIO(data)).load()
                continue
            if data[:5] == b"%PDF-":
                assert len(pdfium.PdfDocument(data)) == len(pages)
            else:
                image = Image.open(io.BytesIO(data))
                assert getattr(image, "n_frames", 1) == len(pages)


# ------------------------------------------------------------ coverage


def test_a_moderate_batch_covers_every_type_and_defect(planned_apps):
    truths = [planned_truth(doc) for app in planned_apps for doc in app.docs]
    assert {t["type"] for t in truths} == CONTRACT_TYPES | {"unknown"}
    kinds = {doc.kind for app in planned_apps for doc in app.docs}
    assert kinds >= set(OTHER_TYPES)
    assert {app.plan.defect for app in planned_apps} >= set(DEFECTS)
    assert {doc.bad_file for app in planned_apps for doc in app.docs} >= {
        "empty",
        "truncated",
        "wrong_format",
        "encrypted",
    }
    reasons = {
        reason
        for app in planned_apps
        if app.form_valid
        for _, reason in expected_items(app.form, [planned_truth(d) for d in app.docs])
    }
    assert reasons == {
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


def test_forms_follow_the_contract_schema(planned_apps):
    from pydantic import ValidationError

    from pipeline.models import ApplicationForm

    for app in planned_apps:
        if app.form_valid:
            form = ApplicationForm.model_validate_json(app.form_text)
            basis_type = {
                "rental": "rental_contract",
                "owned": "property_certificate",
                "purchased": "purchase_contract",
                "accommodation": "accommodation_certificate",
            }[form.residence.basis]
            assert valid_ric(form.applicant.id_number)
            if not app.plan.defect or not app.plan.defect.startswith(("missing:", "bad:")):
                assert basis_type in {d.kind for d in app.docs}
        elif app.form_text is not None:
            with pytest.raises((ValidationError, ValueError)):
                ApplicationForm.model_validate_json(app.form_text)


# ------------------------------------------------------------ the rules


def _material_of(doc, form) -> str:
    from sample_docs.rules import MATERIAL_TYPES

    if doc.kind == "id_card":
        return "agent_identity" if doc.role == "agent" else "identity_card"
    return next(m for m, types in MATERIAL_TYPES.items() if doc.kind in types)


SECOND_ITEMS = {
    "photo_unusable": ("photo", "photo_unusable"),
    "missing:photo": ("photo", "missing"),
    "expired_id_card": ("identity_card", "expired"),
}


def _first_defect_items(app) -> list[tuple[str, str]]:
    defect = app.plan.defect
    if defect is None:
        return []
    if defect.startswith("missing:"):
        return [(defect.split(":")[1], "missing")]
    if defect == "minor_without_agent":
        assert app.form["agent"] is None
        return [("agent_identity", "missing")]
    if defect == "agent_expired":
        return [("agent_identity", "expired")]
    if defect.startswith("bad:"):
        replaced = [d for d in app.docs if d.bad_file and d.kind not in OTHER_TYPES]
        return [("proof_of_residence", "missing")] if replaced else []
    targets = [d for d in app.docs if d.defect and not d.second]
    assert len(targets) == 1, app.plan
    return [(_material_of(targets[0], app.form), defect)]


def test_each_defect_gives_exactly_its_notice_items(planned_apps):
    seconds = 0
    for app in planned_apps:
        if app.plan.defect == "invalid_form":
            assert not app.form_valid
            continue
        items = expected_items(app.form, [planned_truth(d) for d in app.docs])
        wanted = _first_defect_items(app)
        if app.second_defect:
            seconds += 1
            wanted.append(SECOND_ITEMS[app.second_defect])
        assert sorted(items) == sorted(wanted), app.plan
    assert seconds >= 3


def _form(**changes):
    form = {
        "submitted_at": "2026-11-26T09:00:00+08:00",
        "applicant": {
            "name": "Li Wei",
            "id_number": "11010519900307001X",
            "date_of_birth": "1990-03-07",
            "gender": "male",
        },
        "residence": {
            "address": "Room 1, 2 Jianguo Road, Beijing",
            "since": "2026-01-01",
            "basis": "rental",
        },
        "condition": "residence",
        "employer": None,
        "school": None,
        "photo_receipt_number": None,
        "agent": None,
    }
    form.update(changes)
    return form


def _docs(*extra):
    card = {
        "type": "id_card",
        "fields": {
            "name": "Li Wei",
            "id_number": "11010519900307001X",
            "valid_until": "indefinite",
        },
    }
    photo = {"type": "photo", "fields": {}, "checks": {"usable": True}}
    lease = {
        "type": "rental_contract",
        "fields": {
            "tenant_name": "li  wei",
            "property_address": "Room 1, 2 Jianguo Road, Beijing",
            "end_date": "2027-01-01",
            "tenant_id_number": "11010519900307001X",
        },
    }
    return [card, photo, lease, *extra]


def test_rules_on_hand_made_cases():
    from stdnum.cn import ric

    number = "110105199003070" + "01"
    number += ric.calc_check_digit(number + "0")
    form = _form(
        applicant={
            "name": "Li Wei",
            "id_number": number,
            "date_of_birth": "1990-03-07",
            "gender": "male",
        }
    )
    docs = _docs()
    for doc in docs:
        if "id_number" in doc["fields"]:
            doc["fields"]["id_number"] = number
        if "tenant_id_number" in doc["fields"]:
            doc["fields"]["tenant_id_number"] = number
    assert expected_items(form, docs) == []
    # a broken check character is invalid_code, not also a mismatch
    wrong = number[:-1] + ("1" if number[-1] != "1" else "2")
    docs[0]["fields"]["id_number"] = wrong
    assert expected_items(form, docs) == [("identity_card", "invalid_code")]
    # one good document satisfies the material even next to a bad one
    good_card = {
        "type": "id_card",
        "fields": {"name": "Li Wei", "id_number": number, "valid_until": "2030-01-01"},
    }
    assert expected_items(form, [*docs, good_card]) == []
    # an unreadable lease is only unreadable; an expired one is expired
    docs[0] = good_card
    lease = docs[2]
    lease["fields"]["end_date"] = "2026-11-25"
    assert expected_items(form, docs) == [("proof_of_residence", "expired")]
    lease["fields"] = dict.fromkeys(lease["fields"])
    assert expected_items(form, docs) == [("proof_of_residence", "unreadable")]
    # a child turning 16 on the day no longer needs an agent
    child = _form(applicant={**form["applicant"], "date_of_birth": "2010-11-26"})
    assert ("agent_identity", "missing") not in expected_items(child, _docs())
    younger = _form(applicant={**form["applicant"], "date_of_birth": "2010-11-27"})
    assert ("agent_identity", "missing") in expected_items(younger, _docs())
    # a receipt number on the form needs the receipt
    with_receipt = _form(photo_receipt_number="SZ123")
    assert ("photo", "missing") in expected_items(with_receipt, _docs())
    receipt = {"type": "photo_receipt", "fields": {"receipt_number": "SZ124", "name": "Li Wei"}}
    assert ("photo", "receipt_mismatch") in expected_items(with_receipt, _docs(receipt))


# ------------------------------------------------------- photos and files


def _faces(image: Image.Image) -> int:
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    gray = cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2GRAY)
    return len(cascade.detectMultiScale(gray, 1.1, 5, minSize=(30, 30)))


def test_portraits_are_what_the_truth_says():
    import random

    for seed in range(3):
        assert _faces(portrait(random.Random(seed))) == 1
        assert _faces(portrait(random.Random(seed), "two_faces")) == 2
        assert _faces(portrait(random.Random(seed), "no_face")) == 0
        dark = np.asarray(portrait(random.Random(seed), "too_dark").convert("L"))
        assert dark.mean() < 40
        blurred = np.asarray(portrait(random.Random(seed), "blurred").convert("L"))
        assert cv2.Laplacian(blurred, cv2.CV_64F).var() < 20
        assert min(portrait(random.Random(seed), "too_small").size) < 100
    assert set(PHOTO_PROBLEMS) == {"no_face", "two_faces", "too_dark", "blurred", "too_small"}


def test_encrypted_pdf_needs_its_password():
    import random

    rng = random.Random(3)
    pdf = render_pdf(
        build("shop_receipt", {}, {"from": "2026-10-01"}, ContentMaker("en", rng), rng)
    )
    locked = damage.encrypted_pdf(pdf, "123456")
    assert locked == damage.encrypted_pdf(pdf, "123456")
    with pytest.raises(pdfium.PdfiumError):
        pdfium.PdfDocument(locked)
    assert len(pdfium.PdfDocument(locked, password="123456")) == 1


def test_committed_samples_are_complete():
    """The committed batch covers what issue 2 asks for, and its truth matches its files."""
    from pathlib import Path

    batch = Path(__file__).parents[1] / "sample_docs" / "batch" / "2026-11-26"
    if not batch.exists():
        pytest.skip("run python -m sample_docs.make_samples")
    truth = json.loads((batch / "truth.json").read_text(encoding="utf-8"))
    uploads = [p for p in batch.glob("*/*") if p.name != "application.json"]
    assert len({p.parent for p in uploads}) >= 4
    assert len(uploads) >= 20
    assert {f"{p.parent.name}/{p.name}" for p in uploads} == set(truth["files"])
    deliveries = [t.get("delivery") or {} for t in truth["files"].values()]
    formats = {d.get("format") for d in deliveries}
    assert formats >= {"jpeg", "png", "tiff", "pdf_scan", "pdf_text"}
    assert any(d.get("rotation") for d in deliveries)
    assert any(d.get("skew") for d in deliveries)
    assert any(d.get("mode") == "phone" for d in deliveries)
    assert any(
        len(t["pages"]) > 1 and t["delivery"]["format"] == "tiff"
        for t in truth["files"].values()
        if t.get("delivery")
    )
    assert any(t.get("bad_file") for t in truth["files"].values())
    assert sum(p.stat().st_size for p in uploads) < 8_000_000


def test_mixed_pdf_keeps_text_on_page_one_and_scans_the_rest():
    import random

    import pdfplumber

    from sample_docs.generate import deliver
    from sample_docs.scenario import plan_application

    app = plan_application(plan_batch(1, seed=9, lang="en")[0])
    card = next(d for d in app.docs if d.kind == "id_card")
    rng = random.Random(1)
    spec = build(
        "id_card", card.fields, {**card.extras, "layout": "card_id"}, ContentMaker("en", rng), rng
    )
    pdf = render_pdf(spec)
    delivery = {"mode": "mixed", "format": "pdf_mixed", "dpi": 150, "rotation": 0, "skew": 0}
    data, ext, pages = deliver(pdf, spec, delivery, rng, np.random.default_rng(1))
    assert (ext, pages) == (".pdf", 2)
    with pdfplumber.open(io.BytesIO(data)) as document:
        assert card.fields["id_number"] in (document.pages[0].extract_text() or "")
        assert not (document.pages[1].extract_text() or "").strip()
        assert document.pages[1].images


def test_phone_photos_with_exif_orientation_turn_upright():
    import random

    from PIL import ImageOps

    from sample_docs.generate import deliver

    rng = random.Random(2)
    spec = build("shop_receipt", {}, {"from": "2026-10-01"}, ContentMaker("en", rng), rng)
    pdf = render_pdf(spec)
    base = {"mode": "phone", "format": "jpeg", "dpi": 150, "rotation": 0, "skew": 0}
    plain, _, _ = deliver(pdf, spec, base, random.Random(3), np.random.default_rng(3))
    tagged, _, _ = deliver(
        pdf, spec, {**base, "exif_orientation": 6}, random.Random(3), np.random.default_rng(3)
    )
    plain_image = Image.open(io.BytesIO(plain))
    tagged_image = Image.open(io.BytesIO(tagged))
    assert tagged_image.getexif().get(0x0112) == 6
    assert tagged_image.size == plain_image.size[::-1]
    assert ImageOps.exif_transpose(tagged_image).size == plain_image.size
    assert plain_image.height > plain_image.width  # a receipt is photographed upright
