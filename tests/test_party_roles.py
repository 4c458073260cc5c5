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


def test_a_company_introduced_with_its_role_is_not_the_next_party() -> None:
    """ "between X Ltd. (Party A) and Song Xia (Party B)": the company's name does not run on
    through its own bracket and "and" to the person who is Party B (seed 7800)."""
    page = docgen.lines_page(
        "House Purchase Contract\n"
        "Article 1. This contract is signed on 2024-06-04 between Alexander Culture Media Ltd.\n"
        "(Party A) and Song Xia (Party B).\n"
        "Article 2. The Seller agrees to sell and the Buyer agrees to buy the house located at\n"
        "Flat 101, Block 17, Jinxiu Garden, Wuchang District, Wuhan.\n"
        "Seller (Signature / Seal): Buyer (Signature):"
    )
    fields, _ = extract("purchase_contract", [page], "en")
    assert fields["buyer_name"] == "Song Xia"
    assert fields["seller_name"] == "Alexander Culture Media Ltd."
