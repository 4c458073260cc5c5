"""Redaction: what operators see has no ID number, credit code, name or address."""

from __future__ import annotations

import logging
import tracemalloc

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


def test_every_occurrence_of_overlapping_values_is_masked():
    registry = SecretRegistry()
    registry.add(["Flat 3, 12 Oak Street", "12 Oak Street, Leeds", "Oak"])
    text = registry.mask("lives at Flat 3, 12 OAK STREET, Leeds; oak tree; 12 Oak Street, Leeds")
    assert text == "lives at ***; *** tree; ***"


def test_a_batch_of_values_is_masked_without_memory_growing_per_value():
    """Each application registers its names, numbers and addresses as it finishes. One
    regex over them all, compiled again each time, kept every old pattern in Python's
    ``re`` cache: the batch process grew with the batch (about 1 MiB per application
    at a thousand files). The values themselves are all that may stay."""
    registry = SecretRegistry()
    values = [
        [f"Applicant{app} Surname{field}", f"Flat {field}, {app} Long Road, Leeds"]
        for app in range(100)
        for field in range(5)
    ]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for application in range(100):
            registry.add(v for pair in values[5 * application : 5 * application + 5] for v in pair)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(registry) == 1000
    assert grown < 1 * 2**20  # the values are about 0.1 MiB
    text = registry.mask("applicant7 surname3 of Flat 4, 99 Long Road, Leeds, and Applicant1")
    assert text == "*** of ***, and Applicant1"
