"""Hostile uploads and personal data, through one real `proofs run` (and a rerun).

The batch holds two applications of the committed sample batch, one application
full of bad files beside good ones, two that offer the same lease again (the
same bytes; the same page scanned again), and forms that are unusable in every
way we know. Each bad input must get its own error code (or the application its
``rejected`` reason), the batch must finish with exit 0, and the good files
must be read as usual.

The run logs at DEBUG. Afterwards no name, ID number or address from the forms
or read from the documents may appear in the console output, in any Prefect
artifact, in the bytes of Prefect's SQLite database, or in persisted results.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import docgen
import pytest
from PIL import Image
from pypdf import PdfWriter

from pipeline.duplicates import DUPLICATE_MARK
from pipeline.ingest import list_uploads, read_form
from pipeline.reading import read_upload

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_BATCH = ROOT / "sample_docs" / "batch" / "2026-11-26"
GOOD_SAMPLES = ("A2026112600104", "A2026112600105")
PROOFS = Path(sys.executable).parent / "proofs"
BATCH_NAME = "2026-11-30"

HOSTILE_APP = "A2026113000001"
EXACT_COPY_APP = "A2026113000002"
RESCAN_APP = "A2026113000003"
UNKNOWN_KEYS_APP = "A2026113000004"

APPLICANT = {
    "name": "Zhang Sanfeng",
    "id_number": docgen.id_number("440305", "19850612", "301"),
    "address": "Flat 9, 77 Hostile Lane, Futian District, Shenzhen",
}
OTHER_APPLICANT = {
    "name": "Wang Fanghua",
    "id_number": docgen.id_number("320102", "19910204", "522"),
    "address": "Room 5, 3 Quiet Street, Gulou District, Nanjing",
}
#: Personal values written only into forms that are rejected: must not leak either.
REJECTED_FORM_VALUES = ("欧阳娜娜", "Ouyang Nana", "Qian Duoduo", "Sun Xiaomei")

#: file name in the hostile application -> the error code it must get (None: read as usual)
HOSTILE_FILES: dict[str, str | None] = {
    "scan 1 (copy).jpg": None,
    "身份证 正面.pdf": None,
    "damaged text layer.pdf": None,
    os.fsdecode(b"\xff\xfe not utf8.pdf"): None,
    "empty.jpg": "empty_file",
    "truncated.jpg": "corrupt_file",
    "line\nbreak.png": "corrupt_file",
    "truncated.tif": "corrupt_file",
    "truncated.pdf": "corrupt_file",
    "notes.png": "unsupported_format",
    "page.jpg": "unsupported_format",
    "archive.pdf": "unsupported_format",
    "letter.docx.jpg": "unsupported_format",
    "..locked..pdf": "encrypted_file",
    "5000 pages.pdf": "too_many_pages",
    "count 999999.pdf": "too_many_pages",
    "bomb.png": "image_too_large",
    "300 pages.tif": "too_many_pages",
    "link.jpg": "link_outside_batch",
    "sub/linked dir": "link_outside_batch",
    "pipe.jpg": "unsupported_format",
}
#: folder -> a phrase its rejected reason must contain
REJECTED_FORMS = {
    "R-not-utf8": "not UTF-8",
    "R-missing-keys": "applicant.id_number: Field required",
    "R-100MB": "over the limit",
    "R-deep-json": "nested too deeply",
    "R-no-form": "missing",
}


# -------------------------------------------------------------------- the corpus


def form(application_id: str, person: dict, **extra) -> dict:
    return {
        "application_id": application_id,
        "submitted_at": "2026-11-30T09:00:00+08:00",
        "language": "en",
        "service": "first_issue",
        "applicant": {
            "name": person["name"],
            "id_number": person["id_number"],
            "date_of_birth": "1985-06-12",
            "gender": "male",
        },
        "residence": {"address": person["address"], "since": "2026-03-01", "basis": "rental"},
        "condition": "residence",
        "employer": None,
        "school": None,
        "photo_receipt_number": None,
        "agent": None,
        **extra,
    }


def write_form(folder: Path, data: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "application.json").write_text(json.dumps(data, ensure_ascii=False))


def lease_page(person: dict) -> Image.Image:
    blocks, truth = docgen.rental(0)
    text = (
        json.dumps(blocks)
        .replace("Li Wei", person["name"])
        .replace(docgen.TENANT_ID, person["id_number"])
        .replace(json.dumps(truth["property_address"])[1:-1], person["address"])
    )
    page, _ = docgen.render(json.loads(text))
    return page


def text_pdf(content: bytes, count: int = 1) -> bytes:
    """A one-page PDF with ``content`` as its content stream (Helvetica as F1), by hand,
    so that it can also be subtly wrong; ``count`` is what the page tree declares."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count %d >>" % count,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def letter(*lines: str, trailer: bytes = b"") -> bytes:
    body = (
        b"BT /F1 14 Tf 72 720 Td "
        + b"".join(b"(" + line.encode("latin-1") + b") Tj 0 -20 Td " for line in lines)
        + b"ET\n"
    )
    return text_pdf(body + trailer)


def image_data(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def zip_data(entries: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def pdf_writer_data(pages: int = 1, password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(200, 200)
    if password:
        writer.encrypt(user_password=password, owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def hostile_files(folder: Path, outside: Path, lease_jpeg: bytes) -> None:
    """Every entry of HOSTILE_FILES, made for real."""
    small = docgen.degrade(lease_page(APPLICANT).resize((620, 877)), seed=4)
    jpeg, png = image_data(small, "JPEG"), image_data(small, "PNG")
    tiff = image_data(small, "TIFF", compression="tiff_lzw")
    blank = pdf_writer_data()
    frame = Image.new("L", (16, 16), 255)
    data = {
        "scan 1 (copy).jpg": lease_jpeg,
        "身份证 正面.pdf": letter(
            "Certificate of employment",
            "The holder works for us.",
            "Issued by Example Trading Co., Ltd. on 2026-10-14.",
        ),
        # pdfminer logs the operands of the broken operator: here, the applicant's name
        "damaged text layer.pdf": letter(
            "Accommodation certificate",
            f"Resident: {APPLICANT['name']}",
            trailer=f"({APPLICANT['name']}) ({APPLICANT['address']}) l\n".encode(),
        ),
        os.fsdecode(b"\xff\xfe not utf8.pdf"): letter(
            "Enrolment certificate", "Issued on 2026-09-01."
        ),
        "empty.jpg": b"",
        "truncated.jpg": jpeg[: len(jpeg) // 2],
        "line\nbreak.png": png[: len(png) // 2],
        "truncated.tif": tiff[: len(tiff) // 3],
        "truncated.pdf": blank[: len(blank) // 2],
        "notes.png": f"Notes for {APPLICANT['name']}\n".encode(),
        "page.jpg": b"<!DOCTYPE html><html><body>not an image</body></html>",
        "archive.pdf": zip_data({"a.txt": "hello"}),
        "letter.docx.jpg": zip_data(
            {"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"}
        ),
        "..locked..pdf": pdf_writer_data(password="1234"),
        "5000 pages.pdf": pdf_writer_data(pages=5000),
        "count 999999.pdf": text_pdf(b"BT /F1 14 Tf 72 720 Td (one page) Tj ET", count=999999),
        "bomb.png": image_data(Image.new("1", (12000, 10000)), "PNG"),
        "300 pages.tif": image_data(frame, "TIFF", save_all=True, append_images=[frame] * 299),
    }
    for name, content in data.items():
        (folder / name).write_bytes(content)
    (outside / "elsewhere.jpg").write_bytes(jpeg)
    (folder / "link.jpg").symlink_to(outside / "elsewhere.jpg")
    (folder / "sub").mkdir()
    (folder / "sub" / "linked dir").symlink_to(outside, target_is_directory=True)
    os.mkfifo(folder / "pipe.jpg")


def build_batch(root: Path) -> Path:
    batch = root / "inbox" / BATCH_NAME
    outside = root / "outside"
    outside.mkdir(parents=True)
    for name in GOOD_SAMPLES:
        shutil.copytree(SAMPLE_BATCH / name, batch / name)

    page = lease_page(APPLICANT)
    lease_jpeg = image_data(docgen.degrade(page, seed=1), "JPEG", quality=90)
    hostile = batch / HOSTILE_APP
    write_form(hostile, form(HOSTILE_APP, APPLICANT))
    hostile_files(hostile, outside, lease_jpeg)

    copy = batch / EXACT_COPY_APP
    write_form(copy, form(EXACT_COPY_APP, OTHER_APPLICANT))
    (copy / f"{OTHER_APPLICANT['name']} rental.jpg").write_bytes(lease_jpeg)
    rescan = batch / RESCAN_APP
    write_form(rescan, form(RESCAN_APP, OTHER_APPLICANT | {"name": "Sun Xiaomei"}))
    second_scan = docgen.degrade(page.rotate(0.5, fillcolor=255), seed=2)
    (rescan / "IMG_0002.png").write_bytes(image_data(second_scan, "PNG"))

    unknown = batch / UNKNOWN_KEYS_APP
    data = form(
        UNKNOWN_KEYS_APP,
        OTHER_APPLICANT | {"name": "Qian Duoduo"},
        nickname="Qian Duoduo",
        channel={"kiosk": 7},
    )
    data["applicant"]["middle_name"] = "Duoduo"
    write_form(unknown, data)

    not_utf8 = form("R1", {**APPLICANT, "name": "欧阳娜娜"})
    (batch / "R-not-utf8").mkdir()
    (batch / "R-not-utf8" / "application.json").write_bytes(
        json.dumps(not_utf8, ensure_ascii=False).encode("gbk")
    )
    missing = form("R2", {**APPLICANT, "name": "Ouyang Nana"})
    del missing["applicant"]["id_number"], missing["residence"]
    write_form(batch / "R-missing-keys", missing)
    (batch / "R-100MB").mkdir()
    with (batch / "R-100MB" / "application.json").open("wb") as stream:
        stream.write(json.dumps(form("R3", APPLICANT)).encode()[:-1] + b',"pad":"')
        stream.truncate(100 * 1024 * 1024)  # sparse: 100 MB on paper, instant to write
    (batch / "R-deep-json").mkdir()
    (batch / "R-deep-json" / "application.json").write_text("[" * 200_000 + "]" * 200_000)
    (batch / "R-no-form").mkdir()
    (batch / "R-no-form" / "empty.jpg").write_bytes(b"")
    return batch


# --------------------------------------------------------- fast: no Prefect at all


def shown(name: str) -> str:
    """How result.json names a file whose name is not UTF-8."""
    return name.replace("\udcff\udcfe", "\\xff\\xfe")


def test_each_hostile_file_gets_its_error_code_without_prefect(tmp_path, settings):
    """The same corpus straight through ingest and reading, images that are fine skipped
    (their OCR is the flow test's business): quick feedback on every error code."""
    folder, outside = tmp_path / "app", tmp_path / "outside"
    folder.mkdir()
    outside.mkdir()
    hostile_files(folder, outside, image_data(Image.new("L", (64, 64), 255), "JPEG"))
    codes = {}
    for upload in list_uploads(folder, settings):
        if upload.error is not None:
            codes[upload.relative] = upload.error.code
        elif HOSTILE_FILES.get(upload.relative) is None and upload.format != "pdf":
            codes[upload.relative] = None  # a good image
        else:
            reading = read_upload(upload.path, upload.format, upload.sha256, "en", settings)
            codes[upload.relative] = reading.error_code
    assert codes == {shown(name): code for name, code in HOSTILE_FILES.items()}


# ------------------------------------------------------------- the real batch run


def run_proofs(batch: Path, out: Path, prefect_home: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PREFECT_HOME": str(prefect_home),
        "PROOFS_WORKERS": "2",
        "PREFECT_LOGGING_LEVEL": "DEBUG",
        "PREFECT_LOGGING_ROOT_LEVEL": "DEBUG",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    }
    return subprocess.run(
        [str(PROOFS), "run", str(batch), "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    batch = build_batch(root)
    out, home = root / "out", root / "prefect-home"
    first = run_proofs(batch, out, home)
    results = {p.parent.name: p.read_bytes() for p in (out / BATCH_NAME).rglob("result.json")}
    second = run_proofs(batch, out, home) if first.returncode == 0 else None
    return {
        "batch": batch,
        "out": out / BATCH_NAME,
        "home": home,
        "first": first,
        "second": second,
        "results_after_first": results,
    }


def result_of(run: dict, folder: str) -> dict:
    return json.loads((run["out"] / folder / "result.json").read_text())


@pytest.mark.slow
def test_the_batch_completes_and_every_application_has_a_result(hostile_run):
    first = hostile_run["first"]
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    folders = {p.name for p in hostile_run["batch"].iterdir()}
    assert {p.parent.name for p in hostile_run["out"].glob("*/result.json")} == folders
    summary = json.loads((hostile_run["out"] / "summary.json").read_text())
    assert summary["status"] == "complete" and summary["applications"] == len(folders)


@pytest.mark.slow
def test_each_hostile_file_gets_its_specific_error(hostile_run):
    result = result_of(hostile_run, HOSTILE_APP)
    by_file: dict[str, list[dict]] = {}
    for doc in result["documents"]:
        by_file.setdefault(doc["file"], []).append(doc)
    expected = {shown(name): code for name, code in HOSTILE_FILES.items()}
    assert set(by_file) == set(expected)
    for name, code in expected.items():
        (doc,) = by_file[name]
        if code is None:
            assert doc["error"] is None and doc["pages"] == [1], (name, doc["error"])
        else:
            assert (doc["error_code"], doc["type"], doc["pages"]) == (code, "unknown", []), name
            assert doc["error"] and APPLICANT["name"] not in doc["error"]
    lease = by_file["scan 1 (copy).jpg"][0]
    assert lease["type"] == "rental_contract"
    assert lease["fields"]["tenant_name"] == APPLICANT["name"]


@pytest.mark.slow
def test_unusable_forms_are_rejected_with_their_reason(hostile_run):
    for folder, phrase in REJECTED_FORMS.items():
        result = result_of(hostile_run, folder)
        assert result["status"] == "rejected", folder
        assert any(phrase in error for error in result["notice"]["form_errors"]), (folder, result)
        assert (hostile_run["out"] / folder / "notice.pdf").stat().st_size > 1000
    assert result_of(hostile_run, "R-no-form")["documents"][0]["error_code"] == "empty_file"
    missing = result_of(hostile_run, "R-missing-keys")["notice"]["form_errors"]
    assert any(error.startswith("residence: Field required") for error in missing)


@pytest.mark.slow
def test_unknown_form_keys_are_ignored(hostile_run):
    result = result_of(hostile_run, UNKNOWN_KEYS_APP)
    assert result["status"] == "supplement_required"
    assert {item["reason"] for item in result["notice"]["items"]} == {"missing"}
    assert "Duoduo" not in json.dumps(result["notice"]) + json.dumps(result["review_reasons"])


@pytest.mark.slow
def test_good_applications_beside_the_bad_are_read_as_usual(hostile_run):
    truth = json.loads((SAMPLE_BATCH / "truth.json").read_text())
    for folder in GOOD_SAMPLES:
        result = result_of(hostile_run, folder)
        assert result["status"] == truth["applications"][folder]["status"], folder
        for doc in result["documents"]:
            expected = truth["files"][f"{folder}/{doc['file']}"]
            assert doc["pages"] == expected["pages"], (folder, doc["file"])
            assert bool(doc["error"]) == ("bad_file" in expected), (folder, doc["file"])
        assert not any(DUPLICATE_MARK in reason for reason in result["review_reasons"])


@pytest.mark.slow
def test_the_same_lease_under_three_applications_flags_all_three(hostile_run):
    flagged = {
        app: result_of(hostile_run, app) for app in (HOSTILE_APP, EXACT_COPY_APP, RESCAN_APP)
    }
    others = {
        HOSTILE_APP: {EXACT_COPY_APP, RESCAN_APP},
        EXACT_COPY_APP: {HOSTILE_APP, RESCAN_APP},
        RESCAN_APP: {HOSTILE_APP, EXACT_COPY_APP},
    }
    for app, result in flagged.items():
        assert result["needs_review"], app
        reasons = [r for r in result["review_reasons"] if DUPLICATE_MARK in r]
        named = {other for other in others[app] if any(other in r for r in reasons)}
        assert named == others[app], (app, reasons)
        for reason in reasons:
            assert all(
                value not in reason for value in (*APPLICANT.values(), OTHER_APPLICANT["id_number"])
            )
    exact = [r for r in flagged[EXACT_COPY_APP]["review_reasons"] if HOSTILE_APP in r]
    assert "identical file" in exact[0]
    rescan = [r for r in flagged[RESCAN_APP]["review_reasons"] if HOSTILE_APP in r]
    assert "scanned again" in rescan[0]
    # the clerks' queue (the store the review app reads) has the flags too
    with sqlite3.connect(hostile_run["out"].parent / "proofs.sqlite3") as db:
        stored = dict(db.execute("select application_id, review_reasons from applications"))
    for app in flagged:
        assert DUPLICATE_MARK in stored[app], app


@pytest.mark.slow
def test_a_rerun_changes_no_result(hostile_run):
    """Same inputs, same code: the rerun rewrites nothing, duplicate flags included.
    (When other work changes the code between the runs, results are redone: then only
    the flags are compared.)"""
    second = hostile_run["second"]
    assert second is not None and second.returncode == 0, second and second.stderr[-3000:]
    before = hostile_run["results_after_first"]
    after = {p.parent.name: p.read_bytes() for p in hostile_run["out"].rglob("result.json")}
    assert set(after) == set(before)
    for app, data in after.items():
        old, new = json.loads(before[app]), json.loads(data)
        if old["pipeline_version"] == new["pipeline_version"]:
            assert data == before[app], app
        else:
            assert old["review_reasons"] == new["review_reasons"], app


# ----------------------------------------------------------------- personal data


def personal_values(run: dict) -> set[str]:
    """Names, ID numbers and addresses of the forms, and those read from the documents."""
    values = {*APPLICANT.values(), *OTHER_APPLICANT.values(), *REJECTED_FORM_VALUES}
    personal_fields = ("name", "id_number", "address")
    for folder in run["batch"].iterdir():
        try:
            data = json.loads((folder / "application.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            continue
        for part in (data.get("applicant"), data.get("residence"), data.get("agent")):
            values.update(
                v for k, v in (part or {}).items() if isinstance(v, str) and k in personal_fields
            )
        result = result_of(run, folder.name)
        for doc in result["documents"]:
            values.update(
                value
                for key, value in doc["fields"].items()
                if isinstance(value, str) and any(key.endswith(f) for f in personal_fields)
            )
    return {value for value in values if len(value.strip()) >= (2 if _has_cjk(value) else 5)}


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def forms_of_leak(value: str) -> list[bytes]:
    """The ways a value can be stored: UTF-8, JSON-escaped, upper and lower case."""
    variants = {value, value.upper(), value.lower(), json.dumps(value)[1:-1]}
    return [variant.encode("utf-8") for variant in variants]


def leaks(data: bytes, values: set[str]) -> list[str]:
    return sorted(value for value in values if any(f in data for f in forms_of_leak(value)))


@pytest.mark.slow
def test_no_personal_data_in_console_output(hostile_run):
    values = personal_values(hostile_run)
    assert len(values) >= 10 and APPLICANT["name"] in values
    for run in (hostile_run["first"], hostile_run["second"]):
        output = (run.stdout + run.stderr).encode("utf-8", "surrogateescape")
        assert b"DEBUG" in output, "the run did not log at DEBUG: nothing was proved"
        assert leaks(output, values) == []


@pytest.mark.slow
def test_no_personal_data_in_prefect_artifacts_or_error_messages(hostile_run):
    values = personal_values(hostile_run)
    with sqlite3.connect(hostile_run["home"] / "prefect.db") as db:
        artifacts = db.execute("select key, type, description, data from artifact").fetchall()
    assert len(artifacts) >= 3, "the dashboard artifacts are missing: nothing was checked"
    text = json.dumps(artifacts, ensure_ascii=False).encode()
    assert HOSTILE_APP.encode() in text
    assert leaks(text, values) == []
    errors = [
        error
        for folder in hostile_run["batch"].iterdir()
        for result in [result_of(hostile_run, folder.name)]
        for error in [
            *(d["error"] or "" for d in result["documents"]),
            *result["notice"]["form_errors"],
        ]
    ]
    assert len(errors) > 20
    assert leaks("\n".join(errors).encode(), values) == []


@pytest.mark.slow
def test_no_personal_data_in_prefect_database_or_persisted_results(hostile_run):
    values = personal_values(hostile_run)
    home = hostile_run["home"]
    databases = sorted(home.glob("prefect.db*"))
    assert databases and databases[0].stat().st_size > 100_000
    for database in databases:
        assert leaks(database.read_bytes(), values) == [], database.name
    stored = (
        [p for p in (home / "storage").rglob("*") if p.is_file()]
        if (home / "storage").exists()
        else []
    )
    assert stored == [], "task results were persisted"


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        ("[" * 200_000 + "]" * 200_000, "nested too deeply"),
        ('{"application_id": ' + "7" * 5000 + "}", "out-of-range number"),
        ('{"application_id": "A1", "applicant": {"name": "Zhang Sanfeng"}}', "Field required"),
    ],
)
def test_forms_that_break_the_json_parser_are_rejected_not_raised(
    tmp_path, settings, content, phrase
):
    path = tmp_path / "application.json"
    path.write_text(content)
    form, errors = read_form(path, settings)
    assert form is None and any(phrase in error for error in errors), errors
    assert not any("Zhang" in error for error in errors)
