"""A sheet of paper as a list of drawing operations in millimetres, and two ways to print it.

Documents are drawn once, as :class:`Sheet` operations (text at a position, rules, boxes,
pictures); :func:`raster` paints them with PIL at any DPI (the scans and photos) and
:func:`to_pdf` places the same operations absolutely on a WeasyPrint page (the PDFs with a
text layer). Nothing here flows text through templates: every word sits where the layout
code put it, as on a form filled in by a printer or a typewriter.
"""

from __future__ import annotations

import base64
import html
import io
import os
from dataclasses import dataclass, field
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

os.environ.setdefault("SOURCE_DATE_EPOCH", "1764000000")  # reproducible PDF metadata

FONTS: dict[str, tuple[str, int, str]] = {
    # key: (file, index in a collection, CSS family)
    "sans": ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0, "DejaVu Sans"),
    "sans-bold": ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 0, "DejaVu Sans"),
    "serif": ("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 0, "DejaVu Serif"),
    "serif-bold": ("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf", 0, "DejaVu Serif"),
    "lserif": (
        "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
        0,
        "Liberation Serif",
    ),
    "lserif-bold": (
        "/usr/share/fonts/truetype/liberation/LiberationSerif-Bold.ttf",
        0,
        "Liberation Serif",
    ),
    "lsans": (
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        0,
        "Liberation Sans",
    ),
    "lsans-bold": (
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
        0,
        "Liberation Sans",
    ),
    "mono": (
        "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
        0,
        "Liberation Mono",
    ),
    "cjk-sans": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2, "Noto Sans CJK SC"),
    "cjk-sans-bold": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2, "Noto Sans CJK SC"),
    "cjk-serif": (
        "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
        2,
        "Noto Serif CJK SC",
    ),
    "cjk-serif-bold": (
        "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
        2,
        "Noto Serif CJK SC",
    ),
}
#: Font families a document may be set in, per language: (regular, bold).
FAMILIES = {
    "en": (
        ("sans", "sans-bold"),
        ("serif", "serif-bold"),
        ("lserif", "lserif-bold"),
        ("lsans", "lsans-bold"),
        ("mono", "lsans-bold"),
    ),
    "zh": (
        ("cjk-sans", "cjk-sans-bold"),
        ("cjk-serif", "cjk-serif-bold"),
        ("cjk-serif", "cjk-sans-bold"),
    ),
}
PT_MM = 25.4 / 72
SIZES_MM = {"a4": (210.0, 297.0), "letter": (215.9, 279.4), "a5": (148.0, 210.0)}


@lru_cache(maxsize=256)
def font(key: str, size_px: int) -> ImageFont.FreeTypeFont:
    path, index, _ = FONTS[key]
    return ImageFont.truetype(path, max(1, size_px), index=index)


def text_width_mm(text: str, key: str, size_pt: float) -> float:
    """Width of ``text`` set in ``key`` at ``size_pt`` (measured at 10 px per pt)."""
    return font(key, int(size_pt * 10)).getlength(text) / 10 * PT_MM


@dataclass
class Text:
    x: float
    y: float  # top of the line box, mm
    text: str
    size: float  # pt
    font: str
    color: tuple[int, int, int] = (20, 20, 20)
    align: str = "left"  # left | center | right (x is then the centre / right edge)


@dataclass
class Rule:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float = 0.3
    color: tuple[int, int, int] = (30, 30, 30)


@dataclass
class Frame:
    x: float
    y: float
    w: float
    h: float
    width: float = 0.3
    color: tuple[int, int, int] | None = (30, 30, 30)
    fill: tuple[int, int, int] | None = None
    radius: float = 0.0


@dataclass
class Picture:
    x: float
    y: float
    w: float
    h: float
    image: Image.Image  # RGBA for ink with transparency (seals)


@dataclass
class Sheet:
    """One page: its size in mm and what is drawn on it, in drawing order."""

    width: float
    height: float
    ops: list = field(default_factory=list)
    background: tuple[int, int, int] = (255, 255, 255)

    def text(self, x: float, y: float, text: str, size: float, font_key: str, **kw) -> float:
        """Draw one line; returns the y below it."""
        self.ops.append(Text(x, y, text, size, font_key, **kw))
        return y + size * PT_MM * 1.45

    def wrapped(
        self, x: float, y: float, text: str, size: float, font_key: str, width: float, **kw
    ) -> float:
        """Draw ``text`` broken into lines no wider than ``width`` mm; returns the y below."""
        for line in wrap(text, font_key, size, width):
            y = self.text(x, y, line, size, font_key, **kw)
        return y

    def rule(self, x1: float, y1: float, x2: float, y2: float, **kw) -> None:
        self.ops.append(Rule(x1, y1, x2, y2, **kw))

    def frame(self, x: float, y: float, w: float, h: float, **kw) -> None:
        self.ops.append(Frame(x, y, w, h, **kw))

    def picture(self, x: float, y: float, w: float, h: float, image: Image.Image) -> None:
        self.ops.append(Picture(x, y, w, h, image))

    def words(self) -> str:
        """All text drawn, in drawing order, one op per line (what a reader could see)."""
        return "\n".join(op.text for op in self.ops if isinstance(op, Text))


def wrap(text: str, font_key: str, size: float, width: float) -> list[str]:
    """Greedy line breaking: at spaces for Latin text, anywhere for CJK."""
    if text_width_mm(text, font_key, size) <= width:
        return [text]
    cjk = any("\u4e00" <= ch <= "\u9fff" for ch in text)
    tokens = list(text) if cjk else text.split(" ")
    glue = "" if cjk else " "
    lines: list[str] = []
    current = ""
    for token in tokens:
        candidate = f"{current}{glue}{token}" if current else token
        if current and text_width_mm(candidate, font_key, size) > width:
            lines.append(current)
            current = token
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


# ------------------------------------------------------------------ raster


def raster(sheet: Sheet, dpi: int) -> Image.Image:
    """The sheet painted at ``dpi`` (RGB)."""
    scale = dpi / 25.4
    size = (round(sheet.width * scale), round(sheet.height * scale))
    image = Image.new("RGB", size, sheet.background)
    draw = ImageDraw.Draw(image)
    for op in sheet.ops:
        if isinstance(op, Text):
            face = font(op.font, round(op.size * dpi / 72))
            width = face.getlength(op.text)
            x = op.x * scale
            if op.align == "center":
                x -= width / 2
            elif op.align == "right":
                x -= width
            draw.text((x, op.y * scale), op.text, font=face, fill=op.color, anchor="la")
        elif isinstance(op, Rule):
            draw.line(
                [(op.x1 * scale, op.y1 * scale), (op.x2 * scale, op.y2 * scale)],
                fill=op.color,
                width=max(1, round(op.width * scale)),
            )
        elif isinstance(op, Frame):
            box = [op.x * scale, op.y * scale, (op.x + op.w) * scale, (op.y + op.h) * scale]
            line = max(1, round(op.width * scale)) if op.color else 0
            if op.radius:
                draw.rounded_rectangle(
                    box, radius=op.radius * scale, outline=op.color, fill=op.fill, width=line
                )
            else:
                draw.rectangle(box, outline=op.color, fill=op.fill, width=line)
        elif isinstance(op, Picture):
            picture = op.image.resize(
                (max(1, round(op.w * scale)), max(1, round(op.h * scale))), Image.LANCZOS
            )
            position = (round(op.x * scale), round(op.y * scale))
            if picture.mode == "RGBA":
                image.paste(picture, position, picture)
            else:
                image.paste(picture.convert("RGB"), position)
    return image


# --------------------------------------------------------------------- PDF


def _css_color(color: tuple[int, int, int] | None) -> str:
    return "transparent" if color is None else "rgb({},{},{})".format(*color)


def _data_uri(image: Image.Image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _sheet_html(sheet: Sheet) -> str:
    parts = []
    for op in sheet.ops:
        if isinstance(op, Text):
            _, _, family = FONTS[op.font]
            weight = "bold" if op.font.endswith("bold") else "normal"
            shift = {"left": "0", "center": "-50%", "right": "-100%"}[op.align]
            parts.append(
                f'<div style="position:absolute;left:{op.x:.2f}mm;top:{op.y:.2f}mm;'
                f"transform:translateX({shift});white-space:pre;font-family:'{family}';"
                f"font-weight:{weight};font-size:{op.size:.2f}pt;line-height:1.15;"
                f'color:{_css_color(op.color)}">{html.escape(op.text)}</div>'
            )
        elif isinstance(op, Rule):
            if abs(op.y1 - op.y2) < 1e-6:
                style = (
                    f"left:{min(op.x1, op.x2):.2f}mm;top:{op.y1 - op.width / 2:.2f}mm;"
                    f"width:{abs(op.x2 - op.x1):.2f}mm;height:0;"
                    f"border-top:{op.width:.2f}mm solid {_css_color(op.color)}"
                )
            else:
                style = (
                    f"left:{op.x1 - op.width / 2:.2f}mm;top:{min(op.y1, op.y2):.2f}mm;"
                    f"height:{abs(op.y2 - op.y1):.2f}mm;width:0;"
                    f"border-left:{op.width:.2f}mm solid {_css_color(op.color)}"
                )
            parts.append(f'<div style="position:absolute;{style}"></div>')
        elif isinstance(op, Frame):
            border = f"{op.width:.2f}mm solid {_css_color(op.color)}" if op.color else "none"
            parts.append(
                f'<div style="position:absolute;box-sizing:border-box;left:{op.x:.2f}mm;'
                f"top:{op.y:.2f}mm;width:{op.w:.2f}mm;height:{op.h:.2f}mm;border:{border};"
                f'border-radius:{op.radius:.2f}mm;background:{_css_color(op.fill)}"></div>'
            )
        elif isinstance(op, Picture):
            parts.append(
                f'<img src="{_data_uri(op.image)}" style="position:absolute;left:{op.x:.2f}mm;'
                f'top:{op.y:.2f}mm;width:{op.w:.2f}mm;height:{op.h:.2f}mm">'
            )
    return (
        f'<section style="position:relative;width:{sheet.width}mm;height:{sheet.height}mm;'
        f'overflow:hidden;page-break-after:always;background:{_css_color(sheet.background)}">'
        + "".join(parts)
        + "</section>"
    )


def to_pdf(sheets: list[Sheet]) -> bytes:
    """The sheets as a PDF with a real text layer (one page per sheet, all the first's size)."""
    from weasyprint import HTML

    first = sheets[0]
    document = (
        "<!doctype html><html><head><meta charset='utf-8'><style>"
        f"@page {{size:{first.width}mm {first.height}mm;margin:0}} body{{margin:0}}"
        "</style></head><body>" + "".join(_sheet_html(s) for s in sheets) + "</body></html>"
    )
    return HTML(string=document).write_pdf()
