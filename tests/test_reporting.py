"""The dashboard's content: counts right, files by number, nothing personal."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from pipeline.models import (
    ApplicationResult,
    DocumentResult,
    Material,
    Notice,
    NoticeItem,
    Reason,
    Status,
)
from pipeline.privacy import SECRETS
from pipeline.reporting import (
    artifact_key,
    clerk_markdown,
    compact_result,
    describe_reason,
    failed_files,
    failed_files_table,
    file_labels,
    overview_table,
    progress_percent,
)

NAME, ID_NUMBER = "Zhao Xiaoming", "11010519491231002X"
FILE_WITH_NAME = f"{NAME} id card.jpg"


def doc(file: str, error_code: str | None = None, pages=(1,), **fields) -> DocumentResult:
    return DocumentResult(
        file=file,
        sha256="0" * 64,
        pages=list(pages) if error_code is None else [],
        fields=fields,
        error="the file could not be read" if error_code else None,
        error_code=error_code,
    )


@pytest.fixture
def results() -> list[ApplicationResult]:
    SECRETS.add([NAME, ID_NUMBER])
    flagged = ApplicationResult(
        application_id="A2026112600001",
        status=Status.SUPPLEMENT_REQUIRED,
        needs_review=True,
        review_reasons=[
            f"file '{FILE_WITH_NAME}' (id_card), field 'name': not read; rule: readable",
            f"id number {ID_NUMBER} differs from the form's",
        ],
        documents=[
            doc(FILE_WITH_NAME, name=NAME, id_number=ID_NUMBER),
            doc("broken.pdf", error_code="corrupt_file"),
            doc("bundle.pdf", pages=(1,)),
            doc("bundle.pdf", pages=(2,)),
        ],
        notice=Notice(
            items=[
                NoticeItem(material=Material.PROOF_OF_RESIDENCE, reason=Reason.MISSING),
                NoticeItem(material=Material.PHOTO, reason=Reason.PHOTO_UNUSABLE, file="x.jpg"),
            ]
        ),
    )
    accepted = ApplicationResult(
        application_id="A2026112600002",
        status=Status.ACCEPTED,
        documents=[doc("scan.png"), doc("empty.jpg", error_code="empty_file")],
        notice=Notice(issue_by=datetime(2026, 12, 11, tzinfo=UTC).date()),
    )
    rejected = ApplicationResult(application_id="A2026112600003", status=Status.REJECTED)
    return [flagged, accepted, rejected]


@pytest.fixture
def numbers() -> dict[str, dict[str, int]]:
    return {
        "A2026112600001": file_labels([FILE_WITH_NAME, "broken.pdf", "bundle.pdf"]),
        "A2026112600002": file_labels(["scan.png", "empty.jpg"]),
    }


def test_progress_is_a_bounded_percentage():
    assert progress_percent(0, 23) == 0.0
    assert progress_percent(7, 23) == pytest.approx(30.4)
    assert progress_percent(23, 23) == 100.0
    assert progress_percent(30, 23) == 100.0
    assert progress_percent(0, 0) == 100.0


def test_artifact_keys_are_what_prefect_accepts():
    for batch in ("2026-11-26", "Batch 7/Nov", "A_b.c"):
        key = artifact_key(batch, "overview")
        assert re.fullmatch(r"[a-z0-9-]+", key), key
    assert artifact_key("2026-11-26", "progress") == "proofs-2026-11-26-progress"
    assert artifact_key("2026-11-26", "a") != artifact_key("2026-11-27", "a")


def test_failed_files_are_those_with_no_readable_page(results, numbers):
    failures = failed_files(results[0], numbers["A2026112600001"])
    assert [(f.number, f.error_code) for f in failures] == [(2, "corrupt_file")]
    table = failed_files_table(results, numbers)
    assert table == [
        {"application": "A2026112600001", "file": 2, "error_code": "corrupt_file"},
        {"application": "A2026112600002", "file": 2, "error_code": "empty_file"},
    ]


def test_overview_counts_statuses_items_and_failures(results, numbers):
    rows = overview_table(results, numbers, crashed=["A2026112600009"])
    by = {(row["section"], row["item"]): row["count"] for row in rows}
    assert by[("applications", "accepted")] == 1
    assert by[("applications", "supplement_required")] == 1
    assert by[("applications", "rejected")] == 1
    assert by[("applications", "not checked")] == 1
    assert by[("applications", "needs a clerk")] == 1
    assert by[("notice items", "proof_of_residence: missing")] == 1
    assert by[("notice items", "photo: photo_unusable")] == 1
    assert by[("files failed", "corrupt_file")] == 1
    assert by[("files failed", "empty_file")] == 1
    assert all(set(row) == {"section", "item", "count"} for row in rows)


def test_review_reason_names_files_by_number_and_masks_values():
    text = describe_reason(
        f"file '{FILE_WITH_NAME}' (id_card), field 'name': {NAME} vs {ID_NUMBER}",
        file_labels(["other.pdf", FILE_WITH_NAME]),
    )
    assert text.startswith("file 2 (id_card), field 'name'")
    assert NAME not in text and ID_NUMBER not in text


def test_clerk_list_names_applications_and_nothing_personal(results, numbers):
    text = clerk_markdown(
        "2026-11-26",
        results,
        numbers,
        crashed=["A2026112600009"],
        review_url="http://127.0.0.1:8000/",
    )
    assert "A2026112600001" in text and "file 1" in text
    assert "A2026112600003" in text  # rejected form
    assert "A2026112600009" in text  # not checked
    assert "A2026112600002" not in text  # accepted, not flagged
    assert "(http://127.0.0.1:8000/)" in text
    everything = text + json.dumps(overview_table(results, numbers))
    everything += json.dumps(failed_files_table(results, numbers))
    for secret in (NAME, ID_NUMBER, FILE_WITH_NAME, "Zhao"):
        assert secret.lower() not in everything.lower()


def test_clerk_list_says_when_nothing_needs_a_clerk(results, numbers):
    text = clerk_markdown("2026-11-26", [results[1]], numbers)
    assert "Nothing" in text and "A2026112600002" not in text


def test_compact_results_give_the_same_dashboard(results, numbers):
    """The flow keeps only compact results until the end of the batch."""
    compact = [compact_result(result) for result in results]
    assert all(doc.fields == {} for result in compact for doc in result.documents)
    assert any(doc.fields for result in results for doc in result.documents)
    assert overview_table(compact, numbers, ["A9"]) == overview_table(results, numbers, ["A9"])
    assert failed_files_table(compact, numbers) == failed_files_table(results, numbers)
    assert clerk_markdown("b", compact, numbers, ["A9"]) == clerk_markdown(
        "b", results, numbers, ["A9"]
    )
    assert [r.review_reasons for r in compact] == [r.review_reasons for r in results]
