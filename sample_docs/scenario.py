"""One application: its form, its documents' truth, and at most one defect per document.

:func:`plan_batch` decides, in the parent process, which defect each application carries so
that a batch covers every reason code; :func:`plan_application` turns one plan into the form
and a list of :class:`DocPlan` (truth fields plus how the file is delivered). Rendering and
damage happen in ``generate``; nothing here draws or writes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sample_docs.content import (
    ContentMaker,
    Person,
    add_years,
    break_check_char,
    credit_code,
    id_number,
    numeric_code,
    random_date,
)
from sample_docs.graphics import PHOTO_PROBLEMS

BATCH_DAY = date(2026, 11, 26)
TZ = timezone(timedelta(hours=8))

#: Every defect an application can carry; a batch cycles through all of them.
DEFECTS: tuple[str, ...] = (
    "missing:identity_card",
    "missing:photo",
    "missing:proof_of_residence",
    "missing:proof_of_employment",
    "missing:proof_of_schooling",
    "unreadable",
    "name_mismatch",
    "id_number_mismatch",
    "address_mismatch",
    "employer_mismatch",
    "school_mismatch",
    "expired",
    "invalid_code",
    "photo_unusable",
    "receipt_mismatch",
    "minor_without_agent",
    "agent_expired",
    "bad:empty",
    "bad:truncated",
    "bad:wrong_format",
    "bad:encrypted",
    "invalid_form",
)

#: A second, independent defect that some defective applications also carry; applied only
#: when the first defect concerns another material, so each gives its own notice item.
SECOND_DEFECTS: tuple[str, ...] = ("photo_unusable", "expired_id_card", "missing:photo")

RESIDENCE_TYPE = {
    "rental": "rental_contract",
    "owned": "property_certificate",
    "purchased": "purchase_contract",
    "accommodation": "accommodation_certificate",
}
A4_TYPES = (
    "rental_contract",
    "property_certificate",
    "purchase_contract",
    "accommodation_certificate",
    "labour_contract",
    "employment_certificate",
    "enrollment_certificate",
)


@dataclass
class AppPlan:
    """What the parent decides for application ``index``; picklable for the process pool."""

    index: int
    seed: int
    lang: str
    defect: str | None
    app_id: str
    second_defect: str | None = None  # one of SECOND_DEFECTS, on another material
    bundle: bool = False  # some documents arrive scanned together in one file


@dataclass
class DocPlan:
    """One uploaded file: what it truly is and how it reaches us."""

    kind: str  # a contract type, or utility_bill / bank_statement / shop_receipt / photo
    fields: dict[str, Any]
    extras: dict[str, Any] = field(default_factory=dict)
    defect: str | None = None
    bad_file: str | None = None  # empty | truncated | wrong_format | encrypted
    checks: dict[str, Any] = field(default_factory=dict)
    role: str = "applicant"  # applicant | agent | other
    second: bool = False  # carries the application's second defect
    delivery: dict[str, Any] | None = None  # forced delivery (the committed samples)


@dataclass
class Application:
    plan: AppPlan
    form: dict[str, Any]
    form_text: str | None  # what application.json holds (None: no file)
    form_valid: bool
    docs: list[DocPlan]
    second_defect: str | None = None  # the second defect, when it could be applied


def plan_batch(
    apps: int, seed: int, lang: str, first_number: int = 17, bundles: float = 0.0
) -> list[AppPlan]:
    """Defects for ``apps`` applications: about a third clean, the rest cycle over DEFECTS.

    A share ``bundles`` of applications upload several documents scanned into one file;
    that choice draws from its own random stream, so a batch without bundles is the same
    as before bundles existed.
    """
    rng = random.Random(f"batch:{seed}")
    bundle_rng = random.Random(f"bundles:{seed}")
    cycle = list(DEFECTS)
    rng.shuffle(cycle)
    plans = []
    position = 0
    for index in range(apps):
        clean = index % 3 == 2
        defect = None if clean else cycle[position % len(cycle)]
        if not clean:
            position += 1
        app_lang = rng.choice(["en", "zh"]) if lang == "mixed" else lang
        app_id = f"A{BATCH_DAY:%Y%m%d}{first_number + index * 3:05d}"
        second = rng.choice(SECOND_DEFECTS) if defect and rng.random() < 0.3 else None
        bundle = bundles > 0 and bundle_rng.random() < bundles
        plans.append(AppPlan(index, seed, app_lang, defect, app_id, second, bundle))
    return plans


# ------------------------------------------------------------------ helpers


def _iso(value: date | str | None) -> str | None:
    return value.isoformat() if isinstance(value, date) else value


def _validity_years(age: int) -> int | None:
    """ID card validity by age at issue (None: long-term)."""
    if age < 16:
        return 5
    if age <= 25:
        return 10
    if age <= 45:
        return 20
    return None


def _id_card_fields(
    person: Person,
    rng: random.Random,
    expired: bool,
    today: date,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fields of ``person``'s ID card, valid on ``today`` unless ``expired``."""
    age_now = today.year - person.birth.year
    years = _validity_years(max(0, age_now - 3))
    if expired:
        years = years or 20
        until = today - timedelta(days=rng.randrange(20, 400))
        issued = add_years(until, -years)
    elif years is None:
        issued = random_date(rng, add_years(today, -8), today - timedelta(days=60))
        until = None
    else:
        issued = random_date(
            rng, add_years(today, -years) + timedelta(days=90), today - timedelta(days=30)
        )
        until = add_years(issued, years)
    fields = {
        "name": person.name,
        "id_number": person.id_number,
        "date_of_birth": person.birth.isoformat(),
        "gender": person.gender,
        "address": person.home_address,
        "valid_until": until.isoformat() if until else "indefinite",
    }
    return fields, {"issued": issued.isoformat()}


# ---------------------------------------------------------------- the plan


def plan_application(plan: AppPlan) -> Application:
    rng = random.Random(f"app:{plan.seed}:{plan.index}")
    maker = ContentMaker(plan.lang, rng)
    defect = plan.defect or ""
    submitted = datetime(2026, 11, 26, rng.randrange(8, 18), rng.randrange(0, 60), tzinfo=TZ)
    today = submitted.date()

    # who -----------------------------------------------------------------
    minor = defect == "minor_without_agent" or (
        defect in ("", "agent_expired", "photo_unusable", "missing:proof_of_schooling")
        and rng.random() < 0.3
    )
    age = rng.randrange(10, 16) if minor else rng.randrange(19, 60)
    birth = add_years(today, -age) - timedelta(days=rng.randrange(1, 360))
    applicant = maker.person(birth, rng.random() < 0.5)
    other_name = maker.name(rng.random() < 0.5)

    # what the form says ----------------------------------------------------
    condition = rng.choices(["employment", "residence", "schooling"], [5, 2, 3])[0]
    if minor:
        condition = "schooling"
    needs_employment = defect in ("missing:proof_of_employment", "employer_mismatch")
    needs_schooling = defect in ("missing:proof_of_schooling", "school_mismatch")
    if needs_employment and not minor:
        condition = "employment"
    if needs_schooling:
        condition = "schooling"
    basis = rng.choices(list(RESIDENCE_TYPE), [5, 2, 1.5, 2])[0]
    city = maker.city()
    address = maker.address()
    since = random_date(rng, today - timedelta(days=900), today - timedelta(days=190))

    employer = None
    employment_kind = None
    if condition == "employment":
        employment_kind = rng.choices(
            ["labour_contract", "employment_certificate", "business_licence"], [5, 3, 2]
        )[0]
        employer = {"name": maker.company(city), "credit_code": credit_code(city["code"], rng)}
    school = None
    schooling_kind = None
    if condition == "schooling":
        schooling_kind = rng.choice(["student_id", "enrollment_certificate"])
        school = {
            "name": maker.school(),
            "student_number": f"{rng.randrange(2019, 2026)}{numeric_code(rng, 6)}",
        }

    # the defect may need a particular document to land on
    target = _defect_target(defect, rng, basis, employment_kind, schooling_kind)
    if target in RESIDENCE_TYPE.values():
        basis = next(b for b, t in RESIDENCE_TYPE.items() if t == target)
    if condition == "employment" and target in (
        "labour_contract",
        "business_licence",
        "employment_certificate",
    ):
        employment_kind = target
    if condition == "schooling" and target in ("student_id", "enrollment_certificate"):
        schooling_kind = target

    agent_person = None
    agent = None
    if (
        (minor and defect != "minor_without_agent")
        or defect == "agent_expired"
        or (not minor and rng.random() < 0.06)
    ):
        relationship = "guardian" if minor else "close_relative"
        agent_birth = add_years(today, -rng.randrange(35, 58)) - timedelta(
            days=rng.randrange(1, 360)
        )
        agent_person = maker.person(agent_birth, rng.random() < 0.5)
        agent = {
            "name": agent_person.name,
            "id_number": agent_person.id_number,
            "relationship": relationship,
        }
    receipt_number = None
    if defect == "receipt_mismatch" or rng.random() < 0.3:
        receipt_number = f"{rng.choice(['SZ', 'BJ', 'RX', 'P'])}{numeric_code(rng, 10)}"

    form = {
        "application_id": plan.app_id,
        "submitted_at": submitted.isoformat(),
        "language": plan.lang,
        "service": rng.choices(["first_issue", "endorsement", "reissue"], [6, 3, 1])[0],
        "applicant": {
            "name": applicant.name,
            "id_number": applicant.id_number,
            "date_of_birth": applicant.birth.isoformat(),
            "gender": applicant.gender,
        },
        "residence": {"address": address, "since": since.isoformat(), "basis": basis},
        "condition": condition,
        "employer": employer,
        "school": school
        if school is None or rng.random() < 0.7
        else {"name": school["name"], "student_number": None},
        "photo_receipt_number": receipt_number,
        "agent": agent,
    }

    # the documents ---------------------------------------------------------
    docs: list[DocPlan] = []

    def defect_for(kind: str) -> str | None:
        return defect if target == kind else None

    card_defect = defect_for("id_card")
    card_fields, card_extras = _id_card_fields(applicant, rng, card_defect == "expired", today)
    card_extras["authority"] = maker.organisation("authorities", place=applicant.home_place)
    if card_defect == "name_mismatch":
        card_fields["name"] = other_name
    elif card_defect == "id_number_mismatch":
        card_fields["id_number"] = id_number(
            applicant.region_code, applicant.birth, applicant.gender == "male", rng
        )
        if card_fields["id_number"] == applicant.id_number:
            card_fields["id_number"] = id_number(
                "110101", applicant.birth, applicant.gender == "male", rng
            )
    elif card_defect == "invalid_code":
        card_fields["id_number"] = break_check_char(applicant.id_number)
    docs.append(DocPlan("id_card", card_fields, card_extras, card_defect))

    photo_problem = rng.choice(PHOTO_PROBLEMS) if defect == "photo_unusable" else None
    docs.append(
        DocPlan(
            "photo",
            {},
            {},
            "photo_unusable" if photo_problem else None,
            checks={"usable": photo_problem is None, "problem": photo_problem},
        )
    )
    if receipt_number:
        number = receipt_number
        if defect == "receipt_mismatch":
            number = receipt_number[:-4] + f"{(int(receipt_number[-4:]) + 4711) % 10000:04d}"
        docs.append(
            DocPlan(
                "photo_receipt",
                {"receipt_number": number, "name": applicant.name},
                {
                    "studio": maker.organisation("studios"),
                    "taken": (today - timedelta(days=rng.randrange(2, 40))).isoformat(),
                },
                "receipt_mismatch" if defect == "receipt_mismatch" else None,
            )
        )

    residence_type = RESIDENCE_TYPE[basis]
    docs.append(
        _residence_doc(
            residence_type,
            maker,
            rng,
            applicant,
            address,
            since,
            today,
            defect_for(residence_type),
            other_name,
        )
    )
    if employment_kind and employer:
        docs.append(
            _employment_doc(
                employment_kind,
                maker,
                rng,
                applicant,
                employer,
                city,
                address,
                since,
                today,
                defect_for(employment_kind),
                other_name,
            )
        )
    if schooling_kind and school:
        docs.append(
            _schooling_doc(
                schooling_kind,
                maker,
                rng,
                applicant,
                school,
                today,
                defect_for(schooling_kind),
                other_name,
            )
        )
    if agent_person:
        agent_expired = defect == "agent_expired"
        fields, extras = _id_card_fields(agent_person, rng, agent_expired, today)
        extras["authority"] = maker.organisation("authorities", place=agent_person.home_place)
        docs.append(
            DocPlan("id_card", fields, extras, "expired" if agent_expired else None, role="agent")
        )

    if rng.random() < 0.3:
        docs.append(_other_doc(maker, rng, applicant, address, today))

    # whole-file defects ----------------------------------------------------
    if defect.startswith("missing:"):
        material = defect.split(":", 1)[1]
        drop = {
            "identity_card": lambda d: d.kind == "id_card" and d.role == "applicant",
            "photo": lambda d: d.kind in ("photo", "photo_receipt"),
            "proof_of_residence": lambda d: d.kind in RESIDENCE_TYPE.values(),
            "proof_of_employment": lambda d: (
                d.kind in ("labour_contract", "employment_certificate", "business_licence")
            ),
            "proof_of_schooling": lambda d: d.kind in ("student_id", "enrollment_certificate"),
        }[material]
        docs = [d for d in docs if not drop(d)]
    if defect.startswith("bad:"):
        kind = defect.split(":", 1)[1]
        if rng.random() < 0.5:  # the bad file was meant as the proof of residence
            for doc in docs:
                if doc.kind in RESIDENCE_TYPE.values():
                    doc.bad_file = kind
                    break
        else:  # an extra upload that happens to be bad
            extra = _other_doc(maker, rng, applicant, address, today)
            extra.bad_file = kind
            docs.append(extra)
        if kind == "encrypted":  # only a PDF can be encrypted: the target must be a page
            for doc in docs:
                if doc.bad_file == "encrypted" and doc.kind in ("photo", "id_card"):
                    doc.bad_file = "wrong_format"
    second = _apply_second_defect(plan.second_defect, defect, docs, applicant, rng, today)
    rng.shuffle(docs)

    form_text, form_valid = _form_text(form, defect, rng)
    return Application(plan, form, form_text, form_valid, docs, second)


def _apply_second_defect(
    second: str | None,
    defect: str,
    docs: list[DocPlan],
    applicant: Person,
    rng: random.Random,
    today: date,
) -> str | None:
    """Add the second defect when its material is untouched by the first; else None."""
    if not second or defect == "invalid_form":
        return None
    if second in ("photo_unusable", "missing:photo"):
        kinds: tuple[str, ...] = ("photo", "photo_receipt")
        clash = defect in ("photo_unusable", "receipt_mismatch", "missing:photo")
    else:
        kinds = ("id_card",)
        clash = defect == "missing:identity_card"
    mine = [d for d in docs if d.kind in kinds and d.role == "applicant"]
    if clash or not mine or any(d.defect or d.bad_file for d in mine):
        return None
    if second == "missing:photo":
        for doc in mine:
            docs.remove(doc)
    elif second == "photo_unusable":
        photo = next((d for d in mine if d.kind == "photo"), None)
        if photo is None:
            return None
        problem = rng.choice(PHOTO_PROBLEMS)
        photo.checks = {"usable": False, "problem": problem}
        photo.defect, photo.second = "photo_unusable", True
    else:
        card = mine[0]
        fields, extras = _id_card_fields(applicant, rng, True, today)
        card.fields = {**card.fields, "valid_until": fields["valid_until"]}
        card.extras["issued"] = extras["issued"]
        card.defect, card.second = "expired", True
    return second


def _defect_target(
    defect: str,
    rng: random.Random,
    basis: str,
    employment_kind: str | None,
    schooling_kind: str | None,
) -> str | None:
    """Which document type a per-document defect lands on."""
    residence = RESIDENCE_TYPE[basis]
    options: dict[str, list[str]] = {
        "unreadable": [residence]
        + [k for k in (employment_kind,) if k and k in A4_TYPES]
        + [k for k in (schooling_kind,) if k == "enrollment_certificate"],
        "name_mismatch": ["id_card", residence]
        + [k for k in (employment_kind, schooling_kind) if k],
        "id_number_mismatch": ["id_card", "rental_contract"]
        + (["labour_contract"] if employment_kind else []),
        "address_mismatch": [residence],
        "employer_mismatch": [employment_kind] if employment_kind else [],
        "school_mismatch": [schooling_kind] if schooling_kind else [],
        "expired": ["id_card", "rental_contract"]
        + (["labour_contract", "business_licence"] if employment_kind else [])
        + (["student_id"] if schooling_kind else []),
        "invalid_code": ["id_card", "rental_contract"]
        + (["business_licence"] if employment_kind else []),
    }
    choices = [c for c in options.get(defect, []) if c]
    return rng.choice(choices) if choices else None


def _residence_doc(
    kind: str,
    maker: ContentMaker,
    rng: random.Random,
    applicant: Person,
    address: str,
    since: date,
    today: date,
    defect: str | None,
    other_name: str,
) -> DocPlan:
    person = other_name if defect == "name_mismatch" else applicant.name
    place = maker.address() if defect == "address_mismatch" else address
    if kind == "rental_contract":
        if defect == "expired":
            start = since - timedelta(days=365)
            end = add_years(start, 1) - timedelta(days=1)
            if end >= today:
                start, end = add_years(today, -2), add_years(today, -1) - timedelta(days=3)
        else:
            start = since
            end = add_years(start, rng.choice([1, 2, 3])) - timedelta(days=1)
            if end < today:
                end = add_years(end, 2)
        tenant_id = applicant.id_number
        if defect == "id_number_mismatch":
            tenant_id = id_number("110105", applicant.birth, applicant.gender == "male", rng)
        elif defect == "invalid_code":
            tenant_id = break_check_char(applicant.id_number)
        fields = {
            "landlord_name": maker.name(rng.random() < 0.5),
            "tenant_name": person,
            "tenant_id_number": tenant_id,
            "property_address": place,
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "monthly_rent": rng.randrange(12, 90) * 100,
        }
        extras = {"signed": (start - timedelta(days=rng.randrange(1, 20))).isoformat()}
    elif kind == "property_certificate":
        fields = {
            "owner_name": person,
            "property_address": place,
            "certificate_number": f"{rng.randrange(2010, 2026)}{numeric_code(rng, 7)}",
        }
        extras = {
            "area": round(rng.uniform(45, 160), 2),
            "registered": random_date(rng, date(2012, 1, 1), since).isoformat(),
            "registry": maker.organisation("registries"),
        }
    elif kind == "purchase_contract":
        developer = rng.random() < 0.5  # a new flat from a developer, or second-hand
        seller = maker.company() if developer else maker.name(rng.random() < 0.5)
        fields = {
            "buyer_name": person,
            "seller_name": seller,
            "property_address": place,
            "contract_date": (since - timedelta(days=rng.randrange(30, 200))).isoformat(),
        }
        extras = {"price": rng.randrange(80, 900) * 10000, "area": round(rng.uniform(45, 160), 2)}
        if developer:
            extras["seller_seal"] = seller
    else:  # accommodation_certificate
        issuer = maker.company() if rng.random() < 0.7 else maker.school()
        fields = {
            "resident_name": person,
            "address": place,
            "issuer": issuer,
            "issue_date": (today - timedelta(days=rng.randrange(3, 60))).isoformat(),
        }
        extras = {"id_number": applicant.id_number, "since": since.isoformat()}
    if defect == "unreadable":
        fields = dict.fromkeys(fields)
    return DocPlan(kind, fields, extras, defect)


def _employment_doc(
    kind: str,
    maker: ContentMaker,
    rng: random.Random,
    applicant: Person,
    employer: dict[str, str],
    city: dict[str, str],
    address: str,
    since: date,
    today: date,
    defect: str | None,
    other_name: str,
) -> DocPlan:
    company = maker.company(city) if defect == "employer_mismatch" else employer["name"]
    code = employer["credit_code"]
    if defect == "employer_mismatch":
        code = credit_code(city["code"], rng)
    person = other_name if defect == "name_mismatch" else applicant.name
    position = maker.pick(maker.pools["positions"])
    start = since - timedelta(days=rng.randrange(0, 400))
    if kind == "labour_contract":
        if defect == "expired":
            start = add_years(today, -3) - timedelta(days=rng.randrange(0, 200))
            end: str = (add_years(start, 2) + timedelta(days=rng.randrange(0, 100))).isoformat()
        elif rng.random() < 0.25:
            end = "indefinite"
        else:
            end = (add_years(start, rng.choice([3, 5])) - timedelta(days=1)).isoformat()
        employee_id = applicant.id_number
        if defect == "id_number_mismatch":
            employee_id = id_number("310104", applicant.birth, applicant.gender == "male", rng)
        fields = {
            "employer_name": company,
            "employee_name": person,
            "employee_id_number": employee_id,
            "start_date": start.isoformat(),
            "end_date": end,
        }
        extras = {
            "credit_code": code,
            "position": position,
            "salary": rng.randrange(40, 300) * 100,
            "signed": (start - timedelta(days=rng.randrange(0, 10))).isoformat(),
        }
    elif kind == "employment_certificate":
        fields = {
            "employer_name": company,
            "employee_name": person,
            "issue_date": (today - timedelta(days=rng.randrange(2, 50))).isoformat(),
        }
        extras = {
            "id_number": applicant.id_number,
            "position": position,
            "since": start.isoformat(),
        }
    else:  # business_licence: the applicant runs the business
        established = random_date(rng, date(2012, 1, 1), today - timedelta(days=200))
        if defect == "expired":
            until = (today - timedelta(days=rng.randrange(10, 300))).isoformat()
        else:
            until = rng.choice(
                [
                    "indefinite",
                    add_years(established, 20).isoformat(),
                    add_years(established, 30).isoformat(),
                ]
            )
        if defect == "invalid_code":
            code = break_check_char(code)
        fields = {
            "company_name": company,
            "credit_code": code,
            "legal_representative": person,
            "address": maker.address(),
            "valid_until": until,
        }
        extras = {
            "capital": rng.randrange(1, 500) * 10000,
            "established": established.isoformat(),
            "issued": random_date(rng, established, today).isoformat(),
            "authority": maker.organisation("regulators"),
            "scope": maker.pick(maker.pools["scopes"]),
        }
    if defect == "unreadable":
        fields = dict.fromkeys(fields)
    return DocPlan(kind, fields, extras, defect)


def _schooling_doc(
    kind: str,
    maker: ContentMaker,
    rng: random.Random,
    applicant: Person,
    school: dict[str, Any],
    today: date,
    defect: str | None,
    other_name: str,
) -> DocPlan:
    name = maker.school() if defect == "school_mismatch" else school["name"]
    person = other_name if defect == "name_mismatch" else applicant.name
    if kind == "student_id":
        until = (
            today - timedelta(days=rng.randrange(20, 300))
            if defect == "expired"
            else add_years(today, rng.choice([1, 2, 3])).replace(month=7, day=31)
        )
        fields = {
            "student_name": person,
            "school_name": name,
            "student_number": school["student_number"],
            "valid_until": until.isoformat(),
        }
        extras: dict[str, Any] = {}
    else:
        fields = {
            "student_name": person,
            "school_name": name,
            "issue_date": (today - timedelta(days=rng.randrange(2, 45))).isoformat(),
        }
        extras = {
            "student_number": school["student_number"],
            "programme": maker.pick(maker.pools["programmes"]),
            "completion": add_years(today, rng.choice([1, 2, 3]))
            .replace(month=6, day=30)
            .isoformat(),
        }
    if defect == "unreadable":
        fields = dict.fromkeys(fields)
    return DocPlan(kind, fields, extras, defect)


def _other_doc(
    maker: ContentMaker, rng: random.Random, applicant: Person, address: str, today: date
) -> DocPlan:
    kind = rng.choice(["utility_bill", "bank_statement", "shop_receipt"])
    start = (today - timedelta(days=60)).replace(day=1)
    extras = {
        "holder": applicant.name,
        "account": numeric_code(rng, 12),
        "address": address,
        "from": start.isoformat(),
        "to": (start + timedelta(days=29)).isoformat(),
        "due": (today - timedelta(days=5)).isoformat(),
        "amount": rng.randrange(30, 30000),
    }
    return DocPlan(kind, {}, extras, role="other")


def _form_text(form: dict[str, Any], defect: str, rng: random.Random) -> tuple[str | None, bool]:
    """``application.json`` as uploaded; the ``invalid_form`` defect breaks it."""
    import json

    text = json.dumps(form, ensure_ascii=False, indent=2)
    if defect != "invalid_form":
        return text, True
    how = rng.choice(["not_json", "schema", "missing", "employer"])
    if how == "not_json":
        return text[: len(text) // 2], False
    if how == "missing":
        return None, False
    broken = json.loads(text)
    if how == "schema":
        broken["applicant"]["id_number"] = broken["applicant"]["id_number"][:15]
    else:
        broken["condition"] = "employment"
        broken["employer"] = None
    return json.dumps(broken, ensure_ascii=False, indent=2), False
