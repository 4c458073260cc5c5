"""Regrouping a bundled upload's pages (issue 11): the pure function and the review app.

Built on a real batch output (tests/regroup_data.py): a generated application whose lease,
labour contract and two ID cards arrive as one six-page PDF, read and decided by the
pipeline's own steps, with the readings in the outbox's cache. No OCR runs: the pages carry
a text layer, and a regrouping re-reads only the cached page text.
"""

from __future__ import annotations

import io
import json
import logging
import random
import re
from pathlib import Path
from urllib.parse import unquote

import pdfplumber
import pytest
from fastapi.testclient import TestClient
from regroup_data import (
    BUNDLE,
    BUNDLE_GROUPS,
    BUNDLE_TYPES,
    BundleOutbox,
    build_bundle_outbox,
    copy_outbox,
)
from review_data import PASSWORD

from pipeline import store
from pipeline.documents import interpret
from pipeline.models import DOCUMENT_FIELDS, DocumentResult, DocumentType, Status
from pipeline.reading import FileReading
from pipeline.regroup import RegroupError, RegroupRequest, file_groups, regroup
from pipeline.settings import Settings
from review.app import create_app
from review.corrections import cached_reading

CARD = 3  # index of the applicant's ID card (pages 3, 4): photo, lease, labour, card, card
LABOUR = 2
LEASE = 1
PHOTO = 0


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> BundleOutbox:
    base = tmp_path_factory.mktemp("bundle")
    return build_bundle_outbox(base / "outbox", base / "inbox")


@pytest.fixture
def outbox(template: BundleOutbox, tmp_path: Path) -> BundleOutbox:
    return copy_outbox(template, tmp_path / "outbox")


@pytest.fixture(scope="module")
def original(template: BundleOutbox) -> list[DocumentResult]:
    return template.result().documents


@pytest.fixture(scope="module")
def reading(template: BundleOutbox, original: list[DocumentResult]) -> FileReading:
    found = cached_reading(template.root, original[LEASE], "en")
    assert found is not None
    return found


def dumps(documents: list[DocumentResult]) -> list[dict]:
    return [doc.model_dump(mode="json") for doc in documents]


def assert_partition(documents: list[DocumentResult], file: str, pages: list[int]) -> None:
    """Every page of the file in exactly one entry, entries sorted, non-empty, in page order."""
    groups = file_groups(documents, file)
    assert all(group and group == sorted(group) for group in groups), groups
    assert sorted(p for group in groups for p in group) == pages, groups
    assert [group[0] for group in groups] == sorted(group[0] for group in groups)
    for doc in documents:
        if doc.file == file:
            assert {image.page for image in doc.page_images} <= set(doc.pages)
            boxes = [e.box for e in doc.field_evidence.values() if e.box is not None]
            assert all(box.page in doc.pages for box in boxes)


# ------------------------------------------------------------ the pure function


def test_the_pipeline_split_the_bundle_as_it_was_generated(original) -> None:
    bundle = [doc for doc in original if doc.file == BUNDLE]
    assert [doc.type.value for doc in bundle] == BUNDLE_TYPES
    assert [doc.pages for doc in bundle] == BUNDLE_GROUPS
    assert original[PHOTO].type is DocumentType.PHOTO and original[PHOTO].file != BUNDLE


def test_moving_a_page_rereads_both_documents_and_moving_it_back_restores_them(
    original, reading
) -> None:
    moved = regroup(original, reading, RegroupRequest("move", CARD, page=3, target=LABOUR))
    assert moved.before == BUNDLE_GROUPS
    assert moved.after == [[1], [2, 3], [4], [5, 6]]
    assert moved.reread == [LABOUR, CARD] and moved.focus == LABOUR
    assert_partition(moved.documents, BUNDLE, [1, 2, 3, 4, 5, 6])
    back_side = moved.documents[CARD]
    assert back_side.type is DocumentType.ID_CARD and back_side.fields["id_number"] is None
    assert moved.documents[LABOUR].type is DocumentType.LABOUR_CONTRACT
    # the entries the request did not touch are the very same objects' values
    for index in (PHOTO, LEASE, 4):
        assert moved.documents[index] == original[index]
    again = regroup(moved.documents, reading, RegroupRequest("move", LABOUR, page=3, target=CARD))
    assert again.after == BUNDLE_GROUPS
    assert dumps(again.documents) == dumps(original)


def test_splitting_then_merging_restores_the_documents(original, reading) -> None:
    split = regroup(original, reading, RegroupRequest("split", CARD, page=4))
    assert split.after == [[1], [2], [3], [4], [5, 6]]
    assert split.focus == CARD + 1 and split.reread == [CARD, CARD + 1]
    assert_partition(split.documents, BUNDLE, [1, 2, 3, 4, 5, 6])
    assert split.documents[CARD].fields["id_number"] is not None  # the front keeps the number
    for merge in (
        RegroupRequest("merge", CARD + 1, target=CARD),
        RegroupRequest("merge", CARD, target=CARD + 1),
    ):
        merged = regroup(split.documents, reading, merge)
        assert merged.after == BUNDLE_GROUPS and merged.focus == CARD
        assert dumps(merged.documents) == dumps(original)


def test_a_page_moved_to_a_new_document_merges_back(original, reading) -> None:
    alone = regroup(original, reading, RegroupRequest("move", 4, page=5, target=None))
    assert alone.after == [[1], [2], [3, 4], [5], [6]] and alone.focus == 4
    back = regroup(alone.documents, reading, RegroupRequest("merge", 4, target=5))
    assert dumps(back.documents) == dumps(original)


def test_any_sequence_of_requests_keeps_every_page_in_exactly_one_entry(original, reading) -> None:
    """Random requests, mostly sensible, some not: whatever is applied keeps the partition."""
    rng = random.Random(104)
    documents = list(original)
    applied = refused = 0
    for _ in range(100):
        mine = [i for i, doc in enumerate(documents) if doc.file == BUNDLE]
        sensible = rng.random() < 0.8
        index = rng.choice(mine) if sensible else rng.randrange(len(documents))
        pages = documents[index].pages or [1]
        request = RegroupRequest(
            action=rng.choice(["move", "move", "split", "merge"]),
            document=index,
            page=rng.choice(pages) if sensible else rng.randint(0, 7),
            target=rng.choice([None, *mine]) if sensible else rng.randrange(len(documents) + 1),
        )
        try:
            done = regroup(documents, reading, request)
        except RegroupError as error:
            assert str(error) and "Su Gang" not in str(error)
            refused += 1
            continue
        applied += 1
        assert documents[index].file == BUNDLE
        assert done.before == file_groups(documents, BUNDLE)
        assert abs(len(file_groups(done.documents, BUNDLE)) - len(mine)) <= 1
        documents = done.documents
        assert_partition(documents, BUNDLE, [1, 2, 3, 4, 5, 6])
        assert documents[PHOTO] == original[PHOTO]  # another file: never touched
    assert applied >= 20 and refused >= 10


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (RegroupRequest("move", CARD, page=5, target=LABOUR), "page 5 is not in document #4"),
        (RegroupRequest("move", CARD, page=None, target=LABOUR), "choose a page"),
        (RegroupRequest("split", CARD, page=3), "would leave an empty document"),
        (RegroupRequest("move", LEASE, page=1, target=LABOUR), "would leave an empty document"),
        (RegroupRequest("move", CARD, page=4, target=PHOTO), "of another file"),
        (RegroupRequest("merge", LABOUR, target=PHOTO), "of another file"),
        (RegroupRequest("merge", LABOUR, target=LABOUR), "is the document itself"),
        (RegroupRequest("merge", LABOUR, target=9), "there is no document #10"),
        (RegroupRequest("split", 7, page=2), "there is no document #8"),
        (RegroupRequest("merge", LABOUR), "choose the document"),
        (RegroupRequest("type", LABOUR, type=DocumentType.LABOUR_CONTRACT), "already of that"),
        (RegroupRequest("shuffle", LABOUR), "unknown action"),  # type: ignore[arg-type]
    ],
)
def test_invalid_requests_are_refused_with_a_clear_message(
    original, reading, request_, message
) -> None:
    before = dumps(original)
    with pytest.raises(RegroupError, match=re.escape(message)):
        regroup(original, reading, request_)
    assert dumps(original) == before


def test_a_reading_of_other_bytes_or_other_pages_is_refused(original, reading) -> None:
    other = reading.model_copy(update={"sha256": "0" * 64})
    with pytest.raises(RegroupError, match="another file"):
        regroup(original, other, RegroupRequest("split", CARD, page=4))
    shorter = reading.model_copy(update={"pages": reading.pages[:-1]})
    with pytest.raises(RegroupError, match="do not cover its pages"):
        regroup(original, shorter, RegroupRequest("split", CARD, page=4))
    unread = DocumentResult(file="broken.pdf", sha256="1" * 64, pages=[], error="damaged")
    with pytest.raises(RegroupError, match="could not be read"):
        regroup([*original, unread], reading, RegroupRequest("split", len(original), page=1))


def test_a_new_type_reads_that_types_fields_from_the_pages(original, reading) -> None:
    retyped = regroup(
        original,
        reading,
        RegroupRequest("type", LABOUR, type=DocumentType.EMPLOYMENT_CERTIFICATE),
    )
    doc = retyped.documents[LABOUR]
    assert doc.type is DocumentType.EMPLOYMENT_CERTIFICATE and doc.confidence == 1.0
    assert list(doc.fields) == list(DOCUMENT_FIELDS[DocumentType.EMPLOYMENT_CERTIFICATE])
    assert doc.fields["employee_name"] == original[LABOUR].fields["employee_name"]
    assert doc.field_evidence["employee_name"].box.page == 2
    assert retyped.after == BUNDLE_GROUPS and retyped.reread == [LABOUR]


def test_a_broken_off_readings_error_stays_with_the_last_pages(original, reading) -> None:
    broken = reading.model_copy(update={"error": "page 7 and later: damaged", "error_code": "x"})
    documents = [original[PHOTO], *interpret(broken, BUNDLE)]
    assert [bool(doc.error) for doc in documents[1:]] == [False, False, False, True]
    moved = regroup(documents, broken, RegroupRequest("move", 4, page=6, target=LEASE))
    assert [doc.pages for doc in moved.documents[1:]] == [[1, 6], [2], [3, 4], [5]]
    assert [bool(doc.error) for doc in moved.documents[1:]] == [True, False, False, False]


# --------------------------------------------------------------------- the app


def client_for(outbox: BundleOutbox) -> TestClient:
    app = create_app(outbox.root, outbox.url, Settings(review_session_secret="r" * 32))
    return TestClient(app, follow_redirects=False)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def logged_in(outbox: BundleOutbox, name: str = "alice") -> tuple[TestClient, str]:
    client = client_for(outbox)
    token = csrf_of(client.get("/login").text)
    answer = client.post(
        "/login", data={"username": name, "password": PASSWORD, "csrf_token": token, "next": "/"}
    )
    assert answer.status_code == 303
    return client, csrf_of(client.get("/").text)


def revision(outbox: BundleOutbox) -> int:
    return store.get_application(store.open_store(outbox.url), outbox.row).revision


def post_regroup(client, outbox, token, index: int, **fields) -> str:
    """Post a regrouping; the message the app redirects with."""
    data = {"csrf_token": token, "revision": revision(outbox), **fields}
    answer = client.post(f"/applications/{outbox.row}/documents/{index}/regroup", data=data)
    assert answer.status_code == 303, answer.text
    return unquote(answer.headers["location"])


def pdf_text(path: Path) -> str:
    with pdfplumber.open(io.BytesIO(path.read_bytes())) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def test_the_page_offers_regrouping_for_the_bundle_only_once_claimed(outbox) -> None:
    client, token = logged_in(outbox)
    page = client.get(f"/applications/{outbox.row}").text
    for index in (LEASE, LABOUR, CARD, 4):
        assert f'id="regroup-{index}"' in page
    assert 'id="regroup-0"' not in page  # the portrait: a file of one page
    assert f'action="/applications/{outbox.row}/documents/{CARD}/regroup"' in page
    assert "#4 id card, pages 3-4" in page and "#3 labour contract, page 2" in page
    section = page[page.index('id="regroup-3"') :]
    assert section.split("</fieldset>")[0].count("disabled") == 1  # read only until claimed
    client.post(f"/applications/{outbox.row}/claim", data={"csrf_token": token})
    page = client.get(f"/applications/{outbox.row}").text
    section = page[page.index('id="regroup-3"') :]
    assert "disabled" not in section.split("</fieldset>")[0]


def test_moving_a_page_redecides_rewrites_the_notices_and_is_audited(
    outbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client, token = logged_in(outbox)
    client.post(f"/applications/{outbox.row}/claim", data={"csrf_token": token})
    first = outbox.result()
    assert first.status is Status.ACCEPTED
    html_before = (outbox.folder / "notice.html").read_text()
    pdf_before = pdf_text(outbox.folder / "notice.pdf")

    message = post_regroup(client, outbox, token, CARD, action="move", page="3", target="2")
    assert "Regrouped" in message and message.endswith(f"#doc-{LABOUR}")
    moved = outbox.result()
    assert file_groups(moved.documents, BUNDLE) == [[1], [2, 3], [4], [5, 6]]
    assert moved.status is Status.SUPPLEMENT_REQUIRED
    assert [(i.material.value, i.reason.value) for i in moved.notice.items] == [
        ("identity_card", "missing")
    ]
    assert moved.input_fingerprint == first.input_fingerprint  # a rerun keeps the clerk's work
    html_after = (outbox.folder / "notice.html").read_text()
    assert html_after != html_before and "identity card" in html_after.lower()
    assert pdf_text(outbox.folder / "notice.pdf") != pdf_before
    stored = store.get_application(store.open_store(outbox.url), outbox.row)
    assert stored.status == "supplement_required"
    assert stored.result == json.loads((outbox.folder / "result.json").read_text())
    trail = store.audit_trail(store.open_store(outbox.url), outbox.row)
    change = next(a for a in trail if a.action == "regroup")
    assert change.who == "alice" and change.field == f"{BUNDLE}: move page 3 of #4 to #3"
    assert json.loads(change.before) == BUNDLE_GROUPS
    assert json.loads(change.after) == [[1], [2, 3], [4], [5, 6]]
    redecided = next(a for a in trail if a.action == "redecide")
    assert (redecided.before, redecided.after) == ("accepted", "supplement_required")
    view = client.get(f"/applications/{outbox.row}").text
    assert "move page 3 of #4 to #3" in view and 'data-reason="missing"' in view

    back = post_regroup(client, outbox, token, LABOUR, action="move", page="3", target="3")
    assert "Regrouped" in back
    restored = outbox.result()
    assert dumps(restored.documents) == dumps(first.documents)
    assert restored.status is Status.ACCEPTED
    assert (outbox.folder / "notice.html").read_text() == html_before
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert outbox.applicant_name not in logged
    assert str(first.documents[CARD].fields["id_number"]) not in logged


def test_split_and_merge_through_the_app(outbox) -> None:
    client, token = logged_in(outbox)
    client.post(f"/applications/{outbox.row}/claim", data={"csrf_token": token})
    first = outbox.result()
    assert post_regroup(client, outbox, token, CARD, action="split", page="4").endswith(
        f"#doc-{CARD + 1}"
    )
    assert file_groups(outbox.result().documents, BUNDLE) == [[1], [2], [3], [4], [5, 6]]
    assert "Regrouped" in post_regroup(client, outbox, token, CARD + 1, action="merge", target="3")
    assert dumps(outbox.result().documents) == dumps(first.documents)
    actions = [a.field for a in store.audit_trail(store.open_store(outbox.url), outbox.row)]
    assert f"{BUNDLE}: split #4 at page 4" in actions and f"{BUNDLE}: merge #5 into #4" in actions


def test_invalid_regroupings_are_refused_and_change_nothing(outbox) -> None:
    client, token = logged_in(outbox)
    client.post(f"/applications/{outbox.row}/claim", data={"csrf_token": token})
    before = (outbox.folder / "result.json").read_bytes()
    opened = revision(outbox)
    refused = {
        "page 1 is not in document #4": dict(action="move", page="1", target="2"),
        "of another file": dict(action="merge", target="0"),
        "would leave an empty document": dict(action="split", page="3"),
        "Choose a document": dict(action="merge", target="two"),
    }
    for message, fields in refused.items():
        assert message in post_regroup(client, outbox, token, CARD, **fields)
    unknown = client.post(
        f"/applications/{outbox.row}/documents/{CARD}/regroup",
        data={"csrf_token": token, "revision": opened, "action": "shuffle"},
    )
    assert unknown.status_code == 422
    nowhere = client.post(
        f"/applications/{outbox.row}/documents/99/regroup",
        data={"csrf_token": token, "revision": opened, "action": "split", "page": "2"},
    )
    assert nowhere.status_code == 404
    assert (outbox.folder / "result.json").read_bytes() == before
    assert revision(outbox) == opened
    assert not any(
        a.action == "regroup" for a in store.audit_trail(store.open_store(outbox.url), outbox.row)
    )


def test_regrouping_needs_a_session_the_csrf_token_a_claim_and_a_fresh_page(outbox) -> None:
    anonymous = client_for(outbox)
    url = f"/applications/{outbox.row}/documents/{CARD}/regroup"
    move = {"action": "move", "page": "3", "target": "2"}
    answer = anonymous.post(url, data={"csrf_token": "x", **move})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    alice, alice_token = logged_in(outbox, "alice")
    bob, bob_token = logged_in(outbox, "bob")
    opened = revision(outbox)
    assert alice.post(url, data={"revision": opened, **move}).status_code == 403  # no token
    unclaimed = alice.post(url, data={"csrf_token": alice_token, "revision": opened, **move})
    assert unclaimed.status_code == 409
    alice.post(f"/applications/{outbox.row}/claim", data={"csrf_token": alice_token})
    other = bob.post(url, data={"csrf_token": bob_token, "revision": opened, **move})
    assert other.status_code == 409
    stale = alice.post(url, data={"csrf_token": alice_token, "revision": opened - 1, **move})
    assert "changed since you opened it" in unquote(stale.headers["location"])
    assert file_groups(outbox.result().documents, BUNDLE) == BUNDLE_GROUPS
    done = alice.post(url, data={"csrf_token": alice_token, "revision": opened, **move})
    assert "Regrouped" in unquote(done.headers["location"])
    again = alice.post(url, data={"csrf_token": alice_token, "revision": opened, **move})
    assert "changed since you opened it" in unquote(again.headers["location"])  # double submit


def test_without_the_cached_reading_the_app_says_so(outbox) -> None:
    client, token = logged_in(outbox)
    client.post(f"/applications/{outbox.row}/claim", data={"csrf_token": token})
    for entry in (outbox.root / ".cache").glob("??/*.json"):
        entry.unlink()
    message = post_regroup(client, outbox, token, CARD, action="split", page="4")
    assert "no longer cached" in message
    assert file_groups(outbox.result().documents, BUNDLE) == BUNDLE_GROUPS


def test_a_type_change_reads_the_new_types_fields_from_the_cached_pages(outbox) -> None:
    client, token = logged_in(outbox)
    client.post(f"/applications/{outbox.row}/claim", data={"csrf_token": token})
    answer = client.post(
        f"/applications/{outbox.row}/documents/{LABOUR}",
        data={"csrf_token": token, "revision": revision(outbox), "type": "employment_certificate"},
    )
    assert answer.status_code == 303 and "Saved" in unquote(answer.headers["location"])
    doc = outbox.result().documents[LABOUR]
    assert doc.type is DocumentType.EMPLOYMENT_CERTIFICATE
    assert doc.fields["employee_name"] == outbox.applicant_name  # read, not left empty
    trail = store.audit_trail(store.open_store(outbox.url), outbox.row)
    change = next(a for a in trail if a.action == "correct")
    assert change.field.endswith(": type") and change.after == "employment_certificate"
