"""Duplicates across applications: same bytes, or the same page scanned twice."""

from __future__ import annotations

import json
from pathlib import Path

import docgen
import pytest

from pipeline.cache import ReadingCache
from pipeline.duplicates import (
    DUPLICATE_MARK,
    MIN_SHINGLES,
    DocumentText,
    document_print,
    document_prints,
    find_duplicates,
    flag_duplicates,
    flag_outbox,
    jaccard,
    reading_text_of,
    readings_text_of,
    shingles,
)
from pipeline.models import (
    ApplicationResult,
    DocumentResult,
    DocumentType,
    FieldEvidence,
    Status,
)
from pipeline.reading import FileReading, cache_key, read_upload
from pipeline.reporting import compact_result
from pipeline.text import Line, PageText, Word

LEASE_TEXT = (
    "House lease contract. Lessor Zhang Min, lessee {tenant}, ID number {id}. The lessor lets "
    "the house at {address} to the lessee for residential use from {start} to {end}. The "
    "monthly rent is {rent} yuan, paid before the fifth day of each month to the lessor's bank "
    "account. The lessee shall keep the house in good repair and shall not sublet it without "
    "the written consent of the lessor. Either party may end this contract with one month's "
    "written notice. Signed in two copies, each party holding one."
)


def lease(tenant: str = "Li Wei", address: str = "Room 1203, 88 Jianguo Road", **extra) -> str:
    values = {
        "id": "11010519900307123X",
        "start": "2026-03-01",
        "end": "2027-02-28",
        "rent": "4500",
        **extra,
    }
    return LEASE_TEXT.format(tenant=tenant, address=address, **values)


def template_sibling() -> str:
    """Another lease of the same agency's template: same boilerplate, other values."""
    return lease(
        tenant="Wang Fang",
        address="Flat 5, 12 Xinyuan Street",
        id="11010519880512345X",
        start="2026-05-01",
        end="2027-04-30",
        rent="3800",
    )


def result_of(application_id: str, *docs: tuple[str, str], reasons=()) -> ApplicationResult:
    return ApplicationResult(
        application_id=application_id,
        status=Status.ACCEPTED,
        needs_review=bool(reasons),
        review_reasons=list(reasons),
        documents=[
            DocumentResult(file=file, sha256=sha, type=DocumentType.RENTAL_CONTRACT, pages=[1])
            for file, sha in docs
        ],
    )


def test_same_bytes_in_two_applications_is_an_exact_pair():
    docs = [
        DocumentText("A1", "lease.jpg", "aa"),
        DocumentText("A2", "IMG 1.jpg", "aa"),
        DocumentText("A2", "other.jpg", "bb"),
        DocumentText("A3", "x.jpg", "cc"),
    ]
    pairs = find_duplicates(docs)
    assert [(p.first.application_id, p.second.application_id, p.exact) for p in pairs] == [
        ("A1", "A2", True)
    ]


def test_same_bytes_twice_in_one_application_is_not_flagged():
    docs = [DocumentText("A1", "a.jpg", "aa"), DocumentText("A1", "copy of a.jpg", "aa")]
    assert find_duplicates(docs) == []


def test_near_duplicate_text_is_found_and_template_siblings_are_not():
    original = lease()
    rescanned = original.replace("lessee Li", "lessee Li,").replace("repair", "rcpair")  # OCR noise
    neighbour = template_sibling()
    docs = [
        DocumentText("A1", "a.jpg", "1", original),
        DocumentText("A2", "b.jpg", "2", rescanned),
        DocumentText("A3", "c.jpg", "3", neighbour),
    ]
    pairs = find_duplicates(docs)
    assert [(p.first.application_id, p.second.application_id, p.exact) for p in pairs] == [
        ("A1", "A2", False)
    ]
    assert pairs[0].similarity >= 0.9


def test_short_texts_are_never_near_duplicates():
    docs = [
        DocumentText("A1", "a.jpg", "1", "Photo receipt 12345 Li Wei"),
        DocumentText("A2", "b.jpg", "2", "Photo receipt 12345 Li Wei"),
    ]
    assert find_duplicates(docs) == []


def test_chinese_text_is_compared_by_characters():
    text = "房屋租赁合同。出租方张敏，承租方李伟，身份证号码一一零一零五。" * 3
    assert len(shingles(text)) > 20
    docs = [DocumentText("A1", "a.jpg", "1", text), DocumentText("A2", "b.jpg", "2", text)]
    assert len(find_duplicates(docs, min_shingles=20)) == 1


def test_both_applications_are_flagged_with_the_other_id_and_no_content():
    texts = {"1": lease(), "2": lease(), "3": lease(tenant="Wang Fang", id="110105198805123451")}
    results = [
        result_of("A1", ("lease Li Wei.jpg", "1")),
        result_of("A2", ("scan.jpg", "2"), reasons=["file 'scan.jpg': blurred"]),
        result_of("A3", ("mine.jpg", "3")),
    ]
    flagged = {r.application_id: r for r in flag_duplicates(results, lambda a, d: texts[d.sha256])}
    assert flagged["A1"].needs_review and flagged["A2"].needs_review
    assert not flagged["A3"].needs_review and flagged["A3"].review_reasons == []
    (first,) = flagged["A1"].review_reasons
    assert DUPLICATE_MARK in first and "A2" in first and "file 'lease Li Wei.jpg'" in first
    assert flagged["A2"].review_reasons[0] == "file 'scan.jpg': blurred"
    assert "A1" in flagged["A2"].review_reasons[1]
    for reason in first, flagged["A2"].review_reasons[1]:
        assert "Jianguo" not in reason and "11010519900307123X" not in reason
        assert "Zhang" not in reason


def test_flagging_again_changes_nothing_and_a_gone_partner_clears_the_flag():
    results = [result_of("A1", ("a.jpg", "s")), result_of("A2", ("b.jpg", "s"))]
    once = flag_duplicates(results, lambda a, d: None)
    assert flag_duplicates(once, lambda a, d: None) == once
    alone = flag_duplicates(once[:1], lambda a, d: None)
    assert alone[0].review_reasons == [] and not alone[0].needs_review


def test_reasons_do_not_depend_on_the_order_applications_finished_in():
    """A rerun takes finished results in folder order, the first run in finishing order:
    the same document in three applications must give each the same reasons either way."""
    results = [result_of(f"A{n}", (f"{n}.jpg", "same")) for n in (1, 2, 3)]
    forward = flag_duplicates(results, lambda a, d: None)
    backward = flag_duplicates(results[::-1], lambda a, d: None)
    assert [r.review_reasons for r in forward] == [r.review_reasons for r in backward[::-1]]
    assert len(forward[2].review_reasons) == 2  # A3 shares its file with A1 and with A2


def test_flagging_rewrites_only_changed_results(tmp_path):
    results = [
        result_of("A1", ("a.jpg", "s")),
        result_of("A2", ("b.jpg", "s")),
        result_of("A3", ("c.jpg", "t")),
    ]
    out_dirs = {}
    for result in results:
        folder = tmp_path / result.application_id
        folder.mkdir()
        (folder / "result.json").write_text(result.model_dump_json())
        out_dirs[result.application_id] = folder
    before = (tmp_path / "A3" / "result.json").read_bytes()
    changed = []
    updated = flag_outbox(results, cached_prints(results, tmp_path), out_dirs, changed.append)
    assert [r.application_id for r in changed] == ["A1", "A2"]
    assert json.loads((tmp_path / "A1" / "result.json").read_text())["needs_review"] is True
    assert (tmp_path / "A3" / "result.json").read_bytes() == before
    changed.clear()
    flag_outbox(updated, cached_prints(updated, tmp_path), out_dirs, changed.append)
    assert changed == []


def cached_prints(results: list[ApplicationResult], out: Path) -> list:
    """The prints of the results' documents, texts from the reading cache in ``out`` (how
    the flow takes in an application finished by an earlier run)."""
    text_of = reading_text_of(out / ".cache", {})
    return [print_ for result in results for print_ in document_prints(result, text_of)]


@pytest.mark.slow
def test_the_same_page_scanned_twice_is_found_through_real_ocr(tmp_path, settings):
    """Two scans (different grain, re-encoded) of one lease page, one lease of the same
    template for someone else: OCR'd as the flow does, texts from the reading cache."""
    blocks, _truth = docgen.rental(0)
    other = json.loads(
        json.dumps(blocks)
        .replace("Li Wei", "Wang Fang")
        .replace("Room 1203, Building 5", "Flat 7, Building 2")
        .replace("88 Jianguo Road", "12 Xinyuan Street")
        .replace("2026-03-01", "2026-05-15")
        .replace("4500", "3800")
    )
    page, _ = docgen.render(blocks)
    other_page, _ = docgen.render(other)
    uploads = {
        "A1": ("lease.jpg", docgen.degrade(page, seed=1), "JPEG"),
        "A2": ("scan 2.png", docgen.degrade(page.rotate(0.6, fillcolor=255), seed=2), "PNG"),
        "A3": ("lease.jpg", docgen.degrade(other_page, seed=3), "JPEG"),
    }
    cache = ReadingCache(tmp_path / ".cache")
    results = []
    for application_id, (name, image, fmt) in uploads.items():
        path = tmp_path / application_id / name
        path.parent.mkdir()
        image.save(path, format=fmt)
        sha = f"sha-{application_id}"
        reading = read_upload(path, fmt.lower(), sha, "en", settings)
        assert reading.error is None and reading.pages
        cache.put(cache_key(sha, "en"), reading)
        result = result_of(application_id, (name, sha))
        (path.parent / "result.json").write_text(result.model_dump_json())  # as the flow did
        results.append(result)
    out_dirs = {r.application_id: tmp_path / r.application_id for r in results}
    flagged = {
        r.application_id: r
        for r in flag_outbox(results, cached_prints(results, tmp_path), out_dirs)
    }
    assert flagged["A1"].needs_review and flagged["A2"].needs_review
    assert "A2" in flagged["A1"].review_reasons[0] and "A1" in flagged["A2"].review_reasons[0]
    assert "scanned again" in flagged["A1"].review_reasons[0]
    assert not flagged["A3"].needs_review
    written = json.loads((tmp_path / "A2" / "result.json").read_text())
    assert written["needs_review"] is True


# ------------------------------------------------- prints: what the batch keeps of a document


def reading_of(sha: str, *page_texts: str) -> FileReading:
    """A reading whose pages hold the texts, one word per box."""
    pages = []
    for number, text in enumerate(page_texts, start=1):
        words = [
            Word(text=word, confidence=0.9, x0=10.0 * i, y0=0, x1=10.0 * i + 8, y1=10)
            for i, word in enumerate(text.split())
        ]
        pages.append(
            PageText(
                number=number,
                width=100,
                height=100,
                dpi=300,
                source="ocr",
                lines=[Line(words=words)],
            )
        )
    return FileReading(sha256=sha, format="pdf", language="en", pages=pages)


def test_a_print_holds_no_text_and_gives_the_similarity_of_the_bigrams():
    original = lease()
    rescanned = original.replace("lessee Li", "lessee Li,").replace("repair", "rcpair")
    first = document_print(DocumentText("A1", "a.jpg", "1", original))
    second = document_print(DocumentText("A2", "b.jpg", "2", rescanned))
    assert first.shingle_count == len(shingles(original)) > MIN_SHINGLES
    for word in ("Jianguo", "jianguo", "11010519900307123x", "lessee"):
        assert word.encode() not in first.shingles
    (pair,) = find_duplicates([first, second])
    assert pair.similarity == pytest.approx(jaccard(shingles(original), shingles(rescanned)))
    assert (pair.first.file, pair.second.file) == ("a.jpg", "b.jpg")


def test_prints_from_the_finished_readings_equal_prints_from_the_reading_cache(tmp_path):
    """The flow prints a document from the readings in hand when its application is
    finished, a rerun from the reading cache: the same prints, or a rerun would flag
    differently and rewrite results."""
    bundle = reading_of("s1", lease(), "Receipt for rent paid " * 10, lease(tenant="Wang Fang"))
    cache = ReadingCache(tmp_path)
    cache.put(cache_key("s1", "en"), bundle)
    result = ApplicationResult(
        application_id="A1",
        status=Status.ACCEPTED,
        documents=[
            DocumentResult(file="bundle.pdf", sha256="s1", pages=[1, 3]),
            DocumentResult(file="bundle.pdf", sha256="s1", pages=[2]),
            DocumentResult(file="gone.jpg", sha256="s2", pages=[1]),
            DocumentResult(file="bad.jpg", sha256="s3", pages=[], error="unreadable"),
        ],
    )
    in_hand = document_prints(result, readings_text_of({"bundle.pdf": bundle}))
    from_cache = document_prints(result, reading_text_of(tmp_path, {"A1": "en"}))
    assert in_hand == from_cache
    assert [p.file for p in in_hand] == ["bundle.pdf", "bundle.pdf", "gone.jpg"]
    both_leases = shingles(lease() + "\n" + lease(tenant="Wang Fang"))
    assert in_hand[0].shingle_count == len(both_leases)
    assert in_hand[2].shingle_count == 0  # no reading: only its hash can match


def whole_result(application_id: str, file: str, sha: str) -> ApplicationResult:
    """A result as the flow writes it: field values and evidence that no compact result
    keeps, and a review reason of its own."""
    return ApplicationResult(
        application_id=application_id,
        status=Status.ACCEPTED,
        needs_review=True,
        review_reasons=[f"file '{file}': blurred"],
        documents=[
            DocumentResult(
                file=file,
                sha256=sha,
                type=DocumentType.RENTAL_CONTRACT,
                pages=[1],
                fields={"tenant_name": "Li Wei", "address": "88 Jianguo Road"},
                field_evidence={"tenant_name": FieldEvidence(confidence=0.8)},
            )
        ],
    )


def test_flag_outbox_flags_from_compact_results_and_prints_and_writes_whole_results(tmp_path):
    neighbour = template_sibling()
    texts = {"1": lease(), "2": lease().replace("repair", "rcpair"), "3": neighbour}
    whole = [whole_result(f"A{n}", f"{n}.jpg", str(n)) for n in (1, 2, 3)]
    out_dirs = {}
    for result in whole:
        out_dirs[result.application_id] = folder = tmp_path / result.application_id
        folder.mkdir()
        (folder / "result.json").write_text(result.model_dump_json(indent=2))
    untouched = (tmp_path / "A3" / "result.json").read_bytes()
    compact = [compact_result(result) for result in whole]
    prints = [p for result in whole for p in document_prints(result, lambda a, d: texts[d.sha256])]
    assert all(
        doc.fields == {} and doc.field_evidence == {} for r in compact for doc in r.documents
    )

    changed: list[ApplicationResult] = []
    updated = flag_outbox(compact, prints[::-1], out_dirs, on_change=changed.append)

    assert [r.application_id for r in changed] == ["A1", "A2"]
    for result in changed:  # whole results, read back from their folders
        assert result.documents[0].fields["tenant_name"] == "Li Wei"
        written = json.loads((out_dirs[result.application_id] / "result.json").read_text())
        assert written["documents"][0]["fields"]["address"] == "88 Jianguo Road"
        assert written["documents"][0]["field_evidence"]["tenant_name"]["confidence"] == 0.8
        assert written["review_reasons"][0].endswith("blurred")
        assert DUPLICATE_MARK in written["review_reasons"][1]
    assert (tmp_path / "A3" / "result.json").read_bytes() == untouched
    assert [len(r.review_reasons) for r in updated] == [2, 2, 1]
    # what the first run's flags would be from the whole results and texts, the same
    assert updated == [
        compact_result(r) for r in flag_duplicates(whole, lambda a, d: texts[d.sha256])
    ]

    changed.clear()  # a rerun: compact results as read back, prints in another order
    again = flag_outbox(updated, prints, out_dirs, on_change=changed.append)
    assert changed == [] and again == updated
