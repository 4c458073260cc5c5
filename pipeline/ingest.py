"""Find the applications of a batch folder, read their forms, list and sniff uploads.

Nothing here trusts a name: a file's format comes from its first bytes, and a
link that leads out of the batch folder is reported instead of followed.
Nothing here raises for bad input either: every problem becomes an error value
on the application or the file, so the batch always goes on.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from pipeline.errors import (
    EmptyFile,
    FileTooLarge,
    LinkOutsideBatch,
    ReadError,
    UnsupportedFormat,
)
from pipeline.models import ApplicationForm
from pipeline.settings import Settings

FORM_NAME = "application.json"
SUPPORTED_FORMATS = ("jpeg", "png", "tiff", "bmp", "webp", "pdf")

#: Formats we recognise only to say precisely what a file is when we refuse it.
_KNOWN_OTHER_FORMATS: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document such as DOCX)"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (DOC/XLS)"),
    (b"Rar!", "a RAR archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x00\x00\x00\x0cjP  ", "a JPEG 2000 image"),
)


@dataclass(frozen=True)
class UploadedFile:
    """One uploaded file of an application, hashed and sniffed."""

    path: Path
    relative: str
    size: int
    sha256: str
    format: str | None
    error: ReadError | None = None


@dataclass
class ApplicationInput:
    """An application folder: its form (or why it is unusable) and its uploads."""

    folder: Path
    form: ApplicationForm | None
    form_errors: list[str]
    files: list[UploadedFile] = field(default_factory=list)
    #: the language an unusable form still declares, so its files are read and its
    #: rejection written in that language rather than in English
    declared_language: str = "en"

    @property
    def application_id(self) -> str:
        return self.form.application_id if self.form else display_name(self.folder.name)

    @property
    def language(self) -> str:
        """The documents' and notice's language: the form's, else what it declares."""
        return self.form.language.value if self.form else self.declared_language


def discover_applications(batch_dir: Path) -> list[Path]:
    """Application folders of a batch, in name order (hidden folders skipped)."""
    return sorted(
        entry
        for entry in batch_dir.iterdir()
        if entry.is_dir() and not entry.is_symlink() and not entry.name.startswith(".")
    )


def load_application(folder: Path, settings: Settings) -> ApplicationInput:
    form, errors = read_form(folder / FORM_NAME, settings)
    return ApplicationInput(
        folder=folder,
        form=form,
        form_errors=errors,
        files=list_uploads(folder, settings),
        declared_language="en" if form else declared_language(folder / FORM_NAME, settings),
    )


def read_form(path: Path, settings: Settings) -> tuple[ApplicationForm | None, list[str]]:
    """The parsed form, or None and the reasons it is unusable (no values echoed)."""
    if not path.is_file():
        return None, [f"{FORM_NAME} is missing from the application folder"]
    size = path.stat().st_size
    if size > settings.max_form_bytes:
        return None, [
            f"{FORM_NAME} is {size} bytes, over the limit of {settings.max_form_bytes} bytes"
        ]
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [f"{FORM_NAME} is not UTF-8 text (invalid byte at offset {exc.start})"]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [f"{FORM_NAME} is not valid JSON (line {exc.lineno}, column {exc.colno})"]
    except RecursionError:
        return None, [f"{FORM_NAME} is not a usable form (its JSON is nested too deeply)"]
    except ValueError:  # e.g. an integer of thousands of digits (int_max_str_digits)
        return None, [f"{FORM_NAME} is not a usable form (it holds an out-of-range number)"]
    if not isinstance(data, dict):
        return None, [f"{FORM_NAME} must hold a JSON object"]
    try:
        return ApplicationForm.model_validate(data), []
    except ValidationError as exc:
        return None, [_describe_validation_error(err) for err in exc.errors()]


def declared_language(path: Path, settings: Settings) -> str:
    """The ``language`` an unusable form names, when it is a supported one; else "en"."""
    try:
        if path.stat().st_size > settings.max_form_bytes:
            return "en"
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, ValueError, RecursionError):
        return "en"
    language = data.get("language") if isinstance(data, dict) else None
    return language if language in ("en", "zh") else "en"


def _describe_validation_error(error: dict) -> str:
    location = ".".join(str(part) for part in error["loc"]) or "form"
    return f"{location}: {error['msg']}"


def list_uploads(folder: Path, settings: Settings) -> list[UploadedFile]:
    """Every uploaded file under the application folder, except the form itself."""
    root = folder.resolve()
    uploads: list[UploadedFile] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames.sort()
        current = Path(dirpath)
        # directory links are listed as files of their own: report, don't descend
        linked_dirs = [name for name in dirnames if (current / name).is_symlink()]
        dirnames[:] = [name for name in dirnames if name not in linked_dirs]
        for name in sorted([*filenames, *linked_dirs]):
            path = current / name
            relative = display_name(path.relative_to(folder).as_posix())
            if relative == FORM_NAME:
                continue
            uploads.append(inspect_upload(path, relative, root, settings))
    return uploads


def inspect_upload(path: Path, relative: str, root: Path, settings: Settings) -> UploadedFile:
    """Hash and sniff one upload; problems become the file's error, never an exception."""
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(root) or not target.is_file():
            return UploadedFile(
                path,
                relative,
                0,
                "",
                None,
                LinkOutsideBatch(
                    "the upload is a link to a location outside the application folder; "
                    "links are not followed"
                ),
            )
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a pipe would block the read forever
            return UploadedFile(
                path,
                relative,
                0,
                "",
                None,
                UnsupportedFormat("the upload is not a regular file (a pipe, socket or device)"),
            )
        size = path.stat().st_size
        digest, head = _hash_and_head(path)
    except OSError as exc:
        return UploadedFile(
            path,
            relative,
            0,
            "",
            None,
            UnsupportedFormat(
                f"the upload could not be opened ({exc.strerror or type(exc).__name__})"
            ),
        )
    if size == 0:
        return UploadedFile(
            path, relative, 0, digest, None, EmptyFile("the file is empty (0 bytes)")
        )
    fmt = sniff_format(head)
    error: ReadError | None = None
    if size > settings.max_file_bytes:
        error = FileTooLarge(
            f"the file is {size / 1e6:.1f} MB, over the limit of "
            f"{settings.max_file_bytes / 1e6:.0f} MB"
        )
    elif fmt is None:
        error = UnsupportedFormat(describe_unsupported(head))
    return UploadedFile(path, relative, size, digest, fmt, error)


def display_name(name: str) -> str:
    """A file or folder name as text: bytes that are not UTF-8 (kept by the filesystem as
    surrogates, which JSON and UTF-8 writers refuse) become ``\\xNN``, so names stay distinct."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "backslashreplace")
    return name


def _hash_and_head(path: Path, chunk: int = 1 << 20) -> tuple[str, bytes]:
    sha = hashlib.sha256()
    head = b""
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            if not head:
                head = block[:2048]
            sha.update(block)
    return sha.hexdigest(), head


def sniff_format(head: bytes) -> str | None:
    """The upload's format from its magic bytes, or None when it is none we read."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head.startswith(b"BM") and len(head) >= 26:
        return "bmp"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    return None


def describe_unsupported(head: bytes) -> str:
    for magic, description in _KNOWN_OTHER_FORMATS:
        if head.startswith(magic):
            return f"the file is {description}, not an image or PDF"
    sample = head[:512].lstrip().lower()
    if sample.startswith((b"<!doctype html", b"<html")) or b"<html" in sample:
        return "the file is an HTML page, not an image or PDF"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        return "the file's format is not recognised (accepted: JPEG, PNG, TIFF, BMP, WEBP, PDF)"
    return "the file is plain text, not an image or PDF"
