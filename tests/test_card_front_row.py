"""An ID-card copy whose number and title OCR lost is still a card by the front's row of
sex and ethnicity ("Gender F Ethnicity Han"), which no other document sets on one row."""

from __future__ import annotations

import docgen

from extractors.base import Layout
from pipeline.classify import _has_sex_and_ethnicity_row, classify
from pipeline.models import DocumentType

# the words OCR gave for a garbled 150-DPI card copy: no number, no title, "Name" misread
GARBLED_FRONT = """Neme Lu Ming
Gender F Ethnicity Man
Birth August 4, 2001
Changsha, Hunan Province
Issuing Spd Furong District, C Hunan Province Public"""


def test_a_garbled_card_front_is_an_id_card_by_its_sex_and_ethnicity_row() -> None:
    kind, _ = classify([docgen.lines_page(GARBLED_FRONT)], "en")
    assert kind is DocumentType.ID_CARD


def test_without_that_row_the_same_words_are_not_enough() -> None:
    words = GARBLED_FRONT.replace("Gender F Ethnicity Man", "Gender F")
    kind, _ = classify([docgen.lines_page(words)], "en")
    assert kind is DocumentType.UNKNOWN


def test_a_sentence_naming_sex_and_ethnicity_is_no_card_row() -> None:
    # a letter's sentence is a long row: not the card's short one
    letter = (
        "To whom it may concern\n"
        "The holder, gender female and of Han ethnicity, was born on August 4, 2001 in Changsha\n"
        "and has lived at the address below since 2020.\n"
        "Changsha, Hunan Province"
    )
    kind, _ = classify([docgen.lines_page(letter)], "en")
    assert kind is not DocumentType.ID_CARD


def test_an_ethnicity_label_misread_by_two_letters_still_counts() -> None:
    # a card copy photographed at an angle: "Ethnicity" read as "Sihnicity", "Name" as
    # "Nene", "Birth" as "Bath", the title cut
    words = (
        "Nene Yao Tao\nSex Female Sihnicity Man\nDate of Bath 1992.01.18\nesident n ard of the Peo"
    )
    page = docgen.lines_page(words)
    assert _has_sex_and_ethnicity_row(Layout([page]))
    kind, _ = classify([page], "en")
    assert kind is DocumentType.ID_CARD
    # three letters off is another word
    assert not _has_sex_and_ethnicity_row(
        Layout([docgen.lines_page(words.replace("Sihnicity", "Sihnicilly"))])
    )
