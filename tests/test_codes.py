"""ID-number validity where python-stdnum's place table answers only at province level."""

from __future__ import annotations

from stdnum.cn import ric

from pipeline import codes


def _with_check_digit(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


def test_a_province_level_birth_place_does_not_crash_the_check() -> None:
    # 110300: stdnum knows the province (Beijing) but no county, and its own
    # is_valid() raises KeyError('county') for it (seen crashing an application)
    number = _with_check_digit("11030019900307001")
    assert codes.is_valid_id_number(number)
    wrong_digit = number[:-1] + ("1" if number[-1] != "1" else "2")
    assert not codes.is_valid_id_number(wrong_digit)
    bad_date = _with_check_digit("11030019901307001")  # month 13
    assert not codes.is_valid_id_number(bad_date)


def test_ordinary_numbers_are_judged_as_before() -> None:
    valid = _with_check_digit("11010119900307001")
    assert codes.is_valid_id_number(valid)
    assert not codes.is_valid_id_number(valid[:-1] + ("0" if valid[-1] != "0" else "1"))
    assert not codes.is_valid_id_number(valid[:17])
