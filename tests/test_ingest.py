"""Ingest: forms read or rejected with reasons, uploads hashed and sniffed by content."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import image_bytes, text_image

from pipeline.ingest import (
    discover_applications,
    list_uploads,
    load_application,
    read_form,
    sniff_format,
)

VALID_FORM = {
    "application_id": "A2026112600017",
    "submitted_at": "2026-11-26T09:14:00+08:00",
    "language": "en",
    "service": "first_issue",
    "applicant": {
        "name": "Li Wei",
        "id_number": "11010119900307001x",
        "date_of_birth": "1990-03-07",
        "gender": "male",
    },
    "residence": {
        "address": "Room 1203, 88 Jianguo Road",
        "since": "2026-03-01",
        "basis": "rental",
    },
    "condition": "employment",
    "employer": {"name": "Beijing Hengtai Trading Co., Ltd.", "credit_code": "91110105MA01XXXXXX"},
    "school": None,
    "photo_receipt_number": None,
    "agent": None,
}


def write_form(folder: Path, data) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "application.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_valid_form_is_parsed_and_normalised(tmp_path, settings):
    form, errors = read_form(write_form(tmp_path, VALID_FORM), settings)
    assert errors == []
    assert form.applicant.id_number == "11010119900307001X"
    assert form.submitted_at.utcoffset().total_seconds() == 8 * 3600


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda f: f.update(employer=None), "employer is required"),
        (lambda f: f.update(condition="schooling", employer=None), "school is required"),
        (lambda f: f["applicant"].update(id_number="1101011990030700"), "applicant.id_number"),
        (lambda f: f.update(language="fr"), "language"),
        (lambda f: f.pop("residence"), "residence: Field required"),
        (lambda f: f.update(submitted_at="2026-11-26T09:14:00"), "UTC offset"),
        (lambda f: f["employer"].update(credit_code="9111"), "employer.credit_code"),
    ],
)
def test_invalid_form_gives_a_reason_without_values(tmp_path, settings, mutate, expected):
    data = json.loads(json.dumps(VALID_FORM))
    mutate(data)
    form, errors = read_form(write_form(tmp_path, data), settings)
    assert form is None
    assert any(expected in error for error in errors), errors
    assert not any("Li Wei" in error or "11010119900307001" in error for error in errors)


@pytest.mark.parametrize(
    ("language", "breakage", "expected"),
    [
        ("zh", "drop_residence", "zh"),
        ("en", "drop_residence", "en"),
        ("fr", "drop_residence", "en"),
        ("zh", "not_json", "en"),
    ],
)
def test_unusable_form_keeps_the_language_it_declares(
    tmp_path, settings, language, breakage, expected
):
    data = json.loads(json.dumps(VALID_FORM))
    data["language"] = language
    data.pop("residence")
    text = json.dumps(data) if breakage == "drop_residence" else json.dumps(data)[:-5]
    write_form(tmp_path / "A1", text)
    application = load_application(tmp_path / "A1", settings)
    assert application.form is None and application.form_errors
    assert application.language == expected


def test_rejected_chinese_application_is_answered_in_chinese(tmp_path, settings):
    from pipeline.application import build_result
    from pipeline.notice import render_notice_html

    data = json.loads(json.dumps(VALID_FORM))
    data.update(language="zh")
    data.pop("residence")
    write_form(tmp_path / "A1", data)
    application = load_application(tmp_path / "A1", settings)
    result = build_result(application, {}, settings, fingerprint="x")
    assert result.status == "rejected" and result.language == "zh"
    assert "不予受理通知书" in render_notice_html(result, None)


def test_wrong_check_digit_is_not_a_form_error(tmp_path, settings):
    data = json.loads(json.dumps(VALID_FORM))
    data["applicant"]["id_number"] = "110101199003070019"  # shape fine, check digit wrong
    form, errors = read_form(write_form(tmp_path, data), settings)
    assert form is not None and errors == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "missing"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        (b"\xff\xfe\x00{", "not UTF-8"),
    ],
)
def test_unusable_form_files(tmp_path, settings, content, expected):
    tmp_path.mkdir(exist_ok=True)
    if isinstance(content, bytes):
        (tmp_path / "application.json").write_bytes(content)
    elif content is not None:
        write_form(tmp_path, content)
    form, errors = read_form(tmp_path / "application.json", settings)
    assert form is None
    assert expected in errors[0]


def test_oversized_form_is_refused_before_parsing(tmp_path, settings):
    small = settings.model_copy(update={"max_form_bytes": 100})
    write_form(tmp_path, VALID_FORM)
    form, errors = read_form(tmp_path / "application.json", small)
    assert form is None and "over the limit" in errors[0]


def test_format_comes_from_bytes_not_name(tmp_path, settings):
    page = text_image(["Hello"], size=(200, 100))
    (tmp_path / "photo.pdf").write_bytes(image_bytes(page, "PNG"))
    (tmp_path / "scan.jpg").write_bytes(image_bytes(page, "TIFF"))
    (tmp_path / "notes.png").write_text("just some text\n")
    (tmp_path / "page.htm.jpg").write_text("<!DOCTYPE html><html><body>x</body></html>")
    (tmp_path / "archive.webp").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    (tmp_path / "empty.jpg").write_bytes(b"")
    uploads = {u.relative: u for u in list_uploads(tmp_path, settings)}
    assert uploads["photo.pdf"].format == "png" and uploads["photo.pdf"].error is None
    assert uploads["scan.jpg"].format == "tiff"
    assert "plain text" in uploads["notes.png"].error.message
    assert "HTML" in uploads["page.htm.jpg"].error.message
    assert "ZIP" in uploads["archive.webp"].error.message
    assert uploads["empty.jpg"].error.code == "empty_file"


def test_hash_is_sha256_of_the_bytes_and_form_is_not_an_upload(tmp_path, settings):
    data = image_bytes(text_image(["x"], size=(64, 64)), "JPEG")
    write_form(tmp_path / "A1", VALID_FORM)
    (tmp_path / "A1" / "sub").mkdir()
    (tmp_path / "A1" / "sub" / "IMG 1.jpg").write_bytes(data)
    application = load_application(tmp_path / "A1", settings)
    assert [u.relative for u in application.files] == ["sub/IMG 1.jpg"]
    assert application.files[0].sha256 == hashlib.sha256(data).hexdigest()
    assert application.application_id == "A2026112600017"


def test_links_out_of_the_application_are_not_followed(tmp_path, settings):
    secret = tmp_path / "outside.jpg"
    secret.write_bytes(image_bytes(text_image(["x"], size=(64, 64)), "JPEG"))
    folder = tmp_path / "batch" / "A1"
    folder.mkdir(parents=True)
    (folder / "link.jpg").symlink_to(secret)
    (folder / "dirlink").symlink_to(tmp_path, target_is_directory=True)
    (folder / "inside.jpg").write_bytes(secret.read_bytes())
    (folder / "ok_link.jpg").symlink_to(folder / "inside.jpg")
    uploads = {u.relative: u for u in list_uploads(folder, settings)}
    assert uploads["link.jpg"].error.code == "link_outside_batch"
    assert uploads["dirlink"].error.code == "link_outside_batch"
    assert uploads["ok_link.jpg"].error is None and uploads["ok_link.jpg"].format == "jpeg"


def test_oversized_upload_is_refused(tmp_path, settings):
    small = settings.model_copy(update={"max_file_bytes": 1000})
    (tmp_path / "big.png").write_bytes(image_bytes(text_image(["x" * 50]), "PNG"))
    (upload,) = list_uploads(tmp_path, small)
    assert upload.error.code == "file_too_large" and upload.format == "png"


def test_applications_are_folders_in_name_order(tmp_path):
    for name in ["B2", "A1", ".hidden"]:
        (tmp_path / name).mkdir()
    (tmp_path / "stray.txt").write_text("x")
    assert [p.name for p in discover_applications(tmp_path)] == ["A1", "B2"]


def test_sniffing_known_signatures():
    assert sniff_format(b"\xff\xd8\xff\xe0rest") == "jpeg"
    assert sniff_format(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "webp"
    assert sniff_format(b"junk\n%PDF-1.7\n") == "pdf"
    assert sniff_format(b"GIF89a") is None
