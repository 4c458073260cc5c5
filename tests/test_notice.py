"""The notice: rendered to real HTML and PDF, read back, and rendered to an image."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
import pytest
from test_validators import (
    good_documents,
    id_card,
    labour_contract,
    lease,
    make_form,
    photo,
)

from pipeline.decision import decide, rejected_decision
from pipeline.models import (
    ApplicationForm,
    ApplicationResult,
    DocumentResult,
    DocumentType,
    Language,
    Status,
)
from pipeline.notice import notice_texts, render_notice_html, write_notice
from pipeline.settings import Settings


def result_for(form: ApplicationForm, documents: list[DocumentResult]) -> ApplicationResult:
    decision = decide(form, documents, Settings())
    return ApplicationResult(
        application_id=form.application_id,
        status=decision.status,
        needs_review=decision.needs_review,
        review_reasons=decision.review_reasons,
        documents=documents,
        notice=decision.notice,
        language=form.language,
    )


def failing_documents() -> list[DocumentResult]:
    blurred = DocumentResult(
        file="lease scan.jpg",
        sha256="2" * 64,
        type=DocumentType.RENTAL_CONTRACT,
        confidence=0.9,
        pages=[1],
        fields={"tenant_name": None, "property_address": None},
        checks={"blurred": True},
    )
    return [id_card(valid_until="2020-01-01"), photo(False, ["several_faces"]), blurred]


def pdf_text(path: Path) -> str:
    with pdfplumber.open(path) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def squeeze(text: str, language: str) -> str:
    """Line breaks fall anywhere in a rendered paragraph: compare without them."""
    if language == "zh":
        return re.sub(r"\s+", "", text)
    return re.sub(r"\s+", " ", text).strip()


def page_image(path: Path) -> np.ndarray:
    pdf = pdfium.PdfDocument(str(path))
    try:
        image = pdf[0].render(scale=100 / 72).to_pil().convert("L")
    finally:
        pdf.close()
    return np.asarray(image)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_supplement_notice_pdf_names_every_item(tmp_path: Path, language: str) -> None:
    form = make_form(language=language)
    result = result_for(form, failing_documents())
    assert result.status is Status.SUPPLEMENT_REQUIRED
    materials = [item.material.value for item in result.notice.items]
    assert materials == ["identity_card", "photo", "proof_of_residence", "proof_of_employment"]

    write_notice(result, form, tmp_path)
    text = squeeze(pdf_text(tmp_path / "notice.pdf"), language)
    texts = notice_texts(language)
    assert squeeze(texts["titles"]["supplement_required"], language) in text
    assert form.application_id in text
    assert squeeze(form.applicant.name, language) in text
    for item in result.notice.items:
        material = texts["materials"][item.material.value]
        assert squeeze(material["name"], language) in text, item.material
        assert squeeze(material["bring"], language) in text, item.material
        if item.file:
            assert squeeze(item.file, language) in text
    if language == "en":
        for item in result.notice.items:
            assert squeeze(item.detail, language)[1:] in text
        assert "blurred" in text  # the capture defect is named, asking for a better scan
    else:
        assert texts["defects"]["blurred"] in text
        assert texts["defects"]["several_faces"] in text


@pytest.mark.parametrize("language", ["en", "zh"])
def test_notice_page_renders_to_a_non_blank_image(tmp_path: Path, language: str) -> None:
    form = make_form(language=language)
    write_notice(result_for(form, failing_documents()), form, tmp_path)
    pixels = page_image(tmp_path / "notice.pdf")
    assert pixels.shape[0] > pixels.shape[1] > 500  # portrait A4
    ink = (pixels < 128).mean()
    assert 0.01 < ink < 0.5
    # text on both halves of the page: a letter, not a header alone
    half = pixels.shape[0] // 2
    assert (pixels[:half] < 128).mean() > 0.005
    assert (pixels[half:] < 128).mean() > 0.002


def test_chinese_notice_uses_the_cjk_font(tmp_path: Path) -> None:
    form = make_form(language="zh", applicant={"name": "李伟"})
    write_notice(result_for(form, failing_documents()), form, tmp_path)
    with pdfplumber.open(tmp_path / "notice.pdf") as pdf:
        fonts = {char["fontname"] for page in pdf.pages for char in page.chars}
        text = "".join(page.extract_text() or "" for page in pdf.pages)
    assert any("NotoSansCJKSC" in re.sub(r"[ -]", "", font) for font in fonts), fonts
    assert "补正材料通知书" in text and "李伟" in text


@pytest.mark.parametrize(("name", "embeds_cjk"), [("Emily Carter", False), ("李伟", True)])
def test_english_notice_embeds_the_cjk_font_only_for_chinese_glyphs(
    tmp_path: Path, name: str, embeds_cjk: bool
) -> None:
    """The CJK font is ten times an English notice's size: only a Chinese name needs it."""
    form = make_form(language="en", applicant={"name": name})
    write_notice(result_for(form, failing_documents()), form, tmp_path)
    with pdfplumber.open(tmp_path / "notice.pdf") as pdf:
        fonts = {re.sub(r"[ -]", "", char["fontname"]) for p in pdf.pages for char in p.chars}
        text = "".join(page.extract_text() or "" for page in pdf.pages)
    assert any("NotoSansCJKSC" in font for font in fonts) is embeds_cjk, fonts
    assert name in text
    assert (tmp_path / "notice.pdf").stat().st_size < (100_000 if not embeds_cjk else 10**7)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_accepted_notice_gives_the_issue_by_date(tmp_path: Path, language: str) -> None:
    form = make_form(language=language)
    result = result_for(form, good_documents())
    assert result.status is Status.ACCEPTED
    assert result.notice.issue_by == date(2026, 12, 11)
    write_notice(result, form, tmp_path)
    text = squeeze(pdf_text(tmp_path / "notice.pdf"), language)
    expected_title = {"en": "Notice of Acceptance", "zh": "受理通知书"}[language]
    expected_date = {"en": "11 December 2026", "zh": "2026年12月11日"}[language]
    assert expected_title in text
    assert expected_date in text
    assert "补正" not in text and "Supplement" not in text


def test_rejected_notice_says_what_was_wrong_with_the_form(tmp_path: Path) -> None:
    errors = ["application.json is not valid JSON (line 3)", "submitted_at: missing"]
    decision = rejected_decision("A2026112600099", errors)
    result = ApplicationResult(
        application_id="A2026112600099", status=decision.status, notice=decision.notice
    )
    write_notice(result, None, tmp_path)
    html = (tmp_path / "notice.html").read_text(encoding="utf-8")
    text = squeeze(pdf_text(tmp_path / "notice.pdf"), "en")
    assert "Notice of Non-acceptance" in text
    assert "A2026112600099" in text
    for error in errors:
        assert error in text
        assert error in html


def test_rejected_notice_in_chinese_when_the_result_says_so(tmp_path: Path) -> None:
    decision = rejected_decision("A1", ["applicant: field required"])
    result = ApplicationResult(
        application_id="A1", status=decision.status, notice=decision.notice, language=Language.ZH
    )
    html = render_notice_html(result, None)
    assert "不予受理通知书" in html and "applicant: field required" in html


def test_html_escapes_what_came_from_uploads() -> None:
    form = make_form()
    documents = [id_card(), photo(), lease(), labour_contract()]
    documents[2] = documents[2].model_copy(update={"file": "<script>alert(1)</script>.pdf"})
    documents[2].fields["end_date"] = "2020-01-01"
    html = render_notice_html(result_for(form, documents), form)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_notice_is_the_same_bytes_when_written_again(tmp_path: Path) -> None:
    """A batch run twice gives the same results: the notice carries no render time."""
    form = make_form()
    result = result_for(form, failing_documents())
    write_notice(result, form, tmp_path / "first")
    write_notice(result, form, tmp_path / "second")
    for name in ("notice.html", "notice.pdf"):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes()


def test_chinese_missing_item_mentions_the_file_that_could_not_be_read(tmp_path: Path) -> None:
    form = make_form(language="zh")
    broken = DocumentResult(file="扫描件.pdf", sha256="3" * 64, error="truncated", error_code="x")
    documents = [id_card(), photo(), broken, labour_contract()]
    result = result_for(form, documents)
    assert [(i.material.value, i.reason.value) for i in result.notice.items] == [
        ("proof_of_residence", "missing")
    ]
    write_notice(result, form, tmp_path)
    text = squeeze(pdf_text(tmp_path / "notice.pdf"), "zh")
    assert "另有文件无法读取（扫描件.pdf）" in text


# ------------------------------------------- a file not recognised because of its capture


def _read_as_upload(image: np.ndarray, name: str) -> DocumentResult:
    """A rendered page through the real reader (measurements, imaging, OCR) and interpreter."""
    from pipeline.documents import interpret
    from pipeline.pages import RawPage
    from pipeline.reading import FileReading, read_page

    raw = RawPage(number=1, dpi=300, width=image.shape[1], height=image.shape[0], image=image)
    page, _ = read_page(raw, "en", Settings())
    reading = FileReading(sha256="4" * 64, format="png", language="en", pages=[page])
    (document,) = interpret(reading, name)
    return document


@pytest.fixture(scope="module")
def lease_pages() -> tuple[np.ndarray, np.ndarray]:
    """A lease scanned well, and the same lease so blurred that nothing can be recognised."""
    import cv2
    import docgen

    blocks, _ = docgen.rental(0)
    image, _ = docgen.render(blocks)
    sharp = np.asarray(image.convert("L"))
    return sharp, cv2.GaussianBlur(sharp, (0, 0), 7)


def test_an_unrecognised_blurred_file_is_named_in_the_missing_item(tmp_path, lease_pages):
    _, blurred = lease_pages
    spoilt = _read_as_upload(blurred, "lease photo.jpg")
    assert spoilt.type is DocumentType.UNKNOWN and spoilt.checks["blurred"] is True
    form = make_form()
    result = result_for(form, [id_card(), photo(), spoilt, labour_contract()])
    (item,) = result.notice.items
    assert (item.material.value, item.reason.value) == ("proof_of_residence", "missing")
    assert "lease photo.jpg" in item.detail and "blurred" in item.detail
    write_notice(result, form, tmp_path)
    text = squeeze(pdf_text(tmp_path / "notice.pdf"), "en")
    assert "'lease photo.jpg' could not be recognised (the copy is blurred)" in text
    assert "clear, readable copy" in text


def test_a_clear_file_of_another_kind_is_not_named(tmp_path):
    import docgen

    image, _ = docgen.render(docgen.utility_bill())
    bill = _read_as_upload(np.asarray(image.convert("L")), "bill.png")
    assert bill.type is DocumentType.UNKNOWN
    result = result_for(make_form(), [id_card(), photo(), bill, labour_contract()])
    (item,) = result.notice.items
    assert item.reason.value == "missing" and "bill.png" not in item.detail


def test_chinese_notice_asks_for_a_better_scan_of_the_blurred_file(tmp_path, lease_pages):
    _, blurred = lease_pages
    spoilt = _read_as_upload(blurred, "租约.jpg")
    form = make_form(language="zh")
    result = result_for(form, [id_card(), photo(), spoilt, labour_contract()])
    write_notice(result, form, tmp_path)
    assert "另有文件无法读取（租约.jpg）" in squeeze(pdf_text(tmp_path / "notice.pdf"), "zh")
