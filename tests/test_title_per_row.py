"""A title row names one document: a fuzzy match of another type's title inside it
("for Certificate" read as "work certificate") does not count for that type."""

from __future__ import annotations

import docgen

from extractors.base import Layout
from pipeline.classify import classify, score_classes
from pipeline.models import DocumentType

# a photo receipt laid out as a table, read column by column (captions, then values)
RECEIPT_BY_COLUMNS = """Haoyun Digital Imaging
Photo Receipt for Certificate
Name
Photo Receipt No.
Studio
Use
Date
Kimberly Porter
P3541800222
Haoyun Digital Imaging
Residence Permit
2026-10-28"""


def test_a_receipt_title_ending_in_for_certificate_is_a_receipt() -> None:
    page = docgen.lines_page(RECEIPT_BY_COLUMNS)
    scores = score_classes(Layout([page]), "en")
    assert not any(d.startswith("title:") for d in scores.detail.get("employment_certificate", []))
    kind, _ = classify([page], "en")
    assert kind is DocumentType.PHOTO_RECEIPT


def test_a_title_on_its_own_row_still_counts() -> None:
    page = docgen.lines_page(
        "Work Certificate\nThis is to certify that Kimberly Porter has worked for us as an "
        "engineer since 2020.\nEmployer: Haoyun Digital Imaging Co., Ltd."
    )
    scores = score_classes(Layout([page]), "en")
    assert any(d.startswith("title:") for d in scores.detail.get("employment_certificate", []))
