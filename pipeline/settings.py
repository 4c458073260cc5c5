"""Configuration: every knob has a laptop-friendly default, overridable by a
``PROOFS_``-prefixed environment variable (pydantic-settings)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PROOFS_", extra="ignore")

    # ingest limits
    max_file_bytes: int = Field(default=50 * 1024 * 1024, description="larger uploads are refused")
    max_form_bytes: int = Field(default=1024 * 1024, description="larger forms are refused")
    max_pages: int = Field(default=60, description="pages per file")
    max_pixels: int = Field(default=80_000_000, description="pixels per page (bomb guard)")

    # pages and OCR
    render_dpi: int = Field(default=300, description="DPI of rendered scanned PDF pages")
    ocr_dpi_cap: int = Field(default=300, description="pages above this DPI are downscaled")
    assumed_image_dpi: int = Field(default=300, description="DPI of images that do not say")
    tesseract_cmd: str = "tesseract"
    ocr_engine: Literal["auto", "tesseract", "rapidocr"] = Field(
        default="auto",
        description="OCR engine; auto: per document language (pipeline.reading.DEFAULT_ENGINES)",
    )
    ocr_timeout_seconds: float = Field(default=120.0, description="per page Tesseract timeout")
    ocr_psm: Literal[1, 3] = Field(
        default=3,
        description="Tesseract page segmentation: 3 (and a second look at pages read unsurely, "
        "which sets turned pages upright), or 1 (orientation detection on every page, ~1.5x "
        "the CPU)",
    )
    text_layer_min_chars: int = Field(default=20, description="fewer chars: treat page as scan")

    # photo checks (the applicant's portrait): below any of these the photo is not usable
    photo_min_brightness: float = Field(
        default=0.25, ge=0, le=1, description="mean grey of the face region (0..1): too_dark"
    )
    photo_min_sharpness: float = Field(
        default=0.35, ge=0, le=1, description="face sharpness (0..1, Laplacian based): blurred"
    )
    photo_min_side_px: int = Field(
        default=300, ge=1, description="shorter side of the image (px): too_small"
    )
    photo_min_face_px: int = Field(default=80, ge=1, description="face height (px): too_small")
    photo_min_face_ratio: float = Field(
        default=0.15, ge=0, le=1, description="face height / image height: too_small"
    )

    # orchestration
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1)
    ocr_concurrency: int = Field(
        default=0, ge=0, description="files OCR'd at once per process; 0: as many as workers"
    )
    file_timeout_seconds: float = Field(
        default=600.0, gt=0, description="time budget of one file, checked between pages"
    )

    # decision
    issue_days: int = Field(default=15, ge=15, le=30, description="Art. 9: 15, remote areas <=30")

    # results store
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the store; default OUTBOX/proofs.sqlite3"
    )

    # review app
    review_sample_share: float = Field(
        default=0.05, ge=0, le=1, description="share of accepted applications sampled for review"
    )
    review_claim_hours: float = Field(
        default=8.0, gt=0, description="a claim older than this no longer blocks other clerks"
    )
    review_session_secret: str | None = Field(
        default=None, description="signs session cookies; random per start when unset"
    )
    review_session_hours: float = Field(default=8.0, gt=0, description="a login lasts this long")
    review_low_confidence: float = Field(
        default=0.6, ge=0, le=1, description="field values read less surely are marked"
    )
    review_secure_cookies: bool = Field(
        default=False, description="send the session cookie over HTTPS only (behind TLS)"
    )

    @field_validator("ocr_psm", mode="before")
    @classmethod
    def _psm_from_text(cls, value: object) -> object:
        """Environment variables arrive as text; the Literal wants the number."""
        return int(value) if isinstance(value, str) and value.strip().isdigit() else value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def pipeline_version() -> str:
    """Part of every cache key: bump when OCR output for the same bytes changes."""
    from pipeline import OCR_VERSION

    return OCR_VERSION


def package_root() -> Path:
    return Path(__file__).resolve().parent.parent
