"""Order 1907 end to end through the API: the happy path and its figures."""

from __future__ import annotations

from tests.support.api import Api
from tests.support.declarations import (
    ACCOUNT,
    CONTROL,
    REFUSE,
    RELEASE,
    declaration_input,
    item,
    lines,
    new_license,
    op,
    register,
)
from tests.support.licenses import STATUS, unique


async def test_p6_p7_p10_p8_control_account_release(api: Api) -> None:
    """Order 1907 p.6 control, p.7 accounting before release, p.10 notification, p.8
    release within the licence's quantity."""
    license = await new_license(api)
    registered = await register(api, declaration_input([item(license, quantity="40")]))
    assert registered["userErrors"] == []
    number = registered["declaration"]["number"]
    assert registered["declaration"]["status"] == "REGISTERED"

    controlled = await op(api, CONTROL, {"number": number})
    assert controlled["userErrors"] == []
    assert controlled["declaration"]["status"] == "CONTROLLED"
    assert controlled["declaration"]["discrepancies"] == []

    accounted = await op(api, ACCOUNT, {"number": number})
    assert accounted["userErrors"] == [], accounted
    decl = accounted["declaration"]
    assert decl["status"] == "ACCOUNTED"
    assert decl["accountingNotification"]["kind"] == "ACCOUNTED"
    assert [e["operation"] for e in decl["ledgerEntries"]] == ["WRITE_OFF"]
    line = (await lines(api, license))[0]
    assert (line["accounted"], line["released"], line["available"]) == ("40", "0", "60")

    released = await op(api, RELEASE, {"number": number})
    assert released["userErrors"] == [], released
    assert released["declaration"]["status"] == "RELEASED"
    line = (await lines(api, license))[0]
    assert (line["accounted"], line["released"], line["available"]) == ("40", "40", "60")


async def test_p9_exhaustion_message_from_the_feed_is_a_refusal_ground(api: Api) -> None:
    """Order 1907 p.9: "поступления ... сообщения об исчерпании количества товара по
    лицензии" - the feed's exhaustion message makes the licence EXHAUSTED, control
    reports LICENCE_EXHAUSTED (not fixable), and release is refused on EXHAUSTION."""
    license = await new_license(api)
    registered = await register(api, declaration_input([item(license, quantity="5")]))
    number = registered["declaration"]["number"]
    body = await api.data(
        STATUS % "reportLicenseExhaustion",
        {"input": {"messageId": unique("m"), "number": license, "reason": "исчерпана"}},
        role="INTEGRATOR",
    )
    assert body["reportLicenseExhaustion"]["license"]["status"] == "EXHAUSTED"
    controlled = (await op(api, CONTROL, {"number": number}))["declaration"]
    assert [(d["code"], d["fixable"]) for d in controlled["discrepancies"]] == [
        ("LICENCE_EXHAUSTED", False)
    ]
    refused = await op(api, REFUSE, {"number": number, "grounds": ["EXHAUSTION"], "reason": "p.9"})
    assert refused["userErrors"] == []
    assert refused["declaration"]["status"] == "REFUSED"
    assert [g["code"] for g in refused["declaration"]["refusal"]["grounds"]] == ["EXHAUSTION"]
