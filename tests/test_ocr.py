"""OCR of rendered pages through prepare_for_ocr and ocr_page, as the pipeline runs it."""

from __future__ import annotations

import stat
from pathlib import Path

import numpy as np
import pagegen
import pytest

from pipeline.errors import OcrFailed, OcrTimeout
from pipeline.imaging import prepare_for_ocr
from pipeline.ocr import detect_rotation, ocr_page, upright
from pipeline.text import PageText

MIN_RECOVERY = 0.95


@pytest.fixture(scope="module")
def page() -> pagegen.Page:
    return pagegen.render_contract_page()


def _uploads(page: pagegen.Page) -> dict[str, tuple[np.ndarray, int]]:
    """Upload name -> (image as uploaded, rotation that makes it upright)."""
    return {
        "clean": (page.image, 0),
        "turned_90": (pagegen.rotate_quarter(page.image, 90), 270),
        "turned_180": (pagegen.rotate_quarter(page.image, 180), 180),
        "turned_270": (pagegen.rotate_quarter(page.image, 270), 90),
        "skewed_3": (pagegen.skew(page.image, 3.0), 0),
        "photographed": (pagegen.photographed_contract_page()[0], 0),
        "speckled": (pagegen.speckle(page.image), 0),
    }


@pytest.fixture(scope="module")
def read_pages(page) -> dict[str, tuple[np.ndarray, PageText, int]]:
    """Each upload prepared and OCR'd once.

    name -> (prepared image, page text, rotation expected)."""
    results = {}
    for name, (image, rotation) in _uploads(page).items():
        prepared, dpi = prepare_for_ocr(image, 300)
        text = ocr_page(prepared.image, number=1, dpi=dpi, lang="eng", timeout=120)
        results[name] = (prepared.image, text, rotation)
    return results


UPLOADS = [
    "clean",
    "turned_90",
    "turned_180",
    "turned_270",
    "skewed_3",
    "photographed",
    "speckled",
]


@pytest.mark.slow
@pytest.mark.parametrize("name", UPLOADS)
def test_words_are_recovered(page, read_pages, name):
    _, text, _ = read_pages[name]
    recovery = pagegen.word_recovery(page.words, [word.text for word in text.words])
    assert recovery >= MIN_RECOVERY, f"{name}: {recovery:.3f}"
    assert text.source == "ocr" and text.dpi == 300 and text.number == 1
    assert all(0 <= word.confidence <= 1 and word.text.strip() for word in text.words)


@pytest.mark.slow
@pytest.mark.parametrize("name", UPLOADS)
def test_rotation_and_boxes_are_upright(page, read_pages, name):
    prepared, text, expected_rotation = read_pages[name]
    assert text.rotation == expected_rotation
    upright_image = upright(prepared, text.rotation)
    assert (text.height, text.width) == upright_image.shape
    assert text.height > text.width  # the A4 page stands upright
    title = next(line for line in text.lines if "RENTAL" in line.text)
    x0, y0, x1, y1 = title.box
    assert y1 < 0.15 * text.height  # the title is at the top...
    assert abs((x0 + x1) / 2 - text.width / 2) < 0.05 * text.width  # ...and centred
    assert x1 - x0 > 3 * (y1 - y0)  # and reads horizontally
    # The box frames ink in the upright image: the boxes and the image agree.
    inside = upright_image[int(y0) : int(y1), int(x0) : int(x1)]
    assert inside.min() < 100 and np.mean(inside < 128) > 0.15
    # Lines lie level in the upright frame (what deskewing buys the extractors).
    for line in text.lines:
        first, last = line.words[0], line.words[-1]
        tolerance = 0.5 * max(first.height, last.height)
        assert abs((first.y0 + first.y1) / 2 - (last.y0 + last.y1) / 2) <= tolerance
    # Lines come in reading order: the title first, the signatures last.
    assert text.lines[0] is title
    assert "Li Wei" in text.lines[-1].text


@pytest.mark.slow
@pytest.mark.parametrize("name", ["turned_90", "turned_180", "turned_270"])
def test_turned_page_boxes_match_the_unturned_page(read_pages, name):
    _, clean, _ = read_pages["clean"]
    _, turned, _ = read_pages[name]
    assert (turned.width, turned.height) == (clean.width, clean.height)
    for clean_word, turned_word in zip(clean.words[:30], turned.words[:30], strict=True):
        assert clean_word.text == turned_word.text
        for attribute in ("x0", "y0", "x1", "y1"):
            assert abs(getattr(clean_word, attribute) - getattr(turned_word, attribute)) <= 3


@pytest.mark.slow
def test_lines_group_label_and_value_rows(read_pages):
    _, text, _ = read_pages["clean"]
    lines = [line.text for line in text.lines]
    assert "Tenant ID Number: 11010119900307001X" in lines
    assert any(line.startswith("Lease Term:") and "2027-02-28" in line for line in lines)


@pytest.mark.slow
@pytest.mark.skipif(not pagegen.CJK_FONT.exists(), reason="Noto CJK font not installed")
def test_turned_chinese_page_is_read_upright():
    page = pagegen.render_chinese_page()
    image = pagegen.rotate_quarter(page, 90)
    text = ocr_page(image, number=1, dpi=300, lang="chi_sim+eng", timeout=120)
    assert text.rotation == 270
    assert (text.width, text.height) == (image.shape[0], image.shape[1])
    joined = ["".join(word.text for word in line.words) for line in text.lines]
    # --psm 3 reads the title's last glyph as 后 even upright (--psm 1 as 同)
    assert joined[0].startswith("房屋租赁合")
    assert any("11010119900307001X" in line for line in joined)
    unturned = ocr_page(page, number=1, dpi=300, lang="chi_sim+eng", timeout=120)
    assert joined == ["".join(word.text for word in line.words) for line in unturned.lines]
    title_x0, title_y0, _, _ = text.lines[0].box
    assert abs(title_x0 - 300) < 20 and abs(title_y0 - 300) < 40


def test_blank_and_tiny_pages_give_no_words():
    blank = ocr_page(np.full((1200, 900), 255, np.uint8), number=2, dpi=150, lang="eng", timeout=60)
    assert blank.words == [] and (blank.width, blank.height) == (900, 1200)
    assert blank.rotation == 0 and blank.number == 2 and blank.dpi == 150
    tiny = ocr_page(np.zeros((4, 4), np.uint8), number=1, dpi=300, lang="eng", timeout=60)
    assert tiny.words == []


def test_tiny_timeout_maps_to_ocr_timeout(page):
    with pytest.raises(OcrTimeout) as caught:
        ocr_page(page.image, number=1, dpi=300, lang="eng", timeout=0.05)
    assert "Li Wei" not in str(caught.value)


def test_missing_binary_maps_to_ocr_failed(page, tmp_path):
    with pytest.raises(OcrFailed) as caught:
        ocr_page(
            page.image,
            number=1,
            dpi=300,
            lang="eng",
            timeout=60,
            tesseract_cmd=str(tmp_path / "no-such-tesseract"),
        )
    assert caught.value.transient is True


def _fake_tesseract(tmp_path: Path, body: str) -> str:
    """A stand-in Tesseract (as OCRmyPDF's tests/plugins/tesseract_crash.py) that
    answers --version like the real one and runs ``body`` otherwise."""
    script = tmp_path / "tesseract"
    script.write_text(
        '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "tesseract 5.3.0"; exit 0; fi\n' + body
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_crashing_tesseract_maps_to_ocr_failed(page, tmp_path):
    command = _fake_tesseract(tmp_path, "echo 'Segmentation fault' >&2\nkill -SEGV $$\n")
    with pytest.raises(OcrFailed):
        ocr_page(page.image, number=1, dpi=300, lang="eng", timeout=60, tesseract_cmd=command)


TSV_HEADER = (
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
)


def test_tsv_rows_become_words_and_lines_and_the_child_gets_one_thread(tmp_path):
    rows = [
        "1\t1\t0\t0\t0\t0\t0\t0\t400\t300\t-1\t",
        "4\t1\t1\t1\t1\t0\t10\t10\t300\t20\t-1\t",
        "5\t1\t1\t1\t1\t1\t10\t10\t80\t20\t96.5\tTenant",
        "5\t1\t1\t1\t1\t2\t100\t10\t40\t20\t91\tLi",
        "5\t1\t1\t1\t1\t3\t150\t10\t60\t20\t-1\tghost",
        "5\t1\t1\t1\t1\t4\t220\t10\t60\t20\t88\t ",
        "5\t1\t1\t1\t2\t1\t10\t40\t80\t20\t75\tWei",
    ]
    tsv = "\\n".join([TSV_HEADER, *rows])
    body = f'echo "$OMP_THREAD_LIMIT" > {tmp_path}/threads\nprintf "{tsv}\\n" > "$2.tsv"\n'
    command = _fake_tesseract(tmp_path, body)
    text = ocr_page(
        np.full((300, 400), 255, np.uint8),
        number=3,
        dpi=200,
        lang="eng",
        timeout=60,
        tesseract_cmd=command,
    )
    assert (tmp_path / "threads").read_text().strip() == "1"
    assert [line.text for line in text.lines] == ["Tenant Li", "Wei"]
    first = text.lines[0].words[0]
    assert first.confidence == pytest.approx(0.96, abs=0.01)
    assert (first.x0, first.y0, first.x1, first.y1) == (10, 10, 90, 30)
    assert text.rotation == 0 and (text.width, text.height) == (400, 300)


def _turn_clockwise(box, width, height):
    """A box on a width x height page, after the page is turned 90 degrees clockwise."""
    x0, y0, x1, y1 = box
    return (height - y1, x0, height - y0, x1)


def test_rotation_is_read_from_the_direction_words_advance():
    # A paragraph of two lines of three words, upright: words advance to the right,
    # lines go down.
    lines = [
        [(10, 10, 50, 30), (60, 10, 100, 30), (110, 10, 150, 30)],
        [(10, 40, 50, 60), (60, 40, 100, 60), (110, 40, 150, 60)],
    ]
    assert detect_rotation([lines]) == 0
    width, height = 200, 100
    for turned_by in (90, 180, 270):
        lines = [[_turn_clockwise(box, width, height) for box in line] for line in lines]
        width, height = height, width
        assert detect_rotation([lines]) == (360 - turned_by) % 360
    # Single-word lines still tell the direction from how the lines follow each other...
    column = [[(10, 10 + 30 * i, 60, 30 + 30 * i)] for i in range(4)]
    assert detect_rotation([column]) == 0
    # ...but only within a paragraph: one-word cells of a table row, each its own
    # block, follow each other sideways and say nothing about "down".
    row_of_cells = [[[(10 + 100 * i, 10, 60 + 100 * i, 30)]] for i in range(4)]
    assert detect_rotation(row_of_cells) == 0
    assert detect_rotation([]) == 0


def test_upright_turns_clockwise():
    image = np.zeros((2, 3), np.uint8)
    image[0, 0] = 255  # top-left corner
    assert upright(image, 90).shape == (3, 2) and upright(image, 90)[0, 1] == 255
    assert upright(image, 180)[1, 2] == 255
    assert upright(image, 270)[2, 0] == 255
    assert np.array_equal(upright(image, 0), image)
    with pytest.raises(ValueError):
        upright(image, 45)


def test_a_card_upside_down_is_read_upright():
    """Too little text for Tesseract's own orientation detection: read again turned."""
    import docgen

    blocks, truth = docgen.student_card(0)
    card, _ = docgen.render(blocks, docgen.CARD, body=docgen.card_body(docgen.CARD))
    turned = np.ascontiguousarray(np.rot90(np.asarray(card.convert("L")), 2))
    read = ocr_page(turned, number=1, dpi=300, lang="eng", timeout=120)
    assert read.rotation == 180
    text = " ".join(w.text for line in read.lines for w in line.words)
    assert truth["student_number"] in text
    upright_read = ocr_page(
        np.asarray(card.convert("L")), number=1, dpi=300, lang="eng", timeout=120
    )
    assert upright_read.rotation == 0


# ------------------------------------------------- --psm 3 and its orientation fallback


@pytest.fixture
def counted_reads(monkeypatch) -> list[int]:
    """Counts the Tesseract calls ``ocr_page`` makes (one entry per call)."""
    from pipeline import ocr

    calls: list[int] = []
    real = ocr._read_once

    def counting(gray, **kwargs):
        calls.append(kwargs["psm"])
        return real(gray, **kwargs)

    monkeypatch.setattr(ocr, "_read_once", counting)
    return calls


def _student_card() -> tuple[np.ndarray, dict]:
    import docgen

    blocks, truth = docgen.student_card(0)
    card, _ = docgen.render(blocks, docgen.CARD, body=docgen.card_body(docgen.CARD))
    return np.asarray(card.convert("L")), truth


def test_an_upright_page_costs_one_tesseract_call(page, counted_reads):
    """The orientation fallback is decided from the first reading itself: a page read
    surely and level is not looked at again."""
    text = ocr_page(page.image, number=1, dpi=300, lang="eng", timeout=120)
    assert counted_reads == [3]
    assert text.rotation == 0
    assert pagegen.word_recovery(page.words, [w.text for w in text.words]) >= MIN_RECOVERY


@pytest.mark.slow
@pytest.mark.parametrize("turned_by", [90, 180, 270])
def test_a_turned_card_is_read_upright(turned_by, counted_reads):
    """A card carries too little text for orientation detection; under --psm 3 a card
    turned any way is read upright at the price of one more call."""
    card, truth = _student_card()
    read = ocr_page(upright(card, turned_by), number=1, dpi=300, lang="eng", timeout=120)
    assert read.rotation == (360 - turned_by) % 360
    assert (read.height, read.width) == card.shape
    assert len(counted_reads) == 2
    text = " ".join(line.text for line in read.lines)
    assert truth["student_number"] in text and "Zhao Lei" in text
    title = next(line for line in read.lines if "STUDENT" in line.text)
    x0, y0, x1, y1 = title.box
    assert y1 < 0.4 * read.height and x1 - x0 > 3 * (y1 - y0)


@pytest.mark.slow
def test_the_old_mode_still_reads_a_turned_page(page, counted_reads):
    """``ocr_psm=1``, kept to measure against: Tesseract's own orientation detection."""
    text = ocr_page(
        pagegen.rotate_quarter(page.image, 90), number=1, dpi=300, lang="eng", timeout=120, psm=1
    )
    assert counted_reads == [1]
    assert text.rotation == 270
    assert pagegen.word_recovery(page.words, [w.text for w in text.words]) >= MIN_RECOVERY


def test_the_mode_is_a_setting_and_keys_the_reading_cache(monkeypatch):
    from pipeline.reading import cache_key
    from pipeline.settings import Settings, get_settings

    keys = {}
    for psm in ("1", "3"):
        monkeypatch.setenv("PROOFS_OCR_PSM", psm)
        get_settings.cache_clear()
        assert get_settings().ocr_psm == int(psm)
        keys[psm] = cache_key("ab" * 32, "en")
    get_settings.cache_clear()
    assert keys["1"] != keys["3"]
    assert Settings.model_fields["ocr_psm"].default == 3
    monkeypatch.setenv("PROOFS_OCR_PSM", "2")
    with pytest.raises(ValueError):
        Settings()


@pytest.mark.slow
def test_small_print_that_page_layout_misses_is_read_as_sparse_text(counted_reads):
    """An ID-card copy on A4 photographed on a desk at 150 DPI: automatic segmentation
    takes the cards' small print for pictures and returns no word; the sparse-text second
    look reads the number."""
    import random

    from extractors import extract
    from pipeline import imaging
    from sample_docs.content import ContentMaker
    from sample_docs.damage import phone_photo
    from sample_docs.documents import build
    from sample_docs.generate import planned_truth
    from sample_docs.render import rasterise, render_pdf
    from sample_docs.scenario import plan_application, plan_batch

    seed = 118  # a plan whose photographed copy gets no word from --psm 3 (measured)
    plan = next(iter(plan_batch(3, seed, "en")))
    doc = next(d for d in plan_application(plan).docs if d.kind == "id_card")
    rng = random.Random(f"card:{seed}")
    spec = build("id_card", doc.fields, {**doc.extras, "layout": "card_id_copy"},
                 ContentMaker("en", rng), rng)  # fmt: skip
    sheet = rasterise(render_pdf(spec), 150)[0].convert("RGB")
    photo = np.asarray(phone_photo(sheet, np.random.default_rng(seed), long_side=2000))
    prepared, dpi = imaging.prepare_for_ocr(np.ascontiguousarray(photo[:, :, ::-1]), 150)
    page = ocr_page(prepared.image, number=1, dpi=dpi, lang="eng", timeout=120)
    assert counted_reads == [3, 11]
    assert page.ocr_calls == 2
    fields, _ = extract("id_card", [page], "en")
    assert fields["id_number"] == planned_truth(doc)["fields"]["id_number"]
