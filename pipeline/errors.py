"""One exception class per way a file can fail to be read.

As in OCRmyPDF's ``exceptions.py``: each outcome has a stable ``code`` (kept in
``result.json`` as ``error_code``) and a message an applicant or clerk can act
on. Messages never carry file contents or personal data: they describe the
file, not what is written in it.
"""

from __future__ import annotations


class ReadError(Exception):
    """A file (or page) that cannot be read; reported, never fatal to the batch."""

    code = "unreadable"
    transient = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class EmptyFile(ReadError):
    code = "empty_file"


class UnsupportedFormat(ReadError):
    code = "unsupported_format"


class CorruptFile(ReadError):
    code = "corrupt_file"


class EncryptedFile(ReadError):
    code = "encrypted_file"


class FileTooLarge(ReadError):
    code = "file_too_large"


class TooManyPages(ReadError):
    code = "too_many_pages"


class ImageTooLarge(ReadError):
    """Pixel count over the limit: a decompression bomb or a needlessly huge scan."""

    code = "image_too_large"


class LinkOutsideBatch(ReadError):
    code = "link_outside_batch"


class OcrTimeout(ReadError):
    code = "ocr_timeout"


class OcrFailed(ReadError):
    """Tesseract crashed or could not start: may succeed on a retry."""

    code = "ocr_failed"
    transient = True
