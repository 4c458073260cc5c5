"""Realistic content: people, valid ID numbers and credit codes, addresses, companies, dates.

All randomness comes from the ``random.Random`` passed in, and all wording from the
language's vocabulary file, so that the same seed always gives the same content and a new
language is a new ``labels/<lang>.yaml``.
"""

from __future__ import annotations

import os
import random
import string
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from faker import Faker
from stdnum.cn import ric, uscc

LABELS_DIR = Path(__file__).parent / "labels"
LANGUAGES = ("en", "zh")


#: Set (to "heldout") by ``generate --heldout``: the wording of ``labels/<lang>_heldout.yaml``
#: is merged over the language's own, for a held-out check of the extractors. An environment
#: variable, so that the generator's worker processes see it too.
VARIANT_VARIABLE = "SAMPLE_DOCS_VARIANT"


def load_vocabulary(lang: str) -> dict[str, Any]:
    """The wording of one language (titles, label synonyms, prose, content pools)."""
    return _load_vocabulary(lang, os.environ.get(VARIANT_VARIABLE) or None)


@lru_cache(maxsize=8)
def _load_vocabulary(lang: str, variant: str | None) -> dict[str, Any]:
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}")
    with (LABELS_DIR / f"{lang}.yaml").open(encoding="utf-8") as handle:
        vocab = yaml.safe_load(handle)
    overlay = LABELS_DIR / f"{lang}_{variant}.yaml"
    if variant and overlay.is_file():
        with overlay.open(encoding="utf-8") as handle:
            vocab = _merged(vocab, yaml.safe_load(handle) or {})
    return vocab


def _merged(base: Any, over: Any) -> Any:
    """Mappings merge key by key; anything else (lists, text) is replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        merged = dict(base)
        for key, value in over.items():
            merged[key] = _merged(base[key], value) if key in base else value
        return merged
    return over


def faker_for(lang: str, rng: random.Random) -> Faker:
    """A Faker of the language's locale seeded from ``rng`` (Faker's own seed is global)."""
    fake = Faker(load_vocabulary(lang)["faker_locale"])
    fake.seed_instance(rng.getrandbits(32))
    return fake


# ------------------------------------------------------------------ numbers


def id_number(region_code: str, birth: date, male: bool, rng: random.Random) -> str:
    """A valid 18-character resident ID number (GB 11643): region, birth date, order, check."""
    order = rng.randrange(0, 500) * 2 + (1 if male else 0)
    body = f"{region_code}{birth:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


def valid_ric(number: str) -> bool:
    """``stdnum.cn.ric.is_valid`` that never raises (it raises KeyError for some regions)."""
    try:
        return ric.is_valid(number)
    except Exception:
        return False


def break_check_char(number: str) -> str:
    """The same number with a wrong check character: the ``invalid_code`` defect."""
    alphabet = "0123456789X" if len(number) == 18 and number[:17].isdigit() else uscc._alphabet
    wrong = [c for c in alphabet if c != number[-1]]
    return number[:-1] + wrong[(ord(number[-2]) + len(number)) % len(wrong)]


def credit_code(region_code: str, rng: random.Random) -> str:
    """A valid unified social credit code (GB 32100): 9 (market regulation), 1 (company)."""
    alphabet = uscc._alphabet
    organisation = "".join(rng.choice(alphabet) for _ in range(9))
    body = f"91{region_code}{organisation}"
    return body + uscc.calc_check_digit(body)


def numeric_code(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(length))


# -------------------------------------------------------------------- dates


def format_date(value: date, style: str, lang: str) -> str:
    """Print a date the way one issuer would."""
    months = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
    if style == "iso":
        return value.isoformat()
    if style == "slash_ymd":
        return f"{value:%Y/%m/%d}"
    if style == "dot_ymd":
        return f"{value:%Y.%m.%d}"
    if style == "cjk":
        return f"{value.year}年{value.month}月{value.day}日"
    if style == "cjk_padded":
        return f"{value.year}年{value.month:02d}月{value.day:02d}日"
    if style == "long_dmy":
        return f"{value.day} {months[value.month - 1]} {value.year}"
    if style == "long_mdy":
        return f"{months[value.month - 1]} {value.day}, {value.year}"
    if style == "short_dmy":
        return f"{value.day:02d} {months[value.month - 1][:3]} {value.year}"
    raise ValueError(f"unknown date style {style!r} for {lang}")


ALL_DATE_STYLES = (
    "iso",
    "slash_ymd",
    "dot_ymd",
    "cjk",
    "cjk_padded",
    "long_dmy",
    "long_mdy",
    "short_dmy",
)


def printed_date_forms(value: date) -> set[str]:
    """Every way :func:`format_date` can print ``value``: what a test looks for."""
    return {format_date(value, style, "any") for style in ALL_DATE_STYLES}


def add_years(value: date, years: int) -> date:
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February
        return value.replace(year=value.year + years, day=28)


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def random_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(0, max(1, (end - start).days)))


# ------------------------------------------------------------------- people


@dataclass
class Person:
    name: str
    gender: str  # male | female
    birth: date
    id_number: str
    home_address: str  # household registration address, printed on the ID card
    region_code: str
    home_place: str


class ContentMaker:
    """Makes names, addresses, companies and schools in one language from one rng."""

    def __init__(self, lang: str, rng: random.Random) -> None:
        self.lang = lang
        self.rng = rng
        self.vocab = load_vocabulary(lang)
        self.pools = self.vocab["pools"]
        self.fake = faker_for(lang, rng)

    def pick(self, options: list[Any]) -> Any:
        return self.rng.choice(options)

    # names ---------------------------------------------------------------
    def name(self, male: bool) -> str:
        style = self.pick(self.vocab["name_styles"])
        if style == "romanized":
            zh = Faker("zh_CN")
            zh.seed_instance(self.rng.getrandbits(32))
            first = zh.first_romanized_name()
            return f"{zh.last_romanized_name()} {first}"
        if style == "cjk":
            return self.fake.name_male() if male else self.fake.name_female()
        first = self.fake.first_name_male() if male else self.fake.first_name_female()
        return f"{first} {self.fake.last_name()}"

    def person(self, birth: date, male: bool, name: str | None = None) -> Person:
        """Someone born on ``birth`` whose ID number is valid (region code of that era)."""
        regions = list(self.pools["home_regions"])
        self.rng.shuffle(regions)
        for region in regions:  # many district codes were created or renamed after 1980
            number = id_number(region["code"], birth, male, self.rng)
            if valid_ric(number):
                break
        return Person(
            name=name or self.name(male),
            gender="male" if male else "female",
            birth=birth,
            id_number=number,
            home_address=self.address(self.pools["home_address_styles"], place=region["place"]),
            region_code=region["code"],
            home_place=region["place"],
        )

    # places --------------------------------------------------------------
    def city(self) -> dict[str, str]:
        return self.pick(self.pools["cities"])

    def address(self, styles: list[str] | None = None, **given: str) -> str:
        city = self.city()
        values = {
            "room": str(
                self.rng.choice([101, 202, 305, 403, 502, 601, 1203, 1506, 1808, 2101])
                + self.rng.randrange(0, 3)
            ),
            "building": str(self.rng.randrange(1, 30)),
            "unit": str(self.rng.randrange(1, 6)),
            "number": str(self.rng.randrange(1, 400)),
            "street": self.pick(self.pools["streets"]),
            "kind": self.pick(self.pools["street_kinds"]),
            "village": self.pick(self.pools["village_words"]),
            "district": city["district"],
            "city": city["city"],
        }
        values.update(given)
        return self.pick(styles or self.pools["address_styles"]).format(**values)

    def company(self, city: dict[str, str] | None = None) -> str:
        city = city or self.city()
        faker_company = self.fake.last_name()
        return self.pick(self.pools["company_styles"]).format(
            city=city["city"],
            word=self.pick(self.pools["company_words"]),
            industry=self.pick(self.pools["industries"]),
            faker_company=faker_company,
        )

    def school(self) -> str:
        city = self.city()
        return self.pick(self.pools["school_styles"]).format(
            city=city["city"],
            word=self.pick(self.pools["company_words"]),
            field=self.pick(self.pools["school_fields"]),
            n=self.rng.randrange(1, 40),
        )

    def organisation(self, pool: str, **given: str) -> str:
        city = self.city()
        values = {
            "city": city["city"],
            "district": city["district"],
            "word": self.pick(self.pools["company_words"]),
        }
        values.update(given)
        return self.pick(self.pools[pool]).format(**values)

    def money(self, amount: int) -> str:
        return self.pick(self.vocab["words"]["money"]).format(amount=amount)

    def word(self, key: str) -> str:
        return self.pick(self.vocab["words"][key])
