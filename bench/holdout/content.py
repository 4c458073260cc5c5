"""People, places, organisations and numbers for the held-out documents.

Drawn from Faker (``en_US`` / ``zh_CN``) and small word pools of this module only, never
from ``sample_docs``' vocabulary, so that the held-out batch does not share its wording
with the generator the extractors are tuned on. ID numbers and credit codes are valid
(``stdnum.cn.ric`` / ``stdnum.cn.uscc`` compute the check characters).
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from datetime import date, timedelta

from faker import Faker
from stdnum.cn import ric, uscc

#: (region code, city, district) in pinyin and in Chinese; none of these is in sample_docs.
PLACES: tuple[tuple[str, str, str, str, str], ...] = (
    ("610113", "Xi'an", "Yanta District", "西安市", "雁塔区"),
    ("120101", "Tianjin", "Heping District", "天津市", "和平区"),
    ("500103", "Chongqing", "Yuzhong District", "重庆市", "渝中区"),
    ("370202", "Qingdao", "Shinan District", "青岛市", "市南区"),
    ("350203", "Xiamen", "Siming District", "厦门市", "思明区"),
    ("530102", "Kunming", "Wuhua District", "昆明市", "五华区"),
    ("430104", "Changsha", "Yuelu District", "长沙市", "岳麓区"),
    ("410105", "Zhengzhou", "Jinshui District", "郑州市", "金水区"),
    ("210202", "Dalian", "Zhongshan District", "大连市", "中山区"),
    ("370102", "Jinan", "Lixia District", "济南市", "历下区"),
    ("340104", "Hefei", "Shushan District", "合肥市", "蜀山区"),
    ("350102", "Fuzhou", "Gulou District", "福州市", "鼓楼区"),
    ("210102", "Shenyang", "Heping District", "沈阳市", "和平区"),
    ("450103", "Nanning", "Qingxiu District", "南宁市", "青秀区"),
)
STREETS_EN = (
    "Changle",
    "Xingfu",
    "Yanta",
    "Huanghe",
    "Jiefang",
    "Renmin",
    "Heping",
    "Wenhua",
    "Minzhu",
    "Qingnian",
    "Shengli",
    "Tongji",
    "Zhongshan",
    "Binhai",
    "Xinhua",
    "Kaiyuan",
)
STREET_KINDS_EN = ("Road", "Street", "Avenue", "Rd.", "Lane", "North Road", "East Street")
ESTATES_EN = (
    "Lakeside Garden",
    "Sunshine Court",
    "Greenwood Residence",
    "Riverside Estate",
    "Peony Garden",
    "Harmony Towers",
    "Maple Villa",
    "Century Plaza Apartments",
)
ESTATES_ZH = (
    "阳光花园",
    "绿城小区",
    "滨江公寓",
    "和谐家园",
    "牡丹苑",
    "世纪华庭",
    "金色港湾",
    "枫林小区",
)
COMPANY_WORDS_EN = (
    "Hongda",
    "Xinyuan",
    "Tianrui",
    "Jiahe",
    "Boya",
    "Zhongxin",
    "Ruifeng",
    "Kaitong",
    "Mingde",
    "Huaxia",
    "Longsheng",
    "Yida",
)
INDUSTRIES_EN = (
    "Network Technology",
    "Trading",
    "Logistics",
    "Catering Management",
    "Medical Devices",
    "Construction Engineering",
    "Education Consulting",
    "Electronics",
    "Property Services",
    "Garment",
)
COMPANY_FORMS_EN = ("Co., Ltd.", "Company Limited", "Co., Ltd", "Limited Liability Company")
SCHOOL_STYLES_EN = (
    "{city} Institute of Technology",
    "{city} Normal University",
    "No. {n} Middle School of {city}",
    "{city} Vocational College of {field}",
    "{city} Foreign Languages School",
    "{city} Experimental Primary School",
)
SCHOOL_FIELDS_EN = ("Commerce", "Nursing", "Arts", "Engineering", "Tourism")
SCHOOL_STYLES_ZH = (
    "{city}第{n}中学",
    "{city}师范大学",
    "{city}理工学院",
    "{city}职业技术学院",
    "{city}实验小学",
    "{city}外国语学校",
)


def id_number(region: str, birth: date, male: bool, rng: random.Random) -> str:
    """A valid resident ID number: region, birth date, order (odd for men), check char."""
    order = rng.randrange(0, 499) * 2 + (1 if male else 0)
    body = f"{region}{birth:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


def ric_valid(number: str) -> bool:
    try:
        return bool(ric.is_valid(number))
    except Exception:
        return False


def credit_code(region: str, rng: random.Random) -> str:
    """A valid unified social credit code (registered by market regulation, a company)."""
    body = "91" + region + "".join(rng.choice(uscc._alphabet) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def wrong_check(number: str) -> str:
    """The same number with another (wrong) last character."""
    alphabet = "0123456789X" if len(number) == 18 and number[:17].isdigit() else "0123456789"
    options = [c for c in alphabet if c != number[-1]]
    return number[:-1] + options[sum(map(ord, number)) % len(options)]


def digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(count))


def shift_years(value: date, years: int) -> date:
    try:
        return value.replace(year=value.year + years)
    except ValueError:
        return value.replace(year=value.year + years, day=28)


def between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(0, max(1, (end - start).days)))


@dataclass
class Person:
    name: str
    gender: str
    birth: date
    id_number: str
    home_address: str


@dataclass
class Place:
    code: str
    city: str
    district: str


class Content:
    """Everything textual about one application, in one language, from one rng."""

    def __init__(self, lang: str, rng: random.Random) -> None:
        self.lang = lang
        self.rng = rng
        self.fake_zh = Faker("zh_CN")
        self.fake_zh.seed_instance(rng.getrandbits(32))
        self.fake_en = Faker("en_US")
        self.fake_en.seed_instance(rng.getrandbits(32))

    def place(self) -> Place:
        code, city, district, city_zh, district_zh = self.rng.choice(PLACES)
        if self.lang == "zh":
            return Place(code, city_zh, district_zh)
        return Place(code, city, district)

    def name(self, male: bool) -> str:
        if self.lang == "zh":
            return self.fake_zh.name_male() if male else self.fake_zh.name_female()
        if self.rng.random() < 0.25:  # a foreign resident
            first = self.fake_en.first_name_male() if male else self.fake_en.first_name_female()
            return f"{first} {self.fake_en.last_name()}"
        return f"{self.fake_zh.last_romanized_name()} {self.fake_zh.first_romanized_name()}"

    def person(self, birth: date, male: bool) -> Person:
        place = self.place()
        number = ""
        for code in [place.code] + [p[0] for p in PLACES]:
            number = id_number(code, birth, male, self.rng)
            if ric_valid(number):
                break
        return Person(
            self.name(male),
            "male" if male else "female",
            birth,
            number,
            self.home_address(place),
        )

    def home_address(self, place: Place) -> str:
        """Household registration address (printed on ID cards)."""
        if self.lang == "zh":
            village = self.fake_zh.street_name()
            return (
                f"{place.city}{place.district}{village}{self.rng.randrange(1, 300)}号"
                f"{self.rng.randrange(1, 9)}组"
            )
        return (
            f"No. {self.rng.randrange(1, 300)}, {self.rng.choice(STREETS_EN)} Village, "
            f"{place.district}, {place.city}"
        )

    def address_template(self, place: Place | None = None) -> str:
        """A flat's address with ``{room}`` for the flat number (the "another flat" defect
        fills in another one)."""
        place = place or self.place()
        building = self.rng.randrange(1, 25)
        number = self.rng.randrange(1, 500)
        if self.lang == "zh":
            estate = self.rng.choice(ESTATES_ZH)
            street = self.fake_zh.street_name()
            return (
                f"{place.city}{place.district}{street}{number}号{estate}"
                f"{building}栋{self.rng.randrange(1, 5)}单元{{room}}室"
            )
        street = f"{self.rng.choice(STREETS_EN)} {self.rng.choice(STREET_KINDS_EN)}"
        if self.rng.random() < 0.5:
            estate = self.rng.choice(ESTATES_EN)
            return (
                f"Flat {{room}}, Block {building}, {estate}, {number} {street}, "
                f"{place.district}, {place.city}"
            )
        return f"{number} {street}, Bldg {building}, Apt {{room}}, {place.district}, {place.city}"

    def address(self) -> str:
        return self.address_template().format(room=self.room())

    def room(self) -> int:
        return self.rng.randrange(1, 33) * 100 + self.rng.randrange(1, 9)

    def company(self, place: Place | None = None) -> str:
        place = place or self.place()
        if self.lang == "zh":
            base = self.fake_zh.company()
            return base if self.rng.random() < 0.5 else place.city.removesuffix("市") + base
        word = self.rng.choice(COMPANY_WORDS_EN)
        if self.rng.random() < 0.3:
            word = self.fake_en.last_name()
        industry = self.rng.choice(INDUSTRIES_EN)
        return f"{place.city} {word} {industry} {self.rng.choice(COMPANY_FORMS_EN)}"

    def school(self) -> str:
        place = self.place()
        n = self.rng.randrange(1, 60)
        if self.lang == "zh":
            return self.rng.choice(SCHOOL_STYLES_ZH).format(city=place.city.removesuffix("市"), n=n)
        return self.rng.choice(SCHOOL_STYLES_EN).format(
            city=place.city, n=n, field=self.rng.choice(SCHOOL_FIELDS_EN)
        )

    def authority(self, place: Place | None = None) -> str:
        place = place or self.place()
        if self.lang == "zh":
            return f"{place.city}公安局{place.district}分局"
        return f"{place.district} Branch, {place.city} Public Security Bureau"
