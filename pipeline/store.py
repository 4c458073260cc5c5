"""The results store the clerks' review app reads: applications, clerks and the audit trail.

SQLAlchemy 2, so one code path serves the laptop default (a SQLite file in the
outbox, ``OUTBOX/proofs.sqlite3``) and production (PostgreSQL through
``PROOFS_DATABASE_URL``). The batch flow calls :func:`record_result` once per
finished application; the review app claims, corrects and releases through the
functions below. A rerun updates what the pipeline owns (status, result, form)
and keeps what clerks own (claim, review, release, audit).

The store holds personal data (the form and the result), as the outbox does;
nothing here logs values or puts them into exception messages.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    or_,
    select,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, defer, mapped_column

from pipeline.models import ApplicationForm, ApplicationResult, Status
from pipeline.settings import Settings, get_settings

DEFAULT_DATABASE_NAME = "proofs.sqlite3"
#: Share of automatically accepted applications sampled into the clerks' queue.
#: A claim older than this no longer blocks another clerk (someone went home).
DEFAULT_CLAIM_HOURS = 8.0

_PASSWORDS = PasswordHasher()


class Base(DeclarativeBase):
    pass


class ApplicationRow(Base):
    """One application of one batch, as the pipeline last decided and clerks last touched it."""

    __tablename__ = "applications"
    __table_args__ = (UniqueConstraint("batch", "application_id", name="uq_batch_application"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch: Mapped[str] = mapped_column(String(200), index=True)
    application_id: Mapped[str] = mapped_column(String(64), index=True)
    folder: Mapped[str] = mapped_column(String(500), doc="result folder relative to the outbox")
    status: Mapped[str] = mapped_column(String(32), index=True)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    review_reasons: Mapped[list] = mapped_column(JSON, default=list)
    notice_reasons: Mapped[list] = mapped_column(
        JSON, default=list, doc="the notice items' reason codes, for the queue's filter"
    )
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    issue_by: Mapped[date | None] = mapped_column(Date, nullable=True)
    form: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    result: Mapped[dict] = mapped_column(JSON)
    sampled: Mapped[bool] = mapped_column(Boolean, default=False)
    queued: Mapped[bool] = mapped_column(
        Boolean, default=False, index=True, doc="for clerks: flagged, supplement or sampled"
    )
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    released: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revision: Mapped[int] = mapped_column(
        Integer, default=1, doc="+1 per new result: a correction made on an older page is refused"
    )

    @property
    def in_queue(self) -> bool:
        return self.queued


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditRow(Base):
    """Who did what to which application, with the value before and after."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    who: Mapped[str] = mapped_column(String(100))
    application: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    field: Mapped[str | None] = mapped_column(String(200), nullable=True)
    before: Mapped[str | None] = mapped_column(Text, nullable=True)
    after: Mapped[str | None] = mapped_column(Text, nullable=True)


# ------------------------------------------------------------------ engine


def database_url(outbox: Path | None = None, settings: Settings | None = None) -> str:
    """``PROOFS_DATABASE_URL`` when set, else the SQLite file ``OUTBOX/proofs.sqlite3``."""
    configured = (settings or get_settings()).database_url
    if configured:
        return configured
    if outbox is None:
        raise ValueError("no database URL set (PROOFS_DATABASE_URL) and no outbox given")
    return f"sqlite:///{(Path(outbox) / DEFAULT_DATABASE_NAME).resolve()}"


_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """WAL and a busy timeout: batch tasks in threads and the web app write concurrently."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def get_engine(url: str) -> Engine:
    """One engine per URL per process, with the tables created."""
    with _ENGINES_LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            if url.startswith("sqlite"):
                path = url.split("///", 1)[-1]
                if path and path != ":memory:":
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                engine = create_engine(url, connect_args={"check_same_thread": False})
                event.listen(engine, "connect", _sqlite_pragmas)
            else:
                engine = create_engine(url, pool_pre_ping=True)
            Base.metadata.create_all(engine)
            _ENGINES[url] = engine
        return engine


def open_store(store: str | Engine | None, outbox: Path | None = None) -> Engine:
    """An engine from an engine, a URL, or (None) the settings' URL / the outbox default."""
    if isinstance(store, Engine):
        return store
    return get_engine(store or database_url(outbox))


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything here is stored in UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


# ---------------------------------------------------------------- sampling


def sample_share_of(settings: Settings) -> float:
    """``review_sample_share`` (env ``PROOFS_REVIEW_SAMPLE_SHARE``), default 5 %."""
    return settings.review_sample_share


def is_sampled(application_id: str, share: float) -> bool:
    """Deterministic: the same application is in or out of the sample on every run."""
    if share <= 0:
        return False
    digest = hashlib.sha256(application_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def issue_deadline(form: ApplicationForm | None, settings: Settings | None = None) -> date | None:
    """Art. 9: the local date of submission plus ``issue_days``."""
    if form is None:
        return None
    return form.submitted_at.date() + timedelta(days=(settings or get_settings()).issue_days)


# ------------------------------------------------------------------ results


def record_result(
    store: str | Engine | None,
    batch: str,
    outbox: Path,
    result: ApplicationResult,
    form: ApplicationForm | None,
    *,
    folder: str | None = None,
    sample_share: float | None = None,
    settings: Settings | None = None,
) -> None:
    """Insert or update one application's row (idempotent; clerks' state is kept).

    ``folder`` is the result folder relative to ``outbox`` (default
    ``BATCH/APPLICATION_ID``); ``store`` an engine, a URL, or None for the
    settings' URL or ``OUTBOX/proofs.sqlite3``.
    """
    settings = settings or get_settings()
    share = sample_share_of(settings) if sample_share is None else sample_share
    engine = open_store(store, outbox)
    sampled = (
        result.status is Status.ACCEPTED
        and not result.needs_review
        and is_sampled(result.application_id, share)
    )
    values: dict[str, Any] = {
        "folder": folder or f"{batch}/{result.application_id}",
        "status": result.status.value,
        "needs_review": result.needs_review,
        "review_reasons": list(result.review_reasons),
        "notice_reasons": reason_codes(result),
        "submitted_at": form.submitted_at if form is not None else None,
        "issue_by": issue_deadline(form, settings),
        "form": form.model_dump(mode="json") if form is not None else None,
        "result": result.model_dump(mode="json"),
        "sampled": sampled,
        "queued": result.needs_review or result.status is not Status.ACCEPTED or sampled,
        "updated_at": _now(),
    }
    with Session(engine) as session, session.begin():
        row = session.scalar(
            select(ApplicationRow).where(
                ApplicationRow.batch == batch,
                ApplicationRow.application_id == result.application_id,
            )
        )
        if row is None:
            session.add(
                ApplicationRow(
                    batch=batch, application_id=result.application_id, revision=1, **values
                )
            )
        else:
            values["queued"] = values["queued"] or row.queued  # only a release closes it
            values["revision"] = row.revision + 1
            for key, value in values.items():
                setattr(row, key, value)


def reason_codes(result: ApplicationResult) -> list[str]:
    return sorted({item.reason.value for item in result.notice.items})


def update_result(engine: Engine, row_id: int, result: ApplicationResult) -> None:
    """After a clerk's correction: the new decision replaces the stored one."""
    with Session(engine) as session, session.begin():
        row = session.get(ApplicationRow, row_id)
        if row is None:
            raise KeyError(row_id)
        row.status = result.status.value
        row.needs_review = result.needs_review
        row.review_reasons = list(result.review_reasons)
        row.notice_reasons = reason_codes(result)
        row.result = result.model_dump(mode="json")
        row.queued = True  # a clerk worked on it: it leaves the queue only by release
        row.revision += 1
        row.updated_at = _now()


def get_application(engine: Engine, row_id: int) -> ApplicationRow | None:
    with Session(engine, expire_on_commit=False) as session:
        return session.get(ApplicationRow, row_id)


def queue(
    engine: Engine,
    *,
    batch: str | None = None,
    status: str | None = None,
    include_released: bool = False,
) -> list[ApplicationRow]:
    """What clerks must look at, oldest submission first.

    An application enters the queue when the pipeline flags it, asks for
    supplements, rejects its form (a clerk confirms before that goes out) or
    samples it, and stays there (even once a correction makes
    it accepted) until a clerk releases it.
    """
    query = (
        select(ApplicationRow)
        .options(defer(ApplicationRow.form), defer(ApplicationRow.result))
        .where(ApplicationRow.queued.is_(True))
    )
    if batch:
        query = query.where(ApplicationRow.batch == batch)
    if status:
        query = query.where(ApplicationRow.status == status)
    if not include_released:
        query = query.where(ApplicationRow.released.is_(False))
    query = query.order_by(
        ApplicationRow.submitted_at.is_(None),
        ApplicationRow.submitted_at,
        ApplicationRow.id,
    )
    with Session(engine, expire_on_commit=False) as session:
        return list(session.scalars(query))


def batches(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(select(ApplicationRow.batch).distinct().order_by("batch")))


# ------------------------------------------------------------------- claims


def claim(engine: Engine, row_id: int, who: str, claim_hours: float = DEFAULT_CLAIM_HOURS) -> bool:
    """Take an application for ``who``; False when another clerk holds a live claim.

    One conditional UPDATE, so two clerks clicking at once cannot both win.
    """
    now = _now()
    stale = now - timedelta(hours=claim_hours)
    with Session(engine) as session, session.begin():
        outcome = session.execute(
            update(ApplicationRow)
            .where(
                ApplicationRow.id == row_id,
                or_(
                    ApplicationRow.claimed_by.is_(None),
                    ApplicationRow.claimed_by == who,
                    ApplicationRow.claimed_at < stale,
                ),
            )
            .values(claimed_by=who, claimed_at=now)
        )
        return outcome.rowcount == 1


def unclaim(engine: Engine, row_id: int, who: str) -> bool:
    """Give an application back (only its holder can)."""
    with Session(engine) as session, session.begin():
        outcome = session.execute(
            update(ApplicationRow)
            .where(ApplicationRow.id == row_id, ApplicationRow.claimed_by == who)
            .values(claimed_by=None, claimed_at=None)
        )
        return outcome.rowcount == 1


def claimed_by_other(
    row: ApplicationRow, who: str, claim_hours: float = DEFAULT_CLAIM_HOURS
) -> str | None:
    """The other clerk holding a live claim, if any."""
    claimed_at = _aware(row.claimed_at)
    if row.claimed_by is None or row.claimed_by == who or claimed_at is None:
        return None
    if claimed_at < _now() - timedelta(hours=claim_hours):
        return None
    return row.claimed_by


def release(engine: Engine, row_id: int, who: str) -> bool:
    """Mark reviewed and released by its claim holder; the claim ends with it."""
    now = _now()
    with Session(engine) as session, session.begin():
        outcome = session.execute(
            update(ApplicationRow)
            .where(ApplicationRow.id == row_id, ApplicationRow.claimed_by == who)
            .values(
                reviewed_by=who,
                reviewed_at=now,
                released=True,
                claimed_by=None,
                claimed_at=None,
            )
        )
        return outcome.rowcount == 1


# -------------------------------------------------------------------- users


def add_user(engine: Engine, name: str, password: str) -> None:
    """Create a clerk, or set a new password for an existing one."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValueError("a user name has 1 to 100 characters")
    if len(password) < 8:
        raise ValueError("a password has at least 8 characters")
    hashed = _PASSWORDS.hash(password)
    with Session(engine) as session, session.begin():
        user = session.scalar(select(UserRow).where(UserRow.name == name))
        if user is None:
            session.add(UserRow(name=name, password_hash=hashed, created_at=_now()))
        else:
            user.password_hash = hashed


def verify_user(engine: Engine, name: str, password: str) -> bool:
    """True for the right password; hashes a dummy for unknown names (same timing)."""
    with Session(engine) as session:
        user = session.scalar(select(UserRow).where(UserRow.name == name.strip()))
    if user is None:
        with contextlib.suppress(VerificationError, InvalidHashError):
            _PASSWORDS.verify(_DUMMY_HASH, password)
        return False
    try:
        _PASSWORDS.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _PASSWORDS.check_needs_rehash(user.password_hash):
        add_user(engine, user.name, password)
    return True


_DUMMY_HASH = _PASSWORDS.hash("not a real password, only for timing")


# -------------------------------------------------------------------- audit


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def audit(
    engine: Engine,
    who: str,
    row_id: int,
    action: str,
    field: str | None = None,
    before: Any = None,
    after: Any = None,
) -> None:
    with Session(engine) as session, session.begin():
        session.add(
            AuditRow(
                at=_now(),
                who=who,
                application=row_id,
                action=action,
                field=field,
                before=_text(before),
                after=_text(after),
            )
        )


def audit_trail(engine: Engine, row_id: int) -> list[AuditRow]:
    """Newest first."""
    with Session(engine, expire_on_commit=False) as session:
        return list(
            session.scalars(
                select(AuditRow)
                .where(AuditRow.application == row_id)
                .order_by(AuditRow.at.desc(), AuditRow.id.desc())
            )
        )
