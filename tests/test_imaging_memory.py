"""The imaging of one large page keeps few page-sized arrays alive at once (issue 9).

The batch process reads two pages at once, and its peak memory is two pages' peaks: each
full-page temporary of a 300-DPI A4 page costs 9 MB (grey), 28 MB (colour) or 38 MB
(float32). numpy's and OpenCV's output arrays are traced by ``tracemalloc``, so the peak
above what the caller holds is measured, in units of the page's grey copy. Measured on
these pages: capture quality 2.6x (3.6x before the bands and in-place steps), the whole
preparation 4.1x with seal, deskew and table rules (7.8x before) and 4.6x for a
photographed page that is flattened and evenly lit (11.5x before: four float32 copies).
"""

from __future__ import annotations

import random
import tracemalloc
from collections.abc import Callable

import cv2
import docgen
import numpy as np
import pagegen
import pytest

from pipeline import imaging

#: Bounds, in grey copies of the page, with margin over the measured 2.6x and 4.1-4.6x.
QUALITY_MAX_GREY_COPIES = 3.2
PREPARE_MAX_GREY_COPIES = 6.0


def _traced_peak(work: Callable[[], object]) -> int:
    """Bytes allocated at the peak of ``work`` above what was allocated before it."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        work()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def sealed_table() -> np.ndarray:
    """A 300-DPI A4 colour scan of a ruled rental table with a red seal, turned 2 degrees."""
    from sample_docs.graphics import seal

    blocks, _ = docgen.rental(2)
    image, _ = docgen.render(blocks)
    gray = np.asarray(docgen.degrade(image, blur=0.6, noise=6.0))
    colour = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    stamp = seal("NANJING INSTITUTE OF FOREIGN STUDIES", random.Random(3)).resize((400, 400))
    rgba = np.asarray(stamp).astype(np.float32)
    alpha = rgba[:, :, 3:] / 255 * 0.85
    box = (slice(2600, 3000), slice(1700, 2100))
    region = colour[box].astype(np.float32)
    colour[box] = (region * (1 - alpha) + rgba[:, :, 2::-1] * alpha).astype(np.uint8)
    return pagegen.skew(colour, 2.0)


@pytest.fixture(scope="module")
def photographed() -> np.ndarray:
    return np.array(pagegen.photographed_contract_page()[0])


@pytest.mark.parametrize(
    ("name", "steps"),
    [("sealed_table", {"seal", "deskew", "rules"}), ("photographed", {"illumination"})],
)
def test_one_large_page_keeps_few_page_copies(request, name, steps):
    colour = request.getfixturevalue(name)
    gray = imaging.to_gray(colour)
    assert gray.size >= 9_000_000  # a 300-DPI A4 page or a 12-megapixel photo
    imaging._ANALYSIS_COPIES.forget()  # the copies are made (and counted) below
    quality = _traced_peak(lambda: imaging.capture_quality(gray, 300))
    made: list = []
    prepare = _traced_peak(lambda: made.append(imaging.prepare_for_ocr(colour, 300, gray=gray)))
    prepared, _ = made[0]
    # the steps whose temporaries are bounded here all ran
    assert steps <= {step.split(":")[0] for step in prepared.steps}
    assert quality / gray.nbytes <= QUALITY_MAX_GREY_COPIES
    assert prepare / gray.nbytes <= PREPARE_MAX_GREY_COPIES
