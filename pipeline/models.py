"""The batch contract (../shared/CONTRACT.md) as pydantic models.

Everything that crosses a module boundary or lands in ``result.json`` /
``summary.json`` is one of these, so the JSON Schema that ``proofs schema``
prints is the contract as the code understands it.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ID_NUMBER_PATTERN = r"^[0-9]{17}[0-9X]$"
CREDIT_CODE_PATTERN = r"^[0-9A-Z]{18}$"


class Language(StrEnum):
    EN = "en"
    ZH = "zh"


class Service(StrEnum):
    FIRST_ISSUE = "first_issue"
    ENDORSEMENT = "endorsement"
    REISSUE = "reissue"


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"


class ResidenceBasis(StrEnum):
    RENTAL = "rental"
    OWNED = "owned"
    PURCHASED = "purchased"
    ACCOMMODATION = "accommodation"


class Condition(StrEnum):
    EMPLOYMENT = "employment"
    RESIDENCE = "residence"
    SCHOOLING = "schooling"


class Relationship(StrEnum):
    GUARDIAN = "guardian"
    CLOSE_RELATIVE = "close_relative"


class DocumentType(StrEnum):
    ID_CARD = "id_card"
    PHOTO = "photo"
    PHOTO_RECEIPT = "photo_receipt"
    RENTAL_CONTRACT = "rental_contract"
    PROPERTY_CERTIFICATE = "property_certificate"
    PURCHASE_CONTRACT = "purchase_contract"
    ACCOMMODATION_CERTIFICATE = "accommodation_certificate"
    LABOUR_CONTRACT = "labour_contract"
    EMPLOYMENT_CERTIFICATE = "employment_certificate"
    BUSINESS_LICENCE = "business_licence"
    STUDENT_ID = "student_id"
    ENROLLMENT_CERTIFICATE = "enrollment_certificate"
    UNKNOWN = "unknown"


#: The contract's field names per document type (section 3), in contract order.
DOCUMENT_FIELDS: dict[DocumentType, tuple[str, ...]] = {
    DocumentType.ID_CARD: (
        "name",
        "id_number",
        "date_of_birth",
        "gender",
        "address",
        "valid_until",
    ),
    DocumentType.PHOTO: (),
    DocumentType.PHOTO_RECEIPT: ("receipt_number", "name"),
    DocumentType.RENTAL_CONTRACT: (
        "landlord_name",
        "tenant_name",
        "tenant_id_number",
        "property_address",
        "start_date",
        "end_date",
        "monthly_rent",
    ),
    DocumentType.PROPERTY_CERTIFICATE: ("owner_name", "property_address", "certificate_number"),
    DocumentType.PURCHASE_CONTRACT: (
        "buyer_name",
        "seller_name",
        "property_address",
        "contract_date",
    ),
    DocumentType.ACCOMMODATION_CERTIFICATE: ("resident_name", "address", "issuer", "issue_date"),
    DocumentType.LABOUR_CONTRACT: (
        "employer_name",
        "employee_name",
        "employee_id_number",
        "start_date",
        "end_date",
    ),
    DocumentType.EMPLOYMENT_CERTIFICATE: ("employer_name", "employee_name", "issue_date"),
    DocumentType.BUSINESS_LICENCE: (
        "company_name",
        "credit_code",
        "legal_representative",
        "address",
        "valid_until",
    ),
    DocumentType.STUDENT_ID: ("student_name", "school_name", "student_number", "valid_until"),
    DocumentType.ENROLLMENT_CERTIFICATE: ("student_name", "school_name", "issue_date"),
    DocumentType.UNKNOWN: (),
}


class Material(StrEnum):
    IDENTITY_CARD = "identity_card"
    PHOTO = "photo"
    PROOF_OF_RESIDENCE = "proof_of_residence"
    PROOF_OF_EMPLOYMENT = "proof_of_employment"
    PROOF_OF_SCHOOLING = "proof_of_schooling"
    AGENT_IDENTITY = "agent_identity"


class Reason(StrEnum):
    MISSING = "missing"
    UNREADABLE = "unreadable"
    NAME_MISMATCH = "name_mismatch"
    ID_NUMBER_MISMATCH = "id_number_mismatch"
    ADDRESS_MISMATCH = "address_mismatch"
    EMPLOYER_MISMATCH = "employer_mismatch"
    SCHOOL_MISMATCH = "school_mismatch"
    EXPIRED = "expired"
    INVALID_CODE = "invalid_code"
    PHOTO_UNUSABLE = "photo_unusable"
    RECEIPT_MISMATCH = "receipt_mismatch"


class Status(StrEnum):
    ACCEPTED = "accepted"
    SUPPLEMENT_REQUIRED = "supplement_required"
    REJECTED = "rejected"


# --------------------------------------------------------------------------- form


class _Form(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Applicant(_Form):
    name: str = Field(min_length=1, max_length=200)
    id_number: str = Field(pattern=ID_NUMBER_PATTERN)
    date_of_birth: date
    gender: Gender

    @field_validator("id_number", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper().replace(" ", "") if isinstance(value, str) else value


class Residence(_Form):
    address: str = Field(min_length=1, max_length=500)
    since: date
    basis: ResidenceBasis


class Employer(_Form):
    name: str = Field(min_length=1, max_length=300)
    credit_code: str = Field(pattern=CREDIT_CODE_PATTERN)

    @field_validator("credit_code", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper().replace(" ", "") if isinstance(value, str) else value


class School(_Form):
    name: str = Field(min_length=1, max_length=300)
    student_number: str | None = Field(default=None, max_length=64)


class Agent(_Form):
    name: str = Field(min_length=1, max_length=200)
    id_number: str = Field(pattern=ID_NUMBER_PATTERN)
    relationship: Relationship

    @field_validator("id_number", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper().replace(" ", "") if isinstance(value, str) else value


class ApplicationForm(_Form):
    """The online application form, as submitted (``application.json``)."""

    application_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    submitted_at: datetime
    language: Language
    service: Service
    applicant: Applicant
    residence: Residence
    condition: Condition
    employer: Employer | None = None
    school: School | None = None
    photo_receipt_number: str | None = Field(default=None, max_length=64)
    agent: Agent | None = None

    @field_validator("submitted_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("submitted_at must carry a UTC offset, e.g. +08:00")
        return value

    @model_validator(mode="after")
    def _condition_needs_its_party(self) -> ApplicationForm:
        if self.condition is Condition.EMPLOYMENT and self.employer is None:
            raise ValueError("employer is required when condition is employment")
        if self.condition is Condition.SCHOOLING and self.school is None:
            raise ValueError("school is required when condition is schooling")
        return self


# ----------------------------------------------------------------------- results

FieldValue = str | float | None


class Box(BaseModel):
    """A rectangle in pixels on one page image (origin top-left)."""

    page: int
    x0: float
    y0: float
    x1: float
    y1: float


class FieldEvidence(BaseModel):
    """Where and how surely a field value was read: what the review app draws."""

    confidence: float = Field(ge=0, le=1)
    box: Box | None = None


class PageImage(BaseModel):
    """A page's preview image; field boxes are in a ``width`` x ``height`` frame."""

    page: int
    path: str = Field(description="relative to the outbox root")
    width: int
    height: int


class DocumentResult(BaseModel):
    """One entry of ``documents``: one document, i.e. some pages of one file."""

    file: str
    sha256: str
    type: DocumentType = DocumentType.UNKNOWN
    confidence: float = Field(default=0.0, ge=0, le=1)
    pages: list[int] = Field(default_factory=list)
    fields: dict[str, FieldValue] = Field(default_factory=dict)
    checks: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    error_code: str | None = None
    field_evidence: dict[str, FieldEvidence] = Field(default_factory=dict)
    page_images: list[PageImage] = Field(default_factory=list)


class NoticeItem(BaseModel):
    material: Material
    reason: Reason
    file: str | None = None
    detail: str = ""


class Notice(BaseModel):
    items: list[NoticeItem] = Field(default_factory=list)
    issue_by: date | None = None
    form_errors: list[str] = Field(default_factory=list)


class ApplicationResult(BaseModel):
    """``result.json`` of one application."""

    application_id: str
    status: Status
    needs_review: bool = False
    review_reasons: list[str] = Field(default_factory=list)
    documents: list[DocumentResult] = Field(default_factory=list)
    notice: Notice = Field(default_factory=Notice)
    language: Language = Language.EN
    pipeline_version: str = ""
    input_fingerprint: str = Field(default="", description="hash of form, files and code")


class BatchSummary(BaseModel):
    """``summary.json`` of one batch."""

    batch: str
    pipeline_version: str
    started_at: datetime
    finished_at: datetime
    applications: int
    by_status: dict[Status, int]
    files_read: int
    files_failed: int
    files_from_cache: int
    pages: int
    failures: dict[str, int] = Field(default_factory=dict, description="error_code -> files")
    crashed_applications: list[str] = Field(
        default_factory=list, description="applications whose checking failed unexpectedly"
    )
    timings: dict[str, float] = Field(default_factory=dict)
    status: Literal["complete", "incomplete"] = "complete"


SCHEMA_MODELS: dict[str, type[BaseModel]] = {
    "application_form": ApplicationForm,
    "result": ApplicationResult,
    "summary": BatchSummary,
}
