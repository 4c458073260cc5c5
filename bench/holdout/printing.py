"""How values are printed: dates, money, gender, validity, in each language's habits."""

from __future__ import annotations

import random
from datetime import date

MONTHS = (
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
)
CN_DIGITS = "〇一二三四五六七八九"
DATE_STYLES = {
    "en": ("long_dmy", "long_mdy", "iso", "slash_ymd", "abbr_dmy", "caps_dmy"),
    "zh": ("cjk", "cjk_padded", "iso", "dot_ymd", "cjk_spaced"),
}


def cn_number(value: int) -> str:
    """1..31 in Chinese numerals as written in dates (十五, 二十三, 三十一)."""
    tens, ones = divmod(value, 10)
    text = ("" if tens < 2 else CN_DIGITS[tens]) + ("十" if tens else "")
    return text + (CN_DIGITS[ones] if ones else "")


def date_text(value: date, style: str) -> str:
    if style == "iso":
        return value.isoformat()
    if style == "slash_ymd":
        return f"{value:%Y/%m/%d}"
    if style == "dot_ymd":
        return f"{value:%Y.%m.%d}"
    if style == "long_dmy":
        return f"{value.day} {MONTHS[value.month - 1]} {value.year}"
    if style == "long_mdy":
        return f"{MONTHS[value.month - 1]} {value.day}, {value.year}"
    if style == "abbr_dmy":
        return f"{value.day:02d}-{MONTHS[value.month - 1][:3]}-{value.year}"
    if style == "caps_dmy":
        return f"{value.day:02d} {MONTHS[value.month - 1][:3].upper()} {value.year}"
    if style == "cjk":
        return f"{value.year}年{value.month}月{value.day}日"
    if style == "cjk_padded":
        return f"{value.year}年{value.month:02d}月{value.day:02d}日"
    if style == "cjk_spaced":
        return f"{value.year} 年 {value.month} 月 {value.day} 日"
    if style == "cjk_numerals":
        year = "".join(CN_DIGITS[int(d)] for d in str(value.year))
        return f"{year}年{cn_number(value.month)}月{cn_number(value.day)}日"
    raise ValueError(style)


def date_forms(value: str) -> set[str]:
    """Every way a date value may be printed (what a test looks for)."""
    day = date.fromisoformat(value)
    styles = {s for group in DATE_STYLES.values() for s in group} | {"cjk_numerals"}
    return {date_text(day, s) for s in styles}


class Printer:
    """The printing habits of one document: its date style, its words for validity."""

    def __init__(self, lang: str, rng: random.Random) -> None:
        self.lang = lang
        self.rng = rng
        self.date_style = rng.choice(DATE_STYLES[lang])

    def date(self, value: str | date | None) -> str:
        if value is None:
            return ""
        day = date.fromisoformat(value) if isinstance(value, str) else value
        return date_text(day, self.date_style)

    def until(self, value: str) -> str:
        """A validity end: a date or the words for open-ended."""
        if value == "indefinite":
            if self.lang == "zh":
                return self.rng.choice(["长期", "长期有效"])
            return self.rng.choice(["Long-term", "Indefinite", "Permanent", "LONG-TERM"])
        return self.date(value)

    def gender(self, value: str) -> str:
        if self.lang == "zh":
            return "男" if value == "male" else "女"
        return self.rng.choice([("Male", "Female"), ("M", "F"), ("MALE", "FEMALE")])[
            0 if value == "male" else 1
        ]

    def money(self, amount: float) -> str:
        value = int(amount)
        if self.lang == "zh":
            return self.rng.choice(
                [f"{value}元", f"人民币{value:,}元", f"￥{value}.00", f"{value:,}.00元/月"]
            )
        return self.rng.choice(
            [f"RMB {value:,}.00", f"CNY {value}", f"¥{value:,}", f"RMB{value} per month"]
        )


def money_forms(amount: float) -> set[str]:
    value = int(amount)
    return {str(value), f"{value:,}"}


def gender_forms(value: str) -> set[str]:
    return {"男", "Male", "M", "MALE"} if value == "male" else {"女", "Female", "F", "FEMALE"}
