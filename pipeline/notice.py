"""The one notice per application: ``notice.html`` and ``notice.pdf`` from one template.

The letter is written in the form's language from per-language data
(``templates/notice_<lang>.yaml``: material names, what satisfies each, an
explanation per reason and per capture defect), so a language is a data file,
not code. The HTML is self-contained (CSS inlined) and WeasyPrint turns the
same HTML into the PDF; Chinese text uses the "Noto Sans CJK SC" font.
"""

from __future__ import annotations

import threading
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape
from PIL import ImageFile

from pipeline.models import (
    ApplicationForm,
    ApplicationResult,
    DocumentResult,
    DocumentType,
    Language,
    NoticeItem,
    Status,
)
from pipeline.settings import get_settings

TEMPLATES = Path(__file__).resolve().parent / "templates"
HTML_NAME = "notice.html"
PDF_NAME = "notice.pdf"


@lru_cache(maxsize=4)
def notice_texts(language: str) -> dict[str, Any]:
    """The notice's texts in one language (English when the language has no file)."""
    path = TEMPLATES / f"notice_{language}.yaml"
    if not path.exists():
        path = TEMPLATES / "notice_en.yaml"
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def format_date(value: date | None, language: str) -> str:
    if value is None:
        return ""
    if language == Language.ZH:
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {value.strftime('%B')} {value.year}"


def _defects_of(item: NoticeItem, documents: list[DocumentResult]) -> tuple[list[str], bool]:
    """Capture defects or photo problems measured on the item's file, and whether it failed."""
    from validators.base import capture_defects
    from validators.photo import photo_problems

    defects: list[str] = []
    failed = False
    for doc in documents:
        if item.file is None or doc.file != item.file:
            continue
        failed = failed or doc.error is not None
        found = photo_problems(doc) if doc.type is DocumentType.PHOTO else capture_defects(doc)
        defects.extend(d for d in found if d not in defects)
    return defects, failed


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "。", "!", "?")) else text + "."


def _item_context(
    number: int, item: NoticeItem, texts: dict[str, Any], language: str, docs: list[DocumentResult]
) -> dict[str, Any]:
    """One numbered item: the material, what was wrong with what was given, what to bring.

    In English the validator's detail is already specific ("the address on the
    rental contract is not..."), so it replaces the generic reason text; in other
    languages the generic text is followed by the measured defects, translated.
    """
    material = texts["materials"][item.material.value]
    problem = texts["reasons"][item.reason.value]
    defects, failed = _defects_of(item, docs)
    if language == Language.EN:
        problem = _sentence(item.detail) if item.detail else problem
    else:
        if defects:
            named = "；".join(texts["defects"].get(d, d.replace("_", " ")) for d in defects)
            problem += f"{texts['defects_intro']}{named}。"
        if failed:
            problem += texts["file_error"]
        from validators import is_unreadable_file

        # files not opened, or not recognised because of how they were captured
        broken = [d.file for d in docs if is_unreadable_file(d)]
        if item.reason.value == "missing" and broken:
            problem += texts["unreadable_files"].format(files="、".join(broken))
    return {
        "number": number,
        "material": material["name"],
        "problem": problem,
        "bring": material["bring"],
        "file": item.file,
        "reason_code": item.reason.value,
        "material_code": item.material.value,
    }


def notice_context(result: ApplicationResult, form: ApplicationForm | None) -> dict[str, Any]:
    """Everything the template shows, in the result's language."""
    language = (form.language if form is not None else result.language).value
    texts = notice_texts(language)
    fill = {"regulation": texts["regulation"]}
    status = result.status.value
    issue_by = result.notice.issue_by
    received = form.submitted_at.date() if form is not None else None
    if issue_by is not None and received is not None:
        days = (issue_by - received).days
    else:
        days = get_settings().issue_days
    name = form.applicant.name if form is not None else None
    items = [
        _item_context(i, item, texts, language, result.documents)
        for i, item in enumerate(result.notice.items, start=1)
    ]
    documents = [
        {"file": doc.file, "type": texts["document_types"].get(doc.type.value, doc.type.value)}
        for doc in result.documents
    ]
    return {
        "lang": "zh-CN" if language == Language.ZH else "en",
        "t": texts,
        "status": status,
        "title": texts["titles"][status],
        "application_id": result.application_id,
        "applicant_name": name,
        "salutation": (
            texts["salutation"].format(name=name) if name else texts["salutation_unknown"]
        ),
        "received": format_date(received, language),
        "service": texts["services"][form.service.value] if form is not None else "",
        "intro": texts["intro"][status].format(**fill),
        "items": items,
        "documents": documents if result.status is not Status.REJECTED else [],
        "issue_by": format_date(issue_by, language),
        "accepted_body": texts["accepted_body"].format(
            **fill, days=days, issue_by=format_date(issue_by, language)
        ),
        "form_errors": result.notice.form_errors,
        "css": (TEMPLATES / "notice.css").read_text(encoding="utf-8"),
    }


def render_notice_html(result: ApplicationResult, form: ApplicationForm | None) -> str:
    """The notice as one self-contained HTML page."""
    return _environment().get_template(HTML_NAME).render(**notice_context(result, form))


def render_notice_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported late: it is slow to import and only writers need it

    # WeasyPrint's import makes Pillow accept truncated images process-wide; uploads
    # must not be read that way (pipeline.pages relies on truncation failing).
    ImageFile.LOAD_TRUNCATED_IMAGES = False

    return HTML(string=html, base_url=str(TEMPLATES)).write_pdf(font_config=_font_config())


_FONTS = threading.local()


def _font_config():
    """This thread's WeasyPrint font configuration. Building one for every notice (what
    ``write_pdf`` does when given none) was a third of an English notice's rendering time:
    77 -> 52 ms, with the same PDF text (measured). One per thread: it is not shared."""
    if not hasattr(_FONTS, "config"):
        from weasyprint.text.fonts import FontConfiguration

        _FONTS.config = FontConfiguration()
    return _FONTS.config


def write_notice(result: ApplicationResult, form: ApplicationForm | None, out_dir: Path) -> None:
    """Write ``notice.html`` and ``notice.pdf`` (each atomically) into ``out_dir``."""
    from pipeline.cache import write_atomic

    out_dir.mkdir(parents=True, exist_ok=True)
    html = render_notice_html(result, form)
    write_atomic(out_dir / HTML_NAME, html.encode("utf-8"))
    write_atomic(out_dir / PDF_NAME, render_notice_pdf(html))
