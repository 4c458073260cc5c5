"""A party's role in brackets names the words before it only within its own clause: an
address row over a "Party B (Buyer)" label is not the buyer."""

from __future__ import annotations

import docgen

from extractors import extract

CONTRACT = """Second-hand House Sale Contract
Transferor: Guangzhou Dingxin Property Management Co., Ltd.
Location: Flat 1204, Block 22, Xinyuan Garden, 139 Renmin Avenue, Huangpu District, Shanghai
Contract Date: 2024/03/12
Party B (Buyer): Donald Wilson
Total Price: RMB 910,000"""


def test_an_address_over_a_party_label_is_not_the_party() -> None:
    fields, _ = extract("purchase_contract", [docgen.lines_page(CONTRACT)], "en")
    assert fields["buyer_name"] == "Donald Wilson"
    assert fields["seller_name"] == "Guangzhou Dingxin Property Management Co., Ltd."


def test_a_name_with_a_short_clause_before_its_role_is_still_the_party() -> None:
    page = docgen.lines_page(
        "Sale and Purchase Agreement\n"
        "This agreement is made between Wang Fang, ID No. 110105199003071234, (the Seller)\n"
        "and Zhou Min, ID No. 310104198805061234, (the Buyer)."
    )
    fields, _ = extract("purchase_contract", [page], "en")
    assert fields["buyer_name"] == "Zhou Min"
