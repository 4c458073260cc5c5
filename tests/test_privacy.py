"""Redaction: what operators see has no ID number, credit code, name or address."""

from __future__ import annotations

import logging

from pipeline.privacy import RedactionFilter, SecretRegistry, mask_id_number


def test_patterns_are_masked_without_registration():
    registry = SecretRegistry()
    text = registry.mask("id 11010119900307001X and code 91110105MA01ABCD2X, app A2026112600017")
    assert "11010119900307001X" not in text and "91110105MA01ABCD2X" not in text
    assert "A2026112600017" in text  # application numbers are not personal data


def test_registered_values_are_masked_case_insensitively_longest_first():
    registry = SecretRegistry()
    registry.add(["Li Wei", "Li Weiming", "88 Jianguo Road", None, "x"])
    text = registry.mask("tenant LI WEIMING at 88 jianguo road; Li Wei signed")
    assert text == "tenant *** at ***; *** signed"


def test_filter_masks_messages_arguments_and_tracebacks(caplog):
    logger = logging.getLogger("test.redaction")
    redaction = RedactionFilter()
    logger.addFilter(redaction)
    try:
        try:
            raise ValueError("bad id 11010119900307001X")
        except ValueError:
            with caplog.at_level(logging.INFO, logger="test.redaction"):
                logger.info("reading %s", "11010119900307001X")
                logger.exception("failed")
    finally:
        logger.removeFilter(redaction)
    text = caplog.text
    assert "11010119900307001X" not in text
    assert text.count("***") >= 2


def test_id_number_display_mask():
    assert mask_id_number("11010119900307001X") == "110*************1X"
    assert mask_id_number(None) == ""
