"""Synthetic document pages for the imaging and OCR tests.

Renders a clean A4 page of rental-contract text at 300 DPI with DejaVu fonts
and offers the distortions uploads really show: rotation by quarter turns,
small skew, and a phone photo taken at an angle on a darker background. The
ground truth is the list of words that were drawn, so OCR can be scored.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
DPI = 300
A4_MM = (210, 297)

TITLE = "HOUSE RENTAL CONTRACT"
FIELDS = [
    ("Contract No.:", "HZ-2026-004417"),
    ("Landlord (Party A):", "Zhang Minghua"),
    ("Tenant (Party B):", "Li Wei"),
    ("Tenant ID Number:", "11010119900307001X"),
    ("Property Address:", "Room 1203, Building 5, 88 Jianguo Road,"),
    ("", "Chaoyang District, Beijing"),
    ("Lease Term:", "from 2026-03-01 to 2027-02-28"),
    ("Monthly Rent:", "RMB 6,500.00 (six thousand five hundred yuan)"),
    ("Deposit:", "RMB 13,000.00, payable on signing"),
    ("Date of Signing:", "2026-02-20"),
]
CLAUSES = [
    "1. Party A agrees to lease the above property to Party B for residential use only. "
    "Party B shall not sublet the property or change its use without written consent.",
    "2. The rent shall be paid before the fifth day of each month by bank transfer to the "
    "account designated by Party A. Late payment incurs a penalty of one percent per day.",
    "3. Party B shall keep the property and its furniture in good condition and bear the "
    "cost of damage caused by improper use. Normal wear and tear is excepted.",
    "4. Water, electricity, gas and internet charges during the lease term are borne by "
    "Party B. Property management fees are borne by Party A.",
    "5. Either party may terminate this contract with thirty days written notice. The "
    "deposit is returned within ten working days after the keys are handed back.",
]
SIGNATURES = [("Party A (signature):", "Zhang Minghua"), ("Party B (signature):", "Li Wei")]


@dataclass
class Page:
    image: np.ndarray  # uint8 grayscale, white paper
    words: list[str]  # every word drawn, in drawing order
    title_box: tuple[int, int, int, int]  # x0, y0, x1, y1 of the title line


def _font(name: str, points: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / name), round(points * DPI / 72))


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


@lru_cache(maxsize=1)
def render_contract_page() -> Page:
    """A clean 300-DPI A4 page: title, label/value table, clauses and signatures.
    Cached: treat the result as read-only."""
    width = round(A4_MM[0] / 25.4 * DPI)
    height = round(A4_MM[1] / 25.4 * DPI)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    margin = round(25 / 25.4 * DPI)
    body = _font("DejaVuSerif.ttf", 11)
    bold = _font("DejaVuSerif-Bold.ttf", 11)
    title_font = _font("DejaVuSans-Bold.ttf", 18)
    line_step = round(body.size * 1.6)
    words: list[str] = []

    y = margin
    title_width = draw.textlength(TITLE, font=title_font)
    x_title = round((width - title_width) / 2)
    draw.text((x_title, y), TITLE, font=title_font, fill=0)
    title_box = draw.textbbox((x_title, y), TITLE, font=title_font)
    words += TITLE.split()
    y += round(title_font.size * 2.2)

    value_x = margin + round(60 / 25.4 * DPI)
    for label, value in FIELDS:
        if label:
            draw.text((margin, y), label, font=bold, fill=0)
            words += label.split()
        draw.text((value_x, y), value, font=body, fill=0)
        words += value.split()
        y += line_step
    y += line_step // 2

    for clause in CLAUSES:
        for line in _wrap(draw, clause, body, width - 2 * margin):
            draw.text((margin, y), line, font=body, fill=0)
            words += line.split()
            y += line_step
        y += line_step // 3
    y += line_step

    for label, value in SIGNATURES:
        draw.text((margin, y), label, font=bold, fill=0)
        draw.text((value_x + 200, y), value, font=body, fill=0)
        words += label.split() + value.split()
        y += line_step * 2
    assert y < height - margin, "page content overflows"
    pixels = np.asarray(page).copy()
    pixels.flags.writeable = False  # shared through the cache
    return Page(pixels, words, tuple(int(v) for v in title_box))


def normalise_word(word: str) -> str:
    """Case and punctuation do not count: a word is its letters and digits."""
    return re.sub(r"[^0-9a-z]", "", word.lower())


def word_recovery(truth: list[str], read: list[str]) -> float:
    """Share of the drawn words (as a multiset) that OCR gave back."""
    expected = Counter(w for w in map(normalise_word, truth) if w)
    got = Counter(w for w in map(normalise_word, read) if w)
    return sum((expected & got).values()) / sum(expected.values())


def rotate_quarter(image: np.ndarray, clockwise_degrees: int) -> np.ndarray:
    """The page as uploaded after being turned clockwise by 90/180/270 degrees."""
    return np.ascontiguousarray(np.rot90(image, k=-(clockwise_degrees // 90)))


def skew(image: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate by a small angle (counter-clockwise positive) on a canvas that keeps the corners."""
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = int(height * sin + width * cos), int(height * cos + width * sin)
    matrix[0, 2] += new_w / 2 - width / 2
    matrix[1, 2] += new_h / 2 - height / 2
    return cv2.warpAffine(image, matrix, (new_w, new_h), flags=cv2.INTER_LINEAR, borderValue=255)


def photograph(image: np.ndarray, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """A phone photo of the page: taken at an angle on a dark textured desk, with
    uneven lighting, mild blur and sensor noise. Returns (BGR photo, page corners)."""
    rng = np.random.default_rng(seed)
    page_h, page_w = image.shape[:2]
    photo_w, photo_h = 3000, 4000
    # Desk: a brown gradient with wood-like streaks and grain.
    yy, xx = np.mgrid[0:photo_h, 0:photo_w].astype(np.float32)
    streaks = 12 * np.sin(xx / 37.0 + 3 * np.sin(yy / 300.0))
    grain = 10 * rng.standard_normal((photo_h, photo_w), dtype=np.float32)
    desk = 70 + 30 * (yy / photo_h) + streaks + cv2.GaussianBlur(grain, (0, 0), 3)
    desk_bgr = np.dstack([desk * 0.55, desk * 0.8, desk])
    # The page, seen at an angle: a trapezoid, narrower at the top.
    corners = np.float32([[520, 420], [2560, 520], [2780, 3720], [260, 3600]])
    source = np.float32([[0, 0], [page_w, 0], [page_w, page_h], [0, page_h]])
    matrix = cv2.getPerspectiveTransform(source, corners)
    paper = cv2.warpPerspective(
        image.astype(np.float32), matrix, (photo_w, photo_h), flags=cv2.INTER_LINEAR
    )
    mask = cv2.warpPerspective(  # 0 off the page, 1 on it
        np.ones((page_h, page_w), np.float32), matrix, (photo_w, photo_h), flags=cv2.INTER_LINEAR
    )
    paper_bgr = np.dstack([paper * 0.93, paper * 0.96, paper])  # warm white balance
    photo = desk_bgr * (1 - mask[..., None]) + paper_bgr * mask[..., None]
    # Light falls off away from the top-left, as from a desk lamp.
    distance = np.hypot(xx - 600, yy - 500) / np.hypot(photo_w, photo_h)
    lighting = (1.0 - 0.35 * distance).astype(np.float32)
    photo = photo * lighting[..., None]
    photo = cv2.GaussianBlur(photo, (0, 0), 1.0)
    photo += 4 * rng.standard_normal(photo.shape, dtype=np.float32)
    return photo.clip(0, 255).astype(np.uint8), corners


@lru_cache(maxsize=1)
def photographed_contract_page() -> tuple[np.ndarray, np.ndarray]:
    """``photograph(render_contract_page().image)``, made once per test session."""
    photo, corners = photograph(render_contract_page().image)
    photo.flags.writeable = False
    return photo, corners


def speckle(image: np.ndarray, share: float = 0.04, sigma: float = 12.0, seed: int = 3):
    """A noisy scan: salt-and-pepper specks on ``share`` of the pixels plus sensor noise."""
    rng = np.random.default_rng(seed)
    noisy = np.array(image, dtype=np.float32)
    draw = rng.random(noisy.shape, dtype=np.float32)
    noisy[draw < share / 2] = 0
    noisy[draw > 1 - share / 2] = 255
    noisy += sigma * rng.standard_normal(noisy.shape, dtype=np.float32)
    return noisy.clip(0, 255).astype(np.uint8)


CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
CHINESE_LINES = [
    "房屋租赁合同",
    "出租方（甲方）：张明华",
    "承租方（乙方）：李伟",
    "身份证号码：11010119900307001X",
    "房屋地址：北京市朝阳区建国路88号5号楼1203室",
    "租赁期限：自2026年3月1日至2027年2月28日",
]


def render_chinese_page() -> np.ndarray:
    """A sparse Chinese page (title and six labelled lines) at 300 DPI."""
    font = ImageFont.truetype(str(CJK_FONT), round(11 * DPI / 72), index=2)  # index 2: SC
    page = Image.new("L", (round(A4_MM[0] / 25.4 * DPI), round(A4_MM[1] / 25.4 * DPI)), 255)
    draw = ImageDraw.Draw(page)
    for number, line in enumerate(CHINESE_LINES):
        draw.text((300, 300 + number * 90), line, font=font, fill=0)
    return np.asarray(page).copy()
