"""Bundled uploads (issue 11): one file holding several documents is split into entries with
disjoint pages, and a file of one document comes out exactly as before.

The fast tests read generated documents through their PDF text layer (no OCR) and glue their
pages into bundles; one slow test reads a generated scanned bundle through Tesseract.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from pipeline.bundles import PageVerdict, group_pages, group_verdicts, page_verdict
from pipeline.documents import document_from_pages, interpret
from pipeline.models import DocumentType
from pipeline.reading import FileReading, read_upload
from pipeline.text import PageText
from sample_docs.content import ContentMaker
from sample_docs.documents import OTHER_TYPES, build
from sample_docs.generate import Namer, bundleable, produce_bundle
from sample_docs.render import render_pdf
from sample_docs.rules import expected_items, truth_documents
from sample_docs.scenario import DocPlan, plan_application, plan_batch

T = DocumentType


class Rendered:
    """One generated document read from its text layer: its true type and its pages."""

    def __init__(self, lang: str, doc: DocPlan, layout: str, pages: list[PageText]) -> None:
        self.lang = lang
        self.doc = doc
        self.type = "unknown" if doc.kind in OTHER_TYPES else doc.kind
        self.layout = layout
        self.pages = pages


def _render(lang: str, doc: DocPlan, seed: str, tmp: Path, settings, layout=None) -> Rendered:
    rng = random.Random(seed)
    extras = {**doc.extras, "layout": layout} if layout else doc.extras
    spec = build(doc.kind, doc.fields, extras, ContentMaker(lang, rng), rng)
    path = tmp / "doc.pdf"
    path.write_bytes(render_pdf(spec))
    reading = read_upload(path, "pdf", "0" * 64, lang, settings)
    assert reading.error is None  # (a page with almost no text, the seals, is OCR'd)
    return Rendered(lang, doc, spec.layout, reading.pages)


@pytest.fixture(scope="module")
def applications(tmp_path_factory):
    """The paper documents of a few generated applications per language, read cheaply."""
    from pipeline.settings import Settings

    settings = Settings()
    tmp = tmp_path_factory.mktemp("bundles")
    apps: list[list[Rendered]] = []
    for lang in ("en", "zh"):
        for app in [plan_application(plan) for plan in plan_batch(5, seed=21, lang=lang)]:
            docs = [
                _render(lang, doc, f"{app.plan.index}:{i}", tmp, settings)
                for i, doc in enumerate(app.docs)
                if bundleable(doc)
            ]
            if len(docs) >= 2:
                apps.append(docs)
    return apps


@pytest.fixture(scope="module")
def multi_page(applications, tmp_path_factory):
    """Documents of several pages: contracts, card fronts and backs (forced layouts)."""
    from pipeline.settings import Settings

    settings = Settings()
    tmp = tmp_path_factory.mktemp("multi")
    docs = [d for app in applications for d in app if len(d.pages) > 1]
    for lang in ("en", "zh"):
        app = plan_application(plan_batch(1, seed=4, lang=lang)[0])
        card = next(d for d in app.docs if d.kind == "id_card")
        docs.append(_render(lang, card, "card", tmp, settings, layout="card_id"))
        for kind in ("rental_contract", "labour_contract"):
            planned = _planned_doc(kind, lang)
            if planned is not None:
                for layout in ("prose", "lines"):
                    docs.append(_render(lang, planned, f"{kind}:{layout}", tmp, settings, layout))
    return [d for d in docs if len(d.pages) > 1]


def _planned_doc(kind: str, lang: str) -> DocPlan | None:
    for plan in plan_batch(30, seed=8, lang=lang):
        for doc in plan_application(plan).docs:
            if doc.kind == kind and not doc.defect and not doc.bad_file:
                return doc
    return None


def _bundle(docs: list[Rendered]) -> tuple[list[PageText], list[set[int]]]:
    """The documents' pages glued into one file, renumbered, and each document's pages."""
    pages: list[PageText] = []
    truth: list[set[int]] = []
    for doc in docs:
        first = len(pages) + 1
        for page in doc.pages:
            pages.append(page.model_copy(update={"number": len(pages) + 1}))
        truth.append(set(range(first, len(pages) + 1)))
    return pages, truth


def _reading(pages: list[PageText], lang: str) -> FileReading:
    return FileReading(sha256="0" * 64, format="pdf", language=lang, pages=pages)


# ------------------------------------------------------------ the rule alone


def _v(
    number: int, doc_type: DocumentType, confidence: float = 0.9, title: float = 0.0, **more
) -> PageVerdict:
    return PageVerdict(
        number=number,
        type=doc_type,
        confidence=confidence,
        title=title,
        words=more.pop("words", 50),
        **more,
    )


def test_continuation_pages_stay_with_their_first_page():
    verdicts = [
        _v(1, T.LABOUR_CONTRACT, 0.97, 3.6),
        _v(2, T.UNKNOWN, 0.7),  # clauses without a title
        _v(3, T.EMPLOYMENT_CERTIFICATE, 0.5),  # scores weakly for another type
        _v(4, T.ID_CARD, 0.9, 0.0, page_of=(4, 4)),  # signature page quoting ID numbers
    ]
    assert group_verdicts(verdicts) == [[0, 1, 2, 3]]


def test_a_title_a_card_a_bill_or_a_photo_starts_a_document():
    verdicts = [
        _v(1, T.RENTAL_CONTRACT, 0.97, 3.6),
        _v(2, T.UNKNOWN, 0.6),
        _v(3, T.BUSINESS_LICENCE, 0.95, 3.6),
        _v(4, T.ID_CARD, 0.7),  # a card side has no title
        _v(5, T.ID_CARD, 0.9, 3.0),  # its back
        _v(6, T.UNKNOWN, 0.97, negative=True),  # a utility bill
        _v(7, T.UNKNOWN, 0.5),  # its second page
        _v(8, T.PHOTO, 0.9, words=0),
        _v(9, T.EMPLOYMENT_CERTIFICATE, 0.7),  # after a photo, whatever comes is new
    ]
    assert group_verdicts(verdicts) == [[0, 1], [2], [3, 4], [5, 6], [7], [8]]


def test_another_persons_card_starts_a_document_the_back_does_not():
    front_a = _v(1, T.ID_CARD, 0.8, id_numbers=frozenset({"11010519900307001X"}))
    back = _v(2, T.ID_CARD, 0.9, 3.0)
    front_b = _v(3, T.ID_CARD, 0.8, id_numbers=frozenset({"110105197001010012"}))
    assert group_verdicts([front_a, back, front_b, back]) == [[0, 1], [2, 3]]
    same_again = _v(3, T.ID_CARD, 0.8, id_numbers=frozenset({"11010519900307001X"}))
    assert group_verdicts([front_a, same_again]) == [[0, 1]]  # the number read on both
    # a card has two sides: after front and back, another card page is another copy
    assert group_verdicts([front_a, back, same_again]) == [[0, 1], [2]]


def test_a_weak_first_page_takes_the_type_of_the_next():
    verdicts = [_v(1, T.UNKNOWN, 0.4), _v(2, T.RENTAL_CONTRACT, 0.7), _v(3, T.UNKNOWN, 0.5)]
    assert group_verdicts(verdicts) == [[0, 1, 2]]


# ---------------------------------------------------- real generated pages


def test_documents_of_one_file_are_never_split(multi_page):
    assert len(multi_page) >= 8
    kinds = {d.type for d in multi_page}
    assert "id_card" in kinds and kinds & {"rental_contract", "labour_contract"}
    for doc in multi_page:
        groups = group_pages(doc.pages, doc.lang)
        assert len(groups) == 1, (doc.type, doc.layout, [[p.number for p in g] for g in groups])


def test_single_document_files_come_out_as_before(multi_page, applications):
    for doc in [*multi_page, *(d for app in applications[:4] for d in app)]:
        reading = _reading(doc.pages, doc.lang)
        entries = interpret(reading, "scan.pdf")
        before = document_from_pages(reading, "scan.pdf", reading.pages)
        assert len(entries) == 1
        assert entries[0].model_dump() == before.model_dump()


def test_card_front_and_back_are_one_id_card(multi_page):
    cards = [d for d in multi_page if d.layout == "card_id"]
    assert len(cards) >= 2
    for card in cards:
        entries = interpret(_reading(card.pages, card.lang), "card.pdf")
        assert [(e.type, e.pages) for e in entries] == [(T.ID_CARD, [1, 2])]


def test_bundles_of_an_applications_papers_split_where_documents_begin(applications):
    """Every application's papers in a shuffled order, glued into one file."""
    right = total = 0
    rng = random.Random(5)
    for app in applications:
        docs = list(app)
        rng.shuffle(docs)
        pages, truth = _bundle(docs)
        entries = interpret(_reading(pages, docs[0].lang), "bundle.pdf")
        held = [set(e.pages) for e in entries]
        # every page in exactly one entry
        assert sorted(p for e in entries for p in e.pages) == list(range(1, len(pages) + 1))
        for doc, wanted in zip(docs, truth, strict=True):
            total += len(wanted)
            match = next((e for e, h in zip(entries, held, strict=True) if h == wanted), None)
            if match is not None and match.type.value == doc.type:
                right += len(wanted)
    assert total >= 40
    assert right / total >= 0.95, f"{right}/{total}"


def test_bundled_documents_are_extracted_on_their_own_pages(applications):
    app = max(applications, key=len)
    pages, truth = _bundle(app)
    entries = interpret(_reading(pages, app[0].lang), "bundle.pdf")
    by_pages = {tuple(e.pages): e for e in entries}
    checked = 0
    for doc, wanted in zip(app, truth, strict=True):
        entry = by_pages.get(tuple(sorted(wanted)))
        if entry is None or doc.type == "unknown":
            continue
        person = {
            "id_card": "name",
            "rental_contract": "tenant_name",
            "labour_contract": "employee_name",
        }.get(doc.type)
        if person and doc.doc.fields.get(person):
            assert entry.fields.get(person) == doc.doc.fields[person]
            checked += 1
    assert checked >= 1


# ------------------------------------------------------------- generator truth


def test_bundled_truth_counts_like_separate_uploads():
    app = plan_application(plan_batch(3, seed=2, lang="en")[0])
    separate = [
        {
            "type": "unknown" if d.kind in OTHER_TYPES else d.kind,
            "fields": d.fields,
            "checks": d.checks,
        }
        for d in app.docs
    ]
    bundled = [{"documents": separate[:3], "pages": [1, 2, 3]}, *separate[3:]]
    assert truth_documents(bundled) == separate
    assert expected_items(app.form, truth_documents(bundled)) == expected_items(app.form, separate)


def test_no_bundles_leaves_the_plans_unchanged():
    plain = plan_batch(12, seed=3, lang="mixed")
    with_share = plan_batch(12, seed=3, lang="mixed", bundles=0.5)
    assert not any(p.bundle for p in plain)
    assert any(p.bundle for p in with_share)
    for one, two in zip(plain, with_share, strict=True):
        assert (one.defect, one.lang, one.app_id, one.second_defect) == (
            two.defect,
            two.lang,
            two.app_id,
            two.second_defect,
        )


# -------------------------------------------------------------- through OCR


@pytest.mark.slow
def test_a_scanned_bundle_is_split_through_ocr(tmp_path, settings):
    """A scanned PDF: ID card (front and back), a licence or certificate, a contract, with
    one page fed sideways; read by Tesseract and split by page."""
    lang = "en"
    app = plan_application(plan_batch(1, seed=4, lang=lang)[0])
    card = next(d for d in app.docs if d.kind == "id_card")
    card.extras = {**card.extras, "layout": "card_id"}
    contract = _planned_doc("rental_contract", lang)
    certificate = _planned_doc("employment_certificate", lang)
    assert contract is not None and certificate is not None
    rng = random.Random(11)
    output = produce_bundle(
        [contract, card, certificate],
        ContentMaker(lang, rng),
        rng,
        np.random.default_rng(11),
        Namer(rng, lang),
        rotations={2: 90},
        fmt="pdf_scan",
    )
    truth = output.truth["documents"]
    assert [d["type"] for d in truth] == ["rental_contract", "id_card", "employment_certificate"]
    assert output.truth["delivery"]["rotations"][1] == 90
    path = tmp_path / output.name
    path.write_bytes(output.data)
    reading = read_upload(path, "pdf", "1" * 64, lang, settings)
    assert reading.error is None
    assert len(reading.pages) == len(output.truth["pages"]) >= 4
    entries = interpret(reading, output.name)
    got = [(e.type.value, e.pages) for e in entries]
    assert got == [(d["type"], d["pages"]) for d in truth]
    card_entry = entries[1]
    assert card_entry.fields.get("id_number") == card.fields["id_number"]


def test_generated_bundles_are_reproducible_and_their_truth_covers_every_page():
    import io

    import pypdfium2 as pdfium
    from PIL import Image

    from sample_docs.generate import build_application

    plans = [p for p in plan_batch(8, seed=5, lang="en", bundles=1.0) if p.bundle][:2]
    assert len(plans) == 2
    for plan in plans:
        first, again = build_application(plan), build_application(plan)
        assert [(f.name, f.data) for f in first.files] == [(f.name, f.data) for f in again.files]
        bundles = [f for f in first.files if "documents" in f.truth]
        assert len(bundles) == 1
        truth = bundles[0].truth
        assert 2 <= len(truth["documents"]) <= 6
        pages = [p for d in truth["documents"] for p in d["pages"]]
        assert pages == truth["pages"] == list(range(1, len(pages) + 1))
        data = bundles[0].data
        if data[:5] == b"%PDF-":
            assert len(pdfium.PdfDocument(data)) == len(pages)
        else:
            assert Image.open(io.BytesIO(data)).n_frames == len(pages)
        # the notice truth counts the bundled documents like separate uploads
        assert first.truth["items"] == [
            list(i)
            for i in expected_items(first.form, truth_documents(f.truth for f in first.files))
        ]


def test_each_bundled_document_counts_for_its_material(tmp_path, settings):
    """Clean applications whose papers all come in one bundled file get the same notice as
    when each paper is uploaded on its own (the photo, not in the bundle, is missing)."""
    from pipeline.decision import decide
    from pipeline.models import ApplicationForm

    checked = 0
    for lang in ("en", "zh"):
        for plan in plan_batch(6, seed=31, lang=lang):
            if plan.defect is not None:
                continue
            app = plan_application(plan)
            papers = [d for d in app.docs if bundleable(d)]
            rendered = [
                _render(lang, doc, f"{plan.index}:{i}", tmp_path, settings)
                for i, doc in enumerate(papers)
            ]
            pages, truth = _bundle(rendered)
            entries = interpret(_reading(pages, lang), "bundle.pdf")
            assert [set(e.pages) for e in entries] == truth
            separate = [
                entry
                for i, doc in enumerate(rendered)
                for entry in interpret(_reading(doc.pages, lang), f"{i}.pdf")
            ]
            form = ApplicationForm.model_validate_json(app.form_text)

            def items(documents):
                notice = decide(form, documents, settings).notice  # noqa: B023
                return sorted((i.material.value, i.reason.value) for i in notice.items)

            assert items(entries) == items(separate), (lang, plan.index)
            assert ("photo", "missing") in items(entries)
            checked += 1
    assert checked >= 3


def test_a_weakly_read_card_front_keeps_its_titled_back():
    front = _v(2, T.STUDENT_ID, 0.45, words=11)  # labels read, title not
    back = _v(3, T.STUDENT_ID, 0.9, 3.0)
    lease = _v(1, T.RENTAL_CONTRACT, 0.97, 3.6)
    assert group_verdicts([lease, front, back]) == [[0], [1, 2]]
    signature_page = _v(2, T.ID_CARD, 0.45, words=20, id_numbers=frozenset({"110105199003070011"}))
    lease_ids = _v(1, T.RENTAL_CONTRACT, 0.97, 3.6, id_numbers=signature_page.id_numbers)
    assert group_verdicts([lease_ids, signature_page]) == [[0, 1]]


def test_a_card_front_read_as_a_portrait_keeps_its_back():
    """The card's own portrait may outweigh a badly read front: its back still follows it,
    so a single card file stays one entry as before bundles were split."""
    front = _v(1, T.PHOTO, 0.9, words=6)
    back = _v(2, T.ID_CARD, 0.95, 3.0)
    assert group_verdicts([front, back]) == [[0, 1]]
    other_card = _v(2, T.ID_CARD, 0.95, 2.0, id_numbers=frozenset({"110105199003070011"}))
    assert group_verdicts([front, other_card]) == [[0], [1]]
    assert group_verdicts([_v(1, T.RENTAL_CONTRACT, 0.9, 3.6), front, back]) == [[0], [1, 2]]


def test_id_numbers_are_found_glued_to_labels_and_misread():
    from pipeline.text import Line, Word

    def page(*rows: str) -> PageText:
        lines = [
            Line(words=[Word(text=row, confidence=0.9, x0=10, y0=40 * i, x1=400, y1=40 * i + 30)])
            for i, row in enumerate(rows)
        ]
        return PageText(number=1, width=1000, height=700, dpi=300, source="ocr", lines=lines)

    glued = page_verdict(page("Name Gao Yong", "ID NumberL20103198502239264"), "en")
    assert glued.id_numbers == {"120103198502239264"}
    assert page_verdict(page("Account 12345678901234567890123"), "en").id_numbers == set()
    assert page_verdict(page("Page 2 of 3"), "en").page_of == (2, 3)
    assert page_verdict(page("第2页 共3页"), "zh").page_of == (2, 3)
