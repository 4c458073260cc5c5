"""One held-out application: its form, its documents' true fields, its planted defect.

Independent of ``sample_docs.scenario``: its own defect list (including "another flat
number" and "another address"), its own content; only the notice items come from
``sample_docs.rules.expected_items``, which is the project's reading of the contract.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from bench.holdout.content import (
    Content,
    Person,
    between,
    credit_code,
    digits,
    id_number,
    ric_valid,
    shift_years,
    wrong_check,
)
from bench.holdout.ink import PHOTO_PROBLEMS

DAY = date(2026, 11, 26)
TZ = timezone(timedelta(hours=8))

#: Planted defects; a batch cycles through them, every fourth application is clean.
DEFECTS: tuple[str, ...] = (
    "missing:identity_card",
    "missing:photo",
    "missing:proof_of_residence",
    "missing:proof_of_employment",
    "missing:proof_of_schooling",
    "name_mismatch",
    "another_flat",
    "other_address",
    "expired_id_card",
    "expired_rental",
    "expired_licence",
    "expired_student_id",
    "other_employer",
    "invalid_credit_code",
    "invalid_id_number",
    "tenant_id_mismatch",
    "photo_unusable",
    "receipt_mismatch",
    "minor_without_agent",
    "agent_expired",
    "school_mismatch",
    "unreadable",
    "bad_file",
)
RESIDENCE = {
    "rental": "rental_contract",
    "owned": "property_certificate",
    "purchased": "purchase_contract",
    "accommodation": "accommodation_certificate",
}
EMPLOYMENT_TYPES = ("labour_contract", "employment_certificate", "business_licence")
SCHOOLING_TYPES = ("student_id", "enrollment_certificate")
POSITIONS = {
    "en": [
        "Sales Manager",
        "Software Engineer",
        "Accountant",
        "Warehouse Supervisor",
        "Chef",
        "Nurse",
        "Customer Service Representative",
    ],
    "zh": ["销售经理", "软件工程师", "会计", "仓库主管", "厨师", "护士", "客服专员"],
}
PROGRAMMES = {
    "en": [
        "Computer Science",
        "Nursing",
        "International Trade",
        "Grade 8",
        "Mechanical Design",
        "Accounting",
    ],
    "zh": [
        "计算机科学与技术专业",
        "护理专业",
        "国际贸易专业",
        "初二（3）班",
        "机械设计专业",
        "会计专业",
    ],
}
SCOPES = {
    "en": [
        "Retail of daily necessities; software development; technical consulting.",
        "Catering services; sale of prepackaged food.",
        "Freight forwarding; warehousing services (excluding dangerous goods).",
    ],
    "zh": [
        "日用百货零售；软件开发；技术咨询。",
        "餐饮服务；预包装食品销售。",
        "货物运输代理；仓储服务（不含危险化学品）。",
    ],
}


@dataclass
class Doc:
    """One upload: what it truly is (truth fields) and what else is printed on it."""

    kind: str  # a contract type, "photo", or an other kind (utility_bill, ...)
    fields: dict[str, Any]
    extras: dict[str, Any] = field(default_factory=dict)
    defect: str | None = None
    role: str = "applicant"
    checks: dict[str, Any] = field(default_factory=dict)
    bad_file: str | None = None
    unreadable: bool = False


@dataclass
class Plan:
    app_id: str
    lang: str
    defect: str | None
    form: dict[str, Any]
    docs: list[Doc]


def _validity_years(age: int) -> int | None:
    if age < 16:
        return 5
    if age <= 25:
        return 10
    if age <= 45:
        return 20
    return None


def _card(person: Person, content: Content, rng: random.Random, expired: bool) -> Doc:
    age = DAY.year - person.birth.year
    years = _validity_years(max(0, age - 4))
    if expired:
        until: date | None = DAY - timedelta(days=rng.randrange(25, 500))
        issued = shift_years(until, -(years or 20))
    elif years is None:
        issued, until = between(rng, shift_years(DAY, -9), DAY - timedelta(days=90)), None
    else:
        issued = between(rng, shift_years(DAY, -years) + timedelta(days=60), DAY - timedelta(40))
        until = shift_years(issued, years)
    fields = {
        "name": person.name,
        "id_number": person.id_number,
        "date_of_birth": person.birth.isoformat(),
        "gender": person.gender,
        "address": person.home_address,
        "valid_until": until.isoformat() if until else "indefinite",
    }
    extras = {
        "issued": issued.isoformat(),
        "authority": content.authority(),
        "face": rng.randrange(100),
    }
    return Doc("id_card", fields, extras, "expired" if expired else None)


def plan_application(index: int, seed: int, lang: str, defect: str | None) -> Plan:
    rng = random.Random(f"holdout:{seed}:{index}")
    content = Content(lang, rng)
    defect_name = defect or ""
    submitted = datetime(2026, 11, 26, rng.randrange(8, 19), rng.randrange(60), tzinfo=TZ)
    app_id = f"H{DAY:%Y%m%d}{seed % 1000:03d}{index:03d}"

    minor = defect_name in ("minor_without_agent", "agent_expired") or (
        not defect_name and rng.random() < 0.15
    )
    age = rng.randrange(9, 16) if minor else rng.randrange(18, 62)
    birth = shift_years(DAY, -age) - timedelta(days=rng.randrange(1, 364))
    applicant = content.person(birth, rng.random() < 0.5)
    stranger = content.name(rng.random() < 0.5)

    condition = rng.choices(["employment", "residence", "schooling"], [5, 2, 2])[0]
    if defect_name in (
        "other_employer",
        "invalid_credit_code",
        "expired_licence",
        "missing:proof_of_employment",
    ):
        condition = "employment"
    if defect_name in ("school_mismatch", "expired_student_id", "missing:proof_of_schooling"):
        condition = "schooling"
    if minor:
        condition = "schooling"
    basis = rng.choices(list(RESIDENCE), [5, 2, 1.5, 2])[0]
    if defect_name in ("expired_rental", "tenant_id_mismatch"):
        basis = "rental"
    if defect_name == "unreadable":
        basis = rng.choice(["rental", "purchased"])
    place = content.place()
    address_template = content.address_template(place)
    room = content.room()
    address = address_template.format(room=room)
    since = between(rng, DAY - timedelta(days=1000), DAY - timedelta(days=200))

    employment_kind = school_kind = None
    employer = school = None
    if condition == "employment":
        employment_kind = rng.choices(EMPLOYMENT_TYPES, [5, 3, 2])[0]
        if defect_name in ("invalid_credit_code", "expired_licence"):
            employment_kind = "business_licence"
        employer = {"name": content.company(place), "credit_code": credit_code(place.code, rng)}
    if condition == "schooling":
        school_kind = rng.choice(SCHOOLING_TYPES)
        if defect_name == "expired_student_id":
            school_kind = "student_id"
        school = {
            "name": content.school(),
            "student_number": f"{rng.randrange(2019, 2027)}{digits(rng, 6)}",
        }

    agent_person = None
    agent = None
    if (minor and defect_name != "minor_without_agent") or (not minor and rng.random() < 0.05):
        agent_birth = shift_years(DAY, -rng.randrange(34, 60)) - timedelta(days=rng.randrange(364))
        agent_person = content.person(agent_birth, rng.random() < 0.5)
        agent = {
            "name": agent_person.name,
            "id_number": agent_person.id_number,
            "relationship": "guardian" if minor else "close_relative",
        }
    receipt = None
    if defect_name == "receipt_mismatch" or rng.random() < 0.3:
        receipt = f"{rng.choice(['HX', 'ZP', 'QD', ''])}{digits(rng, 12)}"

    form = {
        "application_id": app_id,
        "submitted_at": submitted.isoformat(),
        "language": lang,
        "service": rng.choice(["first_issue", "first_issue", "endorsement", "reissue"]),
        "applicant": {
            "name": applicant.name,
            "id_number": applicant.id_number,
            "date_of_birth": applicant.birth.isoformat(),
            "gender": applicant.gender,
        },
        "residence": {"address": address, "since": since.isoformat(), "basis": basis},
        "condition": condition,
        "employer": employer,
        "school": school,
        "photo_receipt_number": receipt,
        "agent": agent,
    }

    # where a per-document defect lands
    residence_kind = RESIDENCE[basis]
    name_targets = ["id_card", residence_kind] + [k for k in (employment_kind, school_kind) if k]
    name_target = rng.choice(name_targets) if defect_name == "name_mismatch" else None

    def person_for(kind: str) -> str:
        return stranger if kind == name_target else applicant.name

    docs: list[Doc] = []
    card = _card(applicant, content, rng, defect_name == "expired_id_card")
    if name_target == "id_card":
        card.fields["name"] = stranger
        card.defect = "name_mismatch"
    if defect_name == "invalid_id_number":
        card.fields["id_number"] = wrong_check(applicant.id_number)
        card.defect = "invalid_code"
    docs.append(card)

    problem = rng.choice(PHOTO_PROBLEMS) if defect_name == "photo_unusable" else None
    docs.append(
        Doc(
            "photo",
            {},
            {},
            "photo_unusable" if problem else None,
            checks={"usable": problem is None, "problem": problem},
        )
    )
    if receipt:
        number = receipt
        if defect_name == "receipt_mismatch":
            number = receipt[:-3] + f"{(int(receipt[-3:]) + 417) % 1000:03d}"
        docs.append(
            Doc(
                "photo_receipt",
                {"receipt_number": number, "name": applicant.name},
                {
                    "studio": content.company(),
                    "taken": (DAY - timedelta(days=rng.randrange(2, 30))).isoformat(),
                },
                "receipt_mismatch" if number != receipt else None,
            )
        )

    # proof of residence
    doc_address = address
    if defect_name == "another_flat":
        other_room = room + rng.choice([1, 2, 100, -1]) if room > 200 else room + 1
        doc_address = address_template.format(room=other_room)
    elif defect_name == "other_address":
        doc_address = content.address()
    residence_doc = _residence(
        residence_kind,
        content,
        rng,
        applicant,
        person_for(residence_kind),
        doc_address,
        since,
        defect_name,
    )
    if defect_name in ("another_flat", "other_address"):
        residence_doc.defect = "address_mismatch"
    if name_target == residence_kind:
        residence_doc.defect = "name_mismatch"
    docs.append(residence_doc)

    if employment_kind and employer:
        docs.append(
            _employment(
                employment_kind,
                content,
                rng,
                applicant,
                person_for(employment_kind),
                employer,
                place,
                since,
                defect_name,
            )
        )
    if school_kind and school:
        docs.append(
            _schooling(school_kind, content, rng, person_for(school_kind), school, defect_name)
        )
    if agent_person:
        docs.append(_card(agent_person, content, rng, defect_name == "agent_expired"))
        docs[-1].role = "agent"
    if rng.random() < 0.35:
        docs.append(_other(content, rng, applicant.name, address))

    if defect_name.startswith("missing:"):
        material = defect_name.split(":", 1)[1]
        kinds = {
            "identity_card": ("id_card",),
            "photo": ("photo", "photo_receipt"),
            "proof_of_residence": tuple(RESIDENCE.values()),
            "proof_of_employment": EMPLOYMENT_TYPES,
            "proof_of_schooling": SCHOOLING_TYPES,
        }[material]
        docs = [d for d in docs if not (d.kind in kinds and d.role == "applicant")]
    if defect_name == "unreadable":
        residence_doc.unreadable = True
        residence_doc.defect = "unreadable"
    if defect_name == "bad_file":
        residence_doc.bad_file = "truncated"
    rng.shuffle(docs)
    return Plan(app_id, lang, defect, form, docs)


def _residence(
    kind: str,
    content: Content,
    rng: random.Random,
    applicant: Person,
    person: str,
    address: str,
    since: date,
    defect: str,
) -> Doc:
    lang = content.lang
    if kind == "rental_contract":
        if defect == "expired_rental":
            end = DAY - timedelta(days=rng.randrange(10, 200))
            start = shift_years(end, -1) + timedelta(days=1)
        else:
            start = since
            end = shift_years(start, rng.choice([1, 2, 3])) - timedelta(days=1)
            while end < DAY:
                end = shift_years(end, 1)
        tenant_id = applicant.id_number
        if defect == "tenant_id_mismatch":
            tenant_id = _other_valid_id(applicant, rng)
        landlord = content.person(shift_years(DAY, -rng.randrange(40, 70)), rng.random() < 0.5)
        fields = {
            "landlord_name": landlord.name,
            "tenant_name": person,
            "tenant_id_number": tenant_id,
            "property_address": address,
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "monthly_rent": float(rng.randrange(8, 120) * 100),
        }
        extras = {
            "landlord_id": landlord.id_number,
            "contract_no": f"ZL{digits(rng, 8)}",
            "area": rng.randrange(35, 140),
            "deposit": fields["monthly_rent"] * 2,
            "signed": (start - timedelta(days=rng.randrange(1, 15))).isoformat(),
        }
        defect_name = {"expired_rental": "expired", "tenant_id_mismatch": "id_number_mismatch"}.get(
            defect
        )
        return Doc(kind, fields, extras, defect_name)
    if kind == "property_certificate":
        fields = {
            "owner_name": person,
            "property_address": address,
            "certificate_number": f"{rng.randrange(2008, 2026)}{digits(rng, 8)}",
        }
        extras = {
            "area": round(rng.uniform(40, 180), 2),
            "registered": between(rng, date(2008, 1, 1), since).isoformat(),
            "registry": (
                "Real Estate Registration Centre of " + content.place().city
                if lang == "en"
                else content.place().city + "不动产登记中心"
            ),
        }
        return Doc(kind, fields, extras)
    if kind == "purchase_contract":
        developer = rng.random() < 0.5
        seller = content.company() if developer else content.name(rng.random() < 0.5)
        fields = {
            "buyer_name": person,
            "seller_name": seller,
            "property_address": address,
            "contract_date": (since - timedelta(days=rng.randrange(20, 300))).isoformat(),
        }
        extras = {
            "price": rng.randrange(60, 800) * 10000,
            "area": round(rng.uniform(40, 160), 2),
            "developer": developer,
        }
        return Doc(kind, fields, extras)
    issuer = content.company() if rng.random() < 0.7 else content.school()
    fields = {
        "resident_name": person,
        "address": address,
        "issuer": issuer,
        "issue_date": (DAY - timedelta(days=rng.randrange(3, 50))).isoformat(),
    }
    extras = {
        "id_number": applicant.id_number,
        "since": since.isoformat(),
        "issuer_address": content.address(),
    }
    return Doc(kind, fields, extras)


def _employment(
    kind: str,
    content: Content,
    rng: random.Random,
    applicant: Person,
    person: str,
    employer: dict[str, str],
    place: Any,
    since: date,
    defect: str,
) -> Doc:
    lang = content.lang
    company = content.company(place) if defect == "other_employer" else employer["name"]
    code = credit_code(place.code, rng) if defect == "other_employer" else employer["credit_code"]
    position = rng.choice(POSITIONS[lang])
    start = since - timedelta(days=rng.randrange(0, 500))
    tag = "employer_mismatch" if defect == "other_employer" else None
    if kind == "labour_contract":
        end = (
            "indefinite"
            if rng.random() < 0.25
            else (shift_years(start, rng.choice([3, 5])) - timedelta(days=1)).isoformat()
        )
        if end != "indefinite" and date.fromisoformat(end) < DAY:
            end = shift_years(date.fromisoformat(end), 5).isoformat()
        fields = {
            "employer_name": company,
            "employee_name": person,
            "employee_id_number": applicant.id_number,
            "start_date": start.isoformat(),
            "end_date": end,
        }
        extras = {
            "credit_code": code,
            "boss": content.name(rng.random() < 0.5),
            "position": position,
            "salary": rng.randrange(40, 300) * 100,
            "signed": (start - timedelta(days=rng.randrange(0, 7))).isoformat(),
        }
        return Doc(kind, fields, extras, tag)
    if kind == "employment_certificate":
        fields = {
            "employer_name": company,
            "employee_name": person,
            "issue_date": (DAY - timedelta(days=rng.randrange(2, 40))).isoformat(),
        }
        extras = {
            "id_number": applicant.id_number,
            "since": start.isoformat(),
            "position": position,
            "issuer_address": content.address(),
        }
        return Doc(kind, fields, extras, tag)
    established = between(rng, date(2010, 1, 1), DAY - timedelta(days=300))
    if defect == "expired_licence":
        until = (DAY - timedelta(days=rng.randrange(15, 250))).isoformat()
        tag = "expired"
    else:
        until = rng.choice(
            [
                "indefinite",
                shift_years(established, 20).isoformat(),
                (shift_years(established, 30) - timedelta(days=1)).isoformat(),
            ]
        )
    if defect == "invalid_credit_code":
        code = _broken_uscc(code)
        tag = "invalid_code"
    fields = {
        "company_name": company,
        "credit_code": code,
        "legal_representative": person,
        "address": content.address(),
        "valid_until": until,
    }
    extras = {
        "established": established.isoformat(),
        "issued": between(rng, established, DAY).isoformat(),
        "authority": (
            f"{place.city} Administration for Market Regulation"
            if lang == "en"
            else f"{place.city}市场监督管理局"
        ),
        "capital": rng.randrange(1, 300) * 10000,
        "scope": rng.choice(SCOPES[lang]),
    }
    return Doc(kind, fields, extras, tag)


def _other_valid_id(applicant: Person, rng: random.Random) -> str:
    """A valid ID number of someone born the same day: not the applicant's."""
    for code in ("120101", "610113", "370102", "430104", "350203"):
        number = id_number(code, applicant.birth, applicant.gender == "male", rng)
        if ric_valid(number) and number != applicant.id_number:
            return number
    raise AssertionError("no other valid ID number")


def _broken_uscc(code: str) -> str:
    from stdnum.cn import uscc

    for character in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        if character != code[-1] and not uscc.is_valid(code[:-1] + character):
            return code[:-1] + character
    raise AssertionError("no wrong check character")


def _schooling(
    kind: str,
    content: Content,
    rng: random.Random,
    person: str,
    school: dict[str, Any],
    defect: str,
) -> Doc:
    lang = content.lang
    name = content.school() if defect == "school_mismatch" else school["name"]
    tag = "school_mismatch" if defect == "school_mismatch" else None
    programme = rng.choice(PROGRAMMES[lang])
    if kind == "student_id":
        if defect == "expired_student_id":
            until = DAY - timedelta(days=rng.randrange(20, 300))
            tag = "expired"
        else:
            until = date(DAY.year + rng.choice([1, 2, 3]), rng.choice([7, 8]), rng.choice([31, 1]))
        fields = {
            "student_name": person,
            "school_name": name,
            "student_number": school["student_number"],
            "valid_until": until.isoformat(),
        }
        return Doc(kind, fields, {"programme": programme, "face": rng.randrange(100)}, tag)
    fields = {
        "student_name": person,
        "school_name": name,
        "issue_date": (DAY - timedelta(days=rng.randrange(2, 40))).isoformat(),
    }
    extras = {
        "student_number": school["student_number"],
        "programme": programme,
        "completion": date(DAY.year + rng.choice([1, 2, 3]), 6, 30).isoformat(),
        "issuer_address": content.address(),
    }
    return Doc(kind, fields, extras, tag)


def _other(content: Content, rng: random.Random, holder: str, address: str) -> Doc:
    kind = rng.choice(["utility_bill", "bank_statement", "shop_receipt"])
    start = (DAY - timedelta(days=50)).replace(day=1)
    lang = content.lang
    extras = {
        "holder": holder,
        "address": address,
        "account": digits(rng, 16 if kind == "bank_statement" else 10),
        "from": start.isoformat(),
        "to": (start + timedelta(days=30)).isoformat(),
        "due": (DAY - timedelta(days=4)).isoformat(),
        "amount": rng.randrange(20, 2000),
        "utility": "State Grid Electric Power" if lang == "en" else "国家电网供电公司",
        "bank": rng.choice(
            ["Bank of Communications", "China Merchants Bank"]
            if lang == "en"
            else ["交通银行", "招商银行"]
        ),
        "shop": content.company(),
    }
    return Doc(kind, {}, extras, role="other")


def plan_batch(apps: int, seed: int, lang: str) -> list[Plan]:
    """``apps`` applications: every fourth clean, the others cycle through DEFECTS."""
    rng = random.Random(f"holdout-batch:{seed}")
    cycle = list(DEFECTS)
    rng.shuffle(cycle)
    plans = []
    position = 0
    for index in range(apps):
        defect = None
        if index % 4 != 3:
            defect = cycle[position % len(cycle)]
            position += 1
        plans.append(plan_application(index, seed, lang, defect))
    return plans
