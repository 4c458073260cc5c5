"""The review app through its HTTP interface (TestClient) and the store underneath.

Built on a real outbox (rendered page image, notices written by the real writer,
a SQLite store) from tests/review_data.py; no OCR runs.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from urllib.parse import unquote

import pdfplumber
import pytest
from fastapi.testclient import TestClient
from review_data import (
    ACCEPTED_ID,
    BATCH,
    FLAGGED_ID,
    MISREAD,
    MISSING_ID,
    PASSWORD,
    build_outbox,
    result_of,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from test_validators import good_documents, make_form

from pipeline import store
from pipeline.models import ApplicationResult, Status
from pipeline.settings import Settings
from review.app import create_app, safe_outbox_path
from review.corrections import correct_document


@pytest.fixture(scope="module")
def outbox(tmp_path_factory: pytest.TempPathFactory):
    return build_outbox(tmp_path_factory.mktemp("outbox"))


@pytest.fixture
def fresh_outbox(tmp_path: Path):
    return build_outbox(tmp_path / "outbox")


def client_for(outbox) -> TestClient:
    app = create_app(outbox.root, outbox.url, Settings(review_session_secret="t" * 32))
    return TestClient(app, follow_redirects=False)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def logged_in(outbox, name: str = "alice") -> tuple[TestClient, str]:
    client = client_for(outbox)
    token = csrf_of(client.get("/login").text)
    answer = client.post(
        "/login", data={"username": name, "password": PASSWORD, "csrf_token": token, "next": "/"}
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    token = csrf_of(client.get("/").text)  # the session's token after login
    return client, token


def page_image_path(outbox) -> str:
    result = json.loads((outbox.flagged_dir / "result.json").read_text())
    return next(doc for doc in result["documents"] if doc["page_images"])["page_images"][0]["path"]


# ------------------------------------------------------------------ access


def test_every_page_redirects_to_login_without_a_session(outbox) -> None:
    client = client_for(outbox)
    row = outbox.ids[FLAGGED_ID]
    pages = [
        "/",
        "/?status=supplement_required",
        f"/applications/{row}",
        f"/applications/{row}/notice.html",
        f"/applications/{row}/notice.pdf",
        f"/files/{page_image_path(outbox)}",
    ]
    for page in pages:
        answer = client.get(page)
        assert answer.status_code == 303, page
        assert answer.headers["location"].startswith("/login?next="), page
        assert "Li Wei" not in answer.text and FLAGGED_ID not in answer.text
    for action in ("claim", "unclaim", "release", "documents/2"):
        answer = client.post(f"/applications/{row}/{action}", data={"csrf_token": "x"})
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    login = client.get("/login")
    assert login.status_code == 200 and 'name="password"' in login.text
    assert "Content-Security-Policy" in login.headers


def test_login_needs_the_right_password_and_the_csrf_token(outbox) -> None:
    client = client_for(outbox)
    token = csrf_of(client.get("/login").text)
    wrong = client.post(
        "/login", data={"username": "alice", "password": "wrong password", "csrf_token": token}
    )
    assert wrong.status_code == 401 and "Wrong name or password" in wrong.text
    unknown = client.post(
        "/login", data={"username": "mallory", "password": PASSWORD, "csrf_token": token}
    )
    assert unknown.status_code == 401
    no_token = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert no_token.status_code == 403
    assert client.get("/").status_code == 303  # still not logged in
    offsite = client.post(
        "/login",
        data={"username": "alice", "password": PASSWORD, "csrf_token": token, "next": "//evil"},
    )
    assert offsite.status_code == 303 and offsite.headers["location"] == "/"
    queue = client.get("/")
    assert queue.status_code == 200 and FLAGGED_ID in queue.text


def test_repeated_wrong_passwords_lock_the_name_for_a_while(fresh_outbox) -> None:
    client = client_for(fresh_outbox)
    token = csrf_of(client.get("/login").text)
    for _ in range(5):
        wrong = {"username": "bob", "password": "guess", "csrf_token": token}
        assert client.post("/login", data=wrong).status_code == 401
    right = {"username": "bob", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=right).status_code == 429
    assert client.get("/").status_code == 303
    alice = {"username": "alice", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=alice).status_code == 303  # other names unaffected


def test_form_posts_without_the_csrf_token_are_refused(fresh_outbox) -> None:
    client, token = logged_in(fresh_outbox)
    row = fresh_outbox.ids[FLAGGED_ID]
    assert client.post(f"/applications/{row}/claim").status_code == 403
    assert (
        client.post(f"/applications/{row}/claim", data={"csrf_token": "forged"}).status_code == 403
    )
    engine = store.open_store(fresh_outbox.url)
    assert store.get_application(engine, row).claimed_by is None
    assert client.post(f"/applications/{row}/claim", data={"csrf_token": token}).status_code == 303
    assert store.get_application(engine, row).claimed_by == "alice"
    refused = client.post(f"/applications/{row}/documents/2", data={"field.tenant_name": "Li Wei"})
    assert refused.status_code == 403
    assert store.get_application(engine, row).result["documents"][2]["fields"]["tenant_name"] == (
        MISREAD
    )
    assert client.post("/logout").status_code == 403
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/").status_code == 303


def test_page_images_only_from_inside_the_outbox(outbox, tmp_path: Path) -> None:
    client, _ = logged_in(outbox)
    inside = client.get(f"/files/{page_image_path(outbox)}")
    assert inside.status_code == 200 and inside.headers["content-type"] == "image/jpeg"
    assert inside.content[:3] == b"\xff\xd8\xff"
    secret = tmp_path / "secret.jpg"
    secret.write_bytes((outbox.root / page_image_path(outbox)).read_bytes())
    link = outbox.root / ".cache" / "pages" / "link.jpg"
    link.symlink_to(secret)
    outside = [
        "/files/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        f"/files/..%2F{secret.parent.name}%2Fsecret.jpg",
        f"/files/{secret}",
        "/files/%2Fetc%2Fpasswd",
        "/files/.cache/pages/link.jpg",  # a symlink pointing outside
        f"/files/{BATCH}/{FLAGGED_ID}/result.json",  # inside, but not a page image
        "/files/.cache/pages/none.jpg",
    ]
    for path in outside:
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert answer.content[:3] != b"\xff\xd8\xff"
    assert safe_outbox_path(outbox.root, str(secret)) is None
    assert safe_outbox_path(outbox.root, "../" + secret.name) is None
    assert safe_outbox_path(outbox.root, ".cache/pages/link.jpg") is None
    assert safe_outbox_path(outbox.root, page_image_path(outbox)) is not None


# ------------------------------------------------------------------- queue


def test_queue_lists_flagged_supplements_and_samples_oldest_first(outbox) -> None:
    client, _ = logged_in(outbox)
    html = client.get("/").text
    order = [html.index(i) for i in (FLAGGED_ID, MISSING_ID, ACCEPTED_ID)]
    assert order == sorted(order)
    assert "2026-12-11" in html  # issue-by: local submission date + 15 days
    assert re.search(r'id="count-queue">3<', html)
    only_review = client.get("/?reason=needs_review").text
    assert FLAGGED_ID in only_review and MISSING_ID not in only_review
    missing = client.get("/?reason=missing").text
    assert MISSING_ID in missing and FLAGGED_ID not in missing
    accepted = client.get("/?status=accepted").text
    assert ACCEPTED_ID in accepted and "sampled" in accepted and FLAGGED_ID not in accepted
    assert FLAGGED_ID not in client.get("/?batch=another-day").text


def test_a_rejected_form_is_queued_and_shown_read_only(fresh_outbox) -> None:
    from pipeline.models import Notice
    from pipeline.notice import write_notice

    rejected = ApplicationResult(
        application_id="A2026112600099",
        status=Status.REJECTED,
        notice=Notice(form_errors=["applicant.id_number: does not have 18 characters"]),
    )
    folder = fresh_outbox.root / BATCH / "A2026112600099"
    write_notice(rejected, None, folder)
    store.record_result(fresh_outbox.url, BATCH, fresh_outbox.root, rejected, None)
    client, token = logged_in(fresh_outbox)
    queue = client.get("/?status=rejected").text
    assert "A2026112600099" in queue and FLAGGED_ID not in queue
    engine = store.open_store(fresh_outbox.url)
    row = next(r for r in store.queue(engine) if r.application_id == "A2026112600099")
    assert row.issue_by is None and store.get_application(engine, row.id).form is None
    client.post(f"/applications/{row.id}/claim", data={"csrf_token": token})
    view = client.get(f"/applications/{row.id}")
    assert view.status_code == 200 and "does not have 18 characters" in view.text
    assert "could not be read" in view.text
    assert client.get(f"/applications/{row.id}/notice.pdf").content[:5] == b"%PDF-"


def test_sampling_is_a_deterministic_share() -> None:
    ids = [f"A20261126{n:05d}" for n in range(4000)]
    picked = [i for i in ids if store.is_sampled(i, 0.05)]
    assert 0.04 < len(picked) / len(ids) < 0.06
    assert picked == [i for i in ids if store.is_sampled(i, 0.05)]
    assert not any(store.is_sampled(i, 0.0) for i in ids[:200])
    assert all(store.is_sampled(i, 1.0) for i in ids[:200])


# ------------------------------------------------------------------- store


def test_record_result_is_idempotent_and_keeps_the_clerks_state(tmp_path: Path) -> None:
    outbox = build_outbox(tmp_path / "outbox", sample_share=0.0)
    engine = store.open_store(outbox.url)
    row = outbox.ids[FLAGGED_ID]
    assert store.claim(engine, row, "alice")
    stored = store.get_application(engine, row)
    result = ApplicationResult.model_validate(stored.result)
    form = make_form(application_id=FLAGGED_ID)
    for _ in range(2):
        store.record_result(outbox.url, BATCH, outbox.root, result, form, sample_share=0.0)
    with Session(engine) as session:
        count = session.scalar(
            select(func.count()).where(store.ApplicationRow.application_id == FLAGGED_ID)
        )
    assert count == 1
    again = store.get_application(engine, row)
    assert again.claimed_by == "alice" and again.id == row
    accepted = store.get_application(engine, outbox.ids[ACCEPTED_ID])
    assert not accepted.sampled and not accepted.in_queue
    queue_ids = {r.application_id for r in store.queue(engine)}
    assert queue_ids == {FLAGGED_ID, MISSING_ID}


def test_claim_keeps_a_second_clerk_out(fresh_outbox) -> None:
    alice, alice_token = logged_in(fresh_outbox, "alice")
    bob, bob_token = logged_in(fresh_outbox, "bob")
    row = fresh_outbox.ids[FLAGGED_ID]
    engine = store.open_store(fresh_outbox.url)
    alice.post(f"/applications/{row}/claim", data={"csrf_token": alice_token})
    taken = bob.post(f"/applications/{row}/claim", data={"csrf_token": bob_token})
    assert "Already+claimed+by+alice" in taken.headers["location"].replace("%20", "+")
    assert store.get_application(engine, row).claimed_by == "alice"
    view = bob.get(f"/applications/{row}").text
    assert "Claimed by alice" in view and "release-button" not in view
    correction = bob.post(
        f"/applications/{row}/documents/2",
        data={"csrf_token": bob_token, "field.tenant_name": "Li Wei"},
    )
    assert correction.status_code == 409
    assert bob.post(f"/applications/{row}/release", data={"csrf_token": bob_token}).status_code == (
        409
    )
    assert not store.claim(engine, row, "bob")
    assert store.get_application(engine, row).result["documents"][2]["fields"]["tenant_name"] == (
        MISREAD
    )
    queue = bob.get("/").text
    assert "claimed-other" in queue
    alice.post(f"/applications/{row}/unclaim", data={"csrf_token": alice_token})
    assert store.claim(engine, row, "bob")


# -------------------------------------------------------------- corrections


def pdf_text(path: Path) -> str:
    with pdfplumber.open(io.BytesIO(path.read_bytes())) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def test_correcting_a_field_redecides_rewrites_the_notice_and_is_audited(fresh_outbox) -> None:
    client, token = logged_in(fresh_outbox)
    row = fresh_outbox.ids[FLAGGED_ID]
    engine = store.open_store(fresh_outbox.url)
    folder = fresh_outbox.flagged_dir
    before_pdf = pdf_text(folder / "notice.pdf")
    assert "proof of residence" in before_pdf.lower() or "rental contract" in before_pdf.lower()
    view = client.get(f"/applications/{row}").text
    assert 'data-reason="name_mismatch"' in view
    assert 'class="field low flagged has-box"' in view  # the misread value is marked
    client.post(f"/applications/{row}/claim", data={"csrf_token": token})
    revision = store.get_application(engine, row).revision
    answer = client.post(
        f"/applications/{row}/documents/2",
        data={
            "csrf_token": token,
            "revision": revision,
            "type": "rental_contract",
            "field.tenant_name": "  Li   Wei ",
            "field.monthly_rent": "4500",
        },
    )
    assert answer.status_code == 303
    result = ApplicationResult.model_validate_json((folder / "result.json").read_bytes())
    assert result.status is Status.ACCEPTED and result.notice.items == []
    assert result.documents[2].fields["tenant_name"] == "Li Wei"
    assert result.documents[2].field_evidence["tenant_name"].confidence == 1.0
    assert not result.needs_review
    assert result.input_fingerprint == "f" * 32  # a rerun keeps the clerk's result
    html = (folder / "notice.html").read_text()
    assert "does not name the applicant" not in html
    after_pdf = pdf_text(folder / "notice.pdf")
    assert after_pdf != before_pdf and "does not name the applicant" not in after_pdf
    assert "11 December 2026" in after_pdf  # accepted: the issue-by date
    stored = store.get_application(engine, row)
    assert stored.status == "accepted" and not stored.needs_review
    view = client.get(f"/applications/{row}").text
    assert 'data-reason="name_mismatch"' not in view and "No supplement needed" in view
    assert client.post(f"/applications/{row}/release", data={"csrf_token": token}).status_code == (
        303
    )
    stored = store.get_application(engine, row)
    assert stored.released and stored.reviewed_by == "alice" and stored.claimed_by is None
    trail = store.audit_trail(engine, row)
    actions = [a.action for a in reversed(trail)]
    assert actions[:3] == ["view", "claim", "correct"]
    assert "release" in actions and actions.count("view") == 2
    change = next(a for a in trail if a.action == "correct")
    assert change.who == "alice" and change.field.endswith("fields.tenant_name")
    assert (change.before, change.after) == (MISREAD, "Li Wei")
    assert not any(a.field and "monthly_rent" in a.field for a in trail)  # 4500 == 4500.0
    page = client.get(f"/applications/{row}").text
    assert "fields.tenant_name" in page and "Released by alice" in page
    assert FLAGGED_ID not in client.get("/").text  # released: out of the queue
    assert FLAGGED_ID in client.get("/?released=true").text


def test_type_change_and_photo_verdict_redecide(fresh_outbox) -> None:
    client, token = logged_in(fresh_outbox)
    row = fresh_outbox.ids[MISSING_ID]
    client.post(f"/applications/{row}/claim", data={"csrf_token": token})
    engine = store.open_store(fresh_outbox.url)

    def save(index: int, **fields: str) -> None:
        revision = store.get_application(engine, row).revision
        client.post(
            f"/applications/{row}/documents/{index}",
            data={"csrf_token": token, "revision": revision, **fields},
        )

    save(1, photo_usable="no")
    reasons = {i["reason"] for i in store.get_application(engine, row).result["notice"]["items"]}
    assert "photo_unusable" in reasons
    save(2, type="unknown")
    result = store.get_application(engine, row).result
    assert result["documents"][2]["type"] == "unknown" and result["documents"][2]["fields"] == {}
    materials = {i["material"] for i in result["notice"]["items"]}
    assert "proof_of_employment" in materials
    kinds = [(a.action, a.field) for a in store.audit_trail(engine, row) if a.action == "correct"]
    assert any(f.endswith("checks.usable") for _, f in kinds)
    assert any(f.endswith(": type") for _, f in kinds)


def test_a_correction_from_an_outdated_page_is_refused(fresh_outbox) -> None:
    client, token = logged_in(fresh_outbox)
    row = fresh_outbox.ids[FLAGGED_ID]
    engine = store.open_store(fresh_outbox.url)
    client.post(f"/applications/{row}/claim", data={"csrf_token": token})
    opened = store.get_application(engine, row).revision
    assert f'name="revision" value="{opened}"' in client.get(f"/applications/{row}").text
    first = {"csrf_token": token, "revision": opened, "field.landlord_name": "Zhao Ming"}
    assert "Saved" in unquote(
        client.post(f"/applications/{row}/documents/2", data=first).headers["location"]
    )
    stale = {"csrf_token": token, "revision": opened, "field.tenant_name": "Li Wei"}
    answer = client.post(f"/applications/{row}/documents/2", data=stale)
    assert "changed since you opened it" in unquote(answer.headers["location"])
    stored = store.get_application(engine, row)
    assert stored.revision == opened + 1
    assert stored.result["documents"][2]["fields"]["tenant_name"] == MISREAD


def test_correct_document_only_reports_real_changes() -> None:
    form = make_form()
    docs = good_documents()
    lease = docs[2]
    same, changes = correct_document(
        lease, values={"tenant_name": "Li Wei", "monthly_rent": "4500"}
    )
    assert changes == [] and same == lease
    changed, changes = correct_document(lease, values={"tenant_id_number": " 110101 19900307001x"})
    assert [c.field for c in changes] == ["fields.tenant_id_number"]
    assert changed.fields["tenant_id_number"].endswith("X")
    with pytest.raises(ValueError, match="monthly_rent"):
        correct_document(lease, values={"monthly_rent": "a lot"})
    assert result_of(form, docs).status is Status.ACCEPTED


def test_users_add_from_the_command_line(tmp_path: Path, monkeypatch) -> None:
    from pipeline.cli import main

    monkeypatch.delenv("PROOFS_DATABASE_URL", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough secret\n"))
    assert main(["users", "add", "carol", "--out", str(tmp_path), "--password-stdin"]) == 0
    engine = store.open_store(None, tmp_path)
    assert store.verify_user(engine, "carol", "a long enough secret")
    assert not store.verify_user(engine, "carol", "a long enough secreT")
    with Session(engine) as session:
        hashed = session.scalar(select(store.UserRow.password_hash))
    assert hashed.startswith("$argon2") and "secret" not in hashed
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "add", "dave", "--out", str(tmp_path), "--password-stdin"]) == 2


def test_record_result_from_many_threads_loses_nothing(tmp_path: Path) -> None:
    """The flow finishes applications in a thread pool: all write the one SQLite store."""
    from concurrent.futures import ThreadPoolExecutor

    url = store.database_url(tmp_path, Settings(database_url=None))
    documents = good_documents()

    def record(number: int) -> None:
        form = make_form(application_id=f"A20261126{number:05d}")
        result = result_of(form, documents)
        for _ in range(2):  # a rerun on top
            store.record_result(url, BATCH, tmp_path, result, form, sample_share=0.5)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(record, range(60)))
    engine = store.open_store(url)
    with Session(engine) as session:
        rows = session.scalars(select(store.ApplicationRow)).all()
        assert len(rows) == 60 and len({r.application_id for r in rows}) == 60
        sampled = {r.application_id for r in rows if r.sampled}
    assert sampled == {r.application_id for r in rows if store.is_sampled(r.application_id, 0.5)}
    assert 0 < len(sampled) < 60
    assert {r.application_id for r in store.queue(engine)} == sampled
