"""Words, lines and pages of text: what OCR or a PDF text layer gives back.

Modelled on docTR's Document -> Page -> Line -> Word: every word keeps its
value, confidence and box, so extractors can reason about layout and the review
app can draw what was read. Coordinates are pixels of the *upright* page image
at ``dpi`` (origin top-left), whatever the orientation of the upload.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Word(BaseModel):
    text: str
    confidence: float = Field(ge=0, le=1)
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def width(self) -> float:
        return self.x1 - self.x0


class Line(BaseModel):
    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (
            min(w.x0 for w in self.words),
            min(w.y0 for w in self.words),
            max(w.x1 for w in self.words),
            max(w.y1 for w in self.words),
        )

    @property
    def confidence(self) -> float:
        return min(w.confidence for w in self.words) if self.words else 0.0


class PageText(BaseModel):
    """The text of one page of an upload, with how it was obtained."""

    number: int = Field(ge=1, description="1-based page number in the file")
    width: int
    height: int
    dpi: int
    source: Literal["ocr", "text_layer", "none"]
    rotation: int = Field(default=0, description="degrees clockwise applied to make it upright")
    lines: list[Line] = Field(default_factory=list)
    checks: dict[str, float | int | bool | str | None] = Field(default_factory=dict)
    ocr_calls: int = Field(default=0, description="OCR engine calls made to read the page")
    image: str | None = Field(
        default=None, description="file name of the page's preview, in the frame of the boxes"
    )

    @property
    def words(self) -> list[Word]:
        return [word for line in self.lines for word in line.words]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def mean_confidence(self) -> float:
        words = self.words
        return sum(w.confidence for w in words) / len(words) if words else 0.0
