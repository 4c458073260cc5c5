"""Property-based tests (hypothesis), with a fixed budget: ingest, page loading, the form.

- ingest never raises on any names and bytes, and lists each file exactly once;
- page loading on damaged copies of real files raises nothing but a ``ReadError``;
- the form model parses a form, or gives errors that never echo a value.

``bench/fuzz.py`` runs the same properties much longer.
"""

from __future__ import annotations

import io
import json
import string
import tempfile
import warnings
from pathlib import Path

import pytest
from conftest import text_image
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from pipeline.errors import ReadError
from pipeline.ingest import FORM_NAME, list_uploads, read_form, sniff_format
from pipeline.pages import load_pages
from pipeline.settings import Settings

BUDGET = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
#: Small limits keep each example fast; the properties do not depend on them.
LIMITS = Settings(max_pixels=3_000_000, render_dpi=60, max_pages=8)

MAGIC_PREFIXES = [
    b"",
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
    b"II*\x00",
    b"MM\x00*",
    b"BM",
    b"RIFF\x00\x00\x00\x00WEBP",
    b"%PDF-1.4\n",
    b"PK\x03\x04",
    b"<html>",
]


# ---------------------------------------------------------------------- ingest


def file_names() -> st.SearchStrategy[str]:
    """Names a Linux filesystem accepts: no '/', no NUL, not '.' or '..', <= 255 bytes."""
    return (
        st.text(
            st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)),
            min_size=1,
            max_size=40,
        )
        .filter(lambda name: name not in (".", "..", FORM_NAME))
        .filter(lambda name: len(name.encode("utf-8")) <= 255)
    )


uploads = st.dictionaries(
    file_names(),
    st.tuples(st.sampled_from(MAGIC_PREFIXES), st.binary(max_size=600)).map(b"".join),
    max_size=8,
)


@BUDGET
@given(files=uploads)
def test_ingest_never_raises_and_lists_every_file_once(files):
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        for name, content in files.items():
            (folder / name).write_bytes(content)
        listed = list_uploads(folder, LIMITS)
    assert sorted(upload.relative for upload in listed) == sorted(files)
    for upload in listed:
        content = files[upload.relative]
        assert upload.size == len(content)
        if upload.error is None:
            assert upload.format == sniff_format(content[:2048]) is not None
        else:
            assert isinstance(upload.error, ReadError) and upload.error.message


@BUDGET
@given(content=st.one_of(st.binary(max_size=2000), st.text(max_size=500).map(str.encode)))
def test_reading_any_form_file_never_raises(content):
    with tempfile.TemporaryDirectory() as temporary:
        path = Path(temporary) / FORM_NAME
        path.write_bytes(content)
        form, errors = read_form(path, LIMITS)
    assert (form is None) == bool(errors)


# ------------------------------------------------------------------ page loading


def _seed_files() -> dict[str, tuple[str, bytes]]:
    """Small real files of every supported format, made once."""
    page = text_image(["Lease contract", "Tenant: Li Wei", "Rent 4500"], size=(320, 240))
    seeds: dict[str, tuple[str, bytes]] = {}
    for fmt, pil, options in [
        ("jpeg", "JPEG", {}),
        ("png", "PNG", {}),
        ("bmp", "BMP", {}),
        ("webp", "WEBP", {}),
        ("tiff", "TIFF", {"compression": "tiff_lzw"}),
        ("pdf", "PDF", {"resolution": 100}),
    ]:
        buffer = io.BytesIO()
        page.save(buffer, format=pil, **options)
        seeds[fmt] = (fmt, buffer.getvalue())
    frames = [page, page.rotate(90, expand=True)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:])
    seeds["tiff-2"] = ("tiff", buffer.getvalue())
    from test_hostile import letter

    seeds["pdf-text"] = ("pdf", letter("House lease contract", "Tenant Li Wei", "Rent 4500 yuan"))
    return seeds


SEEDS = _seed_files()


@st.composite
def damaged_files(draw) -> tuple[str, bytes]:
    fmt, data = SEEDS[draw(st.sampled_from(sorted(SEEDS)))]
    damaged = bytearray(data)
    for _ in range(draw(st.integers(0, 12))):
        position = draw(st.integers(0, len(damaged) - 1))
        damaged[position] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        damaged = damaged[: draw(st.integers(0, len(damaged)))]
    if draw(st.booleans()):  # a burst of garbage somewhere
        position = draw(st.integers(0, len(damaged)))
        damaged[position:position] = draw(st.binary(min_size=1, max_size=64))
    return fmt, bytes(damaged)


@BUDGET
@given(case=damaged_files())
def test_page_loading_raises_only_read_errors(case):
    fmt, data = case
    with tempfile.TemporaryDirectory() as temporary:
        path = Path(temporary) / "upload"
        path.write_bytes(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                for page in load_pages(path, fmt, LIMITS):
                    assert page.width > 0 and page.height > 0
                    assert page.image is not None or page.text_lines is not None
            except ReadError as error:
                assert error.message and error.code


# ------------------------------------------------------------------------ form

VALID_FORM = {
    "application_id": "A2026112600017",
    "submitted_at": "2026-11-26T09:14:00+08:00",
    "language": "en",
    "service": "first_issue",
    "applicant": {
        "name": "Li Wei",
        "id_number": "11010119900307001X",
        "date_of_birth": "1990-03-07",
        "gender": "male",
    },
    "residence": {
        "address": "Room 1203, 88 Jianguo Road",
        "since": "2026-03-01",
        "basis": "rental",
    },
    "condition": "employment",
    "employer": {"name": "Hengtai Trading", "credit_code": "91110105MA01XXXXXX"},
    "school": None,
    "photo_receipt_number": None,
    "agent": None,
}
#: Every string a test puts in a form starts with this, so an echo is easy to see.
MARK = "QZX"
marked_text = st.text(string.ascii_letters + string.digits + " -_.", max_size=20).map(
    lambda text: MARK + text
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | marked_text,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["name", "id_number", "x", MARK]), children, max_size=3)
    ),
    max_leaves=6,
)


def _paths(data: dict, prefix: tuple = ()) -> list[tuple]:
    found = []
    for key, value in data.items():
        found.append((*prefix, key))
        if isinstance(value, dict):
            found.extend(_paths(value, (*prefix, key)))
    return found


@st.composite
def mutated_forms(draw) -> dict:
    form = json.loads(json.dumps(VALID_FORM))
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(_paths(form)))
        parent = form
        for key in path[:-1]:
            parent = parent[key]
        if not isinstance(parent, dict) or path[-1] not in parent:
            continue
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(json_values)
        elif action == "delete":
            del parent[path[-1]]
        else:
            parent[MARK + draw(st.text(string.ascii_lowercase, max_size=5))] = draw(json_values)
    return form


@BUDGET
@given(form=mutated_forms())
def test_form_parses_or_gives_errors_without_values(form):
    with tempfile.TemporaryDirectory() as temporary:
        path = Path(temporary) / FORM_NAME
        path.write_text(json.dumps(form))
        parsed, errors = read_form(path, LIMITS)
    assert (parsed is None) == bool(errors)
    assert not any(MARK in error for error in errors), errors
    assert not any("Li Wei" in e or "Jianguo" in e or "11010119900307001X" in e for e in errors)


@pytest.mark.parametrize("extra", [{"nickname": "Li"}, {"applicant": None}])
def test_unknown_keys_are_ignored_and_nulls_are_errors(tmp_path, extra):
    form = {**VALID_FORM, **extra}
    path = tmp_path / FORM_NAME
    path.write_text(json.dumps(form))
    parsed, errors = read_form(path, LIMITS)
    if "nickname" in extra:
        assert parsed is not None and errors == [] and not hasattr(parsed, "nickname")
    else:
        assert parsed is None and errors == [
            "applicant: Input should be a valid dictionary or instance of Applicant"
        ]


def test_seed_files_are_readable_before_damage():
    """The damage above starts from files that load: otherwise it proves little."""
    with tempfile.TemporaryDirectory() as temporary:
        for name, (fmt, data) in SEEDS.items():
            path = Path(temporary) / name
            path.write_bytes(data)
            assert list(load_pages(path, fmt, LIMITS)), name
    assert Image.open(io.BytesIO(SEEDS["tiff-2"][1])).n_frames == 2
