"""residence-proofs: read, check and answer residence-permit supporting documents."""

__version__ = "0.1.0"

#: Bump when what OCR and page loading produce for the same bytes changes: it
#: is part of the cache key, so a bump makes the next run read every file again.
OCR_VERSION = "ocr-15"
